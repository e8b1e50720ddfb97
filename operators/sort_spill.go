package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// externalSort is the columnar sort's engine: an external merge sort under
// the task's off-heap budget.
//
// It buffers input batches, reserving their bytes. When a reservation fails
// it writes what is buffered as a sorted run to a spill file: it sorts each
// buffered batch on its own (replacing it by its sorted copy, so that memory
// grows by one batch at most) and merges them (sorting.Merger) into the
// file, in batches small enough for the later merge; then it frees the
// memory and goes on. A batch that does not fit even alone becomes a run of
// its own. At the end, without runs, it concatenates and sorts the buffer
// when the budget allows the copy, and otherwise merges the batches sorted
// one by one, in memory. With runs, it merges them with the rest, reserving
// per run two of its batches and the reader's buffers; when not every run
// can be opened at once it first spills the rest, then merges the first runs
// that fit into one run, in passes, and fails with the out-of-memory error
// only when not even two runs can be merged. Runs keep the input order and
// every merge is stable, so the result equals the in-memory stable sort's.
//
// Until the input ends it also spills its buffer as a run when another
// consumer of the task asks it to (spillRequested), unless it is busy
// adding a batch at that moment.
type externalSort struct {
	ctx    context.Context
	task   *TaskContext
	schema *arrow.Schema
	keys   []sorting.SortKey
	rows   int // rows per output batch
	res    *resource.Reservation
	met    spillMetrics

	// mu is held by every method that touches the state below, so that a
	// spill request (from another goroutine, or from an allocation up this
	// stack) finds it consistent or stays away. consuming is true until
	// finish: only then may a request spill; spillErr is a request's
	// failure, which the next call returns.
	mu        sync.Mutex
	consuming bool
	spillErr  error

	buf      []arrow.RecordBatch // buffered input
	bufRes   int64               // bytes reserved for buf
	seenRows int64               // rows and bytes of the input, for the
	seenSize int64               // average row size
	runs     []*spill.Writer     // spilled runs, in input order

	groups  []*memRun       // sorted groups of buffered batches, merger inputs
	merger  *sorting.Merger // the output, when merging
	mem     *memRun         // the output, when sorted in memory
	readers []*spill.Reader
	passes  int // merge passes made (for tests)
	done    bool
}

func newExternalSort(ctx context.Context, task *TaskContext, name string, schema *arrow.Schema,
	keys []sorting.SortKey, met spillMetrics) *externalSort {
	e := &externalSort{ctx: ctx, task: task, schema: schema, keys: keys, rows: taskBatchRows(task),
		res: task.Memory.NewReservation(name, resource.OffHeap), met: met, consuming: true}
	e.res.SetSpiller(e.spillRequested)
	return e
}

// spillRequested is the sort's resource.Spiller: while the input is read
// and no batch is being added, it writes the buffer out as a run and
// returns the bytes its reservation gave back.
func (e *externalSort) spillRequested(need int64) (int64, error) {
	if !e.mu.TryLock() {
		return 0, nil // busy, up this stack or on the sort's goroutine
	}
	defer e.mu.Unlock()
	if !e.consuming || e.done || e.spillErr != nil || len(e.buf) == 0 {
		return 0, nil
	}
	before := e.res.Size()
	err := e.spillBuffer()
	freed := max(0, before-e.res.Size())
	if err != nil {
		e.spillErr = fmt.Errorf("sort: spilling on request: %w", err)
		return freed, e.spillErr
	}
	return freed, nil
}

// add buffers a batch (borrowed) or spills. The budget must also leave
// room to sort a group of batches (sortHeadroom) when the buffer spills.
func (e *externalSort) add(b arrow.RecordBatch) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.spillErr != nil {
		return e.spillErr
	}
	if b.NumRows() == 0 {
		return nil
	}
	need := spill.BatchBytes(b)
	e.seenRows += b.NumRows()
	e.seenSize += need
	if head := e.sortHeadroom(); e.res.TryGrow(need + head) {
		e.res.Shrink(head)
	} else {
		if len(e.buf) > 0 {
			if err := e.spillBuffer(); err != nil {
				return err
			}
		}
		if !e.res.TryGrow(need) {
			// Too big for the budget even alone: a run of its own.
			start := time.Now()
			defer e.met.since(start)
			idx, err := sorting.SortIndices(b, e.keys)
			if err != nil {
				return err
			}
			return e.writeSorted(b, idx)
		}
	}
	b.Retain()
	e.buf = append(e.buf, b)
	e.bufRes += need
	return nil
}

