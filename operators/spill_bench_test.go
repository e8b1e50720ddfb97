package operators

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/resource"
)

// The spill benchmarks: 6M lineitem-like rows, sorted with a budget of an
// eighth of the data and aggregated into 1.5M groups with a budget of a
// quarter of what the unlimited aggregation reserves, each against the
// unlimited run. Run with
//
//	go test -run '^$' -bench 'Spill' -benchtime 2x ./operators

const (
	benchSpillRows   = 6_000_000
	benchSpillGroups = 1_500_000
	benchSpillBatch  = 8192
)

var benchSpillSchema = arrow.NewSchema([]arrow.Field{
	{Name: "l_orderkey", Type: columnar.Int64, Nullable: true},
	{Name: "l_partkey", Type: columnar.Int64, Nullable: true},
	{Name: "l_quantity", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_extendedprice", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_discount", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_shipdate", Type: columnar.Date, Nullable: true},
	{Name: "l_returnflag", Type: columnar.String, Nullable: true},
	{Name: "l_comment", Type: columnar.String, Nullable: true},
}, nil)

var (
	benchSpillOnce    sync.Once
	benchSpillBatches []arrow.RecordBatch
)

// benchSpillData returns the 6M rows: l_orderkey takes each of 1.5M values
// four times, in random order.
func benchSpillData() []arrow.RecordBatch {
	benchSpillOnce.Do(func() {
		rng := rand.New(rand.NewPCG(42, 42))
		keys := make([]int64, benchSpillRows)
		for i := range keys {
			keys[i] = int64(i % benchSpillGroups)
		}
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		words := []string{"furiously", "slyly", "carefully", "blithely", "quickly", "regular", "final", "ironic", "pending", "deposits"}
		alloc := memory.NewGoAllocator()
		for off := 0; off < benchSpillRows; off += benchSpillBatch {
			n := min(benchSpillBatch, benchSpillRows-off)
			bb := array.NewRecordBuilder(alloc, benchSpillSchema)
			ok := bb.Field(0).(*array.Int64Builder)
			pk := bb.Field(1).(*array.Int64Builder)
			qty := bb.Field(2).(*array.Decimal128Builder)
			price := bb.Field(3).(*array.Decimal128Builder)
			disc := bb.Field(4).(*array.Decimal128Builder)
			ship := bb.Field(5).(*array.Date32Builder)
			flag := bb.Field(6).(*array.StringBuilder)
			comment := bb.Field(7).(*array.StringBuilder)
			for i := 0; i < n; i++ {
				ok.Append(keys[off+i])
				pk.Append(rng.Int64N(200_000))
				qty.Append(decimal128.FromI64(int64(rng.IntN(50)+1) * 100))
				price.Append(decimal128.FromI64(rng.Int64N(10_000_000) + 90000))
				disc.Append(decimal128.FromI64(int64(rng.IntN(11))))
				ship.Append(arrow.Date32(8000 + rng.IntN(2500)))
				flag.Append([]string{"A", "N", "R"}[rng.IntN(3)])
				comment.Append(words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))])
			}
			benchSpillBatches = append(benchSpillBatches, bb.NewRecordBatch())
			bb.Release()
		}
	})
	return benchSpillBatches
}

var benchSpillRowsOnce sync.Once
var benchSpillRowData []rows.Row

// benchSpillRowsData returns the same rows in the row format.
func benchSpillRowsData(b *testing.B) []rows.Row {
	benchSpillRowsOnce.Do(func() {
		l := rowTestLayout(b, benchSpillSchema)
		buf := rows.NewBuffer()
		for _, bt := range benchSpillData() {
			if err := rows.AppendBatch(l, bt, buf); err != nil {
				b.Fatal(err)
			}
		}
		benchSpillRowData = make([]rows.Row, buf.Len())
		for i := range benchSpillRowData {
			benchSpillRowData[i] = buf.Row(i)
		}
	})
	return benchSpillRowData
}

