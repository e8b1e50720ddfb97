// Command refgen computes the expected rows of gluten-go's correctness suite
// with DuckDB and writes them into the suite files in place.
//
//	go run ./cmd/refgen [-dir ../../engine/testdata/sql] [-run REGEXP]
//
// It generates the suite's dataset (edgedata.GenerateSuite: TPC-H SF0.01 and
// the edge table) into a temporary directory, creates a DuckDB view over
// read_parquet for each table, runs each query record's duckdb: section (or
// its Spark SQL when it has none) and replaces the record's expected rows
// (sorted as text for rowsort records). Error records are left alone. A
// record whose DuckDB query fails keeps its old rows and is reported; the
// exit status is then 1.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/gluten-go/gluten-go/benchmarks/duckdb/internal/duck"
	"github.com/gluten-go/gluten-go/benchmarks/edgedata"
	"github.com/gluten-go/gluten-go/benchmarks/edgedata/slt"
	"github.com/gluten-go/gluten-go/benchmarks/tpch"
)

func main() {
	dir := flag.String("dir", filepath.Join("..", "..", "engine", "testdata", "sql"), "directory of the *.slt suite files")
	run := flag.String("run", "", "regenerate only the records whose name (file:line[:label]) matches this regexp")
	sf := flag.Float64("tpch", 0, "instead of the suite's dataset, use TPC-H alone at this scale factor (for engine/testdata/tpch/sf*)")
	flag.Parse()
	if err := refgen(context.Background(), *dir, *run, *sf); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func refgen(ctx context.Context, dir, run string, sf float64) error {
	var filter *regexp.Regexp
	if run != "" {
		var err error
		if filter, err = regexp.Compile(run); err != nil {
			return fmt.Errorf("-run: %w", err)
		}
	}
	files, err := slt.Files(dir)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gluten-go-refgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var tables map[string]string
	if sf > 0 {
		tables = map[string]string{}
		if err := tpch.Generate(ctx, tpch.Options{SF: sf, Dir: filepath.Join(tmp, "tpch")}); err != nil {
			return err
		}
		for _, t := range tpch.Tables {
			tables[t] = filepath.Join(tmp, "tpch", t)
		}
	} else if tables, err = edgedata.GenerateSuite(ctx, tmp); err != nil {
		return err
	}
	s, err := duck.Open(ctx, 1) // one thread: float sums in a fixed order, so the files do not churn
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.RegisterViews(ctx, tables); err != nil {
		return err
	}

	var failed, done int
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out, err := slt.Rewrite(filepath.Base(path), src, func(rec *slt.Record) ([]string, error) {
			if filter != nil && !filter.MatchString(rec.Name()) {
				return rec.Expected, nil
			}
			rows, err := s.Rows(ctx, rec.ReferenceSQL())
			if err != nil {
				failed++
				fmt.Fprintf(os.Stderr, "%s: %v\n", rec.Name(), err)
				return rec.Expected, nil
			}
			if rec.Sort == slt.RowSort {
				slices.Sort(rows)
			}
			done++
			return rows, nil
		})
		if err != nil {
			return err
		}
		if !bytes.Equal(out, src) {
			if err := os.WriteFile(path, out, 0o644); err != nil {
				return err
			}
			fmt.Printf("updated %s\n", path)
		}
	}
	fmt.Printf("%d records regenerated, %d failed\n", done, failed)
	if failed > 0 {
		return fmt.Errorf("%d records failed in DuckDB", failed)
	}
	return nil
}
