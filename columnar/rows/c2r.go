package rows

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// ColumnarToRow: a batch is appended to a Buffer column at a time. First
// every new row's size is computed (the fixed part, plus per variable column
// one pass over its offsets), the arena grows once, then each column writes
// its null bits, slots and variable-length data into every row. A per-row
// cursor (Buffer.cur) says where the row's next variable-length value goes.

// typesMatch reports whether an array of type got can fill a field of type
// want: the same type, ignoring field names, nullability and time zones.
func typesMatch(got, want arrow.DataType) bool {
	if got.ID() != want.ID() {
		return false
	}
	switch w := want.(type) {
	case *arrow.Decimal128Type:
		g := got.(*arrow.Decimal128Type)
		return g.Precision == w.Precision && g.Scale == w.Scale
	case *arrow.TimestampType:
		return got.(*arrow.TimestampType).Unit == w.Unit
	case *arrow.ListType:
		return typesMatch(got.(*arrow.ListType).Elem(), w.Elem())
	}
	return true
}

// checkBatch validates that b's columns fit l.
func checkBatch(l *Layout, b arrow.RecordBatch) error {
	if b == nil {
		return fmt.Errorf("rows: nil record batch")
	}
	cols := b.Columns()
	if len(cols) != l.NumFields() {
		return fmt.Errorf("rows: batch of %d columns for a layout of %d fields", len(cols), l.NumFields())
	}
	n := int(b.NumRows())
	for j, c := range cols {
		f := l.schema.Field(j)
		if !typesMatch(c.DataType(), f.Type) {
			return fmt.Errorf("rows: column %d (%q) is %s, the layout wants %s", j, f.Name, c.DataType(), f.Type)
		}
		if c.Len() != n {
			return fmt.Errorf("rows: column %d (%q) has %d rows, the batch %d", j, f.Name, c.Len(), n)
		}
	}
	return nil
}

func appendBatch(l *Layout, b arrow.RecordBatch, into *Buffer) error {
	if into == nil {
		return fmt.Errorf("rows: nil buffer")
	}
	if err := checkBatch(l, b); err != nil {
		return err
	}
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	cols := b.Columns()
	base := into.Len()
	start0 := len(into.data)
	into.offs = slices.Grow(into.offs, n)[:base+1+n]
	ends := into.offs[base+1:]
	for i := range ends {
		ends[i] = l.fixed
	}
	for j, c := range cols {
		if l.kinds[j].Variable() {
			addVarSizes(l.kinds[j], c, ends)
		}
	}
	pos := start0
	for i, s := range ends {
		if s > math.MaxUint32 {
			into.offs = into.offs[:base+1]
			return fmt.Errorf("rows: row %d of the batch takes %d bytes, more than a row can hold (4 GiB)", i, s)
		}
		pos += s
		ends[i] = pos
	}
	into.data = slices.Grow(into.data, pos-start0)[:pos]
	data := into.data
	starts := into.offs[base : base+n+1] // each row's start, then the end
	var cur []uint32
	for _, k := range l.kinds {
		if k.Variable() {
			if cap(into.cur) < n {
				into.cur = make([]uint32, n)
			}
			cur = into.cur[:n]
			for i := range cur {
				cur[i] = uint32(l.fixed)
			}
			break
		}
	}
	// The rows are written in blocks that stay in cache while every column
	// writes its fields into them.
	block := blockRows(pos-start0, n)
	for from := 0; from < n; from += block {
		to := min(from+block, n)
		st := starts[from:to]
		// Zero the null bitsets; every slot and every variable byte is
		// written below.
		if ns := l.nullSize; ns == 8 {
			for _, s := range st {
				binary.LittleEndian.PutUint64(data[s:], 0)
			}
		} else {
			for _, s := range st {
				clear(data[s : s+ns])
			}
		}
		var c []uint32
		if cur != nil {
			c = cur[from:to]
		}
		for j, a := range cols {
			writeColumn(data, starts[from:to+1], c, from, j, l.slot(j), l.kinds[j], a)
		}
	}
	return nil
}

