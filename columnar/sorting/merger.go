package sorting

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Merger merges sorted streams of batches into one sorted stream (a k-way
// merge): the external sort merges its spilled runs with it, and a final
// stage merges sorted partitions. Each input is a function returning the
// stream's next batch, owned by the merger from then on; it signals the end
// of its stream by returning a nil batch with a nil error or io.EOF. Every
// input must already be sorted by the keys. Rows with equal keys come out in
// input order (input 0 first), so merging the runs of a stable sort gives a
// stable sort. A Merger is not safe for concurrent use.
type Merger struct {
	st *merger
}

// NewMerger returns a merger of inputs, all of batches of schema sorted by
// keys, producing batches of at most batchSize rows (a batchSize <= 0 means
// 8192). No input is read before the first Next.
func NewMerger(alloc memory.Allocator, schema *arrow.Schema, keys []SortKey,
	inputs []func() (arrow.RecordBatch, error), batchSize int) (*Merger, error) {
	st, err := newMerger(alloc, schema, keys, inputs, batchSize)
	if err != nil {
		return nil, err
	}
	return &Merger{st: st}, nil
}

// Next returns the next merged batch, owned by the caller, or (nil, io.EOF)
// when every input is exhausted. An error from an input is returned as is
// (wrapped with the input's number).
func (m *Merger) Next() (arrow.RecordBatch, error) { return m.st.next() }

// Release releases the batches the merger still holds. It does not drain the
// inputs.
func (m *Merger) Release() { m.st.release() }

type mergeInput struct {
	next  func() (arrow.RecordBatch, error)
	batch arrow.RecordBatch
	view  *KeyView
	pos   int
	src   int // index of batch in the output being built, -1 if none
}

type merger struct {
	alloc     memory.Allocator
	schema    *arrow.Schema
	cmp       *Comparator
	batchSize int
	inputs    []mergeInput
	heap      []int // inputs with a current row, a min-heap on (row, input)
	started   bool
	closed    bool
	// output being built
	srcs []arrow.RecordBatch
	done []arrow.RecordBatch // exhausted batches still referenced by srcs
	segs []segment
	cols []arrow.Array
}

func newMerger(alloc memory.Allocator, schema *arrow.Schema, keys []SortKey,
	inputs []func() (arrow.RecordBatch, error), batchSize int) (*merger, error) {
	if alloc == nil || schema == nil {
		return nil, fmt.Errorf("%w: NewMerger: nil allocator or schema", ErrInvalid)
	}
	cmp, err := newComparator(schema, keys)
	if err != nil {
		return nil, fmt.Errorf("NewMerger: %w", err)
	}
	if batchSize <= 0 {
		batchSize = 8192
	}
	m := &merger{alloc: alloc, schema: schema, cmp: cmp, batchSize: batchSize}
	m.inputs = make([]mergeInput, len(inputs))
	for i, f := range inputs {
		if f == nil {
			return nil, fmt.Errorf("%w: NewMerger: input %d is nil", ErrInvalid, i)
		}
		m.inputs[i] = mergeInput{next: f, src: -1}
	}
	return m, nil
}

// load makes the next non-empty batch of input i current; it reports false
// at the end of the input's stream.
func (m *merger) load(i int) (bool, error) {
	in := &m.inputs[i]
	for {
		b, err := in.next()
		if err != nil {
			if b != nil {
				b.Release()
			}
			if errors.Is(err, io.EOF) {
				return false, nil
			}
			return false, fmt.Errorf("merge input %d: %w", i, err)
		}
		if b == nil {
			return false, nil
		}
		if err := checkSchema(m.schema, b); err != nil {
			b.Release()
			return false, fmt.Errorf("merge input %d: %w", i, err)
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		v, err := m.cmp.bind(b)
		if err != nil {
			b.Release()
			return false, fmt.Errorf("merge input %d: %w", i, err)
		}
		in.batch, in.view, in.pos, in.src = b, v, 0, -1
		return true, nil
	}
}

// before reports whether the current row of input a comes before that of b.
func (m *merger) before(a, b int) bool {
	x, y := &m.inputs[a], &m.inputs[b]
	c := m.cmp.compare(x.view, x.pos, y.view, y.pos)
	return c < 0 || (c == 0 && a < b)
}

func (m *merger) siftDown(p int) {
	h := m.heap
	for {
		l := 2*p + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && m.before(h[r], h[l]) {
			c = r
		}
		if !m.before(h[c], h[p]) {
			return
		}
		h[p], h[c] = h[c], h[p]
		p = c
	}
}

func (m *merger) start() error {
	m.started = true
	for i := range m.inputs {
		ok, err := m.load(i)
		if err != nil {
			return err
		}
		if ok {
			m.heap = append(m.heap, i)
		}
	}
	for p := len(m.heap)/2 - 1; p >= 0; p-- {
		m.siftDown(p)
	}
	return nil
}

// runLength returns how many rows of input top, from its current row and at
// most limit, come before the current row of input other.
func (m *merger) runLength(top, other, limit int) int {
	x, y := &m.inputs[top], &m.inputs[other]
	ok := func(r int) bool {
		c := m.cmp.compare(x.view, r, y.view, y.pos)
		return c < 0 || (c == 0 && top < other)
	}
	// Gallop: find a bound hi with ok(pos+lo-1) and !ok(pos+hi-1).
	lo, step := 1, 1
	for {
		hi := lo + step
		if hi > limit {
			if ok(x.pos + limit - 1) {
				return limit
			}
			hi = limit
			return lo + m.search(x.pos+lo, x.pos+hi-1, ok)
		}
		if !ok(x.pos + hi - 1) {
			return lo + m.search(x.pos+lo, x.pos+hi-1, ok)
		}
		lo = hi
		step *= 2
	}
}

// search returns how many rows from a (up to b, exclusive) satisfy ok,
// which holds on a prefix.
func (m *merger) search(a, b int, ok func(int) bool) int {
	lo, hi := a, b
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ok(mid) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo - a
}

func (m *merger) next() (arrow.RecordBatch, error) {
	if m.closed {
		return nil, fmt.Errorf("%w: Merger.Next after Release", ErrInvalid)
	}
	if !m.started {
		if err := m.start(); err != nil {
			return nil, err
		}
	}
	if len(m.heap) == 0 {
		return nil, io.EOF
	}
	rows := 0
	m.segs = m.segs[:0]
	for rows < m.batchSize && len(m.heap) > 0 {
		top := m.heap[0]
		in := &m.inputs[top]
		remain := in.view.rows - in.pos
		limit := min(remain, m.batchSize-rows)
		cnt := limit
		if len(m.heap) > 1 {
			other := m.heap[1]
			if len(m.heap) > 2 && m.before(m.heap[2], other) {
				other = m.heap[2]
			}
			cnt = m.runLength(top, other, limit)
		}
		if in.src < 0 {
			in.src = len(m.srcs)
			m.srcs = append(m.srcs, in.batch)
		}
		if n := len(m.segs); n > 0 && m.segs[n-1].src == int32(in.src) && m.segs[n-1].end == int32(in.pos) {
			m.segs[n-1].end += int32(cnt)
		} else {
			m.segs = append(m.segs, segment{src: int32(in.src), start: int32(in.pos), end: int32(in.pos + cnt)})
		}
		rows += cnt
		in.pos += cnt
		if in.pos == in.view.rows {
			m.done = append(m.done, in.batch)
			in.batch, in.view = nil, nil
			ok, err := m.load(top)
			if err != nil {
				m.finishOutput()
				return nil, err
			}
			if !ok {
				last := len(m.heap) - 1
				m.heap[0] = m.heap[last]
				m.heap = m.heap[:last]
			}
		}
		if len(m.heap) > 0 {
			m.siftDown(0)
		}
	}
	out, err := m.build(rows)
	m.finishOutput()
	return out, err
}

// build assembles the output batch from m.segs over m.srcs.
func (m *merger) build(rows int) (arrow.RecordBatch, error) {
	nc := m.schema.NumFields()
	if cap(m.cols) < nc {
		m.cols = make([]arrow.Array, nc)
	}
	cols := m.cols[:nc]
	clear(cols)
	arrs := make([]arrow.Array, len(m.srcs))
	for c := 0; c < nc; c++ {
		for s, b := range m.srcs {
			arrs[s] = b.Column(c)
		}
		a, err := concatRanges(m.alloc, m.schema.Field(c).Type, arrs, m.segs, rows)
		if err != nil {
			releaseAll(cols)
			return nil, fmt.Errorf("Merger: column %d (%s): %w", c, m.schema.Field(c).Name, err)
		}
		cols[c] = a
	}
	out := array.NewRecordBatch(m.schema, cols, int64(rows))
	releaseAll(cols)
	return out, nil
}

// finishOutput forgets the output's sources and releases exhausted batches.
func (m *merger) finishOutput() {
	for i := range m.inputs {
		m.inputs[i].src = -1
	}
	clear(m.srcs)
	m.srcs = m.srcs[:0]
	for _, b := range m.done {
		b.Release()
	}
	clear(m.done)
	m.done = m.done[:0]
}

func (m *merger) release() {
	if m.closed {
		return
	}
	m.finishOutput()
	for i := range m.inputs {
		if b := m.inputs[i].batch; b != nil {
			b.Release()
			m.inputs[i].batch, m.inputs[i].view = nil, nil
		}
	}
	m.heap = nil
	m.closed = true
}
