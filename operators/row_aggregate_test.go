package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// rowAggCase is one aggregation of the differential tests.
type rowAggCase struct {
	name  string
	keys  []int
	funcs []AggFunc
}

func aggOf(kind agg.AggKind, col int) AggFunc {
	if kind == agg.CountStar {
		return AggFunc{Kind: kind, Input: -1}
	}
	return AggFunc{Kind: kind, Input: col, InputType: lineitemSchema.Field(col).Type}
}

var rowAggCases = []rowAggCase{
	{"q1", []int{liReturnflag, liLinestatus}, []AggFunc{
		aggOf(agg.Sum, liQuantity), aggOf(agg.Sum, liPrice), aggOf(agg.Avg, liQuantity),
		aggOf(agg.Avg, liPrice), aggOf(agg.Avg, liDiscount), aggOf(agg.CountStar, -1),
		aggOf(agg.Count, liOrderkey), aggOf(agg.Min, liShipdate), aggOf(agg.Max, liComment)}},
	{"global", nil, []AggFunc{
		aggOf(agg.Sum, liOrderkey), aggOf(agg.Sum, liLinenumber), aggOf(agg.Sum, liDouble),
		aggOf(agg.Avg, liDouble), aggOf(agg.Avg, liBig), aggOf(agg.Sum, liBig), aggOf(agg.Min, liDouble),
		aggOf(agg.Max, liDouble), aggOf(agg.Min, liFlag), aggOf(agg.Max, liBin), aggOf(agg.Count, liTs),
		aggOf(agg.Min, liTs), aggOf(agg.Avg, liLinenumber), aggOf(agg.CountStar, -1),
		aggOf(agg.Sum, liPlain), aggOf(agg.Avg, liPlain), aggOf(agg.Min, liPlain)}},
	{"int and boolean keys", []int{liLinenumber, liFlag}, []AggFunc{
		aggOf(agg.Sum, liBig), aggOf(agg.Avg, liBig), aggOf(agg.Min, liBig), aggOf(agg.Max, liBig),
		aggOf(agg.Sum, liDouble), aggOf(agg.Max, liTs), aggOf(agg.Avg, liOrderkey),
		aggOf(agg.Sum, liPlain), aggOf(agg.Avg, liPlain), aggOf(agg.Max, liPlain)}},
	{"double key", []int{liDouble}, []AggFunc{aggOf(agg.CountStar, -1), aggOf(agg.Sum, liLinenumber)}},
	{"decimal and binary keys", []int{liBig, liBin}, []AggFunc{aggOf(agg.Count, liQuantity), aggOf(agg.Max, liPrice)}},
	{"many groups", []int{liOrderkey}, []AggFunc{aggOf(agg.Sum, liQuantity), aggOf(agg.Min, liComment)}},
}

// rowAggNames returns n field names.
func rowAggNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	return names
}

// numOutputs returns the output field count of an aggregation.
func numOutputs(keys int, funcs []AggFunc, partial bool) int {
	n := keys
	for _, f := range funcs {
		if partial {
			a, _ := agg.NewAccumulator(f.Kind, f.InputType)
			n += len(a.StateTypes())
			a.Release()
		} else {
			n++
		}
	}
	return n
}

// finalFuncs returns the funcs of a Final aggregation over the output of a
// Partial one with keys key fields.
func finalFuncs(keys int, funcs []AggFunc) []AggFunc {
	out := make([]AggFunc, len(funcs))
	col := keys
	for i, f := range funcs {
		out[i] = f
		out[i].Input = col
		a, _ := agg.NewAccumulator(f.Kind, f.InputType)
		col += len(a.StateTypes())
		a.Release()
	}
	return out
}

