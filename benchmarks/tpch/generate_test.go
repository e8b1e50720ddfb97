package tpch

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// TestLayout checks the automatic layout: several files and row groups for
// lineitem and orders, one file for the small tables, column statistics.
func TestLayout(t *testing.T) {
	dir := sharedDataset(t)
	li := readTable(t, dir, "lineitem")
	if li.files < 2 {
		t.Errorf("lineitem has %d files, want at least 2", li.files)
	}
	for f, groups := range li.rowGroups {
		if len(groups) < 2 {
			t.Errorf("lineitem file %d has %d row groups, want several", f, len(groups))
		}
	}
	if o := readTable(t, dir, "orders"); o.files != li.files {
		t.Errorf("orders has %d files, lineitem %d: want the same", o.files, li.files)
	}
	for _, small := range []string{"region", "nation", "supplier", "customer", "part", "partsupp"} {
		if d := readTable(t, dir, small); d.files != 1 {
			t.Errorf("%s has %d files at SF %v, want 1", small, d.files, testSF)
		}
	}
	// Statistics: min and max of every column chunk.
	path := filepath.Join(dir, "lineitem", FileName(1))
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fh.Close() }()
	st, _ := fh.Stat()
	pf, err := parquet.OpenFile(fh, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for r, rg := range pf.Metadata().RowGroups {
		for c, cc := range rg.Columns {
			s := cc.MetaData.Statistics
			if len(s.MinValue) == 0 || len(s.MaxValue) == 0 {
				t.Fatalf("row group %d column %d: no min/max statistics", r, c)
			}
			if cc.MetaData.Codec != format.Snappy {
				t.Fatalf("row group %d column %d: codec %v, want SNAPPY", r, c, cc.MetaData.Codec)
			}
		}
	}
	// The orders keys of file 1 start where file 0's stop: the statistics of
	// l_orderkey are increasing from row group to row group.
	var prevMax int64
	for r, rg := range pf.Metadata().RowGroups {
		s := rg.Columns[0].MetaData.Statistics
		lo, hi := parquet.Int64.Value(s.MinValue).Int64(), parquet.Int64.Value(s.MaxValue).Int64()
		if lo > hi || lo < prevMax {
			t.Fatalf("row group %d: l_orderkey in [%d, %d] after %d", r, lo, hi, prevMax)
		}
		prevMax = hi
	}
}

// TestDeterminism generates the dataset again with one worker, another file
// count and another row group size, and compares every value.
func TestDeterminism(t *testing.T) {
	shared := sharedDataset(t)
	dir := filepath.Join(t.TempDir(), "serial")
	const rgRows = 3000
	if err := Generate(context.Background(), Options{SF: testSF, Dir: dir, Parallelism: 1, FilesPerTable: 3, RowGroupRows: rgRows}); err != nil {
		t.Fatal(err)
	}
	for _, name := range Tables {
		a, b := readTable(t, shared, name), readTable(t, dir, name)
		if a.rows != b.rows {
			t.Fatalf("%s: %d rows vs %d", name, a.rows, b.rows)
		}
		for col, ca := range a.cols {
			if !reflect.DeepEqual(ca, b.cols[col]) {
				t.Errorf("%s.%s differs between the two runs", name, col)
			}
		}
		wantFiles := 3
		if name == "region" || name == "nation" {
			wantFiles = 1
		}
		if b.files != wantFiles {
			t.Errorf("%s: %d files with FilesPerTable 3, want %d", name, b.files, wantFiles)
		}
		for f, groups := range b.rowGroups {
			for g, n := range groups {
				last := g == len(groups)-1
				switch {
				case name == "lineitem" && (n < rgRows && !last || n > rgRows+6):
					t.Errorf("lineitem file %d row group %d has %d rows, want %d to %d", f, g, n, rgRows, rgRows+6)
				case name != "lineitem" && (n != rgRows && !last || n > rgRows):
					t.Errorf("%s file %d row group %d has %d rows, want %d", name, f, g, n, rgRows)
				}
			}
		}
	}
}

