package session

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKeyForTest struct{}

func TestSaveContext(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKeyForTest{}, "v"))
	c := newSaveContext(parent, 50*time.Millisecond)
	defer c.stop()
	cancel() // the request ends: the save goes on
	if c.Err() != nil || c.Value(ctxKeyForTest{}) != "v" {
		t.Fatalf("Err %v, Value %v", c.Err(), c.Value(ctxKeyForTest{}))
	}
	if d, ok := c.Deadline(); !ok || time.Until(d) > 50*time.Millisecond {
		t.Fatalf("deadline %v %v", d, ok)
	}
	select {
	case <-c.Done():
		t.Fatal("done before the deadline")
	default:
	}
	// A context derived from it ends with it.
	child, cancelChild := context.WithCancel(c)
	defer cancelChild()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done never closed")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) || !errors.Is(child.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err %v, child %v", c.Err(), child.Err())
	}
	// Without a Done channel, Err follows the clock.
	c2 := newSaveContext(context.Background(), time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if !errors.Is(c2.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err %v after the deadline", c2.Err())
	}
}
