package expr

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCast(t *testing.T) {
	mem := newMem(t)
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		from, to arrow.DataType
		in, want []any
	}{
		// numeric <-> numeric
		{tI32, tI64, []any{1, nil, math.MinInt32}, []any{1, nil, math.MinInt32}},
		{tI64, tI32, []any{1 << 32, 1<<32 + 5, -1}, []any{0, 5, -1}},
		{tF64, tI32, []any{1.9, -1.9, nan, 1e10, -1e10, inf}, []any{1, -1, 0, math.MaxInt32, math.MinInt32, math.MaxInt32}},
		{tF64, tI64, []any{2.5, 1e19, -1e19, nan}, []any{2, math.MaxInt64, math.MinInt64, 0}},
		{tI64, tF64, []any{1 << 53, -3}, []any{float64(1 << 53), -3.0}},
		{tDec(10, 2), tI32, []any{"12.99", "-12.99", nil}, []any{12, -12, nil}},
		{tDec(38, 0), tI64, []any{"18446744073709551617"}, []any{1}}, // low 64 bits, as Java's longValue
		{tDec(10, 3), tF64, []any{"0.125", "-1.100"}, []any{0.125, -1.1}},
		{tDec(38, 10), tF64, []any{"1234567890123456789.0123456789"}, []any{1234567890123456789.0123456789}},
		// to decimal: HALF_UP, overflow NULL
		{tI32, tDec(5, 2), []any{123, 1000, -999, -1000}, []any{"123.00", nil, "-999.00", nil}},
		{tI64, tDec(20, 0), []any{math.MaxInt64}, []any{"9223372036854775807"}},
		{tF64, tDec(10, 2), []any{0.125, -0.125, 0.1, 1e10, nan, inf, 2.675}, []any{"0.13", "-0.13", "0.10", nil, nil, nil, "2.68"}},
		{tDec(10, 4), tDec(6, 2), []any{"1.2345", "-1.2355", "9999.9949", "9999.995"}, []any{"1.23", "-1.24", "9999.99", nil}},
		{tDec(5, 2), tDec(38, 20), []any{"123.45"}, []any{"123.45"}},
		{tStr, tDec(10, 2), []any{" 1.005 ", "1e2", "-.5", "abc", "", "1e40", "12345678901.5"}, []any{"1.01", "100.00", "-0.50", nil, nil, nil, nil}},
		// string -> numbers
		{tStr, tI32, []any{" 42 ", "-7", "1.9", "2147483648", "x1", "", "+5", "1e3"}, []any{42, -7, 1, nil, nil, nil, 5, nil}},
		{tStr, tI64, []any{"-9223372036854775808", "9223372036854775808"}, []any{math.MinInt64, nil}},
		{tStr, tF64, []any{"1.5", " -2e3 ", "NaN", "Infinity", "-inf", "1.5d", "x", "0x10"}, []any{1.5, -2000.0, nan, inf, math.Inf(-1), 1.5, nil, nil}},
		{tStr, tBool, []any{"t", "TRUE", " yes ", "1", "f", "No", "0", "maybe"}, []any{true, true, true, true, false, false, false, nil}},
		// string -> date / timestamp
		{tStr, tDate, []any{"1998-12-01", " 2020-2-9 ", "2020", "2020-06", "2020-02-30", "2020-01-01 10:00:00", "2020-01-01T1", "x", "1900-02-29", "2000-02-29"},
			[]any{"1998-12-01", "2020-02-09", "2020-01-01", "2020-06-01", nil, "2020-01-01", "2020-01-01", nil, nil, "2000-02-29"}},
		{tStr, tTS, []any{"1998-12-01 10:00:00", "1998-12-01", "2020-01-01T01:02:03.5", "2020-01-01 00:00:00Z", "2020-01-01 08:00:00+08:00", "2020-01-01 25:00:00", "1969-12-31 23:59:59.999999"},
			[]any{"1998-12-01 10:00:00", "1998-12-01 00:00:00", "2020-01-01 01:02:03.5", "2020-01-01 00:00:00", "2020-01-01 00:00:00", nil, -1}},
		// to string
		{tF64, tStr, []any{1e10, 0.1, 1.0, 100.0, 1e7, 1e-3, 1e-4, 123456.789, math.Copysign(0, -1), nan, inf, 1e21, 1.5e-10}, []any{"1.0E10", "0.1", "1.0", "100.0", "1.0E7", "0.001", "1.0E-4", "123456.789", "-0.0", "NaN", "Infinity", "1.0E21", "1.5E-10"}},
		{tDec(10, 2), tStr, []any{"1.50", "-0.05", "0.00", nil}, []any{"1.50", "-0.05", "0.00", nil}},
		{tDec(38, 0), tStr, []any{"-99999999999999999999999999999999999999"}, []any{"-99999999999999999999999999999999999999"}},
		{tDate, tStr, []any{"1998-12-01", "0001-01-01", -1}, []any{"1998-12-01", "0001-01-01", "1969-12-31"}},
		{tTS, tStr, []any{"2020-01-01 01:02:03.5", "2020-01-01 00:00:00", "1969-12-31 23:59:59.999999"}, []any{"2020-01-01 01:02:03.5", "2020-01-01 00:00:00", "1969-12-31 23:59:59.999999"}},
		{tBool, tStr, []any{true, false, nil}, []any{"true", "false", nil}},
		{tI64, tStr, []any{-5, math.MinInt64}, []any{"-5", "-9223372036854775808"}},
		{tBin, tStr, []any{"abc", ""}, []any{"abc", ""}},
		{tStr, tBin, []any{"abc"}, []any{"abc"}},
		{tI32, tBin, []any{1}, []any{"\x00\x00\x00\x01"}},
		// date / timestamp
		{tDate, tTS, []any{"1970-01-02", "1969-12-31"}, []any{"1970-01-02 00:00:00", "1969-12-31 00:00:00"}},
		{tTS, tDate, []any{"1970-01-01 23:59:59", "1969-12-31 23:59:59.999999"}, []any{"1970-01-01", "1969-12-31"}},
		{tTS, tI64, []any{"1970-01-01 00:00:01.5", -1}, []any{1, -1}},
		{tTS, tF64, []any{"1970-01-01 00:00:01.5"}, []any{1.5}},
		{tI64, tTS, []any{1, math.MaxInt64}, []any{1000000, math.MaxInt64}},
		{tF64, tTS, []any{1.5, nan}, []any{1500000, nil}},
		{tDate, tI32, []any{"2020-01-01"}, []any{nil}},
		{tDate, tBool, []any{"2020-01-01"}, []any{nil}},
		// boolean
		{tBool, tI32, []any{true, false}, []any{1, 0}},
		{tBool, tDec(1, 1), []any{true, false}, []any{nil, "0.0"}},
		{tBool, tTS, []any{true}, []any{1}},
		{tI32, tBool, []any{0, 5}, []any{false, true}},
		{tF64, tBool, []any{0.0, nan}, []any{false, true}},
		{tDec(5, 2), tBool, []any{"0.00", "0.01"}, []any{false, true}},
		{tNull, tI32, []any{nil, nil}, []any{nil, nil}},
	}
	for _, c := range cases {
		checkForms(t, mem, func(cols []Expr) (Expr, error) { return Cast(cols[0], c.to) },
			[]arrow.DataType{c.from}, [][]any{c.in}, c.want)
	}
}

