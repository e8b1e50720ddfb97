package rowexpr

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// oneRow returns a layout and a row holding the given values (Go values of
// the given types).
func oneRow(t *testing.T, types []arrow.DataType, vals ...any) (*rows.Layout, rows.Row, []Expr) {
	t.Helper()
	fields := make([]arrow.Field, len(types))
	cols := make([]Expr, len(types))
	for i, ty := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: ty, Nullable: true}
		cols[i] = Column(i, fmt.Sprintf("c%d#%d", i, i), ty)
	}
	l, err := rows.NewLayout(arrow.NewSchema(fields, nil))
	if err != nil {
		t.Fatal(err)
	}
	w := rows.NewWriter(l)
	w.Reset()
	for i, v := range vals {
		setGo(w, i, v)
	}
	return l, append(rows.Row{}, w.Row()...), cols
}

func callOnce(t *testing.T, u *UDF, vals ...any) (any, error) {
	t.Helper()
	l, r, cols := oneRow(t, u.ArgTypes, vals...)
	e, err := CallUDF(u, cols)
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.Eval(NewContext(), l, r)
	if err != nil {
		return nil, err
	}
	return goValue(v, u.ResultType), nil
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestTypedUDFs(t *testing.T) {
	var calls atomic.Int64
	plus1 := must(NewUDF1("plus1", func(x int64) int64 { calls.Add(1); return x + 1 }))
	rep := must(NewUDF2("rep", func(s string, n int32) string { return strings.Repeat(s, int(n)) }))
	mix := must(NewUDF3("mix", func(f float64, b bool, d arrow.Date32) arrow.Timestamp {
		if !b {
			return arrow.Timestamp(int64(f))
		}
		return arrow.Timestamp(int64(d) * 86_400_000_000)
	}))
	orZero := must(NewUDF1("or_zero", func(x Nullable[int32]) int32 {
		if !x.Valid {
			return 0
		}
		return x.V * 2
	}))
	maybe := must(NewUDF1("maybe", func(s string) Nullable[string] {
		if s == "" {
			return Nullable[string]{}
		}
		return Some(strings.ToUpper(s))
	}))
	rev := must(NewUDF1("rev", func(b []byte) []byte {
		out := make([]byte, len(b))
		for i := range b {
			out[len(b)-1-i] = b[i]
		}
		return out
	}))
	dbl := must(NewUDF1("dbl", func(d decimal128.Num) decimal128.Num { return d.Add(d) }))
	isNullish := must(NewUDF2("nullish", func(a Nullable[float64], b Nullable[arrow.Timestamp]) bool { return !a.Valid || !b.Valid }))

	tests := []struct {
		u     *UDF
		vals  []any
		want  any
		types string
	}{
		{plus1, []any{int64(41)}, int64(42), "(bigint) bigint"},
		{plus1, []any{nil}, nil, ""},
		{rep, []any{"ab", int32(3)}, "ababab", "(string, int) string"},
		{rep, []any{"ab", nil}, nil, ""},
		{mix, []any{1.9, false, arrow.Date32(1)}, arrow.Timestamp(1), "(double, boolean, date) timestamp"},
		{mix, []any{1.9, true, arrow.Date32(1)}, arrow.Timestamp(86_400_000_000), ""},
		{mix, []any{nil, true, arrow.Date32(1)}, nil, ""},
		{orZero, []any{nil}, int32(0), "(int) int"},
		{orZero, []any{int32(21)}, int32(42), ""},
		{maybe, []any{""}, nil, "(string) string"},
		{maybe, []any{"héllo"}, "HÉLLO", ""},
		{rev, []any{[]byte{1, 2, 3}}, []byte{3, 2, 1}, "(binary) binary"},
		{dbl, []any{decimal128.FromI64(21)}, decimal128.FromI64(42), "(decimal(38,18)) decimal(38,18)"},
		{dbl, []any{decFromString(strings.Repeat("9", 38))}, nil, ""}, // overflow: NULL
		{isNullish, []any{nil, arrow.Timestamp(5)}, true, "(double, timestamp) boolean"},
		{isNullish, []any{1.0, arrow.Timestamp(5)}, false, ""},
	}
	for _, tc := range tests {
		got, err := callOnce(t, tc.u, tc.vals...)
		if err != nil {
			t.Errorf("%s%v: %v", tc.u.Name, tc.vals, err)
			continue
		}
		if !sameValue(got, tc.want) {
			t.Errorf("%s%v = %#v, want %#v", tc.u.Name, tc.vals, got, tc.want)
		}
		if tc.types != "" {
			if sig := typeList(tc.u.ArgTypes) + " " + typeName(tc.u.ResultType); sig != tc.types {
				t.Errorf("%s has signature %s, want %s", tc.u.Name, sig, tc.types)
			}
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("plus1 was called %d times, want 1 (not for the NULL input)", n)
	}
}

func TestUDFErrors(t *testing.T) {
	boom := errors.New("boom")
	failing := &UDF{Name: "failing", ArgTypes: []arrow.DataType{tLong}, ResultType: tLong,
		Fn: func(args []Value) (Value, error) { return Null, boom }}
	_, err := callOnce(t, failing, int64(1))
	if err == nil || !errors.Is(err, ErrUDF) || !errors.Is(err, boom) || !strings.Contains(err.Error(), "failing") {
		t.Errorf("error of a failing UDF: %v", err)
	}
	panicky := must(NewUDF1("panicky", func(x int64) int64 { return 10 / (x - x) }))
	_, err = callOnce(t, panicky, int64(3))
	if err == nil || !errors.Is(err, ErrUDF) || !strings.Contains(err.Error(), "panicky panicked") ||
		!strings.Contains(err.Error(), "divide by zero") {
		t.Errorf("error of a panicking UDF: %v", err)
	}
	nilDeref := must(NewUDF1("nil_deref", func(s string) string { var p *string; return *p + s }))
	if _, err := callOnce(t, nilDeref, "x"); err == nil || !strings.Contains(err.Error(), "nil_deref panicked") {
		t.Errorf("error of a nil dereference: %v", err)
	}
	// A raw UDF sees NULLs.
	seen := &UDF{Name: "seen", ArgTypes: []arrow.DataType{tStr}, ResultType: tBool,
		Fn: func(args []Value) (Value, error) { return Bool(args[0].Null), nil }}
	if got, err := callOnce(t, seen, nil); err != nil || got != true {
		t.Errorf("raw UDF on NULL: %v, %v", got, err)
	}

	for _, tc := range []struct {
		what string
		err  func() error
		want string
	}{
		{"int argument", func() error { _, err := NewUDF1("f", func(int) int32 { return 0 }); return err }, "Go type int has no SQL type"},
		{"uint result", func() error { _, err := NewUDF1("f", func(int32) uint { return 0 }); return err }, "result: Go type uint"},
		{"second argument", func() error {
			_, err := NewUDF2("f", func(int32, map[string]int) int32 { return 0 })
			return err
		}, "argument 2"},
		{"third argument", func() error {
			_, err := NewUDF3("f", func(int32, int32, *int32) int32 { return 0 })
			return err
		}, "argument 3"},
		{"no name", func() error { _, err := NewUDF1(" ", func(int32) int32 { return 0 }); return err }, "needs a name"},
		{"nil func", func() error { _, err := NewUDF1[int32, int32]("f", nil); return err }, "nil function"},
		{"arity", func() error {
			_, err := CallUDF(failing, nil)
			return err
		}, "udf failing takes 1 arguments, got 0"},
		{"arg type", func() error {
			_, err := CallUDF(failing, []Expr{Column(0, "s#0", tStr)})
			return err
		}, "argument 1 (s#0) is string but must be bigint"},
		{"nil arg", func() error { _, err := CallUDF(failing, []Expr{nil}); return err }, "argument 1 is nil"},
		{"nil udf", func() error { _, err := CallUDF(nil, nil); return err }, "nil UDF"},
		{"nil fn", func() error {
			_, err := CallUDF(&UDF{Name: "x", ResultType: tLong}, nil)
			return err
		}, "Fn is nil"},
		{"bad result type", func() error {
			_, err := CallUDF(&UDF{Name: "x", ResultType: arrow.PrimitiveTypes.Uint8, Fn: failing.Fn}, nil)
			return err
		}, "unsupported result type"},
	} {
		err := tc.err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.what, err, tc.want)
		}
	}
}