// blockBytes is the size of the blocks of rows the conversions work on,
// column by column: small enough to stay in a core's L2 cache.
const blockBytes = 256 << 10

// blockRows returns how many rows of a conversion of n rows of total bytes
// make a block.
func blockRows(total, n int) int {
	if total <= blockBytes {
		return max(n, 1)
	}
	return max(blockBytes/(total/n+1), 64)
}

// validity returns an array's validity bitmap and offset, or nil when it
// has no NULLs.
func validity(a arrow.Array) ([]byte, int) {
	if a.NullN() == 0 {
		return nil, 0
	}
	return a.NullBitmapBytes(), a.Data().Offset()
}

func isValid(bm []byte, i int) bool { return bm[i>>3]>>(uint(i)&7)&1 != 0 }

// Typed views of fixed-width arrays' values (their offset applied).

func int32s(a arrow.Array) []int32 {
	d := a.Data()
	if d.Len() == 0 {
		return nil
	}
	return arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
}

func int64s(a arrow.Array) []int64 {
	d := a.Data()
	if d.Len() == 0 {
		return nil
	}
	return arrow.Int64Traits.CastFromBytes(d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
}

func decimals(a arrow.Array) []decimal128.Num {
	d := a.Data()
	if d.Len() == 0 {
		return nil
	}
	return arrow.Decimal128Traits.CastFromBytes(d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
}

// binaryParts returns a STRING or BINARY array's offsets (len+1 of them,
// pointing into raw) and its raw data.
func binaryParts(a arrow.Array) (offs []int32, raw []byte) {
	switch x := a.(type) {
	case *array.String:
		offs = x.ValueOffsets()
	case *array.Binary:
		offs = x.ValueOffsets()
	}
	if b := a.Data().Buffers()[2]; b != nil {
		raw = b.Bytes()
	}
	return offs, raw
}

// listParts returns a list array's offsets (len+1 of them, into its
// values) and its values.
func listParts(a arrow.Array) ([]int32, arrow.Array) {
	x := a.(*array.List)
	d := x.Data()
	return x.Offsets()[d.Offset() : d.Offset()+d.Len()+1], x.ListValues()
}

// addVarSizes adds a variable-length column's value sizes to sizes.
func addVarSizes(k Kind, a arrow.Array, sizes []int) {
	bm, bo := validity(a)
	switch k {
	case KindBytes:
		offs, _ := binaryParts(a)
		offs = offs[:len(sizes)+1]
		if bm == nil {
			for i := range sizes {
				sizes[i] += int(offs[i+1] - offs[i])
			}
			return
		}
		for i := range sizes {
			if isValid(bm, bo+i) {
				sizes[i] += int(offs[i+1] - offs[i])
			}
		}
	case KindDec128:
		for i := range sizes {
			if bm == nil || isValid(bm, bo+i) {
				sizes[i] += 16
			}
		}
	case KindList:
		offs, vals := listParts(a)
		e := newElemSrc(vals)
		for i := range sizes {
			if bm == nil || isValid(bm, bo+i) {
				sizes[i] += e.encodedSize(int(offs[i]), int(offs[i+1]))
			}
		}
	}
}

// writeColumn writes column j (kind k, slot at so) of the rows starting at
// starts (then the end of the last), which are rows from, from+1, ... of
// the batch.
func writeColumn(data []byte, bounds []int, cur []uint32, from, j, so int, k Kind, a arrow.Array) {
	starts := bounds[:len(bounds)-1]
	nb, bit := j>>3, byte(1)<<(uint(j)&7)
	bm, bo := validity(a)
	bo += from
	switch k {
	case KindNull:
		for _, s := range starts {
			data[s+nb] |= bit
			binary.LittleEndian.PutUint64(data[s+so:], 0)
		}
		return
	case KindBool:
		d := a.Data()
		vals, vo := d.Buffers()[1].Bytes(), d.Offset()+from
		for i, s := range starts {
			binary.LittleEndian.PutUint64(data[s+so:], uint64(vals[(vo+i)>>3]>>(uint(vo+i)&7)&1))
		}
	case KindInt32:
		vals := int32s(a)
		vals = vals[from : from+len(starts)]
		for i, s := range starts {
			binary.LittleEndian.PutUint64(data[s+so:], uint64(int64(vals[i])))
		}
	case KindInt64, KindFloat64:
		vals := int64s(a) // DOUBLE's bits as int64s
		vals = vals[from : from+len(starts)]
		for i, s := range starts {
			binary.LittleEndian.PutUint64(data[s+so:], uint64(vals[i]))
		}
	case KindDec64:
		vals := decimals(a)
		vals = vals[from : from+len(starts)]
		for i, s := range starts {
			binary.LittleEndian.PutUint64(data[s+so:], vals[i].LowBits())
		}
	case KindDec128:
		vals := decimals(a)
		vals = vals[from : from+len(starts)]
		for i, s := range starts {
			if bm != nil && !isValid(bm, bo+i) {
				data[s+nb] |= bit
				binary.LittleEndian.PutUint64(data[s+so:], 0)
				continue
			}
			c := cur[i]
			p := s + int(c)
			binary.LittleEndian.PutUint64(data[p:], vals[i].LowBits())
			binary.LittleEndian.PutUint64(data[p+8:], uint64(vals[i].HighBits()))
			binary.LittleEndian.PutUint64(data[s+so:], uint64(c)<<32|16)
			cur[i] = c + 16
		}
		return
	case KindBytes:
		offs, raw := binaryParts(a)
		offs = offs[from : from+len(starts)+1]
		cur = cur[:len(starts)]
		for i, s := range starts {
			if bm != nil && !isValid(bm, bo+i) {
				data[s+nb] |= bit
				binary.LittleEndian.PutUint64(data[s+so:], 0)
				continue
			}
			c := cur[i]
			b, e := int(offs[i]), int(offs[i+1])
			m, p := e-b, s+int(c)
			if m <= 16 && p+16 <= bounds[i+1] && b+16 <= len(raw) {
				// A short value: two words, the excess inside the row
				// and overwritten by the row's next values.
				src, dst := raw[b:b+16], data[p:p+16]
				binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(src))
				binary.LittleEndian.PutUint64(dst[8:], binary.LittleEndian.Uint64(src[8:]))
			} else {
				copy(data[p:p+m], raw[b:e])
			}
			binary.LittleEndian.PutUint64(data[s+so:], uint64(c)<<32|uint64(m))
			cur[i] = c + uint32(m)
		}
		return
	case KindList:
		offs, vals := listParts(a)
		offs = offs[from:]
		e := newElemSrc(vals)
		for i, s := range starts {
			if bm != nil && !isValid(bm, bo+i) {
				data[s+nb] |= bit
				binary.LittleEndian.PutUint64(data[s+so:], 0)
				continue
			}
			c := cur[i]
			m := e.encode(data[s+int(c):], int(offs[i]), int(offs[i+1]))
			binary.LittleEndian.PutUint64(data[s+so:], uint64(c)<<32|uint64(m))
			cur[i] = c + uint32(m)
		}
		return
	}
	// Fixed-width kinds: the values are written for every row, then the
	// NULL rows are marked and their slots zeroed.
	if bm == nil {
		return
	}
	for i, s := range starts {
		if !isValid(bm, bo+i) {
			data[s+nb] |= bit
			binary.LittleEndian.PutUint64(data[s+so:], 0)
		}
	}
}

// elemSrc reads the elements of a list array's values for encoding.
type elemSrc struct {
	kind  Kind
	bm    []byte // validity, nil without NULLs
	bo    int
	bools []byte // BOOLEAN values bitmap
	vo    int    // its offset
	i32   []int32
	i64   []int64
	dec   []decimal128.Num
	offs  []int32 // STRING, BINARY
	raw   []byte
}

func newElemSrc(a arrow.Array) elemSrc {
	k, _ := KindOf(a.DataType())
	e := elemSrc{kind: k}
	e.bm, e.bo = validity(a)
	switch k {
	case KindBool:
		if a.Len() > 0 {
			e.bools, e.vo = a.Data().Buffers()[1].Bytes(), a.Data().Offset()
		}
	case KindInt32:
		e.i32 = int32s(a)
	case KindInt64, KindFloat64:
		e.i64 = int64s(a)
	case KindDec64, KindDec128:
		e.dec = decimals(a)
	case KindBytes:
		e.offs, e.raw = binaryParts(a)
	case KindNull:
		e.bm = nil
	}
	return e
}

func (e *elemSrc) valid(k int) bool {
	if e.kind == KindNull {
		return false
	}
	return e.bm == nil || isValid(e.bm, e.bo+k)
}

// encodedSize returns the bytes of the encoding of elements [k0, k1).
func (e *elemSrc) encodedSize(k0, k1 int) int {
	n := k1 - k0
	switch e.kind {
	case KindBytes:
		size := 4 + 5*n + int(e.offs[k1]-e.offs[k0])
		if e.bm != nil {
			for k := k0; k < k1; k++ {
				if !isValid(e.bm, e.bo+k) {
					size -= int(e.offs[k+1] - e.offs[k])
				}
			}
		}
		return size
	case KindDec128:
		size := 4 + 5*n
		for k := k0; k < k1; k++ {
			if e.valid(k) {
				size += 16
			}
		}
		return size
	}
	return 4 + 9*n
}

// encode writes the encoding of elements [k0, k1) to dst (which has room)
// and returns its length.
func (e *elemSrc) encode(dst []byte, k0, k1 int) int {
	n := k1 - k0
	binary.LittleEndian.PutUint32(dst, uint32(n))
	nulls := dst[4 : 4+n]
	for k := range nulls {
		if e.valid(k0 + k) {
			nulls[k] = 0
		} else {
			nulls[k] = 1
		}
	}
	p := 4 + n
	switch e.kind {
	case KindBytes:
		for k := k0; k < k1; k++ {
			if nulls[k-k0] != 0 {
				binary.LittleEndian.PutUint32(dst[p:], 0)
				p += 4
				continue
			}
			m := copy(dst[p+4:], e.raw[e.offs[k]:e.offs[k+1]])
			binary.LittleEndian.PutUint32(dst[p:], uint32(m))
			p += 4 + m
		}
		return p
	case KindDec128:
		for k := k0; k < k1; k++ {
			if nulls[k-k0] != 0 {
				binary.LittleEndian.PutUint32(dst[p:], 0)
				p += 4
				continue
			}
			binary.LittleEndian.PutUint32(dst[p:], 16)
			binary.LittleEndian.PutUint64(dst[p+4:], e.dec[k].LowBits())
			binary.LittleEndian.PutUint64(dst[p+12:], uint64(e.dec[k].HighBits()))
			p += 20
		}
		return p
	}
	slots := dst[p : p+8*n]
	switch e.kind {
	case KindBool:
		for k := k0; k < k1; k++ {
			binary.LittleEndian.PutUint64(slots[8*(k-k0):], uint64(e.bools[(e.vo+k)>>3]>>(uint(e.vo+k)&7)&1))
		}
	case KindInt32:
		for k := k0; k < k1; k++ {
			binary.LittleEndian.PutUint64(slots[8*(k-k0):], uint64(int64(e.i32[k])))
		}
	case KindInt64, KindFloat64:
		for k := k0; k < k1; k++ {
			binary.LittleEndian.PutUint64(slots[8*(k-k0):], uint64(e.i64[k]))
		}
	case KindDec64:
		for k := k0; k < k1; k++ {
			binary.LittleEndian.PutUint64(slots[8*(k-k0):], e.dec[k].LowBits())
		}
	case KindNull:
		clear(slots)
	}
	for k, z := range nulls {
		if z != 0 {
			binary.LittleEndian.PutUint64(slots[8*k:], 0)
		}
	}
	return p + 8*n
}
