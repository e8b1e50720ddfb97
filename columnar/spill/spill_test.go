package spill

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "l", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "d", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 4}, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// makeBatch returns a batch of testSchema with n rows of random values
// (about one in seven NULL).
func makeBatch(alloc memory.Allocator, rng *rand.Rand, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(alloc, testSchema)
	defer b.Release()
	for i := 0; i < n; i++ {
		for c := range testSchema.Fields() {
			fb := b.Field(c)
			if rng.IntN(7) == 0 {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.BooleanBuilder:
				fb.Append(rng.IntN(2) == 0)
			case *array.Int32Builder:
				fb.Append(rng.Int32())
			case *array.Int64Builder:
				fb.Append(rng.Int64())
			case *array.Float64Builder:
				fb.Append(rng.NormFloat64())
			case *array.Decimal128Builder:
				fb.Append(decimal128.New(rng.Int64N(1<<40)-1<<39, rng.Uint64()))
			case *array.StringBuilder:
				fb.Append(fmt.Sprintf("str-%d-%s", rng.IntN(1000), string(make([]byte, rng.IntN(20)))))
			case *array.BinaryBuilder:
				v := make([]byte, rng.IntN(30))
				for j := range v {
					v[j] = byte(rng.Uint32())
				}
				fb.Append(v)
			case *array.Date32Builder:
				fb.Append(arrow.Date32(rng.Int32N(40000)))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(rng.Int64N(1 << 50)))
			}
		}
	}
	return b.NewRecordBatch()
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestBatchRoundTrip(t *testing.T) {
	for _, codec := range []Codec{None, S2, Zstd} {
		for _, tc := range []struct {
			name  string
			sizes []int
			slice bool
		}{
			{"one", []int{100}, false},
			{"many", []int{1, 1000, 0, 4096, 3}, false},
			{"sliced", []int{2000, 777}, true},
			{"empty", nil, false},
		} {
			t.Run(codec.String()+"/"+tc.name, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				dir := t.TempDir()
				rng := rand.New(rand.NewPCG(1, uint64(len(tc.sizes))))
				var want []arrow.RecordBatch
				defer func() {
					for _, b := range want {
						b.Release()
					}
				}()
				w, err := NewWriter(dir, testSchema, codec, WithAllocator(mem))
				if err != nil {
					t.Fatal(err)
				}
				var rowsIn int64
				for _, n := range tc.sizes {
					b := makeBatch(mem, rng, n)
					if tc.slice && n > 10 {
						s := b.NewSlice(3, int64(n-5)) // offsets not a multiple of 8
						b.Release()
						b = s
					}
					if err := w.Write(b); err != nil {
						t.Fatal(err)
					}
					rowsIn += b.NumRows()
					if b.NumRows() > 0 {
						want = append(want, b)
					} else {
						b.Release()
					}
				}
				size, err := w.Close()
				if err != nil {
					t.Fatal(err)
				}
				st, err := os.Stat(w.Path())
				if err != nil {
					t.Fatal(err)
				}
				if st.Size() != size {
					t.Fatalf("Close reported %d bytes, the file has %d", size, st.Size())
				}
				if w.Rows() != rowsIn || w.Batches() != int64(len(want)) {
					t.Fatalf("writer counted %d rows in %d batches, want %d in %d", w.Rows(), w.Batches(), rowsIn, len(want))
				}
				if filepath.Dir(w.Path()) != dir {
					t.Fatalf("file %s not under %s", w.Path(), dir)
				}
				r, err := Open(w.Path(), mem)
				if err != nil {
					t.Fatal(err)
				}
				if !r.Schema().Equal(testSchema) {
					t.Fatalf("schema %s, want %s", r.Schema(), testSchema)
				}
				for i := 0; ; i++ {
					b, err := r.Next()
					if errors.Is(err, io.EOF) {
						if i != len(want) {
							t.Fatalf("read %d batches, want %d", i, len(want))
						}
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if i >= len(want) {
						b.Release()
						t.Fatalf("more batches than written")
					}
					if !array.RecordEqual(b, want[i]) {
						t.Errorf("batch %d differs:\n got %v\nwant %v", i, b, want[i])
					}
					b.Release()
				}
				if _, err := r.Next(); !errors.Is(err, io.EOF) {
					t.Fatalf("Next after the end: %v, want io.EOF", err)
				}
				if err := r.Close(); err != nil {
					t.Fatal(err)
				}
				if err := r.Close(); err != nil {
					t.Fatalf("second Close: %v", err)
				}
				if err := w.Remove(); err != nil {
					t.Fatal(err)
				}
				if err := w.Remove(); err != nil {
					t.Fatalf("second Remove: %v", err)
				}
				if got := listDir(t, dir); len(got) != 0 {
					t.Fatalf("files left: %v", got)
				}
			})
		}
	}
}

