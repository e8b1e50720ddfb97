package edgedata

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/gluten-go/gluten-go/benchmarks/tpch"
)

// SuiteSF is the TPC-H scale factor of the correctness suite's dataset.
const SuiteSF = 0.01

// GenerateSuite writes the correctness suite's dataset into dir: TPC-H at
// SuiteSF under dir/tpch and the edge table under dir/edge. It returns the
// path of every table by name (the eight TPC-H tables and "edge"). The suite
// runner (engine/suite_test.go) and the reference generator
// (benchmarks/duckdb's refgen) both call it, so that they see the same data.
// dir/tpch must not exist or be empty.
func GenerateSuite(ctx context.Context, dir string) (map[string]string, error) {
	tp := filepath.Join(dir, "tpch")
	if err := tpch.Generate(ctx, tpch.Options{SF: SuiteSF, Dir: tp}); err != nil {
		return nil, fmt.Errorf("edgedata: generating TPC-H SF%g: %w", SuiteSF, err)
	}
	if err := Generate(dir); err != nil {
		return nil, err
	}
	tables := map[string]string{TableName: filepath.Join(dir, TableName)}
	for _, name := range tpch.Tables {
		tables[name] = filepath.Join(tp, name)
	}
	return tables, nil
}
