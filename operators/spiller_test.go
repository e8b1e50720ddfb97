package operators

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/resource"
)

// Spill requests: another consumer of a task that cannot get its memory
// asks the task's idle spillable operators to spill (Spark's
// TaskMemoryManager). These tests put such a consumer where an operator
// waits on its child, check that the consumer gets its memory only because
// the operator spilled and that the answer is unchanged; and that a request
// made while the operator is busy frees nothing and corrupts nothing.

// ---- where the pressure comes from ----

// pressureNode passes its child's batches through, calling hook before it
// asks the child for batch i (from 0): the operator above waits on it
// then, its state consistent.
type pressureNode struct {
	base
	child Node
	hook  func(i int, task *TaskContext)
}

func newPressureNode(child Node, hook func(i int, task *TaskContext)) *pressureNode {
	n := &pressureNode{child: child, hook: hook}
	n.schema = child.Schema()
	n.children = []Node{child}
	return n
}

func (n *pressureNode) Name() string       { return "Pressure" }
func (n *pressureNode) Detail() string     { return "" }
func (n *pressureNode) NumPartitions() int { return n.child.NumPartitions() }

func (n *pressureNode) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(n.child, ctx, p, task)
	if err != nil {
		return nil, err
	}
	return &pressureStream{n: n, in: in, task: task}, nil
}

type pressureStream struct {
	n    *pressureNode
	in   Stream
	task *TaskContext
	i    int
}

func (s *pressureStream) Next() (arrow.RecordBatch, error) {
	s.n.hook(s.i, s.task)
	s.i++
	return s.in.Next()
}

func (s *pressureStream) Close() { s.in.Close() }

// rowPressureNode is pressureNode for rows: hook runs before row i.
type rowPressureNode struct {
	base
	child Node
	hook  func(i int, task *TaskContext)
}

func newRowPressureNode(child Node, hook func(i int, task *TaskContext)) *rowPressureNode {
	n := &rowPressureNode{child: child, hook: hook}
	n.schema = child.Schema()
	n.children = []Node{child}
	return n
}

func (n *rowPressureNode) Name() string       { return "RowPressure" }
func (n *rowPressureNode) Detail() string     { return "" }
func (n *rowPressureNode) NumPartitions() int { return n.child.NumPartitions() }

func (n *rowPressureNode) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	in, err := executeRows(n.child, ctx, p, task)
	if err != nil {
		return nil, err
	}
	return &rowPressureStream{n: n, in: in, task: task}, nil
}

type rowPressureStream struct {
	n    *rowPressureNode
	in   RowStream
	task *TaskContext
	i    int
}

func (s *rowPressureStream) Next() (rows.Row, error) {
	s.n.hook(s.i, s.task)
	s.i++
	return s.in.Next()
}

func (s *rowPressureStream) Close() { s.in.Close() }

// pressured returns src (a columnar or row node) with hook in front.
func pressured(src Node, hook func(i int, task *TaskContext)) Node {
	if _, ok := src.(RowNode); ok {
		return newRowPressureNode(src, hook)
	}
	return newPressureNode(src, hook)
}

// squeeze is another consumer of the task: it asks for what the pool has
// left plus half of what the task's consumers hold, which it gets only if
// they spill, and gives it back at once.
type squeeze struct {
	pool resource.PoolKind
	at   int // the batch (row) before which it asks
	ran  bool
	held int64 // what the task held in the pool then
	err  error // the Grow's: nil when it got the memory
}

func (q *squeeze) hook(i int, task *TaskContext) {
	if i != q.at {
		return
	}
	q.ran = true
	m := task.Memory
	q.held = m.Used(q.pool)
	r := m.NewReservation("test consumer", q.pool)
	defer r.Free()
	q.err = r.Grow(m.Limit(q.pool) - q.held + q.held/2)
}

// check fails unless the squeeze ran and got its memory from a spill of
// the operator's.
func (q *squeeze) check(t *testing.T, task *TaskContext) {
	t.Helper()
	if !q.ran || q.held == 0 {
		t.Fatalf("the other consumer ran: %v, with %d bytes held", q.ran, q.held)
	}
	if q.err != nil {
		t.Fatalf("the other consumer did not get its memory (the operator held %d bytes): %v", q.held, q.err)
	}
	if req, freed := task.Memory.Spills(); req == 0 || freed < q.held/2 {
		t.Errorf("%d spill requests freed %d bytes of %d held", req, freed, q.held)
	}
}

