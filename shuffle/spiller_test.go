package shuffle

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/resource"
)

// squeeze is another consumer of the task that needs what the pool has
// left plus half of what the task holds: it gets it only if the others
// spill. It reports the Grow's error (nil: it got the memory) and gives the
// memory back.
func squeeze(tm *resource.TaskMemory, pool resource.PoolKind) (held int64, err error) {
	held = tm.Used(pool)
	r := tm.NewReservation("test consumer", pool)
	defer r.Free()
	return held, r.Grow(tm.Limit(pool) - held + held/2)
}

// rowsOf converts batches of allTypesSchema to rows of layout.
func rowsOf(t *testing.T, layout *rows.Layout, bs []arrow.RecordBatch) *rows.Buffer {
	t.Helper()
	buf := rows.NewBuffer()
	for _, b := range bs {
		if err := rows.AppendBatch(layout, b, buf); err != nil {
			t.Fatal(err)
		}
	}
	return buf
}

// readRowShuffle reads every partition of a row shuffle back and checks
// each row against the input (by id); it returns the rows read.
func readRowShuffle(t *testing.T, mem memory.Allocator, layout *rows.Layout, statuses []MapStatus, n int, input []arrow.RecordBatch) int {
	t.Helper()
	want := indexByID(input)
	read := 0
	for p := 0; p < n; p++ {
		r, err := NewRowReader(statuses, p, p+1, RowReaderOptions{Layout: layout})
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
				r.Close()
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
			if col := sameRow(want[ids.Value(i)], rowRef{b, i}); col != "" {
				t.Errorf("row %d differs in column %s", ids.Value(i), col)
			}
		}
		read += ids.Len()
		b.Release()
	}
	return read
}

