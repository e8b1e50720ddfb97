package expr

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// fcase is one function test: argument columns (types and values) or
// literal arguments, and the expected result.
type fcase struct {
	name  string
	types []arrow.DataType
	cols  [][]any
	lits  []any // per argument: nil = use the column, else a literal value (litNull for NULL)
	want  []any
}

type litNullT struct{}

var litNull = litNullT{}

func runFuncCases(t *testing.T, cases []fcase) {
	mem := newMem(t)
	for _, c := range cases {
		var colTypes []arrow.DataType
		var colVals [][]any
		for i, ty := range c.types {
			if c.lits == nil || c.lits[i] == nil {
				colTypes = append(colTypes, ty)
				colVals = append(colVals, c.cols[len(colVals)])
			}
		}
		checkForms(t, mem, func(cols []Expr) (Expr, error) {
			args := make([]Expr, len(c.types))
			k := 0
			for i, ty := range c.types {
				if c.lits == nil || c.lits[i] == nil {
					args[i] = cols[k]
					k++
					continue
				}
				if c.lits[i] == litNull {
					l, err := Literal(nil, ty)
					if err != nil {
						return nil, err
					}
					args[i] = l
					continue
				}
				args[i] = lit(t, c.lits[i], ty)
			}
			return Function(c.name, args)
		}, colTypes, colVals, c.want)
	}
}

func TestStringFunctions(t *testing.T) {
	s := []arrow.DataType{tStr}
	runFuncCases(t, []fcase{
		{name: "upper", types: s, cols: [][]any{{"abc", "ÄbÇ", "", nil}}, want: []any{"ABC", "ÄBÇ", "", nil}},
		{name: "ucase", types: s, cols: [][]any{{"x"}}, want: []any{"X"}},
		{name: "lower", types: s, cols: [][]any{{"ABC", "ÄBÇ"}}, want: []any{"abc", "äbç"}},
		// All-ASCII arrays take the whole-buffer path: letters only change.
		{name: "upper", types: s, cols: [][]any{{"az@[`{AZ09 hello, world!~", "", nil, "xY"}}, want: []any{"AZ@[`{AZ09 HELLO, WORLD!~", "", nil, "XY"}},
		{name: "lower", types: s, cols: [][]any{{"az@[`{AZ09 HELLO, World!~", "Q"}}, want: []any{"az@[`{az09 hello, world!~", "q"}},
		{name: "length", types: s, cols: [][]any{{"abc", "héllo", "", nil, "日本"}}, want: []any{3, 5, 0, nil, 2}},
		{name: "length", types: []arrow.DataType{tBin}, cols: [][]any{{"héllo"}}, want: []any{6}},
		{name: "char_length", types: s, cols: [][]any{{"日本"}}, want: []any{2}},
		{name: "reverse", types: s, cols: [][]any{{"abc", "héllo", ""}}, want: []any{"cba", "olléh", ""}},
		// substring: 1-based, 0 as 1, negative from the end, characters.
		{name: "substring", types: []arrow.DataType{tStr, tI32, tI32}, cols: [][]any{{"Spark SQL", "Spark SQL", "Spark SQL", "Spark SQL", "héllo", "héllo", "abc", "abc", nil}, {5, 0, -3, 1, 2, -4, 10, -10, 1}, {1, 3, 2, 100, 2, 2, 1, 8, 1}},
			want: []any{"k", "Spa", "SQ", "Spark SQL", "él", "él", "", "a", nil}},
		{name: "substr", types: []arrow.DataType{tStr, tI32}, cols: [][]any{{"Spark SQL", "héllo"}}, lits: []any{nil, int32(-3)}, want: []any{"SQL", "llo"}},
		{name: "substring", types: []arrow.DataType{tStr, tI32, tI32}, cols: [][]any{{"abcdef"}}, lits: []any{nil, int32(2), int32(-1)}, want: []any{""}},
		{name: "concat", types: []arrow.DataType{tStr, tStr, tStr}, cols: [][]any{{"a", "a", nil}, {"b", nil, "x"}}, lits: []any{nil, nil, "!"}, want: []any{"ab!", nil, nil}},
		{name: "concat_ws", types: []arrow.DataType{tStr, tStr, tStr}, cols: [][]any{{"a", nil, nil}, {"b", "c", nil}}, lits: []any{"-", nil, nil}, want: []any{"a-b", "c", ""}},
		{name: "concat_ws", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"a"}}, lits: []any{litNull, nil}, want: []any{nil}},
		{name: "trim", types: s, cols: [][]any{{"  a b  ", "\ta\t", ""}}, want: []any{"a b", "\ta\t", ""}},
		{name: "ltrim", types: s, cols: [][]any{{"  a  "}}, want: []any{"a  "}},
		{name: "rtrim", types: s, cols: [][]any{{"  a  "}}, want: []any{"  a"}},
		{name: "trim", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"xxaxyx", "éaé"}}, lits: []any{"xyé", nil}, want: []any{"a", "a"}},
		{name: "replace", types: []arrow.DataType{tStr, tStr, tStr}, cols: [][]any{{"abcabc", "aaa", "x"}}, lits: []any{nil, "ab", "X"}, want: []any{"XcXc", "aaa", "x"}},
		{name: "replace", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"abcabc"}}, lits: []any{nil, "b"}, want: []any{"acac"}},
		{name: "replace", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"abc"}}, lits: []any{nil, ""}, want: []any{"abc"}},
		{name: "startswith", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"abc", "xab", nil}}, lits: []any{nil, "ab"}, want: []any{true, false, nil}},
		{name: "ends_with", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"abc", "xab"}}, lits: []any{nil, "ab"}, want: []any{false, true}},
		{name: "contains", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"abc", "xab"}, {"bc", ""}}, want: []any{true, true}},
		{name: "lpad", types: []arrow.DataType{tStr, tI32, tStr}, cols: [][]any{{"hi", "hi", "hello", "hi", "hé"}, {5, 1, 3, -1, 4}}, lits: []any{nil, nil, "ab"}, want: []any{"abahi", "h", "hel", "", "abhé"}},
		{name: "rpad", types: []arrow.DataType{tStr, tI32}, cols: [][]any{{"hi", "hé"}}, lits: []any{nil, int32(4)}, want: []any{"hi  ", "hé  "}},
		{name: "rpad", types: []arrow.DataType{tStr, tI32, tStr}, cols: [][]any{{"hi"}}, lits: []any{nil, int32(5), ""}, want: []any{"hi"}},
		{name: "instr", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"hello", "héllo", "abc", "abc"}, {"ll", "llo", "z", ""}}, want: []any{3, 3, 0, 1}},
		{name: "locate", types: []arrow.DataType{tStr, tStr, tI32}, cols: [][]any{{"bar", "bar", "bar", "bar"}, {"foobarbar", "foobarbar", "foobarbar", "foobarbar"}, {1, 5, 0, 8}}, want: []any{4, 7, 0, 0}},
		{name: "position", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"é", "x"}, {"aéb", "abc"}}, want: []any{2, 0}},
	})
}

