package rows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// nullMode says how many NULLs a generated column has.
type nullMode int

const (
	noNulls nullMode = iota
	someNulls
	allNulls
)

var (
	dec15  = columnar.Decimal(15, 2)
	dec38  = columnar.Decimal(38, 10)
	dec18  = columnar.Decimal(18, 0)
	dec19  = columnar.Decimal(19, 3)
	ts     = columnar.Timestamp
	scalar = []arrow.DataType{
		columnar.Boolean, columnar.Int32, columnar.Int64, columnar.Float64,
		dec15, dec18, dec19, dec38, columnar.String, columnar.Binary,
		columnar.Date, ts, columnar.Null,
	}
)

// allTypes returns every gluten-go type and a list of each scalar one.
func allTypes() []arrow.DataType {
	out := append([]arrow.DataType(nil), scalar...)
	for _, t := range scalar {
		out = append(out, arrow.ListOf(t))
	}
	return out
}

func randDouble(r *rand.Rand) float64 {
	switch r.IntN(12) {
	case 0:
		return math.NaN()
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return 0
	case 3:
		return math.Inf(1)
	case 4:
		return math.Inf(-1)
	}
	return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(20)-5))
}

func randString(r *rand.Rand, maxLen int) string {
	const alpha = "abcdefghijklmnopqrstuvwxyzAB\u00e9\u4e16"
	rs := []rune(alpha)
	n := r.IntN(maxLen + 1)
	b := make([]rune, n)
	for i := range b {
		b[i] = rs[r.IntN(len(rs))]
	}
	return string(b)
}

func randDecimal(r *rand.Rand, p int32) decimal128.Num {
	if p <= 18 {
		max := int64(1)
		for i := int32(0); i < p; i++ {
			max *= 10
		}
		return decimal128.FromI64(r.Int64N(2*max-1) - (max - 1))
	}
	switch r.IntN(4) {
	case 0: // near the largest 38-digit values
		v := decimal128.GetMaxValue(p)
		if r.IntN(2) == 0 {
			return v.Negate()
		}
		return v
	case 1:
		return decimal128.FromI64(r.Int64() >> r.IntN(60))
	}
	hi := r.Int64() >> (r.IntN(40) + 1)
	return decimal128.New(hi, r.Uint64())
}

// appendRandom appends one random non-NULL value of b's type.
func appendRandom(r *rand.Rand, b array.Builder) {
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(r.IntN(2) == 0)
	case *array.Int32Builder:
		b.Append(int32(r.Uint32()) >> r.IntN(32))
	case *array.Int64Builder:
		b.Append(int64(r.Uint64()) >> r.IntN(64))
	case *array.Float64Builder:
		b.Append(randDouble(r))
	case *array.Decimal128Builder:
		b.Append(randDecimal(r, b.Type().(*arrow.Decimal128Type).Precision))
	case *array.StringBuilder:
		b.Append(randString(r, 12))
	case *array.BinaryBuilder:
		s := randString(r, 12)
		b.Append([]byte(s))
	case *array.Date32Builder:
		b.Append(arrow.Date32(r.Int32N(40000) - 10000))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(r.Int64N(1<<52) - 1<<51))
	case *array.NullBuilder:
		b.AppendNull()
	case *array.ListBuilder:
		n := r.IntN(5)
		if r.IntN(6) == 0 {
			n = 0
		}
		b.Append(true)
		vb := b.ValueBuilder()
		for range n {
			if r.IntN(5) == 0 {
				vb.AppendNull()
			} else {
				appendRandom(r, vb)
			}
		}
	default:
		panic(fmt.Sprintf("no generator for %T", b))
	}
}

// randomArray returns n random values of type t.
func randomArray(mem memory.Allocator, r *rand.Rand, t arrow.DataType, n int, nm nullMode) arrow.Array {
	b := array.NewBuilder(mem, t)
	defer b.Release()
	for range n {
		if nm == allNulls || (nm == someNulls && r.IntN(4) == 0) {
			b.AppendNull()
		} else {
			appendRandom(r, b)
		}
	}
	return b.NewArray()
}

// randomBatch returns a batch of n rows of the types, sliced by off (the
// batch built has n+2*off rows; its middle n are returned).
func randomBatch(mem memory.Allocator, r *rand.Rand, types []arrow.DataType, nms []nullMode, n, off int) arrow.RecordBatch {
	fields := make([]arrow.Field, len(types))
	cols := make([]arrow.Array, len(types))
	for i, t := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: t, Nullable: true}
		whole := randomArray(mem, r, t, n+2*off, nms[i])
		cols[i] = array.NewSlice(whole, int64(off), int64(off+n))
		whole.Release()
	}
	rb := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rb
}

// assertSameArrays fails unless got has want's type and values exactly
// (NaNs equal, but -0.0 and 0.0 different).
func assertSameArrays(t *testing.T, what string, want, got arrow.Array) {
	t.Helper()
	if !arrow.TypeEqual(want.DataType(), got.DataType()) {
		t.Fatalf("%s: type %s, want %s", what, got.DataType(), want.DataType())
	}
	if !array.ApproxEqual(want, got, array.WithNaNsEqual(true), array.WithAbsTolerance(0)) {
		t.Fatalf("%s: got\n%v\nwant\n%v", what, got, want)
	}
	if want.NullN() != got.NullN() {
		t.Fatalf("%s: %d NULLs, want %d", what, got.NullN(), want.NullN())
	}
	var wf, gf arrow.Array = want, got
	if wl, ok := want.(*array.List); ok {
		gl := got.(*array.List)
		for i := 0; i < wl.Len(); i++ {
			if wl.IsValid(i) {
				ws, we := wl.ValueOffsets(i)
				gs, ge := gl.ValueOffsets(i)
				w := array.NewSlice(wl.ListValues(), ws, we)
				g := array.NewSlice(gl.ListValues(), gs, ge)
				assertSameArrays(t, fmt.Sprintf("%s[%d]", what, i), w, g)
				w.Release()
				g.Release()
			}
		}
		return
	}
	if w, ok := wf.(*array.Float64); ok {
		g := gf.(*array.Float64)
		for i := 0; i < w.Len(); i++ {
			if w.IsValid(i) && !(math.IsNaN(w.Value(i)) && math.IsNaN(g.Value(i))) &&
				math.Float64bits(w.Value(i)) != math.Float64bits(g.Value(i)) {
				t.Fatalf("%s[%d]: %v, want %v", what, i, g.Value(i), w.Value(i))
			}
		}
	}
}

func checkedMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}
