package agg

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestResultType(t *testing.T) {
	for _, tc := range []struct {
		kind  AggKind
		in    arrow.DataType
		want  arrow.DataType
		error error
	}{
		{Count, tStr, tI64, nil},
		{Count, tNull, tI64, nil},
		{CountStar, nil, tI64, nil},
		{Sum, tI32, tI64, nil},
		{Sum, tI64, tI64, nil},
		{Sum, tF64, tF64, nil},
		{Sum, tNull, tF64, nil},
		{Sum, dec(15, 2), dec(25, 2), nil},
		{Sum, dec(30, 5), dec(38, 5), nil},
		{Sum, tStr, nil, ErrUnsupported},
		{Sum, tDate, nil, ErrUnsupported},
		{Sum, tBool, nil, ErrUnsupported},
		{Avg, tI32, tF64, nil},
		{Avg, tI64, tF64, nil},
		{Avg, tF64, tF64, nil},
		{Avg, tNull, tF64, nil},
		{Avg, dec(15, 2), dec(19, 6), nil},
		{Avg, dec(36, 36), dec(38, 38), nil},
		{Avg, tTS, nil, ErrUnsupported},
		{Min, tStr, tStr, nil},
		{Max, tTS, tTS, nil},
		{Max, dec(7, 3), dec(7, 3), nil},
		{Min, tNull, tNull, nil},
		{Min, arrow.PrimitiveTypes.Uint8, nil, ErrUnsupported},
		{Sum, nil, nil, ErrInvalid},
		{AggKind(42), tI64, nil, ErrUnsupported},
	} {
		got, err := ResultType(tc.kind, tc.in)
		if tc.error != nil {
			if !errors.Is(err, tc.error) {
				t.Errorf("%s(%v): err = %v, want %v", tc.kind, tc.in, err, tc.error)
			}
			if _, err := NewAccumulator(tc.kind, tc.in); !errors.Is(err, tc.error) {
				t.Errorf("NewAccumulator %s(%v): err = %v, want %v", tc.kind, tc.in, err, tc.error)
			}
			continue
		}
		if err != nil || !arrow.TypeEqual(got, tc.want) {
			t.Errorf("%s(%v) = %v, %v; want %v", tc.kind, tc.in, got, err, tc.want)
			continue
		}
		acc, err := NewAccumulator(tc.kind, tc.in)
		if err != nil {
			t.Errorf("NewAccumulator %s(%v): %v", tc.kind, tc.in, err)
			continue
		}
		if !arrow.TypeEqual(acc.ResultType(), tc.want) || acc.Kind() != tc.kind {
			t.Errorf("accumulator %s(%v): result type %v kind %v", tc.kind, tc.in, acc.ResultType(), acc.Kind())
		}
		acc.Release()
	}
}

