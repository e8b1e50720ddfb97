package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/resource"
)

// jtSpillJoin makes a shuffled hash join (columnar or rows) of two sources.
func jtSpillJoin(t *testing.T, rowsEngine bool, typ JoinType, side BuildSide, keys []int, cond bool, ln, rn *jtNode) Node {
	t.Helper()
	ce, re := jtMaybeCond(t, cond)
	if rowsEngine {
		j, err := NewRowShuffledHashJoin(jtC2R(t, ln), jtC2R(t, rn), typ, keys, keys, re, side, nil, nil, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	j, err := NewShuffledHashJoin(ln, rn, typ, keys, keys, ce, side, nil, nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestShuffledHashJoinSpills runs the shuffled hash joins with budgets so
// small that they take the grace path (recursively), and checks the answer,
// the spill metrics and that no spill file is left behind.
func TestShuffledHashJoinSpills(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	seed := uint64(2000)
	for _, engine := range []string{"columnar", "rows"} {
		for _, keys := range [][]int{{0}, {1, 2}} {
			for _, typ := range jtJoinTypes {
				for _, side := range []BuildSide{BuildRight, BuildLeft} {
					if side == BuildLeft && !typ.OutputsRight() {
						continue
					}
					if typ == NullAwareAntiJoin && len(keys) > 1 {
						continue
					}
					seed++
					cond := seed%2 == 0 && typ != NullAwareAntiJoin
					name := fmt.Sprintf("%s/%v/%s/%s/cond=%v", engine, keys, typ, side, cond)
					t.Run(name, func(t *testing.T) {
						mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
						defer mem.AssertSize(t, 0)
						rng := rand.New(rand.NewPCG(seed, 5))
						nullFrac := 0.05
						if typ == NullAwareAntiJoin {
							nullFrac = 0 // else nothing qualifies
						}
						ls := jtMakeSide(t, mem, rng, left, 12, 64, 300, nullFrac, 1, keys)
						rs := jtMakeSide(t, mem, rng, right, 12, 64, 300, nullFrac, 1, keys)
						defer ls.release()
						defer rs.release()
						want := jtReference(typ, ls.values(), rs.values(), keys, keys, cond, left.NumFields(), right.NumFields())
						ln, rn := ls.node(), rs.node()
						defer ln.release()
						defer rn.release()
						j := jtSpillJoin(t, engine == "rows", typ, side, keys, cond, ln, rn)
						dir := t.TempDir()
						// Every other case has a budget small enough to split
						// partitions again.
						budget := int64(12 << 10)
						if seed%4 < 2 {
							budget = 5 << 10
						}
						task := &TaskContext{Alloc: mem, BatchSize: 64, TempDir: dir,
							Memory: resource.NewTaskMemory(budget, 2*budget)}
						got, err := jtDrain(t, context.Background(), j, task)
						if err != nil {
							t.Fatal(err)
						}
						jtCompare(t, "spilled", got, want)
						if n := jtMetric(j, JoinSpilledBytesMetric); n <= 0 {
							t.Errorf("spilledBytes = %d: the join did not spill", n)
						}
						if n := jtMetric(j, JoinSpillPartitionsMetric); n <= 0 {
							t.Errorf("spillPartitions = %d", n)
						}
						t.Logf("spilled %d bytes in %d partitions; %d rows", jtMetric(j, JoinSpilledBytesMetric), jtMetric(j, JoinSpillPartitionsMetric), len(want))
						if u := task.Memory.Used(resource.OffHeap) + task.Memory.Used(resource.Heap); u != 0 {
							t.Errorf("%d bytes still reserved after the join", u)
						}
						jtDirEmpty(t, dir)
					})
				}
			}
		}
	}
}

func jtMetric(n Node, name string) int64 {
	for _, x := range n.Metrics().Extra() {
		if x.Name == name {
			return x.Value
		}
	}
	return -1
}

// TestShuffledHashJoinSpillCleanup checks that spill files are removed when
// the join fails (a source error while spilling) or is canceled.
func TestShuffledHashJoinSpillCleanup(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	for _, engine := range []string{"columnar", "rows"} {
		for _, how := range []string{"probe-error", "build-error", "cancel-output", "cancel-before"} {
			t.Run(engine+"/"+how, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				rng := rand.New(rand.NewPCG(77, 5))
				ls := jtMakeSide(t, mem, rng, left, 12, 64, 300, 0.05, 1, []int{0})
				rs := jtMakeSide(t, mem, rng, right, 12, 64, 300, 0.05, 1, []int{0})
				defer ls.release()
				defer rs.release()
				ln, rn := ls.node(), rs.node()
				defer ln.release()
				defer rn.release()
				switch how {
				case "probe-error":
					ln.failAt = 9
				case "build-error":
					rn.failAt = 9
				}
				j := jtSpillJoin(t, engine == "rows", LeftOuterJoin, BuildRight, []int{0}, false, ln, rn)
				dir := t.TempDir()
				task := &TaskContext{Alloc: mem, BatchSize: 64, TempDir: dir, Memory: resource.NewTaskMemory(12<<10, 24<<10)}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if how == "cancel-before" {
					cancel()
				}
				var err error
				if IsColumnar(j) {
					var s Stream
					s, err = executeColumnar(j, ctx, 0, task)
					if err == nil {
						err = Drain(ctx, s, func(b arrow.RecordBatch) error {
							if how == "cancel-output" {
								cancel()
							}
							return nil
						})
					}
				} else {
					var s RowStream
					s, err = executeRows(j, ctx, 0, task)
					if err == nil {
						for err == nil {
							_, err = s.Next()
							if how == "cancel-output" {
								cancel()
							}
						}
						s.Close()
					}
				}
				switch how {
				case "probe-error", "build-error":
					if !errors.Is(err, errJTInjected) {
						t.Fatalf("error %v, want the injected one", err)
					}
				case "cancel-output":
					// Row operators look at the context every rowCheckEvery
					// rows: these few rows may all come out first.
					if !errors.Is(err, context.Canceled) && !(engine == "rows" && errors.Is(err, io.EOF)) {
						t.Fatalf("error %v, want context.Canceled", err)
					}
				default:
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("error %v, want context.Canceled", err)
					}
				}
				if ln.open.Load() != 0 || rn.open.Load() != 0 {
					t.Errorf("streams left open: %d left, %d right", ln.open.Load(), rn.open.Load())
				}
				if u := task.Memory.Used(resource.OffHeap) + task.Memory.Used(resource.Heap); u != 0 {
					t.Errorf("%d bytes still reserved", u)
				}
				jtDirEmpty(t, dir)
			})
		}
	}
}

// TestJoinOneKeyTooBig: the build rows of a single key that do not fit
// fail with the out-of-memory error, whatever the spilling.
func TestJoinOneKeyTooBig(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	for _, engine := range []string{"columnar", "rows"} {
		t.Run(engine, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewPCG(5, 5))
			ls := jtMakeSide(t, mem, rng, left, 4, 64, 1, 0, 1, []int{0})
			rs := jtMakeSide(t, mem, rng, right, 30, 64, 1, 0, 1, []int{0})
			defer ls.release()
			defer rs.release()
			ln, rn := ls.node(), rs.node()
			defer ln.release()
			defer rn.release()
			j := jtSpillJoin(t, engine == "rows", InnerJoin, BuildRight, []int{0}, false, ln, rn)
			dir := t.TempDir()
			task := &TaskContext{Alloc: mem, BatchSize: 64, TempDir: dir, Memory: resource.NewTaskMemory(8<<10, 8<<10)}
			_, err := jtDrain(t, context.Background(), j, task)
			var oom *resource.OutOfMemoryError
			if !errors.As(err, &oom) || !strings.Contains(err.Error(), "out of memory:") {
				t.Fatalf("error %v, want an out-of-memory error", err)
			}
			jtDirEmpty(t, dir)
		})
	}
}

