package agg

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchBatch = 8192

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
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
}

// benchBatches cycles over a pool of distinct batches to feed rows rows.
type benchData struct {
	pool [][]arrow.Array
	rows int
}

func (d *benchData) release() {
	for _, cols := range d.pool {
		for _, c := range cols {
			c.Release()
		}
	}
}

func (d *benchData) each(f func(cols []arrow.Array)) {
	for done, i := 0, 0; done < d.rows; i++ {
		cols := d.pool[i%len(d.pool)]
		f(cols)
		done += cols[0].Len()
	}
}

// q1Keys: l_returnflag and l_linestatus, 1-char strings forming TPC-H Q1's
// 4 groups.
func q1Keys(poolBatches int) *benchData {
	r := rand.New(rand.NewPCG(1, 1))
	combos := [][2]string{{"A", "F"}, {"N", "F"}, {"N", "O"}, {"R", "F"}}
	weights := []int{25, 1, 49, 25}
	d := &benchData{rows: 6_000_000}
	for p := 0; p < poolBatches; p++ {
		fb, sb := array.NewStringBuilder(memory.DefaultAllocator), array.NewStringBuilder(memory.DefaultAllocator)
		for i := 0; i < benchBatch; i++ {
			x, c := r.IntN(100), 0
			for x >= weights[c] {
				x -= weights[c]
				c++
			}
			fb.Append(combos[c][0])
			sb.Append(combos[c][1])
		}
		d.pool = append(d.pool, []arrow.Array{fb.NewArray(), sb.NewArray()})
		fb.Release()
		sb.Release()
	}
	return d
}

// orderKeys: 6M lineitem-like rows sorted by a sparse BIGINT order key
// (TPC-H: 8 of every 32 keys used, 1-7 lines per order): ~1.5M groups.
func orderKeys() *benchData {
	r := rand.New(rand.NewPCG(2, 2))
	d := &benchData{rows: 6_000_000}
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	key, lines, total := int64(1), 0, 0
	for total < d.rows {
		if lines == 0 {
			lines = 1 + r.IntN(7)
			key++
			if key%32 >= 8 {
				key += 32 - key%32
			}
		}
		b.Append(key)
		lines--
		total++
		if b.Len() == benchBatch || total == d.rows {
			d.pool = append(d.pool, []arrow.Array{b.NewArray()})
		}
	}
	return d
}

// randomKeys: 6M rows drawn from 1M random 64-bit keys, in random order.
func randomKeys() *benchData {
	r := rand.New(rand.NewPCG(3, 3))
	distinct := make([]int64, 1<<20)
	for i := range distinct {
		distinct[i] = int64(r.Uint64())
	}
	d := &benchData{rows: 6_000_000}
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	for total := 0; total < d.rows; total++ {
		b.Append(distinct[r.IntN(len(distinct))])
		if b.Len() == benchBatch || total == d.rows-1 {
			d.pool = append(d.pool, []arrow.Array{b.NewArray()})
		}
	}
	return d
}

func benchGroupBy(b *testing.B, d *benchData, types []arrow.DataType) {
	defer d.release()
	ids := make([]uint32, benchBatch)
	b.ReportAllocs()
	ct := startCPU(b)
	groups := 0
	for i := 0; i < b.N; i++ {
		t, err := NewGroupTable(memory.DefaultAllocator, types)
		if err != nil {
			b.Fatal(err)
		}
		d.each(func(cols []arrow.Array) {
			if err := t.Insert(cols, ids[:cols[0].Len()]); err != nil {
				b.Fatal(err)
			}
		})
		groups = t.NumGroups()
		t.Release()
	}
	ct.report(b, d.rows)
	b.ReportMetric(float64(groups), "groups")
}

// BenchmarkGroupByQ1 groups 6M rows on two 1-char string keys into 4 groups.
func BenchmarkGroupByQ1(b *testing.B) {
	benchGroupBy(b, q1Keys(16), []arrow.DataType{arrow.BinaryTypes.String, arrow.BinaryTypes.String})
}

// BenchmarkGroupByOrderKey groups 6M rows on a sparse, clustered BIGINT key
// into ~1.5M groups (Q18's group by l_orderkey).
func BenchmarkGroupByOrderKey(b *testing.B) {
	benchGroupBy(b, orderKeys(), []arrow.DataType{arrow.PrimitiveTypes.Int64})
}

