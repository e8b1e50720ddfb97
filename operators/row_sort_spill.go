package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// rowSortIndexBytes is what sorting a buffered row costs besides the row:
// its index in the result and the two 16-byte entries of rows.SortBuffer's
// radix sort.
const rowSortIndexBytes = 4 + 16 + 16

// rowReserveStep is the least a row operator grows its reservation by, so
// that it does not take the budget's lock for every row.
const rowReserveStep = 64 << 10

// rowExternalSort is the row sort's engine: an external merge sort under
// the task's heap budget, the row twin of externalSort.
//
// It appends input rows to a rows.Buffer, reserving the buffer's bytes and
// what sorting it will take (rowSortIndexBytes a row). When a reservation
// fails it sorts the buffer (stably), writes it as a sorted run to a row
// spill file, drops it and goes on (so a row too big for the budget still
// goes through, as a run of its own). At the end, without runs, it sorts
// the buffer in memory; with runs, it sorts the rest in memory and merges it
// with the runs (a k-way merge on a heap with the rows.Comparator, ties to
// the earlier run: stable), reserving per run the reader's buffers and its
// longest row. When not every run can be opened at once it spills the rest,
// then merges the first runs that fit into one run, in passes; it fails with
// the out-of-memory error only when not even two runs can be merged.
//
// Until the input ends it also spills its buffer as a run when another
// consumer of the task asks it to (spillRequested), unless it is busy
// adding a row at that moment.
type rowExternalSort struct {
	ctx   context.Context
	task  *TaskContext
	cmp   *rows.Comparator
	res   *resource.Reservation
	met   spillMetrics
	gauge *rowHeapGauge

	// mu is held by every method that touches the state below, so that a
	// spill request (from another goroutine, or from up this stack) finds
	// it consistent or stays away. consuming is true until finish: only
	// then may a request spill; spillErr is a request's failure, which the
	// next call returns.
	mu        sync.Mutex
	consuming bool
	spillErr  error

	buf    *rows.Buffer
	reserv int64 // bytes reserved for buf
	last   int64 // buf.Bytes() at the last check
	runs   []*spill.RowWriter

	// output
	order   []int32 // buf's rows in order (in memory)
	pos     int
	merge   *rowMerger
	readers []*spill.RowReader
	n       int // rows emitted, for the cancellation checks
	passes  int // merge passes made (for tests)
	done    bool
}

func newRowExternalSort(ctx context.Context, task *TaskContext, name string, cmp *rows.Comparator,
	met spillMetrics, gauge *rowHeapGauge) *rowExternalSort {
	e := &rowExternalSort{ctx: ctx, task: task, cmp: cmp, met: met, gauge: gauge,
		res: task.Memory.NewReservation(name, resource.Heap), buf: rows.NewBuffer(), consuming: true}
	e.res.SetSpiller(e.spillRequested)
	return e
}

// spillRequested is the row sort's resource.Spiller: while the input is
// read and no row is being added, it writes the buffer out as a run and
// returns the bytes its reservation gave back.
func (e *rowExternalSort) spillRequested(need int64) (int64, error) {
	if !e.mu.TryLock() {
		return 0, nil // busy, up this stack or on the sort's goroutine
	}
	defer e.mu.Unlock()
	if !e.consuming || e.done || e.spillErr != nil || e.buf.Len() == 0 {
		return 0, nil
	}
	before := e.res.Size()
	err := e.spillBuffer()
	freed := max(0, before-e.res.Size())
	if err != nil {
		e.spillErr = fmt.Errorf("row sort: spilling on request: %w", err)
		return freed, e.spillErr
	}
	return freed, nil
}

// held returns the bytes the buffer holds and will take to sort.
func (e *rowExternalSort) held() int64 {
	return e.buf.Bytes() + rowSortIndexBytes*int64(e.buf.Len())
}

// add buffers a row (borrowed), spilling the buffer when its reservation
// cannot grow.
func (e *rowExternalSort) add(r rows.Row) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.spillErr != nil {
		return e.spillErr
	}
	e.buf.Append(r)
	b := e.buf.Bytes()
	if b == e.last && e.buf.Len()&255 != 0 {
		return nil
	}
	e.last = b
	need := e.held()
	e.gauge.set(need)
	if need <= e.reserv {
		return nil
	}
	if e.res.TryGrow(max(need-e.reserv, rowReserveStep)) {
		e.reserv += max(need-e.reserv, rowReserveStep)
		return nil
	}
	if e.res.TryGrow(need - e.reserv) {
		e.reserv = need
		return nil
	}
	return e.spillBuffer()
}

