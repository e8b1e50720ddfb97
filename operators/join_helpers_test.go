package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/join"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// ---- sources ----

// jtNode is a columnar test source of given batches per partition. It can
// fail at a batch, and counts open streams.
type jtNode struct {
	base
	parts  [][]arrow.RecordBatch
	failAt int // > 0: the failAt-th batch of a stream fails
	open   atomic.Int64
}

var errJTInjected = errors.New("injected source failure")

func newJTNode(schema *arrow.Schema, parts [][]arrow.RecordBatch) *jtNode {
	n := &jtNode{parts: parts}
	n.schema = schema
	return n
}

func (n *jtNode) Name() string       { return "JoinTestSource" }
func (n *jtNode) Detail() string     { return "" }
func (n *jtNode) NumPartitions() int { return len(n.parts) }

func (n *jtNode) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("join test source", p, len(n.parts)); err != nil {
		return nil, err
	}
	n.open.Add(1)
	return &jtStream{n: n, ctx: ctx, batches: n.parts[p]}, nil
}

func (n *jtNode) release() {
	for _, p := range n.parts {
		releaseBatchList(p)
	}
	n.parts = nil
}

type jtStream struct {
	n       *jtNode
	ctx     context.Context
	batches []arrow.RecordBatch
	pos     int
	closed  bool
}

func (s *jtStream) Next() (arrow.RecordBatch, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	if s.pos >= len(s.batches) {
		return nil, io.EOF
	}
	if s.n.failAt > 0 && s.pos+1 == s.n.failAt {
		return nil, errJTInjected
	}
	b := s.batches[s.pos]
	s.pos++
	b.Retain()
	return b, nil
}

func (s *jtStream) Close() {
	if !s.closed {
		s.closed = true
		s.n.open.Add(-1)
	}
}

// ---- data ----

var jtDec = &arrow.Decimal128Type{Precision: 12, Scale: 2}

// The test schemas: five key candidates of every kind, then a value and a
// payload column.
func jtSchema(side string) *arrow.Schema {
	p := side[:1]
	payload := arrow.Field{Name: p + "s", Type: arrow.BinaryTypes.String, Nullable: true}
	if side == "right" {
		payload = arrow.Field{Name: p + "t", Type: arrow.FixedWidthTypes.Date32, Nullable: true}
	}
	return arrow.NewSchema([]arrow.Field{
		{Name: p + "k64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: p + "kstr", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: p + "kdec", Type: jtDec, Nullable: true},
		{Name: p + "k32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: p + "kf64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: p + "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		payload,
	}, nil)
}

// jtValueCol is the column the residual condition reads on both sides.
const jtValueCol = 5

// jtBatch returns a batch of n random rows of schema with keys drawn from
// card values (NULL with probability nullFrac).
func jtBatch(mem memory.Allocator, rng *rand.Rand, schema *arrow.Schema, n, card int, nullFrac float64) arrow.RecordBatch {
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for i := 0; i < n; i++ {
		// The key columns of a row mostly derive from one value, so that
		// multi-column keys match too.
		rowV := rng.IntN(card)
		for c, f := range schema.Fields() {
			fb := bld.Field(c)
			if rng.Float64() < nullFrac {
				fb.AppendNull()
				continue
			}
			v := rowV
			if rng.IntN(8) == 0 {
				v = rng.IntN(card)
			}
			switch b := fb.(type) {
			case *array.Int64Builder:
				if c == jtValueCol {
					b.Append(int64(rng.IntN(20)))
				} else {
					b.Append(int64(v) * 1_000_003)
				}
			case *array.StringBuilder:
				if f.Name == "ls" {
					b.Append(fmt.Sprintf("payload-%d", rng.IntN(1000)))
				} else {
					b.Append(strings.Repeat("k", v%3) + fmt.Sprint(v))
				}
			case *array.Decimal128Builder:
				b.Append(decimal128.FromI64(int64(v) * 125))
			case *array.Int32Builder:
				b.Append(int32(v) - 3)
			case *array.Float64Builder:
				switch v {
				case 0:
					if rng.IntN(2) == 0 {
						b.Append(math.Copysign(0, -1))
					} else {
						b.Append(0)
					}
				case 1:
					b.Append(math.NaN())
				default:
					b.Append(float64(v) / 2)
				}
			case *array.Date32Builder:
				b.Append(arrow.Date32(rng.IntN(10000)))
			default:
				panic(fmt.Sprintf("jtBatch: %T", fb))
			}
		}
	}
	return bld.NewRecordBatch()
}

// jtSide is one side of a test join: its rows, split into partitions.
type jtSide struct {
	schema *arrow.Schema
	all    []arrow.RecordBatch
	parts  [][]arrow.RecordBatch
}

// jtMakeSide generates nb batches of up to maxRows rows, dealt to nparts
// partitions by the hash of keys (so that both sides of a shuffled join
// are partitioned alike); keys nil deals them round-robin.
func jtMakeSide(t testing.TB, mem memory.Allocator, rng *rand.Rand, schema *arrow.Schema, nb, maxRows, card int, nullFrac float64, nparts int, keys []int) *jtSide {
	s := &jtSide{schema: schema, parts: make([][]arrow.RecordBatch, nparts)}
	for i := 0; i < nb; i++ {
		b := jtBatch(mem, rng, schema, rng.IntN(maxRows+1), card, nullFrac)
		s.all = append(s.all, b)
		if keys == nil {
			b.Retain()
			s.parts[i%nparts] = append(s.parts[i%nparts], b)
			continue
		}
		n := int(b.NumRows())
		hashes, nulls := make([]uint64, n), make([]bool, n)
		cols := make([]arrow.Array, len(keys))
		for k, c := range keys {
			cols[k] = b.Column(c)
		}
		if _, err := join.HashKeys(cols, 7, hashes, nulls); err != nil {
			t.Fatal(err)
		}
		idx := make([][]int32, nparts)
		for r, h := range hashes {
			p := int(h % uint64(nparts))
			idx[p] = append(idx[p], int32(r))
		}
		for p := range idx {
			// Every other batch is a slice (a non-zero offset) of a larger
			// one.
			sel := idx[p]
			sliced := len(sel) > 0 && rng.IntN(2) == 0
			if sliced {
				sel = append([]int32{sel[len(sel)-1]}, sel...)
			}
			pb, err := join.GatherBatch(mem, schema, b, sel)
			if err != nil {
				t.Fatal(err)
			}
			if sliced {
				sb := pb.NewSlice(1, int64(len(sel)))
				pb.Release()
				pb = sb
			}
			s.parts[p] = append(s.parts[p], pb)
		}
	}
	return s
}

func (s *jtSide) release() {
	releaseBatchList(s.all)
	for _, p := range s.parts {
		releaseBatchList(p)
	}
}

// node returns a fresh source over the side's partitions (it retains the
// batches; release it).
func (s *jtSide) node() *jtNode {
	parts := make([][]arrow.RecordBatch, len(s.parts))
	for p, bs := range s.parts {
		for _, b := range bs {
			b.Retain()
			parts[p] = append(parts[p], b)
		}
	}
	return newJTNode(s.schema, parts)
}

// values returns every row of the side as Go values.
func (s *jtSide) values() [][]any {
	var out [][]any
	for _, b := range s.all {
		for r := 0; r < int(b.NumRows()); r++ {
			out = append(out, jtBatchRow(b, r))
		}
	}
	return out
}

// jtArrowValue returns element i of c as a Go value (nil for NULL).
func jtArrowValue(c arrow.Array, i int) any {
	if c.IsNull(i) {
		return nil
	}
	switch a := c.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i)
	}
	panic(fmt.Sprintf("jtArrowValue: %T", c))
}

