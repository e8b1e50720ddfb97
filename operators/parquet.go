package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/pqscan"
)

// ParquetSource is a table stored as Parquet files: one file, a directory of
// them (read recursively, skipping names starting with '_' or '.', as Spark
// does), or a glob pattern.
type ParquetSource struct {
	path   string
	schema *arrow.Schema

	rowsOnce sync.Once
	rows     int64
	rowsErr  error
}

// RowCount implements RowCounter: the sum of the files' row counts, read
// from their footers on first use and kept (it only guides join order).
func (s *ParquetSource) RowCount() (int64, error) {
	s.rowsOnce.Do(func() {
		files, err := ListParquetFiles(s.path)
		if err != nil {
			s.rowsErr = err
			return
		}
		for _, path := range files {
			f, err := pqscan.Open(path)
			if err != nil {
				s.rowsErr = err
				return
			}
			s.rows += f.NumRows()
			f.Close()
		}
	})
	return s.rows, s.rowsErr
}

// NewParquetSource resolves path and reads the schema from the first file.
func NewParquetSource(path string) (*ParquetSource, error) {
	files, err := ListParquetFiles(path)
	if err != nil {
		return nil, err
	}
	f, err := pqscan.Open(files[0])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Schema().NumFields() == 0 {
		if u := f.Unsupported(); len(u) > 0 {
			return nil, fmt.Errorf("%s: no column gluten-go can read: %s", files[0], u[0].Reason)
		}
		return nil, fmt.Errorf("%s: the file has no columns", files[0])
	}
	return &ParquetSource{path: path, schema: f.Schema()}, nil
}

// ListParquetFiles resolves a table path into its Parquet files, sorted.
func ListParquetFiles(path string) ([]string, error) {
	var matches []string
	if strings.ContainsAny(path, "*?[") {
		m, err := filepath.Glob(path)
		if err != nil {
			return nil, fmt.Errorf("bad glob pattern %q: %w", path, err)
		}
		matches = m
	} else {
		matches = []string{path}
	}
	var files []string
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil {
			return nil, fmt.Errorf("table path %s: %w", m, unwrapPathError(err))
		}
		if !st.IsDir() {
			files = append(files, m)
			continue
		}
		err = filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if p != m && (strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && strings.HasSuffix(strings.ToLower(name), ".parquet") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", m, err)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Parquet files found at %s", path)
	}
	sort.Strings(files)
	return files, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Schema implements TableSource.
func (s *ParquetSource) Schema() *arrow.Schema { return s.schema }

// Format implements TableSource.
func (s *ParquetSource) Format() string { return "Parquet" }

// Location implements TableSource.
func (s *ParquetSource) Location() string { return "InMemoryFileIndex(1 paths)[" + s.path + "]" }

type rowGroupSplit struct {
	file  string
	rg    int
	bytes int64
	cols  []int // column positions in this file
}

// Plan implements TableSource: it reads every file's footer, checks the
// schema, skips row groups the pruning predicates rule out, and packs the
// rest into partitions as Spark's FilePartition does.
func (s *ParquetSource) Plan(ctx context.Context, req ScanRequest) (*ScanPlan, error) {
	files, err := ListParquetFiles(s.path)
	if err != nil {
		return nil, err
	}
	plan := &ScanPlan{Files: len(files)}
	type fileResult struct {
		splits []rowGroupSplit
		rgs    int
		pruned int
		err    error
	}
	results := make([]fileResult, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, path := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, path string) {
			defer wg.Done()
			defer func() { <-sem }()
			results[i].splits, results[i].rgs, results[i].pruned, results[i].err = s.planFile(ctx, path, req)
		}(i, path)
	}
	wg.Wait()
	var splits []rowGroupSplit
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		splits = append(splits, r.splits...)
		plan.RowGroups += r.rgs
		plan.RowGroupsPruned += r.pruned
	}
	var total int64
	for _, sp := range splits {
		total += sp.bytes + req.OpenCostBytes
		plan.Bytes += sp.bytes
	}
	par := max(1, req.Parallelism)
	maxSplit := req.MaxPartitionBytes
	if maxSplit <= 0 {
		maxSplit = 128 << 20
	}
	maxSplit = min(maxSplit, max(req.OpenCostBytes, total/int64(par)))
	var cur *parquetPartition
	var curBytes int64
	for _, sp := range splits {
		if cur != nil && curBytes+sp.bytes > maxSplit {
			plan.Partitions = append(plan.Partitions, cur)
			cur = nil
		}
		if cur == nil {
			cur = &parquetPartition{}
			curBytes = 0
		}
		cur.splits = append(cur.splits, sp)
		curBytes += sp.bytes + req.OpenCostBytes
	}
	if cur != nil {
		plan.Partitions = append(plan.Partitions, cur)
	}
	return plan, nil
}

