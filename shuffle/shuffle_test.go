package shuffle

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/resource"
)

func TestParseCodec(t *testing.T) {
	cases := []struct {
		in   string
		want Codec
		err  bool
	}{
		{"none", CodecNone, false},
		{"lz4", CodecLZ4, false},
		{"LZ4", CodecLZ4, false},
		{" s2 ", CodecS2, false},
		{"zstd", CodecZstd, false},
		{"gzip", 0, true},
		{"", 0, true},
	}
	for _, c := range cases {
		got, err := ParseCodec(c.in)
		if (err != nil) != c.err {
			t.Errorf("ParseCodec(%q) error %v, want error %v", c.in, err, c.err)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), "none, lz4, s2, zstd") {
				t.Errorf("ParseCodec(%q) error %q does not list the codecs", c.in, err)
			}
			continue
		}
		if got != c.want || got.String() != strings.ToLower(strings.TrimSpace(c.in)) {
			t.Errorf("ParseCodec(%q) = %v", c.in, got)
		}
	}
}

func TestCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	compressible := bytes.Repeat([]byte("lineitem|1|155190|7706|1|17|21168.23|0.04|0.02|N|O|"), 4000)
	random := make([]byte, 100000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	inputs := map[string][]byte{"empty": nil, "one": {7}, "compressible": compressible, "random": random}
	for _, codec := range []Codec{CodecNone, CodecLZ4, CodecS2, CodecZstd} {
		c := newCompressor(codec)
		for name, in := range inputs {
			dst := make([]byte, codec.compressBound(len(in))+1)
			n, used, err := c.compress(dst, in)
			if err != nil {
				t.Fatalf("%v %s: %v", codec, name, err)
			}
			switch {
			case name == "random" && used != CodecNone:
				t.Errorf("%v: incompressible data not stored raw", codec)
			case name == "compressible" && codec != CodecNone && (used != codec || n >= len(in)/4):
				t.Errorf("%v: compressible data: %d -> %d bytes with %v", codec, len(in), n, used)
			}
			out := make([]byte, len(in))
			if err := decompress(used, out, dst[:n]); err != nil {
				t.Fatalf("%v %s: decompress: %v", codec, name, err)
			}
			if !bytes.Equal(out, in) {
				t.Errorf("%v %s: round trip differs", codec, name)
			}
			if codec != CodecNone && used == codec && n > 8 {
				bad := append([]byte(nil), dst[:n]...)
				bad[n/2] ^= 0xFF
				bad = bad[:n-3]
				if err := decompress(used, out, bad); err == nil && bytes.Equal(out, in) {
					t.Errorf("%v %s: corrupt input decoded to the original", codec, name)
				}
			}
		}
	}
}

// writeMaps writes maps map tasks of random batches through the columnar
// writer and returns the input and statuses.
type writeSpec struct {
	part      Partitioning
	codec     Codec
	maps      int
	batches   int
	rows      int
	nullRate  float64
	memory    int64 // off-heap budget per map task (0: none)
	blockRows int
}

type written struct {
	input    []arrow.RecordBatch
	statuses []MapStatus
	metrics  []WriterMetrics
	rows     [][]int64
}

func (w *written) release() { releaseBatches(w.input) }

func writeMaps(t *testing.T, mem memory.Allocator, dir string, spec writeSpec) *written {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(spec.maps), uint64(spec.part.N)))
	out := &written{}
	id := int64(0)
	for m := 0; m < spec.maps; m++ {
		var tm *resource.TaskMemory
		if spec.memory > 0 {
			tm = resource.NewTaskMemory(spec.memory, 0)
		}
		w, err := NewWriter(WriterOptions{ShuffleID: 7, MapIndex: m, Dir: dir, Schema: allTypesSchema,
			Partitioning: spec.part, Codec: spec.codec, Alloc: mem, Memory: tm, BlockRows: spec.blockRows})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < spec.batches; i++ {
			b := randomBatch(mem, rng, id, spec.rows, spec.nullRate, 50, i%2 == 1)
			id += int64(spec.rows)
			out.input = append(out.input, b)
			if err := w.Write(b); err != nil {
				w.Close()
				t.Fatal(err)
			}
			if got, want := w.heldBytes(), w.held; got != want {
				t.Fatalf("writer holds %d bytes, reserved %d", got, want)
			}
			if tm != nil && tm.Used(resource.OffHeap) != w.held {
				t.Fatalf("task memory %d, writer reserved %d", tm.Used(resource.OffHeap), w.held)
			}
		}
		st, err := w.Commit()
		if err != nil {
			w.Close()
			t.Fatal(err)
		}
		out.metrics = append(out.metrics, w.Metrics())
		out.rows = append(out.rows, w.PartitionRows())
		w.Close()
		if tm != nil && tm.Used(resource.OffHeap) != 0 {
			t.Errorf("map %d: %d bytes still reserved after Close", m, tm.Used(resource.OffHeap))
		}
		out.statuses = append(out.statuses, st)
	}
	return out
}

