package shuffle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

var lineitemSchema = arrow.NewSchema([]arrow.Field{
	{Name: "l_orderkey", Type: columnar.Int64},
	{Name: "l_partkey", Type: columnar.Int64},
	{Name: "l_suppkey", Type: columnar.Int64},
	{Name: "l_linenumber", Type: columnar.Int32},
	{Name: "l_quantity", Type: columnar.Decimal(15, 2)},
	{Name: "l_extendedprice", Type: columnar.Decimal(15, 2)},
	{Name: "l_discount", Type: columnar.Decimal(15, 2)},
	{Name: "l_tax", Type: columnar.Decimal(15, 2)},
	{Name: "l_returnflag", Type: columnar.String},
	{Name: "l_linestatus", Type: columnar.String},
	{Name: "l_shipdate", Type: columnar.Date},
	{Name: "l_commitdate", Type: columnar.Date},
	{Name: "l_receiptdate", Type: columnar.Date},
	{Name: "l_shipinstruct", Type: columnar.String},
	{Name: "l_shipmode", Type: columnar.String},
	{Name: "l_comment", Type: columnar.String},
}, nil)

var (
	benchInstruct = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	benchModes    = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	benchWords    = []string{"furiously", "quickly", "carefully", "blithely", "ironic", "final", "regular",
		"express", "pending", "deposits", "requests", "accounts", "packages", "theodolites", "sleep", "haggle"}
)

// lineitemBatch returns a TPC-H lineitem-like batch of n rows.
func lineitemBatch(mem memory.Allocator, rng *rand.Rand, firstOrder int64, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, lineitemSchema)
	defer b.Release()
	var comment []byte
	for i := 0; i < n; i++ {
		order := firstOrder + int64(i/4)
		b.Field(0).(*array.Int64Builder).Append(order)
		b.Field(1).(*array.Int64Builder).Append(rng.Int64N(200000))
		b.Field(2).(*array.Int64Builder).Append(rng.Int64N(10000))
		b.Field(3).(*array.Int32Builder).Append(int32(i%7 + 1))
		q := rng.Int64N(50) + 1
		b.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(q * 100))
		b.Field(5).(*array.Decimal128Builder).Append(decimal128.FromI64(q * (90000 + rng.Int64N(10000000))))
		b.Field(6).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(11)))
		b.Field(7).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(9)))
		b.Field(8).(*array.StringBuilder).Append([]string{"A", "N", "R"}[rng.IntN(3)])
		b.Field(9).(*array.StringBuilder).Append([]string{"F", "O"}[rng.IntN(2)])
		d := arrow.Date32(8036 + rng.IntN(2526))
		b.Field(10).(*array.Date32Builder).Append(d)
		b.Field(11).(*array.Date32Builder).Append(d + arrow.Date32(rng.IntN(60)) - 30)
		b.Field(12).(*array.Date32Builder).Append(d + arrow.Date32(rng.IntN(30)) + 1)
		b.Field(13).(*array.StringBuilder).Append(benchInstruct[rng.IntN(len(benchInstruct))])
		b.Field(14).(*array.StringBuilder).Append(benchModes[rng.IntN(len(benchModes))])
		comment = comment[:0]
		for len(comment) < 10+rng.IntN(33) {
			if len(comment) > 0 {
				comment = append(comment, ' ')
			}
			comment = append(comment, benchWords[rng.IntN(len(benchWords))]...)
		}
		b.Field(15).(*array.StringBuilder).BinaryBuilder.Append(comment[:min(len(comment), 43)])
	}
	return b.NewRecordBatch()
}

func lineitemBatches(mem memory.Allocator, nb, n int) ([]arrow.RecordBatch, int64) {
	rng := rand.New(rand.NewPCG(42, 42))
	out := make([]arrow.RecordBatch, nb)
	var bytes int64
	for i := range out {
		out[i] = lineitemBatch(mem, rng, int64(i*n/4), n)
		bytes += BatchBytes(out[i])
	}
	return out, bytes
}

