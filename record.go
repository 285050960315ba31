package session

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"time"

	"github.com/goastro/session/devalue"
)

// astroCodec writes records exactly as Astro does: devalue with a custom reducer
// for URL, so a URL is stored as ["URL",<index of its href>].
var astroCodec = devalue.Options{
	Reducers: []devalue.Reducer{{Tag: "URL", Reduce: reduceURL, Types: []reflect.Type{
		reflect.TypeFor[*url.URL](), reflect.TypeFor[url.URL](), reflect.TypeFor[*devalue.URL](),
	}}},
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

// value is the value of an entry, in one of three forms: a Node of the text it
// was read from (decoded or copied from there without being built), a value of
// the model (built for an untyped read, or set as such), or a Go value copied
// by devalue.Clone when it was set, written out when the record is saved.
type value struct {
	node devalue.Node
	data any
	form valueForm
}

type valueForm uint8

const (
	inText  valueForm = iota // node
	inModel                  // data, a value of the model
	goCopy                   // data, a Go value of the application's own
)

// modelValue returns v in the model, building it on first use.
func (v *value) modelValue() (any, error) {
	var d any
	var err error
	switch v.form {
	case inModel:
		return v.data, nil
	case inText:
		d, err = v.node.Value()
	case goCopy:
		d, err = astroCodec.ValueOf(v.data)
	}
	if err != nil {
		return nil, err
	}
	v.data, v.form = d, inModel
	return d, nil
}

// decode stores v in the Go value out points to.
func (v *value) decode(out any) error {
	switch {
	case v.form == inText:
		return v.node.Decode(out)
	case v.form == goCopy && devalue.CopyInto(v.data, out):
		return nil // a copy, exactly what reading the value's text back gives
	}
	return devalue.Decode(v.data, out)
}

// entry is one session key's value and optional expiry, as Astro's SessionEntry.
type entry struct {
	key     string
	val     value
	expires float64 // epoch milliseconds; meaningful when hasExp
	hasExp  bool
	stored  devalue.Node // the whole entry as read from the store; the zero Node for an entry set since
}

// asStored reports whether e is unchanged since it was read, and is written
// back as it was stored.
func (e *entry) asStored() bool { return e.stored.Doc() != nil }

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

// newRecordOf returns an empty record with room for n entries, in one
// allocation for the small records most sessions have.
func newRecordOf(n int) *record {
	switch {
	case n <= 4:
		p := new(struct {
			r record
			e [4]entry
		})
		p.r.entries = p.e[:0]
		return &p.r
	case n <= 8:
		p := new(struct {
			r record
			e [8]entry
		})
		p.r.entries = p.e[:0]
		return &p.r
	}
	return &record{entries: make([]entry, 0, n)}
}

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
// Values are left in the text, to be decoded or copied when needed.
func decodeRecord(text string) (*record, error) {
	doc, err := astroCodec.ParseDoc(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptRecord, err)
	}
	n := 0
	isMap := doc.Root().MapEntries(func(k, v devalue.Node) bool {
		n++
		return true
	})
	if !isMap {
		v, _ := doc.Root().Value()
		return nil, fmt.Errorf("%w: the session data was an invalid type (%s, not a Map)", ErrCorruptRecord, typeName(v))
	}
	// A key given twice keeps its first place and its last value, as in a
	// JavaScript Map: the entries are gathered first, then read.
	r := newRecordOf(n)
	doc.Root().MapEntries(func(kn, vn devalue.Node) bool {
		k, ok := kn.String()
		if !ok {
			kv, _ := kn.Value()
			err = fmt.Errorf("%w: a key of the session Map is a %s, not a string", ErrCorruptRecord, typeName(kv))
			return false
		}
		r.set(entry{key: k, stored: vn})
		return true
	})
	if err != nil {
		return nil, err
	}
	kept := r.entries[:0]
	for _, e := range r.entries {
		if err := e.read(); err != nil {
			return nil, err
		}
		if e.key == MetaKey {
			d, _ := e.val.modelValue()
			r.meta = decodeMeta(d)
			continue
		}
		kept = append(kept, e)
	}
	r.entries = kept
	if r.index != nil {
		r.reindex()
	}
	return r, nil
}

// read fills e's value and expiry from its stored entry object.
func (e *entry) read() error {
	var data, exp devalue.Node
	var hasData, hasExp bool
	if e.stored.Members(func(name string, m devalue.Node) bool {
		switch name {
		case "data":
			data, hasData = m, true
		case "expires":
			exp, hasExp = m, true
		}
		return true
	}) {
		if hasData {
			e.val.node = data
		}
		if hasExp {
			e.expires, e.hasExp = exp.Float()
		}
		return nil
	}
	// not an object in the text: a null-prototype object will do
	v, _ := e.stored.Value()
	obj, ok := v.(*devalue.Object)
	if !ok {
		return fmt.Errorf("%w: the entry %q is a %s, not an object", ErrCorruptRecord, e.key, typeName(v))
	}
	d, ok := obj.Get("data")
	if !ok {
		d = devalue.Undefined{} // as entry.data reads in JavaScript
	}
	e.val.data, e.val.form = d, inModel
	if x, ok := obj.Get("expires"); ok {
		e.expires, e.hasExp = x.(float64)
	}
	return nil
}

// entryKeys are the members of an entry object, as Astro writes them.
var entryKeys = []string{"data", "expires"}

// encode writes the record as Astro does, leaving out expired entries, and
// returns the storage TTL: the time until the last entry expires when every
// entry has an expiry, zero otherwise. The record's Map and entry objects are
// written slot by slot, as devalue would write them, around the values.
func (r *record) encode(nowMS float64) (string, time.Duration, error) {
	w := astroCodec.NewWriter()
	defer w.Release()
	var small [32]int
	vals := small[:0]
	root := w.Reserve()
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
		k := w.String(e.key)
		if e.asStored() {
			obj, err := w.Node(e.stored)
			if err != nil {
				return "", 0, fmt.Errorf("%w: %q: %w", ErrNotSerializable, e.key, err)
			}
			vals = append(vals, k, obj)
			continue
		}
		obj := w.Reserve()
		var data int
		var err error
		if e.val.form == inText {
			data, err = w.Node(e.val.node)
		} else {
			data, err = w.Value(e.val.data)
		}
		if err != nil {
			return "", 0, fmt.Errorf("%w: %q: %w", ErrNotSerializable, e.key, err)
		}
		exp := -1 // undefined
		if e.hasExp {
			exp = w.Number(e.expires)
		}
		w.Object(obj, entryKeys, []int{data, exp})
		vals = append(vals, k, obj)
	}
	if r.meta != nil {
		k := w.String(MetaKey)
		obj := w.Reserve()
		data, err := w.Value(r.meta.value())
		if err != nil {
			return "", 0, fmt.Errorf("%w: %w", ErrNotSerializable, err)
		}
		w.Object(obj, entryKeys, []int{data, -1})
		vals = append(vals, k, obj)
	}
	w.Tagged(root, "Map", vals)
	text, err := w.Text()
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
