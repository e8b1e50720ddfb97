package rowagg

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// meanBuf is the buffer of the test's mean UDAF.
type meanBuf struct {
	n   int64
	sum float64
}

func TestUDAFAdapter(t *testing.T) {
	mysum, err := NewUDAF("mysum", func() int64 { return 0 },
		func(b int64, x int64) int64 { return b + x }, func(b int64) int64 { return b })
	if err != nil {
		t.Fatal(err)
	}
	nulls, err := NewUDAF("count_nulls", func() int32 { return 0 },
		func(b int32, x rowexpr.Nullable[int32]) int32 {
			if !x.Valid {
				b++
			}
			return b
		}, func(b int32) int32 { return b })
	if err != nil {
		t.Fatal(err)
	}
	concat, err := NewUDAF("concat_all", func() []string { return nil },
		func(b []string, x string) []string { return append(b, x) },
		func(b []string) string { return strings.Join(b, "|") })
	if err != nil {
		t.Fatal(err)
	}
	mean, err := NewUDAF("mymean", func() meanBuf { return meanBuf{} },
		func(b meanBuf, x float64) meanBuf { return meanBuf{b.n + 1, b.sum + x} },
		func(b meanBuf) rowexpr.Nullable[float64] {
			if b.n == 0 {
				return rowexpr.Nullable[float64]{}
			}
			return rowexpr.Some(b.sum / float64(b.n))
		})
	if err != nil {
		t.Fatal(err)
	}
	anyTrue, err := NewUDAF("any_true", func() bool { return false },
		func(b bool, x bool) bool { return b || x }, func(b bool) bool { return b })
	if err != nil {
		t.Fatal(err)
	}
	latest, err := NewUDAF("latest_day", func() arrow.Date32 { return 0 },
		func(b arrow.Date32, x arrow.Date32) arrow.Date32 { return max(b, x) }, func(b arrow.Date32) arrow.Date32 { return b })
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		u       *UDAF
		argType arrow.DataType
		resType arrow.DataType
		groups  [][]any
		want    []any
	}{
		{"sum skips NULLs; empty group gives zero", mysum, columnar.Int64, columnar.Int64,
			[][]any{{int64(1), nil, int64(2)}, {}, {nil}}, []any{int64(3), int64(0), int64(0)}},
		{"Nullable input sees NULLs", nulls, columnar.Int32, columnar.Int32,
			[][]any{{int64(1), nil, nil}, {}}, []any{int64(2), int64(0)}},
		{"strings", concat, columnar.String, columnar.String,
			[][]any{{"a", nil, "日本", ""}, {"x"}}, []any{"a|日本|", "x"}},
		{"Nullable result", mean, columnar.Float64, columnar.Float64,
			[][]any{{1.0, 2.0, nil}, {}}, []any{1.5, nil}},
		{"booleans", anyTrue, columnar.Boolean, columnar.Boolean,
			[][]any{{false, nil, true}, {false}}, []any{true, false}},
		{"dates", latest, columnar.Date, columnar.Date,
			[][]any{{int64(3), int64(10), int64(7)}}, []any{int64(10)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !arrow.TypeEqual(c.u.ArgType, c.argType) || !arrow.TypeEqual(c.u.ResultType, c.resType) {
				t.Fatalf("types %s -> %s, want %s -> %s", c.u.ArgType, c.u.ResultType, c.argType, c.resType)
			}
			acc, err := New(Spec{UDAF: c.u})
			if err != nil {
				t.Fatal(err)
			}
			if acc.Name() != c.u.Name || acc.StateTypes() != nil {
				t.Errorf("Name %q StateTypes %v", acc.Name(), acc.StateTypes())
			}
			got := runGroups(t, acc, c.argType, c.groups)
			for g := range c.want {
				if !sameValue(got[g], c.want[g]) {
					t.Errorf("group %d: got %v, want %v", g, got[g], c.want[g])
				}
			}
			if acc.MemoryUsage() <= 0 {
				t.Errorf("MemoryUsage = %d", acc.MemoryUsage())
			}
			// The boxed functions of an adapted UDAF work too.
			raw := *c.u
			raw.typed = nil
			racc, err := New(Spec{UDAF: &raw})
			if err != nil {
				t.Fatal(err)
			}
			got = runGroups(t, racc, c.argType, c.groups)
			for g := range c.want {
				if !sameValue(got[g], c.want[g]) {
					t.Errorf("boxed: group %d: got %v, want %v", g, got[g], c.want[g])
				}
			}
		})
	}
}