// TestRowWriterSpillsOnRequest: a row shuffle writer that holds blocks and
// buffered rows between two writes gives them up (spills) when another
// consumer of the task's heap pool needs memory the pool only has if the
// writer spills; the shuffle still holds every row.
func TestRowWriterSpillsOnRequest(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	layout, err := rows.NewLayout(allTypesSchema)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(21, 21))
	var input []arrow.RecordBatch
	defer func() { releaseBatches(input) }()
	for i := 0; i < 4; i++ {
		input = append(input, randomBatch(mem, rng, int64(i*500), 500, 0.1, 60, false))
	}
	// A budget the writer never fills by itself: only the request spills.
	tm := resource.NewTaskMemory(0, 64<<20)
	part := Partitioning{Kind: HashPartitioning, N: 7, Keys: []int{7}}
	w, err := NewRowWriter(WriterOptions{ShuffleID: 4, Dir: dir, Partitioning: part, Codec: CodecLZ4, Memory: tm, BlockRows: 100}, layout)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	write := func(bs []arrow.RecordBatch) {
		buf := rowsOf(t, layout, bs)
		for r := 0; r < buf.Len(); r++ {
			if err := w.Write(buf.Row(r)); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(input[:2])
	if w.Metrics().BytesSpilled != 0 {
		t.Fatal("the writer spilled by itself: the budget is too small for the test")
	}
	held, err := squeeze(tm, resource.Heap)
	if err != nil {
		t.Fatalf("the other consumer did not get its memory (the writer held %d bytes): %v", held, err)
	}
	if held == 0 || w.Metrics().BytesSpilled == 0 || w.resv.Size() != 0 || w.held != 0 {
		t.Fatalf("held %d before the request; spilled %d bytes, %d reserved after it", held, w.Metrics().BytesSpilled, w.resv.Size())
	}
	if req, freed := tm.Spills(); req == 0 || freed < held/2 {
		t.Errorf("%d spill requests freed %d bytes, the writer held %d", req, freed, held)
	}
	write(input[2:])
	st, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	// After the commit the writer has nothing to spill.
	if freed, err := w.spillRequested(1 << 20); freed != 0 || err != nil {
		t.Errorf("a committed writer freed %d bytes (%v)", freed, err)
	}
	if n := readRowShuffle(t, mem, layout, []MapStatus{st}, part.N, input); n != 2000 {
		t.Errorf("read %d rows, wrote 2000", n)
	}
	w.Close()
	if tm.Used(resource.Heap) != 0 {
		t.Errorf("%d bytes reserved after Close", tm.Used(resource.Heap))
	}
	for _, name := range dirEntries(t, dir) {
		if strings.Contains(name, "spill") || strings.HasSuffix(name, ".tmp") {
			t.Errorf("file %s left after commit", name)
		}
	}
}

// TestWriterSpillsOnRequest: the columnar writer's spill callback gives
// back what the writer holds between two writes, and the map output still
// holds every row. (The columnar Writer registers the callback only once
// its Write holds the state lock, as RowWriter's does; the test registers
// it itself and makes its request between writes, on the writer's
// goroutine.)
func TestWriterSpillsOnRequest(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(22, 22))
	var input []arrow.RecordBatch
	defer func() { releaseBatches(input) }()
	for i := 0; i < 4; i++ {
		input = append(input, randomBatch(mem, rng, int64(i*700), 700, 0.1, 50, i%2 == 1))
	}
	tm := resource.NewTaskMemory(64<<20, 0)
	part := Partitioning{Kind: HashPartitioning, N: 5, Keys: []int{0}}
	w, err := NewWriter(WriterOptions{ShuffleID: 5, Dir: dir, Schema: allTypesSchema, Partitioning: part,
		Codec: CodecLZ4, Alloc: mem, Memory: tm, BlockRows: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.acceptSpillRequests()
	for _, b := range input[:2] {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	held, err := squeeze(tm, resource.OffHeap)
	if err != nil {
		t.Fatalf("the other consumer did not get its memory (the writer held %d bytes): %v", held, err)
	}
	if held == 0 || w.Metrics().BytesSpilled == 0 || w.heldBytes() != 0 || w.resv.Size() != 0 {
		t.Fatalf("held %d before the request; spilled %d bytes, %d held after it", held, w.Metrics().BytesSpilled, w.heldBytes())
	}
	for _, b := range input[2:] {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	st, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	want := indexByID(input)
	got := readAll(t, mem, []MapStatus{st}, 0, part.N, 4096)
	defer releaseBatches(got)
	n := 0
	for _, b := range got {
		ids := b.Column(0).(*array.Int64)
		for i := 0; i < ids.Len(); i++ {
			n++
			if col := sameRow(want[ids.Value(i)], rowRef{b, i}); col != "" {
				t.Fatalf("row %d differs after the spill in column %s", ids.Value(i), col)
			}
		}
	}
	if n != len(want) {
		t.Errorf("read %d rows, wrote %d", n, len(want))
	}
	w.Close()
	if tm.Used(resource.OffHeap) != 0 {
		t.Errorf("%d bytes reserved after Close", tm.Used(resource.OffHeap))
	}
}

// TestWriterSpillRequestWhileBusy: a spill request that comes while a call
// holds the writer's state (up the stack of Write, or on another
// goroutine) frees nothing and leaves the state alone; one that comes
// after Close frees nothing either.
func TestWriterSpillRequestWhileBusy(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	layout, err := rows.NewLayout(allTypesSchema)
	if err != nil {
		t.Fatal(err)
	}
	b := randomBatch(mem, rand.New(rand.NewPCG(23, 23)), 0, 300, 0.1, 60, false)
	defer b.Release()
	tm := resource.NewTaskMemory(0, 64<<20)
	w, err := NewRowWriter(WriterOptions{Dir: t.TempDir(), Partitioning: Partitioning{Kind: SinglePartition, N: 1},
		Codec: CodecLZ4, Memory: tm}, layout)
	if err != nil {
		t.Fatal(err)
	}
	buf := rowsOf(t, layout, []arrow.RecordBatch{b})
	for r := 0; r < buf.Len(); r++ {
		if err := w.Write(buf.Row(r)); err != nil {
			t.Fatal(err)
		}
	}
	held := w.resv.Size()
	if held == 0 {
		t.Fatal("the writer holds nothing")
	}
	w.mu.Lock()
	freed, err := w.spillRequested(held)
	w.mu.Unlock()
	if freed != 0 || err != nil || w.resv.Size() != held || w.Metrics().BytesSpilled != 0 {
		t.Errorf("a request while busy freed %d (%v): %d of %d reserved, %d spilled", freed, err, w.resv.Size(), held, w.Metrics().BytesSpilled)
	}
	// From another goroutine, while a call is in progress: it waits for
	// nothing and frees nothing.
	w.mu.Lock()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		freed, err = w.spillRequested(held)
	}()
	wg.Wait()
	w.mu.Unlock()
	if freed != 0 || err != nil || w.resv.Size() != held {
		t.Errorf("a request from another goroutine while busy freed %d (%v)", freed, err)
	}
	w.Close()
	if freed, err := w.spillRequested(held); freed != 0 || err != nil {
		t.Errorf("a closed writer freed %d (%v)", freed, err)
	}
}
