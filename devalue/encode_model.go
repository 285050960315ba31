package devalue

import (
	"math"
	"math/big"
	"strconv"
)

// The encoder's containers of the value model (stringify.go has the rest).

// idxList gathers the indices of a container's children: on the stack for a
// small container.
type idxList struct {
	small [16]int
}

func (l *idxList) init(n int) []int {
	if n <= len(l.small) {
		return l.small[:0]
	}
	return make([]int, 0, n)
}

// appendIdxList appends the indices, separated by commas.
func appendIdxList(b []byte, idxs []int) []byte {
	for j, i := range idxs {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendIdx(b, i)
	}
	return b
}

// appendTagged appends ["Tag",i,j,...].
func appendTagged(b []byte, tag string, idxs []int) []byte {
	b = append(append(append(b, `["`...), tag...), '"')
	for _, i := range idxs {
		b = appendIdx(append(b, ','), i)
	}
	return append(b, ']')
}

// appendIdx appends an index or a negative constant.
func appendIdx(b []byte, i int) []byte {
	if i < 0 || i >= 1e6 {
		return strconv.AppendInt(b, int64(i), 10)
	}
	var tmp [6]byte
	p := len(tmp)
	for {
		p--
		tmp[p] = byte('0' + i%10)
		if i /= 10; i == 0 {
			return append(b, tmp[p:]...)
		}
	}
}

func (e *encoder) object(idx int, o *Object, depth int) error {
	order := o.order()
	var l idxList
	idxs := l.init(len(o.m))
	for j := range o.m {
		p := j
		if order != nil {
			p = order[j]
		}
		k := o.m[p].key
		if k == "__proto__" {
			return notSerializable("Cannot stringify objects with __proto__ keys", o)
		}
		i, err := e.flatten(o.m[p].val, depth+1)
		if err != nil {
			return withPath(err, pathKey(k))
		}
		idxs = append(idxs, i)
	}
	key := func(j int) string {
		if order != nil {
			return o.m[order[j]].key
		}
		return o.m[j].key
	}
	b := e.start()
	if o.NullProto {
		b = append(b, `["null"`...)
		for j, i := range idxs {
			b = appendIdx(append(appendString(append(b, ','), key(j)), ','), i)
		}
		e.commit(idx, append(b, ']'))
		return nil
	}
	b = append(b, '{')
	for j, i := range idxs {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendIdx(append(appendString(b, key(j)), ':'), i)
	}
	e.commit(idx, append(b, '}'))
	return nil
}

// array writes an array with holes as -2, or in the sparse form
// [-7,length,index,value,...] when that is shorter, as devalue chooses.
func (e *encoder) array(idx int, a *Array, depth int) error {
	ids := a.indices()
	if len(ids) < a.length {
		dg := len(strconv.Itoa(a.length))
		if (a.length-len(ids))*3 > 4+dg+len(ids)*(dg+1) {
			return e.sparseArray(idx, a, ids, depth)
		}
	}
	var l idxList
	idxs := l.init(a.length)
	for i := 0; i < a.length; i++ {
		v := a.At(i)
		if _, hole := v.(Hole); hole {
			idxs = append(idxs, idxHole)
			continue
		}
		ci, err := e.flatten(v, depth+1)
		if err != nil {
			return withPath(err, indexPath(i))
		}
		idxs = append(idxs, ci)
	}
	e.commit(idx, append(appendIdxList(append(e.start(), '['), idxs), ']'))
	return nil
}

func (e *encoder) sparseArray(idx int, a *Array, ids []int, depth int) error {
	idxs := make([]int, len(ids))
	for j, i := range ids {
		ci, err := e.flatten(a.At(i), depth+1)
		if err != nil {
			return withPath(err, indexPath(i))
		}
		idxs[j] = ci
	}
	b := strconv.AppendInt(append(e.start(), "[-7,"...), int64(a.length), 10)
	for j, i := range ids {
		b = appendIdx(append(strconv.AppendInt(append(b, ','), int64(i), 10), ','), idxs[j])
	}
	e.commit(idx, append(b, ']'))
	return nil
}

