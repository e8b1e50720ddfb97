package expr

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestIn(t *testing.T) {
	mem := newMem(t)
	long := make([]any, 20)
	for i := range long {
		long[i] = int64(i * 3)
	}
	cases := []struct {
		typ     arrow.DataType
		in      []any
		list    []any
		negated bool
		want    []any
	}{
		{tI64, []any{1, 2, nil, 4}, []any{int64(1), int64(4)}, false, []any{true, false, nil, true}},
		{tI64, []any{1, 2, nil, 4}, []any{int64(1), int64(4)}, true, []any{false, true, nil, false}},
		{tI64, []any{1, 2}, []any{int64(1), nil}, false, []any{true, nil}},
		{tI64, []any{1, 2}, []any{int64(1), nil}, true, []any{false, nil}},
		{tI64, []any{3, 4, 57, 60}, long, false, []any{true, false, true, false}},
		{tI32, []any{1, 5}, []any{int32(5)}, false, []any{false, true}},
		{tF64, []any{math.NaN(), math.Copysign(0, -1), 1.5}, []any{math.NaN(), 0.0}, false, []any{true, true, false}},
		{tStr, []any{"MAIL", "SHIP", "AIR", nil, ""}, []any{"MAIL", "SHIP", ""}, false, []any{true, true, false, nil, true}},
		{tDec(15, 2), []any{"1.00", "2.50"}, []any{decimal128.FromI64(250)}, false, []any{false, true}},
		{tDate, []any{"2020-01-01", "2020-01-02"}, []any{arrow.Date32(18262)}, false, []any{true, false}},
		{tBool, []any{true, false, nil}, []any{true}, false, []any{true, false, nil}},
		{tStr, []any{"a"}, []any{}, false, []any{false}},
	}
	for _, c := range cases {
		checkForms(t, mem, func(cols []Expr) (Expr, error) { return In(cols[0], c.list, c.negated) },
			[]arrow.DataType{c.typ}, [][]any{c.in}, c.want)
	}
	// Long string lists use the hash set.
	var strs []any
	for i := 0; i < 50; i++ {
		strs = append(strs, fmt.Sprintf("v%d", i))
	}
	checkForms(t, mem, func(cols []Expr) (Expr, error) { return In(cols[0], strs, false) },
		[]arrow.DataType{tStr}, [][]any{{"v7", "v70", "v49"}}, []any{true, false, true})
	if s := mk(In(col(0, tStr), []any{"a", "b"}, true)).String(); s != "NOT c0#0 IN (a,b)" {
		t.Errorf("String() = %q", s)
	}
	if _, err := In(col(0, tI64), []any{int32(1)}, false); err == nil {
		t.Error("int32 value in a bigint IN list accepted")
	}
}