// reference computes the expected result of kind over the values of each
// group (values nil = NULL), the way Spark defines them.
func reference(kind AggKind, in arrow.DataType, groups [][]any) []any {
	out := make([]any, len(groups))
	for g, vals := range groups {
		var nonNull []any
		for _, v := range vals {
			if v != nil {
				nonNull = append(nonNull, v)
			}
		}
		switch kind {
		case CountStar:
			out[g] = int64(len(vals))
			continue
		case Count:
			out[g] = int64(len(nonNull))
			continue
		}
		if len(nonNull) == 0 {
			if kind == Min || kind == Max || in.ID() != arrow.NULL || true {
				out[g] = nil
			}
			continue
		}
		switch kind {
		case Sum:
			switch in.ID() {
			case arrow.INT32, arrow.INT64:
				var s int64
				for _, v := range nonNull {
					s += toI64(v)
				}
				out[g] = s
			case arrow.FLOAT64:
				var s float64
				for _, v := range nonNull {
					s += v.(float64)
				}
				out[g] = s
			case arrow.DECIMAL128:
				p := in.(*arrow.Decimal128Type).Precision
				s := bigSum(nonNull)
				if fitsPrec(s, min(38, p+10)) {
					out[g] = decimal128.FromBigInt(s)
				}
			}
		case Avg:
			switch in.ID() {
			case arrow.INT32, arrow.INT64, arrow.FLOAT64:
				var s float64
				for _, v := range nonNull {
					if f, ok := v.(float64); ok {
						s += f
					} else {
						s += float64(toI64(v))
					}
				}
				out[g] = s / float64(len(nonNull))
			case arrow.DECIMAL128:
				d := in.(*arrow.Decimal128Type)
				s := bigSum(nonNull)
				if !fitsPrec(s, min(38, d.Precision+10)) {
					continue
				}
				rs := min(38, d.Scale+4)
				q := divHalfUp(new(big.Int).Mul(s, bigPow10(rs-d.Scale)), int64(len(nonNull)))
				if fitsPrec(q, min(38, d.Precision+4)) {
					out[g] = decimal128.FromBigInt(q)
				}
			}
		case Min, Max:
			best := nonNull[0]
			for _, v := range nonNull[1:] {
				c := refCmp(v, best)
				if (kind == Max && c > 0) || (kind == Min && c < 0) {
					best = v
				}
			}
			out[g] = best
		}
	}
	return out
}

func toI64(v any) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	}
	panic(v)
}

func bigSum(vals []any) *big.Int {
	s := new(big.Int)
	for _, v := range vals {
		s.Add(s, v.(decimal128.Num).BigInt())
	}
	return s
}

func refCmp(a, b any) int {
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	case int32:
		return cmpOrd(x, b.(int32))
	case int64:
		return cmpOrd(x, b.(int64))
	case arrow.Date32:
		return cmpOrd(x, b.(arrow.Date32))
	case arrow.Timestamp:
		return cmpOrd(x, b.(arrow.Timestamp))
	case float64:
		y := b.(float64)
		xn, yn := math.IsNaN(x), math.IsNaN(y)
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		}
		return cmpOrd(x, y)
	case string:
		return bytes.Compare([]byte(x), []byte(b.(string)))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case decimal128.Num:
		return x.BigInt().Cmp(b.(decimal128.Num).BigInt())
	}
	panic(a)
}

func cmpOrd[T int32 | int64 | float64 | arrow.Date32 | arrow.Timestamp](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

type accCase struct {
	kind AggKind
	in   arrow.DataType
	gen  valueGen
}

func accCases() []accCase {
	bigDec := func(p int32) valueGen {
		// Values near the top of decimal(p, s): sums overflow
		// decimal(min(38, p+10)) once p+10 > 38.
		return func(r *rand.Rand) any {
			if r.IntN(8) == 0 {
				return nil
			}
			v := randBig(r, bigPow10(p))
			if r.IntN(2) == 0 {
				v.Neg(v)
			}
			return decimal128.FromBigInt(v)
		}
	}
	posBigDec := func(p int32) valueGen {
		// Large positive values: a partial sum overflows only if the
		// total does.
		return func(r *rand.Rand) any {
			half := new(big.Int).Quo(bigPow10(p), big.NewInt(2))
			return decimal128.FromBigInt(randBig(r, half).Add(half, randBig(r, half)))
		}
	}
	wrapI64 := func(r *rand.Rand) any {
		if r.IntN(10) == 0 {
			return nil
		}
		return math.MaxInt64 - r.Int64N(100)
	}
	intF64 := func(r *rand.Rand) any { // exact in double whatever the order
		switch r.IntN(20) {
		case 0:
			return nil
		case 1:
			return math.Inf(1)
		case 2:
			return math.Copysign(0, -1)
		}
		return float64(r.IntN(1000) - 500)
	}
	var cs []accCase
	for _, k := range []AggKind{Count, CountStar} {
		cs = append(cs, accCase{k, tStr, genOf(tStr, 10, 0.3)}, accCase{k, tNull, genOf(tNull, 1, 0)})
	}
	for _, k := range []AggKind{Sum, Avg} {
		cs = append(cs,
			accCase{k, tI32, genOf(tI32, 1000, 0.2)},
			accCase{k, tI64, genOf(tI64, 100000, 0.2)},
			accCase{k, tF64, intF64},
			accCase{k, tNull, genOf(tNull, 1, 0)},
			accCase{k, dec(12, 2), genOf(dec(12, 2), 1000000, 0.2)},
			accCase{k, dec(38, 0), bigDec(38)},
			accCase{k, dec(35, 3), bigDec(35)},
			accCase{k, dec(30, 10), posBigDec(30)},
		)
	}
	cs = append(cs, accCase{Sum, tI64, wrapI64})
	for _, k := range []AggKind{Min, Max} {
		for _, ty := range []arrow.DataType{tBool, tI32, tI64, tF64, tStr, tBin, tDate, tTS, dec(20, 4), tNull} {
			cs = append(cs, accCase{k, ty, genOf(ty, 500, 0.2)})
		}
		cs = append(cs, accCase{k, dec(38, 0), bigDec(38)})
	}
	return cs
}

// randBig returns a random value in [0, lim).
func randBig(r *rand.Rand, lim *big.Int) *big.Int {
	v := new(big.Int).SetUint64(r.Uint64())
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(r.Uint64()))
	return v.Mod(v, lim)
}

