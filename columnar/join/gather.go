package join

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Gather returns an array whose element k is element idx[k] of arr, or
// NULL where idx[k] is negative (the NULL-extended side of an outer join's
// unmatched rows). Indices may repeat and come in any order; a non-negative
// index must be below arr.Len(). arr may be a slice (non-zero offset). The
// result's buffers come from alloc; the caller owns it.
func Gather(alloc memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	if alloc == nil || arr == nil {
		return nil, fmt.Errorf("%w: Gather: nil allocator or array", ErrInvalid)
	}
	k, err := kindOf(arr.DataType())
	if err != nil {
		return nil, fmt.Errorf("Gather: %w", err)
	}
	n := arr.Len()
	negs := 0
	bad := false
	for _, i := range idx {
		negs += int(uint32(i) >> 31)
		bad = bad || int(i) >= n
	}
	if bad {
		for p, i := range idx {
			if int(i) >= n {
				return nil, fmt.Errorf("%w: Gather: index %d at position %d out of range [0, %d)", ErrInvalid, i, p, n)
			}
		}
	}
	return gather(alloc, arr, k, idx, negs > 0)
}

// GatherBatch gathers every column of b by idx into a batch of schema
// (whose column types must be b's); see Gather.
func GatherBatch(alloc memory.Allocator, schema *arrow.Schema, b arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	for c := range cols {
		a, err := Gather(alloc, b.Column(c), idx)
		if err != nil {
			releaseArrays(cols[:c])
			return nil, fmt.Errorf("column %d: %w", c, err)
		}
		cols[c] = a
	}
	out := array.NewRecordBatch(schema, cols, int64(len(idx)))
	releaseArrays(cols)
	return out, nil
}

// NullArray returns an array of n NULLs of type t, its buffers from alloc.
func NullArray(alloc memory.Allocator, t arrow.DataType, n int) arrow.Array {
	return array.MakeArrayOfNull(alloc, t, n)
}

func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// gather does Gather's work on checked indices; negs reports whether some
// index is negative.
func gather(alloc memory.Allocator, arr arrow.Array, k kind, idx []int32, negs bool) (arrow.Array, error) {
	n := len(idx)
	if k == kNull {
		return array.NewNull(n), nil
	}
	d := arr.Data()
	off := d.Offset()
	validity, nulls := gatherValidity(alloc, arr, idx, negs)
	var values *memory.Buffer
	switch k {
	case kBool:
		values = newBuf(alloc, int(bitutil.BytesForBits(int64(n))), true)
		out := values.Bytes()
		src := bufBytes(d, 1)
		for j, i := range idx {
			if i >= 0 && bitutil.BitIsSet(src, off+int(i)) {
				bitutil.SetBit(out, j)
			}
		}
	case kI32:
		values = gatherFixed(alloc, fixedOf[int32](d), idx, negs)
	case kI64:
		values = gatherFixed(alloc, fixedOf[int64](d), idx, negs)
	case kF64:
		values = gatherFixed(alloc, fixedOf[uint64](d), idx, negs)
	case kDec:
		values = gatherFixed(alloc, fixedOf[decimal128.Num](d), idx, negs)
	case kBytes:
		v := viewOf(arr, kBytes)
		offs, data := v.offs, v.data
		total := 0
		for _, i := range idx {
			if i >= 0 {
				total += int(offs[i+1] - offs[i])
			}
		}
		if total > math.MaxInt32 {
			if validity != nil {
				validity.Release()
			}
			return nil, fmt.Errorf("%w: Gather: %d bytes of %s values, more than one array holds (2 GiB)", ErrUnsupported, total, arr.DataType())
		}
		ob := newBuf(alloc, 4*(n+1), false)
		outOffs := castSlice[int32](ob.Bytes())[:n+1]
		db := memory.NewResizableBuffer(alloc)
		db.Resize(total)
		outData := db.Bytes()
		pos := int32(0)
		for j, i := range idx {
			outOffs[j] = pos
			if i >= 0 {
				pos += int32(copy(outData[pos:], data[offs[i]:offs[i+1]]))
			}
		}
		outOffs[n] = pos
		return makeArray(arr.DataType(), n, []*memory.Buffer{validity, ob, db}, nulls), nil
	}
	return makeArray(arr.DataType(), n, []*memory.Buffer{validity, values}, nulls), nil
}

// gatherFixed returns a buffer of src[idx[k]] (zero for negative indices).
func gatherFixed[T any](alloc memory.Allocator, src []T, idx []int32, negs bool) *memory.Buffer {
	var z T
	b := memory.NewResizableBuffer(alloc)
	b.Resize(len(idx) * int(sizeOfT(z)))
	out := castSlice[T](b.Bytes())
	if len(idx) == 0 {
		return b
	}
	out = out[:len(idx)]
	if !negs {
		for j, i := range idx {
			out[j] = src[i]
		}
		return b
	}
	for j, i := range idx {
		if i >= 0 {
			out[j] = src[i]
		} else {
			out[j] = z
		}
	}
	return b
}

// gatherValidity returns the validity bitmap of the gathered array and its
// NULL count; nil and 0 when no element is NULL.
func gatherValidity(alloc memory.Allocator, arr arrow.Array, idx []int32, negs bool) (*memory.Buffer, int) {
	if arr.NullN() == 0 && !negs {
		return nil, 0
	}
	n := len(idx)
	b := newBuf(alloc, int(bitutil.BytesForBits(int64(n))), true)
	out := b.Bytes()
	valid := 0
	if arr.NullN() == 0 {
		for j, i := range idx {
			if i >= 0 {
				bitutil.SetBit(out, j)
				valid++
			}
		}
	} else {
		src := arr.NullBitmapBytes()
		off := arr.Data().Offset()
		for j, i := range idx {
			if i >= 0 && bitutil.BitIsSet(src, off+int(i)) {
				bitutil.SetBit(out, j)
				valid++
			}
		}
	}
	if valid == n {
		b.Release()
		return nil, 0
	}
	return b, n - valid
}

// makeArray builds an array of type t and length n over bufs, taking over
// the references to the buffers (nil entries allowed).
func makeArray(t arrow.DataType, n int, bufs []*memory.Buffer, nulls int) arrow.Array {
	d := array.NewData(t, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}
