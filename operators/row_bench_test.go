package operators

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/sorting"
)

const benchRows = 1 << 20

var q1Schema = arrow.NewSchema([]arrow.Field{
	{Name: "l_returnflag", Type: columnar.String, Nullable: true},
	{Name: "l_linestatus", Type: columnar.String, Nullable: true},
	{Name: "l_quantity", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_extendedprice", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_discount", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_orderkey", Type: columnar.Int64, Nullable: true},
	{Name: "l_comment", Type: columnar.String, Nullable: true},
}, nil)

// benchData returns benchRows rows of q1Schema as 4096-row batches and as
// rows: 4 (returnflag, linestatus) groups, TPC-H-like decimals, random
// order keys and 10-40 byte comments.
func benchData(b *testing.B) ([]arrow.RecordBatch, []rows.Row) {
	rng := rand.New(rand.NewPCG(1, 2))
	groups := [][2]string{{"A", "F"}, {"N", "F"}, {"N", "O"}, {"R", "F"}}
	var batches []arrow.RecordBatch
	const batch = 4096
	for done := 0; done < benchRows; done += batch {
		bb := array.NewRecordBuilder(memory.DefaultAllocator, q1Schema)
		for r := 0; r < batch; r++ {
			g := groups[rng.IntN(4)]
			bb.Field(0).(*array.StringBuilder).Append(g[0])
			bb.Field(1).(*array.StringBuilder).Append(g[1])
			bb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(50)+1) * 100))
			bb.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(10_000_000) + 90000))
			bb.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(11))))
			bb.Field(5).(*array.Int64Builder).Append(rng.Int64())
			c := make([]byte, 10+rng.IntN(31))
			for i := range c {
				c[i] = byte('a' + rng.IntN(26))
			}
			bb.Field(6).(*array.StringBuilder).Append(string(c))
		}
		batches = append(batches, bb.NewRecordBatch())
		bb.Release()
	}
	l := rowTestLayout(b, q1Schema)
	return batches, batchRows(b, l, batches)
}

// benchRowNode drains partition 0 of a row node.
func benchRowNode(b *testing.B, n RowNode) {
	s, err := n.ExecuteRows(context.Background(), 0, rowTestTask(memory.DefaultAllocator))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for {
		if _, err := s.Next(); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			b.Fatal(err)
		}
	}
}

// benchColumnarNode drains partition 0 of a columnar node.
func benchColumnarNode(b *testing.B, n ColumnarNode) {
	s, err := n.Execute(context.Background(), 0, &TaskContext{Alloc: memory.DefaultAllocator, BatchSize: 4096})
	if err != nil {
		b.Fatal(err)
	}
	if err := Drain(context.Background(), s, func(arrow.RecordBatch) error { return nil }); err != nil {
		b.Fatal(err)
	}
}

func reportRows(b *testing.B, start time.Time) {
	b.ReportMetric(float64(benchRows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

// q1Funcs are the 6 aggregates of the Q1 benchmarks.
var q1Funcs = []AggFunc{
	{Kind: agg.Sum, Input: 2, InputType: columnar.Decimal(15, 2)},
	{Kind: agg.Sum, Input: 3, InputType: columnar.Decimal(15, 2)},
	{Kind: agg.Avg, Input: 2, InputType: columnar.Decimal(15, 2)},
	{Kind: agg.Avg, Input: 3, InputType: columnar.Decimal(15, 2)},
	{Kind: agg.Avg, Input: 4, InputType: columnar.Decimal(15, 2)},
	{Kind: agg.CountStar, Input: -1},
}

// BenchmarkQ1Aggregate: Q1-like hash aggregation (6 aggregates, 4 groups)
// of 1M rows, row operator vs columnar operator, complete mode. The row
// input is pre-converted (the transition is not measured).
func BenchmarkQ1Aggregate(b *testing.B) {
	batches, rs := benchData(b)
	defer releaseBatches(batches)
	names := rowAggNames(2 + len(q1Funcs))
	b.Run("row", func(b *testing.B) {
		src := newRowTestRowNode(q1Schema, [][]rows.Row{rs})
		src.noCopy = true
		h, err := NewRowHashAggregate(src, AggComplete, []int{0, 1}, rowFuncs(q1Funcs), names, "")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			benchRowNode(b, h)
		}
		reportRows(b, start)
	})
	b.Run("columnar", func(b *testing.B) {
		src := newRowTestBatchNode(q1Schema, [][]arrow.RecordBatch{batches})
		defer src.release()
		h, err := NewHashAggregate(src, AggComplete, []int{0, 1}, q1Funcs, names, "")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			benchColumnarNode(b, h)
		}
		reportRows(b, start)
	})
}

// BenchmarkSort1M: sort of 1M rows (7 columns) by a random BIGINT, and by
// (STRING, BIGINT), row operator vs columnar operator.
func BenchmarkSort1M(b *testing.B) {
	batches, rs := benchData(b)
	defer releaseBatches(batches)
	for _, k := range []struct {
		name string
		keys []sorting.SortKey
	}{
		{"bigint", []sorting.SortKey{{Column: 5}}},
		{"string,bigint", []sorting.SortKey{{Column: 6}, {Column: 5, Descending: true}}},
	} {
		b.Run(k.name+"/row", func(b *testing.B) {
			src := newRowTestRowNode(q1Schema, [][]rows.Row{rs})
			src.noCopy = true
			s, err := NewRowSort(src, rowKeys(k.keys), nil, false)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				benchRowNode(b, s)
			}
			reportRows(b, start)
		})
		b.Run(k.name+"/columnar", func(b *testing.B) {
			src := newRowTestBatchNode(q1Schema, [][]arrow.RecordBatch{batches})
			defer src.release()
			s, err := NewSort(src, k.keys, nil, false)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				benchColumnarNode(b, s)
			}
			reportRows(b, start)
		})
	}
}
