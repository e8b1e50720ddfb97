package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/gluten-go/gluten-go/columnar/expr"
)

// Project computes expressions over its input: ProjectExecTransformer in
// EXPLAIN.
type Project struct {
	base
	exprs  []expr.Expr
	labels []string
}

// NewProject returns a projection of child computing exprs into the fields of
// schema; labels are the outputs as EXPLAIN prints them (a#1, (b#2 + 1) AS
// c#3).
func NewProject(child Node, exprs []expr.Expr, schema *arrow.Schema, labels []string) (*Project, error) {
	if len(exprs) != schema.NumFields() {
		return nil, fmt.Errorf("project: %d expressions for %d fields", len(exprs), schema.NumFields())
	}
	for i, e := range exprs {
		if !arrow.TypeEqual(e.DataType(), schema.Field(i).Type) {
			return nil, fmt.Errorf("project: expression %s has type %s, field %q wants %s",
				e, e.DataType(), schema.Field(i).Name, schema.Field(i).Type)
		}
	}
	p := &Project{exprs: exprs, labels: labels}
	p.schema = schema
	p.children = []Node{child}
	return p, nil
}

// Name implements Node.
func (p *Project) Name() string { return "ProjectExecTransformer" }

// Detail implements Node.
func (p *Project) Detail() string {
	return " [" + joinStrings(p.labels, func(s string) string { return s }) + "]"
}

// NumPartitions implements Node.
func (p *Project) NumPartitions() int { return p.children[0].NumPartitions() }

// Execute implements Node.
func (p *Project) Execute(ctx context.Context, part int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(p.children[0], ctx, part, task)
	if err != nil {
		return nil, err
	}
	return meteredTask(&projectStream{p: p, in: in, ectx: &expr.Context{Alloc: task.Alloc}}, &p.metrics, task), nil
}

type projectStream struct {
	p    *Project
	in   Stream
	ectx *expr.Context
}

func (s *projectStream) Next() (arrow.RecordBatch, error) {
	b, err := s.in.Next()
	if err != nil {
		return nil, err
	}
	defer b.Release()
	return Evaluate(s.ectx, s.p.exprs, s.p.schema, b)
}

func (s *projectStream) Close() { s.in.Close() }

// Evaluate computes exprs over b into a batch of schema.
func Evaluate(ectx *expr.Context, exprs []expr.Expr, schema *arrow.Schema, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(exprs))
	for i, e := range exprs {
		c, err := e.Eval(ectx, b)
		if err != nil {
			for _, x := range cols[:i] {
				x.Release()
			}
			return nil, err
		}
		cols[i] = c
	}
	out := array.NewRecordBatch(schema, cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}