// sortHeadroom returns the most bytes of batches sorted together when the
// buffer spills (they are concatenated, which copies them): an eighth of
// the budget, at most 64 MiB; 0 without a budget.
func (e *externalSort) sortHeadroom() int64 {
	l := e.task.Memory.Limit(resource.OffHeap)
	if l <= 0 {
		return 0
	}
	return min(l/8, 64<<20)
}

// rowBytes returns the input's average bytes per row.
func (e *externalSort) rowBytes() int64 {
	if e.seenRows == 0 {
		return 1
	}
	return max(1, e.seenSize/e.seenRows)
}

// runRows returns the rows per batch of a run: the batch size, fewer when
// the budget is small, so that merging many runs fits (a run's batch is at
// most 1/32 of the budget, if that is not below 64 rows).
func (e *externalSort) runRows() int {
	l := e.task.Memory.Limit(resource.OffHeap)
	if l <= 0 {
		return e.rows
	}
	return int(min(int64(e.rows), max(64, l/32/e.rowBytes())))
}

// sortGroups turns the buffered batches into sorted groups, which it
// returns as merger inputs (in input order) and keeps in e.groups: runs of
// consecutive batches of at most sortHeadroom bytes are concatenated (the
// copy is reserved; without room each batch is a group of its own) and
// sorted together. The buffer is empty afterwards; its reservation stays.
func (e *externalSort) sortGroups() ([]func() (arrow.RecordBatch, error), error) {
	head := e.sortHeadroom()
	var inputs []func() (arrow.RecordBatch, error)
	rows := e.runRows()
	add := func(all arrow.RecordBatch) error {
		idx, err := sorting.SortIndices(all, e.keys)
		if err != nil {
			all.Release()
			return err
		}
		g := &memRun{e: e, all: all, idx: idx, rows: rows}
		e.groups = append(e.groups, g)
		inputs = append(inputs, g.next)
		return nil
	}
	buf := e.buf
	defer func() {
		// Whatever was not turned into a group.
		for _, b := range buf {
			b.Release()
		}
		clear(e.buf)
		e.buf = e.buf[:0]
	}()
	for len(buf) > 0 {
		if err := e.ctx.Err(); err != nil {
			return nil, err
		}
		n, size := 1, spill.BatchBytes(buf[0])
		for n < len(buf) {
			s := spill.BatchBytes(buf[n])
			if size+s > head {
				break
			}
			n, size = n+1, size+s
		}
		if n > 1 && !e.res.TryGrow(size) {
			n = 1 // no room for the copy
		}
		if n == 1 {
			b := buf[0]
			buf = buf[1:]
			if err := add(b); err != nil {
				return nil, err
			}
			continue
		}
		all, err := sorting.Concat(e.task.Alloc, e.schema, buf[:n])
		for _, b := range buf[:n] {
			b.Release()
		}
		buf = buf[n:]
		e.res.Shrink(size) // the copy took the originals' place
		if err != nil {
			return nil, err
		}
		if err := add(all); err != nil {
			return nil, err
		}
	}
	return inputs, nil
}

// releaseGroups frees the sorted groups.
func (e *externalSort) releaseGroups() {
	for _, g := range e.groups {
		g.release()
	}
	e.groups = nil
}

// spillBuffer writes the buffered batches as a run and frees them.
func (e *externalSort) spillBuffer() error {
	start := time.Now()
	defer e.met.since(start)
	defer e.releaseBuffer()
	inputs, err := e.sortGroups()
	if err != nil {
		return err
	}
	m, err := sorting.NewMerger(e.task.Alloc, e.schema, e.keys, inputs, e.runRows())
	if err != nil {
		return err
	}
	defer m.Release()
	return e.writeMerged(m)
}

// releaseBuffer frees the buffered batches, the sorted groups and their
// reservation.
func (e *externalSort) releaseBuffer() {
	for _, b := range e.buf {
		b.Release()
	}
	clear(e.buf)
	e.buf = e.buf[:0]
	e.releaseGroups()
	e.res.Shrink(e.bufRes)
	e.bufRes = 0
}