func rangeBoundsFor(t *testing.T, mem memory.Allocator, vals ...int64) arrow.RecordBatch {
	t.Helper()
	schema := KeySchema(allTypesSchema, []sorting.SortKey{{Column: 3}})
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(vals)))
}

func TestWriteReadRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bounds := rangeBoundsFor(t, mem, 10*1000003, 25*1000003, 40*1000003)
	defer bounds.Release()
	rangeKeys := []sorting.SortKey{{Column: 3, NullsFirst: true}}
	cases := []struct {
		name string
		spec writeSpec
	}{
		{"single-lz4", writeSpec{part: Partitioning{Kind: SinglePartition}, codec: CodecLZ4, maps: 2, batches: 3, rows: 300, nullRate: 0.1}},
		{"hash7-none", writeSpec{part: Partitioning{Kind: HashPartitioning, N: 7, Keys: []int{7, 2}}, codec: CodecNone, maps: 3, batches: 4, rows: 257, nullRate: 0.2}},
		{"hash200-zstd", writeSpec{part: Partitioning{Kind: HashPartitioning, N: 200, Keys: []int{3}}, codec: CodecZstd, maps: 2, batches: 3, rows: 1000, nullRate: 0.05}},
		{"roundrobin-s2", writeSpec{part: Partitioning{Kind: RoundRobinPartitioning, N: 5}, codec: CodecS2, maps: 3, batches: 2, rows: 101}},
		{"range4-lz4", writeSpec{part: Partitioning{Kind: RangePartitioning, N: 4, SortKeys: rangeKeys, Bounds: bounds}, codec: CodecLZ4, maps: 2, batches: 3, rows: 400, nullRate: 0.1}},
		{"hash-small-blocks", writeSpec{part: Partitioning{Kind: HashPartitioning, N: 3, Keys: []int{0}}, codec: CodecLZ4, maps: 2, batches: 3, rows: 500, blockRows: 16}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			w := writeMaps(t, mem, dir, c.spec)
			defer w.release()
			n := c.spec.part.N
			if n == 0 {
				n = 1
			}
			want := indexByID(w.input)
			seen := map[int64]int{}
			var total int64
			hashKeys := c.spec.part.Keys
			for p := 0; p < n; p++ {
				out := readAll(t, mem, w.statuses, p, p+1, 1024)
				var prows int64
				for _, b := range out {
					prows += b.NumRows()
					if c.spec.part.Kind == HashPartitioning {
						cols := make([]arrow.Array, len(hashKeys))
						for i, k := range hashKeys {
							cols[i] = b.Column(k)
						}
						h := make([]uint64, b.NumRows())
						if err := columnar.HashColumns(cols, h); err != nil {
							t.Fatal(err)
						}
						for _, x := range h {
							if int(x%uint64(n)) != p {
								t.Fatalf("row of hash partition %d read from partition %d", x%uint64(n), p)
							}
						}
					}
					if c.spec.part.Kind == RangePartitioning {
						checkRange(t, b, bounds, p)
					}
				}
				var sum int64
				for m := range w.rows {
					sum += w.rows[m][p]
				}
				if sum != prows {
					t.Errorf("partition %d: writers report %d rows, read %d", p, sum, prows)
				}
				for _, b := range out {
					ids := b.Column(0).(*array.Int64)
					for i := 0; i < int(b.NumRows()); i++ {
						id := ids.Value(i)
						if q, dup := seen[id]; dup {
							t.Fatalf("row %d read from partitions %d and %d", id, q, p)
						}
						seen[id] = p
						ref, ok := want[id]
						if !ok {
							t.Fatalf("row %d read but never written", id)
						}
						if col := sameRow(ref, rowRef{b, i}); col != "" {
							t.Fatalf("row %d differs in column %s", id, col)
						}
					}
					total += b.NumRows()
				}
				releaseBatches(out)
				if c.spec.part.Kind == RoundRobinPartitioning {
					per := int64(c.spec.maps*c.spec.batches*c.spec.rows) / int64(n)
					if prows < per-int64(c.spec.maps) || prows > per+int64(c.spec.maps) {
						t.Errorf("round robin: partition %d got %d rows, want about %d", p, prows, per)
					}
				}
			}
			if int(total) != len(want) {
				t.Errorf("read %d rows, wrote %d", total, len(want))
			}
			// A range of partitions and every partition read alike.
			all := readAll(t, mem, w.statuses, 0, n, 1024)
			var allRows int64
			for _, b := range all {
				allRows += b.NumRows()
			}
			releaseBatches(all)
			if int(allRows) != len(want) {
				t.Errorf("reading [0, %d) gave %d rows, want %d", n, allRows, len(want))
			}
			for m, met := range w.metrics {
				if met.InputRows != int64(c.spec.batches*c.spec.rows) || met.OutputRows != met.InputRows ||
					met.InputBatches != int64(c.spec.batches) || met.NumPartitions != n || met.DataSize <= 0 ||
					met.OutputBlocks <= 0 || met.PeakBytes <= 0 || met.BytesSpilled != 0 {
					t.Errorf("map %d metrics %+v", m, met)
				}
				var sizes int64
				for p := 0; p < n; p++ {
					sizes += w.statuses[m].Size(p)
				}
				if d := float64(sizes-met.DataSize) / float64(met.DataSize); d < -0.1 || d > 0.1 {
					t.Errorf("map %d: status sizes sum to %d, data file %d", m, sizes, met.DataSize)
				}
			}
			for _, name := range dirEntries(t, dir) {
				if !strings.HasSuffix(name, ".data") && !strings.HasSuffix(name, ".index") {
					t.Errorf("file %s left after commit", name)
				}
			}
		})
	}
}

