package tpch

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
	"go.uber.org/goleak"
)

// testSF is the scale factor of the shared test dataset.
const testSF = 0.01

var (
	sharedOnce sync.Once
	sharedDir  string
	sharedErr  error
	sharedRoot string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRoot != "" {
		_ = os.RemoveAll(sharedRoot)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			_, _ = os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// sharedDataset generates the SF 0.01 dataset once (automatic layout, two
// workers) and returns its directory.
func sharedDataset(t *testing.T) string {
	t.Helper()
	sharedOnce.Do(func() {
		sharedRoot, sharedErr = os.MkdirTemp("", "tpch-test-")
		if sharedErr != nil {
			return
		}
		sharedDir = filepath.Join(sharedRoot, "sf001")
		sharedErr = Generate(context.Background(), Options{SF: testSF, Dir: sharedDir, Parallelism: 2})
	})
	if sharedErr != nil {
		t.Fatalf("generating the shared dataset: %v", sharedErr)
	}
	return sharedDir
}

// column is one column read back: the slice of its kind is filled.
type column struct {
	i64 []int64
	i32 []int32
	str []string
}

// tableData is a table read back from its files, in file order.
type tableData struct {
	name      string
	rows      int
	cols      map[string]*column
	files     int
	rowGroups [][]int64 // per file, the rows of each row group
}

func (d *tableData) i64(name string) []int64  { return d.cols[name].i64 }
func (d *tableData) i32(name string) []int32  { return d.cols[name].i32 }
func (d *tableData) str(name string) []string { return d.cols[name].str }

// readTable reads every file of a table with parquet-go, checking that the
// file schema is the table's.
func readTable(t *testing.T, dir, table string) *tableData {
	t.Helper()
	def := tableDefs[table]
	d := &tableData{name: table, cols: map[string]*column{}}
	for _, c := range def.columns {
		d.cols[c.name] = &column{}
	}
	for f := 0; ; f++ {
		path := filepath.Join(dir, table, FileName(f))
		fh, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		readFile(t, fh, def, d)
		_ = fh.Close()
		d.files++
	}
	if d.files == 0 {
		t.Fatalf("%s: no file in %s", table, filepath.Join(dir, table))
	}
	return d
}

func readFile(t *testing.T, fh *os.File, def *tableDef, d *tableData) {
	t.Helper()
	st, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(fh, st.Size())
	if err != nil {
		t.Fatalf("%s: %v", fh.Name(), err)
	}
	fields := pf.Schema().Fields()
	if len(fields) != len(def.columns) {
		t.Fatalf("%s: %d columns, want %d", fh.Name(), len(fields), len(def.columns))
	}
	for i, f := range fields {
		if f.Name() != def.columns[i].name {
			t.Fatalf("%s: column %d is %s, want %s", fh.Name(), i, f.Name(), def.columns[i].name)
		}
	}
	var groups []int64
	buf := make([]parquet.Value, 4096)
	for _, rg := range pf.RowGroups() {
		groups = append(groups, rg.NumRows())
		for ci, chunk := range rg.ColumnChunks() {
			c := def.columns[ci]
			col := d.cols[c.name]
			r := parquet.NewColumnChunkValueReader(chunk)
			var n int64
			for {
				k, err := r.ReadValues(buf)
				for _, v := range buf[:k] {
					switch c.kind {
					case kindInt64, kindDecimal:
						col.i64 = append(col.i64, v.Int64())
					case kindInt32, kindDate:
						col.i32 = append(col.i32, v.Int32())
					default:
						col.str = append(col.str, string(v.ByteArray()))
					}
				}
				n += int64(k)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: reading %s: %v", fh.Name(), c.name, err)
				}
			}
			_ = r.Close()
			if n != rg.NumRows() {
				t.Fatalf("%s: column %s has %d values in a row group of %d rows", fh.Name(), c.name, n, rg.NumRows())
			}
		}
		d.rows += int(rg.NumRows())
	}
	d.rowGroups = append(d.rowGroups, groups)
}
