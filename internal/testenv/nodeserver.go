package testenv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// StartNodeServer runs a Node.js server script of dir (a folder whose
// package.json depends on the npm node package, which brings Node.js 22) for
// one test and returns the URL it listens on. The script must print
// {"url": "http://127.0.0.1:port"} on one line once it listens, and stop when
// its standard input closes, which happens when the test ends (it is killed if
// it has not stopped two seconds later). The packages of dir are installed
// first when they are missing (see NPM).
func StartNodeServer(t testing.TB, dir, script string, args ...string) string {
	t.Helper()
	abs := NPM(t, dir)
	node := filepath.Join(abs, "node_modules", "node", "bin", "node")
	cmd := exec.Command(node, append([]string{script}, args...)...)
	cmd.Dir = abs
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		Unavailable(t, "cannot run %s: %v", node, err)
	}
	done := make(chan error, 1)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() { // keep draining what the server prints
		}
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	select {
	case line, ok := <-lines:
		var ready struct{ URL string }
		if !ok || json.Unmarshal([]byte(line), &ready) != nil || ready.URL == "" {
			t.Fatalf("%s did not start: first line %q\n%s", script, line, stderr.String())
		}
		return ready.URL
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start within 60 s\n%s", script, stderr.String())
	}
	return ""
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// RunNodeScript runs a Node.js script of dir (see StartNodeServer) to its end
// and returns what it printed on standard output.
func RunNodeScript(t testing.TB, dir, script string, args ...string) []byte {
	t.Helper()
	abs := NPM(t, dir)
	cmd := exec.Command(filepath.Join(abs, "node_modules", "node", "bin", "node"), append([]string{script}, args...)...)
	cmd.Dir = abs
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	return out
}
