package session

import (
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/goastro/session/devalue"
)

// astroCodec writes records exactly as Astro does: devalue with a custom reducer
// for URL, so a URL is stored as ["URL",<index of its href>].
var astroCodec = devalue.Options{
	Reducers: []devalue.Reducer{{Tag: "URL", Reduce: reduceURL}},
}

func reduceURL(v any) (any, bool) {
	switch u := v.(type) {
	case *url.URL:
		if u != nil {
			return u.String(), true
		}
	case url.URL:
		return u.String(), true
	case *devalue.URL:
		if u != nil {
			return u.Href, true
		}
	}
	return nil, false
}

// entry is one session key's value and optional expiry, as Astro's SessionEntry.
type entry struct {
	key     string
	data    any
	expires float64 // epoch milliseconds; meaningful when hasExp
	hasExp  bool
	raw     *devalue.Object // the entry as it was stored, written back unchanged
}

func (e *entry) expired(nowMS float64) bool { return e.hasExp && e.expires < nowMS }

// record is the ordered map of a session's entries. Entries are held by value in
// one slice; an index by key is built only for records with many keys.
type record struct {
	entries []entry
	index   map[string]int // key -> position, when len(entries) > indexFrom
	meta    *meta          // the MetaKey entry, kept apart from the user's keys
}

const indexFrom = 8

func newRecord() *record { return &record{} }

func (r *record) len() int { return len(r.entries) }

func (r *record) find(k string) int {
	if r.index != nil {
		if i, ok := r.index[k]; ok {
			return i
		}
		return -1
	}
	for i := range r.entries {
		if r.entries[i].key == k {
			return i
		}
	}
	return -1
}

// get returns the entry under k; the pointer is valid until the record changes.
func (r *record) get(k string) (*entry, bool) {
	if i := r.find(k); i >= 0 {
		return &r.entries[i], true
	}
	return nil, false
}

// set replaces the entry with e's key, keeping its position, or appends it.
func (r *record) set(e entry) {
	if i := r.find(e.key); i >= 0 {
		r.entries[i] = e
		return
	}
	r.entries = append(r.entries, e)
	if r.index != nil {
		r.index[e.key] = len(r.entries) - 1
	} else if len(r.entries) > indexFrom {
		r.reindex()
	}
}

func (r *record) reindex() {
	r.index = make(map[string]int, len(r.entries))
	for i := range r.entries {
		r.index[r.entries[i].key] = i
	}
}

func (r *record) del(k string) {
	i := r.find(k)
	if i < 0 {
		return
	}
	r.entries = append(r.entries[:i], r.entries[i+1:]...)
	if r.index != nil {
		r.reindex()
	}
}

// live reports whether any entry is still valid at nowMS.
func (r *record) live(nowMS float64) bool {
	for i := range r.entries {
		if !r.entries[i].expired(nowMS) {
			return true
		}
	}
	return false
}

// dropExpired removes the entries that expired before nowMS.
func (r *record) dropExpired(nowMS float64) {
	kept := r.entries[:0]
	for _, e := range r.entries {
		if !e.expired(nowMS) {
			kept = append(kept, e)
		}
	}
	if len(kept) != len(r.entries) {
		clear(r.entries[len(kept):])
		r.entries = kept
		if r.index != nil {
			r.reindex()
		}
	}
}

// decodeRecord parses a stored record. Expired entries are kept; callers skip them.
func decodeRecord(text string) (*record, error) {
	v, err := astroCodec.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptRecord, err)
	}
	mp, ok := v.(*devalue.Map)
	if !ok {
		return nil, fmt.Errorf("%w: the session data was an invalid type (%s, not a Map)", ErrCorruptRecord, typeName(v))
	}
	r := &record{entries: make([]entry, 0, mp.Len())}
	for _, me := range mp.Entries() {
		k, ok := me.Key.(string)
		if !ok {
			return nil, fmt.Errorf("%w: a key of the session Map is a %s, not a string", ErrCorruptRecord, typeName(me.Key))
		}
		obj, ok := me.Value.(*devalue.Object)
		if !ok {
			return nil, fmt.Errorf("%w: the entry %q is a %s, not an object", ErrCorruptRecord, k, typeName(me.Value))
		}
		if k == MetaKey {
			d, _ := obj.Get("data")
			r.meta = decodeMeta(d)
			continue
		}
		e := entry{key: k, raw: obj}
		e.data, _ = obj.Get("data")
		if x, ok := obj.Get("expires"); ok {
			if f, ok := x.(float64); ok {
				e.expires, e.hasExp = f, true
			}
		}
		r.set(e)
	}
	return r, nil
}

// encode writes the record as Astro does, leaving out expired entries, and
// returns the storage TTL: the time until the last entry expires when every
// entry has an expiry, zero otherwise.
func (r *record) encode(nowMS float64) (string, time.Duration, error) {
	entries := make([]devalue.MapEntry, 0, len(r.entries)+1)
	last, allExpire := 0.0, true
	for i := range r.entries {
		e := &r.entries[i]
		if e.expired(nowMS) {
			continue
		}
		if e.hasExp {
			last = math.Max(last, e.expires)
		} else {
			allExpire = false
		}
		obj := e.raw
		if obj == nil {
			obj = devalue.NewObjectCap(2)
			obj.Set("data", e.data)
			if e.hasExp {
				obj.Set("expires", e.expires)
			} else {
				obj.Set("expires", devalue.Undefined{})
			}
			e.raw = obj
		}
		entries = append(entries, devalue.MapEntry{Key: e.key, Value: obj})
	}
	if r.meta != nil {
		obj := devalue.NewObjectCap(2)
		obj.Set("data", r.meta.value())
		obj.Set("expires", devalue.Undefined{})
		entries = append(entries, devalue.MapEntry{Key: MetaKey, Value: obj})
	}
	// Keys are unique in a record, so the Map can take the entries as they are.
	text, err := astroCodec.Stringify(devalue.NewMapFromEntries(entries))
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrNotSerializable, err)
	}
	var ttl time.Duration
	if allExpire && len(r.entries) > 0 && last > nowMS {
		ttl = time.Duration((last-nowMS)*float64(time.Millisecond)) + time.Second
	}
	return text, ttl, nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case devalue.Undefined:
		return "undefined"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case *devalue.Object:
		return "object"
	case *devalue.Array:
		return "array"
	case *devalue.Map:
		return "Map"
	case *devalue.Set:
		return "Set"
	}
	return fmt.Sprintf("%T", v)
}
