package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// RowSort orders each input partition by keys: the row (fallback) twin of
// Sort, Sort in EXPLAIN. It buffers its input's rows in one arena on the Go
// heap, sorts their indices (stably) and emits them. It keeps the arena
// within the task's heap budget: when the input does not fit, it spills
// sorted runs to the query's temporary directory and merges them at the end
// (an external merge sort; see the spill metrics).
type RowSort struct {
	base
	keys   []rows.SortKey
	labels []string
	global bool
	layout *rows.Layout
	heap   rowHeapMetrics
	spill  spillMetrics
}

// checkRowSortKeys verifies that every key is a field of l.
func checkRowSortKeys(op string, keys []rows.SortKey, l *rows.Layout) error {
	for _, k := range keys {
		if k.Column < 0 || k.Column >= l.NumFields() {
			return fmt.Errorf("%s: key column %d out of range", op, k.Column)
		}
	}
	return nil
}

// NewRowSort returns a sort of child, a row node, by keys; labels are the
// keys as EXPLAIN prints them (a#1 ASC NULLS FIRST); global marks a sort of
// the whole result (above a single-partition exchange).
func NewRowSort(child Node, keys []rows.SortKey, labels []string, global bool) (*RowSort, error) {
	l, err := rowLayout("row sort", child.Schema())
	if err != nil {
		return nil, err
	}
	if err := checkRowSortKeys("row sort", keys, l); err != nil {
		return nil, err
	}
	s := &RowSort{keys: keys, labels: labels, global: global, layout: l}
	s.schema = child.Schema()
	s.children = []Node{child}
	s.heap = newRowHeapMetrics(&s.metrics)
	s.spill = newSpillMetrics(&s.metrics)
	return s, nil
}

// Name implements Node.
func (s *RowSort) Name() string { return "Sort" }

// Detail implements Node.
func (s *RowSort) Detail() string {
	return fmt.Sprintf(" [%s], %t, 0", joinStrings(s.labels, func(x string) string { return x }), s.global)
}

// NumPartitions implements Node.
func (s *RowSort) NumPartitions() int { return s.children[0].NumPartitions() }

// ExecuteRows implements RowNode.
func (s *RowSort) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	in, err := executeRows(s.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	st := &rowSortStream{s: s, ctx: ctx, in: in, task: task, gauge: rowHeapGauge{m: s.heap}}
	return meteredRowStream(st, &s.metrics), nil
}

// rowSortStream sorts its input with an external merge sort (see
// rowExternalSort): within the task's heap budget, spilling sorted runs
// when the input does not fit.
type rowSortStream struct {
	s     *RowSort
	ctx   context.Context
	in    RowStream
	task  *TaskContext
	ext   *rowExternalSort
	done  bool
	gauge rowHeapGauge
}

func (st *rowSortStream) Next() (rows.Row, error) {
	if !st.done {
		st.done = true
		st.ext = newRowExternalSort(st.ctx, st.task, st.s.Name(), rows.NewComparator(st.s.layout, st.s.keys),
			st.s.spill, &st.gauge)
		if err := st.load(); err != nil {
			st.ext.release()
			return nil, err
		}
	}
	if st.ext == nil {
		return nil, io.EOF
	}
	return st.ext.next()
}

// load buffers (or spills) the input and prepares the output.
func (st *rowSortStream) load() error {
	n := 0
	for {
		if err := rowCanceled(st.ctx, &n); err != nil {
			return err
		}
		r, err := st.in.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		if err := st.ext.add(r); err != nil {
			return err
		}
	}
	st.in.Close() // the input is spent: let it free what it holds
	return st.ext.finish()
}

func (st *rowSortStream) Close() {
	if st.ext != nil {
		st.ext.release()
	}
	st.in.Close()
}

// RowTopN keeps the first n rows of each partition in key order: the row
// (fallback) twin of TopN, TakeOrderedAndProject in EXPLAIN. It keeps at
// most n rows (copies, on the Go heap) in a bounded heap; of rows with equal
// keys the earliest win, so the result is that of a stable sort cut at n.
type RowTopN struct {
	base
	keys    []rows.SortKey
	labels  []string
	n       int64
	partial bool
	outDesc string
	layout  *rows.Layout
	heap    rowHeapMetrics
}

