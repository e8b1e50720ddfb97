package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/resource"
)

// exSchema is the exchange tests' input: a unique id, a key with NULLs and
// duplicates, a string and a decimal.
var exSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: columnar.Int64},
	{Name: "k", Type: columnar.Int64, Nullable: true},
	{Name: "s", Type: columnar.String, Nullable: true},
	{Name: "d", Type: columnar.Decimal(12, 2), Nullable: true},
	{Name: "dt", Type: columnar.Date, Nullable: true},
}, nil)

// exInput returns maps partitions of nb batches of n rows each.
func exInput(mem memory.Allocator, maps, nb, n int) [][]arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(uint64(maps), uint64(n)))
	parts := make([][]arrow.RecordBatch, maps)
	id := int64(0)
	for m := range parts {
		for i := 0; i < nb; i++ {
			b := array.NewRecordBuilder(mem, exSchema)
			for r := 0; r < n; r++ {
				b.Field(0).(*array.Int64Builder).Append(id)
				id++
				k := rng.Int64N(1000)
				if k%17 == 0 {
					b.Field(1).AppendNull()
				} else {
					b.Field(1).(*array.Int64Builder).Append(k)
				}
				if k%5 == 0 {
					b.Field(2).AppendNull()
				} else {
					b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("value-%d", k*31))
				}
				b.Field(3).AppendNull()
				b.Field(4).(*array.Date32Builder).Append(arrow.Date32(k))
			}
			parts[m] = append(parts[m], b.NewRecordBatch())
			b.Release()
		}
	}
	return parts
}

func exRelease(parts [][]arrow.RecordBatch) {
	for _, p := range parts {
		for _, b := range p {
			b.Release()
		}
	}
}

// exRow is a row of the test schema as comparable values.
type exRow struct {
	id   int64
	k    int64
	kNil bool
	s    string
	sNil bool
	dt   int32
}

func exRows(b arrow.RecordBatch) []exRow {
	out := make([]exRow, b.NumRows())
	ids := b.Column(0).(*array.Int64)
	ks := b.Column(1).(*array.Int64)
	ss := b.Column(2).(*array.String)
	dts := b.Column(4).(*array.Date32)
	for i := range out {
		out[i] = exRow{id: ids.Value(i), k: ks.Value(i), kNil: ks.IsNull(i), s: ss.Value(i), sNil: ss.IsNull(i), dt: int32(dts.Value(i))}
		if out[i].kNil {
			out[i].k = 0
		}
		if out[i].sNil {
			out[i].s = ""
		}
	}
	return out
}