func jtBatchRow(b arrow.RecordBatch, r int) []any {
	vals := make([]any, b.NumCols())
	for c := range vals {
		vals[c] = jtArrowValue(b.Column(c), r)
	}
	return vals
}

// jtRowValues returns the fields of row r of layout l as Go values.
func jtRowValues(l *rows.Layout, r rows.Row) []any {
	vals := make([]any, l.NumFields())
	for i, f := range l.Schema().Fields() {
		if l.IsNull(r, i) {
			continue
		}
		switch f.Type.ID() {
		case arrow.INT64:
			vals[i] = l.Int64(r, i)
		case arrow.INT32:
			vals[i] = l.Int32(r, i)
		case arrow.DATE32:
			vals[i] = arrow.Date32(l.Int32(r, i))
		case arrow.FLOAT64:
			vals[i] = l.Float64(r, i)
		case arrow.STRING:
			vals[i] = string(l.Bytes(r, i))
		case arrow.DECIMAL128:
			vals[i] = l.Decimal(r, i)
		default:
			panic(fmt.Sprintf("jtRowValues: %s", f.Type))
		}
	}
	return vals
}

// jtRender renders a row for comparison.
func jtRender(vals []any) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('|')
		}
		switch x := v.(type) {
		case nil:
			b.WriteString("NULL")
		case float64:
			fmt.Fprintf(&b, "%x", math.Float64bits(x))
		case decimal128.Num:
			fmt.Fprintf(&b, "d%s", x.BigInt())
		default:
			fmt.Fprintf(&b, "%v", x)
		}
	}
	return b.String()
}

// ---- the reference ----

// jtKeyEqual reports whether two key values are equal as join keys.
func jtKeyEqual(a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	if x, ok := a.(float64); ok {
		y := b.(float64)
		return x == y || (x != x && y != y)
	}
	return a == b
}

// jtCond is the residual condition of the tests: left.v < right.v.
func jtCond(l, r []any) bool {
	a, b := l[jtValueCol], r[jtValueCol]
	return a != nil && b != nil && a.(int64) < b.(int64)
}