// checkRange checks that every row of b lies in range partition p.
func checkRange(t *testing.T, b arrow.RecordBatch, bounds arrow.RecordBatch, p int) {
	t.Helper()
	col := b.Column(3).(*array.Int64)
	bv := bounds.Column(0).(*array.Int64).Int64Values()
	for i := 0; i < col.Len(); i++ {
		if col.IsNull(i) {
			if p != 0 {
				t.Fatalf("NULL key (NULLS FIRST) in range partition %d", p)
			}
			continue
		}
		v := col.Value(i)
		if (p > 0 && v <= bv[p-1]) || (p < len(bv) && v > bv[p]) {
			t.Fatalf("key %d in range partition %d, bounds %v", v, p, bv)
		}
	}
}

func TestWriterSpill(t *testing.T) {
	for _, codec := range []Codec{CodecLZ4, CodecNone} {
		t.Run(codec.String(), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			spec := writeSpec{part: Partitioning{Kind: HashPartitioning, N: 13, Keys: []int{0}}, codec: codec,
				maps: 2, batches: 6, rows: 700, nullRate: 0.1, memory: 96 << 10}
			w := writeMaps(t, mem, dir, spec)
			defer w.release()
			for m, met := range w.metrics {
				if met.BytesSpilled <= 0 || met.SpillTime <= 0 {
					t.Errorf("map %d: no spill under a %d-byte budget: %+v", m, spec.memory, met)
				}
				if met.PeakBytes > spec.memory {
					t.Errorf("map %d: peak %d bytes above the %d-byte budget", m, met.PeakBytes, spec.memory)
				}
			}
			want := indexByID(w.input)
			got := readAll(t, mem, w.statuses, 0, 13, 4096)
			defer releaseBatches(got)
			n := 0
			for _, b := range got {
				ids := b.Column(0).(*array.Int64)
				for i := 0; i < int(b.NumRows()); i++ {
					n++
					if col := sameRow(want[ids.Value(i)], rowRef{b, i}); col != "" {
						t.Fatalf("row %d differs after spilling in column %s", ids.Value(i), col)
					}
				}
			}
			if n != len(want) {
				t.Errorf("read %d rows after spilling, wrote %d", n, len(want))
			}
			for _, name := range dirEntries(t, dir) {
				if strings.Contains(name, "spill") || strings.HasSuffix(name, ".tmp") {
					t.Errorf("file %s left after commit", name)
				}
			}
		})
	}
}

