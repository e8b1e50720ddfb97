package operators

import (
	"context"
	"fmt"

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

// meteredRows counts the rows a row stream returns and the time spent
// producing them.
type meteredRows struct {
	in    RowStream
	m     *Metrics
	rows  int64
	nanos int64
}

func meteredRowStream(s RowStream, m *Metrics) RowStream { return &meteredRows{in: s, m: m} }

func (s *meteredRows) Next() (rows.Row, error) {
	r, err := s.in.Next()
	if r != nil {
		s.rows++
		// Row operators count rows without timing each one (a clock read
		// per row would cost more than many operators' work); the batch
		// counter stays 0.
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
