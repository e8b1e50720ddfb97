package expr

import (
	"math"
	"math/big"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func TestArithResultType(t *testing.T) {
	cases := []struct {
		op     ArithOp
		l, r   arrow.DataType
		want   arrow.DataType
		errSub string
	}{
		{Add, tI32, tI32, tI32, ""},
		{Mul, tI64, tI64, tI64, ""},
		{Mod, tI32, tI32, tI32, ""},
		{Div, tF64, tF64, tF64, ""},
		{Div, tI32, tI32, nil, "integer division"},
		{Add, tI32, tI64, nil, "both sides"},
		{Add, tStr, tStr, nil, "both sides"},
		{Add, tDec(15, 2), tDec(15, 2), tDec(16, 2), ""},
		{Sub, tDec(1, 0), tDec(15, 2), tDec(16, 2), ""},
		{Mul, tDec(15, 2), tDec(16, 2), tDec(32, 4), ""},
		{Mul, tDec(32, 4), tDec(16, 2), tDec(38, 6), ""},
		{Div, tDec(15, 2), tDec(15, 2), tDec(33, 18), ""},
		{Div, tDec(38, 10), tDec(38, 10), tDec(38, 6), ""},
		{Mod, tDec(10, 2), tDec(5, 3), tDec(5, 3), ""},
		{Add, tDec(38, 0), tDec(38, 38), tDec(38, 6), ""},
		{Mul, tDec(38, 20), tDec(38, 20), tDec(38, 6), ""},
		{Mul, tDec(20, 10), tDec(20, 10), tDec(38, 17), ""},
	}
	for _, c := range cases {
		got, err := ArithResultType(c.op, c.l, c.r)
		if c.errSub != "" {
			if err == nil || !contains(err.Error(), c.errSub) {
				t.Errorf("%s %s %s: err %v, want one containing %q", typeName(c.l), c.op, typeName(c.r), err, c.errSub)
			}
			continue
		}
		if err != nil || !arrow.TypeEqual(got, c.want) {
			t.Errorf("%s %s %s = %v, %v; want %s", typeName(c.l), c.op, typeName(c.r), got, err, typeName(c.want))
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (func() bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
		return false
	})())
}

func TestArithInts(t *testing.T) {
	mem := newMem(t)
	cases := []struct {
		op   ArithOp
		typ  arrow.DataType
		a, b []any
		want []any
	}{
		{Add, tI32, []any{1, nil, math.MaxInt32, -5}, []any{2, 3, 1, nil}, []any{3, nil, math.MinInt32, nil}},
		{Sub, tI32, []any{math.MinInt32, 10}, []any{1, 20}, []any{math.MaxInt32, -10}},
		{Mul, tI32, []any{65536, -3}, []any{65536, 7}, []any{0, -21}},
		{Mod, tI32, []any{7, -7, 7, -7, 5, math.MinInt32}, []any{3, 3, -3, -3, 0, -1}, []any{1, -1, 1, -1, nil, 0}},
		{Add, tI64, []any{math.MaxInt64, 1}, []any{1, nil}, []any{math.MinInt64, nil}},
		{Mul, tI64, []any{math.MaxInt64, 4}, []any{2, -5}, []any{-2, -20}},
		{Mod, tI64, []any{10, 10}, []any{0, 4}, []any{nil, 2}},
		{Add, tI64, []any{}, []any{}, []any{}},
	}
	for _, c := range cases {
		checkForms(t, mem, func(cols []Expr) (Expr, error) { return Arith(c.op, cols[0], cols[1]) },
			[]arrow.DataType{c.typ, c.typ}, [][]any{c.a, c.b}, c.want)
	}
}

func TestArithFloat(t *testing.T) {
	mem := newMem(t)
	inf := math.Inf(1)
	nan := math.NaN()
	cases := []struct {
		op   ArithOp
		a, b []any
		want []any
	}{
		{Add, []any{1.5, nil, inf, nan}, []any{2.25, 1.0, -inf, 1.0}, []any{3.75, nil, nan, nan}},
		{Div, []any{1.0, 1.0, -1.0, 0.0, 5.0}, []any{0.0, -0.0, 4.0, 0.0, nil}, []any{nil, nil, -0.25, nil, nil}},
		{Mod, []any{5.5, -5.5, 1.0, inf}, []any{2.0, 2.0, 0.0, 2.0}, []any{1.5, -1.5, nil, nan}},
		{Mul, []any{inf, 2.0}, []any{0.0, 3.0}, []any{nan, 6.0}},
	}
	for _, c := range cases {
		checkForms(t, mem, func(cols []Expr) (Expr, error) { return Arith(c.op, cols[0], cols[1]) },
			[]arrow.DataType{tF64, tF64}, [][]any{c.a, c.b}, c.want)
	}
}

func TestArithDecimal(t *testing.T) {
	mem := newMem(t)
	cases := []struct {
		op     ArithOp
		lt, rt arrow.DataType
		a, b   []any
		want   []any
	}{
		{Add, tDec(15, 2), tDec(15, 2), []any{"1.25", nil, "-0.01", "9999999999999.99"}, []any{"2.50", "1", "0.01", "0.01"},
			[]any{"3.75", nil, "0.00", "10000000000000.00"}},
		{Sub, tDec(10, 1), tDec(5, 3), []any{"1.5", "-2.0"}, []any{"0.125", "1.999"}, []any{"1.375", "-3.999"}},
		{Mul, tDec(15, 2), tDec(16, 2), []any{"12.34", "-1.01", nil}, []any{"0.95", "1.01", "2"}, []any{"11.7230", "-1.0201", nil}},
		// decimal(38,20) * decimal(38,20) -> decimal(38,6): rounding half up, away from zero.
		{Mul, tDec(38, 20), tDec(38, 20), []any{"0.0000005", "-0.0000005", "0.0000004", "12345678.5"}, []any{"1", "1", "1", "2"},
			[]any{"0.000001", "-0.000001", "0.000000", "24691357.000000"}},
		// Overflow of the result precision is NULL.
		{Mul, tDec(38, 0), tDec(38, 0), []any{"99999999999999999999999999999999999999", "10000000000000000000"}, []any{"2", "1000000000000000000"},
			[]any{nil, "10000000000000000000000000000000000000"}},
		{Add, tDec(38, 0), tDec(38, 0), []any{"99999999999999999999999999999999999999", "1"}, []any{"1", "-99999999999999999999999999999999999999"},
			[]any{nil, "-99999999999999999999999999999999999998"}},
		// decimal(15,2) / decimal(15,2) -> decimal(33,18).
		{Div, tDec(15, 2), tDec(15, 2), []any{"1", "2", "-2", "1", "5"}, []any{"3", "3", "3", "0", nil},
			[]any{"0.333333333333333333", "0.666666666666666667", "-0.666666666666666667", nil, nil}},
		{Div, tDec(38, 10), tDec(38, 10), []any{"1", "10.5"}, []any{"7", "-0.0000000001"},
			[]any{"0.142857", "-105000000000.000000"}},
		{Mod, tDec(10, 2), tDec(5, 3), []any{"10.25", "-10.25", "1", "3"}, []any{"3.001", "3.001", "0", nil},
			[]any{"1.247", "-1.247", nil, nil}},
	}
	for _, c := range cases {
		checkForms(t, mem, func(cols []Expr) (Expr, error) { return Arith(c.op, cols[0], cols[1]) },
			[]arrow.DataType{c.lt, c.rt}, [][]any{c.a, c.b}, c.want)
	}
}

func TestArithLiteralOperands(t *testing.T) {
	mem := newMem(t)
	batch := batchOf(build(t, mem, tDec(15, 2), "0.05", nil, "0.10"), build(t, mem, tI64, 1, 2, nil))
	defer batch.Release()
	one := lit(t, "1", tDec(1, 0))
	e := mk(Arith(Sub, one, col(0, tDec(15, 2))))
	if e.String() != "(1 - c0#0)" {
		t.Errorf("String() = %q", e.String())
	}
	checkValues(t, e.String(), eval(t, mem, e, batch), want(t, tDec(16, 2), "0.95", nil, "0.90"), tDec(16, 2))
	e = mk(Arith(Mul, col(1, tI64), lit(t, 10, tI64)))
	checkValues(t, e.String(), eval(t, mem, e, batch), want(t, tI64, 10, 20, nil), tI64)
	// NULL literal operand: all NULL.
	nl, _ := Literal(nil, tI64)
	e = mk(Arith(Add, col(1, tI64), nl))
	checkValues(t, e.String(), eval(t, mem, e, batch), want(t, tI64, nil, nil, nil), tI64)
	// Both literal: broadcast.
	e = mk(Arith(Add, lit(t, 2, tI64), lit(t, 3, tI64)))
	checkValues(t, e.String(), eval(t, mem, e, batch), want(t, tI64, 5, 5, 5), tI64)
	// Modulo by a zero literal.
	e = mk(Arith(Mod, col(1, tI64), lit(t, 0, tI64)))
	checkValues(t, e.String(), eval(t, mem, e, batch), want(t, tI64, nil, nil, nil), tI64)
}

func TestArithErrors(t *testing.T) {
	if _, err := Arith(Add, col(0, tI32), col(1, tStr)); err == nil {
		t.Error("int + string accepted")
	}
	if _, err := Arith(Add, nil, col(1, tI32)); err == nil {
		t.Error("nil operand accepted")
	}
	if _, err := Negate(col(0, tStr)); err == nil {
		t.Error("-string accepted")
	}
	// A batch whose column does not have the declared type.
	mem := newMem(t)
	batch := batchOf(build(t, mem, tI32, 1))
	defer batch.Release()
	e := mk(Arith(Add, col(0, tI64), col(0, tI64)))
	if a, err := e.Eval(&Context{Alloc: mem}, batch); err == nil {
		a.Release()
		t.Error("type mismatch at runtime not reported")
	}
	e = mk(Arith(Add, Column(3, "x#3", tI32), col(0, tI32)))
	if a, err := e.Eval(&Context{Alloc: mem}, batch); err == nil {
		a.Release()
		t.Error("column index out of range not reported")
	}
}

func TestNegate(t *testing.T) {
	mem := newMem(t)
	cases := []struct {
		typ  arrow.DataType
		a    []any
		want []any
	}{
		{tI32, []any{1, nil, math.MinInt32}, []any{-1, nil, math.MinInt32}},
		{tI64, []any{-5, math.MinInt64}, []any{5, math.MinInt64}},
		{tF64, []any{1.5, 0.0}, []any{-1.5, math.Copysign(0, -1)}},
		{tDec(20, 2), []any{"1.25", nil, "-123456789012345678.90"}, []any{"-1.25", nil, "123456789012345678.90"}},
	}
	for _, c := range cases {
		checkForms(t, mem, func(cols []Expr) (Expr, error) { return Negate(cols[0]) },
			[]arrow.DataType{c.typ}, [][]any{c.a}, c.want)
	}
}

// TestDecimalArithRandom cross-checks decimal arithmetic on random inputs
// of many precisions and scales against math/big.
func TestDecimalArithRandom(t *testing.T) {
	mem := newMem(t)
	rng := rand.New(rand.NewSource(1))
	types := []arrow.DataType{tDec(5, 2), tDec(15, 2), tDec(18, 0), tDec(18, 9), tDec(19, 4), tDec(28, 10), tDec(38, 0), tDec(38, 10), tDec(38, 37), tDec(1, 0), tDec(10, 10)}
	const n = 300
	for _, lt := range types {
		for _, rt := range types {
			la := randDecimals(rng, mem, lt, n)
			ra := randDecimals(rng, mem, rt, n)
			batch := batchOf(la, ra)
			for _, op := range []ArithOp{Add, Sub, Mul, Div, Mod} {
				e := mk(Arith(op, col(0, lt), col(1, rt)))
				got, err := e.Eval(&Context{Alloc: mem}, batch)
				if err != nil {
					t.Fatal(err)
				}
				rp, rs, _ := decimalPS(e.DataType())
				g := got.(*array.Decimal128)
				l, r := batch.Column(0).(*array.Decimal128), batch.Column(1).(*array.Decimal128)
				for i := 0; i < n; i++ {
					exp, ok := bigArith(op, l.Value(i).BigInt(), lt, r.Value(i).BigInt(), rt, rp, rs)
					if !ok {
						if g.IsValid(i) {
							t.Errorf("%s %s %s row %d: %s %s %s = %s, want NULL", typeName(lt), op, typeName(rt), i,
								l.Value(i).BigInt(), op, r.Value(i).BigInt(), g.Value(i).BigInt())
						}
						continue
					}
					if !g.IsValid(i) || g.Value(i).BigInt().Cmp(exp) != 0 {
						t.Errorf("%s %s %s row %d: %s %s %s = %v (valid %v), want %s", typeName(lt), op, typeName(rt), i,
							l.Value(i).BigInt(), op, r.Value(i).BigInt(), g.Value(i).BigInt(), g.IsValid(i), exp)
					}
				}
				got.Release()
			}
			batch.Release()
		}
	}
}

func decimalPS(t arrow.DataType) (int32, int32, bool) {
	d, ok := t.(*arrow.Decimal128Type)
	if !ok {
		return 0, 0, false
	}
	return d.Precision, d.Scale, true
}

// randDecimals makes n random values of t: small, large, boundary, zero.
func randDecimals(rng *rand.Rand, mem interface {
	Allocate(int) []byte
	Reallocate(int, []byte) []byte
	Free([]byte)
}, t arrow.DataType, n int) arrow.Array {
	p, _, _ := decimalPS(t)
	b := array.NewDecimal128Builder(mem, t.(*arrow.Decimal128Type))
	defer b.Release()
	limit := bigPow10(int(p))
	for i := 0; i < n; i++ {
		var v *big.Int
		switch rng.Intn(6) {
		case 0:
			v = new(big.Int).Rem(big.NewInt(rng.Int63n(2000)), limit)
		case 1:
			v = new(big.Int).Sub(limit, big.NewInt(1+rng.Int63n(3)))
		case 2:
			v = big.NewInt(0)
		case 3:
			digits := 1 + rng.Intn(int(p))
			v = new(big.Int).Rand(rng, bigPow10(digits))
		default:
			v = new(big.Int).Rand(rng, limit)
		}
		if rng.Intn(2) == 0 {
			v.Neg(v)
		}
		b.Append(decimal128.FromBigInt(v))
	}
	return b.NewArray()
}

// bigArith computes the exact Spark result of a op b for unscaled inputs,
// rounded half up to scale rs; ok is false for NULL.
func bigArith(op ArithOp, a *big.Int, lt arrow.DataType, b *big.Int, rt arrow.DataType, rp, rs int32) (*big.Int, bool) {
	_, s1, _ := decimalPS(lt)
	_, s2, _ := decimalPS(rt)
	// Work in rationals.
	x := new(big.Rat).SetFrac(a, bigPow10(int(s1)))
	y := new(big.Rat).SetFrac(b, bigPow10(int(s2)))
	var r *big.Rat
	switch op {
	case Add:
		r = new(big.Rat).Add(x, y)
	case Sub:
		r = new(big.Rat).Sub(x, y)
	case Mul:
		r = new(big.Rat).Mul(x, y)
	case Div:
		if y.Sign() == 0 {
			return nil, false
		}
		r = new(big.Rat).Quo(x, y)
	case Mod:
		if y.Sign() == 0 {
			return nil, false
		}
		// x - trunc(x/y)*y
		q := new(big.Rat).Quo(x, y)
		tq := new(big.Int).Quo(q.Num(), q.Denom())
		r = new(big.Rat).Sub(x, new(big.Rat).Mul(new(big.Rat).SetInt(tq), y))
	}
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(bigPow10(int(rs))))
	v := bigDivHalfUp(scaled.Num(), scaled.Denom())
	if new(big.Int).Abs(v).Cmp(bigPow10(int(rp))) >= 0 {
		return nil, false
	}
	return v, true
}