func rowFuncs(funcs []AggFunc) []RowAggFunc {
	out := make([]RowAggFunc, len(funcs))
	for i, f := range funcs {
		out[i] = RowAggFuncOf(f)
	}
	return out
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestRowHashAggregateMatchesColumnar runs each aggregation through the row
// and the columnar hash aggregate (complete, partial, and final over the
// other engine's partial states) over the same random lineitem-like data
// with NULLs, and compares the results value by value, in output order
// (both emit groups in order of first appearance). Doubles may differ in the
// last bits where the engines add in a different order (the columnar
// aggregate sums each batch first): they are compared within 1e-9.
func TestRowHashAggregateMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t)
	for ci, c := range rowAggCases {
		for _, empty := range []bool{false, true} {
			name := c.name
			if empty {
				name += "/empty"
			}
			t.Run(name, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				task := rowTestTask(mem)
				nb := 6
				if empty {
					nb = 0
				}
				batches := lineitemBatches(mem, uint64(ci+1), nb, 700, 0.1)
				defer releaseBatches(batches)
				csrc, rsrc := rowTestSources(t, batches, 2)
				defer csrc.release()
				if empty {
					csrc = newRowTestBatchNode(lineitemSchema, [][]arrow.RecordBatch{nil, nil})
					rsrc = newRowTestRowNode(lineitemSchema, [][]rows.Row{nil, nil})
				}
				testRowAggModes(t, task, mem, c, csrc, rsrc)
			})
		}
	}
}