func TestExists(t *testing.T) {
	dir := sharedDataset(t)
	if !Exists(dir, testSF) {
		t.Fatalf("Exists(%s, %v) = false after Generate", dir, testSF)
	}
	for _, tc := range []struct {
		dir string
		sf  float64
	}{{dir, 0.1}, {dir, 1}, {filepath.Join(dir, "missing"), testSF}, {filepath.Join(dir, "lineitem"), testSF}} {
		if Exists(tc.dir, tc.sf) {
			t.Errorf("Exists(%s, %v) = true", tc.dir, tc.sf)
		}
	}

	// A copy of the marker with one change each time.
	m, err := ReadMarker(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*Marker){
		"older version":   func(m *Marker) { m.Version = GeneratorVersion - 1 },
		"other generator": func(m *Marker) { m.Generator = "dbgen" },
		"missing table":   func(m *Marker) { delete(m.Tables, "lineitem") },
		"missing file":    func(m *Marker) { m.Tables["orders"] = MarkerTable{Files: 9, Rows: 15000} },
	} {
		t.Run(name, func(t *testing.T) {
			other := t.TempDir()
			for _, tbl := range Tables {
				if err := os.Symlink(filepath.Join(dir, tbl), filepath.Join(other, tbl)); err != nil {
					t.Fatal(err)
				}
			}
			mc := m
			mc.Tables = map[string]MarkerTable{}
			for k, v := range m.Tables {
				mc.Tables[k] = v
			}
			writeMarker(t, other, mc)
			if !Exists(other, testSF) {
				t.Fatal("Exists refuses an unchanged copy of the dataset")
			}
			change(&mc)
			writeMarker(t, other, mc)
			if Exists(other, testSF) {
				t.Errorf("Exists accepts a dataset with %s", name)
			}
		})
	}
	// Garbage marker.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, MarkerFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Exists(other, testSF) {
		t.Error("Exists accepts a broken marker")
	}
	if _, err := ReadMarker(other); err == nil || !strings.Contains(err.Error(), MarkerFile) {
		t.Errorf("ReadMarker of a broken marker: %v", err)
	}
}

func writeMarker(t *testing.T, dir string, m Marker) {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, MarkerFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGenerateTarget checks what Generate does with an existing directory.
func TestGenerateTarget(t *testing.T) {
	small := []string{"region", "nation"}
	t.Run("replaces a dataset", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if err := Generate(context.Background(), Options{SF: testSF, Dir: dir, Tables: []string{"supplier"}}); err != nil {
			t.Fatal(err)
		}
		if err := Generate(context.Background(), Options{SF: testSF, Dir: dir, Tables: small}); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if !reflect.DeepEqual(names, []string{MarkerFile, "nation", "region"}) {
			t.Errorf("after replacing: %v", names)
		}
		assertNoTemp(t, filepath.Dir(dir))
	})
	t.Run("fills an empty directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := Generate(context.Background(), Options{SF: testSF, Dir: dir, Tables: small}); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadMarker(dir); err != nil {
			t.Error(err)
		}
	})
	t.Run("refuses other content", func(t *testing.T) {
		dir := t.TempDir()
		keep := filepath.Join(dir, "notes.txt")
		if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := Generate(context.Background(), Options{SF: testSF, Dir: dir, Tables: small})
		if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), dir) {
			t.Fatalf("Generate into a directory with other files: %v", err)
		}
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("the existing file is gone: %v", err)
		}
	})
	t.Run("refuses a file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Generate(context.Background(), Options{SF: testSF, Dir: path}); !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("Generate into a file: %v", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "data")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := Generate(ctx, Options{SF: testSF, Dir: dir}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Generate with a canceled context: %v", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a canceled run left %s: %v", dir, err)
		}
		assertNoTemp(t, parent)
	})
	t.Run("canceled while running", func(t *testing.T) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "data")
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(20 * time.Millisecond)
			cancel()
		}()
		err := Generate(ctx, Options{SF: 0.1, Dir: dir})
		cancel()
		switch {
		case errors.Is(err, context.Canceled):
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a canceled run left %s: %v", dir, err)
			}
		case err == nil: // finished before the cancellation
			if !Exists(dir, 0.1) {
				t.Errorf("Generate succeeded but Exists is false")
			}
		default:
			t.Fatalf("Generate canceled while running: %v", err)
		}
		assertNoTemp(t, parent)
	})
	t.Run("canceled keeps the previous dataset", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if err := Generate(context.Background(), Options{SF: testSF, Dir: dir, Tables: small}); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(filepath.Join(dir, MarkerFile))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := Generate(ctx, Options{SF: 0.1, Dir: dir}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Generate with a canceled context: %v", err)
		}
		after, _ := os.ReadFile(filepath.Join(dir, MarkerFile))
		if string(before) != string(after) {
			t.Errorf("a canceled run changed the previous dataset")
		}
		assertNoTemp(t, filepath.Dir(dir))
	})
}

// assertNoTemp fails if Generate left a temporary directory in parent.
func assertNoTemp(t *testing.T, parent string) {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary directory %s left behind", e.Name())
		}
	}
}

