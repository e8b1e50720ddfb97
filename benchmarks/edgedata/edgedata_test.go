package edgedata

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/pqscan"
)

// column is everything the tests read back of one column.
type column struct {
	nulls int
	vals  []any // non-null values, as pqscan's scalar representation (nil for NULL)
}

// readTable reads every file of dir/edge with the engine's reader.
func readTable(t *testing.T, dir string) (*arrow.Schema, []column, []int64) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	files, err := filepath.Glob(filepath.Join(dir, TableName, "*.parquet"))
	if err != nil || len(files) != numFiles {
		t.Fatalf("files %v, err %v; want %d files", files, err, numFiles)
	}
	var schema *arrow.Schema
	cols := make([]column, numCols)
	var ids []int64
	for _, path := range files {
		f, err := pqscan.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Unsupported()) != 0 {
			t.Errorf("%s: unsupported columns %v", path, f.Unsupported())
		}
		if f.NumRowGroups() != rowGroupsPerFile {
			t.Errorf("%s: %d row groups, want %d", path, f.NumRowGroups(), rowGroupsPerFile)
		}
		schema = f.Schema()
		all := make([]int, schema.NumFields())
		for i := range all {
			all[i] = i
		}
		for rg := range f.NumRowGroups() {
			r, err := f.ReadRowGroup(context.Background(), mem, rg, all, 100)
			if err != nil {
				t.Fatal(err)
			}
			for {
				rec, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				for c, arr := range rec.Columns() {
					for i := range arr.Len() {
						if arr.IsNull(i) {
							cols[c].nulls++
							cols[c].vals = append(cols[c].vals, nil)
							continue
						}
						cols[c].vals = append(cols[c].vals, value(arr, i))
					}
				}
				ids = append(ids, rec.Column(colID).(*array.Int64).Int64Values()...)
				rec.Release()
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return schema, cols, ids
}

func value(arr arrow.Array, i int) any {
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i).BigInt().String()
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC().Format("2006-01-02 15:04:05.999999")
	}
	return nil
}

func contains(vals []any, want any) bool {
	for _, v := range vals {
		if v == want {
			return true
		}
	}
	return false
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	schema, cols, ids := readTable(t, dir)
	if !schema.Equal(Schema()) {
		t.Errorf("schema read back:\n%s\nwant:\n%s", schema, Schema())
	}
	if len(ids) != Rows {
		t.Fatalf("%d rows, want %d", len(ids), Rows)
	}
	for i, id := range ids {
		if id != int64(i) {
			t.Fatalf("row %d has id %d: want ids 0..%d in order", i, id, Rows-1)
		}
	}
	for c, col := range cols {
		name := Schema().Field(c).Name
		share := float64(col.nulls) / Rows
		switch c {
		case colID:
			if col.nulls != 0 {
				t.Errorf("id has %d NULLs", col.nulls)
			}
		case colN:
			// NULL on group 3 (a fifth of the rows) and a fifth of the rest.
			if share < 0.25 || share > 0.5 {
				t.Errorf("column %s: %.0f%% NULLs, want 25%%..50%%", name, 100*share)
			}
		default:
			if share < 0.08 || share > 0.3 {
				t.Errorf("column %s: %.0f%% NULLs, want 8%%..30%%", name, 100*share)
			}
		}
	}
	for i, g := range cols[colGrp].vals {
		if g == int32(3) && cols[colN].vals[i] != nil {
			t.Fatalf("id %d: n = %v in group 3, want NULL", i, cols[colN].vals[i])
		}
	}
	for _, tc := range []struct {
		col  int
		want any
	}{
		{colB, true}, {colB, false},
		{colI, int32(math.MinInt32)}, {colI, int32(math.MaxInt32)},
		{colL, int64(math.MinInt64)}, {colL, int64(math.MaxInt64)},
		{colD, 1e300}, {colD, -1e300}, {colD, 5e-324}, {colD, 0.0},
		{colDec, "999999999999999"}, {colDec, "-999999999999999"}, {colDec, "-5"},
		{colBig, "99999999999999999999999999999999999999"}, {colBig, "-99999999999999999999999999999999999999"},
		{colS, ""}, {colS, "日本語"}, {colS, "emoji 😀!"}, {colS, "50% off_"}, {colS, `back\slash`}, {colS, " lead"},
		{colBin, ""}, {colBin, "\xff\x00"},
		{colDt, "0001-01-01"}, {colDt, "2024-02-29"}, {colDt, "9999-12-31"},
		{colTs, "1969-12-31 23:59:59.999999"}, {colTs, "9999-12-31 23:59:59.999999"}, {colTs, "2000-02-29 12:34:56.789"},
	} {
		if !contains(cols[tc.col].vals, tc.want) {
			t.Errorf("column %s lacks the value %q", Schema().Field(tc.col).Name, tc.want)
		}
	}
	for _, v := range cols[colD].vals {
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0) || f == 0 && math.Signbit(f)) {
			t.Errorf("column d holds %v; NaN, infinities and -0.0 are kept out", f)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Generate(a); err != nil {
		t.Fatal(err)
	}
	if err := Generate(b); err != nil {
		t.Fatal(err)
	}
	// A second run over an existing table replaces it.
	if err := Generate(b); err != nil {
		t.Fatal(err)
	}
	for f := range numFiles {
		name := filepath.Join(TableName, fmt.Sprintf("part-%05d.parquet", f))
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	left, err := filepath.Glob(filepath.Join(b, TableName, "*.tmp"))
	if err != nil || len(left) != 0 {
		t.Errorf("temporary files left behind: %v %v", left, err)
	}
}

func TestGenerateErrors(t *testing.T) {
	if err := Generate(""); err == nil {
		t.Error("Generate(\"\") succeeded")
	}
	// A regular file where the directory should be.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Generate(file); err == nil {
		t.Errorf("Generate over a regular file succeeded")
	}
}

func TestGenerateSuite(t *testing.T) {
	dir := t.TempDir()
	tables, err := GenerateSuite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 9 {
		t.Errorf("%d tables, want the 8 TPC-H tables and edge: %v", len(tables), tables)
	}
	for name, path := range tables {
		files, err := filepath.Glob(filepath.Join(path, "*.parquet"))
		if err != nil || len(files) == 0 {
			t.Errorf("table %s: no Parquet files under %s (%v)", name, path, err)
		}
	}
}
