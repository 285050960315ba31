package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	session "github.com/goastro/session"
	"github.com/goastro/session/storage"
)

// The kinds of keys in a session store.
const (
	kindOther     = iota
	kindSession   // a session record, under its ID
	kindUserIndex // a user's list of session IDs, kept by the session package
)

func keyKind(k string) int {
	switch {
	case session.ValidID(k):
		return kindSession
	case strings.HasPrefix(k, userIndexPrefix) && len(k) > len(userIndexPrefix):
		return kindUserIndex
	}
	return kindOther
}

// copyable lists the keys that export and migrate copy: sessions and user indexes.
func (e *env) copyable(ctx context.Context) ([]string, error) {
	keys, err := e.keys(ctx)
	if err != nil {
		return nil, err
	}
	out := keys[:0]
	for _, k := range keys {
		if keyKind(k) != kindOther {
			out = append(out, k)
		}
	}
	return out, nil
}

// line is one record of export's output and import's input.
type line struct {
	Key     string  `json:"key"`
	Value   string  `json:"value"`             // the stored devalue text, verbatim
	Expires *string `json:"expires,omitempty"` // the record's expiry, for reading only
}

// exportCmd: export
type exportCmd struct{}

// exportChunk is how many records export reads at once before writing them in order.
const exportChunk = 512

func (c *exportCmd) run(ctx context.Context, e *env) error {
	keys, err := e.copyable(ctx)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	bar := newBar(e.stderr, e.progress, "export", len(keys))
	defer bar.done()
	quiet := *e
	quiet.progress = false
	for start := 0; start < len(keys); start += exportChunk {
		chunk := keys[start:min(start+exportChunk, len(keys))]
		texts := make([]*string, len(chunk))
		pos := make(map[string]int, len(chunk))
		for i, k := range chunk {
			pos[k] = i
		}
		err := quiet.each(ctx, "", chunk, 8, func(ctx context.Context, k string) error {
			text, ok, err := e.get(ctx, k)
			if ok {
				texts[pos[k]] = &text
			}
			return err
		})
		if err != nil {
			return err
		}
		for i, t := range texts {
			if t != nil {
				w.Write(exportLine(chunk[i], *t))
			}
		}
		bar.add(len(chunk))
	}
	return w.Flush()
}

func exportLine(key, text string) []byte {
	l := line{Key: key, Value: text}
	if keyKind(key) == kindSession {
		if rec, err := decodeRecord(text); err == nil {
			if exp, ok := rec.expiry(); ok {
				s := exp.Format(time.RFC3339Nano)
				l.Expires = &s
			}
		}
	}
	b, _ := json.Marshal(l) // strings always marshal
	return append(b, '\n')
}

// tally counts what a copy did.
type tally struct {
	mu                                   sync.Mutex
	copied, same, differs, expired, gone int
	failed                               []error
}

// outcome of copying one record.
type outcome int

const (
	copied outcome = iota
	sameOnTarget
	differsOnTarget
	expired
	goneFromSource
	failed
)

func (t *tally) add(o outcome, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch o {
	case copied:
		t.copied++
	case sameOnTarget:
		t.same++
	case differsOnTarget:
		t.differs++
	case expired:
		t.expired++
	case goneFromSource:
		t.gone++
	case failed:
		t.failed = append(t.failed, err)
	}
}

// report prints the counts, and the first failures on stderr; it returns an
// error when some record failed.
func (t *tally) report(e *env) error {
	fmt.Fprintf(e.stdout, "copied %d, skipped %d (%d already on the target, %d different on the target, %d expired, %d gone from the source), failed %d\n",
		t.copied, t.same+t.differs+t.expired+t.gone, t.same, t.differs, t.expired, t.gone, len(t.failed))
	if t.differs > 0 {
		fmt.Fprintln(e.stdout, "records that differ on the target were left as they are there; -overwrite replaces them")
	}
	for i, err := range t.failed {
		if i == 10 {
			fmt.Fprintf(e.stderr, "... and %d more failures\n", len(t.failed)-i)
			break
		}
		fmt.Fprintf(e.stderr, "failed: %v\n", err)
	}
	if len(t.failed) > 0 {
		return fmt.Errorf("%d record(s) failed", len(t.failed))
	}
	return nil
}

