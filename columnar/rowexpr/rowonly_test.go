package rowexpr

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// arg is a typed argument of a test call: a literal, or (col) a column of
// a one-row input holding the value.
type arg struct {
	v   any
	t   arrow.DataType
	col bool
}

func litA(v any, t arrow.DataType) arg { return arg{v: v, t: t} }
func colA(v any, t arrow.DataType) arg { return arg{v: v, t: t, col: true} }

// strs is the expected value of an ARRAY<STRING>: nil elements are NULL.
type strs []any

// evalCall builds name(args...) and evaluates it over one row.
func evalCall(t *testing.T, name string, args ...arg) (Value, Expr, error) {
	t.Helper()
	var fields []arrow.Field
	var exprs []Expr
	for i, a := range args {
		if a.col {
			fields = append(fields, arrow.Field{Name: fmt.Sprintf("c%d", i), Type: a.t, Nullable: true})
		}
	}
	l, err := rows.NewLayout(arrow.NewSchema(fields, nil))
	if err != nil {
		t.Fatal(err)
	}
	w := rows.NewWriter(l)
	w.Reset()
	k := 0
	for _, a := range args {
		if a.col {
			setGo(w, k, a.v)
			exprs = append(exprs, Column(k, fmt.Sprintf("c%d#%d", k, k), a.t))
			k++
			continue
		}
		lit, err := Literal(a.v, a.t)
		if err != nil {
			t.Fatal(err)
		}
		exprs = append(exprs, lit)
	}
	e, err := Function(name, exprs)
	if err != nil {
		return Null, nil, err
	}
	v, err := e.Eval(NewContext(), l, w.Row())
	return v, e, err
}

// decodeStrings decodes an ARRAY<STRING> value.
func decodeStrings(t *testing.T, b []byte) strs {
	t.Helper()
	r, err := rows.NewListReader(rows.KindBytes, b)
	if err != nil {
		t.Fatalf("invalid list: %v", err)
	}
	out := strs{}
	for i := 0; i < r.Len(); i++ {
		if r.IsNull(i) {
			out = append(out, nil)
			continue
		}
		out = append(out, string(r.Bytes(i)))
	}
	return out
}

