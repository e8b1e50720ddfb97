package sorting

import (
	"fmt"
	"io"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func perRow(b *testing.B, rows int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
}

// cpuTimer measures the process's CPU time (user+system) over a benchmark:
// on a shared machine it is steadier than wall time.
type cpuTimer struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU(b *testing.B) *cpuTimer {
	b.ResetTimer()
	return &cpuTimer{start: cpuNow()}
}

func (c *cpuTimer) report(b *testing.B, rows int) {
	b.ReportMetric(float64((cpuNow()-c.start).Nanoseconds())/float64(b.N)/float64(rows), "cpu-ns/row")
	perRow(b, rows)
}

func int64Batch(r *rand.Rand, n int, withPayload bool) arrow.RecordBatch {
	kb := array.NewInt64Builder(memory.DefaultAllocator)
	defer kb.Release()
	for i := 0; i < n; i++ {
		kb.Append(int64(r.Uint64()))
	}
	cols := []arrow.Array{kb.NewArray()}
	fields := []arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}
	if withPayload {
		sb := array.NewStringBuilder(memory.DefaultAllocator)
		for i := 0; i < n; i++ {
			sb.Append(fmt.Sprintf("payload-%d", r.IntN(100000)))
		}
		cols = append(cols, sb.NewArray())
		sb.Release()
		fields = append(fields, arrow.Field{Name: "s", Type: arrow.BinaryTypes.String})
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// BenchmarkSortInt64 sorts 1M rows by a random int64 key.
func BenchmarkSortInt64(b *testing.B) {
	const n = 1 << 20
	batch := int64Batch(rand.New(rand.NewPCG(1, 1)), n, false)
	defer batch.Release()
	keys := []SortKey{{Column: 0}}
	b.ReportAllocs()
	ct := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := SortIndices(batch, keys); err != nil {
			b.Fatal(err)
		}
	}
	ct.report(b, n)
}

// BenchmarkSortStringInt64 sorts 1M rows by (string, int64): 50K distinct
// strings of 8-16 bytes with a shared prefix, then a random int64.
func BenchmarkSortStringInt64(b *testing.B) {
	const n = 1 << 20
	r := rand.New(rand.NewPCG(2, 2))
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	for i := 0; i < n; i++ {
		sb.Append(fmt.Sprintf("Cust#%d", r.IntN(50000)*7919))
		ib.Append(int64(r.Uint64()))
	}
	s, k := sb.NewArray(), ib.NewArray()
	sb.Release()
	ib.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}, {Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{s, k}, n)
	s.Release()
	k.Release()
	defer batch.Release()
	keys := []SortKey{{Column: 0}, {Column: 1, Descending: true}}
	b.ReportAllocs()
	ct := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := SortIndices(batch, keys); err != nil {
			b.Fatal(err)
		}
	}
	ct.report(b, n)
}

// BenchmarkTopN keeps the top 100 of 6M rows (int64 key + string payload)
// pushed in batches of 8192.
func BenchmarkTopN(b *testing.B) {
	const batchRows, total = 8192, 6_000_000
	r := rand.New(rand.NewPCG(3, 3))
	pool := make([]arrow.RecordBatch, 16)
	for i := range pool {
		pool[i] = int64Batch(r, batchRows, true)
	}
	defer func() {
		for _, p := range pool {
			p.Release()
		}
	}()
	keys := []SortKey{{Column: 0, Descending: true}}
	b.ReportAllocs()
	ct := startCPU(b)
	for i := 0; i < b.N; i++ {
		top, err := NewTopN(memory.DefaultAllocator, pool[0].Schema(), keys, 100)
		if err != nil {
			b.Fatal(err)
		}
		for done, j := 0, 0; done < total; j++ {
			if err := top.Push(pool[j%len(pool)]); err != nil {
				b.Fatal(err)
			}
			done += batchRows
		}
		res, err := top.Result()
		if err != nil {
			b.Fatal(err)
		}
		res.Release()
		top.Release()
	}
	ct.report(b, total)
}

// BenchmarkTake gathers 1M rows of (int64, string, decimal) in random order.
func BenchmarkTake(b *testing.B) {
	const n = 1 << 20
	r := rand.New(rand.NewPCG(4, 4))
	base := int64Batch(r, n, true)
	db := array.NewDecimal128Builder(memory.DefaultAllocator, &arrow.Decimal128Type{Precision: 15, Scale: 2})
	for i := 0; i < n; i++ {
		if i%10 == 0 {
			db.AppendNull()
		} else {
			db.Append(decimal128.FromI64(r.Int64N(1e12)))
		}
	}
	d := db.NewArray()
	db.Release()
	schema := arrow.NewSchema(append(base.Schema().Fields(), arrow.Field{Name: "d", Type: d.DataType(), Nullable: true}), nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{base.Column(0), base.Column(1), d}, n)
	base.Release()
	d.Release()
	defer batch.Release()
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(r.IntN(n))
	}
	b.ReportAllocs()
	ct := startCPU(b)
	for i := 0; i < b.N; i++ {
		out, err := Take(memory.DefaultAllocator, batch, idx)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	ct.report(b, n)
}

// BenchmarkMerge merges 8 sorted runs of 128K int64 rows (+ string payload).
func BenchmarkMerge(b *testing.B) {
	const runs, runRows, batchRows = 8, 1 << 17, 8192
	r := rand.New(rand.NewPCG(5, 5))
	var sorted [][]arrow.RecordBatch
	for i := 0; i < runs; i++ {
		raw := int64Batch(r, runRows, true)
		s, err := SortBatch(memory.DefaultAllocator, raw, []SortKey{{Column: 0}})
		raw.Release()
		if err != nil {
			b.Fatal(err)
		}
		var bs []arrow.RecordBatch
		for off := int64(0); off < runRows; off += batchRows {
			bs = append(bs, s.NewSlice(off, off+batchRows))
		}
		s.Release()
		sorted = append(sorted, bs)
	}
	defer func() {
		for _, bs := range sorted {
			for _, x := range bs {
				x.Release()
			}
		}
	}()
	b.ReportAllocs()
	ct := startCPU(b)
	for i := 0; i < b.N; i++ {
		inputs := make([]func() (arrow.RecordBatch, error), runs)
		for k := range inputs {
			bs, pos := sorted[k], 0
			inputs[k] = func() (arrow.RecordBatch, error) {
				if pos == len(bs) {
					return nil, io.EOF
				}
				pos++
				bs[pos-1].Retain()
				return bs[pos-1], nil
			}
		}
		m, err := NewMerger(memory.DefaultAllocator, sorted[0][0].Schema(), []SortKey{{Column: 0}}, inputs, batchRows)
		if err != nil {
			b.Fatal(err)
		}
		for {
			out, err := m.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
		m.Release()
	}
	ct.report(b, runs*runRows)
}
