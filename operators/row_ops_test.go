package operators

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/sorting"
)

// exprPair is one expression built for both engines.
type exprPair struct {
	c expr.Expr
	r rowexpr.Expr
}

// must returns v, panicking on an error (test construction only: a failing
// constructor is a broken test).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// asExpr and asRowExpr widen literal constructors' results.
func asExpr(l *expr.Lit, err error) (expr.Expr, error)          { return l, err }
func asRowExpr(l *rowexpr.Lit, err error) (rowexpr.Expr, error) { return l, err }

func pcol(i int) exprPair {
	f := lineitemSchema.Field(i)
	return exprPair{expr.Column(i, f.Name, f.Type), rowexpr.Column(i, f.Name, f.Type)}
}

func plit(t testing.TB, v any, ty arrow.DataType) exprPair {
	return exprPair{must(asExpr(expr.Literal(v, ty))), must(asRowExpr(rowexpr.Literal(v, ty)))}
}

func parith(t testing.TB, op expr.ArithOp, a, b exprPair) exprPair {
	return exprPair{must(expr.Arith(op, a.c, b.c)), must(rowexpr.Arith(op, a.r, b.r))}
}

func pcmp(t testing.TB, op expr.CmpOp, a, b exprPair) exprPair {
	return exprPair{must(expr.Compare(op, a.c, b.c)), must(rowexpr.Compare(op, a.r, b.r))}
}

func pand(t testing.TB, a, b exprPair) exprPair {
	return exprPair{must(expr.And(a.c, b.c)), must(rowexpr.And(a.r, b.r))}
}

func por(t testing.TB, a, b exprPair) exprPair {
	return exprPair{must(expr.Or(a.c, b.c)), must(rowexpr.Or(a.r, b.r))}
}

func pisnull(t testing.TB, a exprPair) exprPair {
	return exprPair{must(expr.IsNull(a.c)), must(rowexpr.IsNull(a.r))}
}

func plike(t testing.TB, a exprPair, pattern string) exprPair {
	return exprPair{must(expr.Like(a.c, pattern, '\\', false)), must(rowexpr.Like(a.r, pattern, '\\', false))}
}

func pcast(t testing.TB, a exprPair, to arrow.DataType) exprPair {
	return exprPair{must(expr.Cast(a.c, to)), must(rowexpr.Cast(a.r, to))}
}

// rowOpsData returns random lineitem-like batches and both sources over
// them (2 partitions); release with the returned function.
func rowOpsData(t *testing.T, mem memory.Allocator, seed uint64) (*rowTestBatchNode, *rowTestRowNode, func()) {
	batches := lineitemBatches(mem, seed, 5, 400, 0.1)
	csrc, rsrc := rowTestSources(t, batches, 2)
	return csrc, rsrc, func() {
		csrc.release()
		releaseBatches(batches)
	}
}

func TestRowFilterMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	task := rowTestTask(mem)
	csrc, rsrc, release := rowOpsData(t, mem, 11)
	defer release()
	conds := map[string]exprPair{
		"q1-like": pand(t,
			pcmp(t, expr.Gt, pcol(liQuantity), plit(t, decimal128.FromI64(2000), columnar.Decimal(15, 2))),
			pcmp(t, expr.Eq, pcol(liReturnflag), plit(t, "R", columnar.String))),
		"null or double": por(t, pisnull(t, pcol(liDouble)),
			pcmp(t, expr.GtEq, pcol(liDouble), plit(t, 2.5, columnar.Float64))),
		"like":        plike(t, pcol(liComment), "%fox%"),
		"always NULL": pcmp(t, expr.Eq, pcol(liOrderkey), plit(t, nil, columnar.Int64)),
	}
	for name, c := range conds {
		t.Run(name, func(t *testing.T) {
			cf, err := NewFilter(csrc, c.c, nil)
			if err != nil {
				t.Fatal(err)
			}
			rf, err := NewRowFilter(rsrc, c.r)
			if err != nil {
				t.Fatal(err)
			}
			want := drainColumnarNode(t, cf, task)
			got := drainRowNode(t, rf, task)
			compareTables(t, got, want, 0)
			if name != "always NULL" && len(got) == 0 {
				t.Fatal("the filter passed no row: the test data is too narrow")
			}
			if rf.Metrics().OutputRows.Load() != int64(len(got)) {
				t.Errorf("OutputRows = %d, want %d", rf.Metrics().OutputRows.Load(), len(got))
			}
		})
	}
	if _, err := NewRowFilter(rsrc, pcol(liOrderkey).r); err == nil || !strings.Contains(err.Error(), "not boolean") {
		t.Errorf("non-boolean condition: %v", err)
	}
}

func TestRowProjectMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	task := rowTestTask(mem)
	csrc, rsrc, release := rowOpsData(t, mem, 12)
	defer release()
	one := plit(t, decimal128.FromI64(1), columnar.Decimal(1, 0))
	exprs := []exprPair{
		pcol(liReturnflag),
		parith(t, expr.Mul, parith(t, expr.Mul, pcol(liPrice), parith(t, expr.Sub, one, pcol(liDiscount))),
			parith(t, expr.Add, one, pcol(liTax))), // Q1's charge: decimal(38,6)
		parith(t, expr.Add, pcol(liOrderkey), plit(t, int64(1), columnar.Int64)),
		parith(t, expr.Mul, pcol(liDouble), plit(t, 2.0, columnar.Float64)),
		pcast(t, pcol(liLinenumber), columnar.String),
		pcol(liComment),
		pcol(liBig),
		pcmp(t, expr.Lt, pcol(liShipdate), plit(t, arrow.Date32(9000), columnar.Date)),
	}
	fields := make([]arrow.Field, len(exprs))
	ce := make([]expr.Expr, len(exprs))
	re := make([]rowexpr.Expr, len(exprs))
	labels := make([]string, len(exprs))
	for i, e := range exprs {
		fields[i] = arrow.Field{Name: "p" + string(rune('a'+i)), Type: e.c.DataType(), Nullable: true}
		ce[i], re[i], labels[i] = e.c, e.r, e.r.String()
	}
	schema := arrow.NewSchema(fields, nil)
	cp, err := NewProject(csrc, ce, schema, labels)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := NewRowProject(rsrc, re, schema, labels)
	if err != nil {
		t.Fatal(err)
	}
	compareTables(t, drainRowNode(t, rp, task), drainColumnarNode(t, cp, task), 0)
	if rp.Name() != "Project" || !strings.HasPrefix(rp.Detail(), " [l_returnflag, ((") {
		t.Errorf("EXPLAIN: %s%s", rp.Name(), rp.Detail())
	}
	bad := arrow.NewSchema([]arrow.Field{{Name: "x", Type: columnar.Int32}}, nil)
	if _, err := NewRowProject(rsrc, re[:1], bad, labels[:1]); err == nil || !strings.Contains(err.Error(), "wants int32") {
		t.Errorf("type mismatch: %v", err)
	}
	if _, err := NewRowProject(rsrc, re, bad, labels); err == nil || !strings.Contains(err.Error(), "expressions for 1 fields") {
		t.Errorf("count mismatch: %v", err)
	}
}

// rowSortCases are sort orders of the sort and top-n tests (columns with
// NULLs, NaN, -0.0, ties).
var rowSortCases = map[string][]sorting.SortKey{
	"flag asc, date desc":      {{Column: liReturnflag, NullsFirst: true}, {Column: liShipdate, Descending: true}},
	"double nulls last":        {{Column: liDouble}},
	"decimal desc nulls first": {{Column: liBig, Descending: true, NullsFirst: true}, {Column: liBin}},
	"boolean, timestamp":       {{Column: liFlag, NullsFirst: true}, {Column: liTs, Descending: true}},
	"string":                   {{Column: liComment}},
	"price, int, plain":        {{Column: liPrice, Descending: true}, {Column: liLinenumber}, {Column: liPlain}},
	"no keys (input order)":    nil,
}

func rowKeys(keys []sorting.SortKey) []rows.SortKey {
	out := make([]rows.SortKey, len(keys))
	for i, k := range keys {
		out[i] = rows.SortKey{Column: k.Column, Descending: k.Descending, NullsFirst: k.NullsFirst}
	}
	return out
}

func TestRowSortMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	task := rowTestTask(mem)
	csrc, rsrc, release := rowOpsData(t, mem, 13)
	defer release()
	for name, keys := range rowSortCases {
		t.Run(name, func(t *testing.T) {
			cs, err := NewSort(csrc, keys, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := NewRowSort(rsrc, rowKeys(keys), nil, false)
			if err != nil {
				t.Fatal(err)
			}
			got := drainRowNode(t, rs, task)
			compareTables(t, got, drainColumnarNode(t, cs, task), 0)
			if len(got) != 2000 {
				t.Fatalf("%d rows", len(got))
			}
			if rs.Metrics().Counter(RowHeapBytesMetric).Load() != 0 || rs.Metrics().Counter(RowPeakHeapBytesMetric).Load() <= 0 {
				t.Errorf("heap metrics: now %d, peak %d", rs.Metrics().Counter(RowHeapBytesMetric).Load(),
					rs.Metrics().Counter(RowPeakHeapBytesMetric).Load())
			}
		})
	}
	if _, err := NewRowSort(rsrc, []rows.SortKey{{Column: 99}}, nil, true); err == nil || !strings.Contains(err.Error(), "key column 99 out of range") {
		t.Errorf("bad key: %v", err)
	}
}

func TestRowTopNMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	task := rowTestTask(mem)
	csrc, rsrc, release := rowOpsData(t, mem, 14)
	defer release()
	for name, keys := range rowSortCases {
		if len(keys) == 0 {
			// columnar/sorting's TopN panics on zero keys (index out of
			// range in selectBefore): not compared here.
			continue
		}
		for _, n := range []int64{0, 1, 7, 100, 5000} {
			t.Run(name, func(t *testing.T) {
				ct, err := NewTopN(csrc, keys, nil, n, true, nil)
				if err != nil {
					t.Fatal(err)
				}
				rt, err := NewRowTopN(rsrc, rowKeys(keys), nil, n, true, nil)
				if err != nil {
					t.Fatal(err)
				}
				got := drainRowNode(t, rt, task)
				compareTables(t, got, drainColumnarNode(t, ct, task), 0)
				if want := min(n, 1200) + min(n, 800); int64(len(got)) != want {
					t.Fatalf("%d rows, want %d", len(got), want)
				}
			})
		}
	}
	if _, err := NewRowTopN(rsrc, nil, nil, -1, false, nil); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestRowLimitMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	task := rowTestTask(mem)
	csrc, rsrc, release := rowOpsData(t, mem, 15)
	defer release()
	for _, c := range []struct{ n, offset int64 }{{0, 0}, {5, 0}, {5, 3}, {999, 1}, {5000, 0}, {3, 5000}, {0, 7}} {
		cl, err := NewLimit(csrc, c.n, c.offset, false)
		if err != nil {
			t.Fatal(err)
		}
		rl, err := NewRowLimit(rsrc, c.n, c.offset, false)
		if err != nil {
			t.Fatal(err)
		}
		got := drainRowNode(t, rl, task)
		compareTables(t, got, drainColumnarNode(t, cl, task), 0)
		want := int64(0)
		for _, size := range []int64{1200, 800} { // the partitions' rows
			want += max(0, min(c.n, size-c.offset))
		}
		if int64(len(got)) != want {
			t.Fatalf("limit %d offset %d: %d rows, want %d", c.n, c.offset, len(got), want)
		}
	}
	if _, err := NewRowLimit(rsrc, -1, 0, true); err == nil {
		t.Error("negative limit accepted")
	}

	// The limit stops pulling once it has its rows and closes its input.
	schema, rs := rowOnlyInput(t)
	endless := newRowTestRowNode(schema, [][]rows.Row{rs})
	endless.endless = true
	l, _ := NewRowLimit(endless, 10, 4, true)
	n, err := rowTestRun(context.Background(), l, 0)
	if err != nil || n != 10 {
		t.Fatalf("limit over an endless input: %d rows, %v", n, err)
	}
	if endless.pulled.Load() != 14 || endless.closed.Load() != 1 {
		t.Errorf("pulled %d rows, closed %d times", endless.pulled.Load(), endless.closed.Load())
	}
	if l.Metrics().OutputRows.Load() != 10 {
		t.Errorf("OutputRows = %d", l.Metrics().OutputRows.Load())
	}
}

func TestRowUnionMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	task := rowTestTask(mem)
	c1, r1, release1 := rowOpsData(t, mem, 16)
	defer release1()
	c2, r2, release2 := rowOpsData(t, mem, 17)
	defer release2()
	renamed := arrow.NewSchema(append([]arrow.Field(nil), lineitemSchema.Fields()...), nil)
	cu, err := NewUnion([]Node{c1, c2}, renamed)
	if err != nil {
		t.Fatal(err)
	}
	ru, err := NewRowUnion([]Node{r1, r2}, renamed)
	if err != nil {
		t.Fatal(err)
	}
	if ru.NumPartitions() != 4 {
		t.Fatalf("%d partitions", ru.NumPartitions())
	}
	compareTables(t, drainRowNode(t, ru, task), drainColumnarNode(t, cu, task), 0)
	if _, err := ru.ExecuteRows(context.Background(), 4, task); err == nil {
		t.Error("partition 4 of 4 accepted")
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: columnar.Int64}}, nil)
	if _, err := NewRowUnion([]Node{r1, newRowTestRowNode(other, nil)}, lineitemSchema); err == nil || !strings.Contains(err.Error(), "input 1 has 1 columns") {
		t.Errorf("column count mismatch: %v", err)
	}
}

