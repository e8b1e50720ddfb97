package rows

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// SortKey is one key of a row ordering.
type SortKey struct {
	Column     int  // the field of the row
	Descending bool // descending order instead of ascending
	NullsFirst bool // NULLs before every value instead of after
}

// Comparator orders rows of one layout by sort keys, as Spark orders: NaN
// greater than every other DOUBLE, -0.0 equal to 0.0, STRING and BINARY
// bytewise, DECIMALs by value, false before true, numbers, dates and
// timestamps numerically, ARRAYs element by element (a NULL element first,
// a prefix first); NULLs first or last per key whatever the direction. A
// Comparator does not allocate and is safe for concurrent use.
type Comparator struct {
	l    *Layout
	keys []cmpKey
}

type cmpKey struct {
	slot       int  // offset of the slot in the row
	nb         int  // byte of the null bit
	bit        byte // the null bit
	kind       Kind
	elem       Kind // a list's element kind
	desc       bool
	nullsFirst bool
}

// NewComparator returns a comparator of rows of l by keys. Every key's
// Column must be a field of l (it panics otherwise: a planner bug, not bad
// data).
func NewComparator(l *Layout, keys []SortKey) *Comparator {
	c := &Comparator{l: l, keys: make([]cmpKey, len(keys))}
	for i, k := range keys {
		if k.Column < 0 || k.Column >= l.NumFields() {
			panic(fmt.Sprintf("rows: sort key %d on column %d of a layout of %d fields", i, k.Column, l.NumFields()))
		}
		ck := cmpKey{
			slot: l.slot(k.Column), nb: k.Column >> 3, bit: 1 << (uint(k.Column) & 7),
			kind: l.kinds[k.Column], desc: k.Descending, nullsFirst: k.NullsFirst,
		}
		if ck.kind == KindList {
			ck.elem = l.ElemKind(k.Column)
		}
		c.keys[i] = ck
	}
	return c
}

// Layout returns the layout of the rows the comparator compares.
func (c *Comparator) Layout() *Layout { return c.l }

// Compare returns -1, 0 or 1 as a orders before, equal to or after b.
func (c *Comparator) Compare(a, b Row) int { return c.compareFrom(a, b, 0) }

// compareFrom compares a and b by the keys from the first-th on.
func (c *Comparator) compareFrom(a, b Row, first int) int {
	for i := first; i < len(c.keys); i++ {
		k := &c.keys[i]
		an, bn := a[k.nb]&k.bit != 0, b[k.nb]&k.bit != 0
		if an || bn {
			switch {
			case an && bn:
				continue
			case an == k.nullsFirst:
				return -1
			}
			return 1
		}
		var r int
		switch k.kind {
		case KindBool, KindInt32, KindInt64, KindDec64:
			x, y := int64(binary.LittleEndian.Uint64(a[k.slot:])), int64(binary.LittleEndian.Uint64(b[k.slot:]))
			if x < y {
				r = -1
			} else if x > y {
				r = 1
			}
		case KindFloat64:
			r = compareDoubles(math.Float64frombits(binary.LittleEndian.Uint64(a[k.slot:])),
				math.Float64frombits(binary.LittleEndian.Uint64(b[k.slot:])))
		case KindBytes:
			r = bytes.Compare(varBytes(a, k.slot), varBytes(b, k.slot))
		case KindDec128:
			r = compareDec128(varBytes(a, k.slot), varBytes(b, k.slot))
		case KindList:
			r = compareLists(varBytes(a, k.slot), varBytes(b, k.slot), k.elem)
		}
		if r != 0 {
			if k.desc {
				return -r
			}
			return r
		}
	}
	return 0
}

// varBytes returns the variable-length value whose slot is at so.
func varBytes(r Row, so int) []byte {
	s := binary.LittleEndian.Uint64(r[so:])
	off, n := int(s>>32), int(uint32(s))
	return r[off : off+n : off+n]
}

// compareDoubles orders as Spark: -0.0 = 0.0, NaN = NaN, NaN above all.
func compareDoubles(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	case x == y:
		return 0
	}
	xn, yn := x != x, y != y
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	}
	return -1
}

// compareDec128 compares two 16-byte decimals (low word first).
func compareDec128(a, b []byte) int {
	if len(a) < 16 || len(b) < 16 {
		return bytes.Compare(a, b)
	}
	ah, bh := int64(binary.LittleEndian.Uint64(a[8:])), int64(binary.LittleEndian.Uint64(b[8:]))
	if ah != bh {
		if ah < bh {
			return -1
		}
		return 1
	}
	al, bl := binary.LittleEndian.Uint64(a), binary.LittleEndian.Uint64(b)
	switch {
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}

// compareSlots compares two fixed-width element slots of kind k.
func compareSlots(x, y uint64, k Kind) int {
	if k == KindFloat64 {
		return compareDoubles(math.Float64frombits(x), math.Float64frombits(y))
	}
	switch {
	case int64(x) < int64(y):
		return -1
	case int64(x) > int64(y):
		return 1
	}
	return 0
}

// compareLists compares two encoded lists as Spark orders arrays: element
// by element (a NULL element before a value), then the shorter first. An
// invalid encoding compares bytewise (rows of the format are valid; this
// only keeps a corrupt row from crashing a sort).
func compareLists(a, b []byte, ek Kind) int {
	na, ea := listLen(a)
	nb, eb := listLen(b)
	if ea != nil || eb != nil {
		return bytes.Compare(a, b)
	}
	n := min(na, nb)
	pa, pb := 4+na, 4+nb // where the elements start
	for i := 0; i < n; i++ {
		an, bn := a[4+i] != 0, b[4+i] != 0
		if !ek.Variable() {
			if len(a) < pa+8 || len(b) < pb+8 {
				return bytes.Compare(a, b)
			}
			x, y := binary.LittleEndian.Uint64(a[pa:]), binary.LittleEndian.Uint64(b[pb:])
			pa += 8
			pb += 8
			switch {
			case an && bn:
				continue
			case an:
				return -1
			case bn:
				return 1
			}
			if r := compareSlots(x, y, ek); r != 0 {
				return r
			}
			continue
		}
		if len(a) < pa+4 || len(b) < pb+4 {
			return bytes.Compare(a, b)
		}
		ma, mb := int(binary.LittleEndian.Uint32(a[pa:])), int(binary.LittleEndian.Uint32(b[pb:]))
		if ma > len(a)-pa-4 || mb > len(b)-pb-4 {
			return bytes.Compare(a, b)
		}
		x, y := a[pa+4:pa+4+ma], b[pb+4:pb+4+mb]
		pa += 4 + ma
		pb += 4 + mb
		switch {
		case an && bn:
			continue
		case an:
			return -1
		case bn:
			return 1
		}
		var r int
		if ek == KindDec128 {
			r = compareDec128(x, y)
		} else {
			r = bytes.Compare(x, y)
		}
		if r != 0 {
			return r
		}
	}
	switch {
	case na < nb:
		return -1
	case na > nb:
		return 1
	}
	return 0
}
