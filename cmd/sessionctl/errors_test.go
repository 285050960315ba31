package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	session "github.com/goastro/session"
)

// TestErrors checks that every wrong use is reported clearly, with the exit
// code of its kind, and never as a panic.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	fsOpts := `{"base":"` + dir + `"}`
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", []string{"-driver", "memory"}, exitUsage, "no command given"},
		{"no driver", []string{"list"}, exitUsage, "no driver: give -driver NAME or set SESSION_DRIVER"},
		{"unknown driver", []string{"-driver", "mongo", "list"}, exitError, `unknown driver "mongo" (sessionctl knows: fs, fs-lite, fsLite, memory, postgres, redis, sqlite)`},
		{"bad options JSON", []string{"-driver", "fs-lite", "-options", `{"base":`, "list"}, exitUsage, "-options is not valid JSON"},
		{"options not an object", []string{"-driver", "fs-lite", "-options", `["x"]`, "list"}, exitUsage, "-options must be a JSON object"},
		{"two JSON values", []string{"-driver", "fs-lite", "-options", `{} {}`, "list"}, exitUsage, "more than one JSON value"},
		{"unknown option", []string{"-driver", "fs-lite", "-options", `{"bas":"x"}`, "list"}, exitError, `bad options: storage: invalid driver option: fs-lite: unknown option "bas"`},
		{"mistyped option", []string{"-driver", "memory", "-options", `{"maxEntries":"many"}`, "list"}, exitError, `option "maxEntries" must be a whole number`},
		{"Redis unreachable", []string{"-driver", "redis", "-options", `{"url":"redis://127.0.0.1:1"}`, "-timeout", "3s", "list"}, exitError, `driver "redis": the store cannot be reached:`},
		{"PostgreSQL unreachable", []string{"-driver", "postgres", "-options", `{"url":"postgres://postgres@127.0.0.1:1/test?connect_timeout=2"}`, "list"}, exitError, `driver "postgres": cannot open the store:`},
		{"malformed ID", []string{"-driver", "fs-lite", "-options", fsOpts, "show", "../../etc/passwd"}, exitUsage, `malformed session ID "../../etc/passwd"`},
		{"uppercase ID", []string{"-driver", "fs-lite", "-options", fsOpts, "rm", "0B5E7C1E-3F6A-4C2E-9D7B-1A2B3C4D5E6F"}, exitUsage, "malformed session ID"},
		{"missing session", []string{"-driver", "fs-lite", "-options", fsOpts, "show", "0b5e7c1e-3f6a-4c2e-9d7b-1a2b3c4d5e6f"}, exitError, "no session 0b5e7c1e-3f6a-4c2e-9d7b-1a2b3c4d5e6f in the store"},
		{"unknown command", []string{"-driver", "memory", "frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"extra argument", []string{"-driver", "memory", "stats", "now"}, exitUsage, "wrong number of arguments"},
		{"negative limit", []string{"-driver", "memory", "list", "-limit", "-1"}, exitUsage, "-limit must not be negative"},
		{"migrate without target", []string{"-driver", "memory", "migrate"}, exitUsage, "-to-driver NAME is required"},
		{"migrate to itself", []string{"-driver", "fs-lite", "-options", fsOpts, "migrate", "-to-driver", "fs-lite", "-to-options", fsOpts}, exitError, "the target is the source store"},
		{"migrate to an unknown driver", []string{"-driver", "memory", "migrate", "-to-driver", "nope"}, exitError, `target: unknown driver "nope"`},
		{"migrate with bad target options", []string{"-driver", "memory", "migrate", "-to-driver", "redis", "-to-options", "nope"}, exitUsage, "-to-options is not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := ctl(t, "", tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q (stdout %q); want exit %d and %q", code, errs, out, tc.code, tc.want)
			}
			if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") {
				t.Fatalf("panicked: %s", errs)
			}
		})
	}
}

// TestEnvironment takes the driver and its options from SESSION_DRIVER and SESSION_OPTIONS.
func TestEnvironment(t *testing.T) {
	t.Setenv("SESSION_DRIVER", "fs-lite")
	t.Setenv("SESSION_OPTIONS", `{"base":"`+t.TempDir()+`"}`)
	if out := mustCtl(t, "", "stats"); !strings.HasPrefix(out, "sessions: 0\n") {
		t.Fatalf("stats: %q", out)
	}
	t.Setenv("SESSION_OPTIONS", `not json`)
	if code, _, errs := ctl(t, "", "stats"); code != exitUsage || !strings.Contains(errs, "-options is not valid JSON") {
		t.Fatalf("bad SESSION_OPTIONS: %d %q", code, errs)
	}
}

// TestBinary builds the command and runs it as an operator would.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sessionctl")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	st := fsStore(t)
	id := newSession(t, manager(t, st.d), func(s *session.Session) error { return s.Set("k", 1) })
	cmd := exec.Command(bin, st.flags("list")...)
	cmd.Env = append(os.Environ(), "SESSION_DRIVER=")
	out, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(out), id+"  ") {
		t.Fatalf("sessionctl list: %v\n%s", err, out)
	}
	cmd = exec.Command(bin, "-driver", "nope", "list")
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitError || !strings.Contains(string(out), "unknown driver") {
		t.Fatalf("unknown driver: %v\n%s", err, out)
	}
}
