package expr

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// selection is the set of rows a mask keeps, as ascending row indices.
type selection struct {
	buf *memory.Buffer
	idx []int32
}

func (s *selection) release() {
	if s.buf != nil {
		s.buf.Release()
	}
}

// maskBits returns mask's effective bitmap (true and not NULL) at bit
// offset 0 and the number of selected rows; free releases a temporary.
func maskBits(alloc memory.Allocator, mask *array.Boolean) (bm []byte, count int, free func()) {
	n := mask.Len()
	d := mask.Data()
	vals := bufBytes(d, 1)
	off := d.Offset()
	if mask.NullN() == 0 && off%8 == 0 {
		bm = vals[off/8:]
		return bm, bitutil.CountSetBits(bm, 0, n), func() {}
	}
	tmp := newBuf(alloc, bitmapLen(n))
	out := tmp.Bytes()
	if mask.NullN() == 0 {
		bitutil.CopyBitmap(vals, off, n, out, 0)
	} else {
		bitutil.BitmapAnd(vals, bufBytes(d, 0), int64(off), int64(off), out, 0, int64(n))
	}
	return out, bitutil.CountSetBits(out, 0, n), tmp.Release
}

// selectionOf lists the set bits of bm (n bits, count of them set).
func selectionOf(alloc memory.Allocator, bm []byte, n, count int) selection {
	buf := newBuf(alloc, 4*count)
	idx := sliceOf[int32](buf.Bytes())[:count]
	k := 0
	nw := n / 64
	for w := 0; w < nw; w++ {
		word := binary.LittleEndian.Uint64(bm[w*8:])
		base := int32(w * 64)
		if word == math.MaxUint64 {
			for j := int32(0); j < 64; j++ {
				idx[k+int(j)] = base + j
			}
			k += 64
			continue
		}
		for word != 0 {
			idx[k] = base + int32(bits.TrailingZeros64(word))
			k++
			word &= word - 1
		}
	}
	for i := nw * 64; i < n; i++ {
		if bm[i>>3]&(1<<(i&7)) != 0 {
			idx[k] = int32(i)
			k++
		}
	}
	return selection{buf: buf, idx: idx}
}

func filterRecord(alloc memory.Allocator, batch arrow.RecordBatch, mask *array.Boolean, cols []int) (arrow.RecordBatch, error) {
	if batch == nil || mask == nil {
		return nil, invalidErr("filter: nil batch or mask")
	}
	n := int(batch.NumRows())
	if mask.Len() != n {
		return nil, invalidErr("filter: mask has %d rows, batch has %d", mask.Len(), n)
	}
	schema := batch.Schema()
	if cols != nil {
		fields := make([]arrow.Field, len(cols))
		for i, c := range cols {
			if c < 0 || c >= int(batch.NumCols()) {
				return nil, invalidErr("filter: column %d out of range for a batch of %d columns", c, batch.NumCols())
			}
			fields[i] = schema.Field(c)
		}
		md := schema.Metadata()
		schema = arrow.NewSchema(fields, &md)
	} else {
		cols = make([]int, batch.NumCols())
		for i := range cols {
			cols[i] = i
		}
		if mask.NullN() == 0 && mask.Len() > 0 {
			d := mask.Data()
			if bitutil.CountSetBits(bufBytes(d, 1), d.Offset(), n) == n {
				batch.Retain()
				return batch, nil
			}
		}
	}
	bm, count, free := maskBits(alloc, mask)
	defer free()
	out := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}()
	switch count {
	case n:
		for i, c := range cols {
			out[i] = batch.Column(c)
			out[i].Retain()
		}
	case 0:
		for i, c := range cols {
			out[i] = nullArray(alloc, batch.Column(c).DataType(), 0)
		}
	default:
		sel := selectionOf(alloc, bm, n, count)
		defer sel.release()
		runs := runsOf(alloc, sel.idx)
		if runs != nil {
			defer runs.release()
		}
		for i, c := range cols {
			var a arrow.Array
			var err error
			if runs != nil {
				a, err = takeRuns(alloc, batch.Column(c), runs.r, count)
			} else {
				a, err = take(alloc, batch.Column(c), sel.idx)
			}
			if err != nil {
				return nil, err
			}
			out[i] = a
		}
	}
	return array.NewRecordBatch(schema, out, int64(count)), nil
}

