package main

import (
	"fmt"
	srecord "github.com/goastro/session/internal/record"
	"math"
	"time"

	session "github.com/goastro/session"
	"github.com/goastro/session/devalue"
)

// userIndexPrefix starts the storage keys of the users' indexes of sessions.
const userIndexPrefix = srecord.IndexPrefix

// entry is one key of a session record.
type entry struct {
	key     string
	value   any // devalue model
	expires float64
	hasExp  bool
}

// record is a stored session record, decoded: the devalue text of a Map from
// key to {data, expires}, as Astro writes it.
type record struct {
	text    string
	entries []entry // the user's keys, in stored order
	meta    *devalue.Object
	model   *devalue.Map
}

// decodeRecord parses a stored record. It never panics on bad input.
func decodeRecord(text string) (*record, error) {
	v, err := devalue.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("not a devalue text: %w", err)
	}
	m, ok := v.(*devalue.Map)
	if !ok {
		return nil, fmt.Errorf("the record is %s, not a Map", kindOf(v))
	}
	r := &record{text: text, model: m}
	for _, me := range m.Entries() {
		k, ok := me.Key.(string)
		if !ok {
			return nil, fmt.Errorf("a key of the record's Map is %s, not a string", kindOf(me.Key))
		}
		e := entry{key: k, value: devalue.Undefined{}}
		obj, ok := me.Value.(*devalue.Object)
		if !ok {
			return nil, fmt.Errorf("the entry %q is %s, not an object", k, kindOf(me.Value))
		}
		if d, ok := obj.Get("data"); ok {
			e.value = d
		}
		if x, ok := obj.Get("expires"); ok {
			e.expires, e.hasExp = x.(float64)
			e.hasExp = e.hasExp && !math.IsNaN(e.expires)
		}
		if k == session.MetaKey {
			r.meta, _ = e.value.(*devalue.Object)
			continue
		}
		r.entries = append(r.entries, e)
	}
	return r, nil
}

// expiry returns when the record expires as a whole: when its last entry
// expires, if every entry has an expiry (what the session package gives the
// store as the record's TTL), and false when it does not expire.
func (r *record) expiry() (time.Time, bool) {
	last := 0.0
	for _, e := range r.entries {
		if !e.hasExp {
			return time.Time{}, false
		}
		last = math.Max(last, e.expires)
	}
	if len(r.entries) == 0 {
		return time.Time{}, false
	}
	return msTime(last), true
}

// live reports whether the record still holds a session at now: a record with
// the session package's bookkeeping key lives until its timeouts end it (see
// lifetime), one without lives while any entry has not expired.
func (r *record) live(now time.Time, lt lifetime) bool {
	if r.meta != nil {
		return !lt.over(r.meta, now)
	}
	for _, e := range r.entries {
		if !e.expired(now) {
			return true
		}
	}
	return false
}

func (e entry) expired(now time.Time) bool {
	return e.hasExp && e.expires < float64(now.UnixMilli())
}

// user returns the user the session is bound to with Session.SetUser, or "".
func (r *record) user() string {
	if r.meta == nil {
		return ""
	}
	u, _ := r.meta.Get("user")
	s, _ := u.(string)
	return s
}

// ttl is the time to live to give the record in a store at now: until its
// expiry, bounded by the timeouts in lt; 0 for none. ok is false when the
// record is already dead.
func (r *record) ttl(now time.Time, lt lifetime) (ttl time.Duration, ok bool) {
	if !r.live(now, lt) {
		return 0, false
	}
	if exp, has := r.expiry(); has {
		ttl = exp.Sub(now) + time.Second // as the session package rounds it
	}
	if r.meta != nil {
		if left, bounded := lt.left(r.meta, now); bounded && (ttl == 0 || left < ttl) {
			ttl = left
		}
	}
	return ttl, true
}

// lifetime holds the session Manager's IdleTimeout and AbsoluteTimeout, which
// the stored record does not hold: sessionctl is told them with -idle and
// -absolute.
type lifetime struct{ idle, absolute time.Duration }

func (lt lifetime) over(meta *devalue.Object, now time.Time) bool {
	left, bounded := lt.left(meta, now)
	return bounded && left <= 0
}

// left is how long a session with this bookkeeping may still live.
func (lt lifetime) left(meta *devalue.Object, now time.Time) (time.Duration, bool) {
	nowMS := float64(now.UnixMilli())
	left, bounded := time.Duration(math.MaxInt64), false
	if created, ok := number(meta, "created"); ok && lt.absolute > 0 {
		left, bounded = msDuration(created+ms(lt.absolute)-nowMS), true
	}
	if seen, ok := number(meta, "seen"); ok && lt.idle > 0 {
		if d := msDuration(seen + ms(lt.idle) - nowMS); d < left {
			left = d
		}
		bounded = true
	}
	return left, bounded
}

func number(o *devalue.Object, k string) (float64, bool) {
	v, _ := o.Get(k)
	f, ok := v.(float64)
	return f, ok && f > 0 && !math.IsNaN(f) && !math.IsInf(f, 0)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func msDuration(f float64) time.Duration {
	f = math.Max(math.Min(f, float64(math.MaxInt64/int64(time.Millisecond))), float64(math.MinInt64/int64(time.Millisecond)))
	return time.Duration(f) * time.Millisecond
}

func msTime(f float64) time.Time { return time.UnixMilli(int64(f)).UTC() }

// without returns the text of the record without its entries that expired at
// now, and whether anything was removed. It rewrites a record only when the
// devalue codec writes it back byte for byte (every record Astro or this library
// writes, except those holding URLs, which Astro writes with a reducer of its own).
func (r *record) without(now time.Time) (string, bool, error) {
	kept := new(devalue.Map)
	removed := false
	for _, me := range r.model.Entries() {
		k, _ := me.Key.(string)
		if k != session.MetaKey && r.entryExpired(k, now) {
			removed = true
			continue
		}
		kept.Set(me.Key, me.Value)
	}
	if !removed {
		return r.text, false, nil
	}
	if same, err := devalue.Stringify(r.model); err != nil || same != r.text {
		return r.text, false, nil
	}
	text, err := devalue.Stringify(kept)
	if err != nil {
		return "", false, err
	}
	return text, true, nil
}

func (r *record) entryExpired(k string, now time.Time) bool {
	for _, e := range r.entries {
		if e.key == k {
			return e.expired(now)
		}
	}
	return false
}

// kindOf names the JavaScript type of a devalue model value, for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case devalue.Undefined:
		return "undefined"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case *devalue.Object:
		return "an object"
	case *devalue.Array:
		return "an array"
	case *devalue.Map:
		return "a Map"
	case *devalue.Set:
		return "a Set"
	case *devalue.Date:
		return "a Date"
	}
	return fmt.Sprintf("a %T", v)
}
