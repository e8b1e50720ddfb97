package expr

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// newMem returns a checked allocator that must be empty when the test ends.
func newMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

var (
	tBool = columnar.Boolean
	tI32  = columnar.Int32
	tI64  = columnar.Int64
	tF64  = columnar.Float64
	tStr  = columnar.String
	tBin  = columnar.Binary
	tDate = columnar.Date
	tTS   = columnar.Timestamp
	tNull = columnar.Null
)

func tDec(p, s int32) arrow.DataType { return columnar.Decimal(p, s) }

// decNum parses a decimal literal such as "-12.345" at scale s.
func decNum(t testing.TB, str string, s int32) decimal128.Num {
	t.Helper()
	r, ok := new(big.Rat).SetString(str)
	if !ok {
		t.Fatalf("bad decimal %q", str)
	}
	r.Mul(r, new(big.Rat).SetInt(bigPow10(int(s))))
	if !r.IsInt() {
		t.Fatalf("decimal %q has more than %d digits of scale", str, s)
	}
	return decimal128.FromBigInt(r.Num())
}

// conv converts a test value to the Go representation of type t: strings
// for decimals ("1.50"), dates ("2020-01-31") and timestamps; ints for any
// integer type; nil stays nil.
func conv(tb testing.TB, t arrow.DataType, v any) any {
	tb.Helper()
	if v == nil {
		return nil
	}
	switch t.ID() {
	case arrow.INT32:
		switch x := v.(type) {
		case int:
			return int32(x)
		case int32:
			return x
		}
	case arrow.INT64:
		switch x := v.(type) {
		case int:
			return int64(x)
		case int64:
			return x
		}
	case arrow.FLOAT64:
		switch x := v.(type) {
		case float64:
			return x
		case int:
			return float64(x)
		}
	case arrow.DECIMAL128:
		_, s, _ := columnar.IsDecimal(t)
		switch x := v.(type) {
		case string:
			return decNum(tb, x, s)
		case decimal128.Num:
			return x
		}
	case arrow.DATE32:
		switch x := v.(type) {
		case string:
			d, ok := parseDate([]byte(x))
			if !ok {
				tb.Fatalf("bad date %q", x)
			}
			return arrow.Date32(d)
		case int:
			return arrow.Date32(x)
		case arrow.Date32:
			return x
		}
	case arrow.TIMESTAMP:
		switch x := v.(type) {
		case string:
			us, ok := parseTimestamp([]byte(x))
			if !ok {
				tb.Fatalf("bad timestamp %q", x)
			}
			return arrow.Timestamp(us)
		case int:
			return arrow.Timestamp(x)
		case arrow.Timestamp:
			return x
		}
	case arrow.BINARY:
		switch x := v.(type) {
		case string:
			return []byte(x)
		case []byte:
			return x
		}
	default:
		return v
	}
	tb.Fatalf("test value %v (%T) does not fit %s", v, v, typeName(t))
	return nil
}

// build makes an array of type t from test values (see conv).
func build(tb testing.TB, mem memory.Allocator, t arrow.DataType, vals ...any) arrow.Array {
	tb.Helper()
	b := array.NewBuilder(mem, t)
	defer b.Release()
	for _, v := range vals {
		v = conv(tb, t, v)
		if v == nil {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.BooleanBuilder:
			bb.Append(v.(bool))
		case *array.Int32Builder:
			bb.Append(v.(int32))
		case *array.Int64Builder:
			bb.Append(v.(int64))
		case *array.Float64Builder:
			bb.Append(v.(float64))
		case *array.Decimal128Builder:
			bb.Append(v.(decimal128.Num))
		case *array.StringBuilder:
			bb.Append(v.(string))
		case *array.BinaryBuilder:
			bb.Append(v.([]byte))
		case *array.Date32Builder:
			bb.Append(v.(arrow.Date32))
		case *array.TimestampBuilder:
			bb.Append(v.(arrow.Timestamp))
		case *array.NullBuilder:
			bb.AppendNull()
		default:
			tb.Fatalf("no builder for %s", typeName(t))
		}
	}
	return b.NewArray()
}

// sliced builds an array with pad garbage rows on each side and returns the
// slice holding just vals (a non-zero offset).
func sliced(tb testing.TB, mem memory.Allocator, t arrow.DataType, pad int, vals ...any) arrow.Array {
	tb.Helper()
	var filler any
	switch t.ID() {
	case arrow.BOOL:
		filler = true
	case arrow.INT32, arrow.INT64, arrow.DATE32, arrow.TIMESTAMP:
		filler = 7
	case arrow.FLOAT64:
		filler = 7.5
	case arrow.DECIMAL128:
		filler = "7"
	case arrow.STRING, arrow.BINARY:
		filler = "pad"
	}
	all := make([]any, 0, len(vals)+2*pad)
	for i := 0; i < pad; i++ {
		all = append(all, filler)
	}
	all = append(all, vals...)
	for i := 0; i < pad; i++ {
		all = append(all, nil)
	}
	full := build(tb, mem, t, all...)
	defer full.Release()
	return array.NewSlice(full, int64(pad), int64(pad+len(vals)))
}