func filterArray(alloc memory.Allocator, arr arrow.Array, mask *array.Boolean) (arrow.Array, error) {
	if arr == nil || mask == nil {
		return nil, invalidErr("filter: nil array or mask")
	}
	n := arr.Len()
	if mask.Len() != n {
		return nil, invalidErr("filter: mask has %d rows, array has %d", mask.Len(), n)
	}
	bm, count, free := maskBits(alloc, mask)
	defer free()
	switch count {
	case n:
		arr.Retain()
		return arr, nil
	case 0:
		return nullArray(alloc, arr.DataType(), 0), nil
	}
	sel := selectionOf(alloc, bm, n, count)
	defer sel.release()
	return take(alloc, arr, sel.idx)
}

// take gathers the rows idx (ascending or not, all in range) of a.
func take(alloc memory.Allocator, a arrow.Array, idx []int32) (arrow.Array, error) {
	m := len(idx)
	t := a.DataType()
	if t.ID() == arrow.NULL {
		return array.NewNull(m), nil
	}
	d := a.Data()
	off := d.Offset()
	var valid *memory.Buffer
	nulls := 0
	if a.NullN() > 0 {
		valid = newBuf(alloc, bitmapLen(m))
		gatherBits(bufBytes(d, 0), off, idx, valid.Bytes())
		nulls = finishValidity(&valid, m)
	}
	switch t.ID() {
	case arrow.BOOL:
		values := newBuf(alloc, bitmapLen(m))
		gatherBits(bufBytes(d, 1), off, idx, values.Bytes())
		return makeArray(t, m, []*memory.Buffer{valid, values}, nulls), nil
	case arrow.INT32, arrow.DATE32:
		return makeArray(t, m, []*memory.Buffer{valid, gather[int32](alloc, a, idx)}, nulls), nil
	case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP:
		return makeArray(t, m, []*memory.Buffer{valid, gather[int64](alloc, a, idx)}, nulls), nil
	case arrow.DECIMAL128:
		return makeArray(t, m, []*memory.Buffer{valid, gather[i128](alloc, a, idx)}, nulls), nil
	case arrow.STRING, arrow.BINARY:
		v := viewOf(a)
		total := 0
		for _, i := range idx {
			total += int(v.offs[i+1] - v.offs[i])
		}
		if total > math.MaxInt32 {
			if valid != nil {
				valid.Release()
			}
			return nil, invalidErr("filter: %d bytes of %s exceed the 2 GiB limit of an array", total, typeName(t))
		}
		offBuf := newBuf(alloc, 4*(m+1))
		offs := sliceOf[int32](offBuf.Bytes())[:m+1]
		data := newBuf(alloc, total)
		db := data.Bytes()
		pos := int32(0)
		for j, i := range idx {
			offs[j] = pos
			s, e := v.offs[i], v.offs[i+1]
			pos += int32(copy(db[pos:], v.data[s:e]))
		}
		offs[m] = pos
		return makeArray(t, m, []*memory.Buffer{valid, offBuf, data}, nulls), nil
	}
	if valid != nil {
		valid.Release()
	}
	return nil, typeErr("filter: unsupported column type %s", typeName(t))
}

func gather[T any](alloc memory.Allocator, a arrow.Array, idx []int32) *memory.Buffer {
	src := fixedValues[T](a)
	buf := newBuf(alloc, len(idx)*fixedWidth(a.DataType()))
	dst := sliceOf[T](buf.Bytes())[:len(idx)]
	for j, i := range idx {
		dst[j] = src[i]
	}
	return buf
}

// gatherBits writes bit (off + idx[j]) of src as bit j of dst.
func gatherBits(src []byte, off int, idx []int32, dst []byte) {
	m := len(idx)
	for j := 0; j < m; j += 8 {
		var w uint8
		for k := 0; k < 8 && j+k < m; k++ {
			p := off + int(idx[j+k])
			w |= ((src[p>>3] >> (p & 7)) & 1) << k
		}
		dst[j>>3] = w
	}
}

// runSet is a selection as runs [start, end) of consecutive rows.
type runSet struct {
	buf *memory.Buffer
	r   []int32 // start0, end0, start1, end1, ...
}

func (r *runSet) release() { r.buf.Release() }

// minRunLen is the average run length from which filtering copies runs of
// rows instead of gathering row by row.
const minRunLen = 8