// BenchmarkGroupByRandomBigint groups 6M rows on random 64-bit keys into
// ~1M groups (the hash path with random access).
func BenchmarkGroupByRandomBigint(b *testing.B) {
	benchGroupBy(b, randomKeys(), []arrow.DataType{arrow.PrimitiveTypes.Int64})
}

// BenchmarkGroupByStringAndInt groups on (long string, int32): the hashed
// path with column-wise comparison, ~100K groups.
func BenchmarkGroupByStringAndInt(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	d := &benchData{rows: 2_000_000}
	for p := 0; p < 32; p++ {
		sb, ib := array.NewStringBuilder(memory.DefaultAllocator), array.NewInt32Builder(memory.DefaultAllocator)
		for i := 0; i < benchBatch; i++ {
			k := r.IntN(100_000)
			sb.Append("Customer#" + string(rune('a'+k%26)) + itoa(k))
			ib.Append(int32(k % 7))
		}
		d.pool = append(d.pool, []arrow.Array{sb.NewArray(), ib.NewArray()})
		sb.Release()
		ib.Release()
	}
	benchGroupBy(b, d, []arrow.DataType{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32})
}

func itoa(k int) string {
	var buf [12]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + k%10)
		k /= 10
		if k == 0 {
			return string(buf[i:])
		}
	}
}

func benchAcc(b *testing.B, kind AggKind, typ arrow.DataType, numGroups int, gen func(r *rand.Rand, bld array.Builder)) {
	r := rand.New(rand.NewPCG(5, uint64(numGroups)))
	const rows = 1 << 20
	var arrs []arrow.Array
	var ids [][]uint32
	for done := 0; done < rows; done += benchBatch {
		bld := array.NewBuilder(memory.DefaultAllocator, typ)
		id := make([]uint32, benchBatch)
		for i := 0; i < benchBatch; i++ {
			gen(r, bld)
			id[i] = uint32(r.IntN(numGroups))
		}
		arrs = append(arrs, bld.NewArray())
		bld.Release()
		ids = append(ids, id)
	}
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	b.ReportAllocs()
	ct := startCPU(b)
	for i := 0; i < b.N; i++ {
		acc, err := NewAccumulator(kind, typ)
		if err != nil {
			b.Fatal(err)
		}
		for j, a := range arrs {
			if err := acc.Update(ids[j], numGroups, a); err != nil {
				b.Fatal(err)
			}
		}
		res, err := acc.Result(memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		res.Release()
		acc.Release()
	}
	ct.report(b, rows)
}

func genDec(r *rand.Rand, bld array.Builder) {
	if r.IntN(50) == 0 {
		bld.AppendNull()
		return
	}
	bld.(*array.Decimal128Builder).Append(decimal128.FromI64(r.Int64N(10_000_000)))
}

func genF64(r *rand.Rand, bld array.Builder) {
	bld.(*array.Float64Builder).Append(r.Float64())
}

func BenchmarkAccumulators(b *testing.B) {
	d152 := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	for _, tc := range []struct {
		name   string
		kind   AggKind
		typ    arrow.DataType
		groups int
		gen    func(*rand.Rand, array.Builder)
	}{
		{"sum_decimal/groups=1", Sum, d152, 1, genDec},
		{"sum_decimal/groups=4", Sum, d152, 4, genDec},
		{"sum_decimal/groups=1M", Sum, d152, 1 << 20, genDec},
		{"avg_decimal/groups=4", Avg, d152, 4, genDec},
		{"count/groups=4", Count, d152, 4, genDec},
		{"count/groups=1", Count, d152, 1, genDec},
		{"avg_double/groups=4", Avg, arrow.PrimitiveTypes.Float64, 4, genF64},
		{"sum_double/groups=1M", Sum, arrow.PrimitiveTypes.Float64, 1 << 20, genF64},
		{"max_double/groups=4", Max, arrow.PrimitiveTypes.Float64, 4, genF64},
	} {
		b.Run(tc.name, func(b *testing.B) { benchAcc(b, tc.kind, tc.typ, tc.groups, tc.gen) })
	}
}