func TestUDAFErrors(t *testing.T) {
	boom := errors.New("boom")
	panicky, _ := NewUDAF("panicky", func() int64 { return 0 },
		func(b int64, x int64) int64 {
			if x == 3 {
				panic("three")
			}
			return b + x
		}, func(b int64) int64 { return b })
	badZero, _ := NewUDAF("bad_zero", func() int64 { panic("no zero") },
		func(b int64, x int64) int64 { return b }, func(b int64) int64 { return b })
	badFinish, _ := NewUDAF("bad_finish", func() int64 { return 0 },
		func(b int64, x int64) int64 { return b }, func(b int64) int64 { panic(boom) })
	failing := &UDAF{Name: "failing", ArgType: columnar.Int64, ResultType: columnar.Int64,
		New: func() (any, error) { return int64(0), nil },
		Update: func(s any, v rowexpr.Value) (any, error) {
			if !v.Null && v.I == 3 {
				return nil, boom
			}
			return s, nil
		},
		Finish: func(s any) (rowexpr.Value, error) { return rowexpr.Int(s.(int64)), nil }}
	failNew := &UDAF{Name: "fail_new", ArgType: columnar.Int64, ResultType: columnar.Int64,
		New:    func() (any, error) { return nil, boom },
		Update: func(s any, v rowexpr.Value) (any, error) { return s, nil },
		Finish: func(s any) (rowexpr.Value, error) { return rowexpr.Null, nil }}
	cases := []struct {
		name  string
		u     *UDAF
		op    string // where it fails: update, grow or result
		match string
	}{
		{"panic in reduce", panicky, "update", "panicky failed in reduce: panic: three"},
		{"panic in zero", badZero, "grow", "bad_zero failed in zero: panic: no zero"},
		{"panic in finish", badFinish, "result", "bad_finish failed in finish: panic: boom"},
		{"error in Update", failing, "update", "failing failed in Update: boom"},
		{"error in New", failNew, "grow", "fail_new failed in New: boom"},
	}
	l := mustLayout(t, columnar.Int64)
	w := rows.NewWriter(l)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acc, err := New(Spec{UDAF: c.u})
			if err != nil {
				t.Fatal(err)
			}
			var got error
			switch c.op {
			case "grow":
				got = acc.Grow(1)
			case "update":
				for _, x := range []int64{1, 2, 3} {
					w.Reset()
					w.SetInt64(0, x)
					if got = acc.Update(0, l, w.Row(), 0); got != nil {
						break
					}
				}
			case "result":
				if err := acc.Grow(1); err != nil {
					t.Fatal(err)
				}
				w.Reset()
				got = acc.WriteResult(0, w, 0)
			}
			if got == nil {
				t.Fatal("no error")
			}
			if !errors.Is(got, ErrUDAF) || !strings.Contains(got.Error(), c.match) {
				t.Fatalf("error %q (ErrUDAF: %v), want one containing %q", got, errors.Is(got, ErrUDAF), c.match)
			}
		})
	}
	if err := func() error {
		_, err := New(Spec{UDAF: failing})
		return err
	}(); err != nil {
		t.Fatal(err)
	}
	// An error returned by the function is still reachable with errors.Is.
	acc, _ := New(Spec{UDAF: failing})
	w.Reset()
	w.SetInt64(0, 3)
	if err := acc.Update(0, l, w.Row(), 0); !errors.Is(err, boom) {
		t.Errorf("error %v does not wrap the UDAF's own error", err)
	}
}

