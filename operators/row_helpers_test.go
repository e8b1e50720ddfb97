package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// ---- in-memory sources ----

// rowTestBatchNode is a columnar source producing given batches per
// partition (it Retains them; release frees them).
type rowTestBatchNode struct {
	base
	parts [][]arrow.RecordBatch
}

func newRowTestBatchNode(schema *arrow.Schema, parts [][]arrow.RecordBatch) *rowTestBatchNode {
	n := &rowTestBatchNode{parts: parts}
	n.schema = schema
	for _, p := range parts {
		for _, b := range p {
			b.Retain()
		}
	}
	return n
}

func (n *rowTestBatchNode) release() {
	for _, p := range n.parts {
		for _, b := range p {
			b.Release()
		}
	}
	n.parts = nil
}

func (n *rowTestBatchNode) Name() string       { return "TestBatches" }
func (n *rowTestBatchNode) Detail() string     { return "" }
func (n *rowTestBatchNode) NumPartitions() int { return len(n.parts) }

func (n *rowTestBatchNode) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("test batches", p, len(n.parts)); err != nil {
		return nil, err
	}
	return &rowTestBatchStream{batches: n.parts[p]}, nil
}

type rowTestBatchStream struct {
	batches []arrow.RecordBatch
	pos     int
}

func (s *rowTestBatchStream) Next() (arrow.RecordBatch, error) {
	if s.pos >= len(s.batches) {
		return nil, io.EOF
	}
	b := s.batches[s.pos]
	s.pos++
	b.Retain()
	return b, nil
}

func (s *rowTestBatchStream) Close() { s.pos = len(s.batches) }

// rowTestRowNode is a row source producing given rows per partition. It
// counts the rows pulled and the streams closed, and can fail after a number
// of rows.
type rowTestRowNode struct {
	base
	parts   [][]rows.Row
	pulled  atomic.Int64
	closed  atomic.Int64
	opened  atomic.Int64
	failAt  int64 // > 0: Next fails at this row
	endless bool  // repeat the rows forever
	noCopy  bool  // return the stored rows themselves (benchmarks)
}

func newRowTestRowNode(schema *arrow.Schema, parts [][]rows.Row) *rowTestRowNode {
	n := &rowTestRowNode{parts: parts}
	n.schema = schema
	return n
}

func (n *rowTestRowNode) Name() string       { return "TestRows" }
func (n *rowTestRowNode) Detail() string     { return "" }
func (n *rowTestRowNode) NumPartitions() int { return len(n.parts) }

func (n *rowTestRowNode) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	if err := checkPartition("test rows", p, len(n.parts)); err != nil {
		return nil, err
	}
	n.opened.Add(1)
	return &rowTestRowStream{n: n, rows: n.parts[p]}, nil
}

type rowTestRowStream struct {
	n      *rowTestRowNode
	rows   []rows.Row
	pos    int
	count  int64
	closed bool
	cur    rows.Row // a private copy, overwritten on every Next, as real streams do
}

var errRowTestFail = errors.New("test source failure")

func (s *rowTestRowStream) Next() (rows.Row, error) {
	if s.closed {
		return nil, errors.New("test rows: Next after Close")
	}
	if s.n.endless && len(s.rows) > 0 && s.pos >= len(s.rows) {
		s.pos = 0
	}
	if s.pos >= len(s.rows) {
		return nil, io.EOF
	}
	s.count++
	if s.n.failAt > 0 && s.count >= s.n.failAt {
		return nil, errRowTestFail
	}
	if s.n.noCopy {
		r := s.rows[s.pos]
		s.pos++
		return r, nil
	}
	s.n.pulled.Add(1)
	s.cur = append(s.cur[:0], s.rows[s.pos]...)
	s.pos++
	return s.cur, nil
}

func (s *rowTestRowStream) Close() {
	if !s.closed {
		s.closed = true
		s.n.closed.Add(1)
	}
}

// ---- conversions (row at a time, independent of package rows') ----

