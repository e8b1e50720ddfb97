package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// ---- sources that fail or count ----

// spillTestSource is a columnar source of one partition that can fail
// after a number of batches.
type spillTestSource struct {
	base
	batches []arrow.RecordBatch
	failAt  int // > 0: Next fails at this batch
}

var errSpillTestFail = errors.New("spill test source failure")

func newSpillTestSource(schema *arrow.Schema, batches []arrow.RecordBatch, failAt int) *spillTestSource {
	s := &spillTestSource{batches: batches, failAt: failAt}
	s.schema = schema
	return s
}

func (s *spillTestSource) Name() string       { return "SpillTestSource" }
func (s *spillTestSource) Detail() string     { return "" }
func (s *spillTestSource) NumPartitions() int { return 1 }

func (s *spillTestSource) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	return &spillTestStream{s: s}, nil
}

type spillTestStream struct {
	s   *spillTestSource
	pos int
}

func (st *spillTestStream) Next() (arrow.RecordBatch, error) {
	if st.s.failAt > 0 && st.pos+1 >= st.s.failAt {
		return nil, errSpillTestFail
	}
	if st.pos >= len(st.s.batches) {
		return nil, io.EOF
	}
	b := st.s.batches[st.pos]
	st.pos++
	b.Retain()
	return b, nil
}

func (st *spillTestStream) Close() {}

// ---- running ----

// spillTask returns a task over alloc with a budget of offHeap and heap
// bytes (0: unlimited) and a fresh temporary directory.
func spillTask(t *testing.T, alloc memory.Allocator, offHeap, heap int64, batch int) *TaskContext {
	return &TaskContext{Alloc: alloc, BatchSize: batch, Memory: resource.NewTaskMemory(offHeap, heap), TempDir: t.TempDir()}
}

// runValues runs partition 0 of n (columnar or row) and returns its rows'
// values, or the error that ended the stream. cancelAfter > 0 cancels the
// context after that many output batches (columnar) or rows (row).
func runValues(t *testing.T, n Node, task *TaskContext, cancelAfter int) ([][]any, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out [][]any
	if rn, ok := n.(RowNode); ok {
		l := rowTestLayout(t, n.Schema())
		s, err := rn.ExecuteRows(ctx, 0, task)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		for {
			if cancelAfter > 0 && len(out) == cancelAfter {
				cancel()
			}
			r, err := s.Next()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return out, err
			}
			vals := make([]any, l.NumFields())
			for i, f := range n.Schema().Fields() {
				vals[i] = rowTestValue(l, f.Type, r, i)
			}
			out = append(out, vals)
		}
	}
	s, err := executeColumnar(n, ctx, 0, task)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for batches := 0; ; batches++ {
		if cancelAfter > 0 && batches == cancelAfter {
			cancel()
		}
		b, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		for r := 0; r < int(b.NumRows()); r++ {
			vals := make([]any, b.NumCols())
			for i, c := range b.Columns() {
				vals[i] = rowTestArrowValue(c, r)
			}
			out = append(out, vals)
		}
		b.Release()
	}
}

// sortValues sorts rows by their rendering, as sortTable does, rendering
// each row once.
func sortValues(tab [][]any) {
	keys := make(map[*any]string, len(tab))
	for _, r := range tab {
		if len(r) > 0 {
			keys[&r[0]] = fmt.Sprint(r...)
		}
	}
	slices.SortFunc(tab, func(a, b []any) int {
		if len(a) == 0 || len(b) == 0 {
			return len(a) - len(b)
		}
		return strings.Compare(keys[&a[0]], keys[&b[0]])
	})
}

// spillCounters returns a node's spilled bytes and spill file count.
func spillCounters(n Node) (int64, int64) {
	return n.Metrics().Counter(SpilledBytesMetric).Load(), n.Metrics().Counter(SpillCountMetric).Load()
}

// assertNoFiles fails when dir holds anything.
func assertNoFiles(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("file left in the temporary directory: %s", e.Name())
	}
}

