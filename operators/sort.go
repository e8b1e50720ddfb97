package operators

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/gluten-go/gluten-go/columnar/sorting"
)

// newBatch builds a batch of schema from cols (borrowed).
func newBatch(schema *arrow.Schema, cols []arrow.Array, rows int64) arrow.RecordBatch {
	return array.NewRecordBatch(schema, cols, rows)
}

// Sort orders each input partition by keys: SortExecTransformer in EXPLAIN.
// Placed above a single-partition exchange it is a global sort. The sort is
// stable. It keeps its input within the task's off-heap budget: when the
// input does not fit, it spills sorted runs to the query's temporary
// directory and merges them at the end (an external merge sort; see the
// spill metrics).
type Sort struct {
	base
	keys   []sorting.SortKey
	labels []string
	global bool
	spill  spillMetrics
}

// NewSort returns a sort of child by keys; labels are the keys as EXPLAIN
// prints them (a#1 ASC NULLS FIRST).
func NewSort(child Node, keys []sorting.SortKey, labels []string, global bool) (*Sort, error) {
	for _, k := range keys {
		if k.Column < 0 || k.Column >= child.Schema().NumFields() {
			return nil, fmt.Errorf("sort: key column %d out of range", k.Column)
		}
	}
	s := &Sort{keys: keys, labels: labels, global: global}
	s.schema = child.Schema()
	s.children = []Node{child}
	s.spill = newSpillMetrics(&s.metrics)
	return s, nil
}

// Name implements Node.
func (s *Sort) Name() string { return "SortExecTransformer" }

// Detail implements Node.
func (s *Sort) Detail() string {
	return fmt.Sprintf(" [%s], %t, 0", joinStrings(s.labels, func(x string) string { return x }), s.global)
}

// NumPartitions implements Node.
func (s *Sort) NumPartitions() int { return s.children[0].NumPartitions() }

// Execute implements Node.
func (s *Sort) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(s.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return meteredTask(&sortStream{s: s, ctx: ctx, in: in, task: task}, &s.metrics, task), nil
}

// sortStream sorts its input with an external merge sort (see
// externalSort): within the task's off-heap budget, spilling sorted runs
// when the input does not fit.
type sortStream struct {
	s      *Sort
	ctx    context.Context
	in     Stream
	task   *TaskContext
	ext    *externalSort
	loaded bool
}

func (st *sortStream) Next() (arrow.RecordBatch, error) {
	if !st.loaded {
		st.loaded = true
		st.ext = newExternalSort(st.ctx, st.task, st.s.Name(), st.s.schema, st.s.keys, st.s.spill)
		err := Drain(st.ctx, st.in, st.ext.add)
		if err == nil {
			err = st.ext.finish()
		}
		if err != nil {
			st.ext.release()
			return nil, err
		}
	}
	if st.ext == nil {
		return nil, io.EOF
	}
	return st.ext.next()
}

func (st *sortStream) Close() {
	st.in.Close()
	if st.ext != nil {
		st.ext.release()
	}
}

// slicer hands out a batch it owns in slices of at most size rows.
type slicer struct {
	b    arrow.RecordBatch
	pos  int64
	size int
}

func (s *slicer) next() (arrow.RecordBatch, error) {
	if s.b == nil || s.pos >= s.b.NumRows() {
		return nil, io.EOF
	}
	end := min(s.b.NumRows(), s.pos+int64(max(1, s.size)))
	out := s.b.NewSlice(s.pos, end)
	s.pos = end
	return out, nil
}

func (s *slicer) release() {
	if s.b != nil {
		s.b.Release()
		s.b = nil
	}
}

// TopN keeps the first n rows of each partition in key order:
// TakeOrderedAndProjectExecTransformer in EXPLAIN. Below a single-partition
// exchange it is the partial top-N of each task, above it the final one.
type TopN struct {
	base
	keys    []sorting.SortKey
	labels  []string
	n       int64
	partial bool
	outDesc string
}

// NewTopN returns the top-n of child by keys. labels print the keys, output
// the output columns, for EXPLAIN.
func NewTopN(child Node, keys []sorting.SortKey, labels []string, n int64, partial bool, output []string) (*TopN, error) {
	for _, k := range keys {
		if k.Column < 0 || k.Column >= child.Schema().NumFields() {
			return nil, fmt.Errorf("top-n: key column %d out of range", k.Column)
		}
	}
	t := &TopN{keys: keys, labels: labels, n: n, partial: partial,
		outDesc: joinStrings(output, func(x string) string { return x })}
	t.schema = child.Schema()
	t.children = []Node{child}
	return t, nil
}

// Name implements Node.
func (t *TopN) Name() string { return "TakeOrderedAndProjectExecTransformer" }

// Detail implements Node.
func (t *TopN) Detail() string {
	s := fmt.Sprintf("(limit=%d, orderBy=[%s], output=[%s])", t.n,
		joinStrings(t.labels, func(x string) string { return x }), t.outDesc)
	if t.partial {
		s += " partial"
	}
	return s
}

// NumPartitions implements Node.
func (t *TopN) NumPartitions() int { return t.children[0].NumPartitions() }

// Execute implements Node.
func (t *TopN) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(t.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return meteredTask(&topNStream{t: t, ctx: ctx, in: in, task: task}, &t.metrics, task), nil
}

type topNStream struct {
	t    *TopN
	ctx  context.Context
	in   Stream
	task *TaskContext
	done bool
}

func (st *topNStream) Next() (arrow.RecordBatch, error) {
	if st.done {
		return nil, io.EOF
	}
	st.done = true
	if st.t.n == 0 {
		return nil, io.EOF
	}
	top, err := sorting.NewTopN(st.task.Alloc, st.t.schema, st.t.keys, st.t.n)
	if err != nil {
		return nil, err
	}
	defer top.Release()
	err = Drain(st.ctx, st.in, func(b arrow.RecordBatch) error { return top.Push(b) })
	if err != nil {
		return nil, err
	}
	out, err := top.Result()
	if err != nil {
		return nil, err
	}
	if out.NumRows() == 0 {
		out.Release()
		return nil, io.EOF
	}
	return out, nil
}

func (st *topNStream) Close() { st.in.Close() }
