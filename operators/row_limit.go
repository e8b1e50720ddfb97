package operators

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// RowLimit passes on the first n rows of each input partition after
// skipping offset rows, then closes its input (stopping the producers
// early): the row (fallback) twin of Limit. EXPLAIN prints it as Spark
// does: GlobalLimit n, offset above a single-partition exchange, LocalLimit
// n below it.
type RowLimit struct {
	base
	n, offset int64
	global    bool
}

// NewRowLimit returns a limit of child, a row node, to n rows after offset;
// global marks the limit over the whole result.
func NewRowLimit(child Node, n, offset int64, global bool) (*RowLimit, error) {
	if n < 0 || offset < 0 {
		return nil, fmt.Errorf("row limit: negative count (limit %d, offset %d)", n, offset)
	}
	l := &RowLimit{n: n, offset: offset, global: global}
	l.schema = child.Schema()
	l.children = []Node{child}
	return l, nil
}

// Name implements Node.
func (l *RowLimit) Name() string {
	if l.global {
		return "GlobalLimit"
	}
	return "LocalLimit"
}

// Detail implements Node.
func (l *RowLimit) Detail() string {
	if l.global || l.offset != 0 {
		return fmt.Sprintf(" %d, %d", l.n, l.offset)
	}
	return fmt.Sprintf(" %d", l.n)
}

// N returns the limit's row count.
func (l *RowLimit) N() int64 { return l.n }

// Offset returns the number of rows skipped first.
func (l *RowLimit) Offset() int64 { return l.offset }

// NumPartitions implements Node.
func (l *RowLimit) NumPartitions() int { return l.children[0].NumPartitions() }

// ExecuteRows implements RowNode.
func (l *RowLimit) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	if l.n == 0 {
		return meteredRowStream(rowEmptyStream{}, &l.metrics), nil
	}
	in, err := executeRows(l.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return meteredRowStream(&rowLimitStream{ctx: ctx, in: in, left: l.n, skip: l.offset}, &l.metrics), nil
}

type rowLimitStream struct {
	ctx        context.Context
	in         RowStream
	left, skip int64
	closed     bool
	n          int
}

func (s *rowLimitStream) Next() (rows.Row, error) {
	if s.left <= 0 {
		s.Close() // stop the producers early
		return nil, io.EOF
	}
	for s.skip > 0 {
		if err := rowCanceled(s.ctx, &s.n); err != nil {
			return nil, err
		}
		if _, err := s.in.Next(); err != nil {
			return nil, err
		}
		s.skip--
	}
	r, err := s.in.Next()
	if err != nil {
		return nil, err
	}
	s.left--
	return r, nil
}

func (s *rowLimitStream) Close() {
	if !s.closed {
		s.closed = true
		s.in.Close()
	}
}

// RowUnion concatenates its inputs (UNION ALL): the row (fallback) twin of
// Union, Union in EXPLAIN. Its partitions are the inputs' partitions one
// after another.
type RowUnion struct {
	base
}

// NewRowUnion returns the union of children, row nodes, which must have the
// column types of schema (names come from schema).
func NewRowUnion(children []Node, schema *arrow.Schema) (*RowUnion, error) {
	if len(children) == 0 {
		return nil, fmt.Errorf("row union: no inputs")
	}
	for i, c := range children {
		cs := c.Schema()
		if cs.NumFields() != schema.NumFields() {
			return nil, fmt.Errorf("row union: input %d has %d columns, want %d", i, cs.NumFields(), schema.NumFields())
		}
		for j := range cs.Fields() {
			if !arrow.TypeEqual(cs.Field(j).Type, schema.Field(j).Type) {
				return nil, fmt.Errorf("row union: input %d column %d has type %s, want %s", i, j, cs.Field(j).Type, schema.Field(j).Type)
			}
		}
	}
	if _, err := rowLayout("row union", schema); err != nil {
		return nil, err
	}
	u := &RowUnion{}
	u.schema = schema
	u.children = children
	return u, nil
}

// Name implements Node.
func (u *RowUnion) Name() string { return "Union" }

// Detail implements Node.
func (u *RowUnion) Detail() string { return "" }

// NumPartitions implements Node.
func (u *RowUnion) NumPartitions() int {
	n := 0
	for _, c := range u.children {
		n += c.NumPartitions()
	}
	return n
}

// ExecuteRows implements RowNode. Rows of the same column types have the
// same layout, so the input's rows pass through untouched.
func (u *RowUnion) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	if p < 0 {
		return nil, fmt.Errorf("row union: partition %d out of range", p)
	}
	for _, c := range u.children {
		if n := c.NumPartitions(); p < n {
			in, err := executeRows(c, ctx, p, task)
			if err != nil {
				return nil, err
			}
			return meteredRowStream(in, &u.metrics), nil
		} else {
			p -= n
		}
	}
	return nil, fmt.Errorf("row union: partition out of range")
}
