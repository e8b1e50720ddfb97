package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Union concatenates its inputs (UNION ALL): UnionExecTransformer in
// EXPLAIN. Its partitions are the inputs' partitions one after another.
type Union struct {
	base
}

// NewUnion returns the union of children, which must have the column types
// of schema (names come from schema).
func NewUnion(children []Node, schema *arrow.Schema) (*Union, error) {
	for i, c := range children {
		cs := c.Schema()
		if cs.NumFields() != schema.NumFields() {
			return nil, fmt.Errorf("union: input %d has %d columns, want %d", i, cs.NumFields(), schema.NumFields())
		}
		for j := range cs.Fields() {
			if !arrow.TypeEqual(cs.Field(j).Type, schema.Field(j).Type) {
				return nil, fmt.Errorf("union: input %d column %d has type %s, want %s", i, j, cs.Field(j).Type, schema.Field(j).Type)
			}
		}
	}
	u := &Union{}
	u.schema = schema
	u.children = children
	return u, nil
}

// Name implements Node.
func (u *Union) Name() string { return "UnionExecTransformer" }

// Detail implements Node.
func (u *Union) Detail() string { return "" }

// NumPartitions implements Node.
func (u *Union) NumPartitions() int {
	n := 0
	for _, c := range u.children {
		n += c.NumPartitions()
	}
	return n
}

// Execute implements Node.
func (u *Union) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	for _, c := range u.children {
		if n := c.NumPartitions(); p < n {
			in, err := executeColumnar(c, ctx, p, task)
			if err != nil {
				return nil, err
			}
			return metered(&renameStream{in: in, schema: u.schema}, &u.metrics), nil
		} else {
			p -= n
		}
	}
	return nil, fmt.Errorf("union: partition out of range")
}

// renameStream gives its input's batches another schema with the same types.
type renameStream struct {
	in     Stream
	schema *arrow.Schema
}

func (s *renameStream) Next() (arrow.RecordBatch, error) {
	b, err := s.in.Next()
	if err != nil {
		return nil, err
	}
	return withSchema(b, s.schema), nil
}

func (s *renameStream) Close() { s.in.Close() }
