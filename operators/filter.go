package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/gluten-go/gluten-go/columnar/expr"
)

// Filter keeps the rows of its input where a condition is true:
// FilterExecTransformer in EXPLAIN. It outputs the input columns listed in
// keep (all when keep is nil), so that a projection above does not make it
// copy columns only the condition reads.
type Filter struct {
	base
	cond expr.Expr
	keep []int
}

// NewFilter returns a filter of child by cond (a BOOLEAN expression over the
// child's columns) that outputs the child's columns keep (nil: all).
func NewFilter(child Node, cond expr.Expr, keep []int) (*Filter, error) {
	if cond.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("filter condition %s is not boolean", cond)
	}
	in := child.Schema()
	schema := in
	if keep != nil {
		fields := make([]arrow.Field, len(keep))
		for i, k := range keep {
			if k < 0 || k >= in.NumFields() {
				return nil, fmt.Errorf("filter: column %d out of range", k)
			}
			fields[i] = in.Field(k)
		}
		schema = arrow.NewSchema(fields, nil)
	}
	f := &Filter{cond: cond, keep: keep}
	f.schema = schema
	f.children = []Node{child}
	return f, nil
}

// Name implements Node.
func (f *Filter) Name() string { return "FilterExecTransformer" }

// Detail implements Node.
func (f *Filter) Detail() string { return " (" + trimParens(f.cond.String()) + ")" }

// Condition returns the filter's condition.
func (f *Filter) Condition() expr.Expr { return f.cond }

// NumPartitions implements Node.
func (f *Filter) NumPartitions() int { return f.children[0].NumPartitions() }

// Execute implements Node.
func (f *Filter) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(f.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return meteredTask(&filterStream{f: f, in: in, ectx: &expr.Context{Alloc: task.Alloc}}, &f.metrics, task), nil
}

type filterStream struct {
	f    *Filter
	in   Stream
	ectx *expr.Context
}

func (s *filterStream) Next() (arrow.RecordBatch, error) {
	for {
		b, err := s.in.Next()
		if err != nil {
			return nil, err
		}
		out, err := s.apply(b)
		b.Release()
		if err != nil {
			return nil, err
		}
		if out.NumRows() > 0 {
			return out, nil
		}
		out.Release()
	}
}

func (s *filterStream) apply(b arrow.RecordBatch) (arrow.RecordBatch, error) {
	m, err := s.f.cond.Eval(s.ectx, b)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	mask, ok := m.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("filter condition produced %s, not boolean", m.DataType())
	}
	if s.f.keep == nil {
		return expr.FilterRecord(s.ectx.Alloc, b, mask)
	}
	out, err := expr.FilterColumns(s.ectx.Alloc, b, mask, s.f.keep)
	if err != nil {
		return nil, err
	}
	return withSchema(out, s.f.schema), nil
}

func (s *filterStream) Close() { s.in.Close() }

// withSchema returns b with schema (same columns, the node's field names);
// it takes over b.
func withSchema(b arrow.RecordBatch, schema *arrow.Schema) arrow.RecordBatch {
	if b.Schema().Equal(schema) {
		return b
	}
	out := array.NewRecordBatch(schema, b.Columns(), b.NumRows())
	b.Release()
	return out
}

// trimParens removes one pair of enclosing parentheses.
func trimParens(s string) string {
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		depth := 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 && i != len(s)-1 {
					return s
				}
			}
		}
		return s[1 : len(s)-1]
	}
	return s
}
