package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	session "github.com/goastro/session"
	"github.com/goastro/session/devalue"
)

// TestCommands runs every command end to end on each store.
func TestCommands(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(testing.TB) store
	}{{"fs-lite", fsStore}, {"redis", redisStore}, {"postgres", postgresStore}} {
		t.Run(tc.name, func(t *testing.T) { exercise(t, tc.open(t)) })
	}
}

func exercise(t *testing.T, st store) {
	m := manager(t, st.d)
	when := time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	a := newSession(t, m, func(s *session.Session) error {
		tags := new(devalue.Map)
		tags.Set("color", "red")
		return errorsJoin(s.Set("cart", []string{"sku-1", "sku-2"}), s.Set("when", when),
			s.Set("big", bigTen), s.Set("tags", tags), s.SetUser("alice"))
	})
	b := newSession(t, m, func(s *session.Session) error { return s.SetUser("alice") })
	c := newSession(t, m, func(s *session.Session) error { return s.Set("theme", "dark") })

	t.Run("list", func(t *testing.T) {
		out := mustCtl(t, "", st.flags("list")...)
		if n := strings.Count(out, "\n"); n != 3 || !strings.Contains(out, a) || !strings.Contains(out, c) {
			t.Fatalf("list:\n%s", out)
		}
		users := mustCtl(t, "", st.flags("list", "-user", "alice", "-json")...)
		var ids []string
		for _, l := range strings.Split(strings.TrimSpace(users), "\n") {
			var v struct {
				ID, User string
				Size     int
			}
			if err := json.Unmarshal([]byte(l), &v); err != nil || v.User != "alice" || v.Size == 0 {
				t.Fatalf("list -user -json line %q: %v", l, err)
			}
			ids = append(ids, v.ID)
		}
		slices.Sort(ids)
		want := []string{a, b}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("list -user alice = %v, want %v", ids, want)
		}
		if out := mustCtl(t, "", st.flags("list", "-limit", "1")...); strings.Count(out, "\n") != 1 {
			t.Fatalf("list -limit 1:\n%s", out)
		}
	})
	t.Run("show", func(t *testing.T) { checkShow(t, st, a) })
	t.Run("stats", func(t *testing.T) {
		out := mustCtl(t, "", st.flags("stats")...)
		for _, want := range []string{"sessions: 3\n", "never (no expiry)             3", "user indexes: 1\n"} {
			if !strings.Contains(out, want) {
				t.Fatalf("stats lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("export and import", func(t *testing.T) { checkExportImport(t, st, a) })
	t.Run("purge", func(t *testing.T) { checkPurge(t, st, m) })
	t.Run("rm", func(t *testing.T) {
		if out := mustCtl(t, "", st.flags("rm", c)...); out != "removed 1 session(s)\n" {
			t.Fatalf("rm: %q", out)
		}
		if ok, _ := st.d.Has(t.Context(), c); ok {
			t.Fatal("rm left the session")
		}
	})
	t.Run("destroy-user", func(t *testing.T) {
		if out := mustCtl(t, "", st.flags("destroy-user", "alice")...); !strings.HasPrefix(out, "removed 2 session(s)") {
			t.Fatalf("destroy-user: %q", out)
		}
		if got, _ := m.UserSessions(t.Context(), "alice"); len(got) != 0 {
			t.Fatalf("sessions left: %v", got)
		}
	})
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func checkShow(t *testing.T, st store, id string) {
	out := mustCtl(t, "", st.flags("show", id)...)
	var doc struct {
		ID      string
		User    string
		Expires *string
		Entries []struct {
			Key     string
			Expired bool
			Value   json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("show is not JSON: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, e := range doc.Entries {
		got[e.Key] = string(e.Value)
	}
	want := map[string]string{
		"cart": `["sku-1","sku-2"]`,
		"when": `{"$type":"Date","value":"2025-01-02T03:04:05.006Z"}`,
		"big":  `{"$type":"BigInt","value":"100000000000000000000"}`,
		"tags": `{"$type":"Map","entries":[["color","red"]]}`,
	}
	for k, v := range want {
		if compact(t, got[k]) != v {
			t.Errorf("show %s = %s, want %s", k, got[k], v)
		}
	}
	if doc.ID != id || doc.User != "alice" || doc.Expires != nil {
		t.Errorf("show header: %+v", doc)
	}
}

func compact(t *testing.T, s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	b, _ := json.Marshal(v)
	// encoding/json sorts object keys: compare in that form
	return strings.ReplaceAll(string(b), `{"entries":[["color","red"]],"$type":"Map"}`, `{"$type":"Map","entries":[["color","red"]]}`)
}

func checkExportImport(t *testing.T, st store, id string) {
	dump := mustCtl(t, "", st.flags("export")...)
	lines := strings.Split(strings.TrimSpace(dump), "\n")
	if len(lines) != 4 { // three sessions and alice's index
		t.Fatalf("export wrote %d lines:\n%s", len(lines), dump)
	}
	orig, _, _ := st.d.Get(t.Context(), id)
	for _, l := range lines {
		var v line
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if v.Key == id && v.Value != orig {
			t.Fatalf("export changed the record text:\n%s\n%s", v.Value, orig)
		}
	}
	mustCtl(t, "", st.flags("rm", id)...)
	out := mustCtl(t, dump, st.flags("import")...)
	if !strings.HasPrefix(out, "copied 1, skipped 3 (3 already on the target") {
		t.Fatalf("import: %q", out)
	}
	if back, ok, _ := st.d.Get(t.Context(), id); !ok || back != orig {
		t.Fatalf("import wrote %q, want %q", back, orig)
	}
	code, out, errs := ctl(t, "{not json}\n", st.flags("import")...)
	if code != exitError || !strings.Contains(errs, "line 1: not a record of export") || !strings.Contains(out, "failed 1") {
		t.Fatalf("import of a bad line: exit %d %q %q", code, out, errs)
	}
}

// checkPurge stores a dead session and one with an expired key, and purges.
func checkPurge(t *testing.T, st store, m *session.Manager) {
	ctx := t.Context()
	past := time.Now().Add(-time.Hour).UnixMilli()
	future := time.Now().Add(time.Hour).UnixMilli()
	dead, partly := session.NewID(), session.NewID()
	if err := errorsJoin(
		st.d.Set(ctx, dead, recordText(t, "a", "x", past), 0),
		st.d.Set(ctx, partly, recordText(t, "old", "x", past, "new", "y", future), 0),
	); err != nil {
		t.Fatal(err)
	}
	out := mustCtl(t, "", st.flags("purge")...)
	if !strings.HasPrefix(out, "removed 1 expired session(s)") || !strings.Contains(out, "and 1 expired key(s) from 1 other session(s)") {
		t.Fatalf("purge: %q", out)
	}
	if ok, _ := st.d.Has(ctx, dead); ok {
		t.Fatal("purge left the dead session")
	}
	text, _, _ := st.d.Get(ctx, partly)
	if want := recordText(t, "new", "y", future); text != want {
		t.Fatalf("purge left %s, want %s", text, want)
	}
	if got, _ := serve(t, m, partly, "new"); got != "y" {
		t.Fatalf("the purged session reads %q", got)
	}
	if out := mustCtl(t, "", st.flags("purge")...); !strings.HasPrefix(out, "removed 0 expired session(s)") {
		t.Fatalf("second purge: %q", out)
	}
}