// TestDecimalCompareRandom cross-checks decimal comparisons of mixed
// precisions and scales, column against column and against a literal,
// against math/big.
func TestDecimalCompareRandom(t *testing.T) {
	mem := newMem(t)
	rng := rand.New(rand.NewSource(2))
	types := []arrow.DataType{tDec(5, 2), tDec(15, 2), tDec(18, 0), tDec(19, 4), tDec(38, 0), tDec(38, 10), tDec(38, 37), tDec(3, 3)}
	const n = 200
	for _, lt := range types {
		for _, rt := range types {
			la := randDecimals(rng, mem, lt, n)
			ra := randDecimals(rng, mem, rt, n)
			batch := batchOf(la, ra)
			l, r := batch.Column(0).(*array.Decimal128), batch.Column(1).(*array.Decimal128)
			_, s1, _ := decimalPS(lt)
			_, s2, _ := decimalPS(rt)
			ratAt := func(a *array.Decimal128, s int32, i int) *big.Rat {
				return new(big.Rat).SetFrac(a.Value(i).BigInt(), bigPow10(int(s)))
			}
			for _, op := range []CmpOp{Lt, Eq, GtEq} {
				check := func(e Expr, rightAt func(i int) *big.Rat) {
					got, err := e.Eval(&Context{Alloc: mem}, batch)
					if err != nil {
						t.Fatal(err)
					}
					g := got.(*array.Boolean)
					for i := 0; i < n; i++ {
						c := ratAt(l, s1, i).Cmp(rightAt(i))
						want := map[CmpOp]bool{Lt: c < 0, Eq: c == 0, GtEq: c >= 0}[op]
						if g.Value(i) != want {
							t.Errorf("%s row %d: %s vs %s: got %v", e, i, ratAt(l, s1, i).FloatString(10), rightAt(i).FloatString(10), g.Value(i))
						}
					}
					got.Release()
				}
				check(mk(Compare(op, col(0, lt), col(1, rt))), func(i int) *big.Rat { return ratAt(r, s2, i) })
				k := rng.Intn(n)
				litE, err := Literal(r.Value(k), rt)
				if err != nil {
					t.Fatal(err)
				}
				check(mk(Compare(op, col(0, lt), litE)), func(int) *big.Rat { return ratAt(r, s2, k) })
			}
			batch.Release()
		}
	}
}
