package rows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
)

// listOf is a list value for setValue: its elements (nil for NULL).
type listOf []any

// setValue writes the Go value v (nil for NULL) into field i of w.
func setValue(w *Writer, i int, v any) {
	l := w.Layout()
	switch x := v.(type) {
	case nil:
		w.SetNull(i)
	case bool:
		w.SetBool(i, x)
	case int32:
		w.SetInt64(i, int64(x))
	case int64:
		w.SetInt64(i, x)
	case float64:
		w.SetFloat64(i, x)
	case decimal128.Num:
		w.SetDecimal(i, x)
	case string:
		w.SetString(i, x)
	case []byte:
		w.SetBytes(i, x)
	case arrow.Date32:
		w.SetInt64(i, int64(x))
	case arrow.Timestamp:
		w.SetInt64(i, int64(x))
	case listOf:
		b := NewListBuilder(l.ElemKind(i))
		for _, e := range x {
			switch y := e.(type) {
			case nil:
				b.AppendNull()
			case int32:
				b.AppendSlot(uint64(int64(y)))
			case int64:
				b.AppendSlot(uint64(y))
			case float64:
				b.AppendSlot(math.Float64bits(y))
			case string:
				b.AppendBytes([]byte(y))
			case decimal128.Num:
				b.AppendDecimal(y)
			default:
				panic(fmt.Sprintf("setValue: list element %T", e))
			}
		}
		w.SetBytes(i, b.Bytes())
	default:
		panic(fmt.Sprintf("setValue: %T", v))
	}
}

// rowOf returns a row of one field of type t holding v.
func rowOf(l *Layout, vs ...any) Row {
	w := NewWriter(l)
	w.Reset()
	for i, v := range vs {
		setValue(w, i, v)
	}
	return append(Row(nil), w.Row()...)
}