// TestBroadcastTooBig: a broadcast relation over the budget fails naming
// spark.sql.autoBroadcastJoinThreshold.
func TestBroadcastTooBig(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	right := jtSchema("right")
	for _, rowChild := range []bool{false, true} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		rng := rand.New(rand.NewPCG(5, 6))
		rs := jtMakeSide(t, mem, rng, right, 10, 64, 100, 0, 1, nil)
		rn := rs.node()
		var child Node = rn
		if rowChild {
			child = jtC2R(t, rn)
		}
		bx, err := NewBroadcastExchange(child, BroadcastMode{Keys: []int{0}}, 9)
		if err != nil {
			t.Fatal(err)
		}
		// The row child's ColumnarToRow charges its row buffer (a few KB)
		// to the heap too: leave room for it, not for the relation.
		heap := int64(4 << 10)
		if rowChild {
			heap = 12 << 10
		}
		task := &TaskContext{Alloc: mem, BatchSize: 64, Memory: resource.NewTaskMemory(4<<10, heap)}
		err = bx.RunMapTask(context.Background(), 0, task)
		var oom *resource.OutOfMemoryError
		if !errors.As(err, &oom) || !strings.Contains(err.Error(), "spark.sql.autoBroadcastJoinThreshold") {
			t.Fatalf("row child %v: error %v", rowChild, err)
		}
		bx.Release()
		rn.release()
		rs.release()
		mem.AssertSize(t, 0)
	}
}

