package pqscan

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readEverything opens path and reads every row group and readable column,
// returning the first error.
func readEverything(mem memory.Allocator, path string) error {
	f, err := Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cols := make([]int, len(f.Schema().Fields()))
	for i := range cols {
		cols[i] = i
	}
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		_ = f.ColumnStats(rg, 0)
		r, err := f.ReadRowGroup(context.Background(), mem, rg, cols, 1000)
		if err != nil {
			return err
		}
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				return err
			}
			rec.Release()
		}
		r.Close()
	}
	return nil
}

// readableBadData lists the files of bad_data/ that gluten-go reads without
// an error, with the reason; for them the test checks what it can instead.
var readableBadData = map[string]string{
	"ARROW-GH-43605.parquet": "a valid file that crashed Arrow C++ (a one-value dictionary, indexes of bit width 0); " +
		"its values are cross-checked against pqarrow",
	"ARROW-GH-45185.parquet": "the corruption (a record starting with a nonzero repetition level) is in a LIST column, " +
		"which is Unsupported and never decoded",
	"ARROW-RS-GH-6229-LEVELS.parquet": "the corruption (bad levels) is in a nested LIST column, which is Unsupported and never decoded",
}

func TestBadData(t *testing.T) {
	dir := testingDir(t, "bad_data")
	files, err := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no files in bad_data")
	}
	for _, path := range files {
		base := filepath.Base(path)
		t.Run(base, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			done := make(chan error, 1)
			go func() { done <- readEverything(mem, path) }()
			select {
			case err := <-done:
				if reason, ok := readableBadData[base]; ok {
					if err != nil {
						t.Fatalf("%s should read (%s): %v", base, reason, err)
					}
					checkReadableBadData(t, mem, path)
					mem.AssertSize(t, 0)
					return
				}
				if err == nil {
					t.Fatalf("read %s without an error", base)
				}
				if !strings.Contains(err.Error(), base) {
					t.Errorf("error does not name the file: %v", err)
				}
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
					t.Errorf("error wraps neither ErrCorrupt nor ErrUnsupported: %v", err)
				}
				t.Logf("%v", err)
				mem.AssertSize(t, 0)
			case <-time.After(20 * time.Second):
				t.Fatalf("reading %s did not finish in 20s", base)
			}
		})
	}
}

func checkReadableBadData(t *testing.T, mem memory.Allocator, path string) {
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(f.Schema().Fields()) == 0 {
		// Only nested columns: they must be reported, and a zero-column
		// read must still count the rows.
		if len(f.Unsupported()) == 0 {
			t.Fatalf("no readable and no unsupported columns")
		}
		var rows int64
		for rg := 0; rg < f.NumRowGroups(); rg++ {
			r, err := f.ReadRowGroup(context.Background(), mem, rg, nil, 1024)
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
				rows += rec.NumRows()
				rec.Release()
			}
			r.Close()
		}
		if rows != f.NumRows() {
			t.Fatalf("zero-column read counted %d rows, want %d", rows, f.NumRows())
		}
		return
	}
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		for col := range f.Schema().Fields() {
			got, err := columnValues(t, f, mem, rg, col, 1000)
			if err != nil {
				t.Fatal(err)
			}
			compareValues(t, "vs pqarrow", got, oracleColumn(t, path, rg, f.cols[col].leaf))
		}
	}
}
