package operators

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
)

var jtJoinTypes = []JoinType{InnerJoin, LeftOuterJoin, RightOuterJoin, FullOuterJoin, LeftSemiJoin, LeftAntiJoin, NullAwareAntiJoin}

var jtKeyConfigs = []struct {
	name string
	keys []int
}{
	{"bigint", []int{0}},
	{"string+decimal", []int{1, 2}},
	{"int+string+bigint", []int{3, 1, 0}},
	{"double", []int{4}},
}

// jtCase is one join to check against the reference.
type jtCase struct {
	name   string
	typ    JoinType
	side   BuildSide
	keys   []int
	cond   bool
	seed   uint64
	nparts int
	// left and right batch counts (0: an empty side)
	lb, rb int
}

func jtCases() []jtCase {
	var cs []jtCase
	seed := uint64(0)
	for _, kc := range jtKeyConfigs {
		for _, typ := range jtJoinTypes {
			for _, side := range []BuildSide{BuildRight, BuildLeft} {
				if side == BuildLeft && !typ.OutputsRight() {
					continue
				}
				for _, cond := range []bool{false, true} {
					if typ == NullAwareAntiJoin && (cond || len(kc.keys) != 1) {
						continue
					}
					seed++
					c := jtCase{typ: typ, side: side, keys: kc.keys, cond: cond, seed: seed, nparts: 3, lb: 5, rb: 4}
					switch seed % 6 {
					case 0:
						c.rb = 0
					case 3:
						c.lb = 0
					}
					if typ == NullAwareAntiJoin {
						c.nparts = 1
					}
					c.name = fmt.Sprintf("%s/%s/%s/cond=%v/l%d-r%d", kc.name, typ, side, cond, c.lb, c.rb)
					if typ == NullAwareAntiJoin {
						c.name = kc.name + "/NullAwareAnti/l" + fmt.Sprint(c.lb) + "-r" + fmt.Sprint(c.rb)
					}
					cs = append(cs, c)
				}
			}
		}
	}
	// NOT IN over a right side without NULL keys
	cs = append(cs, jtCase{name: "bigint/NullAwareAnti/no-null", typ: NullAwareAntiJoin, keys: []int{0}, seed: 1000, nparts: 1, lb: 5, rb: 4})
	return cs
}

// jtEngine builds one kind of join over two sides.
type jtEngine struct {
	name string
	// make returns the join, whose exchanges (if any) it materializes.
	make func(t *testing.T, c jtCase, l, r *jtSide, mem memory.Allocator) (Node, func())
}