// runsOf returns the runs of idx when they are long enough on average to
// copy run by run, else nil.
func runsOf(alloc memory.Allocator, idx []int32) *runSet {
	nr := 1
	for k := 1; k < len(idx); k++ {
		if idx[k] != idx[k-1]+1 {
			nr++
		}
	}
	if nr*minRunLen > len(idx) {
		return nil
	}
	buf := newBuf(alloc, 8*nr)
	r := sliceOf[int32](buf.Bytes())[:2*nr]
	j := 0
	r[0] = idx[0]
	for k := 1; k < len(idx); k++ {
		if idx[k] != idx[k-1]+1 {
			r[j+1] = idx[k-1] + 1
			j += 2
			r[j] = idx[k]
		}
	}
	r[j+1] = idx[len(idx)-1] + 1
	return &runSet{buf: buf, r: r}
}

// takeRuns copies the rows of runs (m rows in all) of a.
func takeRuns(alloc memory.Allocator, a arrow.Array, runs []int32, m int) (arrow.Array, error) {
	t := a.DataType()
	if t.ID() == arrow.NULL {
		return array.NewNull(m), nil
	}
	d := a.Data()
	off := d.Offset()
	var valid *memory.Buffer
	nulls := 0
	if a.NullN() > 0 {
		valid = newBuf(alloc, bitmapLen(m))
		copyRunBits(bufBytes(d, 0), off, runs, valid.Bytes())
		nulls = finishValidity(&valid, m)
	}
	switch t.ID() {
	case arrow.BOOL:
		values := newBuf(alloc, bitmapLen(m))
		copyRunBits(bufBytes(d, 1), off, runs, values.Bytes())
		return makeArray(t, m, []*memory.Buffer{valid, values}, nulls), nil
	case arrow.INT32, arrow.DATE32:
		return makeArray(t, m, []*memory.Buffer{valid, copyRuns[int32](alloc, a, runs, m)}, nulls), nil
	case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP:
		return makeArray(t, m, []*memory.Buffer{valid, copyRuns[int64](alloc, a, runs, m)}, nulls), nil
	case arrow.DECIMAL128:
		return makeArray(t, m, []*memory.Buffer{valid, copyRuns[i128](alloc, a, runs, m)}, nulls), nil
	case arrow.STRING, arrow.BINARY:
		v := viewOf(a)
		total := 0
		for k := 0; k < len(runs); k += 2 {
			total += int(v.offs[runs[k+1]] - v.offs[runs[k]])
		}
		if total > math.MaxInt32 {
			if valid != nil {
				valid.Release()
			}
			return nil, invalidErr("filter: %d bytes of %s exceed the 2 GiB limit of an array", total, typeName(t))
		}
		offBuf := newBuf(alloc, 4*(m+1))
		offs := sliceOf[int32](offBuf.Bytes())[:m+1]
		data := newBuf(alloc, total)
		db := data.Bytes()
		pos, j := int32(0), 0
		for k := 0; k < len(runs); k += 2 {
			s, e := runs[k], runs[k+1]
			base := v.offs[s]
			delta := pos - base
			for r := s; r < e; r++ {
				offs[j] = v.offs[r] + delta
				j++
			}
			pos += int32(copy(db[pos:], v.data[base:v.offs[e]]))
		}
		offs[m] = pos
		return makeArray(t, m, []*memory.Buffer{valid, offBuf, data}, nulls), nil
	}
	if valid != nil {
		valid.Release()
	}
	return nil, typeErr("filter: unsupported column type %s", typeName(t))
}

func copyRuns[T any](alloc memory.Allocator, a arrow.Array, runs []int32, m int) *memory.Buffer {
	src := fixedValues[T](a)
	buf := newBuf(alloc, m*fixedWidth(a.DataType()))
	dst := sliceOf[T](buf.Bytes())[:m]
	j := 0
	for k := 0; k < len(runs); k += 2 {
		j += copy(dst[j:], src[runs[k]:runs[k+1]])
	}
	return buf
}

// copyRunBits copies the bits of runs (at bit offset off in src) one after
// the other into dst.
func copyRunBits(src []byte, off int, runs []int32, dst []byte) {
	j := 0
	for k := 0; k < len(runs); k += 2 {
		s, e := int(runs[k]), int(runs[k+1])
		bitutil.CopyBitmap(src, off+s, e-s, dst, j)
		j += e - s
	}
}
