package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func TestLiteral(t *testing.T) {
	mem := newMem(t)
	cases := []struct {
		v    any
		t    arrow.DataType
		str  string
		fail bool
	}{
		{int32(5), tI32, "5", false},
		{int64(-5), tI64, "-5", false},
		{1e10, tF64, "1.0E10", false},
		{0.5, tF64, "0.5", false},
		{decimal128.FromI64(1234), tDec(10, 2), "12.34", false},
		{decimal128.FromI64(-5), tDec(10, 3), "-0.005", false},
		{"MAIL", tStr, "MAIL", false},
		{[]byte{0xAB, 0x01}, tBin, "0xAB01", false},
		{arrow.Date32(-1), tDate, "1969-12-31", false},
		{arrow.Timestamp(1500000), tTS, "1970-01-01 00:00:01.5", false},
		{true, tBool, "true", false},
		{nil, tI32, "null", false},
		{nil, tNull, "null", false},
		{int64(5), tI32, "", true},
		{5, tI64, "", true},
		{"x", tBin, "", true},
		{decimal128.FromI64(100000), tDec(5, 2), "", true},
		{int32(1), tNull, "", true},
		{int32(1), nil, "", true},
	}
	batch := batchOf(build(t, mem, tI32, 1, 2, 3))
	defer batch.Release()
	for _, c := range cases {
		l, err := Literal(c.v, c.t)
		if c.fail {
			if err == nil {
				t.Errorf("Literal(%v, %v) accepted", c.v, c.t)
			}
			continue
		}
		if err != nil {
			t.Errorf("Literal(%v, %s): %v", c.v, typeName(c.t), err)
			continue
		}
		if l.String() != c.str {
			t.Errorf("Literal(%v).String() = %q, want %q", c.v, l.String(), c.str)
		}
		if l.IsNull() != (c.v == nil) || !sameValue(l.Value(), c.v) && c.t.ID() != arrow.BINARY {
			t.Errorf("Literal(%v).Value() = %v", c.v, l.Value())
		}
		// Eval materializes the constant over the batch's rows.
		got := eval(t, mem, l, batch)
		for i, g := range got {
			if !sameValue(g, l.Value()) && c.t.ID() != arrow.BINARY {
				t.Errorf("Literal(%v).Eval row %d = %v", c.v, i, g)
			}
		}
		v, err := EvalConst(mem, l)
		if err != nil || (!sameValue(v, l.Value()) && c.t.ID() != arrow.BINARY) {
			t.Errorf("EvalConst(%v) = %v, %v", c.v, v, err)
		}
	}
}

func TestEvalConst(t *testing.T) {
	mem := newMem(t)
	// cast('1998-12-01' as date) - 90 days, folded.
	d := mk(Cast(lit(t, "1998-12-01", tStr), tDate))
	e := mk(Function("date_sub", []Expr{d, lit(t, int32(90), tI32)}))
	v, err := EvalConst(mem, e)
	if err != nil || v != arrow.Date32(10471) {
		t.Errorf("EvalConst(%s) = %v, %v", e, v, err)
	}
	if s := formatValue(v, tDate); s != "1998-09-02" {
		t.Errorf("folded date = %s", s)
	}
	v, err = EvalConst(mem, mk(Arith(Mul, lit(t, "0.06", tDec(3, 2)), lit(t, "1.5", tDec(2, 1)))))
	if err != nil || v.(decimal128.Num) != decimal128.FromI64(90) {
		t.Errorf("EvalConst(0.06 * 1.5) = %v, %v", v, err)
	}
	if _, err := EvalConst(mem, col(0, tI32)); err == nil {
		t.Error("EvalConst of a column reference succeeded")
	}
}

// TestEmptyAndAllNull evaluates every kind of node over an empty batch and
// over an all-NULL batch.
func TestEmptyAndAllNull(t *testing.T) {
	mem := newMem(t)
	types := []arrow.DataType{tI64, tStr, tDec(15, 2), tF64, tBool, tDate}
	c := func(i int) Expr { return col(i, types[i]) }
	exprs := []Expr{
		mk(Arith(Add, c(0), c(0))), mk(Arith(Mod, c(0), c(0))), mk(Arith(Mul, c(2), c(2))), mk(Arith(Div, c(2), c(2))),
		mk(Arith(Div, c(3), c(3))), mk(Negate(c(2))), mk(Compare(Lt, c(1), c(1))), mk(Compare(EqNullSafe, c(2), c(2))),
		mk(Compare(Eq, c(3), lit(t, 1.0, tF64))), mk(And(c(4), c(4))), mk(Or(c(4), c(4))), mk(Not(c(4))), mk(IsNull(c(1))),
		mk(In(c(1), []any{"a", nil}, false)), mk(Like(c(1), "%a%", '\\', false)), mk(Like(c(1), "a_%b", '\\', false)),
		mk(Case([]Expr{c(4)}, []Expr{c(1)}, lit(t, "x", tStr))), mk(Coalesce(c(0), lit(t, 1, tI64))),
		mk(Cast(c(1), tDate)), mk(Cast(c(2), tStr)), mk(Cast(c(3), tDec(10, 2))),
		mk(Function("substring", []Expr{c(1), lit(t, int32(1), tI32)})), mk(Function("upper", []Expr{c(1)})),
		mk(Function("year", []Expr{c(5)})), mk(Function("round", []Expr{c(2), lit(t, int32(1), tI32)})),
		mk(Function("greatest", []Expr{c(0), c(0)})), mk(Function("concat_ws", []Expr{lit(t, ",", tStr), c(1)})),
		mk(Function("nullif", []Expr{c(0), c(0)})), mk(Function("isnan", []Expr{c(3)})), mk(Function("pmod", []Expr{c(0), c(0)})),
	}
	for _, rows := range []int{0, 3} {
		arrs := make([]arrow.Array, len(types))
		for i, ty := range types {
			vals := make([]any, rows)
			arrs[i] = build(t, mem, ty, vals...)
		}
		batch := batchOf(arrs...)
		for _, e := range exprs {
			got := eval(t, mem, e, batch)
			if len(got) != rows {
				t.Errorf("%s: %d rows", e, len(got))
			}
		}
		mask := build(t, mem, tBool, make([]any, rows)...)
		out, err := FilterRecord(mem, batch, mask.(*array.Boolean))
		if err != nil || out.NumRows() != 0 {
			t.Errorf("filter of %d NULL mask rows: %v rows, %v", rows, out.NumRows(), err)
		}
		out.Release()
		mask.Release()
		batch.Release()
	}
}

