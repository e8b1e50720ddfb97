package rows

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// RowToColumnar: the rows are read in blocks that stay in cache, and every
// column reads its fields from a block before the next block is read. The
// first sweep over the blocks writes validity bitmaps, fixed-width values
// and offsets (validating every variable-length slot); once the sizes are
// known, a second sweep copies the variable-length bytes. Every buffer is
// allocated from the caller's allocator.

// rowSet is a range of rows in an arena: row i is data[starts[i]:starts[i+1]].
type rowSet struct {
	data   []byte
	starts []int // n+1 entries
}

func (rs rowSet) len() int { return len(rs.starts) - 1 }

// rowError is a bad value found in a row.
type rowError struct {
	row int
	err error
}

func (e *rowError) Error() string { return fmt.Sprintf("row %d: %v", e.row, e.err) }

func badRow(i int, format string, args ...any) error {
	return &rowError{row: i, err: fmt.Errorf("rows: "+format, args...)}
}

func newBuffer(alloc memory.Allocator, size int) *memory.Buffer {
	b := memory.NewResizableBuffer(alloc)
	b.Resize(size)
	return b
}

func releaseAll(bufs ...*memory.Buffer) {
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
}

// makeArray makes an array of the buffers and children, releasing them.
func makeArray(t arrow.DataType, n int, bufs []*memory.Buffer, children []arrow.ArrayData, nulls int) arrow.Array {
	d := array.NewData(t, n, bufs, children, nulls, 0)
	releaseAll(bufs...)
	for _, c := range children {
		c.Release()
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}

func bufferToBatch(alloc memory.Allocator, l *Layout, buf *Buffer, from, to int) (arrow.RecordBatch, error) {
	if alloc == nil {
		return nil, fmt.Errorf("rows: nil allocator")
	}
	if buf == nil {
		return nil, fmt.Errorf("rows: nil buffer")
	}
	if from < 0 || to < from || to > buf.Len() {
		return nil, fmt.Errorf("rows: row range [%d, %d) outside a buffer of %d rows", from, to, buf.Len())
	}
	rs := rowSet{data: buf.data, starts: buf.offs[from : to+1]}
	n := rs.len()
	for i := 0; i < n; i++ {
		if m := rs.starts[i+1] - rs.starts[i]; m < l.fixed {
			return nil, fmt.Errorf("rows: row %d has %d bytes, fewer than the %d of its layout's null bits and slots", from+i, m, l.fixed)
		}
	}
	cols := make([]colBuilder, l.NumFields())
	for j := range cols {
		cols[j].init(alloc, l, j, n)
	}
	fail := func(j int, err error) (arrow.RecordBatch, error) {
		for j := range cols {
			cols[j].release()
		}
		if re, ok := err.(*rowError); ok {
			return nil, fmt.Errorf("row %d, field %d (%q): %w", from+re.row, j, l.schema.Field(j).Name, re.err)
		}
		return nil, fmt.Errorf("field %d (%q): %w", j, l.schema.Field(j).Name, err)
	}
	// A multiple of 8 rows, so blocks start on validity bytes.
	block := (blockRows(rs.starts[n]-rs.starts[0], n) + 7) &^ 7
	second := false
	for j := range cols {
		second = second || cols[j].second()
	}
	for b0 := 0; b0 < n; b0 += block {
		b1 := min(b0+block, n)
		for j := range cols {
			if err := cols[j].sweep1(rs, b0, b1); err != nil {
				return fail(j, err)
			}
		}
	}
	if second {
		for j := range cols {
			if err := cols[j].prepare2(alloc); err != nil {
				return fail(j, err)
			}
		}
		for b0 := 0; b0 < n; b0 += block {
			b1 := min(b0+block, n)
			for j := range cols {
				cols[j].sweep2(rs, b0, b1)
			}
		}
	}
	arrs := make([]arrow.Array, len(cols))
	for j := range cols {
		arrs[j] = cols[j].finish()
	}
	rb := array.NewRecordBatch(l.schema, arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rb, nil
}

// colBuilder builds one column of a RowToColumnar conversion.
type colBuilder struct {
	t    arrow.DataType
	kind Kind
	n    int
	nb   int  // byte of the null bit in a row
	sh   uint // and its shift
	so   int  // the slot's offset in a row

	valid *memory.Buffer // validity bitmap
	bits  []byte
	vals  *memory.Buffer // values (BOOLEAN bits; offsets of STRING, BINARY, ARRAY)
	raw   *memory.Buffer // STRING and BINARY bytes
	total int            // STRING, BINARY bytes; ARRAY elements

	// ARRAY columns: the elements.
	elemType   arrow.DataType
	elemKind   Kind
	elemBytes  int // STRING, BINARY element bytes
	elemValid  *memory.Buffer
	elemVals   *memory.Buffer
	elemRaw    *memory.Buffer
	elemNulls  int
	elemCursor int // next element
	elemByte   int // next element byte
}

func (c *colBuilder) init(alloc memory.Allocator, l *Layout, j, n int) {
	*c = colBuilder{t: l.schema.Field(j).Type, kind: l.kinds[j], n: n, nb: j >> 3, sh: uint(j) & 7, so: l.slot(j)}
	if c.kind == KindNull {
		return
	}
	c.valid = newBuffer(alloc, (n+7)/8)
	c.bits = c.valid.Bytes()
	switch c.kind {
	case KindBool:
		c.vals = newBuffer(alloc, (n+7)/8)
	case KindInt32:
		c.vals = newBuffer(alloc, 4*n)
	case KindInt64, KindFloat64:
		c.vals = newBuffer(alloc, 8*n)
	case KindDec64, KindDec128:
		c.vals = newBuffer(alloc, 16*n)
	case KindBytes, KindList:
		c.vals = newBuffer(alloc, 4*(n+1))
	}
	if c.kind == KindList {
		c.elemType = c.t.(*arrow.ListType).Elem()
		c.elemKind = l.ElemKind(j)
	}
}

func (c *colBuilder) release() {
	releaseAll(c.valid, c.vals, c.raw, c.elemValid, c.elemVals, c.elemRaw)
	*c = colBuilder{}
}

// second reports whether the column needs the second sweep.
func (c *colBuilder) second() bool { return c.kind == KindBytes || c.kind == KindList }

// sweep1 reads rows [b0, b1) of rs (b0 a multiple of 8): validity, values,
// offsets.
func (c *colBuilder) sweep1(rs rowSet, b0, b1 int) error {
	data, starts := rs.data, rs.starts
	nb, sh, so := c.nb, c.sh, c.so
	bits := c.bits
	switch c.kind {
	case KindNull:
		return nil
	case KindBool:
		vb := c.vals.Bytes()
		for g := b0; g < b1; g += 8 {
			var valid, vals byte
			for i := g; i < min(g+8, b1); i++ {
				s := starts[i]
				valid |= (^data[s+nb] >> sh & 1) << uint(i-g)
				vals |= (data[s+so] & 1) << uint(i-g)
			}
			bits[g>>3], vb[g>>3] = valid, vals
		}
	case KindInt32:
		out := arrow.Int32Traits.CastFromBytes(c.vals.Bytes())[:c.n]
		for g := b0; g < b1; g += 8 {
			var valid byte
			for i := g; i < min(g+8, b1); i++ {
				s := starts[i]
				valid |= (^data[s+nb] >> sh & 1) << uint(i-g)
				out[i] = int32(binary.LittleEndian.Uint64(data[s+so:]))
			}
			bits[g>>3] = valid
		}
	case KindInt64, KindFloat64:
		out := arrow.Uint64Traits.CastFromBytes(c.vals.Bytes())[:c.n]
		for g := b0; g < b1; g += 8 {
			var valid byte
			for i := g; i < min(g+8, b1); i++ {
				s := starts[i]
				valid |= (^data[s+nb] >> sh & 1) << uint(i-g)
				out[i] = binary.LittleEndian.Uint64(data[s+so:])
			}
			bits[g>>3] = valid
		}
	case KindDec64:
		out := arrow.Uint64Traits.CastFromBytes(c.vals.Bytes())[:2*c.n]
		for g := b0; g < b1; g += 8 {
			var valid byte
			for i := g; i < min(g+8, b1); i++ {
				s := starts[i]
				valid |= (^data[s+nb] >> sh & 1) << uint(i-g)
				x := int64(binary.LittleEndian.Uint64(data[s+so:]))
				out[2*i] = uint64(x)
				out[2*i+1] = uint64(x >> 63)
			}
			bits[g>>3] = valid
		}
	case KindDec128:
		out := arrow.Uint64Traits.CastFromBytes(c.vals.Bytes())[:2*c.n]
		for g := b0; g < b1; g += 8 {
			var valid byte
			for i := g; i < min(g+8, b1); i++ {
				s := starts[i]
				if data[s+nb]>>sh&1 != 0 {
					out[2*i], out[2*i+1] = 0, 0
					continue
				}
				valid |= 1 << uint(i-g)
				slot := binary.LittleEndian.Uint64(data[s+so:])
				off, m := int(slot>>32), int(uint32(slot))
				if m != 16 || off+16 > starts[i+1]-s {
					return badRow(i, "decimal value of %d bytes at %d in a row of %d bytes (want 16 bytes inside the row)", m, off, starts[i+1]-s)
				}
				out[2*i] = binary.LittleEndian.Uint64(data[s+off:])
				out[2*i+1] = binary.LittleEndian.Uint64(data[s+off+8:])
			}
			bits[g>>3] = valid
		}
	case KindBytes:
		offs := arrow.Int32Traits.CastFromBytes(c.vals.Bytes())[:c.n+1]
		total := c.total
		for g := b0; g < b1; g += 8 {
			var valid byte
			for i := g; i < min(g+8, b1); i++ {
				s := starts[i]
				offs[i] = int32(total)
				if data[s+nb]>>sh&1 != 0 {
					continue
				}
				valid |= 1 << uint(i-g)
				slot := binary.LittleEndian.Uint64(data[s+so:])
				off, m := int(slot>>32), int(uint32(slot))
				if off+m > starts[i+1]-s {
					return badRow(i, "value of %d bytes at %d outside a row of %d bytes", m, off, starts[i+1]-s)
				}
				total += m
			}
			bits[g>>3] = valid
			if total > math.MaxInt32 {
				return badRow(g, "more than 2 GiB of %s data in one batch", c.t)
			}
		}
		c.total = total
		offs[b1] = int32(total)
	case KindList:
		return c.sweep1List(rs, b0, b1)
	}
	return nil
}

// sweep1List validates the lists of rows [b0, b1) and sizes their elements.
func (c *colBuilder) sweep1List(rs rowSet, b0, b1 int) error {
	data, starts := rs.data, rs.starts
	nb, sh, so := c.nb, c.sh, c.so
	offs := arrow.Int32Traits.CastFromBytes(c.vals.Bytes())[:c.n+1]
	var lr ListReader
	for g := b0; g < b1; g += 8 {
		var valid byte
		for i := g; i < min(g+8, b1); i++ {
			s := starts[i]
			offs[i] = int32(c.total)
			if data[s+nb]>>sh&1 != 0 {
				continue
			}
			valid |= 1 << uint(i-g)
			slot := binary.LittleEndian.Uint64(data[s+so:])
			off, m := int(slot>>32), int(uint32(slot))
			if off+m > starts[i+1]-s {
				return badRow(i, "array of %d bytes at %d outside a row of %d bytes", m, off, starts[i+1]-s)
			}
			if err := lr.Reset(c.elemKind, data[s+off:s+off+m]); err != nil {
				return &rowError{row: i, err: err}
			}
			c.total += lr.Len()
			if c.elemKind == KindBytes {
				c.elemBytes += m - 4 - 5*lr.Len()
			}
			if c.total > math.MaxInt32 || c.elemBytes > math.MaxInt32 {
				return badRow(i, "more than 2^31 array elements or 2 GiB of element data in one batch")
			}
		}
		c.bits[g>>3] = valid
	}
	offs[b1] = int32(c.total)
	return nil
}

// prepare2 allocates the buffers the second sweep fills.
func (c *colBuilder) prepare2(alloc memory.Allocator) error {
	switch c.kind {
	case KindBytes:
		c.raw = newBuffer(alloc, c.total)
	case KindList:
		total := c.total
		switch c.elemKind {
		case KindNull:
			return nil
		case KindBool:
			c.elemVals = newBuffer(alloc, (total+7)/8)
			clear(c.elemVals.Bytes())
		case KindInt32:
			c.elemVals = newBuffer(alloc, 4*total)
		case KindInt64, KindFloat64:
			c.elemVals = newBuffer(alloc, 8*total)
		case KindDec64, KindDec128:
			c.elemVals = newBuffer(alloc, 16*total)
		case KindBytes:
			c.elemVals = newBuffer(alloc, 4*(total+1))
			c.elemRaw = newBuffer(alloc, c.elemBytes)
		}
		c.elemValid = newBuffer(alloc, (total+7)/8)
		clear(c.elemValid.Bytes())
	}
	return nil
}

// sweep2 copies the variable-length data of rows [b0, b1).
func (c *colBuilder) sweep2(rs rowSet, b0, b1 int) {
	switch c.kind {
	case KindBytes:
		data, starts, so := rs.data, rs.starts, c.so
		offs := arrow.Int32Traits.CastFromBytes(c.vals.Bytes())[:c.n+1]
		raw := c.raw.Buf() // all of it: short values are copied as two words
		for i := b0; i < b1; i++ {
			b, e := int(offs[i]), int(offs[i+1])
			if m := e - b; m > 0 {
				s := starts[i]
				p := s + int(binary.LittleEndian.Uint64(data[s+so:])>>32)
				if m <= 16 && b+16 <= len(raw) && p+16 <= len(data) {
					// The excess is overwritten by the next value.
					src, dst := data[p:p+16], raw[b:b+16]
					binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(src))
					binary.LittleEndian.PutUint64(dst[8:], binary.LittleEndian.Uint64(src[8:]))
				} else {
					copy(raw[b:e], data[p:p+m])
				}
			}
		}
	case KindList:
		c.sweep2List(rs, b0, b1)
	}
}

// sweep2List writes the elements of the lists of rows [b0, b1), validated
// by sweep1List.
func (c *colBuilder) sweep2List(rs rowSet, b0, b1 int) {
	if c.elemKind == KindNull {
		return
	}
	data, starts, so := rs.data, rs.starts, c.so
	offs := arrow.Int32Traits.CastFromBytes(c.vals.Bytes())[:c.n+1]
	ebits := c.elemValid.Bytes()
	out := c.elemVals.Bytes()
	var eoffs []int32
	var raw []byte
	if c.elemKind == KindBytes {
		eoffs = arrow.Int32Traits.CastFromBytes(out)[:c.total+1]
		raw = c.elemRaw.Bytes()
	}
	e, p := c.elemCursor, c.elemByte
	for i := b0; i < b1; i++ {
		cnt := int(offs[i+1] - offs[i])
		if cnt == 0 {
			continue
		}
		s := starts[i]
		slot := binary.LittleEndian.Uint64(data[s+so:])
		enc := data[s+int(slot>>32) : s+int(slot>>32)+int(uint32(slot))]
		nulls, q := enc[4:4+cnt], 4+cnt
		for x := 0; x < cnt; x++ {
			if nulls[x] != 0 {
				c.elemNulls++
			} else {
				ebits[e>>3] |= 1 << (uint(e) & 7)
			}
			switch c.elemKind {
			case KindBytes:
				eoffs[e] = int32(p)
				m := int(binary.LittleEndian.Uint32(enc[q:]))
				if nulls[x] == 0 {
					p += copy(raw[p:], enc[q+4:q+4+m])
				}
				q += 4 + m
			case KindBool:
				out[e>>3] |= (enc[q] & 1) << (uint(e) & 7)
				q += 8
			case KindInt32:
				binary.LittleEndian.PutUint32(out[4*e:], uint32(binary.LittleEndian.Uint64(enc[q:])))
				q += 8
			case KindInt64, KindFloat64:
				copy(out[8*e:8*e+8], enc[q:q+8])
				q += 8
			case KindDec64:
				v := int64(binary.LittleEndian.Uint64(enc[q:]))
				binary.LittleEndian.PutUint64(out[16*e:], uint64(v))
				binary.LittleEndian.PutUint64(out[16*e+8:], uint64(v>>63))
				q += 8
			case KindDec128:
				m := int(binary.LittleEndian.Uint32(enc[q:]))
				if m == 16 {
					copy(out[16*e:16*e+16], enc[q+4:q+20])
				} else {
					clear(out[16*e : 16*e+16])
				}
				q += 4 + m
			}
			e++
		}
	}
	if eoffs != nil {
		eoffs[c.total] = int32(p)
	}
	c.elemCursor, c.elemByte = e, p
}

// finish returns the column's array, handing its buffers over.
func (c *colBuilder) finish() arrow.Array {
	n := c.n
	if c.kind == KindNull {
		return makeArray(c.t, n, []*memory.Buffer{nil}, nil, n)
	}
	nulls := n - bitutil.CountSetBits(c.bits, 0, n)
	valid := c.valid
	if nulls == 0 {
		valid.Release()
		valid = nil
	}
	bufs := []*memory.Buffer{valid, c.vals}
	var children []arrow.ArrayData
	switch c.kind {
	case KindBytes:
		bufs = append(bufs, c.raw)
	case KindList:
		total := c.total
		if c.elemKind == KindNull {
			children = append(children, array.NewData(c.elemType, total, []*memory.Buffer{nil}, nil, total, 0))
			break
		}
		ev := c.elemValid
		if c.elemNulls == 0 {
			ev.Release()
			ev = nil
		}
		ebufs := []*memory.Buffer{ev, c.elemVals}
		if c.elemKind == KindBytes {
			ebufs = append(ebufs, c.elemRaw)
		}
		children = append(children, array.NewData(c.elemType, total, ebufs, nil, c.elemNulls, 0))
		releaseAll(ebufs...)
	}
	t := c.t
	*c = colBuilder{}
	return makeArray(t, n, bufs, children, nulls)
}