func (s *ParquetSource) planFile(ctx context.Context, path string, req ScanRequest) ([]rowGroupSplit, int, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, 0, err
	}
	f, err := pqscan.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	// Map the requested columns by name, checking types.
	cols := make([]int, len(req.Columns))
	for i, c := range req.Columns {
		want := s.schema.Field(c)
		j := f.ColumnIndex(want.Name)
		if j < 0 {
			return nil, 0, 0, fmt.Errorf("%s: column %q of the table is missing from this file", path, want.Name)
		}
		if got := f.Schema().Field(j).Type; !arrow.TypeEqual(got, want.Type) {
			return nil, 0, 0, fmt.Errorf("%s: column %q has type %s, but the table's first file has %s",
				path, want.Name, columnar.TypeName(got), columnar.TypeName(want.Type))
		}
		cols[i] = j
	}
	pruneCols := make([]int, len(req.Prune))
	for i, p := range req.Prune {
		pruneCols[i] = f.ColumnIndex(s.schema.Field(p.Column).Name)
	}
	var splits []rowGroupSplit
	pruned := 0
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		n := f.RowGroupNumRows(rg)
		if n == 0 {
			continue
		}
		keep := true
		for i, p := range req.Prune {
			if pruneCols[i] < 0 {
				continue
			}
			st := f.ColumnStats(rg, pruneCols[i])
			cs := ColumnStats{Min: st.Min, Max: st.Max, HasMinMax: st.HasMinMax,
				NullCount: st.NullCount, HasNullCount: st.HasNullCount, NumRows: n}
			if !p.CanMatch(cs) {
				keep = false
				break
			}
		}
		if !keep {
			pruned++
			continue
		}
		splits = append(splits, rowGroupSplit{file: path, rg: rg, bytes: f.RowGroupByteSize(rg), cols: cols})
	}
	return splits, f.NumRowGroups(), pruned, nil
}

type parquetPartition struct {
	splits []rowGroupSplit
}

// Open implements ScanPartition.
func (p *parquetPartition) Open(ctx context.Context, task *TaskContext) (Stream, error) {
	return &parquetStream{ctx: ctx, task: task, splits: p.splits}, nil
}

type parquetStream struct {
	ctx    context.Context
	task   *TaskContext
	splits []rowGroupSplit
	next   int
	file   *pqscan.File
	rgr    *pqscan.RowGroupReader
}

func (s *parquetStream) Next() (arrow.RecordBatch, error) {
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if s.rgr == nil {
			if s.next >= len(s.splits) {
				s.closeFile()
				return nil, io.EOF
			}
			sp := s.splits[s.next]
			s.next++
			if s.file == nil || s.file.Name() != sp.file {
				s.closeFile()
				f, err := pqscan.Open(sp.file)
				if err != nil {
					return nil, err
				}
				s.file = f
			}
			r, err := s.file.ReadRowGroup(s.ctx, s.task.Alloc, sp.rg, sp.cols, max(1, s.task.BatchSize))
			if err != nil {
				return nil, err
			}
			s.rgr = r
		}
		b, err := s.rgr.Next()
		if errors.Is(err, io.EOF) {
			s.rgr.Close()
			s.rgr = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		return b, nil
	}
}

func (s *parquetStream) closeFile() {
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
}

func (s *parquetStream) Close() {
	if s.rgr != nil {
		s.rgr.Close()
		s.rgr = nil
	}
	s.closeFile()
}
