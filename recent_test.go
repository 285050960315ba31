package session

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session/internal/record"

	"github.com/goastro/session/storage/memory"
)

// A request that writes its session without reading it sends one conditional
// write and no read when this process saw the record last; another writer's
// change, or the record's removal, is still found and merged as before.
func TestWriteFirstUsesTheRecordLastSeen(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New(memory.Options{}), Config{})
	m := e.mgr
	add := func(id string) error {
		s := m.Start(ctx, id)
		err := Update(s, "n", func(old float64, _ bool) (float64, error) { return old + 1, nil })
		if _, ferr := s.Finish(ctx); err == nil {
			err = ferr
		}
		return err
	}

	s := m.Start(ctx, "")
	if err := s.Set("n", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	id := s.ID()

	gets, sets := e.count.gets.Load(), e.count.sets.Load()
	if err := add(id); err != nil {
		t.Fatal(err)
	}
	if g, w := e.count.gets.Load()-gets, e.count.sets.Load()-sets; g != 0 || w != 1 {
		t.Fatalf("Update after this process wrote the record: %d reads and %d writes, want 0 and 1", g, w)
	}

	// Another process changes the record: the swap against the remembered text
	// fails, the record is read, and both changes are kept.
	text, _, _ := e.store.Get(ctx, id)
	other := mustManager(t, e).Start(ctx, id)
	if err := other.Set("other", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if after, _, _ := e.store.Get(ctx, id); after == text {
		t.Fatal("the other writer changed nothing")
	}
	if err := add(id); err != nil {
		t.Fatal(err)
	}
	r := m.Start(ctx, id)
	n, _, err := Get[float64](r, "n")
	o, _, err2 := Get[string](r, "other")
	if err != nil || err2 != nil || n != 3 || o != "x" {
		t.Fatalf("after a write by another process: n=%v other=%q (%v, %v), want 3 and x", n, o, err, err2)
	}

	// Another process removes the session: the write goes to a new ID and the
	// old one stays gone.
	if err := e.store.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	s = m.Start(ctx, id)
	if err := Update(s, "n", func(old float64, ok bool) (float64, error) { return old + 1, nil }); err != nil {
		t.Fatal(err)
	}
	setCookie, err := s.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID() == id || !strings.Contains(setCookie, s.ID()) {
		t.Fatalf("a write to a removed session: ID %q, Set-Cookie %q; want a new ID sent", s.ID(), setCookie)
	}
	if _, ok, _ := e.store.Get(ctx, id); ok {
		t.Fatal("the removed session was written again")
	}
}

// A read never answers from the record this process saw last: a change by
// another process is seen at once.
func TestReadsDoNotUseTheRecordLastSeen(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New(memory.Options{}), Config{})
	s := e.mgr.Start(ctx, "")
	s.Set("k", "mine")
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	other := mustManager(t, e)
	o := other.Start(ctx, s.ID())
	o.Set("k", "theirs")
	if _, err := o.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.mgr.Start(ctx, s.ID())
	if v, _, err := Get[string](r, "k"); err != nil || v != "theirs" {
		t.Fatalf("read %q (%v), want the other process's value", v, err)
	}
}

// KeepTTL keeps an entry stored without expiry without one, and gives the TTL
// to a new entry or to one that expires.
func TestKeepTTL(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New(memory.Options{}), Config{TTL: 30 * time.Minute})
	s := e.mgr.Start(ctx, "")
	if err := Update(s, "guest", func(int, bool) (int, error) { return 1, nil }, KeepTTL()); err != nil {
		t.Fatal(err)
	}
	s.Set("member", 1, WithoutTTL())
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	s = e.mgr.Start(ctx, s.ID())
	for _, k := range []string{"guest", "member"} {
		if err := Update(s, k, func(n int, _ bool) (int, error) { return n + 1, nil }, KeepTTL()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Set("member", 5, KeepTTL()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	text, _, _ := e.store.Get(ctx, s.ID())
	rec := mustDecode(t, text)
	for k, want := range map[string]bool{"guest": true, "member": false} {
		en, ok := rec.Get(k)
		if !ok || en.HasExp != want {
			t.Errorf("%s: stored %v, expires %v; want expires %v (%s)", k, ok, en != nil && en.HasExp, want, text)
		}
	}
}

// mustManager is a Manager on e's store as another process has it: without the
// records e's Manager saw.
func mustManager(t *testing.T, e *env) *Manager {
	t.Helper()
	m, err := New(Config{Storage: e.store, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustDecode(t *testing.T, text string) *record.Record {
	t.Helper()
	rec, err := record.Decode(text, 0)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// An Update that fails on the record this process remembered leaves nothing
// of that record behind: a read after it goes to the store.
func TestFailedWriteFirstDoesNotServeTheRecordLastSeen(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New(memory.Options{}), Config{})
	s := e.mgr.Start(ctx, "")
	s.Set("k", "mine")
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	o := mustManager(t, e).Start(ctx, s.ID())
	o.Set("k", "theirs")
	if _, err := o.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.mgr.Start(ctx, s.ID())
	refused := errors.New("refused")
	if err := Update(r, "n", func(int, bool) (int, error) { return 0, refused }); !errors.Is(err, refused) {
		t.Fatalf("Update: %v, want the function's error", err)
	}
	if v, _, err := Get[string](r, "k"); err != nil || v != "theirs" {
		t.Fatalf("read after the failed Update: %q (%v), want the other process's value", v, err)
	}
}

// A remembered record with nothing in it (or past its lifetime) is read from
// the store before a write: another process may have written into that ID
// since, and its data must not be removed.
func TestWriteFirstOnAnEmptyRecordLastSeen(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memory.New(memory.Options{}), Config{})
	s := e.mgr.Start(ctx, "")
	s.Set("k", 1)
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	id := s.ID()
	s = e.mgr.Start(ctx, id)
	s.Delete("k")
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if text, _, _ := e.store.Get(ctx, id); text != "[[\"Map\"]]" {
		t.Fatalf("the emptied record is %q, want an empty Map", text)
	}
	// Another program (an Astro page) writes into that ID.
	theirs := record.Record{Entries: []record.Entry{{Key: "theirs", Data: "x"}}}
	text, _, err := theirs.Encode(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.Set(ctx, id, text, 0); err != nil {
		t.Fatal(err)
	}
	w := e.mgr.Start(ctx, id)
	if err := Update(w, "mine", func(string, bool) (string, error) { return "y", nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	text, ok, _ := e.store.Get(ctx, id)
	if !ok || !strings.Contains(text, `"theirs"`) {
		t.Fatalf("the other process's record under %s is %q (stored %v); want it kept", id, text, ok)
	}
}
