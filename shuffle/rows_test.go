package shuffle

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/resource"
)

// idsByPartition returns, per partition, the ids (column 0) read.
func idsByPartition(t *testing.T, mem memory.Allocator, statuses []MapStatus, n int) []map[int64]bool {
	t.Helper()
	out := make([]map[int64]bool, n)
	for p := 0; p < n; p++ {
		out[p] = map[int64]bool{}
		for _, b := range readAll(t, mem, statuses, p, p+1, 4096) {
			ids := b.Column(0).(*array.Int64)
			for i := 0; i < ids.Len(); i++ {
				out[p][ids.Value(i)] = true
			}
			b.Release()
		}
	}
	return out
}

func TestRowShuffleRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	layout, err := rows.NewLayout(allTypesSchema)
	if err != nil {
		t.Fatal(err)
	}
	bounds := rangeBoundsFor(t, mem, 5*1000003, 30*1000003)
	defer bounds.Release()
	cases := []struct {
		name   string
		part   Partitioning
		codec  Codec
		budget int64
	}{
		{"hash", Partitioning{Kind: HashPartitioning, N: 11, Keys: []int{7, 3}}, CodecLZ4, 0},
		{"hash-spill", Partitioning{Kind: HashPartitioning, N: 11, Keys: []int{7, 3}}, CodecZstd, 20 << 10},
		{"range", Partitioning{Kind: RangePartitioning, N: 3, SortKeys: []sorting.SortKey{{Column: 3, NullsFirst: true}}, Bounds: bounds}, CodecS2, 0},
		{"single", Partitioning{Kind: SinglePartition, N: 1}, CodecNone, 0},
		{"roundrobin", Partitioning{Kind: RoundRobinPartitioning, N: 4}, CodecLZ4, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			rng := rand.New(rand.NewPCG(8, 8))
			var input []arrow.RecordBatch
			defer func() { releaseBatches(input) }()
			var rowStatuses []MapStatus
			var spilled int64
			for m := 0; m < 2; m++ {
				var tm *resource.TaskMemory
				if c.budget > 0 {
					tm = resource.NewTaskMemory(0, c.budget)
				}
				w, err := NewRowWriter(WriterOptions{ShuffleID: 2, MapIndex: m, Dir: dir, Partitioning: c.part, Codec: c.codec, Memory: tm, BlockRows: 100}, layout)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < 3; i++ {
					b := randomBatch(mem, rng, int64((m*3+i)*500), 500, 0.15, 60, i == 1)
					input = append(input, b)
					buf := rows.NewBuffer()
					if err := rows.AppendBatch(layout, b, buf); err != nil {
						t.Fatal(err)
					}
					for r := 0; r < buf.Len(); r++ {
						if err := w.Write(buf.Row(r)); err != nil {
							w.Close()
							t.Fatal(err)
						}
					}
				}
				st, err := w.Commit()
				if err != nil {
					t.Fatal(err)
				}
				spilled += w.Metrics().BytesSpilled
				if met := w.Metrics(); met.InputRows != 1500 || met.OutputRows != 1500 || met.DataSize <= 0 {
					t.Errorf("metrics %+v", met)
				}
				w.Close()
				if tm != nil && (tm.Used(resource.Heap) != 0 || tm.Peak(resource.Heap) > c.budget) {
					t.Errorf("heap used %d, peak %d of %d", tm.Used(resource.Heap), tm.Peak(resource.Heap), c.budget)
				}
				rowStatuses = append(rowStatuses, st)
			}
			if c.budget > 0 && spilled == 0 {
				t.Error("no spill under a tiny heap budget")
			}
			// Read the rows back and compare them with the input.
			want := indexByID(input)
			n := c.part.N
			got := make([]map[int64]bool, n)
			for p := 0; p < n; p++ {
				got[p] = map[int64]bool{}
				r, err := NewRowReader(rowStatuses, p, p+1, RowReaderOptions{Layout: layout})
				if err != nil {
					t.Fatal(err)
				}
				buf := rows.NewBuffer()
				for {
					row, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					buf.Append(row)
				}
				r.Close()
				if buf.Len() == 0 {
					continue
				}
				b, err := rows.BufferToBatch(mem, layout, buf, 0, buf.Len())
				if err != nil {
					t.Fatal(err)
				}
				ids := b.Column(0).(*array.Int64)
				for i := 0; i < ids.Len(); i++ {
					got[p][ids.Value(i)] = true
					if col := sameRow(want[ids.Value(i)], rowRef{b, i}); col != "" {
						t.Errorf("row %d differs in column %s", ids.Value(i), col)
					}
				}
				b.Release()
			}
			total := 0
			for _, g := range got {
				total += len(g)
			}
			if total != len(want) {
				t.Errorf("read %d rows, wrote %d", total, len(want))
			}
			if c.part.Kind != HashPartitioning && c.part.Kind != RangePartitioning {
				return
			}
			// The columnar shuffle partitions the same rows alike.
			var colStatuses []MapStatus
			for m := 0; m < 2; m++ {
				w, err := NewWriter(WriterOptions{ShuffleID: 3, MapIndex: m, Dir: dir, Schema: allTypesSchema, Partitioning: c.part, Codec: c.codec, Alloc: mem})
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range input[3*m : 3*m+3] {
					if err := w.Write(b); err != nil {
						t.Fatal(err)
					}
				}
				st, err := w.Commit()
				w.Close()
				if err != nil {
					t.Fatal(err)
				}
				colStatuses = append(colStatuses, st)
			}
			colIDs := idsByPartition(t, mem, colStatuses, n)
			for p := 0; p < n; p++ {
				if len(colIDs[p]) != len(got[p]) {
					t.Errorf("partition %d: %d rows by the row shuffle, %d by the columnar one", p, len(got[p]), len(colIDs[p]))
				}
				for id := range got[p] {
					if !colIDs[p][id] {
						t.Fatalf("row %d in partition %d of the row shuffle only", id, p)
					}
				}
			}
		})
	}
}

func TestRowReaderChargesStatuses(t *testing.T) {
	layout, err := rows.NewLayout(allTypesSchema)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := NewRowWriter(WriterOptions{Dir: dir, Partitioning: Partitioning{Kind: RoundRobinPartitioning, N: 30}, Codec: CodecLZ4}, layout)
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.Commit()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	statuses := []MapStatus{st, st, st}
	tm := resource.NewTaskMemory(0, StatusesMemory(statuses)-1)
	if _, err := NewRowReader(statuses, 0, 30, RowReaderOptions{Layout: layout, Memory: tm}); err == nil || !strings.Contains(err.Error(), "out of memory:") {
		t.Errorf("statuses over the heap budget: %v", err)
	}
	tm = resource.NewTaskMemory(0, StatusesMemory(statuses))
	r, err := NewRowReader(statuses, 0, 30, RowReaderOptions{Layout: layout, Memory: tm})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("an empty shuffle read %v", err)
	}
	r.Close()
	if tm.Used(resource.Heap) != 0 {
		t.Errorf("%d bytes of heap held after Close", tm.Used(resource.Heap))
	}
}

func TestRowWriterRejectsBadRows(t *testing.T) {
	layout, err := rows.NewLayout(allTypesSchema)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := NewRowWriter(WriterOptions{Dir: dir, Partitioning: Partitioning{Kind: SinglePartition}}, layout)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(rows.Row{1, 2, 3}); err == nil || !strings.Contains(err.Error(), "row of 3 bytes") {
		t.Errorf("a short row: %v", err)
	}
}
