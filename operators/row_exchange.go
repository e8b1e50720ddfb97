package operators

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/shuffle"
)

// RowExchange is the row-based exchange of the fallback path
// (spark.gluten.sql.columnar.exchange=false): Exchange in EXPLAIN, with the
// same detail as the columnar one. Its child produces rows; each map task
// routes its rows to their reduce partition (rows.HashFields for hash
// partitioning, which agrees with the columnar exchange's hash, so the two
// partition alike), writes them length-prefixed in blocks through the same
// shuffle files, codecs and map statuses as the columnar exchange, with its
// buffers reserved from the task's heap pool; the reduce side returns rows.
//
// It is a StageOutput: the scheduler runs its map side as a stage
// (NeedsSampling/RunSampleTask/FinishSampling first for range
// partitioning, then RunMapTask per map partition, then FinishMap), after
// which ExecuteRows reads a reduce partition.
type RowExchange struct {
	base
	part   Partitioning
	planID int
	layout *rows.Layout
	dep    shuffleDep
}

// NewRowExchange returns a row exchange of child's rows by part with the
// default options; planID numbers it for EXPLAIN.
func NewRowExchange(child RowNode, part Partitioning, planID int) (*RowExchange, error) {
	return NewRowExchangeWithOptions(child, part, planID, DefaultExchangeOptions())
}

// NewRowExchangeWithOptions returns a row exchange of child's rows by part
// with the given shuffle options.
func NewRowExchangeWithOptions(child RowNode, part Partitioning, planID int, opts ExchangeOptions) (*RowExchange, error) {
	if child == nil {
		return nil, errors.New("exchange: nil child")
	}
	l, err := rowLayout("exchange", child.Schema())
	if err != nil {
		return nil, err
	}
	e := &RowExchange{planID: planID, layout: l}
	e.schema = child.Schema()
	e.children = []Node{child}
	if err := e.dep.init(fmt.Sprintf("row exchange [plan_id=%d]", planID), child.Schema(), part, child.NumPartitions(), opts, &e.metrics); err != nil {
		return nil, err
	}
	e.part = e.dep.part
	return e, nil
}

// Name implements Node.
func (e *RowExchange) Name() string { return "Exchange" }

// Detail implements Node.
func (e *RowExchange) Detail() string {
	return fmt.Sprintf(" %s, ENSURE_REQUIREMENTS, [plan_id=%d]", e.part, e.planID)
}

// Layout returns the layout of the rows exchanged.
func (e *RowExchange) Layout() *rows.Layout { return e.layout }

// Partitioning returns how the exchange distributes rows.
func (e *RowExchange) Partitioning() Partitioning { return e.part }

// Options returns the exchange's shuffle options.
func (e *RowExchange) Options() ExchangeOptions { return e.dep.opts }

// PlanID returns the exchange's plan id.
func (e *RowExchange) PlanID() int { return e.planID }

// ShuffleID returns the id of the exchange's shuffle.
func (e *RowExchange) ShuffleID() int { return e.dep.id }

// NumPartitions implements Node.
func (e *RowExchange) NumPartitions() int { return e.part.N }

// NumMapPartitions returns the number of map tasks: the child's partitions.
func (e *RowExchange) NumMapPartitions() int { return e.dep.numMaps }

// Materialized reports whether the map side has run.
func (e *RowExchange) Materialized() bool { return e.dep.isMaterialized() }

// NeedsSampling reports whether the map side needs a sampling pass first
// (range partitioning whose bounds are not yet computed).
func (e *RowExchange) NeedsSampling() bool { return e.dep.needsSampling() }