func TestCompression(t *testing.T) {
	for _, tc := range []struct {
		name string
		want format.CompressionCodec
	}{{"zstd", format.Zstd}, {"none", format.Uncompressed}, {"snappy", format.Snappy}, {"", format.Snappy}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := Generate(context.Background(), Options{SF: testSF, Dir: dir, Compression: tc.name, Tables: []string{"supplier"}}); err != nil {
				t.Fatal(err)
			}
			fh, err := os.Open(filepath.Join(dir, "supplier", FileName(0)))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = fh.Close() }()
			st, _ := fh.Stat()
			pf, err := parquet.OpenFile(fh, st.Size())
			if err != nil {
				t.Fatal(err)
			}
			for _, cc := range pf.Metadata().RowGroups[0].Columns {
				if cc.MetaData.Codec != tc.want {
					t.Fatalf("codec %v, want %v", cc.MetaData.Codec, tc.want)
				}
			}
			if d := readTable(t, dir, "supplier"); d.rows != 100 {
				t.Errorf("%d suppliers", d.rows)
			}
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	base := func(change func(*Options)) Options {
		o := Options{SF: testSF, Dir: filepath.Join(t.TempDir(), "data")}
		change(&o)
		return o
	}
	for _, tc := range []struct {
		name    string
		opts    Options
		is      error
		mention string
	}{
		{"zero SF", base(func(o *Options) { o.SF = 0 }), ErrInvalidScale, "0"},
		{"negative SF", base(func(o *Options) { o.SF = -1 }), ErrInvalidScale, "-1"},
		{"NaN SF", base(func(o *Options) { o.SF = math.NaN() }), ErrInvalidScale, "NaN"},
		{"infinite SF", base(func(o *Options) { o.SF = math.Inf(1) }), ErrInvalidScale, "Inf"},
		{"huge SF", base(func(o *Options) { o.SF = MaxScale * 2 }), ErrInvalidScale, "200000"},
		{"tiny SF", base(func(o *Options) { o.SF = 0.001 }), ErrInvalidScale, "partsupp"},
		{"no supplier", base(func(o *Options) { o.SF = 0.00001 }), ErrInvalidScale, "no supplier"},
		{"empty dir", base(func(o *Options) { o.Dir = "" }), ErrInvalidOptions, "Dir"},
		{"negative parallelism", base(func(o *Options) { o.Parallelism = -1 }), ErrInvalidOptions, "Parallelism"},
		{"negative files", base(func(o *Options) { o.FilesPerTable = -2 }), ErrInvalidOptions, "FilesPerTable"},
		{"negative row groups", base(func(o *Options) { o.RowGroupRows = -3 }), ErrInvalidOptions, "RowGroupRows"},
		{"unknown codec", base(func(o *Options) { o.Compression = "lz4" }), ErrInvalidOptions, "lz4"},
		{"unknown table", base(func(o *Options) { o.Tables = []string{"orders", "lineitems"} }), ErrUnknownTable, "lineitems"},
		{"no table", base(func(o *Options) { o.Tables = []string{} }), ErrInvalidOptions, "Tables"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Generate(context.Background(), tc.opts)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("Generate: %v, want %v mentioning %q", err, tc.is, tc.mention)
			}
			if tc.opts.Dir != "" {
				if _, err := os.Stat(tc.opts.Dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a failed Generate created %s", tc.opts.Dir)
				}
			}
		})
	}
}

// TestScaleFactors checks which scale factors newScale accepts: the
// partsupp formula gives distinct suppliers from 0.01 up.
func TestScaleFactors(t *testing.T) {
	for _, sf := range []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000} {
		s, err := newScale(sf)
		if err != nil {
			t.Errorf("SF %v: %v", sf, err)
			continue
		}
		if s.orders != 10*s.customers || s.parts != 20*s.suppliers {
			t.Errorf("SF %v: cardinalities %+v", sf, s)
		}
	}
	for _, sf := range []float64{0.001, 0.005, 0.009, 0.012, 0.015, 0.018, 0.021} {
		if _, err := newScale(sf); !errors.Is(err, ErrInvalidScale) || !strings.Contains(err.Error(), "partsupp") {
			t.Errorf("SF %v: %v, want the partsupp formula refused", sf, err)
		}
	}
	// Exhaustively at a small scale: the four suppliers of each part differ.
	s, _ := newScale(0.01)
	for p := int64(1); p <= s.parts; p++ {
		seen := map[int64]bool{}
		for i := range int64(4) {
			seen[s.partsuppSupplier(p, i)] = true
		}
		if len(seen) != 4 {
			t.Fatalf("part %d has %d distinct suppliers", p, len(seen))
		}
	}
}