func testRowAggModes(t *testing.T, task *TaskContext, mem memory.Allocator, c rowAggCase, csrc Node, rsrc Node) {
	nk := len(c.keys)
	// Complete.
	complete := rowAggNames(numOutputs(nk, c.funcs, false))
	cc, err := NewHashAggregate(csrc, AggComplete, c.keys, c.funcs, complete, "")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := NewRowHashAggregate(rsrc, AggComplete, c.keys, rowFuncs(c.funcs), complete, "")
	if err != nil {
		t.Fatal(err)
	}
	want := drainColumnarNode(t, cc, task)
	got := drainRowNode(t, rc, task)
	t.Run("complete", func(t *testing.T) { compareTables(t, got, want, 1e-9) })

	// Partial: the states must match exactly in type and (within the double
	// tolerance) in value.
	partialNames := rowAggNames(numOutputs(nk, c.funcs, true))
	cp, err := NewHashAggregate(csrc, AggPartial, c.keys, c.funcs, partialNames, "")
	if err != nil {
		t.Fatal(err)
	}
	rp, err := NewRowHashAggregate(rsrc, AggPartial, c.keys, rowFuncs(c.funcs), partialNames, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range cp.Schema().Fields() {
		if !arrow.TypeEqual(cp.Schema().Field(i).Type, rp.Schema().Field(i).Type) {
			t.Fatalf("partial field %d: row type %s, columnar %s", i, rp.Schema().Field(i).Type, cp.Schema().Field(i).Type)
		}
	}
	t.Run("partial", func(t *testing.T) {
		compareTables(t, drainRowNode(t, rp, task), drainColumnarNode(t, cp, task), 1e-9)
	})

	// Final over the other engine's partial states, and over its own.
	finals := finalFuncs(nk, c.funcs)
	pl := rowTestLayout(t, cp.Schema())
	runFinal := func(t *testing.T, partial [][]any) {
		// The partial rows as one partition of rows and of one batch.
		w := rows.NewWriter(pl)
		var prs []rows.Row
		for _, vals := range partial {
			w.Reset()
			for i, v := range vals {
				rowTestWriteGo(w, i, cp.Schema().Field(i).Type, v)
			}
			prs = append(prs, append(rows.Row(nil), w.Row()...))
		}
		pb := rowsBatch(t, mem, cp.Schema(), pl, prs)
		defer pb.Release()
		// The RowToColumnar transition of package rows gives the same batch.
		buf := rows.NewBuffer()
		for _, r := range prs {
			buf.Append(r)
		}
		tb, err := rows.BufferToBatch(mem, pl, buf, 0, buf.Len())
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Release()
		if !array.RecordApproxEqual(tb, pb, array.WithNaNsEqual(true), array.WithAbsTolerance(0)) {
			t.Fatal("rows.BufferToBatch differs from the row-by-row conversion of the partial states")
		}
		cin := newRowTestBatchNode(cp.Schema(), [][]arrow.RecordBatch{{pb}})
		defer cin.release()
		rin := newRowTestRowNode(cp.Schema(), [][]rows.Row{prs})
		cf, err := NewHashAggregate(cin, AggFinal, seq(nk), finals, complete, "")
		if err != nil {
			t.Fatal(err)
		}
		rf, err := NewRowHashAggregate(rin, AggFinal, seq(nk), rowFuncs(finals), complete, "")
		if err != nil {
			t.Fatal(err)
		}
		fromRow := drainRowNode(t, rf, task)
		fromCol := drainColumnarNode(t, cf, task)
		compareTables(t, fromRow, fromCol, 1e-9)
		if len(fromRow) == 0 && nk == 0 {
			t.Fatal("a global aggregate gave no row")
		}
	}
	t.Run("final over columnar partial", func(t *testing.T) { runFinal(t, drainColumnarNode(t, cp, task)) })
	t.Run("final over row partial", func(t *testing.T) { runFinal(t, drainRowNode(t, rp, task)) })
}

// rowTestWriteGo writes a value of rowTestValue's representation into field
// i of type t.
func rowTestWriteGo(w *rows.Writer, i int, t arrow.DataType, v any) {
	if v == nil {
		w.SetNull(i)
		return
	}
	switch x := v.(type) {
	case bool:
		w.SetBool(i, x)
	case int64:
		w.SetInt64(i, x)
	case float64:
		w.SetFloat64(i, x)
	case string:
		w.SetString(i, x)
	case decimal128.Num:
		w.SetDecimal(i, x)
	default:
		panic(fmt.Sprintf("rowTestWriteGo: %T", v))
	}
}

// TestRowHashAggregateDistinctMatchesColumnar compares DISTINCT aggregates
// (complete mode) with the columnar operator's.
func TestRowHashAggregateDistinctMatchesColumnar(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	task := rowTestTask(mem)
	batches := lineitemBatches(mem, 99, 5, 500, 0.1)
	defer releaseBatches(batches)
	csrc, rsrc := rowTestSources(t, batches, 2)
	defer csrc.release()
	distinct := func(f AggFunc) AggFunc { f.Distinct = true; return f }
	for _, c := range []rowAggCase{
		{"keyed", []int{liReturnflag}, []AggFunc{distinct(aggOf(agg.Count, liLinenumber)),
			distinct(aggOf(agg.Sum, liQuantity)), aggOf(agg.Avg, liDouble), distinct(aggOf(agg.Count, liComment)),
			distinct(aggOf(agg.Sum, liDouble)), distinct(aggOf(agg.Avg, liTax)), distinct(aggOf(agg.Max, liBin))}},
		{"global", nil, []AggFunc{distinct(aggOf(agg.Count, liDouble)), distinct(aggOf(agg.Sum, liLinenumber)),
			distinct(aggOf(agg.Count, liBig))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			names := rowAggNames(numOutputs(len(c.keys), c.funcs, false))
			cc, err := NewHashAggregate(csrc, AggComplete, c.keys, c.funcs, names, "")
			if err != nil {
				t.Fatal(err)
			}
			rc, err := NewRowHashAggregate(rsrc, AggComplete, c.keys, rowFuncs(c.funcs), names, "")
			if err != nil {
				t.Fatal(err)
			}
			compareTables(t, drainRowNode(t, rc, task), drainColumnarNode(t, cc, task), 1e-9)
		})
	}
}

// rowOnlyInput is a small table (k STRING, x BIGINT, s STRING) for the
// row-only aggregates.
func rowOnlyInput(t *testing.T) (*arrow.Schema, []rows.Row) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: columnar.String, Nullable: true},
		{Name: "x", Type: columnar.Int64, Nullable: true},
		{Name: "s", Type: columnar.String, Nullable: true},
	}, nil)
	l := rowTestLayout(t, schema)
	w := rows.NewWriter(l)
	data := [][]any{
		{"a", int64(1), "p"}, {"b", int64(2), nil}, {nil, int64(3), "q"}, {"a", nil, "r"},
		{"b", int64(2), "s"}, {"a", int64(1), "p"}, {nil, int64(5), "q"},
	}
	var rs []rows.Row
	for _, d := range data {
		w.Reset()
		for i, v := range d {
			rowTestWriteGo(w, i, schema.Field(i).Type, v)
		}
		rs = append(rs, append(rows.Row(nil), w.Row()...))
	}
	return schema, rs
}

