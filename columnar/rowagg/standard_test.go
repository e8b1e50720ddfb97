package rowagg

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// testTypes are the input types of the differential tests.
var testTypes = []arrow.DataType{
	columnar.Boolean, columnar.Int32, columnar.Int64, columnar.Float64,
	columnar.Decimal(9, 2),   // sum: decimal(19,2), a 128-bit result from 64-bit input
	columnar.Decimal(15, 2),  // TPC-H's
	columnar.Decimal(28, 4),  // sum: decimal(38,4), overflows
	columnar.Decimal(38, 10), // sum: decimal(38,10), overflows
	columnar.String, columnar.Binary, columnar.Date, columnar.Timestamp, columnar.Null,
}

var testKinds = []agg.AggKind{agg.Count, agg.CountStar, agg.Sum, agg.Avg, agg.Min, agg.Max}

// compareGroups compares, for every group, the row accumulator's result and
// state with the columnar one's.
func compareGroups(t *testing.T, acc Accumulator, res arrow.Array, states []arrow.Array, groups int) {
	t.Helper()
	if acc.NumGroups() != groups {
		t.Fatalf("NumGroups = %d, want %d", acc.NumGroups(), groups)
	}
	rt := acc.ResultType()
	st := acc.StateTypes()
	for g := 0; g < groups; g++ {
		l, r := writeOne(t, []arrow.DataType{rt}, func(w *rows.Writer) error { return acc.WriteResult(uint32(g), w, 0) })
		got, want := rowValue(l, rt, r, 0), arrowValue(res, g)
		if !sameValue(got, want) {
			t.Fatalf("group %d: result %s, columnar %s", g, fmtValue(got, rt), fmtValue(want, rt))
		}
		if states == nil {
			continue
		}
		l, r = writeOne(t, st, func(w *rows.Writer) error { return acc.WriteState(uint32(g), w, 0) })
		for j, ty := range st {
			got, want := rowValue(l, ty, r, j), arrowValue(states[j], g)
			if !sameValue(got, want) {
				t.Fatalf("group %d: state %d %s, columnar %s", g, j, fmtValue(got, ty), fmtValue(want, ty))
			}
		}
	}
}

// TestStandardMatchesColumnar runs every standard aggregate over random
// input (NULLs and edge values included) through columnar/agg and through
// the row accumulator, and compares results and partial states group by
// group; then it merges partial states across the engines (row states into
// a columnar final and columnar states into a row final) and compares the
// finals.
func TestStandardMatchesColumnar(t *testing.T) {
	for _, kind := range testKinds {
		for _, typ := range testTypes {
			if kind == agg.CountStar && typ.ID() != arrow.INT64 {
				continue // count(*) ignores its input type
			}
			for _, groups := range []int{1, 7} {
				name := fmt.Sprintf("%s(%s)/groups=%d", kind, columnar.TypeName(typ), groups)
				t.Run(name, func(t *testing.T) { testStandard(t, kind, typ, groups) })
			}
		}
	}
}

