package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgressBar draws on a terminal only, and ends with the line cleared.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	bar := newBar(&b, true, "migrate", 4)
	for range 4 {
		bar.add(1)
	}
	bar.done()
	if out := b.String(); !strings.Contains(out, "migrate [") || !strings.Contains(out, "] 4/4") || !strings.HasSuffix(out, "\r\033[K") {
		t.Fatalf("bar drew %q", out)
	}
	b.Reset()
	off := newBar(&b, false, "migrate", 4)
	off.add(4)
	off.done()
	if b.Len() != 0 {
		t.Fatalf("a bar that is off drew %q", b.String())
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if terminal(f) || terminal(&b) {
		t.Fatal("a file or a buffer taken for a terminal")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !terminal(tty) {
			t.Fatal("/dev/tty not taken for a terminal")
		}
	}
}
