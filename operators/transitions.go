package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/resource"
)

// ColumnarToRow converts Arrow batches into rows for a row operator above a
// columnar one. Each batch is converted at once, column by column, into an
// arena of rows that the stream then hands out one by one.
type ColumnarToRow struct {
	base
	layout *rows.Layout
}

// NewColumnarToRow returns the transition from child's batches to rows.
func NewColumnarToRow(child ColumnarNode) (*ColumnarToRow, error) {
	l, err := rows.NewLayout(child.Schema())
	if err != nil {
		return nil, err
	}
	c := &ColumnarToRow{layout: l}
	c.schema = child.Schema()
	c.children = []Node{child}
	c.metrics.Counter("convertTime")
	c.metrics.Counter("numInputBatches")
	return c, nil
}

// Name implements Node.
func (c *ColumnarToRow) Name() string { return "ColumnarToRow" }

// Detail implements Node.
func (c *ColumnarToRow) Detail() string { return "" }

// Layout returns the layout of the rows produced.
func (c *ColumnarToRow) Layout() *rows.Layout { return c.layout }

// NumPartitions implements Node.
func (c *ColumnarToRow) NumPartitions() int { return c.children[0].NumPartitions() }

// ExecuteRows implements RowNode.
func (c *ColumnarToRow) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	in, err := executeColumnar(c.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return meteredRowStream(&c2rStream{c: c, in: in, buf: rows.NewBuffer(),
		res: task.Memory.NewReservation("ColumnarToRow", resource.Heap)}, &c.metrics), nil
}

// c2rStream converts one batch at a time into a row buffer, whose size is
// charged to the task's heap (it cannot spill: a batch that does not fit
// is an out-of-memory error).
type c2rStream struct {
	c   *ColumnarToRow
	in  Stream
	buf *rows.Buffer
	res *resource.Reservation
	i   int
}

func (s *c2rStream) Next() (rows.Row, error) {
	for s.i >= s.buf.Len() {
		b, err := s.in.Next()
		if err != nil {
			return nil, err
		}
		start := time.Now()
		s.buf.Reset()
		s.i = 0
		err = rows.AppendBatch(s.c.layout, b, s.buf)
		b.Release()
		s.c.metrics.Counter("convertTime").Add(int64(time.Since(start)))
		s.c.metrics.Counter("numInputBatches").Add(1)
		if err != nil {
			return nil, fmt.Errorf("ColumnarToRow: %w", err)
		}
		if need := s.buf.Bytes(); need > s.res.Size() {
			if err := s.res.Grow(need - s.res.Size()); err != nil {
				return nil, fmt.Errorf("ColumnarToRow: %w", err)
			}
		}
	}
	r := s.buf.Row(s.i)
	s.i++
	return r, nil
}

func (s *c2rStream) Close() {
	s.in.Close()
	s.res.Free()
}

// RowToColumnar converts rows into Arrow batches for a columnar operator
// above a row one: rows are gathered until a batch is full, then converted
// column by column.
type RowToColumnar struct {
	base
	layout *rows.Layout
}

// NewRowToColumnar returns the transition from child's rows to batches.
func NewRowToColumnar(child RowNode) (*RowToColumnar, error) {
	l, err := rows.NewLayout(child.Schema())
	if err != nil {
		return nil, err
	}
	r := &RowToColumnar{layout: l}
	r.schema = child.Schema()
	r.children = []Node{child}
	r.metrics.Counter("convertTime")
	r.metrics.Counter("numInputRows")
	return r, nil
}

// Name implements Node.
func (r *RowToColumnar) Name() string { return "RowToColumnar" }

// Detail implements Node.
func (r *RowToColumnar) Detail() string { return "" }

// NumPartitions implements Node.
func (r *RowToColumnar) NumPartitions() int { return r.children[0].NumPartitions() }

// Execute implements ColumnarNode.
func (r *RowToColumnar) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeRows(r.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return meteredTask(&r2cStream{r: r, in: in, bb: rows.NewBatchBuilder(task.Alloc, r.layout), size: max(1, task.BatchSize)}, &r.metrics, task), nil
}

type r2cStream struct {
	r    *RowToColumnar
	in   RowStream
	bb   *rows.BatchBuilder
	size int
	done bool
}

func (s *r2cStream) Next() (arrow.RecordBatch, error) {
	if s.done {
		return nil, io.EOF
	}
	var n int64
	for s.bb.Len() < s.size {
		row, err := s.in.Next()
		if errors.Is(err, io.EOF) {
			s.done = true
			break
		}
		if err != nil {
			return nil, err
		}
		s.bb.Append(row)
		n++
	}
	s.r.metrics.Counter("numInputRows").Add(n)
	if s.bb.Len() == 0 {
		return nil, io.EOF
	}
	// convertTime is the time of the column-by-column conversion of the
	// gathered rows (copying each row in costs a memmove and is not timed,
	// as a clock read per row would cost more).
	t := time.Now()
	b, err := s.bb.Build()
	s.r.metrics.Counter("convertTime").Add(int64(time.Since(t)))
	if err != nil {
		return nil, fmt.Errorf("RowToColumnar: %w", err)
	}
	return b, nil
}

func (s *r2cStream) Close() {
	s.in.Close()
	s.bb.Release()
}
