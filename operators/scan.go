package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/spill"
)

// TableSource is a table's data as a scan reads it: Parquet files, or Arrow
// batches held in memory.
type TableSource interface {
	// Schema is the table's schema.
	Schema() *arrow.Schema
	// Format names the storage format for EXPLAIN ("Parquet", "Arrow").
	Format() string
	// Location describes where the data is, for EXPLAIN.
	Location() string
	// Plan divides a scan into partitions. It reads metadata (Parquet
	// footers) and skips data that the request's pruning predicates rule
	// out.
	Plan(ctx context.Context, req ScanRequest) (*ScanPlan, error)
}

// RowCounter is a TableSource that knows (or can cheaply read) how many
// rows it holds: the optimizer orders joins by it.
type RowCounter interface {
	// RowCount returns the number of rows of the table.
	RowCount() (int64, error)
}

// ScanRequest says what a scan reads.
type ScanRequest struct {
	// Columns are indices into the table's schema, in output order.
	Columns []int
	// Prune holds simple predicates on table columns; data whose statistics
	// prove that no row can satisfy all of them is skipped. Rows that do not
	// match may still be returned: a Filter above applies the predicates.
	Prune []PrunePredicate
	// Parallelism is the number of tasks the scan should aim to keep busy.
	Parallelism int
	// MaxPartitionBytes and OpenCostBytes size partitions as Spark's
	// FilePartition does.
	MaxPartitionBytes, OpenCostBytes int64
}

// PruneOp is the comparison of a PrunePredicate.
type PruneOp int

// The comparisons a PrunePredicate can make.
const (
	PruneEq PruneOp = iota
	PruneLt
	PruneLtEq
	PruneGt
	PruneGtEq
	PruneIsNull
	PruneIsNotNull
	PruneIn
)

// PrunePredicate is "column op value" with a value of the column's type (a
// Go value, see package columnar), or for PruneIn a []any of them.
type PrunePredicate struct {
	Column int
	Op     PruneOp
	Value  any
}

// ColumnStats are the statistics of a column in a unit of data (a Parquet
// row group).
type ColumnStats struct {
	Min, Max     any
	HasMinMax    bool
	NullCount    int64
	HasNullCount bool
	NumRows      int64
}

// CanMatch reports whether rows with these statistics might satisfy p. It
// answers true whenever it cannot prove otherwise.
func (p PrunePredicate) CanMatch(s ColumnStats) bool {
	switch p.Op {
	case PruneIsNull:
		return !s.HasNullCount || s.NullCount > 0
	case PruneIsNotNull:
		return !s.HasNullCount || s.NullCount < s.NumRows
	}
	if s.HasNullCount && s.NullCount == s.NumRows && s.NumRows > 0 {
		return false // only NULLs: no comparison can be true
	}
	if !s.HasMinMax {
		return true
	}
	cmpMin, ok1 := columnar.CompareValues(p.Value, s.Min)
	cmpMax, ok2 := columnar.CompareValues(p.Value, s.Max)
	if p.Op == PruneIn {
		vals, _ := p.Value.([]any)
		for _, v := range vals {
			if v == nil {
				continue
			}
			a, okA := columnar.CompareValues(v, s.Min)
			b, okB := columnar.CompareValues(v, s.Max)
			if !okA || !okB || (a >= 0 && b <= 0) {
				return true
			}
		}
		return false
	}
	if !ok1 || !ok2 {
		return true
	}
	switch p.Op {
	case PruneEq:
		return cmpMin >= 0 && cmpMax <= 0
	case PruneLt: // col < v: min < v
		return cmpMin > 0
	case PruneLtEq:
		return cmpMin >= 0
	case PruneGt: // col > v: max > v
		return cmpMax < 0
	case PruneGtEq:
		return cmpMax <= 0
	}
	return true
}

// ScanPlan is a scan divided into partitions.
type ScanPlan struct {
	Partitions []ScanPartition
	// Files, RowGroups and RowGroupsPruned describe the data, for metrics.
	Files, RowGroups, RowGroupsPruned int
	// Bytes is the size of the data to read (compressed, in files).
	Bytes int64
}

// ScanPartition is the data one scan task reads.
type ScanPartition interface {
	// Open starts reading; batches have the requested columns.
	Open(ctx context.Context, task *TaskContext) (Stream, error)
}

// Scan reads a table: FileScanTransformer in EXPLAIN.
type Scan struct {
	base
	table   string
	source  TableSource
	req     ScanRequest
	labels  []string // output columns as name#id
	filters []string // data filters as EXPLAIN prints them
	planned *ScanPlan
	vanilla bool
}

