package pqscan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/gluten-go/gluten-go/columnar"
	"github.com/parquet-go/parquet-go"
)

// simpleFile writes rows rows of an int64 column "id" (= row number) and an
// optional string column "s", in row groups of rgRows.
func simpleFile(t testing.TB, rows, rgRows int, opts ...parquet.WriterOption) []byte {
	t.Helper()
	cols := []genCol{
		{name: "id", node: parquet.Leaf(parquet.Int64Type), val: func(i int) (parquet.Value, any, bool) {
			return parquet.Int64Value(int64(i)), int64(i), true
		}},
		{name: "s", node: parquet.String(), opt: true, val: func(i int) (parquet.Value, any, bool) {
			s := fmt.Sprintf("row %d", i)
			return parquet.ByteArrayValue([]byte(s)), s, i%3 != 0
		}},
	}
	data, _ := writeParquetGo(t, cols, rows, append([]parquet.WriterOption{
		parquet.MaxRowsPerRowGroup(int64(rgRows)), parquet.PageBufferSize(4096), parquet.Compression(&parquet.Snappy)}, opts...)...)
	return data
}

func TestInvalidArguments(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f := openBytes(t, simpleFile(t, 100, 50))
	ctx := context.Background()
	tests := []struct {
		name  string
		rg    int
		cols  []int
		batch int
		alloc memory.Allocator
	}{
		{"row group negative", -1, []int{0}, 10, mem},
		{"row group too large", 2, []int{0}, 10, mem},
		{"column too large", 0, []int{2}, 10, mem},
		{"column negative", 0, []int{-1}, 10, mem},
		{"zero batch", 0, []int{0}, 0, mem},
		{"nil allocator", 0, []int{0}, 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := f.ReadRowGroup(ctx, tc.alloc, tc.rg, tc.cols, tc.batch)
			if !errors.Is(err, ErrInvalidArgument) {
				if r != nil {
					r.Close()
				}
				t.Fatalf("got %v, want ErrInvalidArgument", err)
			}
		})
	}
	if f.RowGroupNumRows(5) != 0 || f.RowGroupByteSize(-1) != 0 {
		t.Error("out-of-range row group sizes should be 0")
	}
	if f.ColumnIndex("nope") != -1 || f.ColumnIndex("s") != 1 {
		t.Error("ColumnIndex")
	}
	if _, err := f.ColumnIndexes([]string{"id", "nope"}); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("ColumnIndexes: %v", err)
	}
	r, err := f.ReadRowGroup(ctx, mem, 0, []int{0}, 10)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	r.Close()
	r.Close() // twice is fine
	if _, err := r.Next(); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	f.Close()
	if _, err := f.ReadRowGroup(ctx, mem, 0, []int{0}, 10); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadRowGroup after Close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	good := simpleFile(t, 10, 10)
	pare := append([]byte(nil), good...)
	copy(pare[len(pare)-4:], "PARE")
	tests := []struct {
		name string
		data []byte
		want error
		text string
	}{
		{"empty", nil, ErrCorrupt, "too short"},
		{"no magic", append([]byte("XXXX"), good[4:]...), ErrCorrupt, "does not start with"},
		{"truncated", good[:len(good)-3], ErrCorrupt, "does not end with"},
		{"encrypted footer", pare, ErrEncrypted, "encrypted Parquet files are not supported"},
		{"footer too long", append(append([]byte(nil), good[:len(good)-8]...), 0xff, 0xff, 0xff, 0x7f, 'P', 'A', 'R', '1'), ErrCorrupt, "exceeds the file size"},
		{"garbage footer", append(append(append([]byte("PAR1"), make([]byte, 40)...), 40, 0, 0, 0), "PAR1"...), ErrCorrupt, "file metadata"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenReaderAt(strings.NewReader(string(tc.data)), int64(len(tc.data)), "x.parquet")
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) || !strings.Contains(err.Error(), "x.parquet") {
				t.Fatalf("got %v, want %v containing %q and the name", err, tc.want, tc.text)
			}
		})
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.parquet")); err == nil || !strings.Contains(err.Error(), "missing.parquet") {
		t.Errorf("Open of a missing file: %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Open of a directory: %v", err)
	}
}

