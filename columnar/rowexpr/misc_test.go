package rowexpr

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

func TestReadWriteValue(t *testing.T) {
	lb := rows.NewListBuilder(rows.KindBytes)
	lb.AppendBytes([]byte("x"))
	lb.AppendNull()
	list := append([]byte{}, lb.Bytes()...)
	cases := []struct {
		t arrow.DataType
		v Value
	}{
		{tBool, Bool(true)}, {tBool, Bool(false)}, {tInt, Int(-7)}, {tInt, Int(1 << 31 * -1)}, {tLong, Int(-1 << 63)},
		{tDbl, Float(-0.5)}, {tDec(18, 2), Dec(decimal128.FromI64(-123))}, {tDec(38, 2), Dec(decFromString("-" + strings.Repeat("9", 38)))},
		{tStr, Bytes([]byte("héllo"))}, {tStr, Bytes([]byte{})}, {tBin, Bytes([]byte{0, 1})}, {tDate, Int(-5)},
		{tTS, Int(1 << 62)}, {arrow.ListOf(tStr), Bytes(list)}, {tNull, Null},
	}
	for _, c := range cases {
		for _, v := range []Value{c.v, Null} {
			l, err := rows.NewLayout(arrow.NewSchema([]arrow.Field{{Name: "a", Type: tLong}, {Name: "x", Type: c.t, Nullable: true}}, nil))
			if err != nil {
				t.Fatal(err)
			}
			w := rows.NewWriter(l)
			w.Reset()
			w.SetInt64(0, 99)
			WriteValue(w, 1, c.t, v)
			got := ReadValue(l, w.Row(), 1)
			if !sameValue(goValue(got, c.t), goValue(v, c.t)) || got.Null != v.Null {
				t.Errorf("%s: wrote %+v, read %+v", typeName(c.t), v, got)
			}
			if ReadValue(l, w.Row(), 0).I != 99 {
				t.Errorf("%s: field 0 clobbered", typeName(c.t))
			}
		}
	}
}

func TestColumnErrors(t *testing.T) {
	l, r, _ := oneRow(t, []arrow.DataType{tLong, tStr}, int64(1), "x")
	ctx := NewContext()
	for _, tc := range []struct {
		e    Expr
		kind error
		want string
	}{
		{Column(2, "z#2", tLong), ErrInvalid, "column z#2: index 2 out of range for a row of 2 fields"},
		{Column(-1, "z#9", tLong), ErrInvalid, "index -1 out of range"},
		{Column(1, "s#1", tLong), ErrType, "column s#1: expected bigint, the row has string"},
		{Column(0, "u#0", arrow.PrimitiveTypes.Uint8), ErrType, "has no row representation"},
		{Column(0, "n#0", nil), ErrInvalid, "nil type"},
	} {
		_, err := tc.e.Eval(ctx, l, r)
		if err == nil || !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.e, err, tc.want)
		}
	}
	// Corrupt rows are errors, not panics.
	if _, err := Column(1, "s#1", tStr).Eval(ctx, l, r[:10]); err == nil || !strings.Contains(err.Error(), "shorter than its fixed part") {
		t.Errorf("short row: %v", err)
	}
	bad := append(rows.Row{}, r...)
	bad[8+8+7] = 0x7F // the offset of field 1, far outside the row
	if _, err := Column(1, "s#1", tStr).Eval(ctx, l, bad); err == nil || !strings.Contains(err.Error(), "outside a row") {
		t.Errorf("corrupt offset: %v", err)
	}
	c := Column(1, "s#1", tStr).(*ColumnRef)
	if c.Index() != 1 || c.Name() != "s#1" || c.String() != "s#1" || c.Children() != nil {
		t.Errorf("ColumnRef accessors: %d %s", c.Index(), c.Name())
	}
}

