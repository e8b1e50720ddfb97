package pqscan

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"
)

// genCol describes a column of a file generated with parquet-go's writer.
type genCol struct {
	name string
	node parquet.Node // leaf node, required; wrapped in Optional when opt
	opt  bool
	// val returns the physical value of row i and its expected canonical
	// value (see canon); ok false makes the row null (optional columns).
	val func(i int) (v parquet.Value, want any, ok bool)
}

// writeParquetGo writes rows rows of cols with parquet-go's writer and
// returns the file bytes and the expected canonical values per column.
func writeParquetGo(t testing.TB, cols []genCol, rows int, opts ...parquet.WriterOption) ([]byte, map[string][]any) {
	t.Helper()
	group := parquet.Group{}
	for _, c := range cols {
		n := c.node
		if c.opt {
			n = parquet.Optional(n)
		}
		group[c.name] = n
	}
	schema := parquet.NewSchema("test", group)
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, append([]parquet.WriterOption{schema}, opts...)...)
	want := map[string][]any{}
	leaf := map[string]int{}
	for _, c := range cols {
		lc, ok := schema.Lookup(c.name)
		if !ok {
			t.Fatalf("column %s not in schema", c.name)
		}
		leaf[c.name] = lc.ColumnIndex
	}
	batch := make([]parquet.Row, 0, 256)
	flush := func() {
		if _, err := w.WriteRows(batch); err != nil {
			t.Fatalf("WriteRows: %v", err)
		}
		batch = batch[:0]
	}
	for i := 0; i < rows; i++ {
		row := make(parquet.Row, len(cols))
		for _, c := range cols {
			v, exp, ok := c.val(i)
			ci := leaf[c.name]
			switch {
			case !ok && c.opt:
				row[ci] = parquet.NullValue().Level(0, 0, ci)
				exp = nil
			case c.opt:
				row[ci] = v.Level(0, 1, ci)
			default:
				row[ci] = v.Level(0, 0, ci)
			}
			want[c.name] = append(want[c.name], exp)
		}
		batch = append(batch, row)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes(), want
}

// writeArrow writes rec with arrow-go's Parquet writer.
func writeArrow(t testing.TB, rec arrow.RecordBatch, props ...pq.WriterProperty) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(rec.Schema(), &buf, pq.NewWriterProperties(props...), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// openBytes opens an in-memory file.
func openBytes(t testing.TB, b []byte) *File {
	t.Helper()
	f, err := OpenReaderAt(bytes.NewReader(b), int64(len(b)), "test.parquet")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return f
}

// readAllColumns reads the columns cols of every row group, in batches of
// batchSize, and returns canonical values per selected column.
func readAllColumns(t testing.TB, f *File, mem memory.Allocator, cols []int, batchSize, parallelism int) [][]any {
	t.Helper()
	out := make([][]any, len(cols))
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		r, err := f.ReadRowGroupParallel(context.Background(), mem, rg, cols, batchSize, parallelism)
		if err != nil {
			t.Fatalf("ReadRowGroup: %v", err)
		}
		var rows int64
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				t.Fatalf("Next: %v", err)
			}
			if rec.NumRows() == 0 || rec.NumRows() > int64(batchSize) {
				t.Errorf("batch of %d rows with batch size %d", rec.NumRows(), batchSize)
			}
			if int(rec.NumCols()) != len(cols) {
				t.Errorf("batch of %d columns, want %d", rec.NumCols(), len(cols))
			}
			for c := range cols {
				if err := checkArray(rec.Column(c), f.Schema().Field(cols[c])); err != nil {
					t.Errorf("column %d: %v", cols[c], err)
				}
				for i := 0; i < int(rec.NumRows()); i++ {
					out[c] = append(out[c], canon(rec.Column(c), i))
				}
			}
			rows += rec.NumRows()
			rec.Release()
		}
		if rows != f.RowGroupNumRows(rg) {
			t.Errorf("row group %d: read %d rows, want %d", rg, rows, f.RowGroupNumRows(rg))
		}
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	return out
}