func TestUDAFInvalid(t *testing.T) {
	okNew := func() (any, error) { return nil, nil }
	okUpd := func(s any, v rowexpr.Value) (any, error) { return s, nil }
	okFin := func(s any) (rowexpr.Value, error) { return rowexpr.Null, nil }
	cases := []struct {
		name  string
		u     *UDAF
		match string
	}{
		{"no name", &UDAF{ArgType: columnar.Int64, ResultType: columnar.Int64, New: okNew, Update: okUpd, Finish: okFin}, "needs a name"},
		{"no arg type", &UDAF{Name: "u", ResultType: columnar.Int64, New: okNew, Update: okUpd, Finish: okFin}, "no argument type"},
		{"bad result type", &UDAF{Name: "u", ArgType: columnar.Int64, ResultType: arrow.PrimitiveTypes.Uint8, New: okNew, Update: okUpd, Finish: okFin}, "result type"},
		{"no Finish", &UDAF{Name: "u", ArgType: columnar.Int64, ResultType: columnar.Int64, New: okNew, Update: okUpd}, "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(Spec{UDAF: c.u})
			if err == nil || !strings.Contains(err.Error(), c.match) {
				t.Fatalf("error %v, want one containing %q", err, c.match)
			}
		})
	}
	if _, err := NewUDAF("u8", func() int { return 0 }, func(b int, x uint8) int { return b }, func(b int) int { return b }); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "uint8") {
		t.Errorf("uint8 input: %v", err)
	}
	if _, err := NewUDAF("outmap", func() int { return 0 }, func(b int, x int64) int { return b }, func(b int) map[string]int { return nil }); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "map[string]int") {
		t.Errorf("map output: %v", err)
	}
	if _, err := NewUDAF[int64, int64, int64]("", func() int64 { return 0 }, func(b, x int64) int64 { return b }, func(b int64) int64 { return b }); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	if _, err := NewUDAF[int64, int64, int64]("nil_reduce", func() int64 { return 0 }, nil, func(b int64) int64 { return b }); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil reduce: %v", err)
	}
}

// lastUDAF runs a "keep the last input" UDAF over T and checks the SQL
// types the adapter chose and the result.
func lastUDAF[T any](t *testing.T, typ arrow.DataType, in []any, want any) {
	t.Helper()
	var zero T
	u, err := NewUDAF("last_"+typ.String(), func() T { return zero },
		func(_ T, x T) T { return x }, func(b T) T { return b })
	if err != nil {
		t.Fatal(err)
	}
	if !arrow.TypeEqual(u.ArgType, typ) || !arrow.TypeEqual(u.ResultType, typ) {
		t.Fatalf("%T: types %s -> %s, want %s", zero, u.ArgType, u.ResultType, typ)
	}
	acc, err := New(Spec{UDAF: u})
	if err != nil {
		t.Fatal(err)
	}
	got := runGroups(t, acc, typ, [][]any{in})
	if !sameValue(got[0], want) {
		t.Errorf("%T: got %v, want %v", zero, got[0], want)
	}
	if err := acc.Merge(0, nil, nil, 0); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Merge: %v", err)
	}
	if err := acc.WriteState(0, nil, 0); !errors.Is(err, ErrUnsupported) {
		t.Errorf("WriteState: %v", err)
	}
	acc.Reset()
	if acc.NumGroups() != 0 {
		t.Errorf("NumGroups after Reset = %d", acc.NumGroups())
	}
}