func rowTestLayout(t testing.TB, schema *arrow.Schema) *rows.Layout {
	t.Helper()
	l, err := rows.NewLayout(schema)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// batchRows converts batches to rows with a rows.Writer.
func batchRows(t testing.TB, l *rows.Layout, batches []arrow.RecordBatch) []rows.Row {
	t.Helper()
	w := rows.NewWriter(l)
	var out []rows.Row
	for _, b := range batches {
		for r := 0; r < int(b.NumRows()); r++ {
			w.Reset()
			for i, c := range b.Columns() {
				rowTestWriteArrow(w, i, c, r)
			}
			out = append(out, append(rows.Row(nil), w.Row()...))
		}
	}
	return out
}

func rowTestWriteArrow(w *rows.Writer, i int, c arrow.Array, r int) {
	if c.DataType().ID() == arrow.NULL || c.IsNull(r) {
		w.SetNull(i)
		return
	}
	switch a := c.(type) {
	case *array.Boolean:
		w.SetBool(i, a.Value(r))
	case *array.Int32:
		w.SetInt64(i, int64(a.Value(r)))
	case *array.Int64:
		w.SetInt64(i, a.Value(r))
	case *array.Float64:
		w.SetFloat64(i, a.Value(r))
	case *array.Decimal128:
		w.SetDecimal(i, a.Value(r))
	case *array.String:
		w.SetString(i, a.Value(r))
	case *array.Binary:
		w.SetBytes(i, a.Value(r))
	case *array.Date32:
		w.SetInt64(i, int64(a.Value(r)))
	case *array.Timestamp:
		w.SetInt64(i, int64(a.Value(r)))
	default:
		panic(fmt.Sprintf("rowTestWriteArrow: %T", c))
	}
}

// rowsBatch converts rows of l to a batch of schema with builders.
func rowsBatch(t testing.TB, alloc memory.Allocator, schema *arrow.Schema, l *rows.Layout, rs []rows.Row) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(alloc, schema)
	defer b.Release()
	for _, r := range rs {
		for i, f := range schema.Fields() {
			v := rowTestValue(l, f.Type, r, i)
			fb := b.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch bb := fb.(type) {
			case *array.BooleanBuilder:
				bb.Append(v.(bool))
			case *array.Int32Builder:
				bb.Append(int32(v.(int64)))
			case *array.Int64Builder:
				bb.Append(v.(int64))
			case *array.Float64Builder:
				bb.Append(v.(float64))
			case *array.Decimal128Builder:
				bb.Append(v.(decimal128.Num))
			case *array.StringBuilder:
				bb.Append(v.(string))
			case *array.BinaryBuilder:
				bb.Append([]byte(v.(string)))
			case *array.Date32Builder:
				bb.Append(arrow.Date32(v.(int64)))
			case *array.TimestampBuilder:
				bb.Append(arrow.Timestamp(v.(int64)))
			default:
				t.Fatalf("rowsBatch: %T", fb)
			}
		}
	}
	return b.NewRecordBatch()
}

// ---- values ----

// rowTestArrowValue returns element r of c as a comparable Go value: nil,
// bool, int64 (INT, BIGINT, DATE, TIMESTAMP), float64, decimal128.Num or
// string (STRING, BINARY).
func rowTestArrowValue(c arrow.Array, r int) any {
	if c.DataType().ID() == arrow.NULL || c.IsNull(r) {
		return nil
	}
	switch a := c.(type) {
	case *array.Boolean:
		return a.Value(r)
	case *array.Int32:
		return int64(a.Value(r))
	case *array.Int64:
		return a.Value(r)
	case *array.Float64:
		return a.Value(r)
	case *array.Decimal128:
		return a.Value(r)
	case *array.String:
		return a.Value(r)
	case *array.Binary:
		return string(a.Value(r))
	case *array.Date32:
		return int64(a.Value(r))
	case *array.Timestamp:
		return int64(a.Value(r))
	}
	panic(fmt.Sprintf("rowTestArrowValue: %T", c))
}

// rowTestValue returns field i of r as rowTestArrowValue would; ARRAY
// fields as []any.
func rowTestValue(l *rows.Layout, t arrow.DataType, r rows.Row, i int) any {
	if l.Kind(i) == rows.KindNull || l.IsNull(r, i) {
		return nil
	}
	switch t.ID() {
	case arrow.BOOL:
		return l.Bool(r, i)
	case arrow.INT32, arrow.INT64, arrow.DATE32, arrow.TIMESTAMP:
		return l.Int64(r, i)
	case arrow.FLOAT64:
		return l.Float64(r, i)
	case arrow.DECIMAL128:
		return l.Decimal(r, i)
	case arrow.STRING, arrow.BINARY:
		return string(l.Bytes(r, i))
	case arrow.LIST:
		lr, err := rows.NewListReader(l.ElemKind(i), l.Bytes(r, i))
		if err != nil {
			return fmt.Sprintf("<bad list: %v>", err)
		}
		elem := t.(*arrow.ListType).Elem()
		out := make([]any, lr.Len())
		for j := range out {
			if lr.IsNull(j) {
				continue
			}
			switch elem.ID() {
			case arrow.STRING, arrow.BINARY:
				out[j] = string(lr.Bytes(j))
			case arrow.FLOAT64:
				out[j] = math.Float64frombits(lr.Slot(j))
			case arrow.DECIMAL128:
				out[j] = lr.Decimal(j)
			case arrow.BOOL:
				out[j] = lr.Slot(j) != 0
			default:
				out[j] = int64(lr.Slot(j))
			}
		}
		return out
	}
	panic(fmt.Sprintf("rowTestValue: %s", t))
}

