package pqscan

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"go.uber.org/goleak"
)

// The benchmark file: TPC-H lineitem-like columns, written by arrow-go's
// writer (dictionary encoding where it fits, snappy, decimals as INT64),
// generated once per test binary run in a temporary directory.
const (
	benchRows         = 3_000_000
	benchRowGroupRows = 500_000
	benchBatch        = 8192
)

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
	benchDir  string
)

// benchQ6Cols are the columns of TPC-H Q6, a typical 4-column scan.
var benchQ6Cols = []string{"l_quantity", "l_extendedprice", "l_discount", "l_shipdate"}

// TestMain removes the benchmark file and checks that no goroutine leaked.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func lineitemFile(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		// PQSCAN_BENCH_DIR keeps the file across runs (for profiling).
		if dir := os.Getenv("PQSCAN_BENCH_DIR"); dir != "" {
			benchPath = filepath.Join(dir, fmt.Sprintf("lineitem-%d.parquet", benchRows))
			if _, err := os.Stat(benchPath); err == nil {
				return
			}
			benchErr = writeLineitem(benchPath, benchRows)
			return
		}
		benchDir, benchErr = os.MkdirTemp("", "pqscan-bench")
		if benchErr != nil {
			return
		}
		benchPath = filepath.Join(benchDir, "lineitem.parquet")
		benchErr = writeLineitem(benchPath, benchRows)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

func writeLineitem(path string, rows int) error {
	dec := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "l_orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_partkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_suppkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "l_linenumber", Type: arrow.PrimitiveTypes.Int32},
		{Name: "l_quantity", Type: dec},
		{Name: "l_extendedprice", Type: dec},
		{Name: "l_discount", Type: dec},
		{Name: "l_tax", Type: dec},
		{Name: "l_returnflag", Type: arrow.BinaryTypes.String},
		{Name: "l_linestatus", Type: arrow.BinaryTypes.String},
		{Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
		{Name: "l_commitdate", Type: arrow.FixedWidthTypes.Date32},
		{Name: "l_receiptdate", Type: arrow.FixedWidthTypes.Date32},
		{Name: "l_shipinstruct", Type: arrow.BinaryTypes.String},
		{Name: "l_shipmode", Type: arrow.BinaryTypes.String},
		{Name: "l_comment", Type: arrow.BinaryTypes.String},
	}, nil)
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	props := pq.NewWriterProperties(
		pq.WithCompression(compress.Codecs.Snappy),
		pq.WithStoreDecimalAsInteger(true),
		pq.WithMaxRowGroupLength(benchRowGroupRows),
		pq.WithStats(true),
	)
	w, err := pqarrow.NewFileWriter(schema, fh, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	words := []string{"carefully", "final", "deposits", "sleep", "quickly", "regular", "ideas",
		"furiously", "pending", "accounts", "blithely", "express", "packages", "haggle", "slyly", "bold"}
	instr := []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	modes := []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	mem := memory.NewGoAllocator()
	const chunk = 100_000
	orderkey := int64(1)
	line := int32(0)
	for done := 0; done < rows; done += chunk {
		n := min(chunk, rows-done)
		bld := array.NewRecordBuilder(mem, schema)
		for i := 0; i < n; i++ {
			line++
			if line > int32(1+rnd.IntN(7)) {
				line = 1
				orderkey += int64(1 + rnd.IntN(4))
			}
			qty := int64(1 + rnd.IntN(50))
			price := qty * int64(90000+rnd.IntN(1000000)) / 100
			ship := int32(8036 + rnd.IntN(2526))
			bld.Field(0).(*array.Int64Builder).Append(orderkey)
			bld.Field(1).(*array.Int64Builder).Append(int64(1 + rnd.IntN(600000)))
			bld.Field(2).(*array.Int64Builder).Append(int64(1 + rnd.IntN(30000)))
			bld.Field(3).(*array.Int32Builder).Append(line)
			bld.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(qty * 100))
			bld.Field(5).(*array.Decimal128Builder).Append(decimal128.FromI64(price))
			bld.Field(6).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rnd.IntN(11))))
			bld.Field(7).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rnd.IntN(9))))
			bld.Field(8).(*array.StringBuilder).Append([]string{"R", "A", "N"}[rnd.IntN(3)])
			bld.Field(9).(*array.StringBuilder).Append([]string{"O", "F"}[rnd.IntN(2)])
			bld.Field(10).(*array.Date32Builder).Append(arrow.Date32(ship))
			bld.Field(11).(*array.Date32Builder).Append(arrow.Date32(ship + int32(rnd.IntN(60)) - 30))
			bld.Field(12).(*array.Date32Builder).Append(arrow.Date32(ship + int32(1+rnd.IntN(30))))
			bld.Field(13).(*array.StringBuilder).Append(instr[rnd.IntN(len(instr))])
			bld.Field(14).(*array.StringBuilder).Append(modes[rnd.IntN(len(modes))])
			comment := make([]byte, 0, 48)
			target := 25 + rnd.IntN(20)
			for len(comment) < target {
				if len(comment) > 0 {
					comment = append(comment, ' ')
				}
				comment = append(comment, words[rnd.IntN(len(words))]...)
			}
			bld.Field(15).(*array.StringBuilder).BinaryBuilder.Append(comment)
		}
		rec := bld.NewRecordBatch()
		bld.Release()
		// Buffered, so that row groups hold benchRowGroupRows rows.
		if err := w.WriteBuffered(rec); err != nil {
			rec.Release()
			return err
		}
		rec.Release()
	}
	return w.Close()
}