func TestDateFunctions(t *testing.T) {
	d := []arrow.DataType{tDate}
	days := [][]any{{"2020-02-29", "1969-12-31", "1900-03-01", "2021-01-03", nil, "0001-01-01"}}
	runFuncCases(t, []fcase{
		{name: "year", types: d, cols: days, want: []any{2020, 1969, 1900, 2021, nil, 1}},
		{name: "month", types: d, cols: days, want: []any{2, 12, 3, 1, nil, 1}},
		{name: "day", types: d, cols: days, want: []any{29, 31, 1, 3, nil, 1}},
		{name: "dayofmonth", types: d, cols: days, want: []any{29, 31, 1, 3, nil, 1}},
		{name: "quarter", types: d, cols: days, want: []any{1, 4, 1, 1, nil, 1}},
		// 2020-02-29 Saturday (7), 1969-12-31 Wednesday (4), 1900-03-01 Thursday (5), 2021-01-03 Sunday (1), 0001-01-01 Monday (2)
		{name: "dayofweek", types: d, cols: days, want: []any{7, 4, 5, 1, nil, 2}},
		{name: "dayofyear", types: d, cols: days, want: []any{60, 365, 60, 3, nil, 1}},
		// ISO weeks: 2021-01-03 is in week 53 of 2020.
		{name: "weekofyear", types: d, cols: days, want: []any{9, 1, 9, 53, nil, 1}},
		{name: "hour", types: []arrow.DataType{tTS}, cols: [][]any{{"2020-01-01 13:14:15", "1969-12-31 23:59:59.5"}}, want: []any{13, 23}},
		{name: "minute", types: []arrow.DataType{tTS}, cols: [][]any{{"2020-01-01 13:14:15", "1969-12-31 23:59:59.5"}}, want: []any{14, 59}},
		{name: "second", types: []arrow.DataType{tTS}, cols: [][]any{{"2020-01-01 13:14:15", "1969-12-31 23:59:59.5"}}, want: []any{15, 59}},
		{name: "date_add", types: []arrow.DataType{tDate, tI32}, cols: [][]any{{"2020-02-28", "1970-01-01"}, {1, -1}}, want: []any{"2020-02-29", "1969-12-31"}},
		{name: "date_sub", types: []arrow.DataType{tDate, tI32}, cols: [][]any{{"2020-03-01"}}, lits: []any{nil, int32(1)}, want: []any{"2020-02-29"}},
		{name: "add_months", types: []arrow.DataType{tDate, tI32}, cols: [][]any{{"2019-01-31", "2020-01-31", "2019-02-28", "2020-03-31", "2020-12-15"}, {1, 1, 1, -13, 1}},
			want: []any{"2019-02-28", "2020-02-29", "2019-03-28", "2019-02-28", "2021-01-15"}},
		{name: "datediff", types: []arrow.DataType{tDate, tDate}, cols: [][]any{{"2020-03-01", "1969-12-31"}, {"2020-02-01", "1970-01-01"}}, want: []any{29, -1}},
		{name: "last_day", types: d, cols: [][]any{{"2020-02-10", "2019-02-10", "2020-12-31"}}, want: []any{"2020-02-29", "2019-02-28", "2020-12-31"}},
		{name: "to_date", types: d, cols: [][]any{{"2020-02-10"}}, want: []any{"2020-02-10"}},
		{name: "make_date", types: []arrow.DataType{tI32, tI32, tI32}, cols: [][]any{{2020, 2019, 2020}, {2, 2, 13}, {29, 29, 1}}, want: []any{"2020-02-29", nil, nil}},
	})
}

