package rowagg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// randomArray returns n random values of t, a fraction nullFrac NULL, with
// edge values mixed in.
func randomArray(alloc memory.Allocator, rng *rand.Rand, t arrow.DataType, n int, nullFrac float64) arrow.Array {
	b := array.NewBuilder(alloc, t)
	defer b.Release()
	for i := 0; i < n; i++ {
		if rng.Float64() < nullFrac {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.BooleanBuilder:
			bb.Append(rng.IntN(2) == 1)
		case *array.Int32Builder:
			switch rng.IntN(10) {
			case 0:
				bb.Append(math.MaxInt32)
			case 1:
				bb.Append(math.MinInt32)
			default:
				bb.Append(int32(rng.IntN(2000) - 1000))
			}
		case *array.Int64Builder:
			switch rng.IntN(10) {
			case 0:
				bb.Append(math.MaxInt64 - int64(rng.IntN(10)))
			case 1:
				bb.Append(math.MinInt64 + int64(rng.IntN(10)))
			default:
				bb.Append(rng.Int64N(1_000_000) - 500_000)
			}
		case *array.Float64Builder:
			switch rng.IntN(20) {
			case 0:
				bb.Append(math.NaN())
			case 1:
				bb.Append(math.Copysign(0, -1))
			case 2:
				bb.Append(0)
			case 3:
				bb.Append(math.Inf(1))
			default:
				bb.Append(rng.NormFloat64() * 1000)
			}
		case *array.Decimal128Builder:
			p := t.(*arrow.Decimal128Type).Precision
			bb.Append(randomDecimal(rng, p))
		case *array.StringBuilder:
			bb.Append(randomString(rng))
		case *array.BinaryBuilder:
			bb.Append([]byte(randomString(rng)))
		case *array.Date32Builder:
			bb.Append(arrow.Date32(rng.IntN(20000)))
		case *array.TimestampBuilder:
			bb.Append(arrow.Timestamp(rng.Int64N(1 << 50)))
		case *array.NullBuilder:
			bb.AppendNull()
		default:
			panic(fmt.Sprintf("randomArray: %T", b))
		}
	}
	return b.NewArray()
}

// randomDecimal returns a decimal of precision p, often near its limit.
func randomDecimal(rng *rand.Rand, p int32) decimal128.Num {
	if rng.IntN(4) == 0 {
		// Near the largest magnitude: sums overflow soon.
		m := decimal128.GetMaxValue(p)
		d := m.Sub(decimal128.FromI64(rng.Int64N(1000)))
		if rng.IntN(2) == 0 {
			d = d.Negate()
		}
		return d
	}
	digits := min(p, 18)
	lim := int64(math.Pow10(int(digits))) - 1
	if digits >= 18 {
		lim = 999_999_999_999_999_999
	}
	return decimal128.FromI64(rng.Int64N(2*lim+1) - lim)
}

func randomString(rng *rand.Rand) string {
	words := []string{"", "a", "b", "ab", "AIR", "MAIL", "é", "日本", "zz", "A", "\x00", "ba"}
	return words[rng.IntN(len(words))]
}

// toRows converts the columns of a batch to rows with a rows.Writer, one
// row at a time (independent of package rows' vectorized conversion).
func toRows(t testing.TB, cols []arrow.Array) (*rows.Layout, []rows.Row) {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: c.DataType(), Nullable: true}
	}
	l, err := rows.NewLayout(arrow.NewSchema(fields, nil))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if len(cols) > 0 {
		n = cols[0].Len()
	}
	w := rows.NewWriter(l)
	out := make([]rows.Row, n)
	for r := 0; r < n; r++ {
		w.Reset()
		for i, c := range cols {
			writeArrowValue(w, i, c, r)
		}
		out[r] = append(rows.Row(nil), w.Row()...)
	}
	return l, out
}

// writeArrowValue writes element r of c into field i.
func writeArrowValue(w *rows.Writer, i int, c arrow.Array, r int) {
	if c.IsNull(r) || c.DataType().ID() == arrow.NULL {
		w.SetNull(i)
		return
	}
	switch a := c.(type) {
	case *array.Boolean:
		w.SetBool(i, a.Value(r))
	case *array.Int32:
		w.SetInt64(i, int64(a.Value(r)))
	case *array.Int64:
		w.SetInt64(i, a.Value(r))
	case *array.Float64:
		w.SetFloat64(i, a.Value(r))
	case *array.Decimal128:
		w.SetDecimal(i, a.Value(r))
	case *array.String:
		w.SetString(i, a.Value(r))
	case *array.Binary:
		w.SetBytes(i, a.Value(r))
	case *array.Date32:
		w.SetInt64(i, int64(a.Value(r)))
	case *array.Timestamp:
		w.SetInt64(i, int64(a.Value(r)))
	default:
		panic(fmt.Sprintf("writeArrowValue: %T", c))
	}
}

