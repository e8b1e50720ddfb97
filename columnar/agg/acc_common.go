package agg

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func resultType(kind AggKind, input arrow.DataType) (arrow.DataType, error) {
	if kind == Count || kind == CountStar {
		if kind == Count {
			if _, err := kindOf(input); err != nil {
				return nil, fmt.Errorf("count: %w", err)
			}
		}
		return arrow.PrimitiveTypes.Int64, nil
	}
	if input == nil {
		return nil, fmt.Errorf("%w: %s: nil input type", ErrInvalid, kind)
	}
	switch kind {
	case Sum:
		switch input.ID() {
		case arrow.INT32, arrow.INT64:
			return arrow.PrimitiveTypes.Int64, nil
		case arrow.FLOAT64, arrow.NULL:
			return arrow.PrimitiveTypes.Float64, nil
		case arrow.DECIMAL128:
			d := input.(*arrow.Decimal128Type)
			return &arrow.Decimal128Type{Precision: min(38, d.Precision+10), Scale: d.Scale}, nil
		}
	case Avg:
		switch input.ID() {
		case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.NULL:
			return arrow.PrimitiveTypes.Float64, nil
		case arrow.DECIMAL128:
			d := input.(*arrow.Decimal128Type)
			return &arrow.Decimal128Type{Precision: min(38, d.Precision+4), Scale: min(38, d.Scale+4)}, nil
		}
	case Min, Max:
		if _, err := kindOf(input); err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		return input, nil
	default:
		return nil, fmt.Errorf("%w: aggregate %s", ErrUnsupported, kind)
	}
	return nil, fmt.Errorf("%w: %s(%s)", ErrUnsupported, kind, input)
}

func newAccumulator(kind AggKind, input arrow.DataType) (Accumulator, error) {
	rt, err := resultType(kind, input)
	if err != nil {
		return nil, err
	}
	b := base{kind: kind, input: input, result: rt}
	switch kind {
	case Count, CountStar:
		b.states = []arrow.DataType{arrow.PrimitiveTypes.Int64}
		return &countAcc{base: b, star: kind == CountStar}, nil
	case Sum:
		switch input.ID() {
		case arrow.INT32, arrow.INT64:
			b.states = []arrow.DataType{rt}
			return &sumIntAcc{base: b}, nil
		case arrow.FLOAT64, arrow.NULL:
			b.states = []arrow.DataType{rt}
			return &sumF64Acc{base: b}, nil
		case arrow.DECIMAL128:
			b.states = []arrow.DataType{rt, arrow.FixedWidthTypes.Boolean}
			d := rt.(*arrow.Decimal128Type)
			return &sumDecAcc{base: b, prec: d.Precision}, nil
		}
	case Avg:
		switch input.ID() {
		case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.NULL:
			b.states = []arrow.DataType{arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int64}
			return &avgF64Acc{base: b}, nil
		case arrow.DECIMAL128:
			in := input.(*arrow.Decimal128Type)
			st := &arrow.Decimal128Type{Precision: min(38, in.Precision+10), Scale: in.Scale}
			b.states = []arrow.DataType{st, arrow.PrimitiveTypes.Int64}
			r := rt.(*arrow.Decimal128Type)
			return &avgDecAcc{base: b, sumPrec: st.Precision, scaleUp: r.Scale - in.Scale, resPrec: r.Precision}, nil
		}
	case Min, Max:
		b.states = []arrow.DataType{input}
		return newMinMax(b, kind == Max)
	}
	return nil, fmt.Errorf("%w: %s(%s)", ErrUnsupported, kind, input)
}

// base holds what every accumulator shares.
type base struct {
	kind   AggKind
	input  arrow.DataType
	result arrow.DataType
	states []arrow.DataType
	n      int // groups
}

func (b *base) Kind() AggKind                { return b.kind }
func (b *base) ResultType() arrow.DataType   { return b.result }
func (b *base) StateTypes() []arrow.DataType { return b.states }
func (b *base) NumGroups() int               { return b.n }

// checkIDs verifies that every id is below numGroups and that there is one
// per row.
func checkIDs(op string, kind AggKind, ids []uint32, numGroups, rows int) error {
	if numGroups < 0 || numGroups > maxGroups {
		return fmt.Errorf("%w: %s.%s: numGroups %d out of range", ErrInvalid, kind, op, numGroups)
	}
	if len(ids) != rows {
		return fmt.Errorf("%w: %s.%s: %d group ids for %d rows", ErrInvalid, kind, op, len(ids), rows)
	}
	if len(ids) == 0 {
		return nil
	}
	var mx uint32
	if numGroups == 1 {
		for _, g := range ids {
			mx |= g
		}
	} else {
		for _, g := range ids {
			mx = max(mx, g)
		}
	}
	if int64(mx) >= int64(numGroups) {
		for i, g := range ids {
			if int64(g) >= int64(numGroups) {
				return fmt.Errorf("%w: %s.%s: group id %d at row %d not below numGroups %d", ErrInvalid, kind, op, g, i, numGroups)
			}
		}
	}
	return nil
}

