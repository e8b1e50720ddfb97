package tpch

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// GeneratorVersion identifies the data this package generates; it changes
// whenever the same options would give different data, so that a cached
// dataset of an older version is regenerated.
const GeneratorVersion = 1

// MarkerFile is the name of the file, in the dataset's directory, that
// records the scale factor, the generator version, and the files and rows of
// each table. It is written last: a directory without it is not a complete
// dataset.
const MarkerFile = "_tpch.json"

// markerGenerator names this generator in the marker file.
const markerGenerator = "gluten-go/benchmarks/tpch"

// ErrInvalidOptions is wrapped by the errors about unusable Options.
var ErrInvalidOptions = errors.New("tpch: invalid options")

// Options configures Generate.
type Options struct {
	// SF is the scale factor: 1 gives about 1 GB of raw data (6 million
	// lineitem rows). It must be in (0, MaxScale], and is refused where the
	// specification's partsupp formula would give a part the same supplier
	// twice: most scale factors below 0.01, and 0.012, 0.015, 0.018, 0.021
	// (no other multiple of 0.001); 0.01, 0.02, 0.05, 0.1 and up are fine.
	SF float64
	// Dir is the dataset's directory. It must not exist, be empty, or hold a
	// dataset made by Generate (which is replaced).
	Dir string
	// Parallelism is the number of files written at once; 0 means
	// runtime.GOMAXPROCS(0).
	Parallelism int
	// FilesPerTable is the number of files of each table but region and
	// nation (which always have one), capped by the table's row count
	// (orders and lineitem: by the order count). 0 chooses by size: about
	// 96 MiB of raw data per file, and at least 2 files for orders and
	// lineitem.
	FilesPerTable int
	// RowGroupRows is the number of rows of each row group (lineitem row
	// groups end at an order boundary, so they hold up to 6 rows more). 0
	// chooses about 6 row groups per file, of at least 4096 rows.
	RowGroupRows int
	// Compression is the codec of the data pages: "snappy" (the default when
	// empty), "zstd" or "none".
	Compression string
	// Tables lists the tables to generate; nil means all of Tables.
	Tables []string
}

// Sizing of the automatic plan.
const (
	targetFileBytes  = 96 << 20 // raw bytes per file
	rowGroupsPerFile = 6
	minRowGroupRows  = 4096
	linesPerOrder    = 4 // the average number of lines of an order
)

// rawRowBytes estimates the raw size of a row of each table, for the
// automatic file count.
var rawRowBytes = map[string]int64{
	"region": 80, "nation": 100, "supplier": 160, "customer": 180,
	"part": 130, "partsupp": 150, "orders": 110, "lineitem": 125,
}

// job is the unit of work of a worker: one file of a table, or for orders
// and lineitem, the files of both tables that hold the same orders.
type job struct {
	tables []string // one table, or a subset of orders and lineitem
	file   int
	lo, hi int64 // the rows (for orders and lineitem: the orders) of the file
	rgRows int64 // rows per row group (orders: of the orders file)
	lgRows int64 // rows per lineitem row group
	cost   int64 // estimated raw bytes, to start the largest jobs first
}

// fileResult is what a job wrote to one file.
type fileResult struct {
	table string
	file  int
	rows  int64
}

// MarkerTable is the record of one table in the marker file.
type MarkerTable struct {
	// Files is the number of files, part-00000.parquet onwards.
	Files int `json:"files"`
	// Rows is the table's row count.
	Rows int64 `json:"rows"`
}

// Marker is the content of the marker file.
type Marker struct {
	// Generator names the generator.
	Generator string `json:"generator"`
	// Version is the GeneratorVersion that wrote the dataset.
	Version int `json:"version"`
	// SF is the scale factor.
	SF float64 `json:"sf"`
	// Compression is the codec of the data pages.
	Compression string `json:"compression"`
	// Tables gives the files and rows of each generated table.
	Tables map[string]MarkerTable `json:"tables"`
}

// FileName returns the name of the n-th file of a table, e.g.
// "part-00003.parquet".
func FileName(n int) string { return fmt.Sprintf("part-%05d.parquet", n) }