// rowTestSame compares two values. Doubles are equal within a relative
// tolerance tol (0: bit-identical but for NaN payloads and the sign of
// zero).
func rowTestSame(a, b any, tol float64) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		if x == y {
			return true
		}
		return tol > 0 && math.Abs(x-y) <= tol*math.Max(math.Abs(x), math.Abs(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !rowTestSame(x[i], y[i], tol) {
				return false
			}
		}
		return true
	}
	return a == b
}

func rowTestFmt(v any) string {
	if d, ok := v.(decimal128.Num); ok {
		return d.BigInt().String() + "(unscaled)"
	}
	return fmt.Sprintf("%#v", v)
}

// rowTestTask returns a task context over alloc.
func rowTestTask(alloc memory.Allocator) *TaskContext {
	return &TaskContext{Alloc: alloc, BatchSize: 1000}
}

// drainRowNode runs every partition of n and returns their rows' values.
func drainRowNode(t testing.TB, n Node, task *TaskContext) [][]any {
	t.Helper()
	rn, ok := n.(RowNode)
	if !ok {
		t.Fatalf("%s is not a row node", n.Name())
	}
	l := rowTestLayout(t, n.Schema())
	var out [][]any
	for p := 0; p < n.NumPartitions(); p++ {
		s, err := rn.ExecuteRows(context.Background(), p, task)
		if err != nil {
			t.Fatal(err)
		}
		for {
			r, err := s.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				s.Close()
				t.Fatal(err)
			}
			vals := make([]any, l.NumFields())
			for i, f := range n.Schema().Fields() {
				vals[i] = rowTestValue(l, f.Type, r, i)
			}
			out = append(out, vals)
		}
		s.Close()
	}
	return out
}