// TestUDAFGoTypes checks every Go type the adapter maps, plain and
// Nullable (a Nullable input sees the trailing NULL).
func TestUDAFGoTypes(t *testing.T) {
	lastUDAF[bool](t, columnar.Boolean, []any{false, true, nil}, true)
	lastUDAF[int32](t, columnar.Int32, []any{int64(-3), int64(7), nil}, int64(7))
	lastUDAF[int64](t, columnar.Int64, []any{int64(1) << 40, nil}, int64(1)<<40)
	lastUDAF[float64](t, columnar.Float64, []any{1.5, -2.25}, -2.25)
	lastUDAF[string](t, columnar.String, []any{"x", "日本"}, "日本")
	lastUDAF[[]byte](t, columnar.Binary, []any{"ab", "\x00c"}, "\x00c")
	lastUDAF[arrow.Date32](t, columnar.Date, []any{int64(19000), nil}, int64(19000))
	lastUDAF[arrow.Timestamp](t, columnar.Timestamp, []any{int64(1_700_000_000_000_000)}, int64(1_700_000_000_000_000))
	lastUDAF[rowexpr.Nullable[bool]](t, columnar.Boolean, []any{true, nil}, nil)
	lastUDAF[rowexpr.Nullable[int32]](t, columnar.Int32, []any{int64(3), nil}, nil)
	lastUDAF[rowexpr.Nullable[int64]](t, columnar.Int64, []any{nil, int64(3)}, int64(3))
	lastUDAF[rowexpr.Nullable[float64]](t, columnar.Float64, []any{1.0, nil}, nil)
	lastUDAF[rowexpr.Nullable[string]](t, columnar.String, []any{"a", nil}, nil)
	lastUDAF[rowexpr.Nullable[[]byte]](t, columnar.Binary, []any{nil, "b"}, "b")
	lastUDAF[rowexpr.Nullable[arrow.Date32]](t, columnar.Date, []any{int64(1), nil}, nil)
	lastUDAF[rowexpr.Nullable[arrow.Timestamp]](t, columnar.Timestamp, []any{nil}, nil)
}

// TestUDAFBoxedFull exercises a UDAF given by its functions: states,
// results, memory, and the complete-mode-only errors.
func TestUDAFBoxedFull(t *testing.T) {
	u := &UDAF{Name: "maxlen", ArgType: columnar.String, ResultType: columnar.Int64,
		New: func() (any, error) { return 0, nil },
		Update: func(s any, v rowexpr.Value) (any, error) {
			if v.Null {
				return s, nil
			}
			return max(s.(int), len(v.B)), nil
		},
		Finish: func(s any) (rowexpr.Value, error) {
			if s.(int) == 0 {
				return rowexpr.Null, nil
			}
			return rowexpr.Int(int64(s.(int))), nil
		}}
	acc, err := New(Spec{UDAF: u})
	if err != nil {
		t.Fatal(err)
	}
	if acc.Name() != "maxlen" || acc.StateTypes() != nil || !arrow.TypeEqual(acc.ResultType(), columnar.Int64) {
		t.Errorf("Name %q StateTypes %v ResultType %s", acc.Name(), acc.StateTypes(), acc.ResultType())
	}
	got := runGroups(t, acc, columnar.String, [][]any{{"ab", nil, "abcd"}, {nil}, {}})
	want := []any{int64(4), nil, nil}
	for g := range want {
		if !sameValue(got[g], want[g]) {
			t.Errorf("group %d: got %v, want %v", g, got[g], want[g])
		}
	}
	if acc.NumGroups() != 3 || acc.MemoryUsage() < 3*udafStateEstimate {
		t.Errorf("NumGroups %d MemoryUsage %d", acc.NumGroups(), acc.MemoryUsage())
	}
	if err := acc.Merge(0, nil, nil, 0); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Merge: %v", err)
	}
	if err := acc.WriteState(0, nil, 0); !errors.Is(err, ErrUnsupported) {
		t.Errorf("WriteState: %v", err)
	}
	// WriteResult of a group never updated grows the state first.
	l, r := writeOne(t, []arrow.DataType{columnar.Int64}, func(w *rows.Writer) error { return acc.WriteResult(5, w, 0) })
	if !l.IsNull(r, 0) || acc.NumGroups() != 6 {
		t.Errorf("WriteResult of a new group: null %v, groups %d", l.IsNull(r, 0), acc.NumGroups())
	}
	acc.Reset()
	if acc.NumGroups() != 0 {
		t.Errorf("NumGroups after Reset = %d", acc.NumGroups())
	}
	if s := (Spec{UDAF: u}).String(); s != "maxlen(string)" {
		t.Errorf("Spec.String = %q", s)
	}
	if s := (Spec{Name: "sum", InputType: columnar.Decimal(15, 2)}).String(); s != "sum(decimal(15,2))" {
		t.Errorf("Spec.String = %q", s)
	}
	if s := SpecOf(0, nil).String(); s != "count" {
		t.Errorf("Spec.String = %q", s)
	}
}