// jtReference joins with nested loops. keys nil: no equi-join keys.
func jtReference(typ JoinType, left, right [][]any, lk, rk []int, cond bool, nLeft, nRight int) []string {
	matches := func(l, r []any) bool {
		for i := range lk {
			if !jtKeyEqual(l[lk[i]], r[rk[i]]) {
				return false
			}
		}
		return !cond || jtCond(l, r)
	}
	nulls := func(n int) []any { return make([]any, n) }
	var out []string
	rightMatched := make([]bool, len(right))
	rightHasNull := false
	for _, r := range right {
		for _, k := range rk {
			if r[k] == nil {
				rightHasNull = true
			}
		}
	}
	for _, l := range left {
		matched := false
		for j, r := range right {
			if !matches(l, r) {
				continue
			}
			matched = true
			rightMatched[j] = true
			if typ.OutputsRight() {
				out = append(out, jtRender(append(slices.Clone(l), r...)))
			}
		}
		switch typ {
		case LeftOuterJoin, FullOuterJoin:
			if !matched {
				out = append(out, jtRender(append(slices.Clone(l), nulls(nRight)...)))
			}
		case LeftSemiJoin:
			if matched {
				out = append(out, jtRender(l))
			}
		case LeftAntiJoin:
			if !matched {
				out = append(out, jtRender(l))
			}
		case NullAwareAntiJoin:
			switch {
			case len(right) == 0:
				out = append(out, jtRender(l))
			case rightHasNull, l[lk[0]] == nil:
			case !matched:
				out = append(out, jtRender(l))
			}
		}
	}
	if typ == RightOuterJoin || typ == FullOuterJoin {
		for j, r := range right {
			if !rightMatched[j] {
				out = append(out, jtRender(append(nulls(nLeft), r...)))
			}
		}
	}
	slices.Sort(out)
	return out
}

// jtConds returns the columnar and row forms of the residual condition.
func jtConds(t testing.TB, nLeft int) (expr.Expr, rowexpr.Expr) {
	c, err := expr.Compare(expr.Lt, expr.Column(jtValueCol, "lv#5", arrow.PrimitiveTypes.Int64),
		expr.Column(nLeft+jtValueCol, "rv#12", arrow.PrimitiveTypes.Int64))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rowexpr.Compare(expr.Lt, rowexpr.Column(jtValueCol, "lv#5", arrow.PrimitiveTypes.Int64),
		rowexpr.Column(nLeft+jtValueCol, "rv#12", arrow.PrimitiveTypes.Int64))
	if err != nil {
		t.Fatal(err)
	}
	return c, rc
}

// ---- running ----

// jtDrain runs every partition of a join node (columnar or rows) and
// returns its rows rendered and sorted. Columnar batches must not exceed
// the task's batch size.
func jtDrain(t testing.TB, ctx context.Context, n Node, task *TaskContext) ([]string, error) {
	t.Helper()
	var out []string
	for p := 0; p < n.NumPartitions(); p++ {
		got, err := jtDrainPartition(ctx, n, p, task)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	slices.Sort(out)
	return out, nil
}

// jtDrainPartition runs one partition.
func jtDrainPartition(ctx context.Context, n Node, p int, task *TaskContext) ([]string, error) {
	var out []string
	if IsColumnar(n) {
		s, err := executeColumnar(n, ctx, p, task)
		if err != nil {
			return nil, err
		}
		err = Drain(ctx, s, func(b arrow.RecordBatch) error {
			if task.BatchSize > 0 && int(b.NumRows()) > task.BatchSize {
				return fmt.Errorf("an output batch of %d rows, more than the batch size %d", b.NumRows(), task.BatchSize)
			}
			if !b.Schema().Equal(n.Schema()) {
				return fmt.Errorf("an output batch of schema %s, the node's is %s", b.Schema(), n.Schema())
			}
			for r := 0; r < int(b.NumRows()); r++ {
				out = append(out, jtRender(jtBatchRow(b, r)))
			}
			return nil
		})
		return out, err
	}
	l, err := rows.NewLayout(n.Schema())
	if err != nil {
		return nil, err
	}
	s, err := executeRows(n, ctx, p, task)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for {
		r, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, jtRender(jtRowValues(l, r)))
	}
}

// jtMaterialize runs the map side of a broadcast exchange.
func jtMaterialize(t testing.TB, ctx context.Context, bx *BroadcastExchange, mem memory.Allocator) {
	t.Helper()
	for m := 0; m < bx.NumMapPartitions(); m++ {
		task := &TaskContext{Alloc: mem, BatchSize: 64, TempDir: t.TempDir()}
		if err := bx.RunMapTask(ctx, m, task); err != nil {
			t.Fatal(err)
		}
	}
	bx.FinishMap()
}

// jtCompare fails the test when got and want differ.
func jtCompare(t testing.TB, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	g, w := "<end>", "<end>"
	if i < len(got) {
		g = got[i]
	}
	if i < len(want) {
		w = want[i]
	}
	t.Fatalf("%s: %d rows, want %d; first difference at sorted row %d: got %s, want %s", what, len(got), len(want), i, g, w)
}
