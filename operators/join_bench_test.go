package operators

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// The join benchmarks' tables: orders (1.5M rows) and lineitem (6M rows,
// about 4 per order, in order-key order as TPC-H generates it), with int64
// keys.
const (
	jbOrders   = 1_500_000
	jbLineitem = 6_000_000
	jbBatch    = 8192
)

var (
	jbOrdersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "o_orderkey", Type: columnar.Int64, Nullable: true},
		{Name: "o_custkey", Type: columnar.Int64, Nullable: true},
		{Name: "o_orderdate", Type: columnar.Date, Nullable: true},
		{Name: "o_totalprice", Type: columnar.Decimal(15, 2), Nullable: true},
	}, nil)
	jbLineitemSchema = arrow.NewSchema([]arrow.Field{
		{Name: "l_orderkey", Type: columnar.Int64, Nullable: true},
		{Name: "l_partkey", Type: columnar.Int64, Nullable: true},
		{Name: "l_quantity", Type: columnar.Decimal(15, 2), Nullable: true},
		{Name: "l_extendedprice", Type: columnar.Decimal(15, 2), Nullable: true},
	}, nil)
)

// jbData generates the two tables as batches of jbBatch rows: order keys
// 1, 2, ... in a shuffled order, lineitem's order keys ascending with 1 to
// 7 lines per order (4 on average).
func jbData() (orders, lineitem []arrow.RecordBatch) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := rng.Perm(jbOrders)
	mem := memory.DefaultAllocator
	for start := 0; start < jbOrders; start += jbBatch {
		bb := array.NewRecordBuilder(mem, jbOrdersSchema)
		for i := start; i < min(jbOrders, start+jbBatch); i++ {
			bb.Field(0).(*array.Int64Builder).Append(int64(keys[i]) + 1)
			bb.Field(1).(*array.Int64Builder).Append(rng.Int64N(150_000))
			bb.Field(2).(*array.Date32Builder).Append(arrow.Date32(8000 + rng.IntN(2400)))
			bb.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(50_000_000)))
		}
		orders = append(orders, bb.NewRecordBatch())
		bb.Release()
	}
	bb := array.NewRecordBuilder(mem, jbLineitemSchema)
	n := 0
	for o := 1; n < jbLineitem; o = o%jbOrders + 1 {
		lines := 1 + rng.IntN(7)
		for l := 0; l < lines && n < jbLineitem; l++ {
			bb.Field(0).(*array.Int64Builder).Append(int64(o))
			bb.Field(1).(*array.Int64Builder).Append(rng.Int64N(200_000))
			bb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(1+rng.IntN(50)) * 100))
			bb.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(10_000_000)))
			n++
			if n%jbBatch == 0 {
				lineitem = append(lineitem, bb.NewRecordBatch())
			}
		}
	}
	if n%jbBatch != 0 {
		lineitem = append(lineitem, bb.NewRecordBatch())
	}
	bb.Release()
	return orders, lineitem
}