// unwrap returns the operator's own stream under its metering.
func unwrap(s Stream) Stream {
	if m, ok := s.(*meteredStream); ok {
		return m.in
	}
	return s
}

func unwrapRows(s RowStream) RowStream {
	if m, ok := s.(*meteredRows); ok {
		return m.in
	}
	return s
}

// ---- hash aggregation ----

// TestHashAggregateSpillsOnRequest: a hash aggregation holding its groups
// while it waits for its next input batch spills them when another
// consumer of the task needs the memory (Complete: partitioned spill and
// merge; Partial: its states written out and emitted), and the answer is
// unchanged. Both engines; the budget is one the aggregation never fills
// by itself.
func TestHashAggregateSpillsOnRequest(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 41, 16, 1000, 0.1)
	defer releaseBatches(batches)
	keys := []int{liOrderkey, liComment}
	nk := len(keys)
	for _, engine := range []string{"columnar", "row"} {
		pool := enginePool(engine)
		unl := aggTask(t, engine, mem, 0)
		want, err := runValues(t, aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs), unl, 0)
		if err != nil {
			t.Fatal(err)
		}
		sortValues(want)
		budget := 4 * unl.Memory.Peak(pool)
		at := 8 // of 16 batches
		if engine == "row" {
			at = 8000 // rows
		}
		for _, mode := range []AggMode{AggComplete, AggPartial} {
			name := map[AggMode]string{AggComplete: "complete", AggPartial: "partial"}[mode]
			t.Run(engine+"/"+name, func(t *testing.T) {
				q := &squeeze{pool: pool, at: at}
				n := aggNode(t, engine, pressured(aggSource(t, engine, lineitemSchema, batches, 0), q.hook), mode, keys, spillAggFuncs)
				task := aggTask(t, engine, mem, budget)
				got, err := runValues(t, n, task, 0)
				if err != nil {
					t.Fatal(err)
				}
				q.check(t, task)
				if _, files := spillCounters(n); files == 0 {
					t.Error("the aggregation wrote no spill file")
				}
				if f := n.Metrics().Counter(FlushCountMetric).Load(); f != 0 {
					t.Errorf("%d flushes under a budget the aggregation never fills", f)
				}
				if mode == AggPartial {
					// The partial states, merged, give the same answer.
					got = finalOverValues(t, engine, mem, n.Schema(), got, nk)
				}
				sortValues(got)
				compareTables(t, got, want, 1e-9)
				if u := task.Memory.Used(pool); u != 0 {
					t.Errorf("%d bytes still reserved", u)
				}
				assertNoFiles(t, task.TempDir)
			})
		}
	}
}

