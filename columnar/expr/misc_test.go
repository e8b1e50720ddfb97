package expr

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCompare(t *testing.T) {
	mem := newMem(t)
	nan := math.NaN()
	ops := []CmpOp{Eq, NotEq, Lt, LtEq, Gt, GtEq, EqNullSafe}
	cases := []struct {
		typ  arrow.DataType
		a, b []any
		// want per op, in the order of ops
		want [7][]any
	}{
		{tI32, []any{1, 2, 3, nil, nil}, []any{2, 2, 2, 1, nil}, [7][]any{
			{false, true, false, nil, nil}, {true, false, true, nil, nil}, {true, false, false, nil, nil},
			{true, true, false, nil, nil}, {false, false, true, nil, nil}, {false, true, true, nil, nil},
			{false, true, false, false, true}}},
		{tI64, []any{math.MinInt64, math.MaxInt64}, []any{math.MaxInt64, math.MaxInt64}, [7][]any{
			{false, true}, {true, false}, {true, false}, {true, true}, {false, false}, {false, true}, {false, true}}},
		{tF64, []any{nan, nan, 1.0, math.Copysign(0, -1), math.Inf(1)}, []any{nan, 1.0, nan, 0.0, nan}, [7][]any{
			{true, false, false, true, false}, {false, true, true, false, true}, {false, false, true, false, true},
			{true, false, true, true, true}, {false, true, false, false, false}, {true, true, false, true, false},
			{true, false, false, true, false}}},
		{tStr, []any{"a", "ab", "", "é", "b"}, []any{"ab", "ab", "a", "z", nil}, [7][]any{
			{false, true, false, false, nil}, {true, false, true, true, nil}, {true, false, true, false, nil},
			{true, true, true, false, nil}, {false, false, false, true, nil}, {false, true, false, true, nil},
			{false, true, false, false, false}}},
		{tBool, []any{false, false, true, true, nil}, []any{false, true, false, true, true}, [7][]any{
			{true, false, false, true, nil}, {false, true, true, false, nil}, {false, true, false, false, nil},
			{true, true, false, true, nil}, {false, false, true, false, nil}, {true, false, true, true, nil},
			{true, false, false, true, false}}},
		{tDate, []any{"1969-12-31", "2000-02-29"}, []any{"1970-01-01", "2000-02-29"}, [7][]any{
			{false, true}, {true, false}, {true, false}, {true, true}, {false, false}, {false, true}, {false, true}}},
		{tTS, []any{"2020-01-01 00:00:00.000001"}, []any{"2020-01-01 00:00:00"}, [7][]any{
			{false}, {true}, {false}, {false}, {true}, {true}, {false}}},
		{tBin, []any{"\x00\xff", "a"}, []any{"\x00\xfe", "a"}, [7][]any{
			{false, true}, {true, false}, {false, false}, {false, true}, {true, false}, {true, true}, {false, true}}},
	}
	for _, c := range cases {
		for k, op := range ops {
			checkForms(t, mem, func(cols []Expr) (Expr, error) { return Compare(op, cols[0], cols[1]) },
				[]arrow.DataType{c.typ, c.typ}, [][]any{c.a, c.b}, c.want[k])
		}
	}
}

func TestCompareDecimalScales(t *testing.T) {
	mem := newMem(t)
	checkForms(t, mem, func(cols []Expr) (Expr, error) { return Compare(Lt, cols[0], cols[1]) },
		[]arrow.DataType{tDec(15, 2), tDec(38, 37)}, [][]any{{"1.00", "-1.00", "0.05", "9999999999999.99"}, {"1.0000000000000000000000000000000000001", "-1", "0.05", "0"}},
		[]any{true, false, false, false})
	checkForms(t, mem, func(cols []Expr) (Expr, error) { return Compare(Eq, cols[0], cols[1]) },
		[]arrow.DataType{tDec(38, 0), tDec(38, 10)}, [][]any{{"99999999999999999999999999999999999999", "5", nil}, {"9999999999999999999999999999.0000000000", "5.0000000000", "1"}},
		[]any{false, true, nil})
}

