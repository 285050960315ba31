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

type numRef struct {
	bits uint64
	i    int
}

type ptrRef struct {
	o *Object
	i int
}

type objRef struct {
	k any
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

// findNum returns the index of the number with bits b if it was written.
func (e *encoder) findNum(b uint64) (int, bool) {
	if e.numMapped {
		i, ok := e.numIdx[b]
		return i, ok
	}
	for j := range e.numList {
		if e.numList[j].bits == b {
			return e.numList[j].i, true
		}
	}
	return 0, false
}

// addNum records that the number with bits b is at index i.
func (e *encoder) addNum(b uint64, i int) {
	if e.numMapped {
		e.numIdx[b] = i
		return
	}
	if len(e.numList) < linearMax {
		e.numList = append(e.numList, numRef{b, i})
		return
	}
	if e.numIdx == nil {
		e.numIdx = make(map[uint64]int, 2*linearMax)
	}
	for _, r := range e.numList {
		e.numIdx[r.bits] = r.i
	}
	e.numIdx[b] = i
	e.numMapped = true
}

// findObj returns the index of the value with identity k if it was written.
// k is a pointer, a mapID or a bigKey: comparable, so == cannot panic.
func (e *encoder) findObj(k any) (int, bool) {
	if e.objMapped {
		i, ok := e.objIdx[k]
		return i, ok
	}
	for j := range e.objList {
		if e.objList[j].k == k {
			return e.objList[j].i, true
		}
	}
	return 0, false
}

// addObj records that the value with identity k is at index i.
func (e *encoder) addObj(k any, i int) {
	if e.objMapped {
		e.objIdx[k] = i
		return
	}
	if len(e.objList) < linearMax {
		e.objList = append(e.objList, objRef{k, i})
		return
	}
	if e.objIdx == nil {
		e.objIdx = make(map[any]int, 4*linearMax)
	}
	for _, r := range e.objList {
		e.objIdx[r.k] = r.i
	}
	e.objIdx[k] = i
	e.objMapped = true
}

// findObject returns the index of object o if it was written.
func (e *encoder) findObject(o *Object) (int, bool) {
	if e.ptrMapped {
		i, ok := e.ptrIdx[o]
		return i, ok
	}
	for j := range e.ptrList {
		if e.ptrList[j].o == o {
			return e.ptrList[j].i, true
		}
	}
	return 0, false
}

// addObject records that object o is at index i. Pointers compare so cheaply
// that the list is longer than the others.
func (e *encoder) addObject(o *Object, i int) {
	if e.ptrMapped {
		e.ptrIdx[o] = i
		return
	}
	if len(e.ptrList) < 4*linearMax {
		e.ptrList = append(e.ptrList, ptrRef{o, i})
		return
	}
	if e.ptrIdx == nil {
		e.ptrIdx = make(map[*Object]int, 8*linearMax)
	}
	for _, r := range e.ptrList {
		e.ptrIdx[r.o] = r.i
	}
	e.ptrIdx[o] = i
	e.ptrMapped = true
}

// resetDedup empties the tables, dropping every reference to written values.
func (e *encoder) resetDedup() {
	clear(e.strList)
	clear(e.objList)
	clear(e.ptrList)
	e.strList, e.numList, e.objList, e.ptrList = e.strList[:0], e.numList[:0], e.objList[:0], e.ptrList[:0]
	e.strMapped = false
	if cap(e.strTab.slots) > 1<<16 {
		e.strTab.slots, e.strList = nil, nil
	}
	if e.numMapped {
		clear(e.numIdx)
		e.numMapped = false
	}
	if e.objMapped {
		clear(e.objIdx)
		e.objMapped = false
	}
	if e.ptrMapped {
		clear(e.ptrIdx)
		e.ptrMapped = false
	}
}
