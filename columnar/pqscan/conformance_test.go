package pqscan

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// parquetTesting is the apache/parquet-testing checkout shared by the
// project, relative to this package.
const parquetTesting = "../../../shared/parquet-testing"

func testingDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(parquetTesting, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("parquet-testing files not found at %s (%v); skipping", dir, err)
	}
	return dir
}

// expectReadError lists the files of data/ that open but whose data must
// fail to read, with the reason.
var expectReadError = map[string]string{
	"datapage_v1-corrupt-checksum.parquet":           "a page CRC does not match: parquet-go verifies page checksums",
	"rle-dict-uncompressed-corrupt-checksum.parquet": "a page CRC does not match: parquet-go verifies page checksums",
}

// noOracle lists the files of data/ excluded from the cross-check against
// arrow-go's pqarrow reader, with the reason. Their values are still read
// (and checked against *_expect.csv or dedicated tests where there is one).
var noOracle = map[string]string{
	"hadoop_lz4_compressed.parquet":             "pqarrow: compression for LZ4 unimplemented",
	"hadoop_lz4_compressed_larger.parquet":      "pqarrow: compression for LZ4 unimplemented",
	"non_hadoop_lz4_compressed.parquet":         "pqarrow: compression for LZ4 unimplemented",
	"int96_from_spark.parquet":                  "pqarrow: INT96 values outside the nanosecond range fail; checked by TestInt96FromSpark",
	"unknown-logical-type.parquet":              "pqarrow panics: invalid logical type",
	"datapage_v2_empty_datapage.snappy.parquet": "pqarrow: s2: corrupt input on the empty compressed page; checked by TestEmptyDataPageV2",
}

func TestConformanceData(t *testing.T) {
	dir := testingDir(t, "data")
	files, err := filepath.Glob(filepath.Join(dir, "*.parquet*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no parquet files")
	}
	seen := map[string]bool{}
	for _, path := range files {
		base := filepath.Base(path)
		if !strings.HasSuffix(base, ".parquet") && !strings.HasSuffix(base, ".parquet.encrypted") {
			continue
		}
		seen[base] = true
		t.Run(base, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			conformanceFile(t, mem, path)
		})
	}
	for name := range expectReadError {
		if !seen[name] {
			t.Errorf("expectReadError names %s, which is not in %s", name, dir)
		}
	}
	for name := range noOracle {
		if !seen[name] {
			t.Errorf("noOracle names %s, which is not in %s", name, dir)
		}
	}
}

