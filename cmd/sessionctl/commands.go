package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/goastro/session/storage"
)

// listCmd: list [-user ID] [-limit N] [-json]
type listCmd struct {
	user  string
	limit int
	json  bool
}

// summary is what list and stats know of one record.
type summary struct {
	id      string
	present bool
	size    int
	rec     *record
	err     error // the record could not be decoded
}

func (c *listCmd) run(ctx context.Context, e *env) error {
	var ids []string
	var err error
	if c.user != "" {
		m, merr := e.manager()
		if merr != nil {
			return merr
		}
		cctx, cancel := e.call(ctx)
		ids, err = m.UserSessions(cctx, c.user)
		cancel()
	} else {
		ids, err = e.sessionIDs(ctx)
	}
	if err != nil {
		return err
	}
	if c.limit > 0 && len(ids) > c.limit {
		ids = ids[:c.limit]
	}
	sums, err := e.summaries(ctx, "list", ids)
	if err != nil {
		return err
	}
	for _, s := range sums {
		if s.present {
			e.stdout.Write(c.line(s))
		}
	}
	return nil
}

// listLine is one line of list -json.
type listLine struct {
	ID      string  `json:"id"`
	Size    int     `json:"size"`
	Expires *string `json:"expires"` // RFC 3339, null when the session does not expire
	Keys    int     `json:"keys"`
	User    string  `json:"user,omitempty"`
	Error   string  `json:"error,omitempty"` // why the record could not be read
}

func (c *listCmd) line(s summary) []byte {
	exp, hasExp := time.Time{}, false
	user := ""
	if s.rec != nil {
		exp, hasExp = s.rec.expiry()
		user = s.rec.user()
	}
	if c.json {
		v := listLine{ID: s.id, Size: s.size, User: user}
		if hasExp {
			t := exp.Format(time.RFC3339Nano)
			v.Expires = &t
		}
		if s.rec != nil {
			v.Keys = len(s.rec.entries)
		}
		if s.err != nil {
			v.Error = s.err.Error()
		}
		b, _ := json.Marshal(v) // strings and numbers always marshal
		return append(b, '\n')
	}
	when := "never"
	switch {
	case s.err != nil:
		when = "unreadable: " + s.err.Error()
	case hasExp:
		when = exp.Format(time.RFC3339)
	}
	return fmt.Appendf(nil, "%s  %d B  expires %s\n", s.id, s.size, when)
}

// summaries reads the records of ids, in order; missing ones are marked so.
func (e *env) summaries(ctx context.Context, label string, ids []string) ([]summary, error) {
	out := make([]summary, len(ids))
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	err := e.each(ctx, label, ids, 8, func(ctx context.Context, id string) error {
		text, ok, err := e.get(ctx, id)
		if err != nil {
			return err
		}
		s := summary{id: id, present: ok, size: len(text)}
		if ok {
			s.rec, s.err = decodeRecord(text)
		}
		out[pos[id]] = s
		return nil
	})
	return out, err
}

// showCmd: show ID
type showCmd struct{ id string }