func TestWriteSchemaChecks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	b := makeBatch(mem, rand.New(rand.NewPCG(2, 2)), 10)
	defer b.Release()

	// Other field names, same types: accepted, read back with the file's schema.
	renamed := testSchema.Fields()
	for i := range renamed {
		renamed[i].Name = fmt.Sprintf("x%d", i)
		renamed[i].Nullable = false
	}
	other := arrow.NewSchema(renamed, nil)
	w, err := NewWriter(dir, other, S2, WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Remove()
	if err := w.Write(b); err != nil {
		t.Fatalf("same types, other names: %v", err)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(w.Path(), mem)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Schema().Equal(other) {
		t.Errorf("read back with schema %s, want the writer's %s", got.Schema(), other)
	}
	for i := range got.Columns() {
		if !array.Equal(got.Column(i), b.Column(i)) {
			t.Errorf("column %d differs", i)
		}
	}
	got.Release()
	r.Close()

	// Other types: rejected, naming the column.
	w2, err := NewWriter(dir, arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil), None)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Remove()
	err = w2.Write(b)
	if err == nil {
		t.Fatal("a batch of 9 columns was written to a file of 1")
	}
	if err2 := w2.Write(b); err2 == nil {
		t.Fatal("a failed writer accepted another batch")
	}
	if _, err := w2.Close(); err == nil {
		t.Fatal("Close of a failed writer succeeded")
	}

	if _, err := NewWriter(dir, nil, S2); err == nil {
		t.Error("nil schema accepted")
	}
	if _, err := NewWriter(dir, testSchema, Codec(9)); err == nil {
		t.Error("unknown codec accepted")
	}
	if _, err := NewWriter(filepath.Join(dir, "missing", "dir"), testSchema, S2); err == nil {
		t.Error("a missing directory accepted")
	}
}