func TestUDFTextAndConcurrency(t *testing.T) {
	var mu sync.Mutex
	seen := map[int64]bool{}
	sq := must(NewUDF1("sq", func(x int64) int64 {
		mu.Lock()
		seen[x] = true
		mu.Unlock()
		return x * x
	}))
	l, _, cols := oneRow(t, []arrow.DataType{tLong}, int64(0))
	e, err := CallUDF(sq, cols)
	if err != nil {
		t.Fatal(err)
	}
	if e.String() != "sq(c0#0)" || !arrow.TypeEqual(e.DataType(), tLong) || len(e.Children()) != 1 {
		t.Errorf("udf call: %s %s %d", e, e.DataType(), len(e.Children()))
	}
	// The UDF inside a function, inside an arithmetic node.
	two, _ := Literal(int64(2), tLong)
	sum, err := Arith(0, e, two) // expr.Add
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ctx := NewContext()
			w := rows.NewWriter(l)
			for i := int64(0); i < 500; i++ {
				x := int64(g)*1000 + i
				w.Reset()
				w.SetInt64(0, x)
				v, err := sum.Eval(ctx, l, w.Row())
				if err != nil || v.I != x*x+2 {
					errs <- fmt.Errorf("goroutine %d: sq(%d)+2 = %d, %v", g, x, v.I, err)
					return
				}
				ctx.Reset()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != 2000 {
		t.Errorf("the UDF saw %d distinct inputs, want 2000", len(seen))
	}
}
