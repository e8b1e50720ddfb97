package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/resource"
)

// Node is a physical plan node: columnar (a ColumnarNode, producing Arrow
// record batches) or row-based (a RowNode, producing rows, as the fallback
// operators do).
type Node interface {
	// Name is the operator's name as EXPLAIN prints it (Gluten's Transformer
	// names for columnar operators, Spark's names for row operators).
	Name() string
	// Detail is the text EXPLAIN prints right after the name, with its own
	// leading space where Spark prints one ("Filter (a > 1)" but
	// "HashAggregate(keys=...)").
	Detail() string
	// Schema is the schema of the batches or rows the node produces.
	Schema() *arrow.Schema
	// Children returns the inputs.
	Children() []Node
	// NumPartitions is the number of output partitions.
	NumPartitions() int
	// Metrics returns the node's metrics, summed over its tasks.
	Metrics() *Metrics
}

// ColumnarNode is a node that produces Arrow record batches.
type ColumnarNode interface {
	Node
	// Execute starts producing output partition p for a task. No work is
	// done before the first Next. The stream must be closed.
	Execute(ctx context.Context, p int, task *TaskContext) (Stream, error)
}

// IsColumnar reports whether n produces Arrow batches.
func IsColumnar(n Node) bool {
	_, ok := n.(ColumnarNode)
	return ok
}

// executeColumnar starts partition p of a node that must be columnar.
func executeColumnar(n Node, ctx context.Context, p int, task *TaskContext) (Stream, error) {
	c, ok := n.(ColumnarNode)
	if !ok {
		return nil, fmt.Errorf("internal error: %s produces rows where batches are needed (a missing RowToColumnar)", n.Name())
	}
	return c.Execute(ctx, p, task)
}

// Stream is a sequence of record batches.
type Stream interface {
	// Next returns the next batch, owned by the caller, or io.EOF after the
	// last one. Operators skip empty batches, but callers must not rely on
	// every batch having rows.
	Next() (arrow.RecordBatch, error)
	// Close frees everything the stream holds. It is safe to call twice.
	Close()
}

// TaskContext is what a task gives the operators it runs.
type TaskContext struct {
	// Stage and Partition identify the task.
	Stage, Partition int
	// Alloc is the task's allocator; every Arrow buffer the task allocates
	// comes from it.
	Alloc memory.Allocator
	// BatchSize is the target number of rows per batch.
	BatchSize int
	// Memory is the task's memory budget: operators holding large state
	// reserve from it and spill when a reservation fails. nil: no limit.
	Memory *resource.TaskMemory
	// TempDir is the query's directory for shuffle and spill files; the
	// query removes it when it ends, also on error or cancellation.
	TempDir string
	// Scanned, when set, counts what the task's scans read (the query's
	// progress); nil: not counted.
	Scanned *ScanCounter
}

// finish returns the error a task ends with: its memory's out-of-memory
// error, if its Arrow buffers ran out of memory (the root cause of any
// other error then), else err.
func (t *TaskContext) finish(err error) error {
	if merr := t.Memory.Check(); merr != nil {
		return merr
	}
	return err
}

// ScanCounter counts the rows and bytes a query's scans have read so far;
// scans add to it once per batch. Bytes are the Arrow buffers' bytes of the
// batches read (the decoded size, not the size in files).
type ScanCounter struct {
	Rows, Bytes atomic.Int64
}

// Metrics are an operator's counters, updated atomically by its tasks.
type Metrics struct {
	OutputRows    atomic.Int64
	OutputBatches atomic.Int64
	// ElapsedNanos is the time spent in the operator's Next calls, including
	// the time of the children it pulled from.
	ElapsedNanos atomic.Int64
	extra        [16]namedCounter
	nextra       atomic.Int32
}

type namedCounter struct {
	name string
	v    atomic.Int64
}

// Counter returns the named extra counter, registering it on first use. At
// most sixteen names per operator; it is meant for a few operator-specific
// figures (row groups skipped, bytes read, ...). Register names before tasks
// run (in the node's constructor) so that lookups never race with
// registration.
func (m *Metrics) Counter(name string) *atomic.Int64 {
	n := int(m.nextra.Load())
	for i := 0; i < n; i++ {
		if m.extra[i].name == name {
			return &m.extra[i].v
		}
	}
	if n == len(m.extra) {
		panic("operators: too many metrics for one operator")
	}
	m.extra[n].name = name
	m.nextra.Store(int32(n + 1))
	return &m.extra[n].v
}

// Extra returns the extra counters as name/value pairs in registration
// order.
func (m *Metrics) Extra() []NamedValue {
	n := int(m.nextra.Load())
	out := make([]NamedValue, n)
	for i := 0; i < n; i++ {
		out[i] = NamedValue{Name: m.extra[i].name, Value: m.extra[i].v.Load()}
	}
	return out
}

// NamedValue is a named metric value.
type NamedValue struct {
	Name  string
	Value int64
}

// base carries what every node has: a schema, children and metrics.
type base struct {
	schema   *arrow.Schema
	children []Node
	metrics  Metrics
}

func (b *base) Schema() *arrow.Schema { return b.schema }
func (b *base) Children() []Node      { return b.children }
func (b *base) Metrics() *Metrics     { return &b.metrics }

// meteredStream counts the batches and rows a stream returns and the time
// spent producing them.
type meteredStream struct {
	in  Stream
	m   *Metrics
	mem *resource.TaskMemory // checked after each batch; nil: not checked
}

func metered(s Stream, m *Metrics) Stream { return &meteredStream{in: s, m: m} }

// meteredTask is metered that also fails the stream, after any batch, once
// the task ran out of memory for its Arrow buffers (TaskMemory.Check): an
// allocation cannot fail, so operators that allocate check here.
func meteredTask(s Stream, m *Metrics, task *TaskContext) Stream {
	ms := &meteredStream{in: s, m: m}
	if task != nil {
		ms.mem = task.Memory
	}
	return ms
}

func (s *meteredStream) Next() (arrow.RecordBatch, error) {
	t := time.Now()
	b, err := s.in.Next()
	s.m.ElapsedNanos.Add(int64(time.Since(t)))
	if s.mem != nil {
		if merr := s.mem.Check(); merr != nil {
			if b != nil {
				b.Release()
			}
			return nil, merr
		}
	}
	if b != nil {
		s.m.OutputBatches.Add(1)
		s.m.OutputRows.Add(b.NumRows())
	}
	return b, err
}

func (s *meteredStream) Close() { s.in.Close() }

// emptyStream produces nothing.
type emptyStream struct{}

func (emptyStream) Next() (arrow.RecordBatch, error) { return nil, io.EOF }
func (emptyStream) Close()                           {}

// Drain pulls every batch of s, calling fn on each (fn borrows the batch),
// then closes s. It stops at the first error, or when ctx is done.
func Drain(ctx context.Context, s Stream, fn func(arrow.RecordBatch) error) error {
	defer s.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := s.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		err = fn(b)
		b.Release()
		if err != nil {
			return err
		}
	}
}

// checkPartition returns an error when p is not a partition of n.
func checkPartition(name string, p, n int) error {
	if p < 0 || p >= n {
		return errors.New("operators: " + name + ": partition out of range")
	}
	return nil
}

// joinStrings joins the strings of items rendered by f with ", ".
func joinStrings[T any](items []T, f func(T) string) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f(it))
	}
	return b.String()
}