func layoutOf(t *testing.T, types ...arrow.DataType) *Layout {
	t.Helper()
	fields := make([]arrow.Field, len(types))
	for i, ty := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("f%d", i), Type: ty, Nullable: true}
	}
	l, err := NewLayout(arrow.NewSchema(fields, nil))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestComparatorSparkOrder(t *testing.T) {
	nan2 := math.Float64frombits(0x7ff0000000000001)
	maxDec := decimal128.GetMaxValue(38)
	cases := []struct {
		typ    arrow.DataType
		groups [][]any // ascending; values of a group are equal
	}{
		{columnar.Boolean, [][]any{{false}, {true}}},
		{columnar.Int32, [][]any{{int32(math.MinInt32)}, {int32(-1)}, {int32(0)}, {int32(7)}, {int32(math.MaxInt32)}}},
		{columnar.Int64, [][]any{{int64(math.MinInt64)}, {int64(-1)}, {int64(0)}, {int64(math.MaxInt64)}}},
		{columnar.Float64, [][]any{{math.Inf(-1)}, {-1.5}, {math.Copysign(0, -1), 0.0}, {5e-324}, {1.0}, {math.Inf(1)}, {math.NaN(), nan2}}},
		{columnar.Decimal(15, 2), [][]any{{decimal128.FromI64(-500)}, {decimal128.FromI64(0)}, {decimal128.FromI64(3)}}},
		{columnar.Decimal(38, 0), [][]any{
			{maxDec.Negate()}, {decimal128.FromI64(math.MinInt64)}, {decimal128.FromI64(-1)}, {decimal128.FromI64(0)},
			{decimal128.FromI64(1)}, {decimal128.New(0, math.MaxUint64)}, {decimal128.New(1, 0)}, {maxDec},
		}},
		{columnar.String, [][]any{{""}, {"a"}, {"a\x00"}, {"ab"}, {"abcdefgh"}, {"abcdefgh\x00"}, {"abcdefghi"}, {"b"}, {"\u00e9"}}},
		{columnar.Binary, [][]any{{[]byte{}}, {[]byte{0}}, {[]byte{0x7f}}, {[]byte{0x80}}, {[]byte{0xff, 0}}}},
		{columnar.Date, [][]any{{arrow.Date32(-1)}, {arrow.Date32(0)}, {arrow.Date32(18000)}}},
		{columnar.Timestamp, [][]any{{arrow.Timestamp(-1)}, {arrow.Timestamp(0)}, {arrow.Timestamp(1 << 50)}}},
		{arrow.ListOf(columnar.Int32), [][]any{
			{listOf{}}, {listOf{nil}}, {listOf{nil, int32(1)}}, {listOf{int32(-1)}}, {listOf{int32(1)}}, {listOf{int32(1), nil}}, {listOf{int32(1), int32(2)}}, {listOf{int32(2)}},
		}},
		{arrow.ListOf(columnar.Float64), [][]any{{listOf{-1.0}}, {listOf{math.Copysign(0, -1)}, listOf{0.0}}, {listOf{math.NaN()}, listOf{nan2}}}},
		{arrow.ListOf(columnar.String), [][]any{{listOf{}}, {listOf{nil}}, {listOf{""}}, {listOf{"", "a"}}, {listOf{"a"}}, {listOf{"b"}}}},
		{arrow.ListOf(columnar.Decimal(20, 0)), [][]any{{listOf{decimal128.FromI64(-2)}}, {listOf{decimal128.FromI64(-1)}}, {listOf{decimal128.New(1, 0)}}}},
	}
	for _, tc := range cases {
		t.Run(tc.typ.String(), func(t *testing.T) {
			l := layoutOf(t, tc.typ)
			type item struct {
				row   Row
				group int // -1 for NULL
			}
			items := []item{{rowOf(l, nil), -1}}
			for g, vs := range tc.groups {
				for _, v := range vs {
					items = append(items, item{rowOf(l, v), g})
				}
			}
			for _, desc := range []bool{false, true} {
				for _, nullsFirst := range []bool{false, true} {
					c := NewComparator(l, []SortKey{{Column: 0, Descending: desc, NullsFirst: nullsFirst}})
					for _, a := range items {
						for _, b := range items {
							want := 0
							switch {
							case a.group == b.group:
							case a.group == -1:
								want = 1
								if nullsFirst {
									want = -1
								}
							case b.group == -1:
								want = -1
								if nullsFirst {
									want = 1
								}
							default:
								want = 1
								if a.group < b.group {
									want = -1
								}
								if desc {
									want = -want
								}
							}
							if got := c.Compare(a.row, b.row); got != want {
								t.Fatalf("desc=%v nullsFirst=%v: Compare(group %d, group %d) = %d, want %d", desc, nullsFirst, a.group, b.group, got, want)
							}
						}
					}
				}
			}
		})
	}
}

func TestComparatorMultipleKeys(t *testing.T) {
	l := layoutOf(t, columnar.String, columnar.Int64, columnar.Float64)
	c := NewComparator(l, []SortKey{{Column: 1, Descending: true}, {Column: 0, NullsFirst: true}, {Column: 2}})
	rows := []Row{ // in c's order
		rowOf(l, "b", int64(9), 1.0),
		rowOf(l, nil, int64(5), 1.0),
		rowOf(l, "a", int64(5), 1.0),
		rowOf(l, "a", int64(5), 2.0),
		rowOf(l, "a", int64(5), nil),
		rowOf(l, "", nil, 0.0),
	}
	for i := range rows {
		for j := range rows {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := c.Compare(rows[i], rows[j]); got != want {
				t.Errorf("Compare(row %d, row %d) = %d, want %d", i, j, got, want)
			}
		}
	}
	if testing.AllocsPerRun(100, func() { c.Compare(rows[2], rows[3]) }) != 0 {
		t.Error("Compare allocates")
	}
}