// copier writes records to a target store, keeping their keys and expiries. It
// creates a record only where the target has none, so running it again skips
// what it copied before; with overwrite it replaces a record that differs.
type copier struct {
	dst       storage.Driver
	timeout   time.Duration
	overwrite bool
	lt        lifetime
}

func (c *copier) copy(ctx context.Context, key, text string) (outcome, error) {
	ttl := time.Duration(0)
	switch keyKind(key) {
	case kindSession:
		rec, err := decodeRecord(text)
		if err != nil {
			return failed, fmt.Errorf("session %s: the record cannot be read: %w", key, err)
		}
		live := false
		if ttl, live = rec.ttl(time.Now(), c.lt); !live {
			return expired, nil
		}
	case kindUserIndex:
	default:
		return failed, fmt.Errorf("%q is neither a session ID nor a user index key", clip(key))
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	o, err := c.write(cctx, key, text, ttl)
	if err != nil {
		return failed, fmt.Errorf("writing %s: %w", key, err)
	}
	return o, nil
}

func (c *copier) write(ctx context.Context, key, text string, ttl time.Duration) (outcome, error) {
	sw, atomic := c.dst.(storage.Swapper)
	if atomic {
		if ok, err := sw.CompareAndSwap(ctx, key, "", false, text, ttl); err != nil || ok {
			return copied, err
		}
	}
	old, exists, err := c.dst.Get(ctx, key)
	switch {
	case err != nil:
		return failed, err
	case exists && old == text:
		return sameOnTarget, nil
	case exists && !c.overwrite:
		return differsOnTarget, nil
	case atomic:
		ok, err := sw.CompareAndSwap(ctx, key, old, exists, text, ttl)
		if err == nil && !ok {
			return differsOnTarget, nil // changed on the target meanwhile: it is in use there
		}
		return copied, err
	}
	return copied, c.dst.Set(ctx, key, text, ttl)
}

// importCmd: import [-overwrite] [-idle D] [-absolute D]
type importCmd struct {
	overwrite bool
	lt        lifetime
}

// maxLine bounds one line of import's input.
const maxLine = 64 << 20

func (c *importCmd) run(ctx context.Context, e *env) error {
	cp := &copier{dst: e.store, timeout: e.g.timeout, overwrite: c.overwrite, lt: c.lt}
	var t tally
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for n := 1; sc.Scan(); n++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			continue
		}
		var l line
		if err := json.Unmarshal([]byte(raw), &l); err != nil || l.Key == "" {
			t.add(failed, fmt.Errorf("line %d: not a record of export (want {\"key\":...,\"value\":...}): %v", n, err))
			continue
		}
		t.add(cp.copy(ctx, l.Key, l.Value))
	}
	if err := sc.Err(); err != nil {
		return errors.Join(fmt.Errorf("reading stdin: %w", err), t.report(e))
	}
	return t.report(e)
}

// migrateCmd: migrate -to-driver NAME -to-options JSON [-overwrite] [-idle D] [-absolute D] [-workers N]
type migrateCmd struct {
	driver    string
	options   map[string]any
	overwrite bool
	lt        lifetime
	workers   int
}

func (c *migrateCmd) run(ctx context.Context, e *env) error {
	if c.driver == e.g.driver && reflect.DeepEqual(c.options, e.g.options) {
		return errors.New("the target is the source store: give -to-driver and -to-options of another store")
	}
	dst, err := openStore(ctx, c.driver, c.options, e.g.timeout)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer dst.Close()
	keys, err := e.copyable(ctx)
	if err != nil {
		return err
	}
	cp := &copier{dst: dst, timeout: e.g.timeout, overwrite: c.overwrite, lt: c.lt}
	var t tally
	err = e.each(ctx, "migrate", keys, c.workers, func(ctx context.Context, k string) error {
		text, ok, err := e.get(ctx, k)
		switch {
		case err != nil:
			t.add(failed, err)
		case !ok:
			t.add(goneFromSource, nil)
		default:
			t.add(cp.copy(ctx, k, text))
		}
		return nil
	})
	return errors.Join(err, t.report(e))
}