// checkResult compares an accumulator's result array with want.
func checkResult(t *testing.T, what string, got arrow.Array, want []any, zeroSign bool) {
	t.Helper()
	if got.Len() != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, got.Len(), len(want))
	}
	for g := range want {
		v := valueAt(got, g)
		if f, ok := want[g].(float64); ok && v != nil {
			if gf := v.(float64); !math.IsNaN(f) && !math.IsInf(f, 0) && f != 0 && math.Abs(gf-f) <= 1e-9*math.Abs(f) {
				continue
			}
		}
		if !sameValue(v, want[g], zeroSign) {
			t.Fatalf("%s: group %d = %v, want %v", what, g, v, want[g])
		}
	}
}

func TestAccumulatorsMatchReference(t *testing.T) {
	for ci, c := range accCases() {
		for _, numGroups := range []int{1, 7, 300} {
			t.Run(fmt.Sprintf("%s(%s)/groups=%d", c.kind, c.in, numGroups), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				r := rand.New(rand.NewPCG(uint64(ci), uint64(numGroups)))
				acc, err := NewAccumulator(c.kind, c.in)
				if err != nil {
					t.Fatal(err)
				}
				defer acc.Release()
				groups := make([][]any, numGroups)
				for b, n := range []int{0, 1, 333, 1000, 64} {
					vals := make([]any, n)
					ids := make([]uint32, n)
					for i := range vals {
						vals[i] = c.gen(r)
						ids[i] = uint32(r.IntN(numGroups))
						groups[ids[i]] = append(groups[ids[i]], vals[i])
					}
					var in arrow.Array
					if c.kind != CountStar || b%2 == 0 {
						in = buildSliced(mem, c.in, vals, b%3, c.gen, r)
					}
					if err := acc.Update(ids, numGroups, in); err != nil {
						t.Fatal(err)
					}
					if in != nil {
						in.Release()
					}
				}
				if acc.NumGroups() != numGroups {
					t.Fatalf("NumGroups %d, want %d", acc.NumGroups(), numGroups)
				}
				res, err := acc.Result(mem)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Release()
				if !arrow.TypeEqual(res.DataType(), acc.ResultType()) {
					t.Fatalf("result type %s, want %s", res.DataType(), acc.ResultType())
				}
				checkResult(t, "one pass", res, reference(c.kind, c.in, groups), true)
				if stateless := (c.kind == Min || c.kind == Max) && c.in.ID() == arrow.NULL; !stateless && acc.MemoryUsage() <= 0 {
					t.Errorf("MemoryUsage %d", acc.MemoryUsage())
				}
			})
		}
	}
}