// lowCardBatch returns random rows of the types with few distinct values
// (so sorts and group keys see many ties).
func lowCardBuffer(t *testing.T, r *rand.Rand, l *Layout, n int) *Buffer {
	t.Helper()
	pick := func(i int) any {
		if r.IntN(8) == 0 {
			return nil
		}
		v := r.IntN(5)
		switch l.schema.Field(i).Type.ID() {
		case arrow.BOOL:
			return v%2 == 0
		case arrow.INT32:
			return int32(v - 2)
		case arrow.INT64:
			return int64(v-2) << (8 * r.IntN(8))
		case arrow.FLOAT64:
			return []float64{math.NaN(), math.Copysign(0, -1), 0, -1.5, math.Inf(1)}[v]
		case arrow.DECIMAL128:
			return decimal128.New(int64(v%2)-1, uint64(v))
		case arrow.STRING:
			return []string{"", "a", "abcdefgh", "abcdefghij", "abcdefghik"}[v]
		case arrow.DATE32:
			return arrow.Date32(v)
		case arrow.LIST:
			return []listOf{{}, {nil}, {int32(1)}, {int32(1), nil}, {int32(1), int32(2)}}[v]
		}
		panic("type")
	}
	buf := NewBuffer()
	w := NewWriter(l)
	for range n {
		w.Reset()
		for i := 0; i < l.NumFields(); i++ {
			setValue(w, i, pick(i))
		}
		buf.Append(w.Row())
	}
	return buf
}

func TestSortBufferMatchesStableSort(t *testing.T) {
	l := layoutOf(t, columnar.Int64, columnar.String, columnar.Float64, columnar.Int32,
		columnar.Decimal(30, 2), columnar.Decimal(10, 2), columnar.Boolean, arrow.ListOf(columnar.Int32), columnar.Date)
	r := rand.New(rand.NewPCG(1, 2))
	bufs := map[int]*Buffer{}
	for _, n := range []int{0, 1, 100, 5000} {
		bufs[n] = lowCardBuffer(t, r, l, n)
	}
	keySets := [][]SortKey{
		{{Column: 0}},
		{{Column: 0, Descending: true, NullsFirst: true}},
		{{Column: 1}, {Column: 0}},
		{{Column: 1, Descending: true}, {Column: 3, NullsFirst: true}},
		{{Column: 2}, {Column: 6, Descending: true}},
		{{Column: 2, Descending: true, NullsFirst: true}},
		{{Column: 3}, {Column: 8, Descending: true}},
		{{Column: 4}, {Column: 5}},
		{{Column: 5, Descending: true}},
		{{Column: 6}},
		{{Column: 7}, {Column: 3}},
		{{Column: 8, NullsFirst: true}, {Column: 2}, {Column: 1}},
	}
	for _, n := range []int{0, 1, 100, 5000} {
		for ki, keys := range keySets {
			t.Run(fmt.Sprintf("n=%d/keys%d", n, ki), func(t *testing.T) {
				buf := bufs[n]
				c := NewComparator(l, keys)
				got := SortBuffer(buf, c)
				want := make([]int32, n)
				for i := range want {
					want[i] = int32(i)
				}
				slices.SortStableFunc(want, func(x, y int32) int { return c.Compare(buf.Row(int(x)), buf.Row(int(y))) })
				if !slices.Equal(got, want) {
					t.Fatalf("SortBuffer differs from a stable sort")
				}
			})
		}
	}
}

func TestSortBufferStrings(t *testing.T) {
	// Strings over a tiny alphabet with a NUL byte and 0xff: many share
	// long prefixes, many are prefixes of others.
	l := layoutOf(t, columnar.Binary, columnar.Int32)
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{40, 3000} {
		buf := NewBuffer()
		w := NewWriter(l)
		for range n {
			w.Reset()
			if r.IntN(10) == 0 {
				w.SetNull(0)
			} else {
				b := make([]byte, r.IntN(21))
				for i := range b {
					b[i] = "\x00a\xff"[r.IntN(3)]
				}
				w.SetBytes(0, b)
			}
			w.SetInt64(1, int64(r.IntN(3)))
			buf.Append(w.Row())
		}
		for _, keys := range [][]SortKey{
			{{Column: 0}},
			{{Column: 0, Descending: true, NullsFirst: true}},
			{{Column: 0}, {Column: 1, Descending: true}},
			{{Column: 1}, {Column: 0, Descending: true}},
		} {
			c := NewComparator(l, keys)
			got := SortBuffer(buf, c)
			want := seq32(n)
			slices.SortStableFunc(want, func(x, y int32) int { return c.Compare(buf.Row(int(x)), buf.Row(int(y))) })
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d keys %v: SortBuffer differs from a stable sort", n, keys)
			}
		}
	}
}

func seq32(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}
