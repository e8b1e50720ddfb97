package operators

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Rename gives its input's batches other field names (the user's column
// names on the result). EXPLAIN does not show it.
type Rename struct {
	base
}

// NewRename returns child with schema's field names; the types must match.
func NewRename(child Node, schema *arrow.Schema) *Rename {
	r := &Rename{}
	r.schema = schema
	r.children = []Node{child}
	return r
}

// Name implements Node.
func (r *Rename) Name() string { return "Rename" }

// Detail implements Node.
func (r *Rename) Detail() string { return "" }

// NumPartitions implements Node.
func (r *Rename) NumPartitions() int { return r.children[0].NumPartitions() }

// Execute implements Node.
func (r *Rename) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(r.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return &renameStream{in: in, schema: r.schema}, nil
}

// OneRow produces one row with no columns (SELECT without FROM).
type OneRow struct {
	base
}

// NewOneRow returns the one-row relation.
func NewOneRow() *OneRow {
	o := &OneRow{}
	o.schema = arrow.NewSchema(nil, nil)
	return o
}

// Name implements Node.
func (o *OneRow) Name() string { return "Scan OneRowRelation[]" }

// Detail implements Node.
func (o *OneRow) Detail() string { return "" }

// NumPartitions implements Node.
func (o *OneRow) NumPartitions() int { return 1 }

// Execute implements Node.
func (o *OneRow) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("one row", p, 1); err != nil {
		return nil, err
	}
	return metered(&oneRowStream{schema: o.schema}, &o.metrics), nil
}

type oneRowStream struct {
	schema *arrow.Schema
	done   bool
}

func (s *oneRowStream) Next() (arrow.RecordBatch, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	return array.NewRecordBatch(s.schema, nil, 1), nil
}

func (s *oneRowStream) Close() {}