// checkUpdate validates Update's arguments and returns the input's view.
func (b *base) checkUpdate(ids []uint32, numGroups int, input arrow.Array) (colData, error) {
	if input == nil {
		return colData{}, fmt.Errorf("%w: %s.Update: nil input", ErrInvalid, b.kind)
	}
	if !arrow.TypeEqual(input.DataType(), b.input) {
		return colData{}, fmt.Errorf("%w: %s.Update: input type %s, the accumulator's is %s", ErrInvalid, b.kind, input.DataType(), b.input)
	}
	if err := checkIDs("Update", b.kind, ids, numGroups, input.Len()); err != nil {
		return colData{}, err
	}
	k, err := kindOf(input.DataType())
	if err != nil {
		return colData{}, err
	}
	return viewOf(input, k), nil
}

// checkMerge validates Merge's arguments and returns the states' views.
func (b *base) checkMerge(ids []uint32, numGroups int, states []arrow.Array) ([]colData, error) {
	if len(states) != len(b.states) {
		return nil, fmt.Errorf("%w: %s.Merge: %d state columns, want %d", ErrInvalid, b.kind, len(states), len(b.states))
	}
	views := make([]colData, len(states))
	for i, s := range states {
		if s == nil {
			return nil, fmt.Errorf("%w: %s.Merge: state column %d is nil", ErrInvalid, b.kind, i)
		}
		if !arrow.TypeEqual(s.DataType(), b.states[i]) {
			return nil, fmt.Errorf("%w: %s.Merge: state column %d has type %s, want %s", ErrInvalid, b.kind, i, s.DataType(), b.states[i])
		}
		if err := checkIDs("Merge", b.kind, ids, numGroups, s.Len()); err != nil {
			return nil, fmt.Errorf("state column %d: %w", i, err)
		}
		k, err := kindOf(s.DataType())
		if err != nil {
			return nil, err
		}
		views[i] = viewOf(s, k)
	}
	return views, nil
}

// grow extends s to n elements (zero-filled).
func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	if cap(s) >= n {
		old := len(s)
		s = s[:n]
		clear(s[old:])
		return s
	}
	ns := make([]T, n, max(n, 2*cap(s)))
	copy(ns, s)
	return ns
}

// validBuffer returns a validity bitmap for valid (nil when all are valid)
// and the NULL count.
func validBuffer(alloc memory.Allocator, valid []bool) (*memory.Buffer, int) {
	nulls := 0
	for _, v := range valid {
		if !v {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	b := memory.NewResizableBuffer(alloc)
	b.Resize(int(bitutil.BytesForBits(int64(len(valid)))))
	bm := b.Bytes()
	clear(bm)
	for i, v := range valid {
		if v {
			bitutil.SetBit(bm, i)
		}
	}
	return b, nulls
}

// fixedArray builds an array of typ from vals (copied into alloc's memory);
// valid nil means no NULLs.
func fixedArray[T any](alloc memory.Allocator, typ arrow.DataType, vals []T, valid []bool) arrow.Array {
	n := len(vals)
	var vb *memory.Buffer
	nulls := 0
	if valid != nil {
		vb, nulls = validBuffer(alloc, valid)
	}
	db := memory.NewResizableBuffer(alloc)
	var z T
	db.Resize(n * int(sizeOf(z)))
	copy(castSlice[T](db.Bytes()), vals)
	return makeArray(typ, n, []*memory.Buffer{vb, db}, nulls)
}

// boolArray builds a boolean array.
func boolArray(alloc memory.Allocator, vals []bool, valid []bool) arrow.Array {
	n := len(vals)
	var vb *memory.Buffer
	nulls := 0
	if valid != nil {
		vb, nulls = validBuffer(alloc, valid)
	}
	db := memory.NewResizableBuffer(alloc)
	db.Resize(int(bitutil.BytesForBits(int64(n))))
	bm := db.Bytes()
	clear(bm)
	for i, v := range vals {
		if v {
			bitutil.SetBit(bm, i)
		}
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{vb, db}, nulls)
}

// makeArray builds an array over bufs, taking over the caller's references.
func makeArray(typ arrow.DataType, n int, bufs []*memory.Buffer, nulls int) arrow.Array {
	d := array.NewData(typ, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}