// Generate writes a TPC-H dataset at scale factor opts.SF into opts.Dir (see
// the package documentation for the layout). The dataset is generated in a
// temporary directory next to opts.Dir and renamed into place when complete,
// with its marker file; on error or cancellation the temporary directory is
// removed and opts.Dir is left as it was.
func Generate(ctx context.Context, opts Options) error {
	s, codec, tables, err := checkOptions(opts)
	if err != nil {
		return err
	}
	dir := filepath.Clean(opts.Dir)
	replace, err := checkTarget(dir)
	if err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("tpch: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("tpch: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("tpch: %w", err)
	}
	for _, t := range tables {
		if err := os.Mkdir(filepath.Join(tmp, t), 0o755); err != nil {
			return fmt.Errorf("tpch: %w", err)
		}
	}

	jobs := planJobs(s, tables, opts.FilesPerTable, int64(opts.RowGroupRows))
	par := opts.Parallelism
	if par == 0 {
		par = runtime.GOMAXPROCS(0)
	}
	results, err := runJobs(ctx, newGenerator(s, newTextPool(textPoolSize)), jobs, par, tmp, codec)
	if err != nil {
		return err
	}

	m := Marker{Generator: markerGenerator, Version: GeneratorVersion, SF: opts.SF, Compression: compressionName(opts.Compression), Tables: map[string]MarkerTable{}}
	for _, r := range results {
		t := m.Tables[r.table]
		t.Files++
		t.Rows += r.rows
		m.Tables[r.table] = t
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("tpch: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, MarkerFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("tpch: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := swapInto(tmp, dir, replace); err != nil {
		return err
	}
	done = true
	return nil
}

// checkOptions validates opts and returns the scale, the codec and the
// tables to generate (deduplicated, in the order of Tables).
func checkOptions(opts Options) (scale, compress.Codec, []string, error) {
	if opts.Dir == "" {
		return scale{}, nil, nil, fmt.Errorf("%w: Dir is empty", ErrInvalidOptions)
	}
	if opts.Parallelism < 0 {
		return scale{}, nil, nil, fmt.Errorf("%w: Parallelism %d is negative", ErrInvalidOptions, opts.Parallelism)
	}
	if opts.FilesPerTable < 0 {
		return scale{}, nil, nil, fmt.Errorf("%w: FilesPerTable %d is negative", ErrInvalidOptions, opts.FilesPerTable)
	}
	if opts.RowGroupRows < 0 {
		return scale{}, nil, nil, fmt.Errorf("%w: RowGroupRows %d is negative", ErrInvalidOptions, opts.RowGroupRows)
	}
	var codec compress.Codec
	switch opts.Compression {
	case "", "snappy":
		codec = &parquet.Snappy
	case "zstd":
		codec = &parquet.Zstd
	case "none":
		codec = &parquet.Uncompressed
	default:
		return scale{}, nil, nil, fmt.Errorf("%w: Compression %q is not one of snappy, zstd, none", ErrInvalidOptions, opts.Compression)
	}
	s, err := newScale(opts.SF)
	if err != nil {
		return scale{}, nil, nil, err
	}
	tables := Tables
	if opts.Tables != nil {
		want := map[string]bool{}
		for _, t := range opts.Tables {
			if _, ok := tableDefs[t]; !ok {
				return scale{}, nil, nil, fmt.Errorf("%w: Tables: %w %q (the tables are %v)", ErrInvalidOptions, ErrUnknownTable, t, Tables)
			}
			want[t] = true
		}
		tables = nil
		for _, t := range Tables {
			if want[t] {
				tables = append(tables, t)
			}
		}
		if len(tables) == 0 {
			return scale{}, nil, nil, fmt.Errorf("%w: Tables is empty (nil means all tables)", ErrInvalidOptions)
		}
	}
	return s, codec, tables, nil
}

func compressionName(c string) string {
	if c == "" {
		return "snappy"
	}
	return c
}

// checkTarget tells whether dir exists and may be replaced: it must not
// exist, or be an empty directory, or hold a dataset (its marker file).
func checkTarget(dir string) (exists bool, err error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("tpch: %w", err)
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%w: Dir %s exists and is not a directory", ErrInvalidOptions, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("tpch: %w", err)
	}
	if len(entries) == 0 {
		return true, nil
	}
	if _, err := os.Stat(filepath.Join(dir, MarkerFile)); err != nil {
		return false, fmt.Errorf("%w: Dir %s is not empty and holds no TPC-H dataset (no %s): refusing to replace it", ErrInvalidOptions, dir, MarkerFile)
	}
	return true, nil
}

// swapInto renames the complete dataset tmp to dir, moving an existing dir
// aside first and removing it afterwards.
func swapInto(tmp, dir string, replace bool) error {
	if !replace {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("tpch: %w", err)
		}
		return nil
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("tpch: moving the previous dataset aside: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.Rename(old, dir)
		return fmt.Errorf("tpch: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("tpch: removing the previous dataset: %w", err)
	}
	return nil
}

// fileCount is the automatic or requested number of files for rows rows of
// about rowBytes raw bytes each, at least minFiles, at most rows.
func fileCount(rows, rowBytes int64, requested, minFiles int) int {
	n := int64(requested)
	if n == 0 {
		n = max(int64(minFiles), (rows*rowBytes+targetFileBytes-1)/targetFileBytes)
	}
	return int(max(1, min(n, rows)))
}

// rowGroupRows is the automatic or requested row group size for files of
// rowsPerFile rows.
func rowGroupRows(rowsPerFile, requested int64) int64 {
	if requested > 0 {
		return requested
	}
	return max(minRowGroupRows, (rowsPerFile+rowGroupsPerFile-1)/rowGroupsPerFile)
}

// planJobs splits the tables into jobs, largest first.
func planJobs(s scale, tables []string, filesPerTable int, rgRequested int64) []job {
	var jobs []job
	var orderTables []string
	for _, t := range tables {
		if t == "orders" || t == "lineitem" {
			orderTables = append(orderTables, t)
			continue
		}
		rows := s.rows(t)
		req := filesPerTable
		if t == "region" || t == "nation" {
			req = 1
		}
		n := fileCount(rows, rawRowBytes[t], req, 1)
		for f := range n {
			lo, hi := rows*int64(f)/int64(n), rows*int64(f+1)/int64(n)
			jobs = append(jobs, job{
				tables: []string{t}, file: f, lo: lo, hi: hi,
				rgRows: rowGroupRows((rows+int64(n)-1)/int64(n), rgRequested),
				cost:   (hi - lo) * rawRowBytes[t],
			})
		}
	}
	if len(orderTables) > 0 {
		rows := s.orders
		n := fileCount(rows, linesPerOrder*rawRowBytes["lineitem"], filesPerTable, 2)
		perFile := (rows + int64(n) - 1) / int64(n)
		for f := range n {
			lo, hi := rows*int64(f)/int64(n), rows*int64(f+1)/int64(n)
			jobs = append(jobs, job{
				tables: orderTables, file: f, lo: lo, hi: hi,
				rgRows: rowGroupRows(perFile, rgRequested),
				lgRows: rowGroupRows(perFile*linesPerOrder, rgRequested),
				cost:   (hi - lo) * (rawRowBytes["orders"] + linesPerOrder*rawRowBytes["lineitem"]),
			})
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return cmp.Compare(b.cost, a.cost) })
	return jobs
}

// runJobs runs the jobs on par workers. The first error cancels the others.
func runJobs(ctx context.Context, g *generator, jobs []job, par int, dir string, codec compress.Codec) ([]fileResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		results  []fileResult
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan job)
	for range min(par, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batches := batchCache{} // reused from job to job: no regrowing
			for j := range next {
				res, err := g.runJob(ctx, j, dir, codec, batches)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				results = append(results, res...)
				mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return results, nil
}

// batchCache holds a worker's batches, one per table.
type batchCache map[string]*batch

func (c batchCache) get(table string) *batch {
	b, ok := c[table]
	if !ok {
		b = newBatch(tableDefs[table])
		c[table] = b
	}
	b.reset()
	return b
}

// runJob writes the files of one job.
func (g *generator) runJob(ctx context.Context, j job, dir string, codec compress.Codec, batches batchCache) ([]fileResult, error) {
	if j.tables[0] == "orders" || j.tables[0] == "lineitem" {
		return g.runOrdersJob(ctx, j, dir, codec, batches)
	}
	def := tableDefs[j.tables[0]]
	fw, err := createFile(filepath.Join(dir, def.name, FileName(j.file)), def, codec, g.sf)
	if err != nil {
		return nil, err
	}
	b := batches.get(def.name)
	for start := j.lo; start < j.hi; start += j.rgRows {
		if err := ctx.Err(); err != nil {
			fw.abort()
			return nil, err
		}
		end := min(start+j.rgRows, j.hi)
		b.reset()
		switch def.name {
		case "region":
			g.genRegion(b, start, end)
		case "nation":
			g.genNation(b, start, end)
		case "supplier":
			g.genSupplier(b, start, end)
		case "customer":
			g.genCustomer(b, start, end)
		case "part":
			g.genPart(b, start, end)
		case "partsupp":
			g.genPartsupp(b, start, end)
		}
		if err := fw.writeRowGroup(b); err != nil {
			fw.abort()
			return nil, err
		}
	}
	if err := fw.close(); err != nil {
		return nil, err
	}
	return []fileResult{{table: def.name, file: j.file, rows: fw.rows}}, nil
}

// runOrdersJob writes the orders and/or lineitem file of one range of orders.
// Orders row groups hold exactly rgRows orders; a lineitem row group is cut
// at the first order boundary at or after lgRows lines.
func (g *generator) runOrdersJob(ctx context.Context, j job, dir string, codec compress.Codec, batches batchCache) (results []fileResult, err error) {
	var ow, lw *fileWriter
	var ob, lb *batch
	defer func() {
		if err != nil {
			for _, w := range []*fileWriter{ow, lw} {
				if w != nil {
					w.abort()
				}
			}
		}
	}()
	for _, t := range j.tables {
		def := tableDefs[t]
		w, err := createFile(filepath.Join(dir, t, FileName(j.file)), def, codec, g.sf)
		if err != nil {
			return nil, err
		}
		if t == "orders" {
			ow, ob = w, batches.get(t)
		} else {
			lw, lb = w, batches.get(t)
		}
	}
	for i := j.lo; i < j.hi; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Generate as many orders as fit in the orders row group and, since an
		// order has at most 7 lines, cannot overshoot the lineitem row group
		// by more than 6 lines.
		n := j.hi - i
		if ob != nil {
			n = min(n, j.rgRows-int64(ob.rows))
		}
		if lb != nil {
			n = min(n, max(1, (j.lgRows-int64(lb.rows)+6)/7))
		}
		g.genOrders(ob, lb, i, i+n)
		i += n
		if ob != nil && (int64(ob.rows) >= j.rgRows || i == j.hi) {
			if err := ow.writeRowGroup(ob); err != nil {
				return nil, err
			}
			ob.reset()
		}
		if lb != nil && (int64(lb.rows) >= j.lgRows || i == j.hi) {
			if err := lw.writeRowGroup(lb); err != nil {
				return nil, err
			}
			lb.reset()
		}
	}
	for _, w := range []*fileWriter{ow, lw} {
		if w == nil {
			continue
		}
		if err := w.close(); err != nil {
			return nil, err
		}
		results = append(results, fileResult{table: w.def.name, file: j.file, rows: w.rows})
	}
	return results, nil
}

// Exists tells whether dir holds a complete dataset of all eight tables at
// scale factor sf made by this GeneratorVersion: its marker file says so and
// every file it lists is there.
func Exists(dir string, sf float64) bool {
	m, err := ReadMarker(dir)
	if err != nil || m.Generator != markerGenerator || m.Version != GeneratorVersion || m.SF != sf {
		return false
	}
	for _, t := range Tables {
		mt, ok := m.Tables[t]
		if !ok || mt.Files < 1 {
			return false
		}
		for f := range mt.Files {
			if fi, err := os.Stat(filepath.Join(dir, t, FileName(f))); err != nil || !fi.Mode().IsRegular() {
				return false
			}
		}
	}
	return true
}

// ReadMarker reads the marker file of a dataset directory.
func ReadMarker(dir string) (Marker, error) {
	data, err := os.ReadFile(filepath.Join(dir, MarkerFile))
	if err != nil {
		return Marker{}, fmt.Errorf("tpch: %w", err)
	}
	var m Marker
	if err := json.Unmarshal(data, &m); err != nil {
		return Marker{}, fmt.Errorf("tpch: reading %s: %w", filepath.Join(dir, MarkerFile), err)
	}
	return m, nil
}