// batchOf wraps arrays into a record batch (the arrays are Released).
func batchOf(arrs ...arrow.Array) arrow.RecordBatch {
	fields := make([]arrow.Field, len(arrs))
	n := int64(0)
	for i, a := range arrs {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: a.DataType(), Nullable: true}
		n = int64(a.Len())
	}
	b := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, n)
	for _, a := range arrs {
		a.Release()
	}
	return b
}

// values converts an array to Go values (nil for NULL).
func values(tb testing.TB, a arrow.Array) []any {
	tb.Helper()
	out := make([]any, a.Len())
	for i := range out {
		v, err := valueAt(a, i)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// eval evaluates e over batch and returns the values of the result.
func eval(tb testing.TB, mem memory.Allocator, e Expr, batch arrow.RecordBatch) []any {
	tb.Helper()
	a, err := e.Eval(&Context{Alloc: mem}, batch)
	if err != nil {
		tb.Fatalf("%s: %v", e, err)
	}
	defer a.Release()
	if a.Len() != int(batch.NumRows()) {
		tb.Fatalf("%s: %d rows, want %d", e, a.Len(), batch.NumRows())
	}
	if !arrow.TypeEqual(a.DataType(), e.DataType()) {
		tb.Fatalf("%s: result type %s, declared %s", e, a.DataType(), e.DataType())
	}
	if err := array.ValidateFull(a); err != nil {
		tb.Fatalf("%s: invalid result: %v", e, err)
	}
	return values(tb, a)
}

// want converts expected test values to Go values of type t.
func want(tb testing.TB, t arrow.DataType, vals ...any) []any {
	tb.Helper()
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = conv(tb, t, v)
	}
	return out
}

func col(i int, t arrow.DataType) Expr { return Column(i, fmt.Sprintf("c%d#%d", i, i), t) }

func lit(tb testing.TB, v any, t arrow.DataType) *Lit {
	tb.Helper()
	l, err := Literal(conv(tb, t, v), t)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// mk unwraps a constructor's result in tests; a constructor error is a bug
// in the test and panics.
func mk(e Expr, err error) Expr {
	if err != nil {
		panic(err)
	}
	return e
}

func show(vals []any, t arrow.DataType) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = formatValue(v, t)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func checkValues(tb testing.TB, what string, got, exp []any, t arrow.DataType) {
	tb.Helper()
	if len(got) != len(exp) {
		tb.Fatalf("%s: got %d values %s, want %d %s", what, len(got), show(got, t), len(exp), show(exp, t))
	}
	for i := range got {
		if !sameValue(got[i], exp[i]) {
			tb.Errorf("%s: row %d: got %s, want %s (all: %s)", what, i, formatValue(got[i], t), formatValue(exp[i], t), show(got, t))
		}
	}
}

func sameValue(a, b any) bool {
	fa, ok1 := a.(float64)
	fb, ok2 := b.(float64)
	if ok1 && ok2 {
		if fa != fa && fb != fb {
			return true
		}
		return fa == fb && (fa != 0 || (1/fa > 0) == (1/fb > 0))
	}
	return reflect.DeepEqual(a, b)
}

// forms evaluates e (whose column inputs are given as value lists) over
// plain arrays and over sliced arrays (non-zero offset), checking both
// against exp.
func checkForms(t *testing.T, mem memory.Allocator, build func(cols []Expr) (Expr, error), colTypes []arrow.DataType, cols [][]any, exp []any) {
	t.Helper()
	exprCols := make([]Expr, len(colTypes))
	for i, ct := range colTypes {
		exprCols[i] = col(i, ct)
	}
	e, err := build(exprCols)
	if err != nil {
		t.Fatal(err)
	}
	expT := e.DataType()
	for _, pad := range []int{0, 5} {
		arrs := make([]arrow.Array, len(cols))
		for i := range cols {
			if pad == 0 {
				arrs[i] = buildT(t, mem, colTypes[i], cols[i])
			} else {
				arrs[i] = sliced(t, mem, colTypes[i], pad, cols[i]...)
			}
		}
		batch := batchOf(arrs...)
		got := eval(t, mem, e, batch)
		batch.Release()
		checkValues(t, fmt.Sprintf("%s (offset %d)", e, pad), got, want(t, expT, exp...), expT)
	}
}

func buildT(tb testing.TB, mem memory.Allocator, t arrow.DataType, vals []any) arrow.Array {
	tb.Helper()
	return build(tb, mem, t, vals...)
}