func TestLiterals(t *testing.T) {
	for _, tc := range []struct {
		v    any
		t    arrow.DataType
		want string // the error, or the text
		err  bool
	}{
		{int32(5), tInt, "5", false},
		{"abc", tStr, "abc", false},
		{nil, tDate, "null", false},
		{arrow.Date32(0), tDate, "1970-01-01", false},
		{decimal128.FromI64(12345), tDec(5, 2), "123.45", false},
		{decimal128.FromI64(123456), tDec(5, 2), "literal 1234.56 does not fit decimal(5,2)", true},
		{int64(5), tInt, "literal of type int cannot hold a Go int64", true},
		{5, tInt, "cannot hold a Go int", true},
		{[]byte{1, 0, 0, 0, 0, 1, 0, 0, 0, 'x'}, arrow.ListOf(tStr), "[x]", false},
		{nil, arrow.ListOf(tLong), "null", false},
		{[]byte{1}, arrow.ListOf(tStr), "invalid list encoding", true},
		{"x", arrow.ListOf(tStr), "cannot hold a Go string", true},
		{nil, arrow.ListOf(arrow.ListOf(tStr)), "unsupported element type", true},
	} {
		l, err := Literal(tc.v, tc.t)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Literal(%v, %s): %v, want error %q", tc.v, tc.t, err, tc.want)
			}
			// The same error as the columnar literal's, where it has one.
			if _, ok := tc.t.(*arrow.ListType); !ok {
				_, cerr := expr.Literal(tc.v, tc.t)
				if cerr == nil || cerr.Error() != err.Error() {
					t.Errorf("Literal(%v, %s): %v, columnar %v", tc.v, tc.t, err, cerr)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("Literal(%v, %s): %v", tc.v, tc.t, err)
			continue
		}
		if l.String() != tc.want || l.IsNull() != (tc.v == nil) || !arrow.TypeEqual(l.DataType(), tc.t) {
			t.Errorf("Literal(%v, %s) = %s null=%v", tc.v, tc.t, l, l.IsNull())
		}
	}
	b := []byte("abc")
	l, _ := Literal(b, tBin)
	b[0] = 'x'
	if v, _ := l.Eval(nil, nil, nil); string(v.B) != "abc" {
		t.Errorf("a binary literal shares the caller's slice")
	}
}

// counter returns a UDF call that counts its evaluations and returns v.
func counter(n *int, t arrow.DataType, v Value) Expr {
	u := &UDF{Name: "count", ResultType: t, Fn: func([]Value) (Value, error) { *n++; return v, nil }}
	e, err := CallUDF(u, nil)
	if err != nil {
		panic(err)
	}
	return e
}

func TestLazyEvaluation(t *testing.T) {
	l, r, _ := oneRow(t, nil)
	ctx := NewContext()
	var n int
	tru, fal, null := Bool(true), Bool(false), Null
	check := func(what string, e Expr, err error, want Value, calls int) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		n = 0
		v, err := e.Eval(ctx, l, r)
		if err != nil || v.Null != want.Null || (!v.Null && v.I != want.I) || n != calls {
			t.Errorf("%s = %+v (%v) after %d calls, want %+v after %d", what, v, err, n, want, calls)
		}
	}
	e, err := And(counter(&n, tBool, fal), counter(&n, tBool, tru))
	check("false AND x", e, err, fal, 1)
	e, err = And(counter(&n, tBool, null), counter(&n, tBool, fal))
	check("null AND false", e, err, fal, 2)
	e, err = And(counter(&n, tBool, null), counter(&n, tBool, tru))
	check("null AND true", e, err, null, 2)
	e, err = Or(counter(&n, tBool, tru), counter(&n, tBool, fal))
	check("true OR x", e, err, tru, 1)
	e, err = Or(counter(&n, tBool, null), counter(&n, tBool, fal))
	check("null OR false", e, err, null, 2)
	e, err = Case([]Expr{counter(&n, tBool, tru), counter(&n, tBool, tru)}, []Expr{counter(&n, tLong, Int(1)), counter(&n, tLong, Int(2))},
		counter(&n, tLong, Int(3)))
	check("CASE first", e, err, Int(1), 2)
	e, err = Case([]Expr{counter(&n, tBool, null), counter(&n, tBool, fal)}, []Expr{counter(&n, tLong, Int(1)), counter(&n, tLong, Int(2))},
		counter(&n, tLong, Int(3)))
	check("CASE else", e, err, Int(3), 3)
	e, err = Coalesce(counter(&n, tLong, null), counter(&n, tLong, Int(5)), counter(&n, tLong, Int(6)))
	check("coalesce", e, err, Int(5), 2)
	e, err = Function("if", []Expr{counter(&n, tBool, fal), counter(&n, tLong, Int(1)), counter(&n, tLong, Int(2))})
	check("if", e, err, Int(2), 2)
	// Null-intolerant: a NULL first argument stops evaluation.
	e, err = Arith(expr.Add, counter(&n, tLong, null), counter(&n, tLong, Int(1)))
	check("NULL + x", e, err, null, 1)
	e, err = Function("concat", []Expr{counter(&n, tStr, null), counter(&n, tStr, Bytes([]byte("x")))})
	check("concat(NULL, x)", e, err, null, 1)
	e, err = Compare(expr.EqNullSafe, counter(&n, tLong, null), counter(&n, tLong, null))
	check("NULL <=> NULL", e, err, tru, 2)

	// An error below a node surfaces with the node's text.
	failing := &UDF{Name: "bad", ResultType: tStr, Fn: func([]Value) (Value, error) { return Null, errors.New("nope") }}
	bad, _ := CallUDF(failing, nil)
	up, _ := Function("upper", []Expr{bad})
	if _, err := up.Eval(ctx, l, r); err == nil || !strings.Contains(err.Error(), "bad: nope") {
		t.Errorf("error through upper: %v", err)
	}
}