func TestWriterSpillsInsteadOfOvershooting(t *testing.T) {
	// A budget smaller than one batch's split: the writer appends in halves
	// and spills, never reserving past the limit.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	spec := writeSpec{part: Partitioning{Kind: RoundRobinPartitioning, N: 2}, codec: CodecZstd,
		maps: 1, batches: 2, rows: 4000, memory: 24 << 10}
	w := writeMaps(t, mem, dir, spec)
	defer w.release()
	if met := w.metrics[0]; met.BytesSpilled == 0 || met.PeakBytes > spec.memory {
		t.Errorf("metrics %+v with a %d-byte budget", met, spec.memory)
	}
	got := readAll(t, mem, w.statuses, 0, 2, 4096)
	defer releaseBatches(got)
	var n int64
	for _, b := range got {
		n += b.NumRows()
	}
	if n != 8000 {
		t.Errorf("read %d rows, want 8000", n)
	}
}

func TestWriterOutOfMemory(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	tm := resource.NewTaskMemory(100, 0)
	w, err := NewWriter(WriterOptions{Dir: dir, Schema: allTypesSchema, Partitioning: Partitioning{Kind: SinglePartition},
		Alloc: mem, Memory: tm})
	if err != nil {
		t.Fatal(err)
	}
	b := randomBatch(mem, rand.New(rand.NewPCG(3, 3)), 0, 10, 0, 10, false)
	defer b.Release()
	err = w.Write(b)
	var oom *resource.OutOfMemoryError
	if !errors.As(err, &oom) || !strings.Contains(err.Error(), "out of memory:") {
		t.Errorf("a row larger than the budget gave %v, want an out-of-memory error", err)
	}
	if err2 := w.Write(b); err2 == nil {
		t.Error("a failed writer accepted another batch")
	}
	if _, err := w.Commit(); err == nil {
		t.Error("a failed writer committed")
	}
	w.Close()
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Errorf("files left after a failed writer closed: %v", names)
	}
	if tm.Used(resource.OffHeap) != 0 {
		t.Errorf("%d bytes reserved after Close", tm.Used(resource.OffHeap))
	}
}

func TestWriterAbortRemovesFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(5, 5))
	for _, badBatch := range []bool{false, true} {
		t.Run(map[bool]string{false: "close without commit", true: "bad batch"}[badBatch], func(t *testing.T) {
			dir := t.TempDir()
			tm := resource.NewTaskMemory(64<<10, 0)
			w, err := NewWriter(WriterOptions{ShuffleID: 1, Dir: dir, Schema: allTypesSchema,
				Partitioning: Partitioning{Kind: HashPartitioning, N: 9, Keys: []int{0}}, Codec: CodecLZ4, Alloc: mem, Memory: tm})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 4; i++ {
				b := randomBatch(mem, rng, int64(i*1000), 1000, 0.1, 40, false)
				err := w.Write(b)
				b.Release()
				if err != nil {
					w.Close()
					t.Fatal(err)
				}
			}
			if badBatch {
				b := randomBatch(mem, rng, 0, 10, 0, 40, false)
				other := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil),
					[]arrow.Array{b.Column(0)}, b.NumRows())
				err := w.Write(other)
				other.Release()
				b.Release()
				if err == nil || !strings.Contains(err.Error(), "columns") {
					t.Errorf("a batch of the wrong schema gave %v", err)
				}
				if _, err := w.Commit(); err == nil {
					t.Error("a failed writer committed")
				}
			}
			if w.Metrics().BytesSpilled == 0 {
				t.Fatal("no spill file was made: the test does not test removing one")
			}
			if len(dirEntries(t, dir)) == 0 {
				t.Fatal("no file in the directory before Close")
			}
			w.Close()
			if names := dirEntries(t, dir); len(names) != 0 {
				t.Errorf("files left after Close without Commit: %v", names)
			}
			if tm.Used(resource.OffHeap) != 0 {
				t.Errorf("%d bytes reserved after Close", tm.Used(resource.OffHeap))
			}
		})
	}
}

func TestReaderCorruptFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cases := []struct {
		name    string
		corrupt func(data, index string) error
	}{
		{"truncated data", func(data, _ string) error {
			st, err := os.Stat(data)
			if err != nil {
				return err
			}
			return os.Truncate(data, st.Size()-5)
		}},
		{"flipped bytes", func(data, _ string) error {
			b, err := os.ReadFile(data)
			if err != nil {
				return err
			}
			for i := 40; i < len(b); i += 97 {
				b[i] ^= 0x5A
			}
			return os.WriteFile(data, b, 0o644)
		}},
		{"bad header", func(data, _ string) error {
			b, err := os.ReadFile(data)
			if err != nil {
				return err
			}
			b[0] = 'X'
			return os.WriteFile(data, b, 0o644)
		}},
		{"missing index", func(_, index string) error { return os.Remove(index) }},
		{"short index", func(_, index string) error { return os.Truncate(index, 12) }},
	}
	for _, codec := range []Codec{CodecNone, CodecLZ4} {
		for _, c := range cases {
			t.Run(codec.String()+"/"+c.name, func(t *testing.T) {
				dir := t.TempDir()
				w := writeMaps(t, mem, dir, writeSpec{part: Partitioning{Kind: SinglePartition}, codec: codec, maps: 1, batches: 2, rows: 200, nullRate: 0.1})
				defer w.release()
				loc := w.statuses[0].Location()
				if err := c.corrupt(loc.DataFile(), loc.IndexFile()); err != nil {
					t.Fatal(err)
				}
				r, err := NewReader(w.statuses, 0, 1, ReaderOptions{Schema: allTypesSchema, Alloc: mem})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				var rerr error
				for rerr == nil {
					var b arrow.RecordBatch
					b, rerr = r.Next()
					if b != nil {
						b.Release()
					}
				}
				if errors.Is(rerr, io.EOF) {
					// Flipped bytes may land in values only: then the data
					// reads back (altered) but must still be well formed.
					if c.name != "flipped bytes" || codec != CodecNone {
						t.Errorf("a corrupt file read to the end without an error")
					}
					return
				}
				if !strings.Contains(rerr.Error(), "shuffle") {
					t.Errorf("error %q does not say where it comes from", rerr)
				}
			})
		}
	}
}

func TestReaderChargesStatuses(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	w := writeMaps(t, mem, dir, writeSpec{part: Partitioning{Kind: HashPartitioning, N: 50, Keys: []int{0}}, codec: CodecLZ4, maps: 3, batches: 1, rows: 100})
	defer w.release()
	need := StatusesMemory(w.statuses)
	// Enough heap: the charge is held while reading and given back on Close.
	tm := resource.NewTaskMemory(0, need)
	r, err := NewReader(w.statuses, 0, 50, ReaderOptions{Schema: allTypesSchema, Alloc: mem, Memory: tm})
	if err != nil {
		t.Fatal(err)
	}
	if got := tm.Used(resource.Heap); got != need {
		t.Errorf("reader charged %d bytes of heap, statuses take %d", got, need)
	}
	if r.Metrics().StatusesMemory != need {
		t.Errorf("metrics report %d bytes of statuses, want %d", r.Metrics().StatusesMemory, need)
	}
	r.Close()
	if got := tm.Used(resource.Heap); got != 0 {
		t.Errorf("%d bytes of heap still charged after Close", got)
	}
	// Too little: out of memory, naming the M x N statuses.
	tm = resource.NewTaskMemory(0, need-1)
	_, err = NewReader(w.statuses, 0, 50, ReaderOptions{Schema: allTypesSchema, Alloc: mem, Memory: tm})
	if err == nil || !strings.Contains(err.Error(), "out of memory:") || !strings.Contains(err.Error(), "3 map tasks x 50 partitions") {
		t.Errorf("statuses over the heap budget gave %v", err)
	}
	var oom *resource.OutOfMemoryError
	if !errors.As(err, &oom) || oom.Pool != resource.Heap {
		t.Errorf("error %v is not a heap out-of-memory error", err)
	}
}