func TestMathFunctions(t *testing.T) {
	nan := math.NaN()
	runFuncCases(t, []fcase{
		{name: "round", types: []arrow.DataType{tF64, tI32}, cols: [][]any{{2.5, -2.5, 2.675, 1.005, 123.456, nan, nil}}, lits: []any{nil, int32(0)}, want: []any{3.0, -3.0, 3.0, 1.0, 123.0, nan, nil}},
		{name: "round", types: []arrow.DataType{tF64, tI32}, cols: [][]any{{2.675, 1.005, -0.125, 1234.5}}, lits: []any{nil, int32(2)}, want: []any{2.68, 1.01, -0.13, 1234.5}},
		{name: "round", types: []arrow.DataType{tF64, tI32}, cols: [][]any{{1234.5}}, lits: []any{nil, int32(-2)}, want: []any{1200.0}},
		{name: "round", types: []arrow.DataType{tF64}, cols: [][]any{{0.5, 1.4999}}, want: []any{1.0, 1.0}},
		{name: "bround", types: []arrow.DataType{tF64, tI32}, cols: [][]any{{2.5, 3.5, -2.5, 2.675}}, lits: []any{nil, int32(0)}, want: []any{2.0, 4.0, -2.0, 3.0}},
		{name: "round", types: []arrow.DataType{tI32, tI32}, cols: [][]any{{1250, -1250, 1249}}, lits: []any{nil, int32(-2)}, want: []any{1300, -1300, 1200}},
		{name: "round", types: []arrow.DataType{tI64, tI32}, cols: [][]any{{15}}, lits: []any{nil, int32(1)}, want: []any{15}},
		{name: "round", types: []arrow.DataType{tDec(10, 3), tI32}, cols: [][]any{{"1.235", "-1.235", "1.234", "9999999.995"}}, lits: []any{nil, int32(2)}, want: []any{"1.24", "-1.24", "1.23", "10000000.00"}},
		{name: "round", types: []arrow.DataType{tDec(10, 3), tI32}, cols: [][]any{{"1250.5"}}, lits: []any{nil, int32(-2)}, want: []any{"1300"}},
		{name: "bround", types: []arrow.DataType{tDec(10, 3), tI32}, cols: [][]any{{"1.225", "1.235"}}, lits: []any{nil, int32(2)}, want: []any{"1.22", "1.24"}},
		{name: "abs", types: []arrow.DataType{tI32}, cols: [][]any{{-5, 5, math.MinInt32, nil}}, want: []any{5, 5, math.MinInt32, nil}},
		{name: "abs", types: []arrow.DataType{tDec(5, 2)}, cols: [][]any{{"-1.50", "2.00"}}, want: []any{"1.50", "2.00"}},
		{name: "abs", types: []arrow.DataType{tF64}, cols: [][]any{{-1.5}}, want: []any{1.5}},
		{name: "floor", types: []arrow.DataType{tF64}, cols: [][]any{{1.5, -1.5, nan, 1e30}}, want: []any{1, -2, 0, math.MaxInt64}},
		{name: "ceil", types: []arrow.DataType{tF64}, cols: [][]any{{1.5, -1.5}}, want: []any{2, -1}},
		{name: "ceiling", types: []arrow.DataType{tDec(5, 2)}, cols: [][]any{{"1.01", "-1.99", "3.00", nil}}, want: []any{"2", "-1", "3", nil}},
		{name: "floor", types: []arrow.DataType{tDec(5, 2)}, cols: [][]any{{"1.01", "-1.01"}}, want: []any{"1", "-2"}},
		{name: "floor", types: []arrow.DataType{tI64}, cols: [][]any{{7}}, want: []any{7}},
		{name: "sqrt", types: []arrow.DataType{tF64}, cols: [][]any{{4.0, -1.0}}, want: []any{2.0, nan}},
		{name: "exp", types: []arrow.DataType{tF64}, cols: [][]any{{0.0}}, want: []any{1.0}},
		{name: "ln", types: []arrow.DataType{tF64}, cols: [][]any{{1.0, 0.0, -1.0}}, want: []any{0.0, nil, nil}},
		{name: "log", types: []arrow.DataType{tF64, tF64}, cols: [][]any{{2.0, 0.0}, {8.0, 8.0}}, want: []any{3.0, nil}},
		{name: "log10", types: []arrow.DataType{tF64}, cols: [][]any{{1000.0}}, want: []any{3.0}},
		{name: "power", types: []arrow.DataType{tF64, tF64}, cols: [][]any{{2.0, 0.0}, {10.0, 0.0}}, want: []any{1024.0, 1.0}},
		{name: "sign", types: []arrow.DataType{tF64}, cols: [][]any{{-3.0, 0.0, 2.0}}, want: []any{-1.0, 0.0, 1.0}},
		{name: "mod", types: []arrow.DataType{tI32, tI32}, cols: [][]any{{-7, 7}, {3, 0}}, want: []any{-1, nil}},
		{name: "pmod", types: []arrow.DataType{tI32, tI32}, cols: [][]any{{-7, 7, -7}, {3, 3, -3}}, want: []any{2, 1, -1}},
		{name: "pmod", types: []arrow.DataType{tDec(5, 2), tDec(5, 2)}, cols: [][]any{{"-7.50", "7.50"}, {"2.00", "2.00"}}, want: []any{"0.50", "1.50"}},
	})
}

