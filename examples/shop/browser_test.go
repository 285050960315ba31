package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
)

// TestBrowser walks the shop in headless Chromium (Debian's chromium package,
// driven by playwright-core from testdata/browser): log in through the form,
// add to the cart with the action buttons, see the count on the dashboard,
// switch to the dark theme, log out. Screenshots are saved in testdata/artifacts/browser/<case>.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = testenv.Command(t, "chromium", "apt-get install chromium, or set CHROMIUM to a Chromium binary")
	}
	node := testenv.Command(t, "node", "Node.js 20 or newer")
	dir := testenv.NPM(t, filepath.Join("testdata", "browser"))

	shotsRoot, err := filepath.Abs(filepath.Join("testdata", "artifacts", "browser"))
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(shotsRoot)

	// Chromium keeps Secure cookies on http://127.0.0.1, so the walk works with
	// the default cookie and with SESSION_SECURE=false.
	for _, c := range []struct {
		name     string
		insecure bool
	}{{"secure-cookie", false}, {"insecure-cookie", true}} {
		t.Run(c.name, func(t *testing.T) {
			_, srv := serveShop(t, config{Driver: "fs-lite", Base: t.TempDir(), Insecure: c.insecure,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			shots := filepath.Join(shotsRoot, c.name)
			walkBrowser(t, node, dir, chromium, srv.URL, shots, !c.insecure)
		})
	}
	t.Logf("screenshots saved in %s", shotsRoot)
}

func walkBrowser(t *testing.T, node, dir, chromium, url, shots string, secure bool) {
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "browser.mjs", url, shots)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "EXPECT_SECURE="+strconv.FormatBool(secure))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("browser:\n%s", out.String())
	if err != nil {
		t.Fatalf("the browser walk failed: %v", err)
	}
	if !strings.Contains(out.String(), "step: done") {
		t.Fatal("the browser walk did not finish")
	}
	for _, name := range []string{"cart.png", "dashboard.png", "settings-dark.png", "logged-out.png"} {
		b, err := os.ReadFile(filepath.Join(shots, name))
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 1000 {
			t.Fatalf("screenshot %s missing or not a PNG (%d bytes, %v)", name, len(b), err)
		}
	}
	t.Logf("screenshots saved in %s", shots)
}
