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
	data    any
	expires float64 // epoch milliseconds; meaningful when hasExp
	hasExp  bool
	raw     *devalue.Object // the entry as it was stored, written back unchanged
}

func (e *entry) expired(nowMS float64) bool { return e.hasExp && e.expires < nowMS }

// record is the ordered map of a session's entries.
type record struct {
	keys []string
	m    map[string]*entry
	meta *meta // the MetaKey entry, kept apart from the user's keys
}

func newRecord() *record { return &record{m: make(map[string]*entry)} }

func (r *record) get(k string) (*entry, bool) {
	e, ok := r.m[k]
	return e, ok
}

// set replaces the entry under k, keeping its position, or appends it.
func (r *record) set(k string, e *entry) {
	if _, ok := r.m[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.m[k] = e
}

func (r *record) del(k string) {
	if _, ok := r.m[k]; !ok {
		return
	}
	delete(r.m, k)
	for i, key := range r.keys {
		if key == k {
			r.keys = append(r.keys[:i], r.keys[i+1:]...)
			break
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
	r := &record{m: make(map[string]*entry, mp.Len())}
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
		e := &entry{raw: obj}
		e.data, _ = obj.Get("data")
		if x, ok := obj.Get("expires"); ok {
			if f, ok := x.(float64); ok {
				e.expires, e.hasExp = f, true
			}
		}
		if _, dup := r.m[k]; !dup {
			r.keys = append(r.keys, k)
		}
		r.m[k] = e
	}
	return r, nil
}

// encode writes the record as Astro does, leaving out expired entries, and
// returns the storage TTL: the time until the last entry expires when every
// entry has an expiry, zero otherwise.
func (r *record) encode(nowMS float64) (string, time.Duration, error) {
	mp := devalue.NewMap()
	last, allExpire := 0.0, true
	for _, k := range r.keys {
		e := r.m[k]
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
			obj = devalue.NewObject()
			obj.Set("data", e.data)
			if e.hasExp {
				obj.Set("expires", e.expires)
			} else {
				obj.Set("expires", devalue.Undefined{})
			}
			e.raw = obj
		}
		mp.Set(k, obj)
	}
	if r.meta != nil {
		obj := devalue.NewObject()
		obj.Set("data", r.meta.value())
		obj.Set("expires", devalue.Undefined{})
		mp.Set(MetaKey, obj)
	}
	text, err := astroCodec.Stringify(mp)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrNotSerializable, err)
	}
	var ttl time.Duration
	if allExpire && len(r.keys) > 0 && last > nowMS {
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
