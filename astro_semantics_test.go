package session

import (
	"context"
	"errors"
	"github.com/goastro/session/internal/record"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session/storage/memory"
)

// newLifecycle is a Manager on the memory driver with a fake clock.
func newLifecycle(t *testing.T, cfg Config) (*Manager, *memory.Store, *fakeClock) {
	t.Helper()
	d := memory.New(memory.Options{})
	cfg.Storage, cfg.Logger = d, quietLogger()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, d, newFakeClock(m)
}

func finish(t *testing.T, s *Session) string {
	t.Helper()
	line, err := s.Finish(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// A TTL counts from the Set call, as Astro's set() does, not from the
// request's start.
func TestTTLStartsAtSet(t *testing.T) {
	m, d, clock := newLifecycle(t, Config{})
	s := m.Start(context.Background(), "")
	clock.advance(10 * time.Second) // a slow request
	setAt := m.nowMS()
	if err := s.Set("k", 1, WithTTL(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	finish(t, s)
	text, _, _ := d.Get(context.Background(), s.ID())
	rec, err := record.Decode(text, math.Inf(-1))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := rec.Get("k"); e == nil || e.Expires != setAt+5000 {
		t.Fatalf("expiry %v, want %v", e, setAt+5000)
	}
}

// WithTTL(0) expires at once and a negative TTL is already expired, as in
// Astro; WithoutTTL keeps an entry forever whatever Config.TTL says.
func TestTTLZeroNegativeAndWithout(t *testing.T) {
	m, d, clock := newLifecycle(t, Config{TTL: time.Hour})
	s := m.Start(context.Background(), "")
	s.Set("zero", 1, WithTTL(0))
	s.Set("negative", 1, WithTTL(-time.Second))
	s.Set("forever", 1, WithoutTTL())
	s.Set("default", 1)
	if ok, _ := s.Has("negative"); ok {
		t.Fatal("a negative TTL was not expired at once")
	}
	clock.advance(time.Millisecond)
	if ok, _ := s.Has("zero"); ok {
		t.Fatal("WithTTL(0) did not expire")
	}
	finish(t, s)
	text, _, _ := d.Get(context.Background(), s.ID())
	rec, _ := record.Decode(text, math.Inf(-1))
	if len(rec.Entries) != 2 {
		t.Fatalf("stored %s", text)
	}
	if e, _ := rec.Get("forever"); e == nil || e.HasExp {
		t.Fatalf("WithoutTTL stored %s", text)
	}
	if e, _ := rec.Get("default"); e == nil || !e.HasExp {
		t.Fatalf("Config.TTL not applied: %s", text)
	}
}

// Durations under a second are refused: Astro counts ttl in seconds, and
// TTL: 3600 in Go is 3.6 µs.
func TestDurationsUnderASecondRefused(t *testing.T) {
	for _, cfg := range []Config{{TTL: 3600}, {IdleTimeout: 500 * time.Millisecond}, {AbsoluteTimeout: 10}} {
		_, err := New(Config{TTL: cfg.TTL, IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.AbsoluteTimeout, Storage: memory.New(memory.Options{})})
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "time.Duration") {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
}

// A record with no live entries is answered as an unknown ID: a read-only
// request writes nothing and sends no cookie; the first write moves the
// session to a new ID and removes the empty record. (Astro keeps the ID; see
// interop/README.md, "Known differences".)
func TestEmptyRecordReadOnly(t *testing.T) {
	m, d, _ := newLifecycle(t, Config{})
	ctx := context.Background()
	for _, stored := range []string{`[["Map"]]`, `[["Map",1,2],"k",{"data":3,"expires":4},1,1000]`} {
		id := NewID()
		d.Set(ctx, id, stored, 0)
		s := m.Start(ctx, id)
		if keys, err := s.Keys(); len(keys) != 0 || err != nil {
			t.Fatalf("%s: keys %v, %v", stored, keys, err)
		}
		if line := finish(t, s); line != "" {
			t.Fatalf("%s: a read sent %q", stored, line)
		}
		if text, _, _ := d.Get(ctx, id); text != stored {
			t.Fatalf("%s: a read wrote %s", stored, text)
		}
		s = m.Start(ctx, id)
		s.Set("n", 1)
		if line := finish(t, s); s.ID() == id || !strings.Contains(line, s.ID()) {
			t.Fatalf("%s: a write kept the empty record's ID (cookie %q)", stored, line)
		}
		if _, ok, _ := d.Get(ctx, id); ok {
			t.Fatalf("%s: the empty record was not removed by the write", stored)
		}
	}
}

// An Astro application's own value under MetaKey is never lost by the Go side.
func TestAstroOwnMetaKeyKept(t *testing.T) {
	m, d, _ := newLifecycle(t, Config{IdleTimeout: time.Hour})
	ctx := context.Background()
	for _, stored := range []string{
		`[["Map",1,2],"$session",{"data":3,"expires":-1},"astro's own"]`,
		`[["Map",1,2],"$session",{"data":3,"expires":-1},{"theme":4},"dark"]`,
	} {
		id := NewID()
		d.Set(ctx, id, stored, 0)
		s := m.Start(ctx, id)
		if err := s.Set("k", "v"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUser("ada"); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("SetUser over the application's own %s: %v", MetaKey, err)
		}
		finish(t, s)
		text, _, _ := d.Get(ctx, id)
		rec, err := record.Decode(text, math.Inf(-1))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := record.Decode(stored, math.Inf(-1))
		got, _ := rec.Get(MetaKey)
		gs, _ := record.Codec.Stringify(got.Data)
		ws, _ := record.Codec.Stringify(want.Entries[0].Data)
		if gs != ws || rec.Meta != nil {
			t.Fatalf("stored %s, want the application's %s kept", text, MetaKey)
		}
		if keys, _ := m.Start(ctx, id).Keys(); len(keys) != 1 || keys[0] != "k" {
			t.Fatalf("keys %v", keys)
		}
	}
}

// tornStore returns a half-written record on the first read, as a reader of
// an fs record that Astro is rewriting in place sees it.
type tornStore struct {
	*memory.Store
	torn bool
}

func (t *tornStore) Get(ctx context.Context, key string) (string, bool, error) {
	v, ok, err := t.Store.Get(ctx, key)
	if ok && !t.torn {
		t.torn = true
		return v[:len(v)/2], true, nil
	}
	return v, ok, err
}

// A record read while another program rewrites it is read again, not taken
// for corrupt and removed.
func TestTornReadReadAgain(t *testing.T) {
	d := &tornStore{Store: memory.New(memory.Options{})}
	m, err := New(Config{Storage: d, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := NewID()
	d.Store.Set(ctx, id, `[["Map",1,2],"cart",{"data":3,"expires":-1},"astro's"]`, 0)
	s := m.Start(ctx, id)
	if v, err := s.Get("cart"); v != "astro's" || err != nil {
		t.Fatalf("read %v, %v", v, err)
	}
	finish(t, s)
	if _, ok, _ := d.Store.Get(ctx, id); !ok || s.ID() != id {
		t.Fatal("a torn read removed the record")
	}
}