// finalOverValues runs a Final aggregation (no budget) over partial rows of
// schema and returns its rows.
func finalOverValues(t *testing.T, engine string, mem memory.Allocator, schema *arrow.Schema, partial [][]any, nk int) [][]any {
	t.Helper()
	pb := valuesBatch(t, mem, schema, partial)
	defer pb.Release()
	var parts []arrow.RecordBatch
	for off := int64(0); off < pb.NumRows(); off += 1000 {
		parts = append(parts, pb.NewSlice(off, min(pb.NumRows(), off+1000)))
	}
	defer releaseBatches(parts)
	f := aggNode(t, engine, aggSource(t, engine, schema, parts, 0), AggFinal, seq(nk), finalFuncs(nk, spillAggFuncs))
	got, err := runValues(t, f, aggTask(t, engine, mem, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestHashAggregateSpillRequestWhileBusy: a spill request made while the
// aggregation holds its state (here: the test holds the state lock, as the
// stream does while it updates its groups) frees nothing and leaves the
// groups alone; the same request once the state is free spills. Both
// engines.
func TestHashAggregateSpillRequestWhileBusy(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 42, 8, 1000, 0.1)
	defer releaseBatches(batches)
	keys := []int{liOrderkey}
	for _, engine := range []string{"columnar", "row"} {
		t.Run(engine, func(t *testing.T) {
			want, err := runValues(t, aggNode(t, engine, aggSource(t, engine, lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs), aggTask(t, engine, mem, 0), 0)
			if err != nil {
				t.Fatal(err)
			}
			sortValues(want)
			at := 4
			if engine == "row" {
				at = 4000
			}
			var request func(need int64) (int64, error) // the stream's spill callback
			var lock sync.Locker                        // its state lock
			var groups func() int                       // its groups
			var checked bool
			hook := func(i int, task *TaskContext) {
				if i != at {
					return
				}
				checked = true
				held := task.Memory.Used(enginePool(engine))
				n := groups()
				lock.Lock()
				freed, err := request(1 << 40)
				lock.Unlock()
				if freed != 0 || err != nil || groups() != n || task.Memory.Used(enginePool(engine)) != held {
					t.Errorf("a request while busy freed %d (%v); groups %d -> %d", freed, err, n, groups())
				}
				freed, err = request(1 << 40)
				if freed <= 0 || err != nil || groups() != 0 {
					t.Errorf("a request while idle freed %d (%v) of %d; %d groups left", freed, err, held, groups())
				}
			}
			n := aggNode(t, engine, pressured(aggSource(t, engine, lineitemSchema, batches, 0), hook), AggComplete, keys, spillAggFuncs)
			task := aggTask(t, engine, mem, 0)
			ctx := context.Background()
			var got [][]any
			if engine == "columnar" {
				st, err := executeColumnar(n, ctx, 0, task)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				s := unwrap(st).(*aggStream)
				request, lock = s.spillRequested, &s.mu
				groups = func() int { return s.t.numGroups }
				got = drainValues(t, st)
			} else {
				st, err := executeRows(n, ctx, 0, task)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				s := unwrapRows(st).(*rowAggStream)
				request, lock = s.spillRequested, &s.mu
				groups = func() int { return s.table.len() }
				got = drainRowValues(t, n.Schema(), st)
			}
			if !checked {
				t.Fatal("the requests were not made")
			}
			sortValues(got)
			compareTables(t, got, want, 1e-9)
			if _, files := spillCounters(n); files == 0 {
				t.Error("the idle request spilled nothing")
			}
		})
	}
}

// growingAlloc allocates from its parent and, like the engine's task
// allocator (whose buffers are charged to the task's off-heap pool), asks
// the task's memory at each allocation: here for the whole pool, which
// makes every consumer with a spill callback be asked to spill from inside
// the allocating operator's work.
type growingAlloc struct {
	memory.Allocator
	probe *resource.Reservation
	limit int64
	calls atomic.Int64
}

func (a *growingAlloc) ask() {
	a.calls.Add(1)
	if a.probe.Grow(a.limit) == nil {
		a.probe.Shrink(a.limit)
	}
}

func (a *growingAlloc) Allocate(n int) []byte {
	a.ask()
	return a.Allocator.Allocate(n)
}

func (a *growingAlloc) Reallocate(n int, b []byte) []byte {
	a.ask()
	return a.Allocator.Reallocate(n, b)
}

// TestHashAggregateSpillRequestFromItsOwnAllocations: the columnar
// aggregation's own allocations (inserting groups, updating states,
// building its output) ask for memory the pool does not have, so the
// aggregation is asked to spill up its own stack, in the middle of
// updating its groups: it declines every time, and the answer is intact.
func TestHashAggregateSpillRequestFromItsOwnAllocations(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 43, 8, 1000, 0.1)
	defer releaseBatches(batches)
	keys := []int{liOrderkey, liComment}
	unl := aggTask(t, "columnar", mem, 0)
	want, err := runValues(t, aggNode(t, "columnar", aggSource(t, "columnar", lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs), unl, 0)
	if err != nil {
		t.Fatal(err)
	}
	sortValues(want)
	budget := 4 * unl.Memory.Peak(resource.OffHeap)
	task := aggTask(t, "columnar", mem, budget)
	alloc := &growingAlloc{Allocator: mem, probe: task.Memory.NewReservation("allocator", resource.OffHeap), limit: budget}
	defer alloc.probe.Free()
	task.Alloc = alloc
	n := aggNode(t, "columnar", aggSource(t, "columnar", lineitemSchema, batches, 0), AggComplete, keys, spillAggFuncs)
	got, err := runValues(t, n, task, 0)
	if err != nil {
		t.Fatal(err)
	}
	sortValues(got)
	compareTables(t, got, want, 1e-9)
	req, freed := task.Memory.Spills()
	if alloc.calls.Load() == 0 || req == 0 {
		t.Fatalf("%d allocations made %d spill requests", alloc.calls.Load(), req)
	}
	if _, files := spillCounters(n); files != 0 || freed != 0 {
		t.Errorf("the busy aggregation spilled %d files, %d bytes", files, freed)
	}
	assertNoFiles(t, task.TempDir)
}

// ---- sort ----

// TestSortSpillsOnRequest: a sort buffering its input spills the buffer as
// a run when another consumer of the task needs the memory while the sort
// waits for its next input; the result is still the stable sort of the
// input. Both engines.
func TestSortSpillsOnRequest(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 44, 20, 1000, 0.1)
	defer releaseBatches(batches)
	keys := spillSortCases[0].keys
	budget := 4 * dataBytes(batches)
	for _, engine := range []string{"columnar", "row"} {
		t.Run(engine, func(t *testing.T) {
			pool := enginePool(engine)
			mk := func(hook func(int, *TaskContext)) Node {
				if engine == "columnar" {
					return mustSort(t, pressured(newSpillTestSource(lineitemSchema, batches, 0), hook), keys)
				}
				csrc, rsrc := rowTestSources(t, batches, 1)
				csrc.release()
				s, err := NewRowSort(pressured(rsrc, hook), rowKeys(keys), nil, false)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			want, err := runValues(t, mk(func(int, *TaskContext) {}), aggTask(t, engine, mem, 0), 0)
			if err != nil {
				t.Fatal(err)
			}
			at := 10
			if engine == "row" {
				at = 10000
			}
			q := &squeeze{pool: pool, at: at}
			n := mk(q.hook)
			task := aggTask(t, engine, mem, budget)
			got, err := runValues(t, n, task, 0)
			if err != nil {
				t.Fatal(err)
			}
			q.check(t, task)
			compareTables(t, got, want, 0)
			if _, files := spillCounters(n); files != 1 {
				t.Errorf("%d runs: want the one the request spilled", files)
			}
			if u := task.Memory.Used(pool); u != 0 {
				t.Errorf("%d bytes still reserved", u)
			}
			assertNoFiles(t, task.TempDir)
		})
	}
}

// TestSortSpillRequestWhileBusy drives the external sorts directly: a
// request while the state lock is held (as while a batch or row is added)
// frees nothing; one while idle writes the buffer as a run; one after the
// input ended frees nothing; the output is the stable sort.
func TestSortSpillRequestWhileBusy(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 45, 8, 500, 0.1)
	defer releaseBatches(batches)
	keys := spillSortCases[1].keys
	want := drainColumnarNode(t, mustSort(t, newSpillTestSource(lineitemSchema, batches, 0), keys), spillTask(t, mem, 0, 0, 500))
	met := newSpillMetrics(&Metrics{})
	ctx := context.Background()
	// requests makes the three requests around the first half of the
	// input and the end of the input.
	requests := func(t *testing.T, mu *sync.Mutex, request func(int64) (int64, error), runs func() int, add func(i int), finish func()) {
		t.Helper()
		half := len(batches) / 2
		for i := 0; i < half; i++ {
			add(i)
		}
		mu.Lock()
		freed, err := request(1 << 40)
		mu.Unlock()
		if freed != 0 || err != nil || runs() != 0 {
			t.Errorf("a request while busy freed %d (%v), %d runs", freed, err, runs())
		}
		if freed, err := request(1 << 40); freed <= 0 || err != nil || runs() != 1 {
			t.Errorf("a request while idle freed %d (%v), %d runs", freed, err, runs())
		}
		for i := half; i < len(batches); i++ {
			add(i)
		}
		finish()
		if freed, err := request(1 << 40); freed != 0 || err != nil || runs() != 1 {
			t.Errorf("a request after the input freed %d (%v), %d runs", freed, err, runs())
		}
	}
	t.Run("columnar", func(t *testing.T) {
		task := spillTask(t, mem, 0, 0, 500)
		e := newExternalSort(ctx, task, "test sort", lineitemSchema, keys, met)
		defer e.release()
		requests(t, &e.mu, e.spillRequested, func() int { return len(e.runs) },
			func(i int) {
				if err := e.add(batches[i]); err != nil {
					t.Fatal(err)
				}
			},
			func() {
				if err := e.finish(); err != nil {
					t.Fatal(err)
				}
			})
		var got [][]any
		for {
			b, err := e.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, batchValues(b)...)
			b.Release()
		}
		compareTables(t, got, want, 0)
		if freed, err := e.spillRequested(1); freed != 0 || err != nil {
			t.Errorf("a request after the end freed %d (%v)", freed, err)
		}
		assertNoFiles(t, task.TempDir)
	})
	t.Run("row", func(t *testing.T) {
		task := spillTask(t, mem, 0, 0, 500)
		l := rowTestLayout(t, lineitemSchema)
		gauge := rowHeapGauge{}
		e := newRowExternalSort(ctx, task, "test row sort", rows.NewComparator(l, rowKeys(keys)), met, &gauge)
		defer e.release()
		all := batchRows(t, l, batches)
		requests(t, &e.mu, e.spillRequested, func() int { return len(e.runs) },
			func(i int) {
				for _, r := range all[i*500 : (i+1)*500] {
					if err := e.add(r); err != nil {
						t.Fatal(err)
					}
				}
			},
			func() {
				if err := e.finish(); err != nil {
					t.Fatal(err)
				}
			})
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
		assertNoFiles(t, task.TempDir)
	})
}

// ---- shuffled hash join ----

// TestShuffledHashJoinSpillsOnRequest: a shuffled hash join collecting its
// build side spills it (the grace way) when another consumer of the task
// needs the memory while the join waits for its next build batch; the
// answer is unchanged. Both engines.
func TestShuffledHashJoinSpillsOnRequest(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	keys := []int{0}
	for _, engine := range []string{"columnar", "rows"} {
		for _, typ := range []JoinType{InnerJoin, FullOuterJoin} {
			t.Run(engine+"/"+typ.String(), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				rng := rand.New(rand.NewPCG(46, 5))
				ls := jtMakeSide(t, mem, rng, left, 12, 64, 300, 0.05, 1, keys)
				rs := jtMakeSide(t, mem, rng, right, 12, 64, 300, 0.05, 1, keys)
				defer ls.release()
				defer rs.release()
				want := jtReference(typ, ls.values(), rs.values(), keys, keys, false, left.NumFields(), right.NumFields())
				ln, rn := ls.node(), rs.node()
				defer ln.release()
				defer rn.release()
				pool := resource.OffHeap
				if engine == "rows" {
					pool = resource.Heap
				}
				q := &squeeze{pool: pool, at: 6} // of 12 build batches
				build := newPressureNode(rn, q.hook)
				var j Node
				var err error
				if engine == "rows" {
					j, err = NewRowShuffledHashJoin(jtC2R(t, ln), jtC2R(t, build), typ, keys, keys, nil, BuildRight, nil, nil, "", nil)
				} else {
					j, err = NewShuffledHashJoin(ln, build, typ, keys, keys, nil, BuildRight, nil, nil, "", nil)
				}
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				task := &TaskContext{Alloc: mem, BatchSize: 64, TempDir: dir, Memory: resource.NewTaskMemory(1<<20, 1<<20)}
				got, err := jtDrain(t, context.Background(), j, task)
				if err != nil {
					t.Fatal(err)
				}
				jtCompare(t, "spilled on request", got, want)
				if !q.ran || q.held == 0 || q.err != nil {
					t.Fatalf("the other consumer ran: %v, with %d bytes held; its Grow: %v", q.ran, q.held, q.err)
				}
				if n := jtMetric(j, JoinSpillPartitionsMetric); n <= 0 {
					t.Errorf("spillPartitions = %d: the join did not spill", n)
				}
				if u := task.Memory.Used(resource.OffHeap) + task.Memory.Used(resource.Heap); u != 0 {
					t.Errorf("%d bytes still reserved after the join", u)
				}
				jtDirEmpty(t, dir)
			})
		}
	}
}