// assertOOM fails unless err is the typed out-of-memory error.
func assertOOM(t *testing.T, err error) {
	t.Helper()
	var oom *resource.OutOfMemoryError
	if !errors.As(err, &oom) || !strings.Contains(err.Error(), "out of memory:") {
		t.Fatalf("error %v, want the out-of-memory error", err)
	}
}

func dataBytes(batches []arrow.RecordBatch) int64 {
	var n int64
	for _, b := range batches {
		n += spill.BatchBytes(b)
	}
	return n
}

// ---- sort ----

var spillSortCases = []struct {
	name string
	keys []sorting.SortKey
}{
	// Few distinct keys: most rows tie, so stability shows.
	{"flags", []sorting.SortKey{{Column: liReturnflag}, {Column: liLinestatus, Descending: true}}},
	{"orderkey desc, comment", []sorting.SortKey{{Column: liOrderkey, Descending: true, NullsFirst: false}, {Column: liComment, NullsFirst: true}}},
	{"double, decimal", []sorting.SortKey{{Column: liDouble}, {Column: liBig, Descending: true}}},
}

// TestSortSpills sorts with budgets that force spilling (an eighth of the
// data; input batches bigger than the budget, each its own run) and
// compares the result, row by row and value by value, with the unlimited
// sort's; both engines, columnar (off-heap budget) and row (heap budget).
func TestSortSpills(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	small := lineitemBatches(mem, 21, 20, 1000, 0.1)
	defer releaseBatches(small)
	big := lineitemBatches(mem, 22, 2, 8000, 0.1)
	defer releaseBatches(big)
	total := dataBytes(small)
	budgets := []struct {
		name    string
		batches []arrow.RecordBatch
		budget  int64
		rows    int // task batch size
	}{
		{"eighth", small, total / 8, 1000},
		{"batches bigger than the budget", big, dataBytes(big) / 4, 500},
	}
	for _, bc := range budgets {
		for si, sc := range spillSortCases {
			if si > 0 && bc.name != "eighth" {
				continue // one ordering is enough for the other budgets
			}
			for _, engine := range []string{"columnar", "row"} {
				t.Run(bc.name+"/"+sc.name+"/"+engine, func(t *testing.T) {
					var node Node
					var err error
					if engine == "columnar" {
						node, err = NewSort(newSpillTestSource(lineitemSchema, bc.batches, 0), sc.keys, nil, false)
					} else {
						csrc, rsrc := rowTestSources(t, bc.batches, 1)
						csrc.release()
						node, err = NewRowSort(rsrc, rowKeys(sc.keys), nil, false)
					}
					if err != nil {
						t.Fatal(err)
					}
					want, err := runValues(t, node, spillTask(t, mem, 0, 0, bc.rows), 0)
					if err != nil {
						t.Fatal(err)
					}
					if b, n := spillCounters(node); b != 0 || n != 0 {
						t.Fatalf("the unlimited sort spilled %d bytes in %d files", b, n)
					}
					var task *TaskContext
					if engine == "columnar" {
						task = spillTask(t, mem, bc.budget, 0, bc.rows)
					} else {
						task = spillTask(t, mem, 0, bc.budget, bc.rows)
					}
					got, err := runValues(t, node, task, 0)
					if err != nil {
						t.Fatal(err)
					}
					compareTables(t, got, want, 0)
					bytes, files := spillCounters(node)
					if bytes <= 0 || files < 2 || node.Metrics().Counter(SpillTimeMetric).Load() <= 0 {
						t.Errorf("spill metrics: %d bytes in %d files, %d ns", bytes, files, node.Metrics().Counter(SpillTimeMetric).Load())
					}
					pool := resource.OffHeap
					if engine == "row" {
						pool = resource.Heap
					}
					if task.Memory.Used(pool) != 0 {
						t.Errorf("%d bytes still reserved", task.Memory.Used(pool))
					}
					if peak := task.Memory.Peak(pool); peak > bc.budget {
						t.Errorf("peak reservation %d over the budget %d", peak, bc.budget)
					}
					assertNoFiles(t, task.TempDir)
				})
			}
		}
	}
}