func TestReaderCoalesces(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	// 40 map tasks write 10 rows each into 1 partition: 40 tiny blocks.
	w := writeMaps(t, mem, dir, writeSpec{part: Partitioning{Kind: SinglePartition}, codec: CodecLZ4, maps: 40, batches: 1, rows: 10, nullRate: 0.3})
	defer w.release()
	got := readAll(t, mem, w.statuses, 0, 1, 64)
	defer releaseBatches(got)
	if len(got) != 7 { // 6 x 60 rows + 40
		t.Errorf("40 blocks of 10 rows read as %d batches with batch size 64", len(got))
	}
	want := indexByID(w.input)
	for _, b := range got {
		if b.NumRows() > 64 {
			t.Errorf("merged batch of %d rows, batch size 64", b.NumRows())
		}
		ids := b.Column(0).(*array.Int64)
		for i := 0; i < int(b.NumRows()); i++ {
			if col := sameRow(want[ids.Value(i)], rowRef{b, i}); col != "" {
				t.Fatalf("row %d differs after merging in column %s", ids.Value(i), col)
			}
		}
	}
}

func TestBlockDecodeRejectsBadNodes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := randomBatch(mem, rand.New(rand.NewPCG(9, 9)), 0, 50, 0.2, 30, true)
	defer b.Release()
	cols := make([]*colBuf, b.NumCols())
	idx := make([]int32, b.NumRows())
	for i := range idx {
		idx[i] = int32(i)
	}
	for i, f := range allTypesSchema.Fields() {
		cols[i] = newColBuf(f.Type)
		if _, err := cols[i].prepare(b.Column(i), idx); err != nil {
			t.Fatal(err)
		}
		cols[i].append(mem, b.Column(i), idx)
	}
	defer func() {
		for _, c := range cols {
			c.release()
		}
	}()
	var l rawLayout
	l.rows = int(b.NumRows())
	for _, c := range cols {
		c.layout(&l)
	}
	enc := make([]byte, l.size())
	l.encode(enc)
	decode := func(raw []byte) error {
		buf := memory.NewResizableBuffer(mem)
		buf.Resize(len(raw))
		copy(buf.Bytes(), raw)
		defer buf.Release()
		d := blockDecoder{schema: allTypesSchema}
		out, err := d.decode(buf)
		if out != nil {
			out.Release()
		}
		return err
	}
	if err := decode(enc); err != nil {
		t.Fatalf("a good block: %v", err)
	}
	// Every single-byte change in the header tables, and truncations, must
	// be rejected or decode to a valid batch: never panic.
	for i := 0; i < l.headerSize(); i++ {
		bad := append([]byte(nil), enc...)
		bad[i] ^= 0xFF
		_ = decode(bad)
	}
	for _, n := range []int{0, 10, 16, l.headerSize(), len(enc) / 2, len(enc) - 1} {
		if err := decode(enc[:n]); err == nil {
			t.Errorf("a block truncated to %d of %d bytes decoded", n, len(enc))
		}
	}
}

func TestFilesUnderTempDir(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	w := writeMaps(t, mem, dir, writeSpec{part: Partitioning{Kind: HashPartitioning, N: 4, Keys: []int{0}}, codec: CodecS2, maps: 2, batches: 1, rows: 10})
	defer w.release()
	for _, st := range w.statuses {
		loc := st.Location()
		for _, f := range []string{loc.DataFile(), loc.IndexFile()} {
			if filepath.Dir(f) != dir {
				t.Errorf("file %s not under %s", f, dir)
			}
			if _, err := os.Stat(f); err != nil {
				t.Error(err)
			}
		}
	}
}
