package rows

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

const lineitemRows = 32768

// lineitemBatch returns a TPC-H lineitem-like batch: 4 BIGINT, 1 INT, 4
// DECIMAL(15,2), 3 DATE, 2 one-character STRINGs and 2 STRINGs of 10-40
// bytes.
func lineitemBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	r := rand.New(rand.NewPCG(7, 8))
	dec := columnar.Decimal(15, 2)
	types := []arrow.DataType{
		columnar.Int64, columnar.Int64, columnar.Int64, columnar.Int32, columnar.Int64,
		dec, dec, dec, dec,
		columnar.String, columnar.String,
		columnar.Date, columnar.Date, columnar.Date,
		columnar.String, columnar.String,
	}
	names := []string{"l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity_i",
		"l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_returnflag", "l_linestatus",
		"l_shipdate", "l_commitdate", "l_receiptdate", "l_shipinstruct", "l_comment"}
	fields := make([]arrow.Field, len(types))
	cols := make([]arrow.Array, len(types))
	for j, t := range types {
		fields[j] = arrow.Field{Name: names[j], Type: t}
		b := array.NewBuilder(mem, t)
		for i := 0; i < n; i++ {
			switch b := b.(type) {
			case *array.Int64Builder:
				b.Append(r.Int64N(6_000_000))
			case *array.Int32Builder:
				b.Append(r.Int32N(7) + 1)
			case *array.Decimal128Builder:
				b.Append(decimal128.FromI64(r.Int64N(10_000_000)))
			case *array.Date32Builder:
				b.Append(arrow.Date32(8000 + r.Int32N(2500)))
			case *array.StringBuilder:
				if j == 9 || j == 10 {
					b.Append(string(rune('A' + r.IntN(3))))
				} else {
					b.Append(benchText(r, 10+r.IntN(31)))
				}
			}
		}
		cols[j] = b.NewArray()
		b.Release()
	}
	rb := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rb
}

func benchText(r *rand.Rand, n int) string {
	const words = "the quick brown fox jumps over lazy dogs furiously final deposits "
	b := make([]byte, n)
	for i := range b {
		b[i] = words[r.IntN(len(words))]
	}
	return string(b)
}

func reportPerRow(b *testing.B, rows int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
}

func BenchmarkColumnarToRow(b *testing.B) {
	mem := memory.NewGoAllocator()
	rb := lineitemBatch(mem, lineitemRows)
	defer rb.Release()
	l, err := NewLayout(rb.Schema())
	if err != nil {
		b.Fatal(err)
	}
	buf := NewBuffer()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf.Reset()
		if err := AppendBatch(l, rb, buf); err != nil {
			b.Fatal(err)
		}
	}
	reportPerRow(b, lineitemRows)
	b.ReportMetric(float64(len(buf.data))/lineitemRows, "B/row")
}

// allocators are the allocators the RowToColumnar benchmarks use: Go's
// (fresh, zeroed memory for every batch) and the engine's default pool.
var allocators = []struct {
	name string
	new  func() memory.Allocator
}{
	{"go", func() memory.Allocator { return memory.NewGoAllocator() }},
	{"pool", func() memory.Allocator { return columnar.NewPoolAllocator() }},
}

func BenchmarkRowToColumnar(b *testing.B) {
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			mem := a.new()
			rb := lineitemBatch(mem, lineitemRows)
			defer rb.Release()
			l, err := NewLayout(rb.Schema())
			if err != nil {
				b.Fatal(err)
			}
			buf := NewBuffer()
			if err := AppendBatch(l, rb, buf); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, err := BufferToBatch(mem, l, buf, 0, buf.Len())
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
			reportPerRow(b, lineitemRows)
		})
	}
}

// BenchmarkBatchBuilder is RowToColumnar as a row operator's output does
// it: rows appended one at a time, then Build.
func BenchmarkBatchBuilder(b *testing.B) {
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			mem := a.new()
			rb := lineitemBatch(mem, lineitemRows)
			defer rb.Release()
			l, err := NewLayout(rb.Schema())
			if err != nil {
				b.Fatal(err)
			}
			buf := NewBuffer()
			if err := AppendBatch(l, rb, buf); err != nil {
				b.Fatal(err)
			}
			bb := NewBatchBuilder(mem, l)
			defer bb.Release()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for r := 0; r < buf.Len(); r++ {
					bb.Append(buf.Row(r))
				}
				out, err := bb.Build()
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
			reportPerRow(b, lineitemRows)
		})
	}
}

// sortBuffer returns n rows of (BIGINT, STRING, BIGINT): random BIGINTs and
// strings of 5-25 bytes drawn from distinct distinct values.
func sortBuffer(tb testing.TB, n, distinct int) (*Layout, *Buffer) {
	r := rand.New(rand.NewPCG(9, 10))
	l, err := NewLayout(arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: columnar.Int64}, {Name: "s", Type: columnar.String}, {Name: "v", Type: columnar.Int64},
	}, nil))
	if err != nil {
		tb.Fatal(err)
	}
	dict := make([]string, distinct)
	for i := range dict {
		dict[i] = benchText(r, 5+r.IntN(21))
	}
	buf := NewBuffer()
	w := NewWriter(l)
	for range n {
		w.Reset()
		w.SetInt64(0, r.Int64())
		w.SetString(1, dict[r.IntN(distinct)])
		w.SetInt64(2, r.Int64N(1000))
		buf.Append(w.Row())
	}
	return l, buf
}

func BenchmarkSort(b *testing.B) {
	const n = 1 << 20
	l, buf := sortBuffer(b, n, 10000)
	for _, bc := range []struct {
		name string
		keys []SortKey
	}{
		{"int64", []SortKey{{Column: 0}}},
		{"string,int64", []SortKey{{Column: 1}, {Column: 2}}},
		{"int64-desc", []SortKey{{Column: 0, Descending: true}}},
	} {
		b.Run(fmt.Sprintf("%s/rows=%d", bc.name, n), func(b *testing.B) {
			c := NewComparator(l, bc.keys)
			for i := 0; i < b.N; i++ {
				SortBuffer(buf, c)
			}
			reportPerRow(b, n)
		})
	}
}

func BenchmarkKeyEncode(b *testing.B) {
	const n = 1 << 16
	l, buf := sortBuffer(b, n, 10000)
	for _, bc := range []struct {
		name string
		cols []int
	}{
		{"int64", []int{0}},
		{"string,int64", []int{1, 2}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := NewKeyEncoder(l, bc.cols)
			for i := 0; i < b.N; i++ {
				for r := 0; r < n; r++ {
					e.Encode(buf.Row(r))
				}
			}
			reportPerRow(b, n)
		})
	}
}

func BenchmarkHashFields(b *testing.B) {
	const n = 1 << 16
	l, buf := sortBuffer(b, n, 10000)
	cols := []int{1, 2}
	var sink uint64
	for i := 0; i < b.N; i++ {
		for r := 0; r < n; r++ {
			sink += HashFields(l, buf.Row(r), cols)
		}
	}
	_ = sink
	reportPerRow(b, n)
}
