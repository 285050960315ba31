package devalue

import "hash/maphash"

// De-duplication tables of the encoder. A value written once is referenced
// by its index afterwards; most texts hold only a few distinct values, so the
// first ones are kept in short lists searched linearly, and hash maps (kept
// in the pooled encoder) take over once a list is full.

// linearMax is how many values of a kind are searched linearly.
const linearMax = 8

type strRef struct {
	s string
	i int
}

// findStr returns the index of string s if it was written.
func (e *encoder) findStr(s string) (int, bool) {
	if e.strMapped {
		return e.strTab.find(e.strList, s)
	}
	for j := range e.strList {
		if e.strList[j].s == s {
			return e.strList[j].i, true
		}
	}
	return 0, false
}

// addStr records that string s is at index i. It must not have been
// recorded before.
func (e *encoder) addStr(s string, i int) {
	e.strList = append(e.strList, strRef{s, i})
	if e.strMapped {
		e.strTab.add(e.strList, len(e.strList)-1)
		return
	}
	if len(e.strList) > linearMax {
		e.strTab.build(e.strList)
		e.strMapped = true
	}
}

// internStr returns the index of string s, reserving a slot for it (whose
// text the caller then writes) when it was not written yet: one hash for
// both the lookup and the insertion.
func (e *encoder) internStr(s string) (idx int, isNew bool) {
	if !e.strMapped {
		if i, ok := e.findStr(s); ok {
			return i, false
		}
		idx = e.reserve()
		e.addStr(s, idx)
		return idx, true
	}
	t := &e.strTab
	h := maphash.String(t.seed, s)
	k := h & t.mask
	for ; t.slots[k] != 0; k = (k + 1) & t.mask {
		if j := t.slots[k]; e.strList[j-1].s == s {
			return e.strList[j-1].i, false
		}
	}
	idx = e.reserve()
	e.strList = append(e.strList, strRef{s, idx})
	j := len(e.strList) - 1
	if 2*(j+1) > len(t.slots) {
		t.build(e.strList)
	} else {
		t.slots[k] = int32(j + 1)
	}
	return idx, true
}

// strTable is an open-addressing hash table of positions in the string
// list: one hash per lookup and none of a map's bookkeeping.
type strTable struct {
	seed  maphash.Seed
	slots []int32 // position in the list + 1; 0 is free; len is a power of 2
	mask  uint64
}

func (t *strTable) find(list []strRef, s string) (int, bool) {
	h := maphash.String(t.seed, s)
	for k := h & t.mask; ; k = (k + 1) & t.mask {
		j := t.slots[k]
		if j == 0 {
			return 0, false
		}
		if list[j-1].s == s {
			return list[j-1].i, true
		}
	}
}

// add inserts list[j], growing the table to keep it at most half full.
func (t *strTable) add(list []strRef, j int) {
	if 2*(j+1) > len(t.slots) {
		t.build(list[:j+1])
		return
	}
	t.put(list[j].s, j)
}

func (t *strTable) put(s string, j int) {
	h := maphash.String(t.seed, s)
	k := h & t.mask
	for t.slots[k] != 0 {
		k = (k + 1) & t.mask
	}
	t.slots[k] = int32(j + 1)
}

// reuseSlots is the largest table a pooled encoder keeps for its next text
// (see resetDedup): one that saw many strings before is likely to see as
// many again, and starting with the table, at its size, saves searching a
// list first and rebuilding the table as it fills.
const reuseSlots = 1024

// build indexes the whole list.
func (t *strTable) build(list []strRef) {
	n := 4 * linearMax
	for n < 2*len(list) {
		n *= 2
	}
	if t.seed == (maphash.Seed{}) {
		t.seed = maphash.MakeSeed()
	}
	if cap(t.slots) >= n {
		t.slots = t.slots[:n]
		clear(t.slots)
	} else {
		t.slots = make([]int32, n)
	}
	t.mask = uint64(n - 1)
	for j := range list {
		t.put(list[j].s, j)
	}
}

// smallIndex maps the keys of written values to their indices: a short list
// searched linearly, and a map once the list holds more than limit keys.
type smallIndex[K comparable] struct {
	list   []keyIndex[K]
	m      map[K]int
	mapped bool
}

type keyIndex[K comparable] struct {
	k K
	i int
}

func (x *smallIndex[K]) find(k K) (int, bool) {
	if x.mapped {
		i, ok := x.m[k]
		return i, ok
	}
	for j := range x.list {
		if x.list[j].k == k {
			return x.list[j].i, true
		}
	}
	return 0, false
}

// add records that k is at index i; k must not be recorded yet.
func (x *smallIndex[K]) add(k K, i, limit int) {
	if x.mapped {
		x.m[k] = i
		return
	}
	if len(x.list) < limit {
		x.list = append(x.list, keyIndex[K]{k, i})
		return
	}
	if x.m == nil {
		x.m = make(map[K]int, 2*limit)
	}
	for _, r := range x.list {
		x.m[r.k] = r.i
	}
	x.m[k] = i
	x.mapped = true
}

// reset empties x, dropping its references to keys and keeping its room.
func (x *smallIndex[K]) reset() {
	clear(x.list)
	x.list = x.list[:0]
	if x.mapped {
		clear(x.m)
		x.mapped = false
	}
}

// findNum returns the index of the number with bits b if it was written.
func (e *encoder) findNum(b uint64) (int, bool) { return e.nums.find(b) }

// addNum records that the number with bits b is at index i.
func (e *encoder) addNum(b uint64, i int) { e.nums.add(b, i, linearMax) }

// findObj returns the index of the value with identity k if it was written.
// k is a pointer, a mapID or a bigKey: comparable, so == cannot panic.
func (e *encoder) findObj(k any) (int, bool) { return e.objs.find(k) }

// addObj records that the value with identity k is at index i.
func (e *encoder) addObj(k any, i int) { e.objs.add(k, i, linearMax) }

// findObject returns the index of object o if it was written.
func (e *encoder) findObject(o *Object) (int, bool) { return e.ptrs.find(o) }

// addObject records that object o is at index i. Pointers compare so cheaply
// that the list is longer than the others.
func (e *encoder) addObject(o *Object, i int) { e.ptrs.add(o, i, 4*linearMax) }

// resetDedup empties the tables, dropping every reference to written values.
func (e *encoder) resetDedup() {
	clear(e.strList)
	e.strList = e.strList[:0]
	switch {
	case cap(e.strTab.slots) > 1<<16:
		e.strTab.slots, e.strList = nil, nil
		e.strMapped = false
	case e.strMapped && len(e.strTab.slots) <= reuseSlots:
		// the last text needed the table: the next starts with it, empty,
		// rather than search a list and then build the table again
		clear(e.strTab.slots)
	default:
		e.strMapped = false
	}
	e.nums.reset()
	e.objs.reset()
	e.ptrs.reset()
}