// benchColumns resolves names (nil for all columns) to indexes in the
// file's schema; the leaf indexes are the same for pqarrow (flat file).
func benchColumns(b *testing.B, path string, names []string) []int {
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if names == nil {
		idx := make([]int, len(f.Schema().Fields()))
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx, err := f.ColumnIndexes(names)
	if err != nil {
		b.Fatal(err)
	}
	return idx
}

// scanPqarrow reads the columns of every row group with pqarrow's record
// reader and returns the row count.
func scanPqarrow(path string, cols []int, batch int, parallel bool) (int64, error) {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return 0, err
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{Parallel: parallel, BatchSize: int64(batch)}, memory.DefaultAllocator)
	if err != nil {
		return 0, err
	}
	rr, err := fr.GetRecordReader(context.Background(), cols, nil)
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	var rows int64
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	return rows, rr.Err()
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkScan(b *testing.B) {
	path := lineitemFile(b)
	procs := runtime.GOMAXPROCS(0)
	for _, sel := range []struct {
		name  string
		names []string
	}{{"all", nil}, {"q6cols", benchQ6Cols}} {
		cols := benchColumns(b, path, sel.names)
		run := func(name string, scan func() (int64, error)) {
			b.Run(sel.name+"/"+name, func(b *testing.B) {
				var rows int64
				cpu0 := cpuTime()
				for b.Loop() {
					n, err := scan()
					if err != nil {
						b.Fatal(err)
					}
					if n != benchRows {
						b.Fatalf("%d rows, want %d", n, benchRows)
					}
					rows += n
				}
				b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
				// CPU time of the process per scan: on a shared machine it
				// varies far less than the wall time.
				b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			})
		}
		run(fmt.Sprintf("pqscan_par%d", procs), func() (int64, error) {
			f, err := Open(path)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			return f.Scan(context.Background(), memory.DefaultAllocator, cols, benchBatch, procs)
		})
		run("pqarrow_parallel", func() (int64, error) { return scanPqarrow(path, cols, benchBatch, true) })
		run("pqscan_par1", func() (int64, error) {
			f, err := Open(path)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			return f.Scan(context.Background(), memory.DefaultAllocator, cols, benchBatch, 1)
		})
		run("pqarrow_serial", func() (int64, error) { return scanPqarrow(path, cols, benchBatch, false) })
		run(fmt.Sprintf("pqscan_rowgroup_serial_columns_par%d", procs), func() (int64, error) {
			// Row groups one after the other, columns decoded in parallel.
			f, err := Open(path)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			var rows int64
			for rg := 0; rg < f.NumRowGroups(); rg++ {
				r, err := f.ReadRowGroupParallel(context.Background(), memory.DefaultAllocator, rg, cols, benchBatch, procs)
				if err != nil {
					return 0, err
				}
				for {
					rec, err := r.Next()
					if err != nil {
						break
					}
					rows += rec.NumRows()
					rec.Release()
				}
				r.Close()
			}
			return rows, nil
		})
	}
}