// TestRowHashAggregateRowOnly runs the row-only aggregates, DISTINCT and a
// UDAF through the operator, grouped and global, over input with NULLs.
func TestRowHashAggregateRowOnly(t *testing.T) {
	defer goleak.VerifyNone(t)
	schema, rs := rowOnlyInput(t)
	mysum, err := rowagg.NewUDAF("mysum", func() int64 { return 0 },
		func(b, x int64) int64 { return b + x }, func(b int64) int64 { return b })
	if err != nil {
		t.Fatal(err)
	}
	i64 := columnar.Int64
	funcs := []RowAggFunc{
		{Func: rowagg.Spec{Name: "collect_list", InputType: i64}, Input: 1},
		{Func: rowagg.Spec{Name: "collect_set", InputType: columnar.String}, Input: 2},
		{Func: rowagg.Spec{Name: "count", InputType: i64}, Input: 1, Distinct: true},
		{Func: rowagg.Spec{Name: "sum", InputType: i64}, Input: 1, Distinct: true},
		{Func: rowagg.Spec{Name: "percentile", InputType: i64, Params: []any{0.5}}, Input: 1},
		{Func: rowagg.Spec{UDAF: mysum}, Input: 1},
		{Func: rowagg.Spec{Name: "collect_list", InputType: i64}, Input: 1, Distinct: true},
		{Func: rowagg.Spec{Name: "first", InputType: columnar.String}, Input: 2},
		{Func: rowagg.Spec{Name: "count(*)"}, Input: -1},
	}
	cases := []struct {
		name  string
		keys  []int
		input []rows.Row
		want  [][]any
	}{
		{"grouped", []int{0}, rs, [][]any{
			{"a", []any{int64(1), int64(1)}, []any{"p", "r"}, int64(1), int64(1), 1.0, int64(2), []any{int64(1)}, "p", int64(3)},
			{"b", []any{int64(2), int64(2)}, []any{"s"}, int64(1), int64(2), 2.0, int64(4), []any{int64(2)}, nil, int64(2)},
			{nil, []any{int64(3), int64(5)}, []any{"q"}, int64(2), int64(8), 4.0, int64(8), []any{int64(3), int64(5)}, "q", int64(2)},
		}},
		{"global", nil, rs, [][]any{
			{[]any{int64(1), int64(2), int64(3), int64(2), int64(1), int64(5)}, []any{"p", "q", "r", "s"},
				int64(4), int64(11), 2.0, int64(14), []any{int64(1), int64(2), int64(3), int64(5)}, "p", int64(7)},
		}},
		{"global over no rows", nil, nil, [][]any{
			{[]any{}, []any{}, int64(0), nil, nil, int64(0), []any{}, nil, int64(0)},
		}},
		{"grouped over no rows", []int{0}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := newRowTestRowNode(schema, [][]rows.Row{c.input})
			names := rowAggNames(len(c.keys) + len(funcs))
			h, err := NewRowHashAggregate(src, AggComplete, c.keys, funcs, names, "HashAggregate(keys=[k#0], functions=[...])")
			if err != nil {
				t.Fatal(err)
			}
			got := drainRowNode(t, h, rowTestTask(memory.DefaultAllocator))
			compareTables(t, got, c.want, 0)
			if n := h.Metrics().OutputRows.Load(); n != int64(len(c.want)) {
				t.Errorf("OutputRows = %d, want %d", n, len(c.want))
			}
			if h.Metrics().Counter(RowHeapBytesMetric).Load() != 0 {
				t.Errorf("heapBytes = %d after close", h.Metrics().Counter(RowHeapBytesMetric).Load())
			}
			if len(c.input) > 0 && h.Metrics().Counter(RowPeakHeapBytesMetric).Load() <= 0 {
				t.Error("peakHeapBytes not recorded")
			}
			if src.closed.Load() != src.opened.Load() {
				t.Errorf("input streams: %d opened, %d closed", src.opened.Load(), src.closed.Load())
			}
		})
	}
}