func TestBatchBoundaries(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f := openBytes(t, simpleFile(t, 2500, 1000))
	defer f.Close()
	for _, batch := range []int{1, 2, 7, 999, 1000, 1001, 5000} {
		got := readAllColumns(t, f, mem, []int{0, 1}, batch, 1)
		if len(got[0]) != 2500 {
			t.Fatalf("batch %d: %d rows", batch, len(got[0]))
		}
		for i := range got[0] {
			if got[0][i] != int64(i) {
				t.Fatalf("batch %d: row %d id %v", batch, i, got[0][i])
			}
			var want any
			if i%3 != 0 {
				want = fmt.Sprintf("row %d", i)
			}
			if got[1][i] != want {
				t.Fatalf("batch %d: row %d s %v, want %v", batch, i, got[1][i], want)
			}
		}
	}
}

func TestCancellation(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f := openBytes(t, simpleFile(t, 5000, 5000))
	defer f.Close()

	ctx, cancel := context.WithCancel(context.Background())
	r, err := f.ReadRowGroup(ctx, mem, 0, []int{0, 1}, 100)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	cancel()
	if _, err := r.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel: %v", err)
	}
	if _, err := r.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("second Next after cancel: %v", err)
	}
	r.Close()

	// Cancelled before the first page is read (page boundaries check ctx).
	ctx2, cancel2 := context.WithCancel(context.Background())
	r2, err := f.ReadRowGroupParallel(ctx2, mem, 0, []int{1, 0}, 5000, 2)
	if err != nil {
		t.Fatal(err)
	}
	cancel2()
	if _, err := r2.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next: %v", err)
	}
	r2.Close()

	ctx3, cancel3 := context.WithCancel(context.Background())
	cancel3()
	if _, err := f.Scan(ctx3, mem, []int{0}, 100, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("Scan: %v", err)
	}
}

// TestConcurrentRowGroups reads the row groups of one File from several
// goroutines at once (run with -race).
func TestConcurrentRowGroups(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f := openBytes(t, simpleFile(t, 8000, 1000))
	defer f.Close()
	want := readAllColumns(t, f, mem, []int{0, 1}, 333, 1)
	got := make([][][]any, f.NumRowGroups())
	var wg sync.WaitGroup
	errs := make(chan error, f.NumRowGroups())
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.ReadRowGroupParallel(context.Background(), mem, rg, []int{0, 1}, 333, 2)
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			got[rg] = make([][]any, 2)
			for {
				rec, err := r.Next()
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				for c := 0; c < 2; c++ {
					for i := 0; i < int(rec.NumRows()); i++ {
						got[rg][c] = append(got[rg][c], canon(rec.Column(c), i))
					}
				}
				rec.Release()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for c := 0; c < 2; c++ {
		var all []any
		for rg := range got {
			all = append(all, got[rg][c]...)
		}
		compareValues(t, fmt.Sprintf("column %d", c), all, want[c])
	}
}

// TestMemoryBound checks that reading a row group holds about its
// compressed size plus a batch, not the file or the decoded row group.
func TestMemoryBound(t *testing.T) {
	data := simpleFile(t, 200_000, 50_000, parquet.PageBufferSize(64<<10))
	f := openBytes(t, data)
	defer f.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	acct := columnar.NewAccountingAllocator(mem)
	r, err := f.ReadRowGroup(context.Background(), acct, 1, []int{0, 1}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
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
	if acct.Allocated() != 0 {
		t.Fatalf("%d bytes still allocated", acct.Allocated())
	}
	// Compressed chunks + one decompressed page per column + one batch.
	limit := f.RowGroupByteSize(1) + 2*(64<<10+4096) + 1000*32 + 64<<10
	if acct.Peak() > limit {
		t.Errorf("peak %d bytes, want at most %d (row group %d bytes compressed, file %d)",
			acct.Peak(), limit, f.RowGroupByteSize(1), len(data))
	}
	if rows != 50_000 {
		t.Errorf("%d rows", rows)
	}
	t.Logf("peak %d bytes for a row group of %d bytes compressed (file %d bytes)", acct.Peak(), f.RowGroupByteSize(1), len(data))
}

func TestScanFile(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "t.parquet")
	if err := os.WriteFile(path, simpleFile(t, 10_000, 1500), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		cols []string
		par  int
	}{{[]string{"id", "s"}, 1}, {[]string{"s"}, 4}, {nil, 2}, {[]string{"id"}, 64}} {
		rows, err := ScanFile(ctx, mem, path, tc.cols, tc.par)
		if err != nil || rows != 10_000 {
			t.Errorf("ScanFile(%v, %d) = %d, %v", tc.cols, tc.par, rows, err)
		}
	}
	if _, err := ScanFile(ctx, mem, path, []string{"id", "zz"}, 2); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown column: %v", err)
	}
	listFile := filepath.Join(parquetTesting, "data", "list_columns.parquet")
	if _, err := os.Stat(listFile); err == nil {
		_, err := ScanFile(ctx, mem, listFile, []string{"int64_list"}, 1)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "nested type LIST") {
			t.Errorf("reading a LIST column: %v", err)
		}
	}
}