// spillBuffer sorts the buffer, writes it as a run and drops it.
func (e *rowExternalSort) spillBuffer() error {
	start := time.Now()
	defer e.met.since(start)
	order, err := e.sortBuffer()
	if err != nil {
		return err
	}
	err = e.writeRun(e.buf, order)
	e.dropBuffer()
	return err
}

// dropBuffer frees the buffer and its reservation.
func (e *rowExternalSort) dropBuffer() {
	e.buf = rows.NewBuffer()
	e.last = 0
	e.res.Shrink(e.reserv)
	e.reserv = 0
	e.gauge.set(0)
}

func (e *rowExternalSort) sortBuffer() ([]int32, error) {
	order := rows.SortBuffer(e.buf, e.cmp)
	if len(order) != e.buf.Len() {
		return nil, fmt.Errorf("row sort: the sort returned %d indices for %d rows", len(order), e.buf.Len())
	}
	return order, nil
}

// writeRun writes the rows order of b as a new run.
func (e *rowExternalSort) writeRun(b *rows.Buffer, order []int32) error {
	w, err := spill.NewRowWriter(e.task.TempDir, spillCodec)
	if err != nil {
		return err
	}
	e.runs = append(e.runs, w)
	e.met.created()
	if err := w.WriteBuffer(b, order); err != nil {
		return err
	}
	n, err := w.Close()
	e.met.written(n)
	return err
}

// runCost is the memory merging runs takes: per run its reader's buffers
// and a copy of its longest row.
func rowRunCost(runs []*spill.RowWriter) int64 {
	var n int64
	for _, w := range runs {
		n += spillCodec.FileOverhead() + int64(w.MaxRowBytes())
	}
	return n
}

// finish is called at the end of the input: it sorts the buffer and, when
// there are runs, prepares their merge.
func (e *rowExternalSort) finish() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.consuming = false
	if e.spillErr != nil {
		return e.spillErr
	}
	if e.buf.Len() > 0 {
		order, err := e.sortBuffer()
		if err != nil {
			return err
		}
		e.order = order
	}
	e.gauge.set(e.held())
	if len(e.runs) == 0 {
		return nil
	}
	for {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		cost := rowRunCost(e.runs)
		if e.res.TryGrow(cost) {
			break
		}
		if e.order != nil {
			// Make room: the in-memory rest becomes the last run.
			start := time.Now()
			err := e.writeRun(e.buf, e.order)
			e.met.since(start)
			e.order = nil
			e.dropBuffer()
			if err != nil {
				return err
			}
			continue
		}
		if len(e.runs) < 2 {
			if err := e.res.Grow(cost); err != nil {
				return fmt.Errorf("row sort: cannot read back its spilled run: %w", err)
			}
			break
		}
		if err := e.mergePass(); err != nil {
			return err
		}
	}
	srcs := make([]rowSource, 0, len(e.runs)+1)
	for _, w := range e.runs {
		src, err := e.openRun(w)
		if err != nil {
			return err
		}
		srcs = append(srcs, src)
	}
	if e.order != nil {
		srcs = append(srcs, &memRowSource{buf: e.buf, order: e.order})
	}
	e.merge = newRowMerger(e.cmp, srcs)
	return nil
}

// openRun opens a run for the merge; the file is removed after its last row.
func (e *rowExternalSort) openRun(w *spill.RowWriter) (rowSource, error) {
	r, err := spill.OpenRows(w.Path())
	if err != nil {
		return nil, err
	}
	e.readers = append(e.readers, r)
	return rowSourceFunc(func() (rows.Row, error) {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			r.Close()
			w.Remove()
		}
		return row, err
	}), nil
}

// mergePass merges the first runs that fit the budget (at least two) into
// one run in their place.
func (e *rowExternalSort) mergePass() error {
	m := 0
	var cost int64
	for k := len(e.runs); k >= 2; k-- {
		if c := rowRunCost(e.runs[:k]); e.res.TryGrow(c) {
			m, cost = k, c
			break
		}
	}
	if m == 0 {
		cost = rowRunCost(e.runs[:2])
		if err := e.res.Grow(cost); err != nil {
			return fmt.Errorf("row sort: cannot merge its %d spilled runs: %w", len(e.runs), err)
		}
		m = 2
	}
	defer e.res.Shrink(cost)
	start := time.Now()
	defer e.met.since(start)
	src := e.runs[:m:m]
	var readers []*spill.RowReader
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	srcs := make([]rowSource, m)
	for i, w := range src {
		r, err := spill.OpenRows(w.Path())
		if err != nil {
			return err
		}
		readers = append(readers, r)
		srcs[i] = rowSourceFunc(r.Next)
	}
	merge := newRowMerger(e.cmp, srcs)
	out, err := spill.NewRowWriter(e.task.TempDir, spillCodec)
	if err != nil {
		return err
	}
	e.runs = append(e.runs, out) // registered for removal; moved to the front below
	e.met.created()
	n := 0
	for {
		if err := rowCanceled(e.ctx, &n); err != nil {
			return err
		}
		r, err := merge.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := out.Write(r); err != nil {
			return err
		}
	}
	size, err := out.Close()
	e.met.written(size)
	if err != nil {
		return err
	}
	for _, w := range src {
		w.Remove()
	}
	e.runs = append([]*spill.RowWriter{out}, e.runs[m:len(e.runs)-1]...)
	e.passes++
	return nil
}

