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

// segment is the rows [start, end) of source src.
type segment struct {
	src        int32
	start, end int32
}

func concat(alloc memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if alloc == nil || schema == nil {
		return nil, fmt.Errorf("%w: Concat: nil allocator or schema", ErrInvalid)
	}
	nc := schema.NumFields()
	total := int64(0)
	for b, batch := range batches {
		if batch == nil {
			return nil, fmt.Errorf("%w: Concat: batch %d is nil", ErrInvalid, b)
		}
		if err := checkSchema(schema, batch); err != nil {
			return nil, fmt.Errorf("Concat: batch %d: %w", b, err)
		}
		total += batch.NumRows()
	}
	if total > math.MaxInt32 {
		return nil, fmt.Errorf("%w: Concat: %d rows, more than a batch holds (2^31-1)", ErrInvalid, total)
	}
	segs := make([]segment, 0, len(batches))
	for b, batch := range batches {
		if batch.NumRows() > 0 {
			segs = append(segs, segment{src: int32(b), start: 0, end: int32(batch.NumRows())})
		}
	}
	cols := make([]arrow.Array, nc)
	srcs := make([]arrow.Array, len(batches))
	for c := 0; c < nc; c++ {
		for b, batch := range batches {
			srcs[b] = batch.Column(c)
		}
		a, err := concatRanges(alloc, schema.Field(c).Type, srcs, segs, int(total))
		if err != nil {
			releaseAll(cols)
			return nil, fmt.Errorf("Concat: column %d (%s): %w", c, schema.Field(c).Name, err)
		}
		cols[c] = a
	}
	out := array.NewRecordBatch(schema, cols, total)
	releaseAll(cols)
	return out, nil
}

// checkSchema verifies batch has schema's column count and types.
func checkSchema(schema *arrow.Schema, batch arrow.RecordBatch) error {
	if int(batch.NumCols()) != schema.NumFields() {
		return fmt.Errorf("%w: %d columns, the schema has %d", ErrInvalid, batch.NumCols(), schema.NumFields())
	}
	for c := 0; c < schema.NumFields(); c++ {
		if !arrow.TypeEqual(batch.Column(c).DataType(), schema.Field(c).Type) {
			return fmt.Errorf("%w: column %d (%s) has type %s, the schema says %s", ErrInvalid, c,
				schema.Field(c).Name, batch.Column(c).DataType(), schema.Field(c).Type)
		}
	}
	return nil
}

func concatArrays(alloc memory.Allocator, typ arrow.DataType, arrs []arrow.Array) (arrow.Array, error) {
	if alloc == nil || typ == nil {
		return nil, fmt.Errorf("%w: ConcatArrays: nil allocator or type", ErrInvalid)
	}
	total := 0
	segs := make([]segment, 0, len(arrs))
	for i, a := range arrs {
		if a == nil {
			return nil, fmt.Errorf("%w: ConcatArrays: array %d is nil", ErrInvalid, i)
		}
		if !arrow.TypeEqual(a.DataType(), typ) {
			return nil, fmt.Errorf("%w: ConcatArrays: array %d has type %s, want %s", ErrInvalid, i, a.DataType(), typ)
		}
		total += a.Len()
		if total > math.MaxInt32 {
			return nil, fmt.Errorf("%w: ConcatArrays: more than 2^31-1 elements", ErrInvalid)
		}
		if a.Len() > 0 {
			segs = append(segs, segment{src: int32(i), start: 0, end: int32(a.Len())})
		}
	}
	return concatRanges(alloc, typ, arrs, segs, total)
}