func TestCompareLiteral(t *testing.T) {
	mem := newMem(t)
	n := 21 // not a multiple of 8
	ints := make([]any, n)
	for i := range ints {
		ints[i] = i
		if i == 4 {
			ints[i] = nil
		}
	}
	batch := batchOf(sliced(t, mem, tI64, 3, ints...))
	defer batch.Release()
	for _, c := range []struct {
		op   CmpOp
		flip bool
		f    func(int) bool
	}{
		{Lt, false, func(i int) bool { return i < 10 }},
		{Lt, true, func(i int) bool { return 10 < i }},
		{GtEq, false, func(i int) bool { return i >= 10 }},
		{GtEq, true, func(i int) bool { return 10 >= i }},
		{Eq, true, func(i int) bool { return i == 10 }},
		{NotEq, false, func(i int) bool { return i != 10 }},
	} {
		l, r := col(0, tI64), Expr(lit(t, 10, tI64))
		if c.flip {
			l, r = r, l
		}
		e := mk(Compare(c.op, l, r))
		exp := make([]any, n)
		for i := range exp {
			if i != 4 {
				exp[i] = c.f(i)
			}
		}
		checkValues(t, e.String(), eval(t, mem, e, batch), exp, tBool)
	}
	// Strings, decimals and NULL literals.
	sb := batchOf(build(t, mem, tStr, "MAIL", "SHIP", nil, "AIR"), build(t, mem, tDec(15, 2), "0.05", "0.06", "0.07", nil))
	defer sb.Release()
	e := mk(Compare(Eq, col(0, tStr), lit(t, "SHIP", tStr)))
	checkValues(t, e.String(), eval(t, mem, e, sb), []any{false, true, nil, false}, tBool)
	e = mk(Compare(Gt, lit(t, "MAIL", tStr), col(0, tStr)))
	checkValues(t, e.String(), eval(t, mem, e, sb), []any{false, false, nil, true}, tBool)
	e = mk(Compare(LtEq, col(1, tDec(15, 2)), lit(t, "0.06", tDec(3, 2))))
	checkValues(t, e.String(), eval(t, mem, e, sb), []any{true, true, false, nil}, tBool)
	e = mk(Compare(GtEq, col(1, tDec(15, 2)), lit(t, "0.055", tDec(4, 3))))
	checkValues(t, e.String(), eval(t, mem, e, sb), []any{false, true, true, nil}, tBool)
	nl, _ := Literal(nil, tStr)
	e = mk(Compare(Eq, col(0, tStr), nl))
	checkValues(t, e.String(), eval(t, mem, e, sb), []any{nil, nil, nil, nil}, tBool)
	e = mk(Compare(EqNullSafe, col(0, tStr), nl))
	checkValues(t, e.String(), eval(t, mem, e, sb), []any{false, false, true, false}, tBool)
	untyped, _ := Literal(nil, tNull)
	e = mk(Compare(EqNullSafe, untyped, col(1, tDec(15, 2))))
	checkValues(t, e.String(), eval(t, mem, e, sb), []any{false, false, false, true}, tBool)
	if s := mk(Compare(NotEq, col(0, tStr), lit(t, "x", tStr))).String(); s != "NOT (c0#0 = x)" {
		t.Errorf("String() = %q", s)
	}
	if _, err := Compare(Eq, col(0, tStr), col(1, tI32)); err == nil {
		t.Error("string = int accepted")
	}
}

func TestLogic(t *testing.T) {
	mem := newMem(t)
	a := []any{true, true, true, false, false, false, nil, nil, nil}
	b := []any{true, false, nil, true, false, nil, true, false, nil}
	checkForms(t, mem, func(c []Expr) (Expr, error) { return And(c[0], c[1]) }, []arrow.DataType{tBool, tBool}, [][]any{a, b},
		[]any{true, false, nil, false, false, false, nil, false, nil})
	checkForms(t, mem, func(c []Expr) (Expr, error) { return Or(c[0], c[1]) }, []arrow.DataType{tBool, tBool}, [][]any{a, b},
		[]any{true, true, true, true, false, nil, true, nil, nil})
	checkForms(t, mem, func(c []Expr) (Expr, error) { return Not(c[0]) }, []arrow.DataType{tBool}, [][]any{a},
		[]any{false, false, false, true, true, true, nil, nil, nil})
	checkForms(t, mem, func(c []Expr) (Expr, error) { return IsNull(c[0]) }, []arrow.DataType{tBool}, [][]any{a},
		[]any{false, false, false, false, false, false, true, true, true})
	checkForms(t, mem, func(c []Expr) (Expr, error) { return IsNotNull(c[0]) }, []arrow.DataType{tStr}, [][]any{{"a", nil, ""}},
		[]any{true, false, true})
	// Long inputs exercise the word-at-a-time loop; literals and
	// short-circuiting.
	n := 200
	av, bv := make([]any, n), make([]any, n)
	wantAnd, wantOr := make([]any, n), make([]any, n)
	for i := 0; i < n; i++ {
		av[i], bv[i] = a[i%9], b[(i/9)%9]
		x, y := av[i], bv[i]
		wantAnd[i], wantOr[i] = kleeneRef(true, x, y), kleeneRef(false, x, y)
	}
	checkForms(t, mem, func(c []Expr) (Expr, error) { return And(c[0], c[1]) }, []arrow.DataType{tBool, tBool}, [][]any{av, bv}, wantAnd)
	checkForms(t, mem, func(c []Expr) (Expr, error) { return Or(c[0], c[1]) }, []arrow.DataType{tBool, tBool}, [][]any{av, bv}, wantOr)
	nullB, _ := Literal(nil, tBool)
	checkForms(t, mem, func(c []Expr) (Expr, error) { return And(c[0], nullB) }, []arrow.DataType{tBool}, [][]any{{true, false, nil}}, []any{nil, false, nil})
	checkForms(t, mem, func(c []Expr) (Expr, error) { return Or(lit(t, true, tBool), c[0]) }, []arrow.DataType{tBool}, [][]any{{true, false, nil}}, []any{true, true, true})
	// An all-false left side decides AND without evaluating the right
	// side (here a column that is not in the batch).
	checkForms(t, mem, func(c []Expr) (Expr, error) { return And(c[0], Column(9, "missing#9", tBool)) }, []arrow.DataType{tBool}, [][]any{{false, false}}, []any{false, false})
	if _, err := And(col(0, tI32), col(1, tBool)); err == nil {
		t.Error("int AND boolean accepted")
	}
}

func kleeneRef(and bool, x, y any) any {
	xb, xok := x.(bool)
	yb, yok := y.(bool)
	if and {
		if (xok && !xb) || (yok && !yb) {
			return false
		}
		if xok && yok {
			return true
		}
		return nil
	}
	if (xok && xb) || (yok && yb) {
		return true
	}
	if xok && yok {
		return false
	}
	return nil
}