func testStandard(t *testing.T, kind agg.AggKind, typ arrow.DataType, groups int) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ref, refErr := agg.NewAccumulator(kind, typ)
	acc, err := New(SpecOf(kind, typ))
	if refErr != nil {
		if err == nil {
			t.Fatalf("columnar rejects %s(%s) (%v), row accepts it", kind, typ, refErr)
		}
		if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error %v wraps neither ErrUnsupported nor ErrInvalid", err)
		}
		return
	}
	defer ref.Release()
	if err != nil {
		t.Fatalf("row rejects %s(%s): %v", kind, typ, err)
	}
	rt, err := ResolveAggregate(kind.String(), map[bool][]arrow.DataType{true: nil, false: {typ}}[kind == agg.CountStar])
	if err != nil || !arrow.TypeEqual(rt, ref.ResultType()) {
		t.Fatalf("ResolveAggregate = %v, %v; want %s", rt, err, ref.ResultType())
	}
	if !arrow.TypeEqual(acc.ResultType(), ref.ResultType()) {
		t.Fatalf("result type %s, columnar %s", acc.ResultType(), ref.ResultType())
	}
	if len(acc.StateTypes()) != len(ref.StateTypes()) {
		t.Fatalf("state types %v, columnar %v", acc.StateTypes(), ref.StateTypes())
	}
	for i := range acc.StateTypes() {
		if !arrow.TypeEqual(acc.StateTypes()[i], ref.StateTypes()[i]) {
			t.Fatalf("state types %v, columnar %v", acc.StateTypes(), ref.StateTypes())
		}
	}

	rng := rand.New(rand.NewPCG(uint64(kind), uint64(groups)))
	const n = 600
	in := randomArray(mem, rng, typ, n, 0.2)
	defer in.Release()
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(rng.IntN(groups))
	}
	var refIn arrow.Array
	if kind != agg.CountStar {
		refIn = in
	}

	// One pass over all rows.
	if err := ref.Update(ids, groups, refIn); err != nil {
		t.Fatal(err)
	}
	l, rs := toRows(t, []arrow.Array{in})
	for i, r := range rs {
		col := 0
		if kind == agg.CountStar {
			col = -1
		}
		if err := acc.Update(ids[i], l, r, col); err != nil {
			t.Fatal(err)
		}
	}
	if err := acc.Grow(groups); err != nil {
		t.Fatal(err)
	}
	res, err := ref.Result(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	states, err := ref.State(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseAll(states)
	compareGroups(t, acc, res, states, groups)

	// Cross-engine merges: the first half's partial state comes from the
	// columnar accumulator, the second half's from the row one.
	half := n / 2
	refA, _ := agg.NewAccumulator(kind, typ)
	defer refA.Release()
	var inA arrow.Array
	if refIn != nil {
		inA = array.NewSlice(in, 0, int64(half))
		defer inA.Release()
	}
	if err := refA.Update(ids[:half], groups, inA); err != nil {
		t.Fatal(err)
	}
	stA, err := refA.State(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseAll(stA)
	accB, _ := New(SpecOf(kind, typ))
	for i := half; i < n; i++ {
		col := 0
		if kind == agg.CountStar {
			col = -1
		}
		if err := accB.Update(ids[i], l, rs[i], col); err != nil {
			t.Fatal(err)
		}
	}
	_ = accB.Grow(groups)
	st := acc.StateTypes()
	stRowsB := make([]rows.Row, groups)
	var stL *rows.Layout
	for g := range stRowsB {
		stL, stRowsB[g] = writeOne(t, st, func(w *rows.Writer) error { return accB.WriteState(uint32(g), w, 0) })
	}
	stArrB := toArrays(t, mem, stL, st, stRowsB)
	defer releaseAll(stArrB)
	stLA, stRowsA := toRows(t, stA)
	gids := make([]uint32, groups)
	for g := range gids {
		gids[g] = uint32(g)
	}

	// Columnar final: A's states, then B's (from rows).
	refF, _ := agg.NewAccumulator(kind, typ)
	defer refF.Release()
	if err := refF.Merge(gids, groups, stA); err != nil {
		t.Fatal(err)
	}
	if err := refF.Merge(gids, groups, stArrB); err != nil {
		t.Fatal(err)
	}
	resF, err := refF.Result(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer resF.Release()
	// Row final: A's states (from arrays), then B's.
	accF, _ := New(SpecOf(kind, typ))
	for g := 0; g < groups; g++ {
		if err := accF.Merge(uint32(g), stLA, stRowsA[g], 0); err != nil {
			t.Fatal(err)
		}
	}
	for g := 0; g < groups; g++ {
		if err := accF.Merge(uint32(g), stL, stRowsB[g], 0); err != nil {
			t.Fatal(err)
		}
	}
	compareGroups(t, accF, resF, nil, groups)

	if accF.MemoryUsage() <= 0 && kind != agg.Min && kind != agg.Max {
		t.Errorf("MemoryUsage = %d with %d groups", accF.MemoryUsage(), groups)
	}
	accF.Reset()
	if accF.NumGroups() != 0 {
		t.Errorf("NumGroups after Reset = %d", accF.NumGroups())
	}
}