// TestAccumulatorsMergeSplits splits the rows across tasks arbitrarily,
// aggregates each task, merges the partial states (as sliced arrays, in
// another order) and expects the one-pass result.
func TestAccumulatorsMergeSplits(t *testing.T) {
	for ci, c := range accCases() {
		t.Run(fmt.Sprintf("%s(%s)", c.kind, c.in), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			r := rand.New(rand.NewPCG(uint64(ci), 5))
			const numGroups, rows, tasks = 40, 3000, 5
			vals := make([]any, rows)
			ids := make([]uint32, rows)
			taskOf := make([]int, rows)
			groups := make([][]any, numGroups)
			for i := range vals {
				vals[i] = c.gen(r)
				ids[i] = uint32(r.IntN(numGroups))
				taskOf[i] = r.IntN(tasks)
				groups[ids[i]] = append(groups[ids[i]], vals[i])
			}
			// Each task sees a random subset and only the groups of it,
			// renumbered locally as a task's own GroupTable would.
			final, err := NewAccumulator(c.kind, c.in)
			if err != nil {
				t.Fatal(err)
			}
			defer final.Release()
			for task := tasks - 1; task >= 0; task-- {
				local := map[uint32]uint32{}
				var global []uint32
				var tv []any
				var tid []uint32
				for i := range vals {
					if taskOf[i] != task {
						continue
					}
					l, ok := local[ids[i]]
					if !ok {
						l = uint32(len(global))
						local[ids[i]] = l
						global = append(global, ids[i])
					}
					tv = append(tv, vals[i])
					tid = append(tid, l)
				}
				acc, err := NewAccumulator(c.kind, c.in)
				if err != nil {
					t.Fatal(err)
				}
				in := buildSliced(mem, c.in, tv, task%2, c.gen, r)
				if err := acc.Update(tid, len(global), in); err != nil {
					t.Fatal(err)
				}
				in.Release()
				states, err := acc.State(mem)
				if err != nil {
					t.Fatal(err)
				}
				acc.Release()
				for i, s := range states {
					if !arrow.TypeEqual(s.DataType(), final.StateTypes()[i]) {
						t.Fatalf("state %d type %s, want %s", i, s.DataType(), final.StateTypes()[i])
					}
				}
				// Merge in two pieces, the second as slices with an offset.
				cut := len(global) / 2
				for _, part := range [][2]int{{0, cut}, {cut, len(global)}} {
					sl := make([]arrow.Array, len(states))
					for i, s := range states {
						sl[i] = array.NewSlice(s, int64(part[0]), int64(part[1]))
					}
					if err := final.Merge(global[part[0]:part[1]], numGroups, sl); err != nil {
						t.Fatal(err)
					}
					for _, s := range sl {
						s.Release()
					}
				}
				for _, s := range states {
					s.Release()
				}
			}
			res, err := final.Result(mem)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Release()
			want := reference(c.kind, c.in, groups)
			if d, ok := c.in.(*arrow.Decimal128Type); ok && (c.kind == Sum || c.kind == Avg) {
				// A partial sum that overflows decimal(min(38,p+10)) is NULL
				// in the state (as in Spark), which makes the group NULL
				// even if the total would fit.
				for g := range groups {
					for task := 0; task < tasks; task++ {
						s := new(big.Int)
						for i := range vals {
							if taskOf[i] == task && ids[i] == uint32(g) && vals[i] != nil {
								s.Add(s, vals[i].(decimal128.Num).BigInt())
							}
						}
						if !fitsPrec(s, min(38, d.Precision+10)) {
							want[g] = nil
						}
					}
				}
			}
			// Min/max of doubles may keep -0.0 or 0.0 depending on the
			// split; they are equal values.
			checkResult(t, "merged", res, want, false)
		})
	}
}

