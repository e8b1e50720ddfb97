package sorting

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	tBool  = arrow.FixedWidthTypes.Boolean
	tI32   = arrow.PrimitiveTypes.Int32
	tI64   = arrow.PrimitiveTypes.Int64
	tF64   = arrow.PrimitiveTypes.Float64
	tStr   = arrow.BinaryTypes.String
	tBin   = arrow.BinaryTypes.Binary
	tDate  = arrow.FixedWidthTypes.Date32
	tTS    = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tDec   = &arrow.Decimal128Type{Precision: 15, Scale: 2}
	tDecW  = &arrow.Decimal128Type{Precision: 38, Scale: 0}
	tNull  = arrow.Null
	allTys = []arrow.DataType{tBool, tI32, tI64, tF64, tStr, tBin, tDate, tTS, tDec, tDecW, tNull}
)

// gen produces random values of a type with duplicates, NULLs and the
// awkward cases (NaN, -0.0, strings around the 7/8-byte boundaries,
// decimals wider than 64 bits).
type gen struct {
	r        *rand.Rand
	nullProb float64
	card     int // distinct values roughly; 0 = wide
}

func (g *gen) value(t arrow.DataType) any {
	if t.ID() == arrow.NULL || g.r.Float64() < g.nullProb {
		return nil
	}
	pick := func(n int) int {
		if g.card > 0 {
			return g.r.IntN(min(n, g.card))
		}
		return g.r.IntN(n)
	}
	switch t.ID() {
	case arrow.BOOL:
		return g.r.IntN(2) == 1
	case arrow.INT32:
		switch g.r.IntN(10) {
		case 0:
			return int32(math.MinInt32)
		case 1:
			return int32(math.MaxInt32)
		}
		return int32(pick(2000) - 1000)
	case arrow.DATE32:
		return arrow.Date32(pick(40000) - 20000)
	case arrow.INT64:
		switch g.r.IntN(10) {
		case 0:
			return int64(math.MinInt64)
		case 1:
			return int64(math.MaxInt64)
		}
		if g.card == 0 {
			return g.r.Int64() - g.r.Int64()
		}
		return int64(pick(2000) - 1000)
	case arrow.TIMESTAMP:
		return arrow.Timestamp(int64(pick(1<<30)) * 1000)
	case arrow.FLOAT64:
		switch g.r.IntN(12) {
		case 0:
			return math.NaN()
		case 1:
			return math.Copysign(0, -1)
		case 2:
			return 0.0
		case 3:
			return math.Inf(1)
		case 4:
			return math.Inf(-1)
		case 5:
			return math.Float64frombits(0x7ff8000000000abc) // another NaN
		}
		return float64(pick(2000)-1000) / 8
	case arrow.STRING, arrow.BINARY:
		prefixes := []string{"", "a", "ab", "abcdefg", "abcdefgh", "abcdefghijklmno", "abcdefg\x00", "zz", "\xff\xfe"}
		s := prefixes[g.r.IntN(len(prefixes))]
		switch g.r.IntN(3) {
		case 0:
			s += fmt.Sprint(pick(50))
		case 1:
			s += string([]byte{byte(g.r.IntN(256))})
		}
		if t.ID() == arrow.BINARY {
			return []byte(s)
		}
		return s
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		if d.Precision > 18 && g.r.IntN(3) == 0 {
			hi := int64(pick(1<<20)) - 1<<19
			return decimal128.New(hi, g.r.Uint64())
		}
		return decimal128.FromI64(int64(pick(200000) - 100000))
	}
	panic(t)
}

// build makes an array of typ from values (nil = NULL).
func build(mem memory.Allocator, typ arrow.DataType, vals []any) arrow.Array {
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	for _, v := range vals {
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
		case *array.StringBuilder:
			bb.Append(v.(string))
		case *array.BinaryBuilder:
			bb.Append(v.([]byte))
		case *array.Date32Builder:
			bb.Append(v.(arrow.Date32))
		case *array.TimestampBuilder:
			bb.Append(v.(arrow.Timestamp))
		case *array.Decimal128Builder:
			bb.Append(v.(decimal128.Num))
		default:
			panic(fmt.Sprintf("builder %T", b))
		}
	}
	return b.NewArray()
}

// valueAt returns row i of arr as a Go value (nil for NULL).
func valueAt(arr arrow.Array, i int) any {
	if arr.DataType().ID() == arrow.NULL || arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...)
	case *array.Date32:
		return a.Value(i)
	case *array.Timestamp:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i)
	}
	panic(fmt.Sprintf("array %T", arr))
}