// writeSorted writes the rows idx of all (borrowed) as a new run.
func (e *externalSort) writeSorted(all arrow.RecordBatch, idx []int32) error {
	w, err := e.newRun()
	if err != nil {
		return err
	}
	n := e.runRows()
	for p := 0; p < len(idx); p += n {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		c, err := sorting.Take(e.task.Alloc, all, idx[p:min(len(idx), p+n)])
		if err != nil {
			return err
		}
		err = w.Write(c)
		c.Release()
		if err != nil {
			return err
		}
	}
	return e.closeRun(w)
}

// writeMerged writes a merger's output as a new run.
func (e *externalSort) writeMerged(m *sorting.Merger) error {
	w, err := e.newRun()
	if err != nil {
		return err
	}
	for {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		b, err := m.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		err = w.Write(b)
		b.Release()
		if err != nil {
			return err
		}
	}
	return e.closeRun(w)
}

// newRun creates a run file, registered for removal.
func (e *externalSort) newRun() (*spill.Writer, error) {
	w, err := spill.NewWriter(e.task.TempDir, e.schema, spillCodec, spill.WithAllocator(e.task.Alloc))
	if err != nil {
		return nil, err
	}
	e.runs = append(e.runs, w)
	e.met.created()
	return w, nil
}

// closeRun finishes a run file.
func (e *externalSort) closeRun(w *spill.Writer) error {
	n, err := w.Close()
	e.met.written(n)
	return err
}

// runCost is the memory merging runs takes: per run two batches (the
// current one, and an exhausted one the output still references) and the
// reader's buffers, plus an output batch of outRows rows.
func (e *externalSort) runCost(runs []*spill.Writer, outRows int) int64 {
	n := int64(outRows) * e.rowBytes()
	for _, r := range runs {
		n += 2*r.MaxBatchBytes() + spillCodec.FileOverhead()
	}
	return n
}

// finish is called at the end of the input: it prepares the output. With
// runs, it reserves their merge: with the task's batch size for the output
// if it can, else (after spilling the in-memory rest) with the runs' batch
// size, else after merge passes.
func (e *externalSort) finish() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.consuming = false
	if e.spillErr != nil {
		return e.spillErr
	}
	if len(e.runs) == 0 {
		return e.finishInMemory()
	}
	// The output batches have the task's batch size if the budget allows
	// it, else the runs' smaller one.
	outRows := e.rows
	for {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		if e.res.TryGrow(e.runCost(e.runs, e.rows)) {
			break
		}
		if len(e.buf) > 0 {
			// Make room: the in-memory rest becomes the last run.
			if err := e.spillBuffer(); err != nil {
				return err
			}
			continue
		}
		outRows = e.runRows()
		cost := e.runCost(e.runs, outRows)
		if e.res.TryGrow(cost) {
			break
		}
		if len(e.runs) < 2 {
			if err := e.res.Grow(cost); err != nil {
				return fmt.Errorf("sort: cannot read back its spilled run: %w", err)
			}
			break // the budget grew meanwhile
		}
		if err := e.mergePass(); err != nil {
			return err
		}
	}
	inputs := make([]func() (arrow.RecordBatch, error), 0, len(e.runs)+len(e.buf))
	for _, w := range e.runs {
		in, err := e.openRun(w)
		if err != nil {
			return err
		}
		inputs = append(inputs, in)
	}
	rest, err := e.sortGroups() // the rest came last: its inputs follow the runs
	if err != nil {
		return err
	}
	inputs = append(inputs, rest...)
	m, err := sorting.NewMerger(e.task.Alloc, e.schema, e.keys, inputs, outRows)
	if err != nil {
		return err
	}
	e.merger = m
	return nil
}

// finishInMemory sorts the buffer when nothing was spilled: all at once when
// the budget allows the concatenated copy, else by groups, merged.
func (e *externalSort) finishInMemory() error {
	if len(e.buf) == 0 {
		return nil
	}
	if len(e.buf) == 1 || e.res.TryGrow(e.bufRes) {
		if len(e.buf) > 1 {
			e.bufRes *= 2
		}
		var all arrow.RecordBatch
		if len(e.buf) == 1 {
			all = e.buf[0]
			all.Retain()
		} else {
			var err error
			if all, err = sorting.Concat(e.task.Alloc, e.schema, e.buf); err != nil {
				return err
			}
		}
		for _, b := range e.buf {
			b.Release()
		}
		e.buf = e.buf[:0]
		idx, err := sorting.SortIndices(all, e.keys)
		if err != nil {
			all.Release()
			return err
		}
		e.mem = &memRun{e: e, all: all, idx: idx, rows: e.rows}
		return nil
	}
	// No room to copy everything: sort groups, merge them.
	inputs, err := e.sortGroups()
	if err != nil {
		return err
	}
	m, err := sorting.NewMerger(e.task.Alloc, e.schema, e.keys, inputs, e.rows)
	if err != nil {
		return err
	}
	e.merger = m
	return nil
}