func (c *showCmd) run(ctx context.Context, e *env) error {
	text, ok, err := e.get(ctx, c.id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no session %s in the store", c.id)
	}
	rec, err := decodeRecord(text)
	if err != nil {
		return fmt.Errorf("session %s: the record cannot be read: %w (raw text: %s)", c.id, err, clip(text))
	}
	var out bytes.Buffer
	if err := json.Indent(&out, rec.view(c.id, time.Now()), "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = e.stdout.Write(out.Bytes())
	return err
}

// view is show's JSON document of a record.
func (r *record) view(id string, now time.Time) []byte {
	var b bytes.Buffer
	str := func(s string) { q, _ := json.Marshal(s); b.Write(q) }
	b.WriteString(`{"id":`)
	str(id)
	fmt.Fprintf(&b, `,"size":%d,"expires":`, len(r.text))
	if exp, ok := r.expiry(); ok {
		str(exp.Format(time.RFC3339Nano))
	} else {
		b.WriteString("null")
	}
	if u := r.user(); u != "" {
		b.WriteString(`,"user":`)
		str(u)
	}
	if r.meta != nil {
		b.WriteString(`,"bookkeeping":`)
		b.Write(toJSON(r.meta))
	}
	b.WriteString(`,"entries":[`)
	for i, en := range r.entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"key":`)
		str(en.key)
		b.WriteString(`,"expires":`)
		if en.hasExp {
			str(msTime(en.expires).Format(time.RFC3339Nano))
		} else {
			b.WriteString("null")
		}
		b.WriteString(`,"expired":` + strconv.FormatBool(en.expired(now)) + `,"value":`)
		b.Write(toJSON(en.value))
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return b.Bytes()
}

// rmCmd: rm ID...
type rmCmd struct{ ids []string }

func (c *rmCmd) run(ctx context.Context, e *env) error {
	removed := 0
	for _, id := range c.ids {
		cctx, cancel := e.call(ctx)
		ok, err := e.store.Has(cctx, id)
		if err == nil && ok {
			err = e.store.Delete(cctx, id)
		}
		cancel()
		if err != nil {
			return fmt.Errorf("removing %s: %w (removed %d before it)", id, err, removed)
		}
		if !ok {
			fmt.Fprintf(e.stderr, "sessionctl rm: no session %s\n", id)
			continue
		}
		removed++
	}
	fmt.Fprintf(e.stdout, "removed %d session(s)\n", removed)
	return nil
}

// destroyUserCmd: destroy-user USERID
type destroyUserCmd struct{ user string }

func (c *destroyUserCmd) run(ctx context.Context, e *env) error {
	m, err := e.manager()
	if err != nil {
		return err
	}
	cctx, cancel := e.call(ctx)
	defer cancel()
	n, err := m.DestroyUser(cctx, c.user)
	if err != nil {
		return fmt.Errorf("user %q: %w (removed %d session(s))", c.user, err, n)
	}
	fmt.Fprintf(e.stdout, "removed %d session(s) of user %q\n", n, c.user)
	return nil
}

// purgeCmd: purge [-idle D] [-absolute D]
type purgeCmd struct{ lt lifetime }

// purgeCounts is what purge did.
type purgeCounts struct {
	swept, sessions, keys, records, kept, corrupt, changed atomic.Int64
}

func (c *purgeCmd) run(ctx context.Context, e *env) error {
	var n purgeCounts
	if sw, ok := e.store.(storage.Sweeper); ok {
		removed, err := sw.Sweep(ctx)
		if err != nil {
			return fmt.Errorf("sweeping: %w", err)
		}
		n.swept.Add(int64(removed))
	}
	ids, err := e.sessionIDs(ctx)
	if err != nil {
		return err
	}
	err = e.each(ctx, "purge", ids, 8, func(ctx context.Context, id string) error {
		return c.purgeOne(ctx, e, id, &n)
	})
	fmt.Fprintf(e.stdout, "removed %d expired session(s) (%d by the driver's sweep) and %d expired key(s) from %d other session(s)\n",
		n.swept.Load()+n.sessions.Load(), n.swept.Load(), n.keys.Load(), n.records.Load())
	if k := n.kept.Load(); k > 0 {
		fmt.Fprintf(e.stdout, "left %d session(s) with expired keys as they are: they hold URLs, which only the session package rewrites as Astro does; it drops their expired keys at their next save\n", k)
	}
	if k := n.corrupt.Load(); k > 0 {
		fmt.Fprintf(e.stdout, "left %d unreadable record(s) (see show ID; rm ID removes one)\n", k)
	}
	if k := n.changed.Load(); k > 0 {
		fmt.Fprintf(e.stdout, "left %d session(s) that changed while purge ran\n", k)
	}
	return err
}

func (c *purgeCmd) purgeOne(ctx context.Context, e *env, id string, n *purgeCounts) error {
	text, ok, err := e.get(ctx, id)
	if err != nil || !ok {
		return err
	}
	rec, err := decodeRecord(text)
	if err != nil {
		n.corrupt.Add(1)
		return nil
	}
	now := time.Now()
	if !rec.live(now, c.lt) {
		swapped, err := e.replace(ctx, id, text, "", 0)
		if err == nil {
			n.count(swapped, &n.sessions, 1)
		}
		return err
	}
	next, removed, err := rec.without(now)
	if err != nil || !removed {
		if hasExpired(rec, now) {
			n.kept.Add(1)
		}
		return err
	}
	kept, err := decodeRecord(next)
	if err != nil {
		return fmt.Errorf("session %s: rewriting: %w", id, err)
	}
	ttl, _ := kept.ttl(now, c.lt)
	swapped, err := e.replace(ctx, id, text, next, ttl)
	if err == nil && n.count(swapped, &n.keys, int64(len(rec.entries)-len(kept.entries))) {
		n.records.Add(1)
	}
	return err
}

// count adds k to c when the write was made, else counts a session that changed.
func (n *purgeCounts) count(swapped bool, c *atomic.Int64, k int64) bool {
	if swapped {
		c.Add(k)
	} else {
		n.changed.Add(1)
	}
	return swapped
}

func hasExpired(r *record, now time.Time) bool {
	for _, en := range r.entries {
		if en.expired(now) {
			return true
		}
	}
	return false
}

// replace writes next (or deletes, when next is "") in place of old, only if
// the store still holds old where it can check that atomically.
func (e *env) replace(ctx context.Context, key, old, next string, ttl time.Duration) (bool, error) {
	cctx, cancel := e.call(ctx)
	defer cancel()
	var err error
	swapped := true
	if sw, ok := e.store.(storage.Swapper); ok {
		swapped, err = sw.CompareAndSwap(cctx, key, old, true, next, ttl)
	} else {
		err = e.store.Set(cctx, key, next, ttl)
	}
	if err != nil {
		return false, fmt.Errorf("writing %s: %w", key, err)
	}
	return swapped, nil
}