// refCmp is the reference ordering of two non-NULL values, ascending.
func refCmp(a, b any) int {
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int32:
		return cmp3(x, b.(int32))
	case arrow.Date32:
		return cmp3(x, b.(arrow.Date32))
	case int64:
		return cmp3(x, b.(int64))
	case arrow.Timestamp:
		return cmp3(x, b.(arrow.Timestamp))
	case float64:
		y := b.(float64)
		xn, yn := math.IsNaN(x), math.IsNaN(y)
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		case x == y:
			return 0
		case x < y:
			return -1
		}
		return 1
	case string:
		return bytes.Compare([]byte(x), []byte(b.(string)))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case decimal128.Num:
		return x.BigInt().Cmp(b.(decimal128.Num).BigInt())
	}
	panic(fmt.Sprintf("%T", a))
}

func cmp3[T int32 | int64 | arrow.Date32 | arrow.Timestamp](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// refCmpKey compares values on one key with its direction and NULL
// placement.
func refCmpKey(a, b any, k SortKey) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if k.NullsFirst {
			return -1
		}
		return 1
	case b == nil:
		if k.NullsFirst {
			return 1
		}
		return -1
	}
	c := refCmp(a, b)
	if k.Descending {
		c = -c
	}
	return c
}

// table is a batch's values as Go values, column-major.
type table [][]any

func randTable(g *gen, types []arrow.DataType, n int) table {
	t := make(table, len(types))
	for c, ty := range types {
		t[c] = make([]any, n)
		for i := range t[c] {
			t[c][i] = g.value(ty)
		}
	}
	return t
}

func schemaOf(types []arrow.DataType) *arrow.Schema {
	fs := make([]arrow.Field, len(types))
	for i, t := range types {
		fs[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: t, Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

// makeBatch builds a batch of t; with pad > 0 the columns are slices of
// larger arrays (pad junk rows on each side) to exercise offsets.
func makeBatch(mem memory.Allocator, g *gen, types []arrow.DataType, t table, pad int) arrow.RecordBatch {
	n := 0
	if len(t) > 0 {
		n = len(t[0])
	}
	cols := make([]arrow.Array, len(types))
	for c, ty := range types {
		vals := t[c]
		if pad > 0 {
			full := make([]any, 0, n+2*pad)
			for i := 0; i < pad; i++ {
				full = append(full, g.value(ty))
			}
			full = append(full, vals...)
			for i := 0; i < pad; i++ {
				full = append(full, g.value(ty))
			}
			whole := build(mem, ty, full)
			cols[c] = array.NewSlice(whole, int64(pad), int64(pad+n))
			whole.Release()
		} else {
			cols[c] = build(mem, ty, vals)
		}
	}
	b := array.NewRecordBatch(schemaOf(types), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return b
}

// refSort is the reference stable sort of t's rows.
func refSort(t table, keys []SortKey, n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	less := func(a, b int32) int {
		for _, k := range keys {
			if c := refCmpKey(t[k.Column][a], t[k.Column][b], k); c != 0 {
				return c
			}
		}
		return 0
	}
	// insertion-merge: simple stable sort
	stableSort(idx, less)
	return idx
}

func stableSort(idx []int32, cmp func(a, b int32) int) {
	if len(idx) < 2 {
		return
	}
	mid := len(idx) / 2
	stableSort(idx[:mid], cmp)
	stableSort(idx[mid:], cmp)
	out := make([]int32, 0, len(idx))
	i, j := 0, mid
	for i < mid && j < len(idx) {
		if cmp(idx[j], idx[i]) < 0 {
			out = append(out, idx[j])
			j++
		} else {
			out = append(out, idx[i])
			i++
		}
	}
	out = append(out, idx[i:mid]...)
	out = append(out, idx[j:]...)
	copy(idx, out)
}

// equalValues compares Go values, treating NaNs as equal and -0.0 as 0.0
// only when sameZero is false (bitwise otherwise).
func equalValues(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case float64:
		y := b.(float64)
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		return math.Float64bits(x) == math.Float64bits(y)
	case []byte:
		return bytes.Equal(x, b.([]byte))
	}
	return a == b
}

// checkBatchEqual asserts that batch holds exactly the rows want (column
// major).
func checkBatchEqual(t *testing.T, batch arrow.RecordBatch, want table, wantRows int) {
	t.Helper()
	if int(batch.NumRows()) != wantRows {
		t.Fatalf("rows = %d, want %d", batch.NumRows(), wantRows)
	}
	for c := range want {
		col := batch.Column(c)
		if v, ok := col.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				t.Fatalf("column %d invalid: %v", c, err)
			}
		}
		for i := 0; i < wantRows; i++ {
			if got := valueAt(col, i); !equalValues(got, want[c][i]) {
				t.Fatalf("column %d row %d = %v, want %v", c, i, got, want[c][i])
			}
		}
	}
}

// permute returns t's rows in idx order.
func permute(t table, idx []int32) table {
	out := make(table, len(t))
	for c := range t {
		out[c] = make([]any, len(idx))
		for j, i := range idx {
			out[c][j] = t[c][i]
		}
	}
	return out
}