// TestShuffledHashJoinSpillRequestWhileBusy: requests while the join's
// state lock is held, and once the join probes, free nothing. Both engines.
func TestShuffledHashJoinSpillRequestWhileBusy(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	keys := []int{0}
	for _, engine := range []string{"columnar", "rows"} {
		t.Run(engine, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewPCG(47, 5))
			ls := jtMakeSide(t, mem, rng, left, 12, 64, 300, 0.05, 1, keys)
			rs := jtMakeSide(t, mem, rng, right, 12, 64, 300, 0.05, 1, keys)
			defer ls.release()
			defer rs.release()
			want := jtReference(InnerJoin, ls.values(), rs.values(), keys, keys, false, left.NumFields(), right.NumFields())
			ln, rn := ls.node(), rs.node()
			defer ln.release()
			defer rn.release()
			var request func(int64) (int64, error)
			var lock sync.Locker
			busy, probing := -1, -1 // what the requests freed
			build := newPressureNode(rn, func(i int, task *TaskContext) {
				if i == 6 {
					lock.Lock()
					f, err := request(1 << 40)
					lock.Unlock()
					if err != nil {
						t.Error(err)
					}
					busy = int(f)
				}
			})
			probe := newPressureNode(ln, func(i int, task *TaskContext) {
				if i == 1 {
					f, err := request(1 << 40) // called from the join's own probe: it holds the lock
					if err != nil {
						t.Error(err)
					}
					probing = int(f)
				}
			})
			var j Node
			var err error
			if engine == "rows" {
				j, err = NewRowShuffledHashJoin(jtC2R(t, probe), jtC2R(t, build), InnerJoin, keys, keys, nil, BuildRight, nil, nil, "", nil)
			} else {
				j, err = NewShuffledHashJoin(probe, build, InnerJoin, keys, keys, nil, BuildRight, nil, nil, "", nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			task := &TaskContext{Alloc: mem, BatchSize: 64, TempDir: t.TempDir(), Memory: resource.NewTaskMemory(1<<20, 1<<20)}
			ctx := context.Background()
			var got []string
			if engine == "rows" {
				st, err := executeRows(j, ctx, 0, task)
				if err != nil {
					t.Fatal(err)
				}
				s := unwrapRows(st).(*rowShjStream)
				request, lock = s.spillRequested, &s.mu
				l := rowTestLayout(t, j.Schema())
				for {
					r, err := st.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, jtRender(jtRowValues(l, r)))
				}
				st.Close()
			} else {
				st, err := executeColumnar(j, ctx, 0, task)
				if err != nil {
					t.Fatal(err)
				}
				s := unwrap(st).(*shjStream)
				request, lock = s.spillRequested, &s.mu
				err = Drain(ctx, st, func(b arrow.RecordBatch) error {
					for r := 0; r < int(b.NumRows()); r++ {
						got = append(got, jtRender(jtBatchRow(b, r)))
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			slices.Sort(got)
			jtCompare(t, "requests while busy", got, want)
			if busy != 0 || probing != 0 {
				t.Errorf("requests freed %d while building (locked), %d while probing", busy, probing)
			}
			if n := jtMetric(j, JoinSpillPartitionsMetric); n != 0 {
				t.Errorf("the join spilled %d partitions", n)
			}
		})
	}
}

// ---- from another goroutine ----

// TestSpillRequestsFromAnotherGoroutine: while the operators read their
// input, another goroutine of the task keeps asking for memory that only a
// spill can give (as the engine's scan prefetch does): once in lock step
// with the input, so that a request certainly comes while the operator
// waits, and freely otherwise. The answers are unchanged, nothing leaks;
// under -race this also checks that the operators' state is only touched
// under their lock.
func TestSpillRequestsFromAnotherGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batches := lineitemBatches(mem, 48, 12, 1000, 0.1)
	defer releaseBatches(batches)
	keys := []int{liOrderkey, liComment}
	sortKeys := spillSortCases[0].keys
	cases := []struct {
		name   string
		engine string
		mk     func(src Node) Node
		sorted bool // compare in order
	}{
		{"aggregate", "columnar", func(src Node) Node { return aggNode(t, "columnar", src, AggComplete, keys, spillAggFuncs) }, false},
		{"partial aggregate", "columnar", func(src Node) Node { return aggNode(t, "columnar", src, AggPartial, keys, spillAggFuncs) }, false},
		{"sort", "columnar", func(src Node) Node { return mustSort(t, src, sortKeys) }, true},
		{"aggregate", "row", func(src Node) Node { return aggNode(t, "row", src, AggComplete, keys, spillAggFuncs) }, false},
		{"partial aggregate", "row", func(src Node) Node { return aggNode(t, "row", src, AggPartial, keys, spillAggFuncs) }, false},
		{"sort", "row", func(src Node) Node {
			s, err := NewRowSort(src, rowKeys(sortKeys), nil, false)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, true},
	}
	for _, c := range cases {
		t.Run(c.engine+"/"+c.name, func(t *testing.T) {
			pool := enginePool(c.engine)
			src := func(hook func(int, *TaskContext)) Node {
				return pressured(aggSource(t, c.engine, lineitemSchema, batches, 0), hook)
			}
			unl := aggTask(t, c.engine, mem, 0)
			n := c.mk(src(func(int, *TaskContext) {}))
			want, err := runValues(t, n, unl, 0)
			if err != nil {
				t.Fatal(err)
			}
			budget := 2 * unl.Memory.Peak(pool)
			task := aggTask(t, c.engine, mem, budget)
			asks := make(chan chan error)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				ask := func() error {
					m := task.Memory
					used := m.Used(pool)
					r := m.NewReservation("other goroutine", pool)
					defer r.Free()
					return r.Grow(m.Limit(pool) - used + used/2)
				}
				for {
					select {
					case <-stop:
						return
					case reply := <-asks:
						reply <- ask()
					default:
						ask()
						runtime.Gosched()
					}
				}
			}()
			every := 1
			if c.engine == "row" {
				every = 1000
			}
			var lockstep, done atomic.Int64
			n = c.mk(src(func(i int, task *TaskContext) {
				if i == 6*every {
					// In lock step: the operator waits on this batch.
					reply := make(chan error)
					asks <- reply
					if <-reply == nil {
						lockstep.Add(1)
					}
				}
				if i == 12*every { // the input ends: the operator stops spilling
					if done.Add(1) == 1 {
						close(stop)
						wg.Wait()
					}
				}
			}))
			got, err := runValues(t, n, task, 0)
			if done.Load() == 0 {
				close(stop)
				wg.Wait()
			}
			if err != nil {
				t.Fatal(err)
			}
			if lockstep.Load() != 1 {
				t.Error("the request made while the operator waited was not met")
			}
			if c.name == "partial aggregate" {
				want = finalOverValues(t, c.engine, mem, n.Schema(), want, len(keys))
				got = finalOverValues(t, c.engine, mem, n.Schema(), got, len(keys))
			}
			if !c.sorted {
				sortValues(want)
				sortValues(got)
			}
			compareTables(t, got, want, 1e-9)
			req, freed := task.Memory.Spills()
			t.Logf("%d spill requests freed %d bytes; %d spill files", req, freed, n.Metrics().Counter(SpillCountMetric).Load())
			if u := task.Memory.Used(pool); u != 0 {
				t.Errorf("%d bytes still reserved", u)
			}
			assertNoFiles(t, task.TempDir)
		})
	}
}

// ---- helpers ----

// drainValues reads a columnar stream to its end as rows of values.
func drainValues(t *testing.T, s Stream) [][]any {
	t.Helper()
	var out [][]any
	for {
		b, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, batchValues(b)...)
		b.Release()
	}
}

// drainRowValues reads a row stream of schema to its end as rows of values.
func drainRowValues(t *testing.T, schema *arrow.Schema, s RowStream) [][]any {
	t.Helper()
	l := rowTestLayout(t, schema)
	var out [][]any
	for {
		r, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, l.NumFields())
		for i, f := range schema.Fields() {
			vals[i] = rowTestValue(l, f.Type, r, i)
		}
		out = append(out, vals)
	}
}

// batchValues returns a batch's rows as values.
func batchValues(b arrow.RecordBatch) [][]any {
	out := make([][]any, 0, b.NumRows())
	for r := 0; r < int(b.NumRows()); r++ {
		vals := make([]any, b.NumCols())
		for i, c := range b.Columns() {
			vals[i] = rowTestArrowValue(c, r)
		}
		out = append(out, vals)
	}
	return out
}
