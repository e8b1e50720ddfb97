package operators

import (
	"context"
	"fmt"
	"time"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// RowNode is a node that produces rows in gluten-go's row format (package
// columnar/rows): the fallback operators, which run what the columnar engine
// cannot, Volcano-style, one row at a time, keeping their state on the Go
// heap.
type RowNode interface {
	Node
	// ExecuteRows starts producing output partition p for a task. No work
	// is done before the first Next. The stream must be closed.
	ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error)
}

// RowStream is a sequence of rows of one layout.
type RowStream interface {
	// Next returns the next row, or io.EOF after the last one. The row is
	// valid until the following call to Next or Close: a caller that keeps
	// it copies it.
	Next() (rows.Row, error)
	// Close frees everything the stream holds. It is safe to call twice.
	Close()
}

// executeRows starts partition p of a node that must produce rows.
func executeRows(n Node, ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	r, ok := n.(RowNode)
	if !ok {
		return nil, fmt.Errorf("internal error: %s produces batches where rows are needed (a missing ColumnarToRow)", n.Name())
	}
	return r.ExecuteRows(ctx, p, task)
}

// meteredRows counts the rows a row stream returns and estimates the time
// spent producing them: a clock read per row would cost as much as many row
// operators' work, so the first call (where blocking operators do all their
// work) and one call in rowTimeSample are timed, the latter weighted by
// rowTimeSample.
type meteredRows struct {
	in    RowStream
	m     *Metrics
	rows  int64
	calls int64
}

// rowTimeSample is the sampling period of row operators' time.
const rowTimeSample = 16

func meteredRowStream(s RowStream, m *Metrics) RowStream { return &meteredRows{in: s, m: m} }

func (s *meteredRows) Next() (rows.Row, error) {
	s.calls++
	var r rows.Row
	var err error
	switch {
	case s.calls == 1:
		t := time.Now()
		r, err = s.in.Next()
		s.m.ElapsedNanos.Add(int64(time.Since(t)))
	case s.calls%rowTimeSample == 0:
		t := time.Now()
		r, err = s.in.Next()
		s.m.ElapsedNanos.Add(rowTimeSample * int64(time.Since(t)))
	default:
		r, err = s.in.Next()
	}
	if r != nil {
		s.rows++
		if s.rows&1023 == 0 {
			s.flush()
		}
	}
	return r, err
}

func (s *meteredRows) flush() {
	s.m.OutputRows.Add(s.rows)
	s.rows = 0
}

func (s *meteredRows) Close() {
	s.flush()
	s.in.Close()
}