func TestDecimalAvgRounding(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   arrow.DataType
		vals []int64 // unscaled
		want string  // unscaled result, or "" for NULL
	}{
		{"thirds", dec(5, 2), []int64{100, 200, 200}, "1666667"},
		{"half up positive", dec(3, 0), append([]int64{1}, make([]int64, 31)...), "313"},
		{"half up negative", dec(3, 0), append([]int64{-1}, make([]int64, 31)...), "-313"},
		{"exact", dec(5, 2), []int64{-1, -2}, "-15000"},
		{"below half", dec(3, 0), append([]int64{1}, make([]int64, 32)...), "303"},
		{"scale capped at 38", dec(36, 36), []int64{1, 2}, "150"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			acc, err := NewAccumulator(Avg, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			defer acc.Release()
			vals := make([]any, len(tc.vals))
			for i, v := range tc.vals {
				vals[i] = decimal128.FromI64(v)
			}
			in := build(mem, tc.in, vals)
			defer in.Release()
			if err := acc.Update(make([]uint32, len(vals)), 1, in); err != nil {
				t.Fatal(err)
			}
			res, err := acc.Result(mem)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Release()
			got := valueAt(res, 0)
			if got == nil || got.(decimal128.Num).BigInt().String() != tc.want {
				t.Fatalf("avg = %v, want unscaled %s (type %s)", got, tc.want, res.DataType())
			}
		})
	}
}

func TestSumOverflowAndEmpty(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	max38 := decimal128.FromBigInt(new(big.Int).Sub(bigPow10(38), big.NewInt(1)))
	vals := []any{max38, decimal128.FromI64(1), nil, max38, max38.Negate()}
	ids := []uint32{0, 0, 1, 2, 2}
	in := build(mem, dec(38, 0), vals)
	defer in.Release()
	acc, _ := NewAccumulator(Sum, dec(38, 0))
	defer acc.Release()
	if err := acc.Update(ids, 4, in); err != nil {
		t.Fatal(err)
	}
	res, err := acc.Result(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	// group 0 overflows; group 1 saw only NULL; group 2 nets to 0; group 3
	// saw nothing.
	want := []any{nil, nil, decimal128.FromI64(0), nil}
	checkResult(t, "sum", res, want, true)
	st, err := acc.State(mem)
	if err != nil {
		t.Fatal(err)
	}
	// State: the overflowed sum is NULL with isEmpty false; empty groups
	// carry 0 with isEmpty true.
	wantSum := []any{nil, decimal128.FromI64(0), decimal128.FromI64(0), decimal128.FromI64(0)}
	wantEmpty := []any{false, true, false, true}
	checkResult(t, "state sum", st[0], wantSum, true)
	checkResult(t, "state isEmpty", st[1], wantEmpty, true)
	// Merging the overflowed state keeps the group NULL.
	m, _ := NewAccumulator(Sum, dec(38, 0))
	defer m.Release()
	if err := m.Merge([]uint32{0, 0, 1, 1}, 2, st); err != nil {
		t.Fatal(err)
	}
	mr, err := m.Result(mem)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, "merged", mr, []any{nil, decimal128.FromI64(0)}, true)
	mr.Release()
	for _, s := range st {
		s.Release()
	}
	// A global aggregation over no rows still has one group.
	for _, k := range []AggKind{Count, CountStar, Sum, Avg, Min, Max} {
		a, _ := NewAccumulator(k, tI64)
		empty := build(mem, tI64, nil)
		var in arrow.Array = empty
		if k == CountStar {
			in = nil
		}
		if err := a.Update(nil, 1, in); err != nil {
			t.Fatal(err)
		}
		empty.Release()
		r, err := a.Result(mem)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if k == Count || k == CountStar {
			want = int64(0)
		}
		checkResult(t, k.String()+" of nothing", r, []any{want}, true)
		r.Release()
		a.Release()
	}
}

func TestAccumulatorErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	i64 := build(mem, tI64, []any{int64(1), int64(2)})
	defer i64.Release()
	i32 := build(mem, tI32, []any{int32(1), int32(2)})
	defer i32.Release()
	acc, _ := NewAccumulator(Sum, tI64)
	defer acc.Release()
	for _, tc := range []struct {
		name      string
		ids       []uint32
		numGroups int
		in        arrow.Array
	}{
		{"id out of range", []uint32{0, 3}, 3, i64},
		{"id out of range single", []uint32{1, 0}, 1, i64},
		{"too few ids", []uint32{0}, 1, i64},
		{"wrong type", []uint32{0, 0}, 1, i32},
		{"nil input", []uint32{0, 0}, 1, nil},
		{"negative groups", []uint32{0, 0}, -1, i64},
	} {
		if err := acc.Update(tc.ids, tc.numGroups, tc.in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Update %s: err = %v, want ErrInvalid", tc.name, err)
		}
	}
	if err := acc.Merge([]uint32{0, 0}, 1, []arrow.Array{i64, i64}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Merge with two state columns: %v", err)
	}
	if err := acc.Merge([]uint32{0, 0}, 1, []arrow.Array{i32}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Merge with a wrong state type: %v", err)
	}
	if _, err := acc.Result(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Result(nil): %v", err)
	}
	if acc.NumGroups() != 0 {
		t.Errorf("failed calls grew the state to %d groups", acc.NumGroups())
	}
	cs, _ := NewAccumulator(CountStar, nil)
	defer cs.Release()
	if err := cs.Update([]uint32{0, 5}, 2, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("count(*) id out of range: %v", err)
	}
}

// TestAccumulatorsResetReuse aggregates, resets and aggregates other data:
// the second result must only reflect the second round.
func TestAccumulatorsResetReuse(t *testing.T) {
	for ci, c := range accCases() {
		t.Run(fmt.Sprintf("%s(%s)", c.kind, c.in), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			r := rand.New(rand.NewPCG(uint64(ci), 77))
			acc, err := NewAccumulator(c.kind, c.in)
			if err != nil {
				t.Fatal(err)
			}
			defer acc.Release()
			for round, numGroups := range []int{9, 4} {
				groups := make([][]any, numGroups)
				vals := make([]any, 200)
				ids := make([]uint32, len(vals))
				for i := range vals {
					vals[i] = c.gen(r)
					ids[i] = uint32(r.IntN(numGroups))
					groups[ids[i]] = append(groups[ids[i]], vals[i])
				}
				in := build(mem, c.in, vals)
				if err := acc.Update(ids, numGroups, in); err != nil {
					t.Fatal(err)
				}
				in.Release()
				res, err := acc.Result(mem)
				if err != nil {
					t.Fatal(err)
				}
				checkResult(t, fmt.Sprintf("round %d", round), res, reference(c.kind, c.in, groups), true)
				res.Release()
				acc.Reset()
				if acc.NumGroups() != 0 {
					t.Fatalf("NumGroups after Reset = %d", acc.NumGroups())
				}
			}
		})
	}
}

func TestAccumulatorReset(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := build(mem, tStr, []any{"b", "a", nil, "c"})
	defer in.Release()
	acc, _ := NewAccumulator(Max, tStr)
	defer acc.Release()
	for round := 0; round < 2; round++ {
		if err := acc.Update([]uint32{0, 1, 1, 0}, 2, in); err != nil {
			t.Fatal(err)
		}
		res, err := acc.Result(mem)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, "max", res, []any{"c", "a"}, true)
		res.Release()
		acc.Reset()
		if acc.NumGroups() != 0 {
			t.Fatalf("NumGroups after Reset = %d", acc.NumGroups())
		}
	}
}