// BenchmarkHashJoinOrdersLineitem: lineitem JOIN orders ON l_orderkey =
// o_orderkey, building the hash table of orders (1.5M rows) and probing it
// with lineitem (6M rows), every output column gathered; one task. rows/s
// counts the input rows of both sides.
func BenchmarkHashJoinOrdersLineitem(b *testing.B) {
	orders, lineitem := jbData()
	defer releaseBatchList(orders)
	defer releaseBatchList(lineitem)
	b.Run("columnar", func(b *testing.B) {
		ln := newJTNode(jbLineitemSchema, [][]arrow.RecordBatch{lineitem})
		on := newJTNode(jbOrdersSchema, [][]arrow.RecordBatch{orders})
		j, err := NewShuffledHashJoin(ln, on, InnerJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			out := jbRunColumnar(b, j)
			if out != jbLineitem {
				b.Fatalf("%d rows, want %d", out, jbLineitem)
			}
		}
		b.ReportMetric(float64(jbOrders+jbLineitem)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("rows", func(b *testing.B) {
		lr := jbRows(b, jbLineitemSchema, lineitem)
		or := jbRows(b, jbOrdersSchema, orders)
		j, err := NewRowShuffledHashJoin(lr, or, InnerJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s, err := j.ExecuteRows(context.Background(), 0, &TaskContext{Alloc: memory.DefaultAllocator, BatchSize: jbBatch})
			if err != nil {
				b.Fatal(err)
			}
			out := 0
			for {
				_, err := s.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				out++
			}
			s.Close()
			if out != jbLineitem {
				b.Fatalf("%d rows, want %d", out, jbLineitem)
			}
		}
		b.ReportMetric(float64(jbOrders+jbLineitem)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkBroadcastHashJoinSemi: lineitem LEFT SEMI JOIN a broadcast of
// the orders with odd keys (750K rows), the relation built once outside the
// timing; rows/s counts probe rows.
func BenchmarkBroadcastHashJoinSemi(b *testing.B) {
	orders, lineitem := jbData()
	defer releaseBatchList(orders)
	defer releaseBatchList(lineitem)
	var odd []arrow.RecordBatch
	for _, o := range orders {
		var idx []int32
		for r, k := range o.Column(0).(*array.Int64).Int64Values() {
			if k%2 == 1 {
				idx = append(idx, int32(r))
			}
		}
		ob, err := jtGather(o, idx)
		if err != nil {
			b.Fatal(err)
		}
		odd = append(odd, ob)
	}
	defer releaseBatchList(odd)
	ln := newJTNode(jbLineitemSchema, [][]arrow.RecordBatch{lineitem})
	on := newJTNode(jbOrdersSchema, [][]arrow.RecordBatch{odd})
	bx, err := NewBroadcastExchange(on, BroadcastMode{Keys: []int{0}}, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer bx.Release()
	j, err := NewBroadcastHashJoin(ln, bx, LeftSemiJoin, []int{0}, []int{0}, nil, BuildRight, nil, nil, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := bx.RunMapTask(context.Background(), 0, &TaskContext{Alloc: memory.DefaultAllocator}); err != nil {
		b.Fatal(err)
	}
	bx.FinishMap()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		jbRunColumnar(b, j)
	}
	b.ReportMetric(float64(jbLineitem)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func jtGather(b arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	for c := range cols {
		bld := array.NewBuilder(memory.DefaultAllocator, b.Column(c).DataType())
		for _, i := range idx {
			if err := bld.AppendValueFromString(b.Column(c).ValueStr(int(i))); err != nil {
				return nil, err
			}
		}
		cols[c] = bld.NewArray()
		bld.Release()
	}
	out := array.NewRecordBatch(b.Schema(), cols, int64(len(idx)))
	releaseArrays(cols)
	return out, nil
}

// jbRunColumnar drains partition 0 of a columnar join and returns its rows.
func jbRunColumnar(b *testing.B, j ColumnarNode) int {
	s, err := j.Execute(context.Background(), 0, &TaskContext{Alloc: memory.DefaultAllocator, BatchSize: jbBatch})
	if err != nil {
		b.Fatal(err)
	}
	out := 0
	if err := Drain(context.Background(), s, func(rb arrow.RecordBatch) error {
		out += int(rb.NumRows())
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return out
}

// jbRowNode is a row source handing out pre-converted rows without copying
// them.
type jbRowNode struct {
	base
	buf *rows.Buffer
}

func jbRows(b *testing.B, schema *arrow.Schema, batches []arrow.RecordBatch) *jbRowNode {
	l, err := rows.NewLayout(schema)
	if err != nil {
		b.Fatal(err)
	}
	buf := rows.NewBuffer()
	for _, rb := range batches {
		if err := rows.AppendBatch(l, rb, buf); err != nil {
			b.Fatal(err)
		}
	}
	n := &jbRowNode{buf: buf}
	n.schema = schema
	return n
}

func (n *jbRowNode) Name() string       { return "BenchRows" }
func (n *jbRowNode) Detail() string     { return "" }
func (n *jbRowNode) NumPartitions() int { return 1 }

func (n *jbRowNode) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	return &jbRowStream{buf: n.buf}, nil
}

type jbRowStream struct {
	buf *rows.Buffer
	i   int
}

func (s *jbRowStream) Next() (rows.Row, error) {
	if s.i >= s.buf.Len() {
		return nil, io.EOF
	}
	s.i++
	return s.buf.Row(s.i - 1), nil
}

func (s *jbRowStream) Close() {}