func TestRowHashAggregateErrors(t *testing.T) {
	schema, _ := rowOnlyInput(t)
	src := newRowTestRowNode(schema, [][]rows.Row{nil})
	i64 := columnar.Int64
	sum := RowAggFunc{Func: rowagg.Spec{Name: "sum", InputType: i64}, Input: 1}
	cases := []struct {
		name  string
		mode  AggMode
		keys  []int
		funcs []RowAggFunc
		names int
		match string
	}{
		{"key out of range", AggComplete, []int{7}, []RowAggFunc{sum}, 2, "key column 7 out of range"},
		{"input out of range", AggComplete, nil, []RowAggFunc{{Func: sum.Func, Input: 9}}, 1, "out of range"},
		{"input type", AggComplete, nil, []RowAggFunc{{Func: sum.Func, Input: 2}}, 1, "has type utf8, want int64"},
		{"distinct partial", AggPartial, nil, []RowAggFunc{{Func: sum.Func, Input: 1, Distinct: true}}, 1, "DISTINCT sum needs the complete mode"},
		{"row-only partial", AggPartial, nil, []RowAggFunc{{Func: rowagg.Spec{Name: "collect_list", InputType: i64}, Input: 1}}, 1, "collect_list has no partial state"},
		{"row-only final", AggFinal, nil, []RowAggFunc{{Func: rowagg.Spec{Name: "stddev", InputType: i64}, Input: 1}}, 1, "stddev_samp has no partial state"},
		{"final state type", AggFinal, nil, []RowAggFunc{{Func: rowagg.Spec{Name: "avg", InputType: i64}, Input: 1}}, 1, "state column 0 of avg"},
		{"names", AggComplete, []int{0}, []RowAggFunc{sum}, 1, "1 names for 2 output columns"},
		{"unknown function", AggComplete, nil, []RowAggFunc{{Func: rowagg.Spec{Name: "nope", InputType: i64}, Input: 1}}, 1, "aggregate function nope does not exist"},
		{"mode", AggMode(9), nil, []RowAggFunc{sum}, 1, "unknown mode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewRowHashAggregate(src, c.mode, c.keys, c.funcs, rowAggNames(c.names), "")
			if err == nil || !strings.Contains(err.Error(), c.match) {
				t.Fatalf("error %v, want one containing %q", err, c.match)
			}
		})
	}
}

// rowTestRun runs partition p of n with ctx and returns the number of rows
// and the error that ended the stream (nil at EOF).
func rowTestRun(ctx context.Context, n RowNode, p int) (int, error) {
	s, err := n.ExecuteRows(ctx, p, rowTestTask(memory.DefaultAllocator))
	if err != nil {
		return 0, err
	}
	defer s.Close()
	count := 0
	for {
		_, err := s.Next()
		if errors.Is(err, io.EOF) {
			return count, nil
		}
		if err != nil {
			return count, err
		}
		count++
	}
}

// TestRowHashAggregateRuntimeErrors checks that failures reach the caller
// as errors: a panicking UDAF, a failing input, a canceled context.
func TestRowHashAggregateRuntimeErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	schema, rs := rowOnlyInput(t)
	boom, _ := rowagg.NewUDAF("boom", func() int64 { return 0 },
		func(b, x int64) int64 {
			if x == 5 {
				panic("five")
			}
			return b
		}, func(b int64) int64 { return b })
	src := newRowTestRowNode(schema, [][]rows.Row{rs})
	h, err := NewRowHashAggregate(src, AggComplete, []int{0}, []RowAggFunc{{Func: rowagg.Spec{UDAF: boom}, Input: 1}}, rowAggNames(2), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rowTestRun(context.Background(), h, 0); !errors.Is(err, rowagg.ErrUDAF) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking UDAF: error %v", err)
	}
	if src.closed.Load() != 1 {
		t.Errorf("input closed %d times", src.closed.Load())
	}

	failing := newRowTestRowNode(schema, [][]rows.Row{rs})
	failing.failAt = 4
	h, _ = NewRowHashAggregate(failing, AggComplete, nil, []RowAggFunc{{Func: rowagg.Spec{Name: "count(*)"}, Input: -1}}, rowAggNames(1), "")
	if _, err := rowTestRun(context.Background(), h, 0); !errors.Is(err, errRowTestFail) {
		t.Errorf("failing input: error %v", err)
	}

	endless := newRowTestRowNode(schema, [][]rows.Row{rs})
	endless.endless = true
	h, _ = NewRowHashAggregate(endless, AggComplete, []int{0}, []RowAggFunc{{Func: rowagg.Spec{Name: "count(*)"}, Input: -1}}, rowAggNames(2), "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rowTestRun(ctx, h, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: error %v", err)
	}
	if n := endless.pulled.Load(); n > 2*rowCheckEvery {
		t.Errorf("pulled %d rows after cancellation", n)
	}
}