func TestChildrenAndStrings(t *testing.T) {
	a, b, s := col(0, tI64), col(1, tI64), col(2, tStr)
	cond := mk(Compare(Gt, a, b))
	cases := []struct {
		e    Expr
		kids int
		str  string
	}{
		{a, 0, "c0#0"},
		{lit(t, 1, tI64), 0, "1"},
		{mk(Arith(Add, a, b)), 2, "(c0#0 + c1#1)"},
		{mk(Negate(a)), 1, "-c0#0"},
		{cond, 2, "(c0#0 > c1#1)"},
		{mk(Compare(EqNullSafe, a, b)), 2, "(c0#0 <=> c1#1)"},
		{mk(And(cond, cond)), 2, "((c0#0 > c1#1) AND (c0#0 > c1#1))"},
		{mk(Or(cond, cond)), 2, "((c0#0 > c1#1) OR (c0#0 > c1#1))"},
		{mk(Not(cond)), 1, "NOT (c0#0 > c1#1)"},
		{mk(IsNull(a)), 1, "isnull(c0#0)"},
		{mk(IsNotNull(a)), 1, "isnotnull(c0#0)"},
		{mk(In(a, []any{int64(1), int64(2)}, false)), 3, "c0#0 IN (1,2)"},
		{mk(Like(s, "a%", '\\', false)), 1, "c2#2 LIKE a%"},
		{mk(Like(s, "a%", '!', true)), 1, "c2#2 ILIKE a% ESCAPE '!'"},
		{mk(Case([]Expr{cond}, []Expr{a}, nil)), 2, "CASE WHEN (c0#0 > c1#1) THEN c0#0 END"},
		{mk(Coalesce(a, b)), 2, "coalesce(c0#0, c1#1)"},
		{mk(Cast(a, tDec(20, 2))), 1, "cast(c0#0 as decimal(20,2))"},
		{mk(Function("upper", []Expr{s})), 1, "upper(c2#2)"},
		{mk(Function("if", []Expr{cond, a, b})), 3, "if ((c0#0 > c1#1)) c0#0 else c1#1"},
		{mk(Function("pmod", []Expr{a, b})), 2, "pmod(c0#0, c1#1)"},
		{mk(Function("mod", []Expr{a, b})), 2, "(c0#0 % c1#1)"},
	}
	for _, c := range cases {
		if len(c.e.Children()) != c.kids || c.e.String() != c.str {
			t.Errorf("%s: %d children, String %q; want %d, %q", c.e, len(c.e.Children()), c.e.String(), c.kids, c.str)
		}
	}
	ref := Column(3, "x#3", tI32).(*ColumnRef)
	if ref.Index() != 3 || ref.Name() != "x#3" {
		t.Error("ColumnRef accessors")
	}
}

func TestParseTimestampZones(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" = invalid
	}{
		{"2020-01-01 05:30:00+05:30", "2020-01-01 00:00:00"},
		{"2020-01-01 05:30:00+0530", "2020-01-01 00:00:00"},
		{"2020-01-01 08:00:00 GMT+8", "2020-01-01 00:00:00"},
		{"2020-01-01 00:00:00 UTC", "2020-01-01 00:00:00"},
		{"2019-12-31 16:00:00-08:00", "2020-01-01 00:00:00"},
		{"2020-01-01 00:00:00.123456789", "2020-01-01 00:00:00.123456"},
		{"2020-01-01 00:00:00 PST", ""},
		{"2020-01-01 00:00:00+25:00", ""},
		{"2020-01-01 12", "2020-01-01 12:00:00"},
		{"2020-01-01 12:3", "2020-01-01 12:03:00"},
		{"-0001-01-01 00:00:00", "-0001-01-01 00:00:00"},
		{"10000-01-01", "+10000-01-01 00:00:00"},
		{"2020-01-01x", ""},
		{"", ""},
	}
	for _, c := range cases {
		us, ok := parseTimestamp([]byte(c.in))
		if c.want == "" {
			if ok {
				t.Errorf("parseTimestamp(%q) = %s, want invalid", c.in, formatTimestamp(us))
			}
			continue
		}
		if !ok || formatTimestamp(us) != c.want {
			t.Errorf("parseTimestamp(%q) = %s, %v; want %s", c.in, formatTimestamp(us), ok, c.want)
		}
	}
	mem := newMem(t)
	arr := build(t, mem, tI64, 5, nil)
	defer arr.Release()
	if v, err := ValueAt(arr, 0); err != nil || v != int64(5) {
		t.Errorf("ValueAt = %v, %v", v, err)
	}
	if v, err := ValueAt(arr, 1); err != nil || v != nil {
		t.Errorf("ValueAt(NULL) = %v, %v", v, err)
	}
	if _, err := ValueAt(arr, 2); err == nil {
		t.Error("ValueAt out of range accepted")
	}
}