func TestConditionalFunctions(t *testing.T) {
	nan := math.NaN()
	runFuncCases(t, []fcase{
		{name: "greatest", types: []arrow.DataType{tI32, tI32, tI32}, cols: [][]any{{1, nil, nil, 5}, {3, 2, nil, 4}, {2, 1, nil, 6}}, want: []any{3, 2, nil, 6}},
		{name: "least", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"b", nil}, {"a", "c"}}, want: []any{"a", "c"}},
		{name: "greatest", types: []arrow.DataType{tF64, tF64}, cols: [][]any{{nan, 1.0}, {1.0, 2.0}}, want: []any{nan, 2.0}},
		{name: "least", types: []arrow.DataType{tDec(10, 2), tDec(10, 2)}, cols: [][]any{{"1.50", "-2.00"}, {"1.49", "3"}}, want: []any{"1.49", "-2.00"}},
		{name: "nullif", types: []arrow.DataType{tI32, tI32}, cols: [][]any{{1, 2, nil, 4}, {1, 3, 1, nil}}, want: []any{nil, 2, nil, 4}},
		{name: "nullif", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{"a", "b"}}, lits: []any{nil, "a"}, want: []any{nil, "b"}},
		{name: "if", types: []arrow.DataType{tBool, tI32, tI32}, cols: [][]any{{true, false, nil}, {1, 2, 3}, {10, 20, 30}}, want: []any{1, 20, 30}},
		{name: "nvl", types: []arrow.DataType{tI32, tI32}, cols: [][]any{{1, nil}, {5, 6}}, want: []any{1, 6}},
		{name: "ifnull", types: []arrow.DataType{tStr, tStr}, cols: [][]any{{nil}}, lits: []any{nil, "d"}, want: []any{"d"}},
		{name: "coalesce", types: []arrow.DataType{tI64, tI64}, cols: [][]any{{nil, 2}, {1, 3}}, want: []any{1, 2}},
		{name: "isnan", types: []arrow.DataType{tF64}, cols: [][]any{{nan, 1.0, nil}}, want: []any{true, false, false}},
		{name: "nanvl", types: []arrow.DataType{tF64, tF64}, cols: [][]any{{nan, 1.0, nil, nan}, {2.0, 3.0, 4.0, nil}}, want: []any{2.0, 1.0, nil, nil}},
	})
}

