package operators

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/resource"
)

// jtSemiCase is a semi or anti join that builds its left side, checked
// against the reference and against the same join building its right side.
type jtSemiCase struct {
	name     string
	typ      JoinType
	keys     []int
	cond     bool
	lb, rb   int     // batch counts (0: an empty side)
	card     int     // key cardinality (small: many duplicate keys)
	nullFrac float64 // fraction of NULL values (keys included)
}

func jtSemiCases() []jtSemiCase {
	var cs []jtSemiCase
	sizes := []struct{ lb, rb int }{{5, 4}, {2, 9}, {0, 4}, {5, 0}, {0, 0}}
	shapes := []struct {
		name     string
		card     int
		nullFrac float64
	}{
		{"plain", 8, 0.1},
		{"dups", 2, 0.05},     // a handful of keys: long chains on both sides
		{"nulls", 8, 0.5},     // half the keys NULL
		{"sparse", 200, 0.02}, // few matches
		{"nonulls", 8, 0},     // no NULL at all
	}
	for _, kc := range jtKeyConfigs {
		for _, typ := range []JoinType{LeftSemiJoin, LeftAntiJoin} {
			for _, cond := range []bool{false, true} {
				for _, sz := range sizes {
					for _, sh := range shapes {
						if (sz.lb == 0 || sz.rb == 0) && sh.name != "plain" {
							continue
						}
						cs = append(cs, jtSemiCase{
							name: fmt.Sprintf("%s/%s/cond=%v/l%d-r%d/%s", kc.name, typ, cond, sz.lb, sz.rb, sh.name),
							typ:  typ, keys: kc.keys, cond: cond, lb: sz.lb, rb: sz.rb, card: sh.card, nullFrac: sh.nullFrac,
						})
					}
				}
			}
		}
	}
	return cs
}

// TestSemiAntiBuildLeft checks the shuffled hash join's semi and anti joins
// that build their left side (streaming the right side and marking the
// left rows it matches) against nested loops and against the same joins
// building their right side.
func TestSemiAntiBuildLeft(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	for i, c := range jtSemiCases() {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewPCG(uint64(3000+i), 13))
			ls := jtMakeSide(t, mem, rng, left, c.lb, 16, c.card, c.nullFrac, 3, c.keys)
			rs := jtMakeSide(t, mem, rng, right, c.rb, 16, c.card, c.nullFrac, 3, c.keys)
			defer ls.release()
			defer rs.release()
			want := jtReference(c.typ, ls.values(), rs.values(), c.keys, c.keys, c.cond, left.NumFields(), right.NumFields())
			for _, side := range []BuildSide{BuildLeft, BuildRight} {
				ln, rn := ls.node(), rs.node()
				ce, _ := jtMaybeCond(t, c.cond)
				j, err := NewShuffledHashJoin(ln, rn, c.typ, c.keys, c.keys, ce, side, nil, nil, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				if j.BuildSide() != side {
					t.Fatalf("BuildSide() = %s, want %s", j.BuildSide(), side)
				}
				task := &TaskContext{Alloc: mem, BatchSize: 16, TempDir: t.TempDir()}
				got, err := jtDrain(t, context.Background(), j, task)
				ln.release()
				rn.release()
				if err != nil {
					t.Fatalf("%s: %v", side, err)
				}
				jtCompare(t, side.String(), got, want)
				if side == BuildLeft {
					// The hash table holds the left rows.
					var lrows int64
					for _, b := range ls.all {
						lrows += b.NumRows()
					}
					if n := jtMetric(j, JoinBuildRowsMetric); n != lrows {
						t.Errorf("buildRows = %d, want the left side's %d", n, lrows)
					}
				}
			}
		})
	}
}

