package sorting

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TopN keeps the first n rows, in sort order, of the batches pushed into it
// (ORDER BY ... LIMIT n). Ties go to rows pushed earlier (and, within a batch,
// to earlier rows), so the result is what a stable sort of all input followed
// by a limit gives. Memory stays bounded by about 2n rows plus one batch: rows
// that can no longer enter are dropped as batches arrive, and the candidate
// set is cut back to n rows whenever it passes 2n. A TopN is not safe for
// concurrent use.
type TopN struct {
	st *topN
}

// NewTopN returns a TopN of the first n rows of batches of schema ordered by
// keys. n must be >= 0.
func NewTopN(alloc memory.Allocator, schema *arrow.Schema, keys []SortKey, n int64) (*TopN, error) {
	st, err := newTopN(alloc, schema, keys, n)
	if err != nil {
		return nil, err
	}
	return &TopN{st: st}, nil
}

// Push offers the rows of batch (borrowed; it must have the TopN's schema).
func (t *TopN) Push(batch arrow.RecordBatch) error { return t.st.push(batch) }

// Result returns the first min(n, rows pushed) rows in sort order. The
// caller owns the batch. The TopN stays usable: more batches may be pushed
// and Result called again.
func (t *TopN) Result() (arrow.RecordBatch, error) { return t.st.result() }

// MemoryUsage returns the bytes of the candidate rows held (their Arrow
// buffers, drawn from the TopN's allocator).
func (t *TopN) MemoryUsage() int64 { return t.st.memoryUsage() }

// Release frees the candidate rows. The TopN must not be used afterwards.
func (t *TopN) Release() { t.st.release() }

type topN struct {
	alloc  memory.Allocator
	schema *arrow.Schema
	keys   []SortKey
	n      int64
	cmp    *Comparator
	cands  []arrow.RecordBatch // candidate rows, in push order
	rows   int64               // rows in cands
	// After a compaction cands holds one sorted batch of at most n rows;
	// when it holds exactly n rows its last row is the threshold: a new
	// row enters only if it sorts strictly before it.
	thr     arrow.RecordBatch
	thrView *KeyView
	sel     []int32
	closed  bool
}

func newTopN(alloc memory.Allocator, schema *arrow.Schema, keys []SortKey, n int64) (*topN, error) {
	if alloc == nil || schema == nil {
		return nil, fmt.Errorf("%w: NewTopN: nil allocator or schema", ErrInvalid)
	}
	if n < 0 {
		return nil, fmt.Errorf("%w: NewTopN: negative n %d", ErrInvalid, n)
	}
	cmp, err := newComparator(schema, keys)
	if err != nil {
		return nil, fmt.Errorf("NewTopN: %w", err)
	}
	return &topN{alloc: alloc, schema: schema, keys: cmp.keys, n: n, cmp: cmp}, nil
}

func (t *topN) push(batch arrow.RecordBatch) error {
	if t.closed {
		return fmt.Errorf("%w: TopN.Push after Release", ErrInvalid)
	}
	if batch == nil {
		return fmt.Errorf("%w: TopN.Push: nil batch", ErrInvalid)
	}
	if err := checkSchema(t.schema, batch); err != nil {
		return fmt.Errorf("TopN.Push: %w", err)
	}
	rows := batch.NumRows()
	if rows == 0 || t.n == 0 {
		return nil
	}
	if t.thr == nil {
		batch.Retain()
		t.cands = append(t.cands, batch)
		t.rows += rows
	} else {
		view, err := t.cmp.bindCols(batch)
		if err != nil {
			return fmt.Errorf("TopN.Push: %w", err)
		}
		sel := t.selectBefore(view, int(rows))
		switch {
		case len(sel) == 0:
			return nil // nothing in this batch can enter
		case len(sel) == int(rows):
			batch.Retain()
			t.cands = append(t.cands, batch)
		default:
			b, err := take(t.alloc, batch, sel)
			if err != nil {
				return fmt.Errorf("TopN.Push: %w", err)
			}
			t.cands = append(t.cands, b)
		}
		t.rows += int64(len(sel))
	}
	if t.rows-t.n > t.n || (t.thr == nil && t.rows >= t.n) { // rows > 2n, overflow-safe
		return t.compact()
	}
	return nil
}

