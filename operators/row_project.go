package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// RowProject computes expressions over each input row: the row (fallback)
// twin of Project, Project in EXPLAIN.
type RowProject struct {
	base
	exprs   []rowexpr.Expr
	labels  []string
	inL     *rows.Layout
	outL    *rows.Layout
	heap    rowHeapMetrics
	outType []arrow.DataType
}

// NewRowProject returns a projection of child, a row node, computing exprs
// into the fields of schema; labels are the outputs as EXPLAIN prints them
// (a#1, (b#2 + 1) AS c#3).
func NewRowProject(child Node, exprs []rowexpr.Expr, schema *arrow.Schema, labels []string) (*RowProject, error) {
	if len(exprs) != schema.NumFields() {
		return nil, fmt.Errorf("row project: %d expressions for %d fields", len(exprs), schema.NumFields())
	}
	types := make([]arrow.DataType, len(exprs))
	for i, e := range exprs {
		if e == nil {
			return nil, fmt.Errorf("row project: expression %d is nil", i)
		}
		if !arrow.TypeEqual(e.DataType(), schema.Field(i).Type) {
			return nil, fmt.Errorf("row project: expression %s has type %s, field %q wants %s",
				e, e.DataType(), schema.Field(i).Name, schema.Field(i).Type)
		}
		types[i] = schema.Field(i).Type
	}
	inL, err := rowLayout("row project", child.Schema())
	if err != nil {
		return nil, err
	}
	outL, err := rowLayout("row project", schema)
	if err != nil {
		return nil, err
	}
	p := &RowProject{exprs: exprs, labels: labels, inL: inL, outL: outL, outType: types}
	p.schema = schema
	p.children = []Node{child}
	p.heap = newRowHeapMetrics(&p.metrics)
	return p, nil
}

// Name implements Node.
func (p *RowProject) Name() string { return "Project" }

// Detail implements Node.
func (p *RowProject) Detail() string {
	return " [" + joinStrings(p.labels, func(s string) string { return s }) + "]"
}

// NumPartitions implements Node.
func (p *RowProject) NumPartitions() int { return p.children[0].NumPartitions() }

// ExecuteRows implements RowNode.
func (p *RowProject) ExecuteRows(ctx context.Context, part int, task *TaskContext) (RowStream, error) {
	in, err := executeRows(p.children[0], ctx, part, task)
	if err != nil {
		return nil, err
	}
	s := &rowProjectStream{p: p, ctx: ctx, in: in, ectx: rowexpr.NewContext(), w: rows.NewWriter(p.outL),
		gauge: rowHeapGauge{m: p.heap}}
	return meteredRowStream(s, &p.metrics), nil
}

type rowProjectStream struct {
	p     *RowProject
	ctx   context.Context
	in    RowStream
	ectx  *rowexpr.Context
	w     *rows.Writer
	gauge rowHeapGauge
	n     int
}

func (s *rowProjectStream) Next() (rows.Row, error) {
	if err := rowCanceled(s.ctx, &s.n); err != nil {
		return nil, err
	}
	if s.n&(rowCheckEvery-1) == 0 {
		s.gauge.set(s.ectx.Bytes() + int64(cap(s.w.Row())))
	}
	r, err := s.in.Next()
	if err != nil {
		return nil, err
	}
	s.ectx.Reset()
	s.w.Reset()
	for i, e := range s.p.exprs {
		v, err := e.Eval(s.ectx, s.p.inL, r)
		if err != nil {
			return nil, err
		}
		rowexpr.WriteValue(s.w, i, s.p.outType[i], v)
	}
	return s.w.Row(), nil
}

func (s *rowProjectStream) Close() {
	s.gauge.release()
	s.in.Close()
}