func (e *encoder) mapValue(idx int, m *Map, depth int) error {
	var l idxList
	idxs := l.init(2 * len(m.entries))
	for _, en := range m.entries {
		ki, err := e.flatten(en.Key, depth+1)
		if err != nil {
			return withPath(err, mapPath(en.Key))
		}
		vi, err := e.flatten(en.Value, depth+1)
		if err != nil {
			return withPath(err, mapPath(en.Key))
		}
		idxs = append(idxs, ki, vi)
	}
	e.commit(idx, appendTagged(e.start(), "Map", idxs))
	return nil
}

func (e *encoder) set(idx int, s *Set, depth int) error {
	var l idxList
	idxs := l.init(len(s.m.entries))
	for _, en := range s.m.entries {
		i, err := e.flatten(en.Key, depth+1)
		if err != nil {
			return err
		}
		idxs = append(idxs, i)
	}
	e.commit(idx, appendTagged(e.start(), "Set", idxs))
	return nil
}

// view writes a typed array or DataView: [Type, buffer] for a view of the
// whole buffer, else [Type, buffer, byteOffset, length].
func (e *encoder) view(idx int, typ string, buf *ArrayBuffer, off, n, byteLen int, depth int) error {
	bi, err := e.flatten(buf, depth+1)
	if err != nil {
		return err
	}
	b := appendIdx(append(appendString(append(e.start(), '['), typ), ','), bi)
	if byteLen != len(buf.Bytes) {
		b = strconv.AppendInt(append(b, ','), int64(off), 10)
		b = strconv.AppendInt(append(b, ','), int64(n), 10)
	}
	e.commit(idx, append(b, ']'))
	return nil
}

func (e *encoder) typedArray(idx int, x *TypedArray, depth int) error {
	size := elemSize(x.Type)
	if size == 0 {
		return notSerializable("Cannot stringify a typed array of unknown type "+strconv.Quote(x.Type), x)
	}
	if x.Buffer == nil || x.ByteOffset < 0 || x.Length < 0 || x.ByteOffset%size != 0 ||
		x.ByteOffset+x.Length*size > len(x.Buffer.Bytes) {
		return notSerializable("Cannot stringify a typed array that does not fit its buffer", x)
	}
	return e.view(idx, x.Type, x.Buffer, x.ByteOffset, x.Length, x.Length*size, depth)
}

func (e *encoder) dataView(idx int, x *DataView, depth int) error {
	if x.Buffer == nil || x.ByteOffset < 0 || x.ByteLength < 0 || x.ByteOffset+x.ByteLength > len(x.Buffer.Bytes) {
		return notSerializable("Cannot stringify a DataView that does not fit its buffer", x)
	}
	return e.view(idx, "DataView", x.Buffer, x.ByteOffset, x.ByteLength, x.ByteLength, depth)
}

func (e *encoder) boxed(idx int, x *Boxed, depth int) error {
	switch x.Value.(type) {
	case float64, string, bool, BigInt, *big.Int:
	default:
		return notSerializable("Cannot stringify a boxed value that is not a number, string, boolean or BigInt", x)
	}
	return e.tagged(idx, "Object", x.Value, depth)
}

// tagged writes ["Tag", index of v].
func (e *encoder) tagged(idx int, tag string, v any, depth int) error {
	i, err := e.flatten(v, depth+1)
	if err != nil {
		return err
	}
	b := appendString(append(e.start(), '['), tag)
	e.commit(idx, append(appendIdx(append(b, ','), i), ']'))
	return nil
}

// mapPath formats a Map key as a segment of an error path: .get(key).
func mapPath(key any) string {
	var b []byte
	switch k := key.(type) {
	case string:
		b = appendString(b, k)
	case float64:
		switch {
		case k != k:
			b = append(b, "-3"...)
		case k > math.MaxFloat64:
			b = append(b, "-4"...)
		case k < -math.MaxFloat64:
			b = append(b, "-5"...)
		default:
			b = appendNumber(b, k)
		}
	case bool:
		b = strconv.AppendBool(b, k)
	case nil:
		b = append(b, "null"...)
	case Undefined:
		b = append(b, "-1"...)
	case BigInt:
		b = append(append(append(b, `["BigInt","`...), k...), `"]`...)
	default:
		if p, ok := goScalar(key); ok {
			return mapPath(p)
		}
		b = append(b, "..."...)
	}
	return ".get(" + string(b) + ")"
}
