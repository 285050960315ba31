package session

import (
	"sync"

	"github.com/goastro/session/devalue"
)

// DefaultRecordCache is the number of parsed records a Manager keeps when
// Config.RecordCache is zero.
const DefaultRecordCache = 1024

// recordCache keeps, by session ID, the last record this process wrote or
// read, parsed, with its text. A request that reads exactly that text again
// (the common case: the same visitor's next request) takes a copy of the
// parsed record instead of parsing the text: the text read from the store
// decides, so a record another process or request wrote is never missed.
//
// A cached record is never changed. It holds only values nobody can change:
// Nodes of parsed texts (each request reads them through its own Fork of the
// text), Go values copied at Set, and strings, numbers, booleans and null. A
// record holding a value of the model (built by an untyped Get, which hands it
// out) is not cached.
type recordCache struct {
	mu    sync.Mutex
	limit int
	m     map[string]cachedRecord
}

type cachedRecord struct {
	text string
	rec  *record
}

func newRecordCache(limit int) *recordCache {
	return &recordCache{limit: limit, m: make(map[string]cachedRecord)}
}

// get returns a private copy of the record cached for id if its text is text.
func (c *recordCache) get(id, text string) *record {
	c.mu.Lock()
	cr, ok := c.m[id]
	c.mu.Unlock()
	if !ok || cr.text != text {
		return nil
	}
	return cr.rec.fork()
}

// put caches a copy of r as the record whose text is text, if r can be shared.
func (c *recordCache) put(id, text string, r *record) {
	if !r.shareable() {
		c.drop(id)
		return
	}
	cp := r.copyEntries()
	c.mu.Lock()
	if _, ok := c.m[id]; !ok && len(c.m) >= c.limit {
		for k := range c.m { // an arbitrary one: map order is random
			delete(c.m, k)
			break
		}
	}
	c.m[id] = cachedRecord{text: text, rec: cp}
	c.mu.Unlock()
}

func (c *recordCache) drop(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// shareable reports whether r holds only values that cannot change.
func (r *record) shareable() bool {
	for i := range r.entries {
		v := &r.entries[i].val
		if v.form != inModel {
			continue
		}
		switch v.data.(type) {
		case nil, bool, float64, string, devalue.Undefined:
		default:
			return false
		}
	}
	return true
}

// copyEntries returns a copy of r that shares its values.
func (r *record) copyEntries() *record {
	cp := newRecordOf(len(r.entries))
	cp.entries = append(cp.entries, r.entries...)
	if r.meta != nil {
		md := *r.meta
		cp.meta = &md
	}
	if len(cp.entries) > indexFrom {
		cp.reindex()
	}
	return cp
}

// fork returns a copy of a cached record for one request: its Nodes are
// moved to Forks of their texts, so that what the request builds from them
// is its own.
func (r *record) fork() *record {
	cp := r.copyEntries()
	// one Fork per text, so that values shared between entries stay shared
	type forked struct{ from, to *devalue.Doc }
	var small [4]forked
	forks := small[:0]
	move := func(n devalue.Node) devalue.Node {
		d := n.Doc()
		if d == nil {
			return n
		}
		var to *devalue.Doc
		for _, f := range forks {
			if f.from == d {
				to = f.to
				break
			}
		}
		if to == nil {
			to = d.Fork()
			forks = append(forks, forked{d, to})
		}
		m, _ := n.In(to)
		return m
	}
	for i := range cp.entries {
		e := &cp.entries[i]
		if e.asStored() {
			e.stored = move(e.stored)
		}
		if e.val.form == inText {
			e.val.node = move(e.val.node)
		}
	}
	return cp
}