// BenchmarkShuffle writes lineitem-like batches (one map task, 50 batches of
// 4096 rows) hash-partitioned on l_orderkey into 200 partitions, then reads
// every partition back. MB/s counts the input's Arrow bytes.
func BenchmarkShuffle(b *testing.B) {
	const nb, rows, parts = 50, 4096, 200
	mem := memory.NewGoAllocator()
	input, inBytes := lineitemBatches(mem, nb, rows)
	defer releaseBatches(input)
	for _, codec := range []Codec{CodecNone, CodecLZ4, CodecS2, CodecZstd} {
		var statuses []MapStatus
		write := func(b *testing.B, dir string) WriterMetrics {
			w, err := NewWriter(WriterOptions{ShuffleID: 1, Dir: dir, Schema: lineitemSchema, Codec: codec, Alloc: mem,
				Partitioning: Partitioning{Kind: HashPartitioning, N: parts, Keys: []int{0}}})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			for _, in := range input {
				if err := w.Write(in); err != nil {
					b.Fatal(err)
				}
			}
			st, err := w.Commit()
			if err != nil {
				b.Fatal(err)
			}
			statuses = []MapStatus{st}
			return w.Metrics()
		}
		read := func(b *testing.B) int64 {
			var n int64
			for p := 0; p < parts; p++ {
				r, err := NewReader(statuses, p, p+1, ReaderOptions{Schema: lineitemSchema, Alloc: mem, BatchSize: rows})
				if err != nil {
					b.Fatal(err)
				}
				for {
					batch, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n += batch.NumRows()
					batch.Release()
				}
				r.Close()
			}
			return n
		}
		report := func(b *testing.B, m WriterMetrics) {
			b.SetBytes(inBytes)
			b.ReportMetric(float64(nb*rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			if m.InputRows > 0 {
				b.ReportMetric(float64(m.DataSize)/float64(inBytes), "ratio")
			}
		}
		b.Run(codec.String()+"/split", func(b *testing.B) {
			// Write without Commit: partitioning, copying and (in memory)
			// compressing, no file.
			var m WriterMetrics
			for i := 0; i < b.N; i++ {
				w, err := NewWriter(WriterOptions{ShuffleID: 1, Dir: b.TempDir(), Schema: lineitemSchema, Codec: codec, Alloc: mem,
					Partitioning: Partitioning{Kind: HashPartitioning, N: parts, Keys: []int{0}}})
				if err != nil {
					b.Fatal(err)
				}
				for _, in := range input {
					if err := w.Write(in); err != nil {
						b.Fatal(err)
					}
				}
				m = w.Metrics()
				w.Close()
			}
			report(b, m)
		})
		b.Run(codec.String()+"/write", func(b *testing.B) {
			dir := b.TempDir()
			var m WriterMetrics
			for i := 0; i < b.N; i++ {
				m = write(b, dir)
			}
			report(b, m)
		})
		b.Run(codec.String()+"/read", func(b *testing.B) {
			m := write(b, b.TempDir())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if n := read(b); n != nb*rows {
					b.Fatalf("read %d rows", n)
				}
			}
			report(b, m)
		})
		b.Run(codec.String()+"/write+read", func(b *testing.B) {
			dir := b.TempDir()
			var m WriterMetrics
			for i := 0; i < b.N; i++ {
				m = write(b, dir)
				read(b)
			}
			report(b, m)
		})
	}
}

// layoutOfBatch frames a batch of offset-0 arrays as a raw block.
func layoutOfBatch(b arrow.RecordBatch) *rawLayout {
	l := &rawLayout{rows: int(b.NumRows())}
	for _, c := range b.Columns() {
		d := c.Data()
		l.nodes = append(l.nodes, rawNode{length: d.Len(), nulls: d.NullN()})
		for i, buf := range d.Buffers() {
			if i == 0 && d.NullN() == 0 || buf == nil {
				l.bufs = append(l.bufs, nil)
				continue
			}
			l.bufs = append(l.bufs, buf.Bytes())
		}
	}
	return l
}

// BenchmarkSerialize compares the block framing with Arrow IPC's stream
// format for one lineitem batch of 4096 rows, uncompressed: serialize to
// bytes, then deserialize into a batch.
func BenchmarkSerialize(b *testing.B) {
	mem := memory.NewGoAllocator()
	in := lineitemBatch(mem, rand.New(rand.NewPCG(1, 1)), 0, 4096)
	defer in.Release()
	size := BatchBytes(in)
	b.Run("framing", func(b *testing.B) {
		b.SetBytes(size)
		dec := blockDecoder{schema: lineitemSchema}
		for i := 0; i < b.N; i++ {
			l := layoutOfBatch(in)
			raw := memory.NewResizableBuffer(mem)
			raw.Resize(l.size())
			l.encode(raw.Bytes())
			out, err := dec.decode(raw)
			raw.Release()
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
	})
	b.Run("ipc", func(b *testing.B) {
		b.SetBytes(size)
		var buf bytes.Buffer
		for i := 0; i < b.N; i++ {
			buf.Reset()
			w := ipc.NewWriter(&buf, ipc.WithSchema(lineitemSchema), ipc.WithAllocator(mem))
			if err := w.Write(in); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			r, err := ipc.NewReader(bytes.NewReader(buf.Bytes()), ipc.WithAllocator(mem))
			if err != nil {
				b.Fatal(err)
			}
			if !r.Next() {
				b.Fatal(fmt.Errorf("ipc: no batch: %v", r.Err()))
			}
			r.RecordBatch().NumRows()
			r.Release()
		}
	})
}
