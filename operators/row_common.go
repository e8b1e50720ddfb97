package operators

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// rowCheckEvery is how many rows a row operator handles between checks of
// its context's cancellation (and updates of its heap metrics): often
// enough to stop within microseconds, rarely enough to cost nothing.
const rowCheckEvery = 4096

// Names of the heap metrics of row operators.
const (
	// RowHeapBytesMetric is the bytes of Go heap a row operator's running tasks
	// hold now (row buffers, hash tables, aggregation state), summed over
	// tasks; it returns to 0 when they close. The memory manager charges it
	// to the executor's heap.
	RowHeapBytesMetric = "heapBytes"
	// RowPeakHeapBytesMetric is the largest value RowHeapBytesMetric reached.
	RowPeakHeapBytesMetric = "peakHeapBytes"
)

// rowHeapMetrics are a row operator's heap counters, registered in its
// constructor.
type rowHeapMetrics struct {
	cur, peak *atomic.Int64
}

func newRowHeapMetrics(m *Metrics) rowHeapMetrics {
	return rowHeapMetrics{cur: m.Counter(RowHeapBytesMetric), peak: m.Counter(RowPeakHeapBytesMetric)}
}

// rowHeapGauge is one task's share of an operator's heap metrics.
type rowHeapGauge struct {
	m    rowHeapMetrics
	held int64
}

// set records that the task now holds n bytes.
func (g *rowHeapGauge) set(n int64) {
	if g.m.cur == nil || n == g.held {
		return
	}
	total := g.m.cur.Add(n - g.held)
	g.held = n
	for {
		p := g.m.peak.Load()
		if total <= p || g.m.peak.CompareAndSwap(p, total) {
			return
		}
	}
}

// release records that the task holds nothing any more.
func (g *rowHeapGauge) release() { g.set(0) }

// rowLayout returns the row layout of a node's schema, or an error naming
// the operator.
func rowLayout(op string, schema *arrow.Schema) (*rows.Layout, error) {
	l, err := rows.NewLayout(schema)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return l, nil
}

// rowCanceled returns ctx's error every rowCheckEvery calls (n counts the
// calls).
func rowCanceled(ctx context.Context, n *int) error {
	*n++
	if *n&(rowCheckEvery-1) == 0 {
		return ctx.Err()
	}
	return nil
}

// rowEmptyStream produces no rows.
type rowEmptyStream struct{}

func (rowEmptyStream) Next() (rows.Row, error) { return nil, io.EOF }
func (rowEmptyStream) Close()                  {}