func TestLike(t *testing.T) {
	mem := newMem(t)
	in := []any{"abc", "ABC", "xabcx", "", nil, "aébc", "a%c", "a_c", "ab", "special requests here"}
	cases := []struct {
		pattern string
		escape  rune
		ci      bool
		want    []any
	}{
		{"abc", '\\', false, []any{true, false, false, false, nil, false, false, false, false, false}},
		{"ab%", '\\', false, []any{true, false, false, false, nil, false, false, false, true, false}},
		{"%bc", '\\', false, []any{true, false, false, false, nil, true, false, false, false, false}},
		{"%abc%", '\\', false, []any{true, false, true, false, nil, false, false, false, false, false}},
		{"a%c", '\\', false, []any{true, false, false, false, nil, true, true, true, false, false}},
		{"%", '\\', false, []any{true, true, true, true, nil, true, true, true, true, true}},
		{"", '\\', false, []any{false, false, false, true, nil, false, false, false, false, false}},
		{"a_c", '\\', false, []any{true, false, false, false, nil, false, true, true, false, false}},
		{"a__c", '\\', false, []any{false, false, false, false, nil, true, false, false, false, false}},
		{"a\\%c", '\\', false, []any{false, false, false, false, nil, false, true, false, false, false}},
		{"a\\_c", '\\', false, []any{false, false, false, false, nil, false, false, true, false, false}},
		{"a!%c", '!', false, []any{false, false, false, false, nil, false, true, false, false, false}},
		{"%special%requests%", '\\', false, []any{false, false, false, false, nil, false, false, false, false, true}},
		{"_b%", '\\', false, []any{true, false, false, false, nil, false, false, false, true, false}},
		{"%b_", '\\', false, []any{true, false, false, false, nil, true, false, false, false, false}},
		{"abc", '\\', true, []any{true, true, false, false, nil, false, false, false, false, false}},
		{"%B%", '\\', true, []any{true, true, true, false, nil, true, false, false, true, false}},
		{"AÉ%", '\\', true, []any{false, false, false, false, nil, true, false, false, false, false}},
	}
	for _, c := range cases {
		checkForms(t, mem, func(cols []Expr) (Expr, error) { return Like(cols[0], c.pattern, c.escape, c.ci) },
			[]arrow.DataType{tStr}, [][]any{in}, c.want)
	}
	for _, bad := range []string{"a\\", "a\\b"} {
		if _, err := Like(col(0, tStr), bad, '\\', false); err == nil {
			t.Errorf("pattern %q accepted", bad)
		}
	}
	if s := mk(Like(col(0, tStr), "%x%", '\\', false)).String(); s != "c0#0 LIKE %x%" {
		t.Errorf("String() = %q", s)
	}
	// Matcher edge cases with backtracking.
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"%a%b%c%", "xxaxxbxxc", true}, {"%a%b%c%", "cba", false}, {"a%a%a", "aaa", true}, {"a%a%a", "aa", false},
		{"%aab", "aaab", true}, {"_%_", "é", false}, {"_%_", "éé", true}, {"%_é", "aé", true},
		{"a_%_b", "axyb", true}, {"a_%_b", "axb", false}, {"%ab_", "abab", false}, {"%ab_", "ababc", true},
		{"%a_c%", "xxabxc", false}, {"%a_c%", "xxabc", true}, {"__", "éa", true}, {"_", "", false}, {"%_%", "", false},
		{"ab%ba", "aba", false}, {"ab%ba", "abba", true}, {"a%", "a", true}, {"%%a", "ba", true},
	} {
		toks, err := compileLike(c.p, '\\')
		if err != nil {
			t.Fatal(err)
		}
		segs := compileSegs(toks)
		if got := likeMatch(toks, []byte(c.s)); got != c.want {
			t.Errorf("likeMatch(%q, %q) = %v", c.p, c.s, got)
		}
		if got := segs.match([]byte(c.s)); got != c.want {
			t.Errorf("segment match(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestCaseAndCoalesce(t *testing.T) {
	mem := newMem(t)
	// CASE WHEN c0 > 10 THEN c1 WHEN c0 > 5 THEN 'mid' ELSE c2 END
	build := func(withElse bool) func(cols []Expr) (Expr, error) {
		return func(cols []Expr) (Expr, error) {
			c1 := mk(Compare(Gt, cols[0], lit(t, 10, tI64)))
			c2 := mk(Compare(Gt, cols[0], lit(t, 5, tI64)))
			var el Expr
			if withElse {
				el = cols[2]
			}
			return Case([]Expr{c1, c2}, []Expr{cols[1], lit(t, "mid", tStr)}, el)
		}
	}
	types := []arrow.DataType{tI64, tStr, tStr}
	cols := [][]any{{20, 7, 1, nil, 11}, {"big", "x", "y", "z", nil}, {"e1", "e2", "e3", "e4", "e5"}}
	checkForms(t, mem, build(true), types, cols, []any{"big", "mid", "e3", "e4", nil})
	checkForms(t, mem, build(false), types, cols, []any{"big", "mid", nil, nil, nil})
	// Fixed-width results and a NULL-typed branch.
	untyped, _ := Literal(nil, tNull)
	checkForms(t, mem, func(c []Expr) (Expr, error) {
		return Case([]Expr{c[0]}, []Expr{c[1]}, untyped)
	}, []arrow.DataType{tBool, tDec(10, 2)}, [][]any{{true, false, nil}, {"1.5", "2.5", "3.5"}}, []any{"1.5", nil, nil})
	checkForms(t, mem, func(c []Expr) (Expr, error) {
		return Case([]Expr{c[0]}, []Expr{lit(t, true, tBool)}, c[1])
	}, []arrow.DataType{tBool, tBool}, [][]any{{true, false, nil}, {false, true, nil}}, []any{true, true, nil})
	// A branch no row selects is not evaluated (its column is missing).
	checkForms(t, mem, func(c []Expr) (Expr, error) {
		return Case([]Expr{c[0]}, []Expr{Column(9, "missing#9", tI64)}, lit(t, 0, tI64))
	}, []arrow.DataType{tBool}, [][]any{{false, false, nil}}, []any{0, 0, 0})
	if _, err := Case([]Expr{col(0, tBool)}, []Expr{col(1, tI32)}, col(2, tI64)); err == nil {
		t.Error("CASE with int and bigint branches accepted")
	}
	s := mk(build(true)([]Expr{col(0, tI64), col(1, tStr), col(2, tStr)})).String()
	if s != "CASE WHEN (c0#0 > 10) THEN c1#1 WHEN (c0#0 > 5) THEN mid ELSE c2#2 END" {
		t.Errorf("String() = %q", s)
	}

	checkForms(t, mem, func(c []Expr) (Expr, error) { return Coalesce(c[0], c[1], lit(t, -1, tI32)) },
		[]arrow.DataType{tI32, tI32}, [][]any{{1, nil, nil}, {2, 3, nil}}, []any{1, 3, -1})
	checkForms(t, mem, func(c []Expr) (Expr, error) { return Coalesce(c[0], c[1]) },
		[]arrow.DataType{tStr, tStr}, [][]any{{"a", nil, nil}, {"b", "c", nil}}, []any{"a", "c", nil})
	// No NULL in the first argument: the rest is not evaluated.
	checkForms(t, mem, func(c []Expr) (Expr, error) { return Coalesce(c[0], Column(9, "missing#9", tI32)) },
		[]arrow.DataType{tI32}, [][]any{{1, 2}}, []any{1, 2})
}

func TestFilter(t *testing.T) {
	mem := newMem(t)
	// Sparse and short runs (gathered row by row) and long runs (copied run
	// by run).
	masks := []func(i int) any{
		func(i int) any {
			switch {
			case i%5 == 0:
				return nil
			case i < 70:
				return true
			}
			return i%2 == 0
		},
		func(i int) any {
			switch {
			case i%20 == 10:
				return nil
			case i%20 == 0:
				return false
			}
			return true
		},
	}
	for _, mf := range masks {
		testFilterMask(t, mem, mf)
	}
	testFilterEdges(t, mem)
}

func testFilterMask(t *testing.T, mem *memory.CheckedAllocator, mf func(int) any) {
	n := 150
	ints, strs, decs, bools, mask := make([]any, n), make([]any, n), make([]any, n), make([]any, n), make([]any, n)
	for i := 0; i < n; i++ {
		ints[i] = i
		strs[i] = fmt.Sprintf("s%d", i)
		decs[i] = fmt.Sprintf("%d.5", i)
		bools[i] = i%3 == 0
		if i%7 == 0 {
			ints[i], strs[i] = nil, nil
		}
		mask[i] = mf(i)
	}
	for _, pad := range []int{0, 3} {
		var cols []arrow.Array
		var m arrow.Array
		if pad == 0 {
			cols = []arrow.Array{build(t, mem, tI64, ints...), build(t, mem, tStr, strs...), build(t, mem, tDec(10, 1), decs...), build(t, mem, tBool, bools...), build(t, mem, tDate, ints...)}
			m = build(t, mem, tBool, mask...)
		} else {
			cols = []arrow.Array{sliced(t, mem, tI64, pad, ints...), sliced(t, mem, tStr, pad, strs...), sliced(t, mem, tDec(10, 1), pad, decs...), sliced(t, mem, tBool, pad, bools...), sliced(t, mem, tDate, pad, ints...)}
			m = sliced(t, mem, tBool, pad, mask...)
		}
		batch := batchOf(cols...)
		out, err := FilterRecord(mem, batch, m.(*array.Boolean))
		if err != nil {
			t.Fatal(err)
		}
		if err := array.ValidateRecordFull(out); err != nil {
			t.Fatal(err)
		}
		var wi, ws, wd, wb []any
		for i := 0; i < n; i++ {
			if b, ok := mask[i].(bool); ok && b {
				wi = append(wi, ints[i])
				ws = append(ws, strs[i])
				wd = append(wd, decs[i])
				wb = append(wb, bools[i])
			}
		}
		checkValues(t, "filter ints", values(t, out.Column(0)), want(t, tI64, wi...), tI64)
		checkValues(t, "filter strings", values(t, out.Column(1)), want(t, tStr, ws...), tStr)
		checkValues(t, "filter decimals", values(t, out.Column(2)), want(t, tDec(10, 1), wd...), tDec(10, 1))
		checkValues(t, "filter bools", values(t, out.Column(3)), want(t, tBool, wb...), tBool)
		checkValues(t, "filter dates", values(t, out.Column(4)), want(t, tDate, wi...), tDate)
		out.Release()

		// FilterColumns keeps some columns, in the order asked.
		out, err = FilterColumns(mem, batch, m.(*array.Boolean), []int{1, 0})
		if err != nil {
			t.Fatal(err)
		}
		if out.NumCols() != 2 || out.Schema().Field(0).Name != "c1" {
			t.Errorf("FilterColumns schema: %s", out.Schema())
		}
		checkValues(t, "filter columns", values(t, out.Column(1)), want(t, tI64, wi...), tI64)
		out.Release()
		m.Release()
		batch.Release()
	}
}

func testFilterEdges(t *testing.T, mem *memory.CheckedAllocator) {
	// All selected: the batch itself; none selected: an empty batch.
	batch := batchOf(build(t, mem, tI64, 1, 2, 3))
	defer batch.Release()
	all := build(t, mem, tBool, true, true, true)
	defer all.Release()
	out, err := FilterRecord(mem, batch, all.(*array.Boolean))
	if err != nil {
		t.Fatal(err)
	}
	if out != batch {
		t.Error("all-true mask did not return the batch itself")
	}
	out.Release()
	none := build(t, mem, tBool, false, nil, false)
	defer none.Release()
	out, err = FilterRecord(mem, batch, none.(*array.Boolean))
	if err != nil {
		t.Fatal(err)
	}
	if out.NumRows() != 0 || out.NumCols() != 1 {
		t.Errorf("none selected: %d rows, %d cols", out.NumRows(), out.NumCols())
	}
	out.Release()
	short := build(t, mem, tBool, true)
	defer short.Release()
	if _, err := FilterRecord(mem, batch, short.(*array.Boolean)); err == nil {
		t.Error("mask of the wrong length accepted")
	}
	if _, err := FilterColumns(mem, batch, all.(*array.Boolean), []int{3}); err == nil {
		t.Error("column out of range accepted")
	}
	fa, err := FilterArray(mem, batch.Column(0), none.(*array.Boolean))
	if err != nil || fa.Len() != 0 {
		t.Errorf("FilterArray: %v, %v", fa, err)
	}
	fa.Release()
}

// TestLikeRandom cross-checks both LIKE matchers against regexp on random
// patterns and strings over a small alphabet with a multi-byte character.
func TestLikeRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	alpha := []string{"a", "b", "é"}
	pat := []string{"a", "b", "é", "%", "_"}
	for iter := 0; iter < 3000; iter++ {
		var p, re strings.Builder
		re.WriteString("^")
		for k := rng.Intn(6); k > 0; k-- {
			c := pat[rng.Intn(len(pat))]
			p.WriteString(c)
			switch c {
			case "%":
				re.WriteString("(?s:.*)")
			case "_":
				re.WriteString("(?s:.)")
			default:
				re.WriteString(regexp.QuoteMeta(c))
			}
		}
		re.WriteString("$")
		var s strings.Builder
		for k := rng.Intn(7); k > 0; k-- {
			s.WriteString(alpha[rng.Intn(len(alpha))])
		}
		want := regexp.MustCompile(re.String()).MatchString(s.String())
		toks, err := compileLike(p.String(), '\\')
		if err != nil {
			t.Fatal(err)
		}
		segs := compileSegs(toks)
		if got := segs.match([]byte(s.String())); got != want {
			t.Fatalf("segments: %q LIKE %q = %v, want %v", s.String(), p.String(), got, want)
		}
		if got := likeMatch(toks, []byte(s.String())); got != want {
			t.Fatalf("backtracking: %q LIKE %q = %v, want %v", s.String(), p.String(), got, want)
		}
	}
	// The whole-buffer contains search must not match across rows.
	mem := newMem(t)
	checkForms(t, mem, func(c []Expr) (Expr, error) { return Like(c[0], "%bc%", '\\', false) },
		[]arrow.DataType{tStr}, [][]any{{"ab", "cx", "", "xbc", "b", "c", "bcbc", nil, "bbc"}},
		[]any{false, false, false, true, false, false, true, nil, true})
}

// likeMatch matches s against tokens: literal runs match bytewise, '_' one
// UTF-8 character, '%' any sequence. It backtracks only to the last '%', so
// it runs in O(len(s) * len(pattern)) at worst.
func likeMatch(toks []likeToken, s []byte) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			tk := &toks[ti]
			switch tk.kind {
			case '%':
				starT, starS = ti, si
				ti++
				continue
			case '_':
				if si < len(s) {
					_, sz := utf8.DecodeRune(s[si:])
					si += sz
					ti++
					continue
				}
			default:
				if bytes.HasPrefix(s[si:], tk.lit) {
					si += len(tk.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last '%' swallow one more character.
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, sz := utf8.DecodeRune(s[starS:])
		starS += sz
		ti, si = starT+1, starS
	}
}