// TestBroadcastSharedConcurrently probes one broadcast relation from many
// tasks at once (run with -race), columnar and rows.
func TestBroadcastSharedConcurrently(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(9, 9))
	keys := []int{1, 2}
	ls := jtMakeSide(t, mem, rng, left, 24, 32, 20, 0.05, 8, nil)
	rs := jtMakeSide(t, mem, rng, right, 6, 32, 20, 0.05, 3, nil)
	defer ls.release()
	defer rs.release()
	for _, typ := range []JoinType{InnerJoin, LeftOuterJoin, LeftSemiJoin, LeftAntiJoin} {
		want := jtReference(typ, ls.values(), rs.values(), keys, keys, true, left.NumFields(), right.NumFields())
		for _, engine := range []string{"columnar", "rows"} {
			stream, build := ls.node(), rs.node()
			bx, err := NewBroadcastExchange(build, BroadcastMode{Keys: keys}, 1)
			if err != nil {
				t.Fatal(err)
			}
			ce, re := jtMaybeCond(t, true)
			var j Node
			if engine == "columnar" {
				j, err = NewBroadcastHashJoin(stream, bx, typ, keys, keys, ce, BuildRight, nil, nil, "", nil)
			} else {
				j, err = NewRowBroadcastHashJoin(jtC2R(t, stream), bx, typ, keys, keys, re, BuildRight, nil, nil, "", nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			// The map tasks run concurrently too.
			var wg sync.WaitGroup
			errs := make([]error, bx.NumMapPartitions())
			for m := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[m] = bx.RunMapTask(context.Background(), m, &TaskContext{Alloc: mem, BatchSize: 16})
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			bx.FinishMap()
			if bx.RelationRows() != int64(len(rs.values())) || bx.RelationBytes() <= 0 {
				t.Fatalf("relation of %d rows, %d bytes; want %d rows", bx.RelationRows(), bx.RelationBytes(), len(rs.values()))
			}
			outs := make([][]string, j.NumPartitions())
			errs = make([]error, j.NumPartitions())
			for p := range outs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					outs[p], errs[p] = jtDrainPartition(context.Background(), j, p, &TaskContext{Alloc: mem, BatchSize: 16})
				}()
			}
			wg.Wait()
			var got []string
			for p := range outs {
				if errs[p] != nil {
					t.Fatal(errs[p])
				}
				got = append(got, outs[p]...)
			}
			slices.Sort(got)
			jtCompare(t, fmt.Sprintf("%s/%s", engine, typ), got, want)
			bx.Release()
			bx.Release() // twice is fine
			stream.release()
			build.release()
		}
	}
}

// TestBroadcastEmpty: a broadcast side with no partitions at all, or only
// empty ones, is an empty relation.
func TestBroadcastEmpty(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 1))
	ls := jtMakeSide(t, mem, rng, left, 3, 16, 8, 0.2, 2, nil)
	defer ls.release()
	for _, nparts := range []int{0, 2} {
		for _, typ := range []JoinType{InnerJoin, LeftOuterJoin, LeftSemiJoin, LeftAntiJoin, NullAwareAntiJoin} {
			for _, engine := range []string{"columnar", "rows"} {
				want := jtReference(typ, ls.values(), nil, []int{0}, []int{0}, false, left.NumFields(), right.NumFields())
				stream := ls.node()
				build := newJTNode(right, make([][]arrow.RecordBatch, nparts))
				bx, err := NewBroadcastExchange(build, BroadcastMode{Keys: []int{0}, NullAware: typ == NullAwareAntiJoin}, 1)
				if err != nil {
					t.Fatal(err)
				}
				var j Node
				if engine == "columnar" {
					j, err = NewBroadcastHashJoin(stream, bx, typ, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
				} else {
					j, err = NewRowBroadcastHashJoin(jtC2R(t, stream), bx, typ, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
				}
				if err != nil {
					t.Fatal(err)
				}
				jtMaterialize(t, context.Background(), bx, mem)
				if bx.RelationRows() != 0 {
					t.Fatalf("empty relation has %d rows", bx.RelationRows())
				}
				got, err := jtDrain(t, context.Background(), j, &TaskContext{Alloc: mem, BatchSize: 16})
				if err != nil {
					t.Fatal(err)
				}
				jtCompare(t, fmt.Sprintf("%d partitions/%s/%s", nparts, typ, engine), got, want)
				bx.Release()
				stream.release()
			}
		}
	}
}