// concatRanges builds an array of typ from the rows segs select out of srcs,
// in order; n is the total row count of segs.
func concatRanges(alloc memory.Allocator, typ arrow.DataType, srcs []arrow.Array, segs []segment, n int) (arrow.Array, error) {
	k, err := kindOf(typ)
	if err != nil {
		return nil, err
	}
	if k == kNull {
		return array.NewNull(n), nil
	}
	validity, nulls := concatValidity(alloc, srcs, segs, n)
	var values *memory.Buffer
	switch k {
	case kBool:
		values = newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
		out := values.Bytes()
		clear(out)
		pos := 0
		for _, s := range segs {
			src := srcs[s.src]
			bits := bufBytes(src.Data(), 1)
			ln := int(s.end - s.start)
			bitutil.CopyBitmap(bits, src.Data().Offset()+int(s.start), ln, out, pos)
			pos += ln
		}
	case kInt32:
		values = concatFixed[int32](alloc, srcs, segs, n)
	case kInt64, kFloat64:
		values = concatFixed[int64](alloc, srcs, segs, n)
	case kDecimal:
		values = concatFixed[decimal128.Num](alloc, srcs, segs, n)
	case kBytes:
		offsets := make([][]int32, len(srcs))
		datas := make([][]byte, len(srcs))
		for i, a := range srcs {
			if a != nil {
				offsets[i], datas[i] = bytesView(a)
			}
		}
		total := int64(0)
		for _, s := range segs {
			o := offsets[s.src]
			total += int64(o[s.end] - o[s.start])
		}
		if total > math.MaxInt32 {
			if validity != nil {
				validity.Release()
			}
			return nil, fmt.Errorf("%w: %d bytes of %s values, more than an array holds (2^31-1)", ErrInvalid, total, typ)
		}
		ob := newBuffer(alloc, (n+1)*4)
		outOffs := castSlice[int32](ob.Bytes())[:n+1]
		db := newBuffer(alloc, int(total))
		outData := db.Bytes()
		pos, row := int32(0), 0
		outOffs[0] = 0
		for _, s := range segs {
			o, d := offsets[s.src], datas[s.src]
			if s.end-s.start == 1 {
				b, e := o[s.start], o[s.start+1]
				pos += int32(copy(outData[pos:], d[b:e]))
				row++
				outOffs[row] = pos
				continue
			}
			base := pos - o[s.start]
			copy(outData[pos:], d[o[s.start]:o[s.end]])
			for i := s.start + 1; i <= s.end; i++ {
				row++
				outOffs[row] = o[i] + base
			}
			pos = outOffs[row]
		}
		return makeArray(typ, n, []*memory.Buffer{validity, ob, db}, nulls), nil
	}
	return makeArray(typ, n, []*memory.Buffer{validity, values}, nulls), nil
}

func concatFixed[T any](alloc memory.Allocator, srcs []arrow.Array, segs []segment, n int) *memory.Buffer {
	var z T
	b := newBuffer(alloc, n*int(sizeOf(z)))
	out := castSlice[T](b.Bytes())[:n]
	vals := make([][]T, len(srcs))
	for i, a := range srcs {
		if a != nil {
			vals[i] = fixedValues[T](a)
		}
	}
	pos := 0
	for _, s := range segs {
		v := vals[s.src]
		if s.end-s.start == 1 {
			out[pos] = v[s.start]
			pos++
			continue
		}
		pos += copy(out[pos:], v[s.start:s.end])
	}
	return b
}

// concatValidity builds the validity bitmap of the concatenated segments;
// nil and 0 when no segment holds a NULL.
func concatValidity(alloc memory.Allocator, srcs []arrow.Array, segs []segment, n int) (*memory.Buffer, int) {
	any := false
	for _, a := range srcs {
		if a != nil && a.NullN() > 0 {
			any = true
			break
		}
	}
	if !any {
		return nil, 0
	}
	b := newBuffer(alloc, int(bitutil.BytesForBits(int64(n))))
	out := b.Bytes()
	clear(out)
	pos := 0
	for _, s := range segs {
		src := srcs[s.src]
		ln := int(s.end - s.start)
		if src.NullN() == 0 {
			if ln == 1 {
				bitutil.SetBit(out, pos)
			} else {
				bitutil.SetBitsTo(out, int64(pos), int64(ln), true)
			}
		} else if ln == 1 {
			if bitutil.BitIsSet(src.NullBitmapBytes(), src.Data().Offset()+int(s.start)) {
				bitutil.SetBit(out, pos)
			}
		} else {
			bitutil.CopyBitmap(src.NullBitmapBytes(), src.Data().Offset()+int(s.start), ln, out, pos)
		}
		pos += ln
	}
	return b, n - bitutil.CountSetBits(out, 0, n)
}
