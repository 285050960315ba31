// Package record is the stored session record: Astro's layout, the devalue
// text of a Map from key to {data, expires}, read into a Record and written
// back from one; the session layer's bookkeeping entry (MetaKey); and the
// index of a user's sessions.
package record

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"slices"
	"time"

	"github.com/goastro/session/devalue"
)

// MetaKey is the reserved key of the session layer's own entry.
const MetaKey = "$session"

// Errors of reading and writing records.
var (
	ErrCorrupt         = errors.New("session: the stored session data could not be parsed")
	ErrNotSerializable = errors.New("session: value cannot be serialized")
)

// Codec writes records exactly as Astro does: devalue with a custom reducer
// for URL, so a URL is stored as ["URL",<index of its href>].
var Codec = devalue.Options{Reducers: []devalue.Reducer{{Tag: "URL", Reduce: reduceURL}}}

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

// Entry is one session key's value and optional expiry, as Astro's
// {data, expires}. data is a value of devalue's model.
type Entry struct {
	Key     string
	Data    any
	Expires float64 // epoch milliseconds; meaningful when HasExp
	HasExp  bool
	Stored  any // the Entry object as read, written back as it was; nil for an Entry set since
}

func (e *Entry) Expired(nowMS float64) bool { return e.HasExp && e.Expires < nowMS }

// Record is a session's entries in order, and the MetaKey Entry when it holds
// this package's bookkeeping. A MetaKey Entry written by an Astro application
// for its own use stays among the entries, untouched.
type Record struct {
	Entries []Entry
	Meta    *Meta
}

func (r *Record) Find(key string) int {
	for i := range r.Entries {
		if r.Entries[i].Key == key {
			return i
		}
	}
	return -1
}

func (r *Record) Get(key string) (*Entry, bool) {
	if i := r.Find(key); i >= 0 {
		return &r.Entries[i], true
	}
	return nil, false
}

// foreignMeta reports whether MetaKey holds an Astro application's own data.
func (r *Record) ForeignMeta() bool { return r.Find(MetaKey) >= 0 }

// decodeRecord parses a stored Record. Expired entries are left out.
func Decode(text string, nowMS float64) (*Record, error) {
	v, err := Codec.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	m, ok := v.(*devalue.Map)
	if !ok {
		return nil, fmt.Errorf("%w: the session data was an invalid type (%s, not a Map)", ErrCorrupt, typeName(v))
	}
	r := &Record{Entries: make([]Entry, 0, m.Len())}
	for _, me := range m.Entries() {
		k, ok := me.Key.(string)
		if !ok {
			return nil, fmt.Errorf("%w: a key of the session Map is a %s, not a string", ErrCorrupt, typeName(me.Key))
		}
		obj, ok := me.Value.(*devalue.Object)
		if !ok {
			return nil, fmt.Errorf("%w: the Entry %q is a %s, not an object", ErrCorrupt, k, typeName(me.Value))
		}
		e := Entry{Key: k, Data: devalue.Undefined{}, Stored: obj} // a missing data reads as undefined in JavaScript
		if d, ok := obj.Get("data"); ok {
			e.Data = d
		}
		if x, ok := obj.Get("expires"); ok {
			e.Expires, e.HasExp = x.(float64)
		}
		if k == MetaKey {
			if md := decodeMeta(e.Data); md != nil {
				r.Meta = md
				continue
			}
		}
		if !e.Expired(nowMS) {
			r.Entries = append(r.Entries, e)
		}
	}
	return r, nil
}