// exPartitions reads every reduce partition of n (columnar) into rows.
func exPartitions(t *testing.T, mem memory.Allocator, n ColumnarNode) [][]exRow {
	t.Helper()
	out := make([][]exRow, n.NumPartitions())
	for p := range out {
		task := &TaskContext{Alloc: mem, BatchSize: 512, Memory: resource.NewTaskMemory(0, 0)}
		s, err := n.Execute(context.Background(), p, task)
		if err != nil {
			t.Fatal(err)
		}
		err = Drain(context.Background(), s, func(b arrow.RecordBatch) error {
			out[p] = append(out[p], exRows(b)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func exExecutor(mem memory.Allocator, dir string) *Executor {
	return &Executor{Runner: testRunner(), Alloc: mem, BatchSize: 512, TempDir: dir}
}

func exWant(parts [][]arrow.RecordBatch) map[int64]exRow {
	want := map[int64]exRow{}
	for _, p := range parts {
		for _, b := range p {
			for _, r := range exRows(b) {
				want[r.id] = r
			}
		}
	}
	return want
}

// exCheckAll checks that the partitions hold every input row once.
func exCheckAll(t *testing.T, got [][]exRow, want map[int64]exRow) {
	t.Helper()
	seen := map[int64]bool{}
	for p, rs := range got {
		for _, r := range rs {
			if seen[r.id] {
				t.Fatalf("row %d read twice (partition %d)", r.id, p)
			}
			seen[r.id] = true
			if w, ok := want[r.id]; !ok || w != r {
				t.Fatalf("row %d read as %+v, written as %+v", r.id, r, w)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("read %d rows, wrote %d", len(seen), len(want))
	}
}

func TestExchangeThroughExecutor(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input := exInput(mem, 3, 4, 300)
	defer exRelease(input)
	want := exWant(input)
	for _, codec := range []string{"lz4", "zstd"} {
		for _, n := range []int{1, 7, 200} {
			for _, kind := range []PartitioningKind{HashPartitioning, RoundRobinPartitioning, SinglePartition} {
				if kind == SinglePartition && n != 1 {
					continue
				}
				t.Run(fmt.Sprintf("%s/%d/%v", codec, n, kind), func(t *testing.T) {
					dir := t.TempDir()
					src := newRowTestBatchNode(exSchema, input)
					defer src.release()
					part := Partitioning{Kind: kind, N: n}
					if kind == HashPartitioning {
						part.Keys, part.Labels = []int{1, 2}, []string{"k#1", "s#2"}
					}
					opts := DefaultExchangeOptions()
					opts.Codec = codec
					ex, err := NewExchangeWithOptions(src, part, 4, opts)
					if err != nil {
						t.Fatal(err)
					}
					x := exExecutor(mem, dir)
					stages := SplitStages(ex)
					if err := x.RunMapStage(context.Background(), stages[0]); err != nil {
						t.Fatal(err)
					}
					if !ex.Materialized() {
						t.Fatal("not materialized after the map stage")
					}
					got := exPartitions(t, mem, ex)
					exCheckAll(t, got, want)
					rows, bytes := ex.PartitionSizes()
					var totalRows, totalBytes int64
					for p := range got {
						if rows[p] != int64(len(got[p])) {
							t.Errorf("partition %d: PartitionSizes says %d rows, read %d", p, rows[p], len(got[p]))
						}
						if (bytes[p] == 0) != (len(got[p]) == 0) {
							t.Errorf("partition %d: %d bytes for %d rows", p, bytes[p], len(got[p]))
						}
						totalRows += rows[p]
						totalBytes += bytes[p]
					}
					if kind == HashPartitioning {
						for p, rs := range got {
							for _, r := range rs {
								if q := exHashPartition(t, mem, r, n); q != p {
									t.Fatalf("row %d in partition %d, its hash picks %d", r.id, p, q)
								}
							}
						}
					}
					st, err := ex.MapStatuses()
					if err != nil || len(st) != 3 {
						t.Fatalf("MapStatuses: %d, %v", len(st), err)
					}
					m := ex.Metrics()
					dataSize := m.Counter(ExchangeDataSizeMetric).Load()
					if d := float64(totalBytes-dataSize) / float64(dataSize); d < -0.1 || d > 0.1 {
						t.Errorf("statuses estimate %d bytes, data files hold %d", totalBytes, dataSize)
					}
					if m.Counter(ExchangeInputRowsMetric).Load() != int64(len(want)) || m.Counter(ExchangeInputBatchesMetric).Load() != 12 ||
						m.Counter(ExchangeNumPartitionsMetric).Load() != int64(n) || m.Counter(ExchangePeakBytesMetric).Load() <= 0 ||
						m.OutputRows.Load() != int64(len(want)) {
						t.Errorf("metrics %v, output rows %d", m.Extra(), m.OutputRows.Load())
					}
					if len(exShuffleFiles(t, dir)) != 6 {
						t.Errorf("files %v, want a data and an index file per map task", exShuffleFiles(t, dir))
					}
					ex.Release()
					if f := exShuffleFiles(t, dir); len(f) != 0 {
						t.Errorf("files left after Release: %v", f)
					}
				})
			}
		}
	}
}

// exHashPartition returns the hash partition of a row's keys (k, s).
func exHashPartition(t *testing.T, mem memory.Allocator, r exRow, n int) int {
	kb := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	defer kb.Release()
	defer sb.Release()
	if r.kNil {
		kb.AppendNull()
	} else {
		kb.Append(r.k)
	}
	if r.sNil {
		sb.AppendNull()
	} else {
		sb.Append(r.s)
	}
	k, s := kb.NewArray(), sb.NewArray()
	defer k.Release()
	defer s.Release()
	h := make([]uint64, 1)
	if err := columnar.HashColumns([]arrow.Array{k, s}, h); err != nil {
		t.Fatal(err)
	}
	return int(h[0] % uint64(n))
}

func exShuffleFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestExchangeRunQuery(t *testing.T) {
	// The whole flow through Executor.Run: the map stage, the reduce tasks,
	// and Close removing the query's directory.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input := exInput(mem, 4, 2, 250)
	defer exRelease(input)
	src := newRowTestBatchNode(exSchema, input)
	defer src.release()
	ex, err := NewExchange(src, Partitioning{Kind: HashPartitioning, Keys: []int{1}, Labels: []string{"k#1"}, N: 9}, 1)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	x := &Executor{Runner: testRunner(), Alloc: mem, BatchSize: 256, TempRoot: root}
	rs := x.Run(context.Background(), ex)
	var got []exRow
	for {
		b, err := rs.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			rs.Close()
			t.Fatal(err)
		}
		got = append(got, exRows(b)...)
		b.Release()
	}
	rs.Close()
	exCheckAll(t, [][]exRow{got}, exWant(input))
	if f := exShuffleFiles(t, root); len(f) != 0 {
		t.Errorf("left in the temporary root after Close: %v", f)
	}
}

func TestExchangeDetail(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := newRowTestBatchNode(exSchema, [][]arrow.RecordBatch{nil})
	cases := []struct {
		part Partitioning
		want string
	}{
		{Partitioning{Kind: HashPartitioning, Keys: []int{0}, Labels: []string{"a#1"}, N: 200}, " hashpartitioning(a#1, 200), ENSURE_REQUIREMENTS, [plan_id=1]"},
		{Partitioning{Kind: RangePartitioning, SortKeys: []sorting.SortKey{{Column: 0, NullsFirst: true}}, Labels: []string{"a#1 ASC NULLS FIRST"}, N: 200}, " rangepartitioning(a#1 ASC NULLS FIRST, 200), ENSURE_REQUIREMENTS, [plan_id=1]"},
		{Partitioning{Kind: SinglePartition}, " SinglePartition, ENSURE_REQUIREMENTS, [plan_id=1]"},
		{Partitioning{Kind: RoundRobinPartitioning, N: 5}, " RoundRobinPartitioning(5), ENSURE_REQUIREMENTS, [plan_id=1]"},
	}
	for _, c := range cases {
		ex, err := NewExchange(src, c.part, 1)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Name() != "Exchange" || ex.Detail() != c.want {
			t.Errorf("%s%s, want Exchange%s", ex.Name(), ex.Detail(), c.want)
		}
	}
	bad := []struct {
		part Partitioning
		opts ExchangeOptions
		want string
	}{
		{Partitioning{Kind: HashPartitioning, N: 0, Keys: []int{0}}, ExchangeOptions{}, "0 partitions"},
		{Partitioning{Kind: HashPartitioning, N: 3, Keys: []int{9}}, ExchangeOptions{}, "out of range"},
		{Partitioning{Kind: RangePartitioning, N: 3}, ExchangeOptions{}, "without sort keys"},
		{Partitioning{Kind: RoundRobinPartitioning, N: 3}, ExchangeOptions{Codec: "gzip"}, "none, lz4, s2, zstd"},
	}
	for _, b := range bad {
		if _, err := NewExchangeWithOptions(src, b.part, 1, b.opts); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v with %+v: %v, want %q", b.part, b.opts, err, b.want)
		}
	}
}

func TestShuffleRead(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input := exInput(mem, 2, 3, 200)
	defer exRelease(input)
	src := newRowTestBatchNode(exSchema, input)
	defer src.release()
	ex, err := NewExchange(src, Partitioning{Kind: HashPartitioning, Keys: []int{0}, Labels: []string{"id#0"}, N: 7}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Release()
	if _, err := NewShuffleRead(nil, ex, []PartitionSpec{{0, 7}}); err != nil {
		t.Fatal(err)
	}
	x := exExecutor(mem, t.TempDir())
	if err := x.RunMapStage(context.Background(), SplitStages(ex)[0]); err != nil {
		t.Fatal(err)
	}
	single := exPartitions(t, mem, ex)
	cases := []struct {
		specs  []PartitionSpec
		detail string
	}{
		{[]PartitionSpec{{0, 3}, {3, 3}, {3, 7}}, " coalesced"},
		{[]PartitionSpec{{0, 7}}, " coalesced"},
		{[]PartitionSpec{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}}, ""},
		{[]PartitionSpec{{5, 6}, {1, 2}}, ""},
	}
	for _, c := range cases {
		r, err := NewShuffleRead(ex, ex, c.specs)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name() != "AQEShuffleRead" || r.Detail() != c.detail || r.NumPartitions() != len(c.specs) {
			t.Errorf("%v: %s%s with %d partitions", c.specs, r.Name(), r.Detail(), r.NumPartitions())
		}
		got := exPartitions(t, mem, r)
		for i, s := range c.specs {
			var want []exRow
			for p := s.Start; p < s.End; p++ {
				want = append(want, single[p]...)
			}
			if !slices.Equal(exIDs(got[i]), exIDs(want)) {
				t.Errorf("spec %v: %d rows, partitions read alone give %d", s, len(got[i]), len(want))
			}
		}
	}
	for _, bad := range [][]PartitionSpec{{{0, 8}}, {{3, 2}}, {{-1, 1}}, nil} {
		if _, err := NewShuffleRead(ex, ex, bad); err == nil {
			t.Errorf("specs %v accepted", bad)
		}
	}
}

func exIDs(rs []exRow) []int64 {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.id
	}
	slices.Sort(ids)
	return ids
}

func TestRangeExchangeOrdersPartitions(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input := exInput(mem, 3, 4, 500)
	defer exRelease(input)
	want := exWant(input)
	for _, desc := range []bool{false, true} {
		t.Run(fmt.Sprintf("desc=%v", desc), func(t *testing.T) {
			src := newRowTestBatchNode(exSchema, input)
			defer src.release()
			keys := []sorting.SortKey{{Column: 1, Descending: desc, NullsFirst: !desc}, {Column: 0}}
			ex, err := NewExchange(src, Partitioning{Kind: RangePartitioning, SortKeys: keys, Labels: []string{"k#1", "id#0"}, N: 8}, 3)
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Release()
			if !ex.NeedsSampling() {
				t.Fatal("a range exchange does not ask for sampling")
			}
			task := &TaskContext{Alloc: mem, BatchSize: 512, TempDir: t.TempDir()}
			if err := ex.RunMapTask(context.Background(), 0, task); err == nil || !strings.Contains(err.Error(), "sampling") {
				t.Errorf("a map task before sampling: %v", err)
			}
			// The executor runs the sampling pass, then the map tasks.
			x := exExecutor(mem, t.TempDir())
			if err := x.RunMapStage(context.Background(), SplitStages(ex)[0]); err != nil {
				t.Fatal(err)
			}
			if ex.NeedsSampling() || ex.RangeBounds() == nil || ex.RangeBounds().NumRows() != 7 {
				t.Fatalf("after the stage: needs sampling %v, bounds %v", ex.NeedsSampling(), ex.RangeBounds())
			}
			got := exPartitions(t, mem, ex)
			exCheckAll(t, got, want)
			less := func(a, b exRow) bool { // a sorts before b
				if a.kNil != b.kNil {
					return a.kNil == !desc
				}
				if a.k != b.k {
					return (a.k < b.k) != desc
				}
				return a.id < b.id
			}
			var prev *exRow
			total := len(want)
			for p, rs := range got {
				if len(rs) < total/8/3 || len(rs) > 3*total/8 {
					t.Errorf("partition %d holds %d of %d rows: the bounds do not balance", p, len(rs), total)
				}
				slices.SortFunc(rs, func(a, b exRow) int {
					if less(a, b) {
						return -1
					}
					if less(b, a) {
						return 1
					}
					return 0
				})
				if len(rs) > 0 && prev != nil && less(rs[0], *prev) {
					t.Fatalf("partition %d starts with %+v, before %+v of the partition before", p, rs[0], *prev)
				}
				if len(rs) > 0 {
					prev = &rs[len(rs)-1]
				}
			}
		})
	}
}

func TestRowExchangeMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input := exInput(mem, 3, 3, 400)
	defer exRelease(input)
	want := exWant(input)
	parts := []Partitioning{
		{Kind: HashPartitioning, Keys: []int{1, 2}, Labels: []string{"k#1", "s#2"}, N: 11},
		{Kind: RangePartitioning, SortKeys: []sorting.SortKey{{Column: 1, NullsFirst: true}}, Labels: []string{"k#1 ASC NULLS FIRST"}, N: 5},
		{Kind: SinglePartition},
		{Kind: RoundRobinPartitioning, N: 4},
	}
	for _, part := range parts {
		t.Run(part.String(), func(t *testing.T) {
			dir := t.TempDir()
			x := exExecutor(mem, dir)
			src := newRowTestBatchNode(exSchema, input)
			defer src.release()
			ex, err := NewExchange(src, part, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Release()
			if err := x.RunMapStage(context.Background(), SplitStages(ex)[0]); err != nil {
				t.Fatal(err)
			}
			colParts := exPartitions(t, mem, ex)

			c2r, err := NewColumnarToRow(src)
			if err != nil {
				t.Fatal(err)
			}
			rex, err := NewRowExchange(c2r, part, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer rex.Release()
			if rex.Name() != ex.Name() || rex.Detail() != ex.Detail() {
				t.Errorf("row exchange prints %s%s, the columnar one %s%s", rex.Name(), rex.Detail(), ex.Name(), ex.Detail())
			}
			stages := SplitStages(rex)
			if len(stages) != 2 || stages[0].Output != StageOutput(rex) {
				t.Fatalf("a row exchange is not split into its own stage: %v", stages)
			}
			if err := x.RunMapStage(context.Background(), stages[0]); err != nil {
				t.Fatal(err)
			}
			r2c, err := NewRowToColumnar(rex)
			if err != nil {
				t.Fatal(err)
			}
			rowParts := exPartitions(t, mem, r2c)
			exCheckAll(t, rowParts, want)
			rowsCol, bytesCol := ex.PartitionSizes()
			rowsRow, bytesRow := rex.PartitionSizes()
			for p := range colParts {
				if part.Kind == RangePartitioning {
					// Both sample with the same seeds and sizes: the same
					// bounds, the same partitions.
					if !slices.Equal(exIDs(colParts[p]), exIDs(rowParts[p])) {
						t.Errorf("range partition %d: %d rows columnar, %d as rows", p, len(colParts[p]), len(rowParts[p]))
					}
				}
				if part.Kind == HashPartitioning && !slices.Equal(exIDs(colParts[p]), exIDs(rowParts[p])) {
					t.Errorf("hash partition %d: %d rows columnar, %d as rows", p, len(colParts[p]), len(rowParts[p]))
				}
				if part.Kind == HashPartitioning && (rowsCol[p] != rowsRow[p] || (bytesCol[p] == 0) != (bytesRow[p] == 0)) {
					t.Errorf("partition %d sizes: columnar %d rows %d bytes, rows %d rows %d bytes", p, rowsCol[p], bytesCol[p], rowsRow[p], bytesRow[p])
				}
			}
			if st, err := rex.MapStatuses(); err != nil || len(st) != 3 {
				t.Errorf("row exchange statuses: %d, %v", len(st), err)
			}
			rex.Release()
			ex.Release()
			if f := exShuffleFiles(t, dir); len(f) != 0 {
				t.Errorf("files left after Release: %v", f)
			}
		})
	}
}

func TestExchangeStatusesOutOfMemory(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input := exInput(mem, 4, 1, 50)
	defer exRelease(input)
	src := newRowTestBatchNode(exSchema, input)
	defer src.release()
	ex, err := NewExchange(src, Partitioning{Kind: RoundRobinPartitioning, N: 300}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Release()
	x := exExecutor(mem, t.TempDir())
	if err := x.RunMapStage(context.Background(), SplitStages(ex)[0]); err != nil {
		t.Fatal(err)
	}
	need := ex.Tracker().StatusesMemory(ex.ShuffleID())
	if need < 4*300 {
		t.Fatalf("4 statuses of 300 partitions take %d bytes", need)
	}
	task := &TaskContext{Alloc: mem, BatchSize: 512, Memory: resource.NewTaskMemory(0, need/2)}
	s, err := ex.Execute(context.Background(), 0, task)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Next()
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "out of memory:") || !strings.Contains(err.Error(), "4 map tasks x 300 partitions") {
		t.Errorf("reading with half the statuses' memory: %v", err)
	}
	task.Memory = resource.NewTaskMemory(0, need)
	s, err = ex.Execute(context.Background(), 0, task)
	if err != nil {
		t.Fatal(err)
	}
	if err := Drain(context.Background(), s, func(arrow.RecordBatch) error { return nil }); err != nil {
		t.Errorf("reading with enough heap: %v", err)
	}
	if task.Memory.Used(resource.Heap) != 0 || task.Memory.Peak(resource.Heap) != need {
		t.Errorf("heap used %d, peak %d; the statuses take %d", task.Memory.Used(resource.Heap), task.Memory.Peak(resource.Heap), need)
	}
}

func TestExchangeMapTaskErrorRemovesFiles(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	layout := rowTestLayout(t, exSchema)
	input := exInput(mem, 1, 2, 300)
	defer exRelease(input)
	src := newRowTestRowNode(exSchema, [][]rows.Row{batchRows(t, layout, input[0])})
	src.failAt = 500
	r2c, err := NewRowToColumnar(src)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := NewExchange(r2c, Partitioning{Kind: HashPartitioning, Keys: []int{0}, N: 5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Release()
	dir := t.TempDir()
	task := &TaskContext{Alloc: mem, BatchSize: 100, TempDir: dir, Memory: resource.NewTaskMemory(16<<10, 0)}
	if err := ex.RunMapTask(context.Background(), 0, task); !errors.Is(err, errRowTestFail) {
		t.Errorf("map task over a failing input: %v", err)
	}
	if f := exShuffleFiles(t, dir); len(f) != 0 {
		t.Errorf("files left by a failed map task: %v", f)
	}
	if task.Memory.Used(resource.OffHeap) != 0 {
		t.Errorf("%d bytes reserved after a failed map task", task.Memory.Used(resource.OffHeap))
	}
	// The same for the row exchange.
	rex, err := NewRowExchange(src, Partitioning{Kind: HashPartitioning, Keys: []int{0}, N: 5}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer rex.Release()
	task.Memory = resource.NewTaskMemory(0, 16<<10)
	if err := rex.RunMapTask(context.Background(), 0, task); !errors.Is(err, errRowTestFail) {
		t.Errorf("row map task over a failing input: %v", err)
	}
	if f := exShuffleFiles(t, dir); len(f) != 0 {
		t.Errorf("files left by a failed row map task: %v", f)
	}
	if task.Memory.Used(resource.Heap) != 0 {
		t.Errorf("%d bytes of heap reserved after a failed row map task", task.Memory.Used(resource.Heap))
	}
}