// NewScan returns a scan of the table named table reading req.Columns of
// source; labels name the output columns (name#id) and filters are the
// pushed predicates' text, both for EXPLAIN. It plans the partitions now,
// reading the files' metadata.
func NewScan(ctx context.Context, table string, source TableSource, req ScanRequest, labels, filters []string) (*Scan, error) {
	ts := source.Schema()
	fields := make([]arrow.Field, len(req.Columns))
	for i, c := range req.Columns {
		if c < 0 || c >= len(ts.Fields()) {
			return nil, fmt.Errorf("scan of %s: column %d out of range", table, c)
		}
		fields[i] = ts.Field(c)
	}
	planned, err := source.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	s := &Scan{table: table, source: source, req: req, labels: labels, filters: filters, planned: planned}
	s.schema = arrow.NewSchema(fields, nil)
	s.metrics.Counter("numFiles").Store(int64(planned.Files))
	s.metrics.Counter("numRowGroups").Store(int64(planned.RowGroups))
	s.metrics.Counter("numRowGroupsPruned").Store(int64(planned.RowGroupsPruned))
	return s, nil
}

// Name implements Node.
func (s *Scan) Name() string {
	if s.vanilla {
		return "FileScan"
	}
	return "FileScanTransformer"
}

// Vanilla reports whether the scan is vanilla Spark's FileScan (see
// SetVanilla).
func (s *Scan) Vanilla() bool { return s.vanilla }

// SetVanilla names the scan as vanilla Spark's FileScan, for a scan that
// falls back: it reads the same batches, for row operators above it.
func (s *Scan) SetVanilla(v bool) { s.vanilla = v }

// Detail implements Node.
func (s *Scan) Detail() string {
	pushed := ""
	for i, p := range s.req.Prune {
		if i > 0 {
			pushed += ", "
		}
		pushed += pruneString(p, s.source.Schema())
	}
	return fmt.Sprintf(" %s %s[%s] Batched: true, DataFilters: [%s], Format: %s, Location: %s, PushedFilters: [%s], ReadSchema: %s",
		lowerFormat(s.source.Format()), s.table, joinStrings(s.labels, func(x string) string { return x }),
		joinStrings(s.filters, func(x string) string { return x }),
		s.source.Format(), s.source.Location(), pushed, columnar.StructString(s.schema))
}

func lowerFormat(f string) string {
	if f == "Parquet" {
		return "parquet"
	}
	return f
}

func pruneString(p PrunePredicate, schema *arrow.Schema) string {
	name := schema.Field(p.Column).Name
	v := func(x any) string { return columnar.FormatValue(x, schema.Field(p.Column).Type) }
	switch p.Op {
	case PruneEq:
		return "EqualTo(" + name + "," + v(p.Value) + ")"
	case PruneLt:
		return "LessThan(" + name + "," + v(p.Value) + ")"
	case PruneLtEq:
		return "LessThanOrEqual(" + name + "," + v(p.Value) + ")"
	case PruneGt:
		return "GreaterThan(" + name + "," + v(p.Value) + ")"
	case PruneGtEq:
		return "GreaterThanOrEqual(" + name + "," + v(p.Value) + ")"
	case PruneIsNull:
		return "IsNull(" + name + ")"
	case PruneIsNotNull:
		return "IsNotNull(" + name + ")"
	case PruneIn:
		vals, _ := p.Value.([]any)
		return "In(" + name + ", [" + joinStrings(vals, v) + "])"
	}
	return "?"
}

// NumPartitions implements Node.
func (s *Scan) NumPartitions() int { return max(1, len(s.planned.Partitions)) }

// Execute implements Node.
func (s *Scan) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("scan", p, s.NumPartitions()); err != nil {
		return nil, err
	}
	if len(s.planned.Partitions) == 0 {
		return emptyStream{}, nil
	}
	st, err := s.planned.Partitions[p].Open(ctx, task)
	if err != nil {
		return nil, err
	}
	st = meteredTask(st, &s.metrics, task)
	if task != nil && task.Scanned != nil {
		st = &countedStream{in: st, c: task.Scanned}
	}
	return st, nil
}

// countedStream adds the rows and bytes of each batch of a scan to the
// query's ScanCounter.
type countedStream struct {
	in Stream
	c  *ScanCounter
}

func (s *countedStream) Next() (arrow.RecordBatch, error) {
	b, err := s.in.Next()
	if b != nil {
		s.c.Rows.Add(b.NumRows())
		s.c.Bytes.Add(spill.BatchBytes(b))
	}
	return b, err
}

func (s *countedStream) Close() { s.in.Close() }

// Table returns the scanned table's name.
func (s *Scan) Table() string { return s.table }

// ScanPlan returns the partitions the scan was divided into.
func (s *ScanPlan) String() string {
	return fmt.Sprintf("%d partitions, %d files, %d row groups (%d pruned)", len(s.Partitions), s.Files, s.RowGroups, s.RowGroupsPruned)
}

// Release frees what planning the scan took (references to in-memory
// batches).
func (s *ScanPlan) Release() {
	for _, p := range s.Partitions {
		if r, ok := p.(interface{ Release() }); ok {
			r.Release()
		}
	}
}

// Release frees what the scan holds.
func (s *Scan) Release() { s.planned.Release() }

// EstimatedBytes estimates the bytes the scan produces: the row groups'
// size scaled to the share of the table's columns it reads (Spark's
// estimate without statistics).
func (s *Scan) EstimatedBytes() int64 {
	total := s.source.Schema().NumFields()
	if total == 0 {
		return s.planned.Bytes
	}
	cols := max(1, len(s.req.Columns))
	return s.planned.Bytes * int64(cols) / int64(total)
}