// encode writes the Record as Astro does, leaving out expired entries, and
// returns the storage TTL: the time until the last Entry expires when every
// Entry has an expiry, zero otherwise.
func (r *Record) Encode(nowMS float64) (string, time.Duration, error) {
	m := devalue.NewMap()
	last, allExpire, n := 0.0, true, 0
	for i := range r.Entries {
		e := &r.Entries[i]
		if e.Expired(nowMS) {
			continue
		}
		n++
		if e.HasExp {
			last = math.Max(last, e.Expires)
		} else {
			allExpire = false
		}
		if e.Stored != nil {
			m.Set(e.Key, e.Stored)
		} else {
			m.Set(e.Key, entryObject(e.Data, e.Expires, e.HasExp))
		}
	}
	if r.Meta != nil {
		m.Set(MetaKey, entryObject(r.Meta.value(), 0, false))
	}
	text, err := Codec.Stringify(m)
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
// Record, or false when it is too large or too tangled to bound cheaply
// (repeated references, cycles): the Record is then measured exactly.
func SizeBound(v any, budget *int) (int, bool) {
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
			s, ok := SizeBound(x.At(i), budget)
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
			s, ok := SizeBound(el, budget)
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

// Meta is the session layer's own MetaKey entry: what the idle and absolute
// timeouts, remember-me and the user binding need.
type Meta struct {
	Created  float64 // epoch ms
	Seen     float64 // epoch ms
	User     string
	Remember int8 // 0 the configured cookie, 1 persistent, -1 browser-session
}

// decodeMeta reads a MetaKey value, or returns nil when it is not one this
// package wrote (an Astro application's own data).
func decodeMeta(v any) *Meta {
	obj, ok := v.(*devalue.Object)
	if !ok {
		return nil
	}
	md := &Meta{}
	for _, k := range obj.Keys() {
		x, _ := obj.Get(k)
		f, isNum := x.(float64)
		isNum = isNum && !math.IsNaN(f)
		switch k {
		case "created", "seen":
			if !isNum {
				return nil
			}
			if k == "created" {
				md.Created = f
			} else {
				md.Seen = f
			}
		case "user":
			if md.User, ok = x.(string); !ok {
				return nil
			}
		case "remember":
			b, ok := x.(bool)
			if !ok {
				return nil
			}
			md.Remember = map[bool]int8{true: 1, false: -1}[b]
		default:
			return nil
		}
	}
	return md
}

func (md *Meta) value() *devalue.Object {
	o := devalue.NewObject()
	o.Set("created", md.Created)
	o.Set("seen", md.Seen)
	if md.User != "" {
		o.Set("user", md.User)
	}
	if md.Remember != 0 {
		o.Set("remember", md.Remember > 0)
	}
	return o
}

// IndexPrefix starts the storage key of a user's index of session IDs.
const IndexPrefix = "session-users:"

// userIndexKey is the storage key of a user's index: a hash, so that any user ID
// makes a valid key of fixed length.
func IndexKey(userID string) string {
	h := sha256.Sum256([]byte(userID))
	return IndexPrefix + hex.EncodeToString(h[:16])
}

func ParseIndex(text string) []string {
	if text == "" {
		return nil
	}
	var ids []string
	if err := devalue.Unmarshal([]byte(text), &ids); err != nil {
		return nil // a damaged index is rebuilt from the sessions that log in next
	}
	out := ids[:0]
	for _, id := range ids {
		if ValidID(id) {
			out = append(out, id)
		}
	}
	return out
}

// EditIndex returns a user's index of session IDs (the text old) without the
// IDs in remove, with add at the end, each ID once, and "" when none is left.
// The IDs kept are checked with live, which returns those of its argument whose
// session exists, in order (a batched store call): small indexes are checked
// at every change, larger ones when they reach a power of two, so a user's
// logins cost little on average and at most half of the IDs kept are dead.
func EditIndex(old, add string, remove []string, live func(ids []string) ([]string, error)) (string, error) {
	ids := ParseIndex(old)
	check := len(ids) < 16 || len(ids)&(len(ids)-1) == 0
	seen := make(map[string]bool, len(ids))
	next := make([]string, 0, len(ids)+1)
	for _, id := range ids {
		if id == add || seen[id] || slices.Contains(remove, id) {
			continue
		}
		seen[id] = true
		next = append(next, id)
	}
	if check && len(next) > 0 {
		var err error
		if next, err = live(next); err != nil {
			return "", err
		}
	}
	if add != "" {
		next = append(next, add)
	}
	if len(next) == 0 {
		return "", nil
	}
	return devalue.Stringify(next)
}