// selectBefore returns the rows of view that sort strictly before the
// threshold row.
func (t *topN) selectBefore(view *KeyView, rows int) []int32 {
	sel := t.sel[:0]
	tv := t.thrView
	tr := tv.rows - 1
	a, b := &view.cols[0], &tv.cols[0]
	// Fast path: first key without NULLs in the batch and a non-NULL
	// threshold: compare typed values directly, the rest of the keys only
	// on ties.
	if a.valid == nil && !a.allNull && !b.isNull(tr) {
		desc := a.desc
		more := len(view.cols) > 1
		switch a.kind {
		case kInt64:
			tv := b.i64[tr]
			for i, x := range a.i64 {
				if x == tv {
					if more && cmpCols(view.cols, i, t.thrView.cols, tr, 1) < 0 {
						sel = append(sel, int32(i))
					}
				} else if (x < tv) != desc {
					sel = append(sel, int32(i))
				}
			}
			t.sel = sel
			return sel
		case kInt32:
			tv := b.i32[tr]
			for i, x := range a.i32 {
				if x == tv {
					if more && cmpCols(view.cols, i, t.thrView.cols, tr, 1) < 0 {
						sel = append(sel, int32(i))
					}
				} else if (x < tv) != desc {
					sel = append(sel, int32(i))
				}
			}
			t.sel = sel
			return sel
		case kFloat64:
			tk := encodeF64(b.f64[tr])
			for i, x := range a.f64 {
				k := encodeF64(x)
				if k == tk {
					if more && cmpCols(view.cols, i, t.thrView.cols, tr, 1) < 0 {
						sel = append(sel, int32(i))
					}
				} else if (k < tk) != desc {
					sel = append(sel, int32(i))
				}
			}
			t.sel = sel
			return sel
		}
	}
	for i := 0; i < rows; i++ {
		if t.cmp.compare(view, i, tv, tr) < 0 {
			sel = append(sel, int32(i))
		}
	}
	t.sel = sel
	return sel
}

// compact cuts the candidates back to the first n rows in sort order.
func (t *topN) compact() error {
	var all arrow.RecordBatch
	if len(t.cands) == 1 {
		all = t.cands[0]
		all.Retain()
	} else {
		var err error
		all, err = concat(t.alloc, t.schema, t.cands)
		if err != nil {
			return fmt.Errorf("TopN: %w", err)
		}
	}
	defer all.Release()
	idx, err := sortIndices(all, t.keys)
	if err != nil {
		return fmt.Errorf("TopN: %w", err)
	}
	if int64(len(idx)) > t.n {
		idx = idx[:t.n]
	}
	kept, err := take(t.alloc, all, idx)
	if err != nil {
		return fmt.Errorf("TopN: %w", err)
	}
	view, err := t.cmp.bindCols(kept)
	if err != nil {
		kept.Release()
		return fmt.Errorf("TopN: %w", err)
	}
	for _, b := range t.cands {
		b.Release()
	}
	t.cands = append(t.cands[:0], kept)
	t.rows = kept.NumRows()
	t.thr, t.thrView = nil, nil
	if t.rows == t.n {
		t.thr, t.thrView = kept, view
	}
	return nil
}

func (t *topN) result() (arrow.RecordBatch, error) {
	if t.closed {
		return nil, fmt.Errorf("%w: TopN.Result after Release", ErrInvalid)
	}
	if len(t.cands) == 0 {
		return concat(t.alloc, t.schema, nil)
	}
	if len(t.cands) > 1 || t.thr == nil || t.thr != t.cands[0] {
		if err := t.compact(); err != nil {
			return nil, err
		}
	}
	b := t.cands[0]
	b.Retain()
	return b, nil
}

func (t *topN) memoryUsage() int64 {
	var n int64
	for _, b := range t.cands {
		n += batchBytes(b)
	}
	return n
}

func (t *topN) release() {
	for _, b := range t.cands {
		b.Release()
	}
	t.cands = nil
	t.thr, t.thrView = nil, nil
	t.rows = 0
	t.closed = true
}

// batchBytes sums the lengths of the buffers of batch's columns.
func batchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		n += dataBytes(c.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, ch := range d.Children() {
		n += dataBytes(ch)
	}
	return n
}