// benchRun runs partition 0 of n once with task and returns the rows.
func benchRun(b *testing.B, n Node, task *TaskContext) int64 {
	var count int64
	if rn, ok := n.(RowNode); ok {
		s, err := rn.ExecuteRows(context.Background(), 0, task)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		for {
			_, err := s.Next()
			if errors.Is(err, io.EOF) {
				return count
			}
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
	}
	s, err := executeColumnar(n, context.Background(), 0, task)
	if err != nil {
		b.Fatal(err)
	}
	err = Drain(context.Background(), s, func(batch arrow.RecordBatch) error {
		count += batch.NumRows()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return count
}

// benchBudgets runs n unlimited and with budget (in pool), reporting the
// spilled bytes per run.
func benchBudgets(b *testing.B, n Node, pool resource.PoolKind, wantRows int64, budgets map[string]int64) {
	alloc := columnar.NewAccountingAllocator(columnar.NewPoolAllocator())
	for _, name := range []string{"unlimited", "budget"} {
		budget := budgets[name]
		b.Run(name, func(b *testing.B) {
			before, _ := spillCounters(n)
			var peak int64
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			for i := 0; i < b.N; i++ {
				task := &TaskContext{Alloc: alloc, BatchSize: benchSpillBatch, TempDir: b.TempDir(),
					Memory: resource.NewTaskMemory(0, 0)}
				if pool == resource.OffHeap {
					task.Memory = resource.NewTaskMemory(budget, 0)
				} else {
					task.Memory = resource.NewTaskMemory(0, budget)
				}
				if got := benchRun(b, n, task); got != wantRows {
					b.Fatalf("%d rows, want %d", got, wantRows)
				}
				peak = max(peak, task.Memory.Peak(pool))
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			// CPU time (the process's, GC included): steadier than the wall
			// clock on a shared machine.
			cpu := ru1.Utime.Nano() - ru0.Utime.Nano() + ru1.Stime.Nano() - ru0.Stime.Nano()
			b.ReportMetric(float64(cpu)/1e9/float64(b.N), "cpu-s/op")
			after, _ := spillCounters(n)
			b.ReportMetric(float64(after-before)/float64(b.N)/(1<<20), "spilledMB/op")
			b.ReportMetric(float64(peak)/(1<<20), "peakReservedMB")
			b.ReportMetric(float64(budget)/(1<<20), "budgetMB")
		})
	}
	if alloc.Allocated() != 0 {
		b.Errorf("%d bytes still allocated", alloc.Allocated())
	}
}

var benchSortKeys = []sorting.SortKey{{Column: 5}, {Column: 0, Descending: true}} // l_shipdate, l_orderkey DESC

// BenchmarkSortSpill sorts 6M rows unlimited and with an eighth of the
// data's bytes as its off-heap budget.
func BenchmarkSortSpill(b *testing.B) {
	data := benchSpillData()
	s, err := NewSort(newSpillTestSource(benchSpillSchema, data, 0), benchSortKeys, nil, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("data: %d MiB", dataBytes(data)>>20)
	benchBudgets(b, s, resource.OffHeap, benchSpillRows, map[string]int64{"budget": dataBytes(data) / 8})
}

// BenchmarkRowSortSpill sorts the 6M rows in the row format, unlimited and
// with an eighth of the rows' bytes as its heap budget.
func BenchmarkRowSortSpill(b *testing.B) {
	rs := benchSpillRowsData(b)
	var size int64
	for _, r := range rs {
		size += int64(len(r))
	}
	src := newRowTestRowNode(benchSpillSchema, [][]rows.Row{rs})
	src.noCopy = true
	s, err := NewRowSort(src, rowKeys(benchSortKeys), nil, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("data: %d MiB", size>>20)
	benchBudgets(b, s, resource.Heap, benchSpillRows, map[string]int64{"budget": size / 8})
}

var benchAggFuncs = []AggFunc{
	{Kind: agg.Sum, Input: 2, InputType: columnar.Decimal(15, 2)},
	{Kind: agg.Sum, Input: 3, InputType: columnar.Decimal(15, 2)},
	{Kind: agg.Avg, Input: 4, InputType: columnar.Decimal(15, 2)},
	{Kind: agg.Max, Input: 5, InputType: columnar.Date},
	{Kind: agg.CountStar, Input: -1},
}

// benchAggBudget returns a quarter of the unlimited aggregation's peak
// reservation.
func benchAggBudget(b *testing.B, n Node, pool resource.PoolKind) int64 {
	task := &TaskContext{Alloc: memory.NewGoAllocator(), BatchSize: benchSpillBatch, TempDir: b.TempDir(),
		Memory: resource.NewTaskMemory(0, 0)}
	if got := benchRun(b, n, task); got != benchSpillGroups {
		b.Fatalf("%d groups, want %d", got, benchSpillGroups)
	}
	peak := task.Memory.Peak(pool)
	b.Logf("unlimited peak reservation: %d MiB", peak>>20)
	return peak / 4
}

// BenchmarkHashAggregateSpill aggregates 6M rows into 1.5M groups
// (Complete mode), unlimited and with a quarter of the unlimited run's
// reservation as its off-heap budget.
func BenchmarkHashAggregateSpill(b *testing.B) {
	data := benchSpillData()
	h, err := NewHashAggregate(newSpillTestSource(benchSpillSchema, data, 0), AggComplete, []int{0}, benchAggFuncs,
		rowAggNames(1+len(benchAggFuncs)), "")
	if err != nil {
		b.Fatal(err)
	}
	benchBudgets(b, h, resource.OffHeap, benchSpillGroups, map[string]int64{"budget": benchAggBudget(b, h, resource.OffHeap)})
}

// BenchmarkRowHashAggregateSpill is BenchmarkHashAggregateSpill in the row
// engine (heap budget).
func BenchmarkRowHashAggregateSpill(b *testing.B) {
	src := newRowTestRowNode(benchSpillSchema, [][]rows.Row{benchSpillRowsData(b)})
	src.noCopy = true
	h, err := NewRowHashAggregate(src, AggComplete, []int{0}, rowFuncs(benchAggFuncs), rowAggNames(1+len(benchAggFuncs)), "")
	if err != nil {
		b.Fatal(err)
	}
	benchBudgets(b, h, resource.Heap, benchSpillGroups, map[string]int64{"budget": benchAggBudget(b, h, resource.Heap)})
}