// TestArena checks that byte results stay valid until Reset, also when the
// arena outgrows its chunk, and that the arena then stops growing.
func TestArena(t *testing.T) {
	l, r, cols := oneRow(t, []arrow.DataType{tStr}, strings.Repeat("ab", 3000))
	up, err := Function("upper", cols)
	if err != nil {
		t.Fatal(err)
	}
	ctx := NewContext()
	for round := 0; round < 3; round++ {
		var got [][]byte
		for i := 0; i < 5; i++ {
			v, err := up.Eval(ctx, l, r)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v.B)
		}
		for i, b := range got {
			if string(b) != strings.Repeat("AB", 3000) {
				t.Fatalf("round %d: result %d was overwritten", round, i)
			}
		}
		ctx.Reset()
	}
	size := ctx.Bytes()
	if size < 5*6000 {
		t.Errorf("the arena holds %d bytes after rows needing 30000", size)
	}
	if raceEnabled {
		return
	}
	allocs := testing.AllocsPerRun(20, func() {
		for i := 0; i < 5; i++ {
			if _, err := up.Eval(ctx, l, r); err != nil {
				t.Fatal(err)
			}
		}
		ctx.Reset()
	})
	if allocs != 0 || ctx.Bytes() != size {
		t.Errorf("a warm arena allocated %v times per row and grew from %d to %d bytes", allocs, size, ctx.Bytes())
	}
}

// TestNoAllocations checks that evaluation allocates nothing per row. (Not
// every function is allocation-free: regexp_extract, regexp_replace and
// split get match positions from Go's regexp, and round of a DOUBLE uses
// math/big where it must round, as the columnar kernel does.)
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	types := []arrow.DataType{tDec(15, 2), tDec(15, 2), tDec(15, 2), tStr, tLong, tDate, tDbl}
	l, r, c := oneRow(t, types, decimal128.FromI64(123456), decimal128.FromI64(5), decimal128.FromI64(7), "PROMO BRUSHED tin",
		int64(42), arrow.Date32(9000), 2.5)
	lit := func(v any, ty arrow.DataType) Expr { return must(Literal(v, ty)) }
	one := lit(decimal128.FromI64(1), tDec(1, 0))
	disc := must(Arith(expr.Mul, c[0], must(Arith(expr.Sub, one, c[1]))))
	charge := must(Arith(expr.Mul, disc, must(Arith(expr.Add, one, c[2]))))
	exprs := map[string]Expr{
		"q1 charge":   charge,
		"compare":     must(Compare(expr.LtEq, c[5], lit(arrow.Date32(10000), tDate))),
		"like":        must(Like(c[3], "PROMO%", '\\', false)),
		"ilike":       must(Like(c[3], "%brushed%", '\\', true)),
		"case":        must(Case([]Expr{must(Compare(expr.Gt, c[4], lit(int64(10), tLong)))}, []Expr{c[6]}, lit(0.0, tDbl))),
		"in strings":  must(In(c[3], []any{"a", "b", "c", "d", "e", "f", "g", "h", "PROMO BRUSHED tin"}, false)),
		"upper":       must(Function("upper", []Expr{c[3]})),
		"substring":   must(Function("substring", []Expr{c[3], lit(int32(2), tInt), lit(int32(5), tInt)})),
		"concat":      must(Function("concat", []Expr{c[3], lit("-", tStr), c[3]})),
		"cast string": must(Cast(charge, tStr)),
		"year":        must(Function("year", []Expr{c[5]})),
		"coalesce":    must(Coalesce(lit(nil, tLong), c[4])),
		"md5":         must(Function("md5", []Expr{must(Cast(c[3], tBin))})),
		"rlike":       must(Function("rlike", []Expr{c[3], lit("B.*D", tStr)})),
	}
	ctx := NewContext()
	for name, e := range exprs {
		if _, err := e.Eval(ctx, l, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ctx.Reset()
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := e.Eval(ctx, l, r); err != nil {
				t.Fatal(err)
			}
			ctx.Reset()
		})
		if allocs != 0 {
			t.Errorf("%s = %s allocates %v times per row", name, e, allocs)
		}
	}
}
