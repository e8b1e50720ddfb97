package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// The per-value helpers are the kernels' code on one value; the row engine
// (columnar/rowexpr) checks them against the kernels exhaustively. These
// tests pin a few values and two fixed bugs.

func TestDecimalOp(t *testing.T) {
	for _, tc := range []struct {
		op         ArithOp
		lt, rt     arrow.DataType
		a, b, want string // want "" is NULL
		as, bs, rs int32
	}{
		{Add, tDec(5, 2), tDec(5, 2), "1.25", "2.50", "3.75", 2, 2, 2},
		{Mul, tDec(15, 2), tDec(16, 2), "12.34", "0.95", "11.7230", 2, 2, 4},
		{Div, tDec(5, 2), tDec(5, 2), "1.00", "3.00", "0.33333333", 2, 2, 8},
		{Div, tDec(5, 2), tDec(5, 2), "1.00", "0.00", "", 2, 2, 8},
		{Mod, tDec(5, 2), tDec(3, 1), "-7.25", "2.0", "-1.25", 2, 1, 2},
		{Mul, tDec(38, 0), tDec(38, 0), "99999999999999999999999999999999999999", "10", "", 0, 0, 0},
	} {
		op, err := NewDecimalOp(tc.op, tc.lt, tc.rt)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ArithResultType(tc.op, tc.lt, tc.rt)
		if !arrow.TypeEqual(op.ResultType(), want) {
			t.Errorf("%s: result type %s, want %s", tc.op, op.ResultType(), want)
		}
		got, ok := op.Apply(decNum(t, tc.a, tc.as), decNum(t, tc.b, tc.bs))
		switch {
		case tc.want == "" && ok:
			t.Errorf("%s %s %s = %s, want NULL", tc.a, tc.op, tc.b, string(AppendDecimal(nil, got, tc.rs)))
		case tc.want != "" && (!ok || got != decNum(t, tc.want, tc.rs)):
			t.Errorf("%s %s %s = %s (ok %v), want %s", tc.a, tc.op, tc.b, string(AppendDecimal(nil, got, tc.rs)), ok, tc.want)
		}
	}
	if _, err := NewDecimalOp(Add, tI32, tDec(5, 2)); err == nil {
		t.Errorf("NewDecimalOp accepted an int")
	}
	if CompareDecimal(decimal128.FromI64(150), 2, decimal128.FromI64(15), 1) != 0 ||
		CompareDecimal(decimal128.FromI64(-1), 0, decimal128.FromI64(5), 3) != -1 {
		t.Errorf("CompareDecimal")
	}
}

func TestScalarHelpers(t *testing.T) {
	if d, ok := ParseDate([]byte(" 2024-02-29 ")); !ok || string(AppendDate(nil, d)) != "2024-02-29" {
		t.Errorf("ParseDate / AppendDate: %d %v", d, ok)
	}
	if _, ok := ParseDate([]byte("2023-02-29")); ok {
		t.Errorf("ParseDate accepted 2023-02-29")
	}
	if ts, ok := ParseTimestamp([]byte("2021-06-01T12:34:56.5+01:00")); !ok || string(AppendTimestamp(nil, ts)) != "2021-06-01 11:34:56.5" {
		t.Errorf("ParseTimestamp: %d %v", ts, ok)
	}
	if string(AppendDouble(nil, 1e7)) != "1.0E7" || string(AppendDouble(nil, 0.001)) != "0.001" {
		t.Errorf("AppendDouble")
	}
	if v, ok := ParseDecimal([]byte("1.255"), 5, 2); !ok || v != decimal128.FromI64(126) {
		t.Errorf("ParseDecimal rounds half up: %v %v", v, ok)
	}
	if DateField("year")(0) != 1970 || DateField("nope") != nil || TimeField("hour")(3_600_000_000*25) != 1 {
		t.Errorf("DateField / TimeField")
	}
	if f := DoubleFunc("ln"); f == nil {
		t.Errorf("DoubleFunc(ln) is nil")
	} else if _, ok := f(-1); ok {
		t.Errorf("ln(-1) is not NULL")
	}
	if AddMonths(18291, 1) != 18321 { // 2020-01-31 + 1 month = 2020-02-29
		t.Errorf("AddMonths = %d", AddMonths(18291, 1))
	}
	m, err := CompileLike("a%_c", '\\', true)
	if err != nil || !m.CaseInsensitive() || !m.Match(AppendLower(nil, []byte("AbXC"))) || m.Match([]byte("ac")) {
		t.Errorf("CompileLike: %v", err)
	}
}

// TestLengthOfBinaryLiteral: length counts the bytes of a BINARY literal,
// not its UTF-8 characters.
func TestLengthOfBinaryLiteral(t *testing.T) {
	mem := newMem(t)
	batch := batchOf(build(t, mem, tI32, 1, 2))
	defer batch.Release()
	l, err := Literal([]byte{0xE2, 0x82, 0xAC, 0x41}, tBin) // the UTF-8 of "€A"
	if err != nil {
		t.Fatal(err)
	}
	e := mk(Function("length", []Expr{l}))
	checkValues(t, "length(binary literal)", eval(t, mem, e, batch), want(t, tI32, 4, 4), tI32)
}

// TestNullSafeEqualNullLiteral: a <=> NULL literal of a typed column is
// whether a is NULL (it used to read the literal's missing value).
func TestNullSafeEqualNullLiteral(t *testing.T) {
	mem := newMem(t)
	for _, tc := range []struct {
		ty arrow.DataType
		v  any
	}{{tI64, 5}, {tDec(10, 2), "1.50"}, {tStr, "x"}, {tF64, 1.5}, {tBool, true}} {
		batch := batchOf(build(t, mem, tc.ty, nil, tc.v))
		n, err := Literal(nil, tc.ty)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []Expr{mk(Compare(EqNullSafe, col(0, tc.ty), n)), mk(Compare(EqNullSafe, n, col(0, tc.ty)))} {
			checkValues(t, e.String(), eval(t, mem, e, batch), want(t, tBool, true, false), tBool)
		}
		batch.Release()
	}
}