// next returns the next row in order (valid until the next call), or
// io.EOF.
func (e *rowExternalSort) next() (rows.Row, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return nil, io.EOF
	}
	if err := rowCanceled(e.ctx, &e.n); err != nil {
		return nil, err
	}
	if e.merge != nil {
		r, err := e.merge.next()
		if errors.Is(err, io.EOF) {
			e.releaseLocked()
		}
		return r, err
	}
	if e.pos >= len(e.order) {
		e.releaseLocked()
		return nil, io.EOF
	}
	r := e.buf.Row(int(e.order[e.pos]))
	e.pos++
	return r, nil
}

// release frees everything and removes every run file left.
func (e *rowExternalSort) release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.releaseLocked()
}

func (e *rowExternalSort) releaseLocked() {
	e.done = true
	e.consuming = false
	e.res.SetSpiller(nil)
	for _, r := range e.readers {
		r.Close()
	}
	e.readers = nil
	for _, w := range e.runs {
		w.Remove()
	}
	e.runs = nil
	e.merge = nil
	e.buf, e.order = nil, nil
	e.res.Free()
	e.reserv = 0
	e.gauge.release()
}

// rowSource is a sorted sequence of rows: Next's row is valid until the
// following call.
type rowSource interface {
	next() (rows.Row, error)
}

type rowSourceFunc func() (rows.Row, error)

func (f rowSourceFunc) next() (rows.Row, error) { return f() }

// memRowSource returns a buffer's rows in an order.
type memRowSource struct {
	buf   *rows.Buffer
	order []int32
	pos   int
}

func (m *memRowSource) next() (rows.Row, error) {
	if m.pos >= len(m.order) {
		return nil, io.EOF
	}
	r := m.buf.Row(int(m.order[m.pos]))
	m.pos++
	return r, nil
}

// rowMerger merges sorted row sources into one sorted sequence; of equal
// rows, those of earlier sources come first.
type rowMerger struct {
	cmp     *rows.Comparator
	srcs    []rowSource
	cur     []rows.Row
	heap    []int // sources with a current row: a min-heap on (row, source)
	last    int   // the source whose row was returned last, or -1
	started bool
}

func newRowMerger(cmp *rows.Comparator, srcs []rowSource) *rowMerger {
	return &rowMerger{cmp: cmp, srcs: srcs, cur: make([]rows.Row, len(srcs)), last: -1}
}

func (m *rowMerger) less(a, b int) bool {
	c := m.cmp.Compare(m.cur[a], m.cur[b])
	return c < 0 || (c == 0 && a < b)
}

func (m *rowMerger) down(i int) {
	h := m.heap
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && m.less(h[c+1], h[c]) {
			c++
		}
		if !m.less(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// advance loads source i's next row; it reports false at its end.
func (m *rowMerger) advance(i int) (bool, error) {
	r, err := m.srcs[i].next()
	if err != nil {
		m.cur[i] = nil
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, err
	}
	m.cur[i] = r
	return true, nil
}

func (m *rowMerger) next() (rows.Row, error) {
	if !m.started {
		m.started = true
		for i := range m.srcs {
			ok, err := m.advance(i)
			if err != nil {
				return nil, err
			}
			if ok {
				m.heap = append(m.heap, i)
			}
		}
		for i := len(m.heap)/2 - 1; i >= 0; i-- {
			m.down(i)
		}
	} else if m.last >= 0 {
		// The row returned last is no longer needed: move its source on.
		ok, err := m.advance(m.last)
		if err != nil {
			return nil, err
		}
		if !ok {
			n := len(m.heap) - 1
			m.heap[0] = m.heap[n]
			m.heap = m.heap[:n]
		}
		m.last = -1
		if len(m.heap) > 0 {
			m.down(0)
		}
	}
	if len(m.heap) == 0 {
		return nil, io.EOF
	}
	m.last = m.heap[0]
	return m.cur[m.last], nil
}