// RunSampleTask runs sampling task m over the child's partition m (its rows
// are converted to batches for the sampler, BatchSize at a time).
func (e *RowExchange) RunSampleTask(ctx context.Context, m int, task *TaskContext) error {
	if e.part.Kind != RangePartitioning {
		return fmt.Errorf("%s: sampling an exchange without range partitioning", e.dep.name)
	}
	s, err := shuffle.NewSampler(e.schema, e.part.SortKeys, shuffle.SampleSize(e.part.N, e.dep.numMaps), uint64(m))
	if err != nil {
		return err
	}
	defer s.Release()
	in, err := executeRows(e.children[0], ctx, m, task)
	if err != nil {
		return err
	}
	defer in.Close()
	bb := rows.NewBatchBuilder(task.Alloc, e.layout)
	defer bb.Release()
	size := max(1, task.BatchSize)
	flush := func() error {
		b, err := bb.Build()
		if err != nil {
			return err
		}
		defer b.Release()
		return s.Add(task.Alloc, b)
	}
	n := 0
	for {
		if err := rowCanceled(ctx, &n); err != nil {
			return err
		}
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		bb.Append(r)
		if bb.Len() >= size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if bb.Len() > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	keys, seen, err := s.Result(task.Alloc)
	if err != nil {
		return err
	}
	return e.dep.addSample(m, keys, seen, task.Alloc)
}

// FinishSampling computes the range bounds from the samples.
func (e *RowExchange) FinishSampling() error { return e.dep.finishSampling() }

// RunMapTask runs map task m: it executes the child's partition m and
// writes its rows through a row shuffle writer into the task's directory,
// then registers the map status. Map tasks may run concurrently.
func (e *RowExchange) RunMapTask(ctx context.Context, m int, task *TaskContext) error {
	if m < 0 || m >= e.dep.numMaps {
		return fmt.Errorf("%s: map task %d out of range [0, %d)", e.dep.name, m, e.dep.numMaps)
	}
	if err := e.dep.register(); err != nil {
		return err
	}
	opts, err := e.dep.writerOptions(m, task)
	if err != nil {
		return err
	}
	w, err := shuffle.NewRowWriter(opts, e.layout)
	if err != nil {
		return fmt.Errorf("%s: %w", e.dep.name, err)
	}
	defer w.Close()
	in, err := executeRows(e.children[0], ctx, m, task)
	if err != nil {
		return err
	}
	defer in.Close()
	n := 0
	for {
		if err := rowCanceled(ctx, &n); err != nil {
			return err
		}
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := w.Write(r); err != nil {
			return err
		}
	}
	e.dep.forgetMap(m)
	st, err := w.Commit()
	if err != nil {
		return err
	}
	return e.dep.commitMap(m, st, w.PartitionRows(), w.Metrics())
}

// FinishMap marks the map side complete.
func (e *RowExchange) FinishMap() { e.dep.finishMap() }

// PartitionSizes returns the rows and the estimated compressed bytes of
// each reduce partition.
func (e *RowExchange) PartitionSizes() (rows, bytes []int64) { return e.dep.partitionSizes() }

// MapStatuses returns the map statuses by map index.
func (e *RowExchange) MapStatuses() ([]shuffle.MapStatus, error) { return e.dep.statuses() }

// Tracker returns the map output tracker holding the exchange's statuses.
func (e *RowExchange) Tracker() *shuffle.MapOutputTracker { return e.dep.tracker }

// ExecuteRows implements RowNode: it reads reduce partition p.
func (e *RowExchange) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	if err := checkPartition("exchange", p, e.part.N); err != nil {
		return nil, err
	}
	return e.readRows(ctx, p, p+1, task)
}

// readRows returns a stream of the rows of reduce partitions [start, end).
func (e *RowExchange) readRows(ctx context.Context, start, end int, task *TaskContext) (RowStream, error) {
	if err := e.dep.checkRange(start, end); err != nil {
		return nil, err
	}
	if !e.Materialized() {
		return nil, fmt.Errorf("%s read before its map stage ran", e.dep.name)
	}
	return meteredRowStream(&rowShuffleStream{ctx: ctx, e: e, start: start, end: end, task: task}, &e.metrics), nil
}

type rowShuffleStream struct {
	ctx        context.Context
	e          *RowExchange
	start, end int
	task       *TaskContext
	r          *shuffle.RowReader
	done       bool
	n          int
}

func (s *rowShuffleStream) Next() (rows.Row, error) {
	if s.done {
		return nil, io.EOF
	}
	if err := rowCanceled(s.ctx, &s.n); err != nil {
		return nil, err
	}
	if s.r == nil {
		if s.start == s.end {
			s.done = true
			return nil, io.EOF
		}
		st, err := s.e.dep.statuses()
		if err != nil {
			return nil, err
		}
		r, err := shuffle.NewRowReader(st, s.start, s.end, shuffle.RowReaderOptions{Layout: s.e.layout, Memory: s.task.Memory})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.e.dep.name, err)
		}
		s.r = r
	}
	row, err := s.r.Next()
	if errors.Is(err, io.EOF) {
		s.finish()
	}
	return row, err
}

func (s *rowShuffleStream) finish() {
	s.done = true
	if s.r != nil {
		s.e.dep.addReaderMetrics(s.r.Metrics())
		s.r.Close()
		s.r = nil
	}
}

func (s *rowShuffleStream) Close() { s.finish() }

// Release deletes the shuffle's files and frees the exchange's state.
func (e *RowExchange) Release() { e.dep.release() }