// TestRowExplain checks the names and details EXPLAIN prints.
func TestRowExplain(t *testing.T) {
	schema, _ := rowOnlyInput(t)
	src := newRowTestRowNode(schema, nil)
	cond := must(rowexpr.IsNotNull(rowexpr.Column(1, "x#1", columnar.Int64)))
	f := must(NewRowFilter(src, cond))
	p := must(NewRowProject(src, []rowexpr.Expr{rowexpr.Column(1, "x#1", columnar.Int64)},
		arrow.NewSchema([]arrow.Field{{Name: "x", Type: columnar.Int64}}, nil), []string{"x#1"}))
	s := must(NewRowSort(src, []rows.SortKey{{Column: 0, NullsFirst: true}}, []string{"k#0 ASC NULLS FIRST"}, true))
	tn := must(NewRowTopN(src, []rows.SortKey{{Column: 1}}, []string{"x#1 ASC NULLS LAST"}, 10, false, []string{"k#0", "x#1"}))
	gl := must(NewRowLimit(src, 10, 0, true))
	ll := must(NewRowLimit(src, 10, 0, false))
	u := must(NewRowUnion([]Node{src, src}, schema))
	h := must(NewRowHashAggregate(src, AggComplete, []int{0}, nil, []string{"k"}, "(keys=[k#0], functions=[])"))
	cases := []struct {
		n            Node
		name, detail string
	}{
		{f, "Filter", " (isnotnull(x#1))"},
		{p, "Project", " [x#1]"},
		{s, "Sort", " [k#0 ASC NULLS FIRST], true, 0"},
		{tn, "TakeOrderedAndProject", "(limit=10, orderBy=[x#1 ASC NULLS LAST], output=[k#0, x#1])"},
		{gl, "GlobalLimit", " 10, 0"},
		{ll, "LocalLimit", " 10"},
		{u, "Union", ""},
		{h, "HashAggregate", "(keys=[k#0], functions=[])"},
	}
	for _, c := range cases {
		if c.n.Name() != c.name || c.n.Detail() != c.detail {
			t.Errorf("%q%q, want %q%q", c.n.Name(), c.n.Detail(), c.name, c.detail)
		}
		if IsColumnar(c.n) {
			t.Errorf("%s is columnar", c.name)
		}
		if _, ok := c.n.(RowNode); !ok {
			t.Errorf("%s is not a RowNode", c.name)
		}
	}
}

// TestRowCancellation checks that the buffering operators stop on a
// canceled context, and that the streaming ones report it too.
func TestRowCancellation(t *testing.T) {
	defer goleak.VerifyNone(t)
	schema, rs := rowOnlyInput(t)
	mk := map[string]func(Node) (RowNode, error){
		"sort": func(c Node) (RowNode, error) { return NewRowSort(c, []rows.SortKey{{Column: 1}}, nil, false) },
		"topn": func(c Node) (RowNode, error) { return NewRowTopN(c, []rows.SortKey{{Column: 1}}, nil, 5, false, nil) },
		"filter": func(c Node) (RowNode, error) {
			return NewRowFilter(c, must(rowexpr.IsNull(rowexpr.Column(0, "k", columnar.String))))
		},
		"limit offset": func(c Node) (RowNode, error) { return NewRowLimit(c, 5, 1<<40, false) },
	}
	for name, f := range mk {
		t.Run(name, func(t *testing.T) {
			src := newRowTestRowNode(schema, [][]rows.Row{rs})
			src.endless = true
			n, err := f(src)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := rowTestRun(ctx, n, 0); !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v", err)
			}
			if p := src.pulled.Load(); p > 2*rowCheckEvery {
				t.Errorf("pulled %d rows after cancellation", p)
			}
			if src.closed.Load() != 1 {
				t.Errorf("input closed %d times", src.closed.Load())
			}
		})
	}
}

// TestRowNodeNeedsRowChild checks the error for a columnar child.
func TestRowNodeNeedsRowChild(t *testing.T) {
	csrc := newRowTestBatchNode(lineitemSchema, [][]arrow.RecordBatch{nil})
	s, err := NewRowSort(csrc, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExecuteRows(context.Background(), 0, rowTestTask(memory.DefaultAllocator)); err == nil || !strings.Contains(err.Error(), "missing ColumnarToRow") {
		t.Errorf("error %v", err)
	}
}