func TestCanCast(t *testing.T) {
	yes := [][2]arrow.DataType{{tI32, tStr}, {tStr, tDate}, {tTS, tDate}, {tDate, tTS}, {tI32, tBin}, {tNull, tDate},
		{tDate, tI64}, {tBool, tDec(5, 2)}, {tDec(5, 2), tDec(38, 2)}, {tStr, tBool}, {tBin, tStr}}
	no := [][2]arrow.DataType{{tI32, tDate}, {tBin, tI32}, {tDate, tBin}, {tF64, tBin}, {tBool, tDate}, {tI32, tNull}, {tI32, tDec(39, 0)}}
	for _, c := range yes {
		if !CanCast(c[0], c[1]) {
			t.Errorf("CanCast(%s, %s) = false", typeName(c[0]), typeName(c[1]))
		}
	}
	for _, c := range no {
		if CanCast(c[0], c[1]) {
			t.Errorf("CanCast(%s, %s) = true", typeName(c[0]), typeName(c[1]))
		}
		if _, err := Cast(col(0, c[0]), c[1]); err == nil {
			t.Errorf("Cast(%s, %s) accepted", typeName(c[0]), typeName(c[1]))
		}
	}
	if s := mk(Cast(col(0, tI32), tI64)).String(); s != "cast(c0#0 as bigint)" {
		t.Errorf("String() = %q", s)
	}
}

func TestImplicitCast(t *testing.T) {
	yes := [][2]arrow.DataType{{tI32, tI64}, {tI64, tI32}, {tStr, tDate}, {tStr, tDec(10, 2)}, {tDate, tTS}, {tTS, tDate}, {tBool, tStr}, {tNull, tBool}, {tI32, tStr}}
	no := [][2]arrow.DataType{{tDate, tBool}, {tStr, tBool}, {tI32, tDate}, {tBool, tI32}, {tBin, tI32}, {tDate, tI32}}
	for _, c := range yes {
		if !ImplicitCast(c[0], c[1]) {
			t.Errorf("ImplicitCast(%s, %s) = false", typeName(c[0]), typeName(c[1]))
		}
	}
	for _, c := range no {
		if ImplicitCast(c[0], c[1]) {
			t.Errorf("ImplicitCast(%s, %s) = true", typeName(c[0]), typeName(c[1]))
		}
	}
}