// TestSortMergesInPasses drives the external sorts directly with a budget
// that cannot open all their runs at once: they merge in passes, and the
// result is still the stable sort of the input.
func TestSortMergesInPasses(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 24, 24, 1000, 0.1)
	defer releaseBatches(batches)
	keys := spillSortCases[0].keys
	budget := 4 * spill.DefaultCodec.FileOverhead()
	want := drainColumnarNode(t, mustSort(t, newSpillTestSource(lineitemSchema, batches, 0), keys), spillTask(t, mem, 0, 0, 300))
	met := newSpillMetrics(&Metrics{})
	ctx := context.Background()

	t.Run("columnar", func(t *testing.T) {
		task := spillTask(t, mem, budget, 0, 300)
		e := newExternalSort(ctx, task, "test sort", lineitemSchema, keys, met)
		defer e.release()
		for _, b := range batches {
			if err := e.add(b); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.finish(); err != nil {
			t.Fatal(err)
		}
		if e.passes == 0 {
			t.Fatalf("%d runs merged without a pass", len(e.runs))
		}
		var got [][]any
		for {
			b, err := e.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for r := 0; r < int(b.NumRows()); r++ {
				vals := make([]any, b.NumCols())
				for i, c := range b.Columns() {
					vals[i] = rowTestArrowValue(c, r)
				}
				got = append(got, vals)
			}
			b.Release()
		}
		compareTables(t, got, want, 0)
		if peak := task.Memory.Peak(resource.OffHeap); peak > budget {
			t.Errorf("peak reservation %d over the budget %d", peak, budget)
		}
		assertNoFiles(t, task.TempDir)
	})
	t.Run("row", func(t *testing.T) {
		task := spillTask(t, mem, 0, budget, 300)
		l := rowTestLayout(t, lineitemSchema)
		gauge := rowHeapGauge{}
		e := newRowExternalSort(ctx, task, "test row sort", rows.NewComparator(l, rowKeys(keys)), met, &gauge)
		defer e.release()
		for _, r := range batchRows(t, l, batches) {
			if err := e.add(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.finish(); err != nil {
			t.Fatal(err)
		}
		if e.passes == 0 {
			t.Fatalf("%d runs merged without a pass", len(e.runs))
		}
		var got [][]any
		for {
			r, err := e.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			vals := make([]any, l.NumFields())
			for i, f := range lineitemSchema.Fields() {
				vals[i] = rowTestValue(l, f.Type, r, i)
			}
			got = append(got, vals)
		}
		compareTables(t, got, want, 0)
		if peak := task.Memory.Peak(resource.Heap); peak > budget {
			t.Errorf("peak reservation %d over the budget %d", peak, budget)
		}
		assertNoFiles(t, task.TempDir)
	})
}

func mustSort(t *testing.T, child Node, keys []sorting.SortKey) *Sort {
	t.Helper()
	s, err := NewSort(child, keys, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSortSpillFailures checks that a failing input, a cancellation in the
// middle of the merge and a budget too small to merge end the sort with an
// error and leave no file behind.
func TestSortSpillFailures(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 23, 20, 1000, 0.1)
	defer releaseBatches(batches)
	budget := dataBytes(batches) / 6
	keys := spillSortCases[1].keys
	for _, engine := range []string{"columnar", "row"} {
		mk := func(failAt int) Node {
			if engine == "columnar" {
				s, _ := NewSort(newSpillTestSource(lineitemSchema, batches, failAt), keys, nil, false)
				return s
			}
			csrc, rsrc := rowTestSources(t, batches, 1)
			csrc.release()
			rsrc.failAt = int64(failAt * 1000)
			s, _ := NewRowSort(rsrc, rowKeys(keys), nil, false)
			return s
		}
		task := func(budget int64) *TaskContext {
			if engine == "columnar" {
				return spillTask(t, mem, budget, 0, 1000)
			}
			return spillTask(t, mem, 0, budget, 1000)
		}
		t.Run(engine+"/failing input", func(t *testing.T) {
			n := mk(15)
			tk := task(budget)
			_, err := runValues(t, n, tk, 0)
			if !errors.Is(err, errSpillTestFail) && !errors.Is(err, errRowTestFail) {
				t.Fatalf("error %v, want the input's", err)
			}
			if _, files := spillCounters(n); files == 0 {
				t.Error("nothing spilled before the failure")
			}
			assertNoFiles(t, tk.TempDir)
		})
		t.Run(engine+"/canceled mid-merge", func(t *testing.T) {
			n := mk(0)
			tk := task(budget)
			after := 3
			if engine == "row" {
				after = 3000
			}
			got, err := runValues(t, n, tk, after)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if len(got) == 0 || len(got) >= 20000 {
				t.Errorf("%d rows before the cancellation", len(got))
			}
			assertNoFiles(t, tk.TempDir)
		})
		t.Run(engine+"/too small to merge", func(t *testing.T) {
			n := mk(0)
			tk := task(spill.DefaultCodec.FileOverhead())
			_, err := runValues(t, n, tk, 0)
			assertOOM(t, err)
			assertNoFiles(t, tk.TempDir)
		})
	}
}

// ---- aggregation ----

var spillAggFuncs = []AggFunc{
	aggOf(agg.CountStar, -1), aggOf(agg.Sum, liPrice), aggOf(agg.Avg, liQuantity), aggOf(agg.Count, liComment),
	aggOf(agg.Min, liComment), aggOf(agg.Max, liShipdate), aggOf(agg.Sum, liPlain), aggOf(agg.Avg, liBig),
	aggOf(agg.Max, liBin),
}

// aggNode returns a columnar or row hash aggregation of src.
func aggNode(t *testing.T, engine string, src Node, mode AggMode, keys []int, funcs []AggFunc) Node {
	t.Helper()
	names := rowAggNames(numOutputs(len(keys), funcs, mode == AggPartial))
	var n Node
	var err error
	if engine == "columnar" {
		n, err = NewHashAggregate(src, mode, keys, funcs, names, "")
	} else {
		n, err = NewRowHashAggregate(src, mode, keys, rowFuncs(funcs), names, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// aggSource returns the engine's source over batches.
func aggSource(t *testing.T, engine string, schema *arrow.Schema, batches []arrow.RecordBatch, failAt int) Node {
	if engine == "columnar" {
		return newSpillTestSource(schema, batches, failAt)
	}
	l := rowTestLayout(t, schema)
	n := newRowTestRowNode(schema, [][]rows.Row{batchRows(t, l, batches)})
	n.failAt = int64(failAt * 1000)
	return n
}

// aggTask returns a task with a budget in the engine's pool.
func aggTask(t *testing.T, engine string, mem memory.Allocator, budget int64) *TaskContext {
	if engine == "columnar" {
		return spillTask(t, mem, budget, 0, 1000)
	}
	return spillTask(t, mem, 0, budget, 1000)
}

func enginePool(engine string) resource.PoolKind {
	if engine == "columnar" {
		return resource.OffHeap
	}
	return resource.Heap
}

// valuesBatch builds one batch of schema from rows of values (the
// representation of runValues), through the row format.
func valuesBatch(t *testing.T, mem memory.Allocator, schema *arrow.Schema, vals [][]any) arrow.RecordBatch {
	t.Helper()
	l := rowTestLayout(t, schema)
	w := rows.NewWriter(l)
	var rs []rows.Row
	for _, v := range vals {
		w.Reset()
		for i, x := range v {
			rowTestWriteGo(w, i, schema.Field(i).Type, x)
		}
		rs = append(rs, append(rows.Row(nil), w.Row()...))
	}
	return rowsBatch(t, mem, schema, l, rs)
}

// TestHashAggregateSpills runs Complete and Final aggregations with
// budgets that force spilling (and re-partitioning) and compares their
// results, sorted, value by value with the unlimited run's; and Partial
// aggregations with a budget that forces flushes, whose output a Final
// aggregation turns into the same answer. Both engines.
func TestHashAggregateSpills(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 31, 16, 1000, 0.1)
	defer releaseBatches(batches)
	// Keys that the columnar group table hashes (a long string): its
	// direct-indexed tables for small key domains take up to 4 MiB whatever
	// the number of groups, which re-partitioning cannot reduce.
	keys := []int{liOrderkey, liComment}
	nk := len(keys)
	for _, engine := range []string{"columnar", "row"} {
		pool := enginePool(engine)
		// The unlimited runs: Complete, and Partial then Final.
		complete := aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs)
		unl := aggTask(t, engine, mem, 0)
		want, err := runValues(t, complete, unl, 0)
		if err != nil {
			t.Fatal(err)
		}
		sortValues(want)
		peak := unl.Memory.Peak(pool)
		if peak <= 0 {
			t.Fatalf("%s: the unlimited aggregation reserved nothing", engine)
		}
		partialSchema := aggNode(t, engine, aggSource(t, engine, lineitemSchema, nil, 0), AggPartial, keys, spillAggFuncs).Schema()
		finalOver := func(t *testing.T, partial [][]any, task *TaskContext) (Node, [][]any, error) {
			pb := valuesBatch(t, mem, partialSchema, partial)
			defer pb.Release()
			// In batches of 1000 rows, as an exchange would deliver them.
			var parts []arrow.RecordBatch
			for off := int64(0); off < pb.NumRows(); off += 1000 {
				parts = append(parts, pb.NewSlice(off, min(pb.NumRows(), off+1000)))
			}
			defer releaseBatches(parts)
			n := aggNode(t, engine, aggSource(t, engine, partialSchema, parts, 0), AggFinal, seq(nk), finalFuncs(nk, spillAggFuncs))
			got, err := runValues(t, n, task, 0)
			sortValues(got)
			return n, got, err
		}

		// The smaller budget leaves too little to merge a sixteenth of the
		// groups: partitions are partitioned again. (A columnar group
		// table's least footprint is larger: its budget cannot be as small.)
		small := peak / 16
		if engine == "row" {
			small = peak / 40
		}
		for _, bc := range []struct {
			name   string
			budget int64
		}{{"quarter", peak / 4}, {"repartitioned", small}} {
			t.Run(engine+"/complete/"+bc.name, func(t *testing.T) {
				n := aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs)
				task := aggTask(t, engine, mem, bc.budget)
				got, err := runValues(t, n, task, 0)
				if err != nil {
					t.Fatal(err)
				}
				sortValues(got)
				compareTables(t, got, want, 1e-9)
				b, files := spillCounters(n)
				if b <= 0 || files <= 0 || n.Metrics().Counter(SpillTimeMetric).Load() <= 0 {
					t.Errorf("spill metrics: %d bytes in %d files", b, files)
				}
				if bc.name == "repartitioned" && files <= aggSpillPartitions {
					t.Errorf("%d spill files: no partition was partitioned again", files)
				}
				if task.Memory.Used(pool) != 0 {
					t.Errorf("%d bytes still reserved", task.Memory.Used(pool))
				}
				assertNoFiles(t, task.TempDir)
			})
			t.Run(engine+"/partial and final/"+bc.name, func(t *testing.T) {
				p := aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggPartial, keys, spillAggFuncs)
				task := aggTask(t, engine, mem, bc.budget)
				partial, err := runValues(t, p, task, 0)
				if err != nil {
					t.Fatal(err)
				}
				if flushes := p.Metrics().Counter(FlushCountMetric).Load(); flushes == 0 || len(partial) <= len(want) {
					t.Errorf("partial: %d flushes, %d rows for %d groups", flushes, len(partial), len(want))
				}
				if _, files := spillCounters(p); files != 0 {
					t.Errorf("a partial aggregation spilled %d files", files)
				}
				assertNoFiles(t, task.TempDir)
				// The final aggregation, with the same budget: it spills.
				ftask := aggTask(t, engine, mem, bc.budget)
				f, got, err := finalOver(t, partial, ftask)
				if err != nil {
					t.Fatal(err)
				}
				compareTables(t, got, want, 1e-9)
				if _, files := spillCounters(f); files == 0 {
					t.Error("the final aggregation did not spill")
				}
				assertNoFiles(t, ftask.TempDir)
			})
		}
	}
}

// TestHashAggregateSpillFailures checks the errors of spilling
// aggregations: a failing input, a cancellation while merging partitions,
// a budget too small for any partition, and DISTINCT (and, for rows,
// row-only aggregates) that cannot spill; no file is left behind.
func TestHashAggregateSpillFailures(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 32, 20, 1000, 0.1)
	defer releaseBatches(batches)
	keys := []int{liOrderkey}
	for _, engine := range []string{"columnar", "row"} {
		unl := aggTask(t, engine, mem, 0)
		if _, err := runValues(t, aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs), unl, 0); err != nil {
			t.Fatal(err)
		}
		budget := unl.Memory.Peak(enginePool(engine)) / 8
		t.Run(engine+"/failing input", func(t *testing.T) {
			n := aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 15), AggComplete, keys, spillAggFuncs)
			task := aggTask(t, engine, mem, budget)
			_, err := runValues(t, n, task, 0)
			if !errors.Is(err, errSpillTestFail) && !errors.Is(err, errRowTestFail) {
				t.Fatalf("error %v, want the input's", err)
			}
			if _, files := spillCounters(n); files == 0 {
				t.Error("nothing spilled before the failure")
			}
			assertNoFiles(t, task.TempDir)
		})
		t.Run(engine+"/canceled while merging", func(t *testing.T) {
			n := aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs)
			task := aggTask(t, engine, mem, budget)
			task.BatchSize = 100
			after := 2
			if engine == "row" {
				after = 200
			}
			got, err := runValues(t, n, task, after)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if len(got) == 0 {
				t.Error("no rows before the cancellation")
			}
			assertNoFiles(t, task.TempDir)
		})
		t.Run(engine+"/too small", func(t *testing.T) {
			n := aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs)
			task := aggTask(t, engine, mem, 1024)
			_, err := runValues(t, n, task, 0)
			assertOOM(t, err)
			assertNoFiles(t, task.TempDir)
		})
		t.Run(engine+"/distinct", func(t *testing.T) {
			d := aggOf(agg.Count, liComment)
			d.Distinct = true
			n := aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggComplete, keys, []AggFunc{aggOf(agg.CountStar, -1), d})
			task := aggTask(t, engine, mem, budget/4)
			_, err := runValues(t, n, task, 0)
			assertOOM(t, err)
			if !strings.Contains(err.Error(), "DISTINCT") {
				t.Errorf("error %v does not say DISTINCT cannot spill", err)
			}
			assertNoFiles(t, task.TempDir)
		})
	}
	t.Run("row/row-only aggregate", func(t *testing.T) {
		src := aggSource(t, "row", lineitemSchema, batches, 0)
		f := RowAggFunc{Func: rowagg.Spec{Name: "collect_list", InputType: lineitemSchema.Field(liComment).Type}, Input: liComment}
		n, err := NewRowHashAggregate(src, AggComplete, keys, []RowAggFunc{f}, rowAggNames(2), "")
		if err != nil {
			t.Fatal(err)
		}
		task := aggTask(t, "row", mem, 64<<10)
		_, err = runValues(t, n, task, 0)
		assertOOM(t, err)
		if !strings.Contains(err.Error(), "collect_list") {
			t.Errorf("error %v does not name the aggregate", err)
		}
	})
}
