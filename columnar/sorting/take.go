package sorting

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func take(alloc memory.Allocator, batch arrow.RecordBatch, indices []int32) (arrow.RecordBatch, error) {
	if alloc == nil || batch == nil {
		return nil, fmt.Errorf("%w: Take: nil allocator or batch", ErrInvalid)
	}
	if err := checkIndices(indices, batch.NumRows()); err != nil {
		return nil, fmt.Errorf("Take: %w", err)
	}
	cols := make([]arrow.Array, batch.NumCols())
	for c := range cols {
		a, err := takeUnchecked(alloc, batch.Column(c), indices)
		if err != nil {
			releaseAll(cols)
			return nil, fmt.Errorf("Take: column %d (%s): %w", c, batch.ColumnName(c), err)
		}
		cols[c] = a
	}
	out := array.NewRecordBatch(batch.Schema(), cols, int64(len(indices)))
	releaseAll(cols)
	return out, nil
}

func takeArray(alloc memory.Allocator, arr arrow.Array, indices []int32) (arrow.Array, error) {
	if alloc == nil || arr == nil {
		return nil, fmt.Errorf("%w: TakeArray: nil allocator or array", ErrInvalid)
	}
	if err := checkIndices(indices, int64(arr.Len())); err != nil {
		return nil, fmt.Errorf("TakeArray: %w", err)
	}
	return takeUnchecked(alloc, arr, indices)
}

// checkIndices verifies every index is in [0, n).
func checkIndices(indices []int32, n int64) error {
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	lim := uint32(n)
	bad := false
	for _, i := range indices {
		bad = bad || uint32(i) >= lim
	}
	if !bad {
		return nil
	}
	for p, i := range indices {
		if uint32(i) >= lim {
			return fmt.Errorf("%w: index %d at position %d out of range [0, %d)", ErrInvalid, i, p, n)
		}
	}
	return nil
}

// takeUnchecked gathers arr's elements at indices (already validated).
func takeUnchecked(alloc memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	k, err := kindOf(arr.DataType())
	if err != nil {
		return nil, err
	}
	n := len(idx)
	if k == kNull {
		return array.NewNull(n), nil
	}
	validity, nulls := takeValidity(alloc, arr, idx)
	var values *memory.Buffer
	switch k {
	case kBool:
		values = newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
		out := values.Bytes()
		clear(out)
		src := bufBytes(arr.Data(), 1)
		off := arr.Data().Offset()
		for j, i := range idx {
			if bitutil.BitIsSet(src, off+int(i)) {
				bitutil.SetBit(out, j)
			}
		}
	case kInt32:
		values = gatherFixed(alloc, fixedValues[int32](arr), idx)
	case kInt64:
		values = gatherFixed(alloc, fixedValues[int64](arr), idx)
	case kFloat64:
		values = gatherFixed(alloc, fixedValues[uint64](arr), idx)
	case kDecimal:
		values = gatherFixed(alloc, fixedValues[decimal128.Num](arr), idx)
	case kBytes:
		offs, data := bytesView(arr)
		total := int64(0)
		for _, i := range idx {
			total += int64(offs[i+1] - offs[i])
		}
		if total > math.MaxInt32 {
			if validity != nil {
				validity.Release()
			}
			return nil, fmt.Errorf("%w: gathered %d bytes of %s values, more than an array holds (2^31-1)", ErrInvalid, total, arr.DataType())
		}
		ob := newBuffer(alloc, (n+1)*4)
		outOffs := castSlice[int32](ob.Bytes())[:n+1]
		db := newBuffer(alloc, int(total))
		outData := db.Bytes()
		pos := int32(0)
		outOffs[0] = 0
		for j, i := range idx {
			s, e := offs[i], offs[i+1]
			if e-s == 1 {
				outData[pos] = data[s]
				pos++
			} else {
				pos += int32(copy(outData[pos:], data[s:e]))
			}
			outOffs[j+1] = pos
		}
		return makeArray(arr.DataType(), n, []*memory.Buffer{validity, ob, db}, nulls), nil
	}
	return makeArray(arr.DataType(), n, []*memory.Buffer{validity, values}, nulls), nil
}

// gatherFixed returns a buffer holding src[idx[0]], src[idx[1]], ...
func gatherFixed[T any](alloc memory.Allocator, src []T, idx []int32) *memory.Buffer {
	var z T
	b := newBuffer(alloc, len(idx)*int(sizeOf(z)))
	out := castSlice[T](b.Bytes())[:len(idx)]
	for j, i := range idx {
		out[j] = src[i]
	}
	return b
}

// takeValidity gathers arr's validity bits at idx; nil and 0 when arr has
// no NULLs.
func takeValidity(alloc memory.Allocator, arr arrow.Array, idx []int32) (*memory.Buffer, int) {
	if arr.NullN() == 0 {
		return nil, 0
	}
	n := len(idx)
	b := newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
	out := b.Bytes()
	clear(out)
	src := arr.NullBitmapBytes()
	off := arr.Data().Offset()
	valid := 0
	for j, i := range idx {
		if bitutil.BitIsSet(src, off+int(i)) {
			bitutil.SetBit(out, j)
			valid++
		}
	}
	return b, n - valid
}
