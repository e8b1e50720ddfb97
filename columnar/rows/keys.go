package rows

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// KeyEncoder writes selected fields of rows into normalized group keys: two
// keys are equal as bytes exactly when their SQL values are equal for GROUP
// BY (NULL equals NULL, -0.0 equals 0.0, every NaN equals every NaN, ARRAYs
// element by element alike). A key is itself a row of the encoder's key
// layout (the selected fields, in order), so the group's key values can be
// read back from it, normalized as Spark normalizes grouping keys (-0.0
// reads back as 0.0, every NaN as the same NaN). For computed keys, write
// the values with a Writer of their layout and encode that row with an
// encoder over all its fields.
type KeyEncoder struct {
	l    *Layout
	key  *Layout
	cols []int
	buf  []byte
}

// NewKeyEncoder returns an encoder of the fields cols of rows of l. Every
// column must be a field of l (it panics otherwise: a planner bug, not bad
// data).
func NewKeyEncoder(l *Layout, cols []int) *KeyEncoder {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		if c < 0 || c >= l.NumFields() {
			panic(fmt.Sprintf("rows: key column %d of a layout of %d fields", c, l.NumFields()))
		}
		fields[i] = l.schema.Field(c)
	}
	key, err := NewLayout(arrow.NewSchema(fields, nil))
	if err != nil { // cannot happen: the fields are l's
		panic(fmt.Sprintf("rows: key layout: %v", err))
	}
	return &KeyEncoder{l: l, key: key, cols: append([]int(nil), cols...), buf: make([]byte, key.fixed, key.fixed+64)}
}

// Layout returns the key layout: the layout of the rows Encode returns.
func (e *KeyEncoder) Layout() *Layout { return e.key }

// Encode returns r's key. It is valid until the next call to Encode; keep a
// copy (string(key), Buffer.Append) to hold it.
func (e *KeyEncoder) Encode(r Row) []byte {
	kl, l := e.key, e.l
	buf := e.buf[:kl.fixed]
	clear(buf)
	for i, c := range e.cols {
		if l.IsNull(r, c) {
			buf[i>>3] |= 1 << (uint(i) & 7)
			continue
		}
		so := kl.slot(i)
		switch k := kl.kinds[i]; k {
		case KindNull:
			buf[i>>3] |= 1 << (uint(i) & 7)
		case KindBool:
			if r[l.slot(c)] != 0 {
				buf[so] = 1
			}
		case KindInt32:
			binary.LittleEndian.PutUint64(buf[so:], uint64(int64(l.Int32(r, c))))
		case KindInt64, KindDec64:
			binary.LittleEndian.PutUint64(buf[so:], l.Slot(r, c))
		case KindFloat64:
			binary.LittleEndian.PutUint64(buf[so:], normalDouble(l.Slot(r, c)))
		case KindBytes, KindDec128:
			v := l.Bytes(r, c)
			binary.LittleEndian.PutUint64(buf[so:], uint64(len(buf))<<32|uint64(len(v)))
			buf = append(buf, v...)
		case KindList:
			off := len(buf)
			buf = appendNormalList(buf, l.Bytes(r, c), kl.ElemKind(i))
			binary.LittleEndian.PutUint64(buf[so:], uint64(off)<<32|uint64(len(buf)-off))
		}
	}
	e.buf = buf
	return buf
}

// canonicalNaN is the NaN every NaN key becomes.
var canonicalNaN = math.Float64bits(math.NaN())

// normalDouble returns a DOUBLE's bits with -0.0 as 0.0 and every NaN as
// one NaN.
func normalDouble(b uint64) uint64 {
	f := math.Float64frombits(b)
	switch {
	case f == 0:
		return 0
	case f != f:
		return canonicalNaN
	}
	return b
}

// appendNormalList appends the canonical form of an encoded list: NULL
// elements zero, INT elements sign-extended, BOOLEANs 0 or 1, DOUBLEs
// normalized. An invalid encoding is appended as it is.
func appendNormalList(dst, src []byte, ek Kind) []byte {
	n, err := listLen(src)
	if err != nil || ek.Variable() || len(src) != 4+9*n {
		return append(dst, src...) // variable elements are canonical as they are
	}
	p := len(dst)
	dst = append(dst, src...)
	out := dst[p:]
	nulls, slots := out[4:4+n], out[4+n:]
	for i, z := range nulls {
		s := slots[8*i:]
		if z != 0 {
			nulls[i] = 1
			binary.LittleEndian.PutUint64(s, 0)
			continue
		}
		v := binary.LittleEndian.Uint64(s)
		switch ek {
		case KindBool:
			if byte(v) != 0 {
				v = 1
			}
		case KindInt32:
			v = uint64(int64(int32(v)))
		case KindFloat64:
			v = normalDouble(v)
		case KindNull:
			v = 0
		}
		binary.LittleEndian.PutUint64(s, v)
	}
	return dst
}