// writeTestFile writes batches (or rows) with codec and returns the path.
func writeTestFile(t *testing.T, dir string, mem memory.Allocator, codec Codec, kind fileKind) string {
	t.Helper()
	if kind == kindRows {
		w, err := NewRowWriter(dir, codec)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5000; i++ {
			if err := w.Write(rows.Row(fmt.Sprintf("row number %d padded %0100d", i, i))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return w.Path()
	}
	w, err := NewWriter(dir, testSchema, codec, WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 4; i++ {
		b := makeBatch(mem, rng, 1000)
		err := w.Write(b)
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.Path()
}

// readAll reads a file to its end and returns the first error.
func readAll(path string, mem memory.Allocator, kind fileKind) error {
	if kind == kindRows {
		r, err := OpenRows(path)
		if err != nil {
			return err
		}
		defer r.Close()
		for {
			if _, err := r.Next(); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
		}
	}
	r, err := Open(path, mem)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		b, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		b.Release()
	}
}

func TestCorruptFiles(t *testing.T) {
	for _, kind := range []fileKind{kindBatches, kindRows} {
		for _, codec := range []Codec{None, S2, Zstd} {
			t.Run(kind.String()+"/"+codec.String(), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				dir := t.TempDir()
				path := writeTestFile(t, dir, mem, codec, kind)
				if err := readAll(path, mem, kind); err != nil {
					t.Fatalf("intact file: %v", err)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				// Truncated anywhere: an error wrapping ErrCorrupt, never a
				// shorter result.
				for _, cut := range []int{0, 3, headerSize, headerSize + 1, len(data) / 3, len(data) / 2, len(data) - trailerSize, len(data) - 1} {
					p := filepath.Join(dir, fmt.Sprintf("cut%d", cut))
					if err := os.WriteFile(p, data[:cut], 0o600); err != nil {
						t.Fatal(err)
					}
					err := readAll(p, mem, kind)
					if !errors.Is(err, ErrCorrupt) {
						t.Errorf("file cut at %d of %d: error %v, want ErrCorrupt", cut, len(data), err)
					}
				}
				// The wrong kind of file.
				other := kindRows
				if kind == kindRows {
					other = kindBatches
				}
				if err := readAll(path, mem, other); !errors.Is(err, ErrCorrupt) {
					t.Errorf("read as %s: %v, want ErrCorrupt", other, err)
				}
				// Not a spill file.
				p := filepath.Join(dir, "junk")
				os.WriteFile(p, []byte("this is not a spill file at all"), 0o600)
				if err := readAll(p, mem, kind); !errors.Is(err, ErrCorrupt) {
					t.Errorf("junk: %v, want ErrCorrupt", err)
				}
			})
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "nope"), memory.NewGoAllocator()); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("missing file: %v, want an open error", err)
	}
}

func TestRowRoundTrip(t *testing.T) {
	for _, codec := range []Codec{None, S2, Zstd} {
		t.Run(codec.String(), func(t *testing.T) {
			dir := t.TempDir()
			rng := rand.New(rand.NewPCG(4, 4))
			var want [][]byte
			for i := 0; i < 3000; i++ {
				n := rng.IntN(200)
				switch i {
				case 7:
					n = 0
				case 100:
					n = bufSize + 1000 // longer than the read buffer
				case 101:
					n = bufSize
				case 2000:
					n = 3 * bufSize
				}
				r := make([]byte, n)
				for j := range r {
					r[j] = byte(rng.Uint32())
				}
				want = append(want, r)
			}
			w, err := NewRowWriter(dir, codec)
			if err != nil {
				t.Fatal(err)
			}
			buf := rows.NewBuffer()
			for i, r := range want {
				if i < 1000 {
					if err := w.Write(r); err != nil {
						t.Fatal(err)
					}
				} else {
					buf.Append(r)
				}
			}
			// The rest through WriteBuffer, reversed.
			order := make([]int32, buf.Len())
			for i := range order {
				order[i] = int32(len(order) - 1 - i)
			}
			if err := w.WriteBuffer(buf, order); err != nil {
				t.Fatal(err)
			}
			if err := w.WriteBuffer(buf, []int32{int32(buf.Len())}); err == nil {
				t.Fatal("an index out of range was accepted")
			}
			w2, err := NewRowWriter(dir, codec)
			if err != nil {
				t.Fatal(err)
			}
			if err := w2.WriteBuffer(buf, nil); err != nil {
				t.Fatal(err)
			}
			if w2.Rows() != int64(buf.Len()) {
				t.Fatalf("WriteBuffer(nil) wrote %d rows, want %d", w2.Rows(), buf.Len())
			}
			w2.Remove()
			w.Remove()

			// Again without the failing write.
			w, err = NewRowWriter(dir, codec)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Remove()
			for _, r := range want[:1000] {
				w.Write(r)
			}
			if err := w.WriteBuffer(buf, order); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Close(); err != nil {
				t.Fatal(err)
			}
			expect := append([][]byte(nil), want[:1000]...)
			for i := len(want) - 1; i >= 1000; i-- {
				expect = append(expect, want[i])
			}
			if w.MaxRowBytes() != 3*bufSize {
				t.Errorf("MaxRowBytes %d, want %d", w.MaxRowBytes(), 3*bufSize)
			}
			r, err := OpenRows(w.Path())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for i := 0; ; i++ {
				row, err := r.Next()
				if errors.Is(err, io.EOF) {
					if i != len(expect) {
						t.Fatalf("read %d rows, want %d", i, len(expect))
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if string(row) != string(expect[i]) {
					t.Fatalf("row %d: %d bytes, want %d bytes %q...", i, len(row), len(expect[i]), expect[i][:min(10, len(expect[i]))])
				}
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Remove(); err != nil {
				t.Fatal(err)
			}
			if got := listDir(t, dir); len(got) != 0 {
				t.Fatalf("files left: %v", got)
			}
		})
	}
}

func TestParseCodec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Codec
		ok   bool
	}{{"none", None, true}, {"S2", S2, true}, {" zstd ", Zstd, true}, {"lz4", 0, false}, {"", 0, false}} {
		got, err := ParseCodec(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCodec(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() != map[Codec]string{None: "none", S2: "s2", Zstd: "zstd"}[got] {
			t.Errorf("String of %v", got)
		}
	}
}

func TestBatchBytes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := makeBatch(mem, rand.New(rand.NewPCG(5, 5)), 1000)
	defer b.Release()
	if got := BatchBytes(b); got < int64(mem.CurrentAlloc())/2 || got > int64(mem.CurrentAlloc()) {
		t.Errorf("BatchBytes %d, allocator holds %d", got, mem.CurrentAlloc())
	}
}