// TestInt96FromSpark checks INT96 values beyond the nanosecond range, which
// pqarrow cannot read, against the instants Spark wrote.
func TestInt96FromSpark(t *testing.T) {
	path := filepath.Join(testingDir(t, "data"), "int96_from_spark.parquet")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := columnValues(t, f, mem, 0, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	// 2024-01-01T20:34:56.123456Z, 2024-01-01T01:00:00Z,
	// 9999-12-31T03:00:00Z, 2024-12-30T23:00:00Z, NULL, 290000-12-31T01:00:00Z
	want := []any{int64(1704141296123456), int64(1704070800000000), int64(253402225200000000),
		int64(1735599600000000), nil, int64(9089380393200000000)}
	compareValues(t, "int96", got, want)
}

// TestEmptyDataPageV2 reads a v2 page whose compressed section is empty.
func TestEmptyDataPageV2(t *testing.T) {
	path := filepath.Join(testingDir(t, "data"), "datapage_v2_empty_datapage.snappy.parquet")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := columnValues(t, f, mem, 0, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	compareValues(t, "empty page", got, []any{nil})
}

// TestArrowWriterFiles reads files from arrow-go's writer (a second
// independent writer): RLE booleans (which parquet-go itself decodes
// wrongly), dictionary fallback to plain in the middle of a chunk, all-null
// columns and v1/v2 pages, checked against the written arrays.
func TestArrowWriterFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const n = 20000
	bb := array.NewBooleanBuilder(mem)
	sb := array.NewStringBuilder(mem)
	nb := array.NewInt32Builder(mem)
	ib := array.NewInt64Builder(mem)
	for i := 0; i < n; i++ {
		switch {
		case i%101 == 5:
			bb.AppendNull()
		default:
			bb.Append((i/37)%2 == 0)
		}
		// Few distinct values first, then many: the dictionary overflows.
		if i < n/2 {
			sb.Append(fmt.Sprintf("k%d", i%10))
		} else if i%7 == 0 {
			sb.AppendNull()
		} else {
			sb.Append(fmt.Sprintf("unique-%08d-%s", i, strings.Repeat("z", i%30)))
		}
		nb.AppendNull()
		ib.Append(int64(i) * -3)
	}
	arrs := []arrow.Array{bb.NewArray(), sb.NewArray(), nb.NewArray(), ib.NewArray()}
	for _, b := range []array.Builder{bb, sb, nb, ib} {
		b.Release()
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	rec := array.NewRecordBatch(schema, arrs, n)
	for _, a := range arrs {
		a.Release()
	}
	defer rec.Release()
	want := make([][]any, len(arrs))
	for c := range arrs {
		for i := 0; i < n; i++ {
			want[c] = append(want[c], canon(rec.Column(c), i))
		}
	}
	for _, v := range []pq.DataPageVersion{pq.DataPageV1, pq.DataPageV2} {
		data := writeArrow(t, rec,
			pq.WithDataPageVersion(v),
			pq.WithEncodingFor("b", pq.Encodings.RLE),
			pq.WithDictionaryFor("b", false),
			pq.WithDictionaryPageSizeLimit(4096),
			pq.WithDataPageSize(8192),
			pq.WithMaxRowGroupLength(7000),
		)
		f := openBytes(t, data)
		got := readAllColumns(t, f, mem, []int{0, 1, 2, 3}, 1500, 2)
		for c := range want {
			compareValues(t, fmt.Sprintf("v%d column %s", v, schema.Field(c).Name), got[c], want[c])
		}
		f.Close()
	}
}

func TestEmptyFile(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f := openBytes(t, simpleFile(t, 0, 10))
	defer f.Close()
	if f.NumRows() != 0 || len(f.Schema().Fields()) != 2 {
		t.Fatalf("rows %d, schema %v", f.NumRows(), f.Schema())
	}
	rows, err := f.Scan(context.Background(), mem, []int{0, 1}, 10, 2)
	if err != nil || rows != 0 {
		t.Fatalf("Scan = %d, %v", rows, err)
	}
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		r, err := f.ReadRowGroup(context.Background(), mem, rg, []int{0}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); !errors.Is(err, io.EOF) {
			t.Errorf("Next on an empty row group: %v", err)
		}
		r.Close()
	}
}
