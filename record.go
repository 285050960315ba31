package session

import (
	"fmt"
	"math"
	"math/big"
	"net/url"
	"time"

	"github.com/goastro/session/devalue"
)

// This file is the stored record: Astro's layout, the devalue text of a Map
// from key to {data, expires}, read into a record and written back from one.

// astroCodec writes records exactly as Astro does: devalue with a custom reducer
// for URL, so a URL is stored as ["URL",<index of its href>].
var astroCodec = devalue.Options{Reducers: []devalue.Reducer{{Tag: "URL", Reduce: reduceURL}}}

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

// entry is one session key's value and optional expiry, as Astro's
// {data, expires}. data is a value of devalue's model.
type entry struct {
	key     string
	data    any
	expires float64 // epoch milliseconds; meaningful when hasExp
	hasExp  bool
	stored  any // the entry object as read, written back as it was; nil for an entry set since
}

func (e *entry) expired(nowMS float64) bool { return e.hasExp && e.expires < nowMS }

// record is a session's entries in order, and the MetaKey entry when it holds
// this package's bookkeeping. A MetaKey entry written by an Astro application
// for its own use stays among the entries, untouched.
type record struct {
	entries []entry
	meta    *meta
}

func (r *record) find(key string) int {
	for i := range r.entries {
		if r.entries[i].key == key {
			return i
		}
	}
	return -1
}

func (r *record) get(key string) (*entry, bool) {
	if i := r.find(key); i >= 0 {
		return &r.entries[i], true
	}
	return nil, false
}

// foreignMeta reports whether MetaKey holds an Astro application's own data.
func (r *record) foreignMeta() bool { return r.find(MetaKey) >= 0 }

// decodeRecord parses a stored record. Expired entries are left out.
func decodeRecord(text string, nowMS float64) (*record, error) {
	v, err := astroCodec.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptRecord, err)
	}
	m, ok := v.(*devalue.Map)
	if !ok {
		return nil, fmt.Errorf("%w: the session data was an invalid type (%s, not a Map)", ErrCorruptRecord, typeName(v))
	}
	r := &record{entries: make([]entry, 0, m.Len())}
	for _, me := range m.Entries() {
		k, ok := me.Key.(string)
		if !ok {
			return nil, fmt.Errorf("%w: a key of the session Map is a %s, not a string", ErrCorruptRecord, typeName(me.Key))
		}
		obj, ok := me.Value.(*devalue.Object)
		if !ok {
			return nil, fmt.Errorf("%w: the entry %q is a %s, not an object", ErrCorruptRecord, k, typeName(me.Value))
		}
		e := entry{key: k, data: devalue.Undefined{}, stored: obj} // a missing data reads as undefined in JavaScript
		if d, ok := obj.Get("data"); ok {
			e.data = d
		}
		if x, ok := obj.Get("expires"); ok {
			e.expires, e.hasExp = x.(float64)
		}
		if k == MetaKey {
			if md := decodeMeta(e.data); md != nil {
				r.meta = md
				continue
			}
		}
		if !e.expired(nowMS) {
			r.entries = append(r.entries, e)
		}
	}
	return r, nil
}

// encode writes the record as Astro does, leaving out expired entries, and
// returns the storage TTL: the time until the last entry expires when every
// entry has an expiry, zero otherwise.
func (r *record) encode(nowMS float64) (string, time.Duration, error) {
	m := devalue.NewMap()
	last, allExpire, n := 0.0, true, 0
	for i := range r.entries {
		e := &r.entries[i]
		if e.expired(nowMS) {
			continue
		}
		n++
		if e.hasExp {
			last = math.Max(last, e.expires)
		} else {
			allExpire = false
		}
		if e.stored != nil {
			m.Set(e.key, e.stored)
		} else {
			m.Set(e.key, entryObject(e.data, e.expires, e.hasExp))
		}
	}
	if r.meta != nil {
		m.Set(MetaKey, entryObject(r.meta.value(), 0, false))
	}
	text, err := astroCodec.Stringify(m)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrNotSerializable, err)
	}
	var ttl time.Duration
	if allExpire && n > 0 && last > nowMS {
		ttl = time.Duration((last-nowMS)*float64(time.Millisecond)) + time.Second
	}
	return text, ttl, nil
}

func entryObject(data any, expires float64, hasExp bool) *devalue.Object {
	o := devalue.NewObject()
	o.Set("data", data)
	if hasExp {
		o.Set("expires", expires)
	} else {
		o.Set("expires", devalue.Undefined{})
	}
	return o
}

// sizeBound returns an upper bound of the bytes a value of the model takes in a
// record, or false when it is too large or too tangled to bound cheaply
// (repeated references, cycles): the record is then measured exactly.
func sizeBound(v any, budget *int) (int, bool) {
	*budget--
	if *budget < 0 {
		return 0, false
	}
	const slot = 12 // a value's index and separators
	switch x := v.(type) {
	case nil, bool, devalue.Undefined, float64:
		return slot + 24, true
	case string:
		return slot + 6*len(x) + 2, true
	case *big.Int:
		return slot + len(x.String()) + 12, true
	case *devalue.Date:
		return slot + 40, true
	case *devalue.URL:
		return slot + 6*len(x.Href) + 12, true
	case *devalue.Array:
		n := slot
		if x.Len() > *budget {
			return 0, false
		}
		for i := range x.Len() {
			s, ok := sizeBound(x.At(i), budget)
			if !ok {
				return 0, false
			}
			n += s
		}
		return n, true
	case *devalue.Object:
		n := slot
		for _, k := range x.Keys() {
			el, _ := x.Get(k)
			s, ok := sizeBound(el, budget)
			if !ok {
				return 0, false
			}
			n += 6*len(k) + 4 + s
		}
		return n, true
	}
	return 0, false
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