func TestRowOnlyFunctions(t *testing.T) {
	S := func(s string) arg { return colA(s, tStr) }
	SL := func(s string) arg { return litA(s, tStr) }
	I := func(i int32) arg { return litA(i, tInt) }
	nullS := colA(nil, tStr)
	tests := []struct {
		name string
		args []arg
		want any    // Go value (see Literal), strs, or nil for NULL
		err  string // a substring of the expected error
	}{
		{"regexp_extract", []arg{S("100-200"), SL(`(\d+)-(\d+)`), I(1)}, "100", ""},
		{"regexp_extract", []arg{S("100-200"), SL(`(\d+)-(\d+)`), I(2)}, "200", ""},
		{"regexp_extract", []arg{S("100-200"), SL(`(\d+)-(\d+)`), I(0)}, "100-200", ""},
		{"regexp_extract", []arg{S("100-200"), SL(`(\d+)-(\d+)`)}, "100", ""},
		{"regexp_extract", []arg{S("foo"), SL(`(\d+)`)}, "", ""},
		{"regexp_extract", []arg{S("a1"), SL(`(x)?(\d)`), I(1)}, "", ""},
		{"regexp_extract", []arg{S("abc"), SL(`b`)}, nil, "group index 1 is out of range"},
		{"regexp_extract", []arg{S("abc"), SL(`b`), I(0)}, "b", ""},
		{"regexp_extract", []arg{S("abc"), SL(`(b)`), I(-1)}, nil, "group index -1"},
		{"regexp_extract", []arg{S("xyz"), SL(`(b)`), I(5)}, "", ""},
		{"regexp_extract", []arg{nullS, SL(`(b)`)}, nil, ""},
		{"regexp_extract", []arg{S("日本語123"), S(`\p{Han}+`), I(0)}, "日本語", ""},
		{"regexp_extract", []arg{S("abc"), SL(`(`)}, nil, "invalid regular expression"},
		{"regexp_extract", []arg{S("abc"), S(`(`)}, nil, "invalid regular expression"},
		{"regexp_extract", []arg{S("abc"), SL(`(?=b)`)}, nil, "invalid regular expression"},
		{"regexp_extract_all", []arg{S("100-200, 300-400"), SL(`(\d+)-(\d+)`)}, strs{"100", "300"}, ""},
		{"regexp_extract_all", []arg{S("100-200, 300-400"), SL(`(\d+)-(\d+)`), I(2)}, strs{"200", "400"}, ""},
		{"regexp_extract_all", []arg{S("none"), SL(`(\d+)`)}, strs{}, ""},
		{"regexp_replace", []arg{S("100-200"), SL(`(\d+)`), SL("num")}, "num-num", ""},
		{"regexp_replace", []arg{S("abc"), SL(`(b)`), SL("[$1]")}, "a[b]c", ""},
		{"regexp_replace", []arg{S("abc"), SL(`b`), SL(`\$`)}, "a$c", ""},
		{"regexp_replace", []arg{S("abc"), SL(`(b)`), SL("$10")}, "ab0c", ""},
		{"regexp_replace", []arg{S("abc"), SL(`(?P<x>b)`), SL("${x}${x}")}, "abbc", ""},
		{"regexp_replace", []arg{S("abc"), SL(`b`), SL("$2")}, nil, "no group 2"},
		{"regexp_replace", []arg{S("abc"), SL(`z`), SL("$2")}, "abc", ""},
		{"regexp_replace", []arg{S("abc"), SL(`b`), SL(`x\`)}, nil, "escaped is missing"},
		{"regexp_replace", []arg{S("aaa"), SL(`a`), SL("b"), I(2)}, "abb", ""},
		{"regexp_replace", []arg{S("aaa"), SL(`a`), SL("b"), I(3)}, "aab", ""},
		{"regexp_replace", []arg{S("aaa"), SL(`a`), SL("b"), I(4)}, "aaa", ""},
		{"regexp_replace", []arg{S("aaa"), SL(`^a`), SL("b"), I(2)}, "aba", ""},
		{"regexp_replace", []arg{S("aaa"), SL(`a`), SL("b"), I(0)}, nil, "position must be positive"},
		{"regexp_replace", []arg{S("日本日本"), S("日"), S("x")}, "x本x本", ""},
		{"regexp_replace", []arg{S("a.b.c"), S(`\.`), colA(nil, tStr)}, nil, ""},
		{"rlike", []arg{S("abc"), SL("b")}, true, ""},
		{"rlike", []arg{S("abc"), SL("^b")}, false, ""},
		{"rlike", []arg{S("abc"), SL("B")}, false, ""},
		{"regexp", []arg{S("abc"), SL("(?i)B")}, true, ""},
		{"regexp_like", []arg{S("abc"), S("c$")}, true, ""},
		{"rlike", []arg{nullS, SL("b")}, nil, ""},
		{"rlike", []arg{S("abc"), colA(nil, tStr)}, nil, ""},
		{"split", []arg{S("oneAtwoBthreeC"), SL("[ABC]")}, strs{"one", "two", "three", ""}, ""},
		{"split", []arg{S("oneAtwoBthreeC"), SL("[ABC]"), I(-1)}, strs{"one", "two", "three", ""}, ""},
		{"split", []arg{S("oneAtwoBthreeC"), SL("[ABC]"), I(2)}, strs{"one", "twoBthreeC"}, ""},
		{"split", []arg{S("oneAtwoBthreeC"), SL("[ABC]"), I(0)}, strs{"one", "two", "three", ""}, ""},
		{"split", []arg{S(",a,,b,"), SL(",")}, strs{"", "a", "", "b", ""}, ""},
		{"split", []arg{S("abc"), SL("")}, strs{"a", "b", "c"}, ""},
		{"split", []arg{S("a🙂c"), SL(""), I(2)}, strs{"a", "🙂c"}, ""},
		{"split", []arg{S(""), SL(",")}, strs{""}, ""},
		{"split", []arg{S(""), SL("")}, strs{""}, ""},
		{"split", []arg{S("abc"), SL(",")}, strs{"abc"}, ""},
		{"split", []arg{S("a1b22c"), S(`\d+`)}, strs{"a", "b", "c"}, ""},
		// Java also reports the empty match right after " " (a, "", b, "");
		// Go's regexp does not (a documented difference).
		{"split", []arg{S("a b"), SL(`\s*`)}, strs{"a", "b", ""}, ""},
		{"split", []arg{nullS, SL(",")}, nil, ""},
		{"initcap", []arg{S("hello wORLD")}, "Hello World", ""},
		{"initcap", []arg{S("sPark sql")}, "Spark Sql", ""},
		{"initcap", []arg{S("a-b c")}, "A-b C", ""},
		{"initcap", []arg{S("  x")}, "  X", ""},
		{"initcap", []arg{S("élan vital")}, "Élan Vital", ""},
		{"initcap", []arg{S("ǆ x")}, "ǅ X", ""},
		{"initcap", []arg{S("")}, "", ""},
		{"levenshtein", []arg{S("kitten"), S("sitting")}, int32(3), ""},
		{"levenshtein", []arg{S(""), S("abc")}, int32(3), ""},
		{"levenshtein", []arg{S("abc"), S("")}, int32(3), ""},
		{"levenshtein", []arg{S("日本"), S("日")}, int32(1), ""},
		{"levenshtein", []arg{S("kitten"), S("sitting"), I(2)}, int32(-1), ""},
		{"levenshtein", []arg{S("kitten"), S("sitting"), I(3)}, int32(3), ""},
		{"levenshtein", []arg{S("kitten"), nullS}, nil, ""},
		{"md5", []arg{colA([]byte("Spark"), tBin)}, "8cde774d6f7333752ed72cacddb05126", ""},
		{"md5", []arg{S("Spark")}, nil, "cast it first"},
		{"sha1", []arg{colA([]byte("Spark"), tBin)}, "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c", ""},
		{"sha", []arg{colA([]byte("Spark"), tBin)}, "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c", ""},
		{"sha2", []arg{colA([]byte("Spark"), tBin), I(256)}, "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b", ""},
		{"sha2", []arg{colA([]byte("Spark"), tBin), I(0)}, "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b", ""},
		{"sha2", []arg{colA([]byte("Spark"), tBin), I(100)}, nil, ""},
		{"crc32", []arg{colA([]byte("Spark"), tBin)}, int64(1557323817), ""},
		{"base64", []arg{colA([]byte("Spark SQL"), tBin)}, "U3BhcmsgU1FM", ""},
		{"unbase64", []arg{S("U3BhcmsgU1FM")}, []byte("Spark SQL"), ""},
		{"unbase64", []arg{S("U3Bh\ncmsgU1FM")}, []byte("Spark SQL"), ""},
		{"unbase64", []arg{S("QQ==")}, []byte("A"), ""},
		{"unbase64", []arg{S("Q")}, nil, ""},
		{"hex", []arg{colA(int64(17), tLong)}, "11", ""},
		{"hex", []arg{colA(int64(-1), tLong)}, "FFFFFFFFFFFFFFFF", ""},
		{"hex", []arg{S("Spark SQL")}, "537061726B2053514C", ""},
		{"unhex", []arg{S("537061726B2053514C")}, []byte("Spark SQL"), ""},
		{"unhex", []arg{S("A")}, []byte{0x0A}, ""},
		{"unhex", []arg{S("GG")}, nil, ""},
		{"soundex", []arg{S("Miller")}, "M460", ""},
		{"soundex", []arg{S("Robert")}, "R163", ""},
		{"soundex", []arg{S("Rupert")}, "R163", ""},
		{"soundex", []arg{S("Tymczak")}, "T522", ""},
		{"soundex", []arg{S("Pfister")}, "P236", ""},
		{"soundex", []arg{S("Ashcraft")}, "A261", ""},
		{"soundex", []arg{S("a")}, "A000", ""},
		{"soundex", []arg{S("123")}, "123", ""},
		{"soundex", []arg{S("")}, "", ""},
		{"translate", []arg{S("AaBbCc"), SL("abc"), SL("123")}, "A1B2C3", ""},
		{"translate", []arg{S("abcd"), SL("abc"), SL("x")}, "xd", ""},
		{"translate", []arg{S("aaa"), SL("aa"), SL("xy")}, "xxx", ""},
		{"translate", []arg{S("日本語"), SL("本"), SL("🙂")}, "日🙂語", ""},
		{"format_number", []arg{colA(12332.123456, tDbl), I(4)}, "12,332.1235", ""},
		{"format_number", []arg{colA(12332.123456, tDbl), I(0)}, "12,332", ""},
		{"format_number", []arg{colA(-1234.5, tDbl), I(0)}, "-1,234", ""},
		{"format_number", []arg{colA(0.125, tDbl), I(2)}, "0.12", ""},
		{"format_number", []arg{colA(0.135, tDbl), I(2)}, "0.14", ""},
		{"format_number", []arg{colA(0.15, tDbl), I(1)}, "0.1", ""},
		{"format_number", []arg{colA(999.999, tDbl), I(2)}, "1,000.00", ""},
		{"format_number", []arg{colA(1e23, tDbl), I(0)}, "100,000,000,000,000,000,000,000", ""},
		{"format_number", []arg{colA(5e-324, tDbl), I(3)}, "0.000", ""},
		{"format_number", []arg{colA(int32(1234567), tInt), I(2)}, "1,234,567.00", ""},
		{"format_number", []arg{colA(int64(-1000), tLong), I(0)}, "-1,000", ""},
		{"format_number", []arg{colA(decimal128.FromI64(25), tDec(5, 1)), I(0)}, "2", ""},
		{"format_number", []arg{colA(decimal128.FromI64(35), tDec(5, 1)), I(0)}, "4", ""},
		{"format_number", []arg{colA(decimal128.FromI64(-123456789), tDec(12, 3)), I(5)}, "-123,456.78900", ""},
		{"format_number", []arg{colA(1.5, tDbl), I(-1)}, nil, ""},
		{"repeat", []arg{S("ab"), I(3)}, "ababab", ""},
		{"repeat", []arg{S("ab"), I(0)}, "", ""},
		{"repeat", []arg{S("ab"), I(-2)}, "", ""},
		{"repeat", []arg{S("ab"), I(1 << 30)}, nil, "exceeds"},
		{"left", []arg{S("Spark SQL"), I(3)}, "Spa", ""},
		{"left", []arg{S("Spark SQL"), I(-1)}, "", ""},
		{"right", []arg{S("Spark SQL"), I(3)}, "SQL", ""},
		{"right", []arg{S("日本語"), I(2)}, "本語", ""},
		{"right", []arg{S("Spark SQL"), I(0)}, "", ""},
		{"right", []arg{S("ab"), I(10)}, "ab", ""},
		{"ascii", []arg{S("222")}, int32(50), ""},
		{"ascii", []arg{S("")}, int32(0), ""},
		{"ascii", []arg{S("é")}, int32(233), ""},
		{"chr", []arg{colA(int64(65), tLong)}, "A", ""},
		{"char", []arg{colA(int64(-1), tLong)}, "", ""},
		{"chr", []arg{colA(int64(256+66), tLong)}, "B", ""},
		{"chr", []arg{colA(int64(233), tLong)}, "é", ""},
		{"chr", []arg{colA(int64(0), tLong)}, "\x00", ""},
		{"no_such_function", []arg{S("x")}, nil, "function no_such_function does not exist"},
		{"md5", []arg{colA(int32(1), tInt)}, nil, "function md5 cannot take (int)"},
		{"initcap", []arg{S("a"), S("b")}, nil, "function initcap cannot take (string, string)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, e, err := evalCall(t, tc.name, tc.args...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("%s%v: got error %v, want one containing %q", tc.name, tc.args, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s%v: %v", tc.name, tc.args, err)
			}
			switch want := tc.want.(type) {
			case strs:
				if v.Null {
					t.Fatalf("%s: NULL, want %v", e, want)
				}
				got := decodeStrings(t, v.B)
				if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
					t.Fatalf("%s = %q, want %q", e, got, want)
				}
			default:
				got := goValue(v, e.DataType())
				if !sameValue(got, tc.want) {
					t.Fatalf("%s = %#v, want %#v", e, got, tc.want)
				}
			}
		})
	}
}

func TestRowOnlyTypesAndText(t *testing.T) {
	_, e, err := evalCall(t, "rlike", colA("abc", tStr), litA("b.*", tStr))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.String(); got != "RLIKE(c0#0, b.*)" {
		t.Errorf("rlike prints %q", got)
	}
	_, e, err = evalCall(t, "REGEXP_EXTRACT", colA("abc", tStr), litA("(b)", tStr), litA(int32(1), tInt))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.String(); got != "regexp_extract(c0#0, (b), 1)" {
		t.Errorf("regexp_extract prints %q", got)
	}
	_, e, _ = evalCall(t, "split", colA("a", tStr), litA(",", tStr))
	if !arrow.TypeEqual(e.DataType(), arrow.ListOf(tStr)) {
		t.Errorf("split has type %s", e.DataType())
	}
	for _, tc := range []struct {
		name string
		args []arrow.DataType
		want []arrow.DataType
		res  arrow.DataType
	}{
		{"regexp_extract", []arrow.DataType{tStr, tStr}, []arrow.DataType{tStr, tStr}, tStr},
		{"regexp_extract", []arrow.DataType{tInt, tStr, tLong}, []arrow.DataType{tStr, tStr, tInt}, tStr},
		{"md5", []arrow.DataType{tStr}, []arrow.DataType{tBin}, tStr},
		{"sha2", []arrow.DataType{tBin, tLong}, []arrow.DataType{tBin, tInt}, tStr},
		{"levenshtein", []arrow.DataType{tNull, tStr}, []arrow.DataType{tStr, tStr}, tInt},
		{"format_number", []arrow.DataType{tDec(10, 2), tInt}, []arrow.DataType{tDec(10, 2), tInt}, tStr},
		{"format_number", []arrow.DataType{tStr, tInt}, []arrow.DataType{tDbl, tInt}, tStr},
		{"size", []arrow.DataType{arrow.ListOf(tInt)}, []arrow.DataType{arrow.ListOf(tInt)}, tInt},
		{"element_at", []arrow.DataType{arrow.ListOf(tStr), tLong}, []arrow.DataType{arrow.ListOf(tStr), tInt}, tStr},
		{"array_contains", []arrow.DataType{arrow.ListOf(tLong), tInt}, []arrow.DataType{arrow.ListOf(tLong), tLong}, tBool},
		// Columnar functions resolve as in columnar/expr.
		{"substr", []arrow.DataType{tStr, tLong}, []arrow.DataType{tStr, tInt}, tStr},
	} {
		sig, err := ResolveFunction(tc.name, tc.args)
		if err != nil {
			t.Errorf("%s%s: %v", tc.name, typeList(tc.args), err)
			continue
		}
		if typeList(sig.ArgTypes) != typeList(tc.want) || !arrow.TypeEqual(sig.ResultType, tc.res) {
			t.Errorf("%s%s resolved to %s -> %s, want %s -> %s", tc.name, typeList(tc.args),
				typeList(sig.ArgTypes), typeName(sig.ResultType), typeList(tc.want), typeName(tc.res))
		}
	}
	if _, err := ResolveFunction("size", []arrow.DataType{tInt}); err == nil || !errors.Is(err, ErrType) {
		t.Errorf("size(int): %v", err)
	}
	if _, err := ResolveFunction("nope", nil); err == nil || !errors.Is(err, ErrInvalid) || err.Error() != "function nope does not exist" {
		t.Errorf("nope(): %v", err)
	}
}

func TestRowOnlyRegistry(t *testing.T) {
	want := []string{"regexp_extract", "regexp_replace", "rlike", "initcap", "levenshtein", "md5", "sha2", "split",
		"soundex", "translate", "format_number", "repeat"}
	only := map[string]bool{}
	for _, n := range RowOnlyFunctions() {
		only[n] = true
	}
	all := map[string]bool{}
	for _, n := range FunctionNames() {
		all[n] = true
	}
	for _, n := range want {
		if !only[n] || !all[n] || !IsRowOnly(n) || !IsRowOnly(strings.ToUpper(n)) {
			t.Errorf("%s: row-only %v, listed %v, IsRowOnly %v", n, only[n], all[n], IsRowOnly(n))
		}
	}
	for _, n := range []string{"upper", "substring", "coalesce", "round", "nope"} {
		if IsRowOnly(n) {
			t.Errorf("IsRowOnly(%s) = true", n)
		}
	}
	if !all["upper"] || !all["ucase"] {
		t.Errorf("FunctionNames lacks columnar functions")
	}
	for i := 1; i < len(FunctionNames()); i++ {
		if FunctionNames()[i-1] >= FunctionNames()[i] {
			t.Fatalf("FunctionNames is not sorted and unique at %q", FunctionNames()[i])
		}
	}
}

// TestArrayFunctions reads arrays made by split and arrays of other element
// types written with rows.ListBuilder.
func TestArrayFunctions(t *testing.T) {
	splitOf := func(s string) Expr {
		lit, _ := Literal(s, tStr)
		comma, _ := Literal(",", tStr)
		e, err := Function("split", []Expr{lit, comma})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ctx := NewContext()
	l, _ := rows.NewLayout(arrow.NewSchema(nil, nil))
	eval := func(name string, args ...Expr) Value {
		t.Helper()
		e, err := Function(name, args)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.Eval(ctx, l, rows.Row{})
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		return v
	}
	lit := func(v any, ty arrow.DataType) Expr {
		e, err := Literal(v, ty)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	arr := splitOf("a,b,,c")
	if v := eval("size", arr); v.I != 4 {
		t.Errorf("size = %d", v.I)
	}
	if v := eval("cardinality", arr); v.I != 4 {
		t.Errorf("cardinality = %d", v.I)
	}
	if v := eval("size", lit(nil, arrow.ListOf(tStr))); v.Null || v.I != -1 {
		t.Errorf("size(NULL) = %+v", v)
	}
	for _, tc := range []struct {
		i    int32
		want any
	}{{1, "a"}, {4, "c"}, {-1, "c"}, {-4, "a"}, {3, ""}, {5, nil}, {-5, nil}} {
		v := eval("element_at", arr, lit(tc.i, tInt))
		if got := goValue(v, tStr); got != tc.want {
			t.Errorf("element_at(%d) = %v, want %v", tc.i, got, tc.want)
		}
	}
	e, _ := Function("element_at", []Expr{arr, lit(int32(0), tInt)})
	if _, err := e.Eval(ctx, l, rows.Row{}); err == nil || !strings.Contains(err.Error(), "start at 1") {
		t.Errorf("element_at(0): %v", err)
	}
	if v := eval("array_contains", arr, lit("b", tStr)); v.Null || v.I != 1 {
		t.Errorf("array_contains(b) = %+v", v)
	}
	if v := eval("array_contains", arr, lit("z", tStr)); v.Null || v.I != 0 {
		t.Errorf("array_contains(z) = %+v", v)
	}
	if v := eval("array_contains", arr, lit(nil, tStr)); !v.Null {
		t.Errorf("array_contains(NULL) = %+v", v)
	}

	// ARRAY<BIGINT> and ARRAY<DECIMAL(38,2)> fields with a NULL element.
	lb := rows.NewListBuilder(rows.KindInt64)
	lb.AppendSlot(7)
	lb.AppendNull()
	lb.AppendSlot(uint64(1<<63 - 1))
	ints := append([]byte{}, lb.Bytes()...)
	db := rows.NewListBuilder(rows.KindDec128)
	db.AppendDecimal(decimal128.FromI64(-12345))
	db.AppendNull()
	decs := append([]byte{}, db.Bytes()...)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.ListOf(tLong), Nullable: true},
		{Name: "d", Type: arrow.ListOf(tDec(38, 2)), Nullable: true},
	}, nil)
	l2, err := rows.NewLayout(schema)
	if err != nil {
		t.Fatal(err)
	}
	w := rows.NewWriter(l2)
	w.Reset()
	w.SetBytes(0, ints)
	w.SetBytes(1, decs)
	row := append(rows.Row{}, w.Row()...)
	ci, cd := Column(0, "i#0", arrow.ListOf(tLong)), Column(1, "d#1", arrow.ListOf(tDec(38, 2)))
	check := func(name string, want any, ty arrow.DataType, args ...Expr) {
		t.Helper()
		e, err := Function(name, args)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.Eval(ctx, l2, row)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if got := goValue(v, ty); !sameValue(got, want) {
			t.Errorf("%s = %v, want %v", e, got, want)
		}
	}
	check("element_at", int64(7), tLong, ci, lit(int32(1), tInt))
	check("element_at", nil, tLong, ci, lit(int32(2), tInt))
	check("element_at", int64(1<<63-1), tLong, ci, lit(int32(-1), tInt))
	check("element_at", decimal128.FromI64(-12345), tDec(38, 2), cd, lit(int32(1), tInt))
	check("array_contains", true, tBool, ci, lit(int64(7), tLong))
	check("array_contains", nil, tBool, ci, lit(int64(8), tLong))
	check("array_contains", true, tBool, cd, lit(decimal128.FromI64(-12345), tDec(38, 2)))
	check("size", int32(2), tInt, cd)

	// A corrupt list is an error, not a panic.
	w.Reset()
	w.SetBytes(0, []byte{9, 0, 0, 0, 1})
	w.SetNull(1)
	e, _ = Function("size", []Expr{ci})
	if _, err := e.Eval(ctx, l2, w.Row()); err == nil || !strings.Contains(err.Error(), "invalid list") {
		t.Errorf("size of a corrupt list: %v", err)
	}
}