// openRun opens a run for a merge: the function returns its batches and
// removes the file after the last one.
func (e *externalSort) openRun(w *spill.Writer) (func() (arrow.RecordBatch, error), error) {
	r, err := spill.Open(w.Path(), e.task.Alloc)
	if err != nil {
		return nil, err
	}
	e.readers = append(e.readers, r)
	return func() (arrow.RecordBatch, error) {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			r.Close()
			w.Remove()
		}
		return b, err
	}, nil
}

// mergePass merges the first runs that fit the budget (at least two) into
// one run in their place.
func (e *externalSort) mergePass() error {
	m := 0
	var cost int64
	out := e.runRows()
	for k := len(e.runs); k >= 2; k-- {
		if c := e.runCost(e.runs[:k], out); e.res.TryGrow(c) {
			m, cost = k, c
			break
		}
	}
	if m == 0 {
		cost = e.runCost(e.runs[:2], out)
		if err := e.res.Grow(cost); err != nil {
			return fmt.Errorf("sort: cannot merge its %d spilled runs: %w", len(e.runs), err)
		}
		m = 2 // the budget grew meanwhile
	}
	defer e.res.Shrink(cost)
	start := time.Now()
	defer e.met.since(start)
	src := e.runs[:m:m]
	readers := make([]*spill.Reader, 0, m)
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	inputs := make([]func() (arrow.RecordBatch, error), m)
	for i, w := range src {
		r, err := spill.Open(w.Path(), e.task.Alloc)
		if err != nil {
			return err
		}
		readers = append(readers, r)
		inputs[i] = r.Next
	}
	merger, err := sorting.NewMerger(e.task.Alloc, e.schema, e.keys, inputs, out)
	if err != nil {
		return err
	}
	defer merger.Release()
	if err := e.writeMerged(merger); err != nil { // the new run is last in e.runs
		return err
	}
	for _, w := range src {
		w.Remove()
	}
	merged := e.runs[len(e.runs)-1]
	e.runs = append([]*spill.Writer{merged}, e.runs[m:len(e.runs)-1]...)
	e.passes++
	return nil
}

// next returns the next sorted batch, owned by the caller, or io.EOF.
func (e *externalSort) next() (arrow.RecordBatch, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return nil, io.EOF
	}
	if err := e.ctx.Err(); err != nil {
		return nil, err
	}
	var b arrow.RecordBatch
	var err error
	switch {
	case e.merger != nil:
		b, err = e.merger.Next()
	case e.mem != nil:
		b, err = e.mem.next()
	default:
		err = io.EOF
	}
	if errors.Is(err, io.EOF) {
		e.releaseLocked()
		return nil, io.EOF
	}
	return b, err
}

// release frees everything and removes every run file left.
func (e *externalSort) release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.releaseLocked()
}

func (e *externalSort) releaseLocked() {
	e.done = true
	e.consuming = false
	e.res.SetSpiller(nil)
	if e.merger != nil {
		e.merger.Release()
		e.merger = nil
	}
	for _, r := range e.readers {
		r.Close()
	}
	e.readers = nil
	for _, w := range e.runs {
		w.Remove()
	}
	e.runs = nil
	if e.mem != nil {
		e.mem.release()
		e.mem = nil
	}
	e.releaseGroups()
	for _, b := range e.buf {
		b.Release()
	}
	e.buf = nil
	e.bufRes = 0
	e.res.Free()
}

// memRun hands out the rows of a batch in a sorted order: all's rows in the
// order idx, rows at a time.
type memRun struct {
	e    *externalSort
	all  arrow.RecordBatch
	idx  []int32
	pos  int
	rows int
}

func (m *memRun) next() (arrow.RecordBatch, error) {
	if m.all == nil || m.pos >= len(m.idx) {
		return nil, io.EOF
	}
	end := min(len(m.idx), m.pos+m.rows)
	b, err := sorting.Take(m.e.task.Alloc, m.all, m.idx[m.pos:end])
	if err != nil {
		return nil, err
	}
	m.pos = end
	return b, nil
}

func (m *memRun) release() {
	if m.all != nil {
		m.all.Release()
		m.all = nil
	}
	m.idx = nil
}