// drainColumnarNode runs every partition of n and returns their rows'
// values.
func drainColumnarNode(t testing.TB, n Node, task *TaskContext) [][]any {
	t.Helper()
	var out [][]any
	for p := 0; p < n.NumPartitions(); p++ {
		s, err := executeColumnar(n, context.Background(), p, task)
		if err != nil {
			t.Fatal(err)
		}
		err = Drain(context.Background(), s, func(b arrow.RecordBatch) error {
			for r := 0; r < int(b.NumRows()); r++ {
				vals := make([]any, b.NumCols())
				for i, c := range b.Columns() {
					vals[i] = rowTestArrowValue(c, r)
				}
				out = append(out, vals)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// compareTables compares two results row by row, in order.
func compareTables(t testing.TB, got, want [][]any, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("row %d: %d fields, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if !rowTestSame(got[i][j], want[i][j], tol) {
				t.Fatalf("row %d field %d: %s, want %s (row %v, want %v)", i, j,
					rowTestFmt(got[i][j]), rowTestFmt(want[i][j]), got[i], want[i])
			}
		}
	}
}

// sortTable sorts rows by their rendering (for results in no defined
// order).
func sortTable(tab [][]any) {
	slices.SortFunc(tab, func(a, b []any) int {
		sa, sb := fmt.Sprint(a...), fmt.Sprint(b...)
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	})
}

// ---- data ----

// lineitemSchema is a TPC-H lineitem-like schema with extra types.
var lineitemSchema = arrow.NewSchema([]arrow.Field{
	{Name: "l_orderkey", Type: columnar.Int64, Nullable: true},
	{Name: "l_linenumber", Type: columnar.Int32, Nullable: true},
	{Name: "l_quantity", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_extendedprice", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_discount", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_tax", Type: columnar.Decimal(15, 2), Nullable: true},
	{Name: "l_returnflag", Type: columnar.String, Nullable: true},
	{Name: "l_linestatus", Type: columnar.String, Nullable: true},
	{Name: "l_shipdate", Type: columnar.Date, Nullable: true},
	{Name: "l_comment", Type: columnar.String, Nullable: true},
	{Name: "d", Type: columnar.Float64, Nullable: true},
	{Name: "big", Type: columnar.Decimal(38, 6), Nullable: true},
	{Name: "flag", Type: columnar.Boolean, Nullable: true},
	{Name: "ts", Type: columnar.Timestamp, Nullable: true},
	{Name: "bin", Type: columnar.Binary, Nullable: true},
	{Name: "e", Type: columnar.Float64, Nullable: true},
}, nil)

// Column indexes of lineitemSchema.
const (
	liOrderkey = iota
	liLinenumber
	liQuantity
	liPrice
	liDiscount
	liTax
	liReturnflag
	liLinestatus
	liShipdate
	liComment
	liDouble
	liBig
	liFlag
	liTs
	liBin
	liPlain // a DOUBLE without NaN or infinities
)

// lineitemBatches returns nb random batches of n rows each, a fraction
// nullFrac of every column NULL (the flags too).
func lineitemBatches(alloc memory.Allocator, seed uint64, nb, n int, nullFrac float64) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(seed, 7))
	words := []string{"quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "日本語", ""}
	out := make([]arrow.RecordBatch, nb)
	for bi := range out {
		b := array.NewRecordBuilder(alloc, lineitemSchema)
		for r := 0; r < n; r++ {
			for i := range lineitemSchema.Fields() {
				fb := b.Field(i)
				if rng.Float64() < nullFrac {
					fb.AppendNull()
					continue
				}
				switch i {
				case liOrderkey:
					fb.(*array.Int64Builder).Append(rng.Int64N(50000))
				case liLinenumber:
					fb.(*array.Int32Builder).Append(int32(rng.IntN(7) + 1))
				case liQuantity:
					fb.(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(50)+1) * 100))
				case liPrice:
					fb.(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(10_000_000) + 90000))
				case liDiscount:
					fb.(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(11))))
				case liTax:
					fb.(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(9))))
				case liReturnflag:
					fb.(*array.StringBuilder).Append([]string{"A", "N", "R"}[rng.IntN(3)])
				case liLinestatus:
					fb.(*array.StringBuilder).Append([]string{"O", "F"}[rng.IntN(2)])
				case liShipdate:
					fb.(*array.Date32Builder).Append(arrow.Date32(8000 + rng.IntN(2500)))
				case liComment:
					k := rng.IntN(4)
					s := ""
					for j := 0; j < k; j++ {
						s += words[rng.IntN(len(words))] + " "
					}
					fb.(*array.StringBuilder).Append(s)
				case liDouble:
					var f float64
					switch rng.IntN(25) {
					case 0:
						f = math.NaN()
					case 1:
						f = math.Copysign(0, -1)
					case 2:
						f = 0
					case 3:
						f = math.Inf(-1)
					default:
						f = float64(rng.IntN(40)) / 4 // few distinct values: they group
					}
					fb.(*array.Float64Builder).Append(f)
				case liBig:
					v := decimal128.FromI64(rng.Int64N(1000))
					if rng.IntN(8) == 0 {
						v = decimal128.GetMaxValue(38).Sub(v) // sums overflow
					}
					fb.(*array.Decimal128Builder).Append(v)
				case liFlag:
					fb.(*array.BooleanBuilder).Append(rng.IntN(2) == 0)
				case liTs:
					fb.(*array.TimestampBuilder).Append(arrow.Timestamp(rng.Int64N(1<<20) * 1_000_000))
				case liBin:
					fb.(*array.BinaryBuilder).Append([]byte(words[rng.IntN(len(words))]))
				case liPlain:
					fb.(*array.Float64Builder).Append(rng.NormFloat64() * 1000)
				}
			}
		}
		out[bi] = b.NewRecordBatch()
		b.Release()
	}
	return out
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// rowTestSources returns a columnar and a row source over the same
// batches, split into parts partitions.
func rowTestSources(t testing.TB, batches []arrow.RecordBatch, parts int) (*rowTestBatchNode, *rowTestRowNode) {
	t.Helper()
	l := rowTestLayout(t, lineitemSchema)
	bparts := make([][]arrow.RecordBatch, parts)
	rparts := make([][]rows.Row, parts)
	for i, b := range batches {
		p := i % parts
		bparts[p] = append(bparts[p], b)
		rparts[p] = append(rparts[p], batchRows(t, l, []arrow.RecordBatch{b})...)
	}
	return newRowTestBatchNode(lineitemSchema, bparts), newRowTestRowNode(lineitemSchema, rparts)
}
