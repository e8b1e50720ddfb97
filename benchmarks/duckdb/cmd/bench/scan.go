package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/pqscan"
)

// scanBatchSize is the rows per batch of both readers: gluten-go's default
// spark.gluten.sql.columnar.maxBatchSize.
const scanBatchSize = 32768

// subsetColumns are the four lineitem columns of the narrow scan (those TPC-H
// Q6 reads).
var subsetColumns = []string{"l_quantity", "l_extendedprice", "l_discount", "l_shipdate"}

// scanAlloc is the allocator both readers use (the --alloc flag).
var scanAlloc memory.Allocator = memory.NewGoAllocator()

// unit is one row group of one file.
type unit struct {
	file string
	rg   int
}

func runScan(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("scan")
	sf := fs.Float64("sf", 1, "TPC-H scale factor")
	runs := fs.Int("runs", 3, "timed runs per reader and column set, after one warm-up run")
	threads := fs.Int("threads", runtime.NumCPU(), "goroutines reading row groups, for both readers")
	out := fs.String("out", "", "also write the report to this file")
	dir := fs.String("dir", "", "dataset directory (default: the cache directory)")
	allocName := fs.String("alloc", "pool", "allocator given to both readers: pool (gluten-go's recycling allocator, the engine's default) or go (arrow-go's GoAllocator)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *allocName {
	case "pool":
		scanAlloc = columnar.NewPoolAllocator()
	case "go":
		scanAlloc = memory.NewGoAllocator()
	default:
		return fmt.Errorf("--alloc %q: use pool or go", *allocName)
	}
	if *runs < 1 || *threads < 1 {
		return fmt.Errorf("--runs and --threads must be at least 1")
	}
	ds := datasetDir(*dir, *sf)
	if err := ensureTPCH(ctx, ds, *sf); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(ds, "lineitem", "*.parquet"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no Parquet files in %s", filepath.Join(ds, "lineitem"))
	}
	slices.Sort(files)

	// Plan: every row group of every file, and the column positions.
	var units []unit
	var allCols, subset []int
	var totalRows int64
	for _, path := range files {
		f, err := pqscan.Open(path)
		if err != nil {
			return err
		}
		for rg := range f.NumRowGroups() {
			units = append(units, unit{path, rg})
		}
		totalRows += f.NumRows()
		if allCols == nil {
			for i := range f.Schema().NumFields() {
				allCols = append(allCols, i)
			}
			for _, name := range subsetColumns {
				i := f.ColumnIndex(name)
				if i < 0 {
					f.Close()
					return fmt.Errorf("%s has no column %s", path, name)
				}
				subset = append(subset, i)
			}
		}
		if err := f.Close(); err != nil {
			return err
		}
	}

	type variant struct {
		reader, columns string
		cols            []int
		scan            func(context.Context, []unit, []int, int) (int64, error)
	}
	variants := []variant{
		{"gluten-go pqscan", "all 16", allCols, scanGluten},
		{"arrow-go pqarrow", "all 16", allCols, scanArrow},
		{"gluten-go pqscan", "4 (" + strings.Join(subsetColumns, ", ") + ")", subset, scanGluten},
		{"arrow-go pqarrow", "4 (" + strings.Join(subsetColumns, ", ") + ")", subset, scanArrow},
	}
	medians := make([]float64, len(variants))
	for i, v := range variants {
		fmt.Fprintf(os.Stderr, "%s, %s columns ...\n", v.reader, v.columns)
		var times []float64
		for r := range *runs + 1 {
			start := time.Now()
			n, err := v.scan(ctx, units, v.cols, *threads)
			if err != nil {
				return fmt.Errorf("%s: %w", v.reader, err)
			}
			if n != totalRows {
				return fmt.Errorf("%s read %d rows, want %d", v.reader, n, totalRows)
			}
			if r > 0 { // the first run warms up
				times = append(times, time.Since(start).Seconds())
			}
		}
		medians[i] = median(times)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Parquet scan of TPC-H SF%g lineitem: %d rows in %d files, %d row groups; %d goroutines over row groups for both readers, batches of %d rows, median of %d runs after a warm-up run.\n", *sf, totalRows, len(files), len(units), *threads, scanBatchSize, *runs)
	fmt.Fprintf(&b, "arrow-go: file.NewParquetReader + pqarrow.NewFileReader with Parallel reads (its own goroutines across the columns of a row group).\n\n")
	var rows [][]string
	for i := 0; i < len(variants); i += 2 {
		g, a := medians[i], medians[i+1]
		mrows := func(sec float64) string { return strconv.FormatFloat(float64(totalRows)/sec/1e6, 'f', 1, 64) }
		rows = append(rows, []string{variants[i].columns, secs(g), mrows(g), secs(a), mrows(a), ratio(g, a)})
	}
	table(&b, []string{"columns", "gluten-go pqscan s", "gluten-go M rows/s", "arrow-go pqarrow s", "arrow-go M rows/s", "time gluten-go/arrow-go"}, rows)
	return output(stdout, *out, b.String())
}

// parallel runs work over every unit with n goroutines and sums the rows.
func parallel(ctx context.Context, units []unit, n int, work func(u unit) (int64, error)) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var total atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(units) {
					return
				}
				rows, err := work(units[i])
				if err != nil {
					errs[w] = err
					cancel()
					return
				}
				total.Add(rows)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return total.Load(), ctx.Err()
}

// scanGluten reads the units with pqscan, one open File per file.
func scanGluten(ctx context.Context, units []unit, cols []int, n int) (int64, error) {
	opened := map[string]*pqscan.File{}
	defer func() {
		for _, f := range opened {
			f.Close()
		}
	}()
	for _, u := range units {
		if opened[u.file] == nil {
			f, err := pqscan.Open(u.file)
			if err != nil {
				return 0, err
			}
			opened[u.file] = f
		}
	}
	alloc := scanAlloc
	return parallel(ctx, units, n, func(u unit) (int64, error) {
		r, err := opened[u.file].ReadRowGroup(ctx, alloc, u.rg, cols, scanBatchSize)
		if err != nil {
			return 0, err
		}
		defer r.Close()
		var rows int64
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				return rows, nil
			}
			if err != nil {
				return rows, err
			}
			rows += rec.NumRows()
			rec.Release()
		}
	})
}

// scanArrow reads the units with arrow-go's pqarrow reader, one reader per
// unit (file.Reader is not documented as safe for concurrent use).
func scanArrow(ctx context.Context, units []unit, cols []int, n int) (int64, error) {
	alloc := scanAlloc
	return parallel(ctx, units, n, func(u unit) (int64, error) {
		f, err := os.Open(u.file)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		pf, err := file.NewParquetReader(f)
		if err != nil {
			return 0, err
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{Parallel: true, BatchSize: scanBatchSize}, alloc)
		if err != nil {
			return 0, err
		}
		rr, err := fr.GetRecordReader(ctx, cols, []int{u.rg})
		if err != nil {
			return 0, err
		}
		defer rr.Release()
		var rows int64
		for rr.Next() {
			rows += rr.RecordBatch().NumRows()
		}
		if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			return rows, err
		}
		return rows, nil
	})
}