// NewRowTopN returns the top-n of child, a row node, by keys. labels print
// the keys, output the output columns, for EXPLAIN; partial marks the
// per-task top-n below a single-partition exchange.
func NewRowTopN(child Node, keys []rows.SortKey, labels []string, n int64, partial bool, output []string) (*RowTopN, error) {
	if n < 0 {
		return nil, fmt.Errorf("row top-n: negative limit %d", n)
	}
	l, err := rowLayout("row top-n", child.Schema())
	if err != nil {
		return nil, err
	}
	if err := checkRowSortKeys("row top-n", keys, l); err != nil {
		return nil, err
	}
	t := &RowTopN{keys: keys, labels: labels, n: n, partial: partial, layout: l,
		outDesc: joinStrings(output, func(x string) string { return x })}
	t.schema = child.Schema()
	t.children = []Node{child}
	t.heap = newRowHeapMetrics(&t.metrics)
	return t, nil
}

// Name implements Node.
func (t *RowTopN) Name() string { return "TakeOrderedAndProject" }

// Detail implements Node.
func (t *RowTopN) Detail() string {
	s := fmt.Sprintf("(limit=%d, orderBy=[%s], output=[%s])", t.n,
		joinStrings(t.labels, func(x string) string { return x }), t.outDesc)
	if t.partial {
		s += " partial"
	}
	return s
}

// NumPartitions implements Node.
func (t *RowTopN) NumPartitions() int { return t.children[0].NumPartitions() }

// ExecuteRows implements RowNode.
func (t *RowTopN) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	if t.n == 0 {
		return meteredRowStream(rowEmptyStream{}, &t.metrics), nil
	}
	in, err := executeRows(t.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	st := &rowTopNStream{t: t, ctx: ctx, in: in, cmp: rows.NewComparator(t.layout, t.keys),
		gauge: rowHeapGauge{m: t.heap}}
	return meteredRowStream(st, &t.metrics), nil
}

// topEntry is a kept row and its arrival number (the tie-breaker).
type topEntry struct {
	row rows.Row
	seq int64
}

type rowTopNStream struct {
	t     *RowTopN
	ctx   context.Context
	in    RowStream
	cmp   *rows.Comparator
	heap  []topEntry // a max-heap: the worst kept row at the root
	bytes int64      // capacity of the kept rows
	pos   int
	done  bool
	gauge rowHeapGauge
}

// worse reports whether a orders after b (by key, then arrival).
func (st *rowTopNStream) worse(a, b *topEntry) bool {
	if c := st.cmp.Compare(a.row, b.row); c != 0 {
		return c > 0
	}
	return a.seq > b.seq
}

func (st *rowTopNStream) up(i int) {
	h := st.heap
	for i > 0 {
		p := (i - 1) / 2
		if !st.worse(&h[i], &h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (st *rowTopNStream) down(i int) {
	h := st.heap
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && st.worse(&h[c+1], &h[c]) {
			c++
		}
		if !st.worse(&h[c], &h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

func (st *rowTopNStream) Next() (rows.Row, error) {
	if !st.done {
		st.done = true
		if err := st.load(); err != nil {
			return nil, err
		}
	}
	if st.pos >= len(st.heap) {
		st.free()
		return nil, io.EOF
	}
	r := st.heap[st.pos].row
	st.pos++
	return r, nil
}

// load keeps the n best input rows, then sorts them.
func (st *rowTopNStream) load() error {
	n := 0
	var seq int64
	for {
		if err := rowCanceled(st.ctx, &n); err != nil {
			return err
		}
		if n&(rowCheckEvery-1) == 0 {
			st.gauge.set(st.heapBytes())
		}
		r, err := st.in.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		seq++
		if int64(len(st.heap)) < st.t.n {
			cp := append(rows.Row(nil), r...)
			st.bytes += int64(cap(cp))
			st.heap = append(st.heap, topEntry{row: cp, seq: seq})
			st.up(len(st.heap) - 1)
			continue
		}
		// A new row is never better than an equal kept one (it came later).
		if st.cmp.Compare(r, st.heap[0].row) >= 0 {
			continue
		}
		root := &st.heap[0]
		old := cap(root.row)
		root.row = append(root.row[:0], r...)
		st.bytes += int64(cap(root.row) - old)
		root.seq = seq
		st.down(0)
	}
	st.in.Close() // the input is spent: let it free what it holds
	slices.SortFunc(st.heap, func(a, b topEntry) int {
		if c := st.cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		if a.seq < b.seq {
			return -1
		}
		return 1
	})
	st.gauge.set(st.heapBytes())
	return nil
}

func (st *rowTopNStream) heapBytes() int64 { return st.bytes + 32*int64(cap(st.heap)) }

func (st *rowTopNStream) free() {
	st.heap, st.bytes = nil, 0
	st.gauge.release()
}

func (st *rowTopNStream) Close() {
	st.free()
	st.in.Close()
}
