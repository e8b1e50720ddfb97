package operators

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/shuffle"
)

// MemSource is a table of Arrow batches held in memory.
type MemSource struct {
	schema  *arrow.Schema
	mu      sync.Mutex
	batches []arrow.RecordBatch
}

// NewMemSource returns a table of the batches, which it Retains; Release
// gives them back. Every batch must have the schema's column types, all of
// them gluten-go types.
func NewMemSource(schema *arrow.Schema, batches []arrow.RecordBatch) (*MemSource, error) {
	for i, f := range schema.Fields() {
		if !columnar.Supported(f.Type) || f.Type.ID() == arrow.NULL {
			return nil, fmt.Errorf("column %d (%q) has type %s, which gluten-go does not support", i, f.Name, f.Type)
		}
	}
	for i, b := range batches {
		if b.NumCols() != int64(schema.NumFields()) {
			return nil, fmt.Errorf("batch %d has %d columns, the schema %d", i, b.NumCols(), schema.NumFields())
		}
		for j, c := range b.Columns() {
			if !arrow.TypeEqual(c.DataType(), schema.Field(j).Type) {
				return nil, fmt.Errorf("batch %d column %d has type %s, the schema %s", i, j, c.DataType(), schema.Field(j).Type)
			}
		}
	}
	m := &MemSource{schema: schema}
	for _, b := range batches {
		b.Retain()
		m.batches = append(m.batches, b)
	}
	return m, nil
}

// Release frees the batches.
func (m *MemSource) Release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.batches {
		b.Release()
	}
	m.batches = nil
}

// Schema implements TableSource.
func (m *MemSource) Schema() *arrow.Schema { return m.schema }

// Format implements TableSource.
func (m *MemSource) Format() string { return "Arrow" }

// Location implements TableSource.
func (m *MemSource) Location() string { return fmt.Sprintf("memory(%d batches)", len(m.batches)) }

// Plan implements TableSource: batches are dealt round-robin over up to
// Parallelism partitions.
func (m *MemSource) Plan(ctx context.Context, req ScanRequest) (*ScanPlan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := min(len(m.batches), max(1, req.Parallelism))
	plan := &ScanPlan{}
	parts := make([]*memPartition, n)
	for i := range parts {
		parts[i] = &memPartition{src: m, cols: req.Columns}
	}
	for i, b := range m.batches {
		b.Retain()
		parts[i%n].batches = append(parts[i%n].batches, b)
		plan.Bytes += shuffle.BatchBytes(b)
	}
	for _, p := range parts {
		plan.Partitions = append(plan.Partitions, p)
	}
	return plan, nil
}

type memPartition struct {
	src     *MemSource
	cols    []int
	batches []arrow.RecordBatch
	once    sync.Once
}

// Open implements ScanPartition.
func (p *memPartition) Open(ctx context.Context, task *TaskContext) (Stream, error) {
	fields := make([]arrow.Field, len(p.cols))
	for i, c := range p.cols {
		fields[i] = p.src.schema.Field(c)
	}
	return &memStream{ctx: ctx, p: p, schema: arrow.NewSchema(fields, nil)}, nil
}

type memStream struct {
	ctx    context.Context
	p      *memPartition
	schema *arrow.Schema
	i      int
}

func (s *memStream) Next() (arrow.RecordBatch, error) {
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if s.i >= len(s.p.batches) {
			return nil, io.EOF
		}
		b := s.p.batches[s.i]
		s.i++
		if b.NumRows() == 0 {
			continue
		}
		cols := make([]arrow.Array, len(s.p.cols))
		for i, c := range s.p.cols {
			cols[i] = b.Column(c)
		}
		return array.NewRecordBatch(s.schema, cols, b.NumRows()), nil
	}
}

func (s *memStream) Close() {}

// Release frees the partition's references to the source's batches.
func (p *memPartition) Release() {
	p.once.Do(func() {
		for _, b := range p.batches {
			b.Release()
		}
		p.batches = nil
	})
}

// RowCount implements RowCounter.
func (m *MemSource) RowCount() (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, b := range m.batches {
		n += b.NumRows()
	}
	return n, nil
}
