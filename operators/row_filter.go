package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// RowFilter passes on the rows of its input where a condition is true: the
// row (fallback) twin of Filter, Filter in EXPLAIN. It outputs the input
// rows unchanged.
type RowFilter struct {
	base
	cond   rowexpr.Expr
	layout *rows.Layout
	heap   rowHeapMetrics
}

// NewRowFilter returns a filter of child, a row node, by cond (a BOOLEAN
// expression over the child's fields).
func NewRowFilter(child Node, cond rowexpr.Expr) (*RowFilter, error) {
	if cond == nil {
		return nil, fmt.Errorf("row filter: nil condition")
	}
	if cond.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("row filter: condition %s is not boolean", cond)
	}
	l, err := rowLayout("row filter", child.Schema())
	if err != nil {
		return nil, err
	}
	f := &RowFilter{cond: cond, layout: l}
	f.schema = child.Schema()
	f.children = []Node{child}
	f.heap = newRowHeapMetrics(&f.metrics)
	return f, nil
}

// Name implements Node.
func (f *RowFilter) Name() string { return "Filter" }

// Detail implements Node.
func (f *RowFilter) Detail() string { return " (" + trimParens(f.cond.String()) + ")" }

// Condition returns the filter's condition.
func (f *RowFilter) Condition() rowexpr.Expr { return f.cond }

// NumPartitions implements Node.
func (f *RowFilter) NumPartitions() int { return f.children[0].NumPartitions() }

// ExecuteRows implements RowNode.
func (f *RowFilter) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	in, err := executeRows(f.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	s := &rowFilterStream{f: f, ctx: ctx, in: in, ectx: rowexpr.NewContext(), gauge: rowHeapGauge{m: f.heap}}
	return meteredRowStream(s, &f.metrics), nil
}

type rowFilterStream struct {
	f     *RowFilter
	ctx   context.Context
	in    RowStream
	ectx  *rowexpr.Context
	gauge rowHeapGauge
	n     int
}

func (s *rowFilterStream) Next() (rows.Row, error) {
	for {
		if err := rowCanceled(s.ctx, &s.n); err != nil {
			return nil, err
		}
		if s.n&(rowCheckEvery-1) == 0 {
			s.gauge.set(s.ectx.Bytes())
		}
		r, err := s.in.Next()
		if err != nil {
			return nil, err
		}
		s.ectx.Reset()
		v, err := s.f.cond.Eval(s.ectx, s.f.layout, r)
		if err != nil {
			return nil, err
		}
		if !v.Null && v.I != 0 {
			return r, nil
		}
	}
}

func (s *rowFilterStream) Close() {
	s.gauge.release()
	s.in.Close()
}