var jtEngines = []jtEngine{
	{"shuffled", func(t *testing.T, c jtCase, l, r *jtSide, mem memory.Allocator) (Node, func()) {
		ln, rn := l.node(), r.node()
		ce, _ := jtMaybeCond(t, c.cond)
		j, err := NewShuffledHashJoin(ln, rn, c.typ, c.keys, c.keys, ce, c.side, nil, nil, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return j, func() { ln.release(); rn.release() }
	}},
	{"row-shuffled", func(t *testing.T, c jtCase, l, r *jtSide, mem memory.Allocator) (Node, func()) {
		ln, rn := l.node(), r.node()
		_, re := jtMaybeCond(t, c.cond)
		j, err := NewRowShuffledHashJoin(jtC2R(t, ln), jtC2R(t, rn), c.typ, c.keys, c.keys, re, c.side, nil, nil, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return j, func() { ln.release(); rn.release() }
	}},
	{"broadcast", func(t *testing.T, c jtCase, l, r *jtSide, mem memory.Allocator) (Node, func()) {
		stream, build := l.node(), r.node()
		if c.side == BuildLeft {
			stream, build = build, stream
		}
		bx, err := NewBroadcastExchange(build, BroadcastMode{Keys: c.keys, NullAware: c.typ == NullAwareAntiJoin}, 1)
		if err != nil {
			t.Fatal(err)
		}
		ce, _ := jtMaybeCond(t, c.cond)
		j, err := NewBroadcastHashJoin(stream, bx, c.typ, c.keys, c.keys, ce, c.side, nil, nil, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		jtMaterialize(t, context.Background(), bx, mem)
		return j, func() { bx.Release(); stream.release(); build.release() }
	}},
	{"row-broadcast", func(t *testing.T, c jtCase, l, r *jtSide, mem memory.Allocator) (Node, func()) {
		stream, build := l.node(), r.node()
		if c.side == BuildLeft {
			stream, build = build, stream
		}
		bx, err := NewBroadcastExchange(jtC2R(t, build), BroadcastMode{Keys: c.keys}, 2)
		if err != nil {
			t.Fatal(err)
		}
		_, re := jtMaybeCond(t, c.cond)
		j, err := NewRowBroadcastHashJoin(jtC2R(t, stream), bx, c.typ, c.keys, c.keys, re, c.side, nil, nil, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		jtMaterialize(t, context.Background(), bx, mem)
		return j, func() { bx.Release(); stream.release(); build.release() }
	}},
	{"broadcast-late-columnar", func(t *testing.T, c jtCase, l, r *jtSide, mem memory.Allocator) (Node, func()) {
		// The exchange is materialized (as rows, for a row join) before the
		// columnar join that reads it is made: the relation is converted.
		stream, build := l.node(), r.node()
		if c.side == BuildLeft {
			stream, build = build, stream
		}
		bx, err := NewBroadcastExchange(jtC2R(t, build), BroadcastMode{Keys: c.keys}, 3)
		if err != nil {
			t.Fatal(err)
		}
		_, re := jtMaybeCond(t, c.cond)
		if _, err := NewRowBroadcastHashJoin(jtC2R(t, stream), bx, c.typ, c.keys, c.keys, re, c.side, nil, nil, "", nil); err != nil {
			t.Fatal(err)
		}
		jtMaterialize(t, context.Background(), bx, mem)
		ce, _ := jtMaybeCond(t, c.cond)
		j, err := NewBroadcastHashJoin(stream, bx, c.typ, c.keys, c.keys, ce, c.side, nil, nil, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return j, func() { bx.Release(); stream.release(); build.release() }
	}},
}

func jtMaybeCond(t testing.TB, on bool) (expr.Expr, rowexpr.Expr) {
	if !on {
		return nil, nil
	}
	return jtConds(t, jtSchema("left").NumFields())
}

func jtC2R(t testing.TB, n ColumnarNode) Node {
	c, err := NewColumnarToRow(n)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestJoinsMatchNestedLoop checks every join type, build side and key
// configuration, with and without a residual condition, in the columnar
// and row engines, shuffled and broadcast, against nested loops.
func TestJoinsMatchNestedLoop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	for _, c := range jtCases() {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewPCG(c.seed, 11))
			ls := jtMakeSide(t, mem, rng, left, c.lb, 16, 8, 0.1, c.nparts, c.keys)
			rs := jtMakeSide(t, mem, rng, right, c.rb, 16, 8, 0.1, c.nparts, c.keys)
			defer ls.release()
			defer rs.release()
			want := jtReference(c.typ, ls.values(), rs.values(), c.keys, c.keys, c.cond, left.NumFields(), right.NumFields())
			if c.typ == InnerJoin && c.lb > 0 && c.rb > 0 && len(want) < 10 {
				t.Fatalf("the data give only %d inner-join rows: the test would check little", len(want))
			}
			for _, e := range jtEngines {
				if e.name != "shuffled" && e.name != "row-shuffled" {
					d := &joinDef{typ: c.typ, buildSide: c.side}
					if d.buildOuter() {
						continue
					}
				}
				j, done := e.make(t, c, ls, rs, mem)
				task := &TaskContext{Alloc: mem, BatchSize: 16, TempDir: t.TempDir()}
				got, err := jtDrain(t, context.Background(), j, task)
				done()
				if err != nil {
					t.Fatalf("%s: %v", e.name, err)
				}
				jtCompare(t, e.name, got, want)
			}
		})
	}
}

// TestNestedLoopJoinsMatchReference checks the nested-loop joins: a cross
// join, a non-equi condition, and an equality inside the condition.
func TestNestedLoopJoinsMatchReference(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	left, right := jtSchema("left"), jtSchema("right")
	nl := left.NumFields()
	ltCol, ltRow := jtConds(t, nl)
	eqCol, err := expr.Compare(expr.Eq, expr.Column(0, "lk64#0", left.Field(0).Type), expr.Column(nl, "rk64#7", right.Field(0).Type))
	if err != nil {
		t.Fatal(err)
	}
	eqRow, err := rowexpr.Compare(expr.Eq, rowexpr.Column(0, "lk64#0", left.Field(0).Type), rowexpr.Column(nl, "rk64#7", right.Field(0).Type))
	if err != nil {
		t.Fatal(err)
	}
	andCol, _ := expr.And(eqCol, ltCol)
	andRow, _ := rowexpr.And(eqRow, ltRow)
	conds := []struct {
		name   string
		col    expr.Expr
		row    rowexpr.Expr
		keys   []int
		hasLt  bool
		sizesL int
	}{
		{"cross", nil, nil, nil, false, 3},
		{"lt", ltCol, ltRow, nil, true, 5},
		{"eq-and-lt", andCol, andRow, []int{0}, true, 5},
	}
	seed := uint64(500)
	for _, cd := range conds {
		for _, typ := range []JoinType{InnerJoin, LeftOuterJoin, LeftSemiJoin, LeftAntiJoin} {
			for _, rb := range []int{0, 3} {
				seed++
				name := fmt.Sprintf("%s/%s/r%d", cd.name, typ, rb)
				t.Run(name, func(t *testing.T) {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					defer mem.AssertSize(t, 0)
					rng := rand.New(rand.NewPCG(seed, 3))
					ls := jtMakeSide(t, mem, rng, left, cd.sizesL, 16, 8, 0.1, 2, nil)
					rs := jtMakeSide(t, mem, rng, right, rb, 12, 8, 0.1, 2, nil)
					defer ls.release()
					defer rs.release()
					want := jtReference(typ, ls.values(), rs.values(), cd.keys, cd.keys, cd.hasLt, nl, right.NumFields())
					// columnar
					stream, build := ls.node(), rs.node()
					bx, err := NewBroadcastExchange(build, BroadcastMode{}, 4)
					if err != nil {
						t.Fatal(err)
					}
					j, err := NewBroadcastNestedLoopJoin(stream, bx, typ, cd.col, "", nil)
					if err != nil {
						t.Fatal(err)
					}
					jtMaterialize(t, context.Background(), bx, mem)
					task := &TaskContext{Alloc: mem, BatchSize: 16, TempDir: t.TempDir()}
					got, err := jtDrain(t, context.Background(), j, task)
					bx.Release()
					stream.release()
					build.release()
					if err != nil {
						t.Fatal(err)
					}
					jtCompare(t, "columnar", got, want)
					// rows
					stream, build = ls.node(), rs.node()
					rbx, err := NewBroadcastExchange(build, BroadcastMode{}, 5)
					if err != nil {
						t.Fatal(err)
					}
					rj, err := NewRowBroadcastNestedLoopJoin(jtC2R(t, stream), rbx, typ, cd.row, "", nil)
					if err != nil {
						t.Fatal(err)
					}
					jtMaterialize(t, context.Background(), rbx, mem)
					got, err = jtDrain(t, context.Background(), rj, task)
					rbx.Release()
					stream.release()
					build.release()
					if err != nil {
						t.Fatal(err)
					}
					jtCompare(t, "rows", got, want)
				})
			}
		}
	}
}

// jtDirEmpty fails the test when dir holds a file.
func jtDirEmpty(t testing.TB, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("file left in the temporary directory: %s", e.Name())
	}
}

// TestJoinExplain checks the EXPLAIN names and details.
func TestJoinExplain(t *testing.T) {
	left, right := jtSchema("left"), jtSchema("right")
	ln, rn := newJTNode(left, [][]arrow.RecordBatch{nil}), newJTNode(right, [][]arrow.RecordBatch{nil})
	ce, re := jtConds(t, left.NumFields())
	shj, err := NewShuffledHashJoin(ln, rn, InnerJoin, []int{0}, []int{0}, ce, BuildRight, []string{"l_orderkey#1"}, []string{"o_orderkey#9"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rshj, err := NewRowShuffledHashJoin(jtC2R(t, ln), jtC2R(t, rn), LeftOuterJoin, []int{0, 1}, []int{0, 1}, nil, BuildLeft, []string{"a#1", "b#2"}, []string{"c#3", "d#4"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	bx, err := NewBroadcastExchange(rn, BroadcastMode{Keys: []int{0}, Labels: []string{"input[0, bigint, true]"}}, 7)
	if err != nil {
		t.Fatal(err)
	}
	bhj, err := NewBroadcastHashJoin(ln, bx, LeftSemiJoin, []int{0}, []int{0}, nil, BuildRight, []string{"x#1"}, []string{"y#2"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	nbx, err := NewBroadcastExchange(rn, BroadcastMode{Keys: []int{0}, NullAware: true}, 8)
	if err != nil {
		t.Fatal(err)
	}
	naaj, err := NewRowBroadcastHashJoin(jtC2R(t, ln), nbx, NullAwareAntiJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ibx, err := NewBroadcastExchange(rn, BroadcastMode{}, 9)
	if err != nil {
		t.Fatal(err)
	}
	bnlj, err := NewBroadcastNestedLoopJoin(ln, ibx, LeftAntiJoin, ce, "(lv#5 < rv#12)", nil)
	if err != nil {
		t.Fatal(err)
	}
	rbnlj, err := NewRowBroadcastNestedLoopJoin(jtC2R(t, ln), ibx, InnerJoin, re, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		n    Node
		want string
	}{
		{shj, "ShuffledHashJoinExecTransformer [l_orderkey#1], [o_orderkey#9], Inner, BuildRight, (lv#5 < rv#12)"},
		{rshj, "ShuffledHashJoin [a#1, b#2], [c#3, d#4], LeftOuter, BuildLeft"},
		{bx, "BroadcastExchange HashedRelationBroadcastMode(List(input[0, bigint, true]),false), [plan_id=7]"},
		{nbx, "BroadcastExchange HashedRelationBroadcastMode(List(rk64),true), [plan_id=8]"},
		{bhj, "BroadcastHashJoinExecTransformer [x#1], [y#2], LeftSemi, BuildRight, false"},
		{naaj, "BroadcastHashJoin [lk64], [rk64], LeftAnti, BuildRight, true"},
		{ibx, "BroadcastExchange IdentityBroadcastMode, [plan_id=9]"},
		{bnlj, "BroadcastNestedLoopJoinExecTransformer BuildRight, LeftAnti, (lv#5 < rv#12)"},
		{rbnlj, "BroadcastNestedLoopJoin BuildRight, Inner, (lv#5 < rv#12)"},
	}
	for _, c := range cases {
		if got := c.n.Name() + c.n.Detail(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
	// Output schemas: nullability of the NULL-extended sides, semi joins'
	// left columns only.
	if f := rshj.Schema().Field(0); !f.Nullable {
		t.Errorf("LeftOuter with BuildLeft: left field %s not nullable", f.Name)
	}
	if bhj.Schema().NumFields() != left.NumFields() {
		t.Errorf("semi join outputs %d fields, want %d", bhj.Schema().NumFields(), left.NumFields())
	}
	if shj.NumPartitions() != 1 || bhj.NumPartitions() != 1 || bx.NumPartitions() != 1 || bx.NumMapPartitions() != 1 {
		t.Errorf("partition counts")
	}
	if IsColumnar(bx) {
		t.Errorf("BroadcastExchange should be neither columnar nor a row node")
	}
	if _, ok := Node(bx).(RowNode); ok {
		t.Errorf("BroadcastExchange should be neither columnar nor a row node")
	}
	var out StageOutput = bx
	_ = out
}

// TestJoinConstructorErrors checks that invalid joins are rejected with
// errors naming the problem.
func TestJoinConstructorErrors(t *testing.T) {
	left, right := jtSchema("left"), jtSchema("right")
	ln, rn := newJTNode(left, [][]arrow.RecordBatch{nil, nil}), newJTNode(right, [][]arrow.RecordBatch{nil, nil})
	rn3 := newJTNode(right, [][]arrow.RecordBatch{nil, nil, nil})
	ce, _ := jtConds(t, left.NumFields())
	notBool := expr.Column(0, "lk64#0", left.Field(0).Type)
	bx, _ := NewBroadcastExchange(rn, BroadcastMode{Keys: []int{0}}, 1)
	ibx, _ := NewBroadcastExchange(rn, BroadcastMode{}, 2)
	badRef := expr.Column(40, "zz#40", left.Field(0).Type)
	badCond, _ := expr.IsNull(badRef)
	cases := []struct {
		name string
		make func() error
		want string
	}{
		{"key count", func() error {
			_, err := NewShuffledHashJoin(ln, rn, InnerJoin, []int{0, 1}, []int{0}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "2 left keys but 1 right keys"},
		{"key types", func() error {
			_, err := NewShuffledHashJoin(ln, rn, InnerJoin, []int{0}, []int{1}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "the planner must cast"},
		{"key range", func() error {
			_, err := NewShuffledHashJoin(ln, rn, InnerJoin, []int{9}, []int{0}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "out of range"},
		{"no keys", func() error {
			_, err := NewShuffledHashJoin(ln, rn, InnerJoin, nil, nil, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "at least one key"},
		{"broadcast semi builds left", func() error {
			lbx, _ := NewBroadcastExchange(ln, BroadcastMode{Keys: []int{0}}, 3)
			_, err := NewBroadcastHashJoin(rn, lbx, LeftSemiJoin, []int{0}, []int{0}, nil, BuildLeft, nil, nil, "", nil)
			return err
		}, "builds its right side"},
		{"row semi builds left", func() error {
			_, err := NewRowShuffledHashJoin(jtC2R(t, ln), jtC2R(t, rn), LeftAntiJoin, []int{0}, []int{0}, nil, BuildLeft, nil, nil, "", nil)
			return err
		}, "builds its right side"},
		{"naaj builds left", func() error {
			ln1, rn1 := newJTNode(left, [][]arrow.RecordBatch{nil}), newJTNode(right, [][]arrow.RecordBatch{nil})
			_, err := NewShuffledHashJoin(ln1, rn1, NullAwareAntiJoin, []int{0}, []int{0}, nil, BuildLeft, nil, nil, "", nil)
			return err
		}, "builds its right side"},
		{"partitions", func() error {
			_, err := NewShuffledHashJoin(ln, rn3, InnerJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "partitioned alike"},
		{"naaj shuffled", func() error {
			_, err := NewShuffledHashJoin(ln, rn, NullAwareAntiJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "needs a broadcast"},
		{"naaj cond", func() error {
			_, err := NewBroadcastHashJoin(ln, bx, NullAwareAntiJoin, []int{0}, []int{0}, ce, BuildRight, nil, nil, "", nil)
			return err
		}, "no residual condition"},
		{"cond type", func() error {
			_, err := NewShuffledHashJoin(ln, rn, InnerJoin, []int{0}, []int{0}, notBool, BuildRight, nil, nil, "", nil)
			return err
		}, "not boolean"},
		{"cond column", func() error {
			_, err := NewShuffledHashJoin(ln, rn, InnerJoin, []int{0}, []int{0}, badCond, BuildRight, nil, nil, "", nil)
			return err
		}, "index 40 out of range"},
		{"schema", func() error {
			_, err := NewShuffledHashJoin(ln, rn, InnerJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", left)
			return err
		}, "output schema has 7 fields, the join outputs 14"},
		{"broadcast right outer", func() error {
			_, err := NewBroadcastHashJoin(ln, bx, RightOuterJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "would repeat"},
		{"broadcast full outer", func() error {
			_, err := NewRowBroadcastHashJoin(jtC2R(t, ln), bx, FullOuterJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "would repeat"},
		{"broadcast keys", func() error {
			_, err := NewBroadcastHashJoin(ln, bx, InnerJoin, []int{1}, []int{1}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "build key 0 is column 1"},
		{"broadcast identity", func() error {
			_, err := NewBroadcastHashJoin(ln, ibx, InnerJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "hashed on 0 keys"},
		{"nested loop hashed", func() error {
			_, err := NewBroadcastNestedLoopJoin(ln, bx, InnerJoin, nil, "", nil)
			return err
		}, "IdentityBroadcastMode"},
		{"nested loop type", func() error {
			_, err := NewBroadcastNestedLoopJoin(ln, ibx, FullOuterJoin, nil, "", nil)
			return err
		}, "not supported"},
		{"join type", func() error {
			_, err := NewShuffledHashJoin(ln, rn, JoinType(42), []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
			return err
		}, "unknown join type"},
		{"exchange key", func() error {
			_, err := NewBroadcastExchange(rn, BroadcastMode{Keys: []int{12}}, 1)
			return err
		}, "out of range"},
	}
	for _, c := range cases {
		err := c.make()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	// Reading a broadcast before its map stage ran is an error, not a hang.
	j, err := NewBroadcastHashJoin(ln, bx, InnerJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	if _, err := j.Execute(context.Background(), 0, &TaskContext{Alloc: mem}); err == nil || !strings.Contains(err.Error(), "before its map stage ran") {
		t.Errorf("unmaterialized broadcast: %v", err)
	}
	if _, err := j.Execute(context.Background(), 5, &TaskContext{Alloc: mem}); err == nil {
		t.Errorf("partition out of range: no error")
	}
	mem.AssertSize(t, 0)
}