func TestResolveFunction(t *testing.T) {
	cases := []struct {
		name   string
		args   []arrow.DataType
		want   []arrow.DataType
		result arrow.DataType
		errSub string
	}{
		{"substring", []arrow.DataType{tStr, tI32, tI32}, []arrow.DataType{tStr, tI32, tI32}, tStr, ""},
		{"SUBSTR", []arrow.DataType{tStr, tI64}, []arrow.DataType{tStr, tI32}, tStr, ""},
		{"substring", []arrow.DataType{tI32, tStr}, []arrow.DataType{tStr, tI32}, tStr, ""},
		{"substring", []arrow.DataType{tStr}, nil, nil, "function substring cannot take (string)"},
		{"substring", []arrow.DataType{tStr, tDate}, nil, nil, "function substring cannot take (string, date)"},
		{"foo", nil, nil, nil, "function foo does not exist"},
		{"year", []arrow.DataType{tTS}, []arrow.DataType{tDate}, tI32, ""},
		{"year", []arrow.DataType{tStr}, []arrow.DataType{tDate}, tI32, ""},
		{"hour", []arrow.DataType{tDate}, []arrow.DataType{tTS}, tI32, ""},
		{"round", []arrow.DataType{tDec(15, 2)}, []arrow.DataType{tDec(15, 2)}, tDec(14, 0), ""},
		{"round", []arrow.DataType{tI32, tI32}, []arrow.DataType{tI32, tI32}, tI32, ""},
		{"floor", []arrow.DataType{tDec(15, 2)}, []arrow.DataType{tDec(15, 2)}, tDec(14, 0), ""},
		{"ceil", []arrow.DataType{tI32}, []arrow.DataType{tI64}, tI64, ""},
		{"sqrt", []arrow.DataType{tI64}, []arrow.DataType{tF64}, tF64, ""},
		{"greatest", []arrow.DataType{tI32, tI64, tDec(5, 2)}, []arrow.DataType{tDec(22, 2), tDec(22, 2), tDec(22, 2)}, tDec(22, 2), ""},
		{"greatest", []arrow.DataType{tI32, tStr}, nil, nil, "cannot take"},
		{"if", []arrow.DataType{tBool, tI32, tStr}, []arrow.DataType{tBool, tStr, tStr}, tStr, ""},
		{"pmod", []arrow.DataType{tI32, tDec(5, 2)}, []arrow.DataType{tDec(10, 0), tDec(5, 2)}, tDec(5, 2), ""},
		{"concat", []arrow.DataType{tStr, tI32, tDate}, []arrow.DataType{tStr, tStr, tStr}, tStr, ""},
		{"date_add", []arrow.DataType{tStr, tI32}, []arrow.DataType{tDate, tI32}, tDate, ""},
		{"length", []arrow.DataType{tBin}, []arrow.DataType{tBin}, tI32, ""},
	}
	for _, c := range cases {
		sig, err := ResolveFunction(c.name, c.args)
		if c.errSub != "" {
			if err == nil || !strings.Contains(err.Error(), c.errSub) {
				t.Errorf("%s%s: err %v, want %q", c.name, typeList(c.args), err, c.errSub)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%s: %v", c.name, typeList(c.args), err)
			continue
		}
		if typeList(sig.ArgTypes) != typeList(c.want) || !arrow.TypeEqual(sig.ResultType, c.result) {
			t.Errorf("%s%s = %s -> %s, want %s -> %s", c.name, typeList(c.args), typeList(sig.ArgTypes), typeName(sig.ResultType), typeList(c.want), typeName(c.result))
		}
	}
	// ResolveCall sees round's scale.
	sig, err := ResolveCall("round", []Expr{col(0, tDec(15, 4)), lit(t, int32(2), tI32)})
	if err != nil || !arrow.TypeEqual(sig.ResultType, tDec(14, 2)) {
		t.Errorf("ResolveCall(round(decimal(15,4), 2)) = %v, %v", sig, err)
	}
	e := mk(Function("round", []Expr{col(0, tDec(15, 4)), lit(t, int32(2), tI32)}))
	if !arrow.TypeEqual(e.DataType(), tDec(14, 2)) || e.String() != "round(c0#0, 2)" {
		t.Errorf("round: %s %s", typeName(e.DataType()), e)
	}
	// Function insists on coerced argument types.
	if _, err := Function("substring", []Expr{col(0, tStr), col(1, tI64)}); err == nil || !strings.Contains(err.Error(), "cast it first") {
		t.Errorf("uncoerced argument: %v", err)
	}
	names := FunctionNames()
	for _, want := range []string{"substr", "substring", "upper", "ucase", "dayofmonth", "ceiling", "ifnull", "position", "starts_with", "startswith"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("FunctionNames lacks %s", want)
		}
	}
}