// arrowValue returns element r of c as a comparable Go value: nil, bool,
// int64 (INT, BIGINT, DATE, TIMESTAMP), float64, decimal128.Num or string.
func arrowValue(c arrow.Array, r int) any {
	if c.IsNull(r) {
		return nil
	}
	switch a := c.(type) {
	case *array.Boolean:
		return a.Value(r)
	case *array.Int32:
		return int64(a.Value(r))
	case *array.Int64:
		return a.Value(r)
	case *array.Float64:
		return a.Value(r)
	case *array.Decimal128:
		return a.Value(r)
	case *array.String:
		return a.Value(r)
	case *array.Binary:
		return string(a.Value(r))
	case *array.Date32:
		return int64(a.Value(r))
	case *array.Timestamp:
		return int64(a.Value(r))
	case *array.Null:
		return nil
	}
	panic(fmt.Sprintf("arrowValue: %T", c))
}

// rowValue returns field i of r as arrowValue would for the same value.
func rowValue(l *rows.Layout, t arrow.DataType, r rows.Row, i int) any {
	if l.IsNull(r, i) || l.Kind(i) == rows.KindNull {
		return nil
	}
	switch t.ID() {
	case arrow.BOOL:
		return l.Bool(r, i)
	case arrow.INT32, arrow.INT64, arrow.DATE32, arrow.TIMESTAMP:
		return l.Int64(r, i)
	case arrow.FLOAT64:
		return l.Float64(r, i)
	case arrow.DECIMAL128:
		return l.Decimal(r, i)
	case arrow.STRING, arrow.BINARY:
		return string(l.Bytes(r, i))
	case arrow.LIST:
		lr, err := rows.NewListReader(l.ElemKind(i), l.Bytes(r, i))
		if err != nil {
			return fmt.Sprintf("<bad list: %v>", err)
		}
		elem := t.(*arrow.ListType).Elem()
		out := make([]any, lr.Len())
		for j := range out {
			if lr.IsNull(j) {
				continue
			}
			switch elem.ID() {
			case arrow.STRING, arrow.BINARY:
				out[j] = string(lr.Bytes(j))
			case arrow.FLOAT64:
				out[j] = math.Float64frombits(lr.Slot(j))
			case arrow.DECIMAL128:
				out[j] = lr.Decimal(j)
			case arrow.BOOL:
				out[j] = lr.Slot(j) != 0
			default:
				out[j] = int64(lr.Slot(j))
			}
		}
		return out
	}
	panic(fmt.Sprintf("rowValue: %s", t))
}

// sameValue compares two values from arrowValue / rowValue; doubles are
// equal when bit-identical up to NaN payloads.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		return x == y && math.Signbit(x) == math.Signbit(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// fmtValue renders a value for failure messages.
func fmtValue(v any, t arrow.DataType) string {
	if d, ok := v.(decimal128.Num); ok {
		if dt, ok := t.(*arrow.Decimal128Type); ok {
			return columnar.FormatDecimal(d, dt.Scale)
		}
	}
	return fmt.Sprintf("%v", v)
}

// writeOne writes WriteResult (or, state, WriteState) of group g into a
// fresh row of types and returns the row and its layout.
func writeOne(t testing.TB, types []arrow.DataType, f func(w *rows.Writer) error) (*rows.Layout, rows.Row) {
	t.Helper()
	fields := make([]arrow.Field, len(types))
	for i, ty := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("s%d", i), Type: ty, Nullable: true}
	}
	l, err := rows.NewLayout(arrow.NewSchema(fields, nil))
	if err != nil {
		t.Fatal(err)
	}
	w := rows.NewWriter(l)
	w.Reset()
	if err := f(w); err != nil {
		t.Fatal(err)
	}
	return l, append(rows.Row(nil), w.Row()...)
}

// toArrays converts field i of rs (rows of l) to an Arrow array of type t
// per field, with builders (independent of package rows' conversion).
func toArrays(t testing.TB, alloc memory.Allocator, l *rows.Layout, types []arrow.DataType, rs []rows.Row) []arrow.Array {
	t.Helper()
	out := make([]arrow.Array, len(types))
	for i, ty := range types {
		b := array.NewBuilder(alloc, ty)
		for _, r := range rs {
			v := rowValue(l, ty, r, i)
			if v == nil {
				b.AppendNull()
				continue
			}
			switch bb := b.(type) {
			case *array.BooleanBuilder:
				bb.Append(v.(bool))
			case *array.Int32Builder:
				bb.Append(int32(v.(int64)))
			case *array.Int64Builder:
				bb.Append(v.(int64))
			case *array.Float64Builder:
				bb.Append(v.(float64))
			case *array.Decimal128Builder:
				bb.Append(v.(decimal128.Num))
			case *array.StringBuilder:
				bb.Append(v.(string))
			case *array.BinaryBuilder:
				bb.Append([]byte(v.(string)))
			case *array.Date32Builder:
				bb.Append(arrow.Date32(v.(int64)))
			case *array.TimestampBuilder:
				bb.Append(arrow.Timestamp(v.(int64)))
			default:
				t.Fatalf("toArrays: %T", b)
			}
		}
		out[i] = b.NewArray()
		b.Release()
	}
	return out
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}