func conformanceFile(t *testing.T, mem memory.Allocator, path string) {
	base := filepath.Base(path)
	f, err := Open(path)
	if strings.HasSuffix(base, ".encrypted") {
		if !errors.Is(err, ErrEncrypted) || !strings.Contains(err.Error(), base) ||
			!strings.Contains(err.Error(), "encrypted Parquet files are not supported") {
			t.Fatalf("Open of an encrypted file: got %v, want ErrEncrypted naming the file", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer f.Close()
	for _, u := range f.Unsupported() {
		if u.Name == "" || !strings.Contains(u.Reason, u.Name) {
			t.Errorf("unsupported column without a clear reason: %+v", u)
		}
	}
	// Our values, per row group and column.
	ours := make([][][]any, f.NumRowGroups())
	var readErr error
	for rg := range ours {
		ours[rg] = make([][]any, len(f.Schema().Fields()))
		for col := range ours[rg] {
			vals, err := columnValues(t, f, mem, rg, col, 37)
			if err != nil {
				readErr = err
				break
			}
			if int64(len(vals)) != f.RowGroupNumRows(rg) {
				t.Errorf("rg %d col %d: %d values, want %d", rg, col, len(vals), f.RowGroupNumRows(rg))
			}
			ours[rg][col] = vals
		}
		if readErr != nil {
			break
		}
	}
	if reason, ok := expectReadError[base]; ok {
		if readErr == nil {
			t.Fatalf("read succeeded, want an error (%s)", reason)
		}
		if !errors.Is(readErr, ErrCorrupt) || !strings.Contains(readErr.Error(), base) {
			t.Fatalf("read error %q does not wrap ErrCorrupt or name the file", readErr)
		}
		return
	}
	if readErr != nil {
		t.Fatalf("read: %v", readErr)
	}
	// All columns at once, whole row groups, must agree with the per-column reads.
	allCols := make([]int, len(f.Schema().Fields()))
	for i := range allCols {
		allCols[i] = i
	}
	for rg := range ours {
		got := readRowGroupValues(t, f, mem, rg, allCols, 1000, 2)
		for col := range allCols {
			compareValues(t, fmt.Sprintf("multi-column rg %d col %d", rg, col), got[col], ours[rg][col])
		}
	}
	if reason, ok := noOracle[base]; ok {
		t.Logf("no pqarrow cross-check: %s", reason)
	} else {
		for rg := range ours {
			for col := range ours[rg] {
				want := oracleColumn(t, path, rg, f.cols[col].leaf)
				compareValues(t, fmt.Sprintf("rg %d col %q", rg, f.Schema().Field(col).Name), ours[rg][col], want)
			}
		}
	}
	csvPath := strings.TrimSuffix(path, ".parquet") + "_expect.csv"
	if _, err := os.Stat(csvPath); err == nil {
		checkExpectCSV(t, f, ours, csvPath)
	}
}

// readRowGroupValues reads the columns cols of row group rg in one reader
// and returns their canonical values per column.
func readRowGroupValues(t *testing.T, f *File, mem memory.Allocator, rg int, cols []int, batchSize, parallelism int) [][]any {
	t.Helper()
	r, err := f.ReadRowGroupParallel(context.Background(), mem, rg, cols, batchSize, parallelism)
	if err != nil {
		t.Fatalf("ReadRowGroup: %v", err)
	}
	defer r.Close()
	out := make([][]any, len(cols))
	for {
		rec, err := r.Next()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("Next: %v", err)
			}
			return out
		}
		for c := range cols {
			for i := 0; i < int(rec.NumRows()); i++ {
				out[c] = append(out[c], canon(rec.Column(c), i))
			}
		}
		rec.Release()
	}
}

// oracleColumn reads leaf column leaf of row group rg with pqarrow.
func oracleColumn(t *testing.T, path string, rg, leaf int) []any {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("pqarrow open: %v", err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("pqarrow: %v", err)
	}
	tbl, err := fr.ReadRowGroups(context.Background(), []int{leaf}, []int{rg})
	if err != nil {
		t.Fatalf("pqarrow read: %v", err)
	}
	defer tbl.Release()
	var out []any
	for _, chunk := range tbl.Column(0).Data().Chunks() {
		for i := 0; i < chunk.Len(); i++ {
			out = append(out, canon(chunk, i))
		}
	}
	return out
}

func compareValues(t *testing.T, what string, got, want []any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	bad := 0
	for i := range got {
		if !equalValues(got[i], want[i]) {
			if bad < 5 {
				t.Errorf("%s: value %d = %#v, want %#v", what, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d values differ in all", what, bad)
	}
}

// checkExpectCSV compares the file's values with its *_expect.csv (columns
// by position, an empty field for null).
func checkExpectCSV(t *testing.T, f *File, ours [][][]any, path string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s is empty", path)
	}
	rows = rows[1:]
	if len(f.Unsupported()) != 0 || len(rows[0]) != len(f.Schema().Fields()) {
		t.Fatalf("%s has %d columns, the file %d readable of %d", path, len(rows[0]), len(f.Schema().Fields()), len(f.Schema().Fields())+len(f.Unsupported()))
	}
	var all [][]any // per column, all row groups
	for col := range f.Schema().Fields() {
		var vals []any
		for rg := range ours {
			vals = append(vals, ours[rg][col]...)
		}
		all = append(all, vals)
	}
	if len(all[0]) != len(rows) {
		t.Fatalf("%d rows, %s has %d", len(all[0]), path, len(rows))
	}
	bad := 0
	for i, row := range rows {
		for col, field := range row {
			got := csvText(all[col][i])
			if got != field && bad < 5 {
				t.Errorf("%s row %d col %d: %q, want %q", filepath.Base(path), i, col, got, field)
				bad++
			}
		}
	}
}

// csvText renders a canonical value as the expectation CSVs do.
func csvText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatFloat(math.Float64frombits(x), 'g', -1, 64)
	case string:
		return strings.TrimPrefix(x, "b:")
	case decimal128.Num:
		return x.BigInt().String()
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