func TestTypeRules(t *testing.T) {
	cases := []struct {
		a, b      arrow.DataType
		common    arrow.DataType // nil: none
		wider     arrow.DataType
		noneWider bool
	}{
		{tI32, tI64, tI64, tI64, false},
		{tI32, tDec(5, 2), tDec(12, 2), tDec(12, 2), false},
		{tI64, tDec(5, 2), tDec(22, 2), tDec(22, 2), false},
		{tI64, tDec(38, 10), tDec(38, 10), tDec(38, 10), false},
		{tDec(10, 2), tDec(5, 4), tDec(12, 4), tDec(12, 4), false},
		{tDec(10, 2), tF64, tF64, tF64, false},
		{tI32, tF64, tF64, tF64, false},
		{tNull, tStr, tStr, tStr, false},
		{tDate, tTS, tTS, tTS, false},
		{tStr, tDate, tDate, tStr, false},
		{tStr, tI32, tI32, tStr, false},
		{tStr, tDec(5, 2), tF64, tStr, false},
		{tStr, tBool, tBool, nil, true},
		{tBool, tI32, nil, nil, true},
		{tBin, tStr, nil, nil, true},
	}
	for _, c := range cases {
		got, ok := CommonType(c.a, c.b)
		if (c.common == nil) != !ok || (ok && !arrow.TypeEqual(got, c.common)) {
			t.Errorf("CommonType(%s, %s) = %v, %v; want %v", typeName(c.a), typeName(c.b), got, ok, c.common)
		}
		got2, ok2 := CommonType(c.b, c.a)
		if ok != ok2 || (ok && !arrow.TypeEqual(got, got2)) {
			t.Errorf("CommonType is not symmetric for %s, %s", typeName(c.a), typeName(c.b))
		}
		w, ok := WiderType(c.a, c.b)
		if c.noneWider == ok || (ok && !arrow.TypeEqual(w, c.wider)) {
			t.Errorf("WiderType(%s, %s) = %v, %v; want %v", typeName(c.a), typeName(c.b), w, ok, c.wider)
		}
	}
	if !arrow.TypeEqual(DecimalOf(tI32), tDec(10, 0)) || !arrow.TypeEqual(DecimalOf(tI64), tDec(20, 0)) || DecimalOf(tStr) != nil {
		t.Error("DecimalOf")
	}
}

func TestErrorMessages(t *testing.T) {
	_, err := ResolveFunction("frobnicate", nil)
	if err == nil || err.Error() != "function frobnicate does not exist" || !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown function: %v", err)
	}
	_, err = ResolveFunction("upper", []arrow.DataType{tStr, tI32})
	if err == nil || err.Error() != "function upper cannot take (string, int)" || !errors.Is(err, ErrType) {
		t.Errorf("bad arguments: %v", err)
	}
}