// TestSemiAntiBuildLeftSpills runs semi and anti joins that build their
// left side with budgets so small that they take the grace path
// (recursively), and checks the answer against the reference and the
// BuildRight join, the spill metrics, and that nothing is left reserved or
// on disk.
func TestSemiAntiBuildLeftSpills(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	seed := uint64(4000)
	for _, keys := range [][]int{{0}, {1, 2}} {
		for _, typ := range []JoinType{LeftSemiJoin, LeftAntiJoin} {
			for _, cond := range []bool{false, true} {
				for _, sz := range []struct {
					lb, rb   int
					nullFrac float64
				}{{12, 12, 0.05}, {12, 30, 0.3}, {12, 0, 0.05}} {
					for _, budget := range []int64{5 << 10, 12 << 10} {
						seed++
						name := fmt.Sprintf("%v/%s/cond=%v/l%d-r%d-null%v/budget=%d", keys, typ, cond, sz.lb, sz.rb, sz.nullFrac, budget)
						t.Run(name, func(t *testing.T) {
							mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
							defer mem.AssertSize(t, 0)
							rng := rand.New(rand.NewPCG(seed, 5))
							ls := jtMakeSide(t, mem, rng, left, sz.lb, 64, 300, sz.nullFrac, 1, keys)
							rs := jtMakeSide(t, mem, rng, right, sz.rb, 64, 300, sz.nullFrac, 1, keys)
							defer ls.release()
							defer rs.release()
							want := jtReference(typ, ls.values(), rs.values(), keys, keys, cond, left.NumFields(), right.NumFields())
							for _, side := range []BuildSide{BuildLeft, BuildRight} {
								ln, rn := ls.node(), rs.node()
								j := jtSpillJoin(t, false, typ, side, keys, cond, ln, rn)
								dir := t.TempDir()
								task := &TaskContext{Alloc: mem, BatchSize: 64, TempDir: dir,
									Memory: resource.NewTaskMemory(budget, 2*budget)}
								got, err := jtDrain(t, context.Background(), j, task)
								ln.release()
								rn.release()
								if err != nil {
									t.Fatalf("%s: %v", side, err)
								}
								jtCompare(t, side.String()+" spilled", got, want)
								if side == BuildLeft {
									if n := jtMetric(j, JoinSpilledBytesMetric); n <= 0 {
										t.Errorf("spilledBytes = %d: the join did not spill", n)
									}
									if n := jtMetric(j, JoinSpillPartitionsMetric); n <= 0 {
										t.Errorf("spillPartitions = %d", n)
									}
									t.Logf("spilled %d bytes in %d partitions; %d rows", jtMetric(j, JoinSpilledBytesMetric), jtMetric(j, JoinSpillPartitionsMetric), len(want))
								}
								if u := task.Memory.Used(resource.OffHeap) + task.Memory.Used(resource.Heap); u != 0 {
									t.Errorf("%s: %d bytes still reserved after the join", side, u)
								}
								jtDirEmpty(t, dir)
							}
						})
					}
				}
			}
		}
	}
}

// TestSemiAntiBuildLeftExplain checks EXPLAIN's rendering and the output
// schema (the left columns only) of a semi join that builds its left side.
func TestSemiAntiBuildLeftExplain(t *testing.T) {
	left, right := jtSchema("left"), jtSchema("right")
	ln, rn := newJTNode(left, [][]arrow.RecordBatch{nil}), newJTNode(right, [][]arrow.RecordBatch{nil})
	ce, _ := jtConds(t, left.NumFields())
	semi, err := NewShuffledHashJoin(ln, rn, LeftSemiJoin, []int{0}, []int{0}, ce, BuildLeft, []string{"l_orderkey#1"}, []string{"l_orderkey#20"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	anti, err := NewShuffledHashJoin(ln, rn, LeftAntiJoin, []int{0}, []int{0}, nil, BuildLeft, []string{"o_orderkey#1"}, []string{"l_orderkey#9"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n    Node
		want string
	}{
		{semi, "ShuffledHashJoinExecTransformer [l_orderkey#1], [l_orderkey#20], LeftSemi, BuildLeft, (lv#5 < rv#12)"},
		{anti, "ShuffledHashJoinExecTransformer [o_orderkey#1], [l_orderkey#9], LeftAnti, BuildLeft"},
	} {
		if got := c.n.Name() + c.n.Detail(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
		if !c.n.Schema().Equal(left) {
			t.Errorf("schema %s, want the left side's %s", c.n.Schema(), left)
		}
	}
}
