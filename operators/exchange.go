package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/shuffle"
)

// PartitioningKind is how an exchange distributes rows.
type PartitioningKind int

// The partitionings.
const (
	// SinglePartition gathers every row into one partition.
	SinglePartition PartitioningKind = iota
	// HashPartitioning sends a row to the partition its key hash picks.
	HashPartitioning
	// RoundRobinPartitioning deals rows to the partitions in turn.
	RoundRobinPartitioning
	// RangePartitioning sends a row to the partition whose range of sort
	// key values holds it; the ranges' bounds come from a sampling pass
	// over the exchange's input (NeedsSampling).
	RangePartitioning
)

// Partitioning says how an exchange distributes rows over N partitions.
type Partitioning struct {
	Kind PartitioningKind
	// Keys are the input columns hashed for HashPartitioning.
	Keys []int
	// SortKeys order the rows of RangePartitioning.
	SortKeys []sorting.SortKey
	// Labels name the keys (HashPartitioning: a#1) or the sort keys
	// (RangePartitioning: a#1 ASC NULLS FIRST) for EXPLAIN.
	Labels []string
	N      int
}

// String renders the partitioning as Spark does: hashpartitioning(a#1, 200),
// rangepartitioning(a#1 ASC NULLS FIRST, 200), SinglePartition,
// RoundRobinPartitioning(200).
func (p Partitioning) String() string {
	switch p.Kind {
	case SinglePartition:
		return "SinglePartition"
	case HashPartitioning:
		return fmt.Sprintf("hashpartitioning(%s, %d)", joinStrings(p.Labels, func(s string) string { return s }), p.N)
	case RangePartitioning:
		return fmt.Sprintf("rangepartitioning(%s, %d)", joinStrings(p.Labels, func(s string) string { return s }), p.N)
	}
	return fmt.Sprintf("RoundRobinPartitioning(%d)", p.N)
}

// validate normalizes and checks p for an input schema.
func (p *Partitioning) validate(op string, schema *arrow.Schema) error {
	if p.Kind == SinglePartition {
		p.N = 1
	}
	if p.N < 1 {
		return fmt.Errorf("%s: %d partitions", op, p.N)
	}
	nf := schema.NumFields()
	switch p.Kind {
	case SinglePartition, RoundRobinPartitioning:
	case HashPartitioning:
		if len(p.Keys) == 0 {
			return fmt.Errorf("%s: hash partitioning without keys", op)
		}
		for _, k := range p.Keys {
			if k < 0 || k >= nf {
				return fmt.Errorf("%s: key column %d out of range", op, k)
			}
		}
	case RangePartitioning:
		if len(p.SortKeys) == 0 {
			return fmt.Errorf("%s: range partitioning without sort keys", op)
		}
		for _, k := range p.SortKeys {
			if k.Column < 0 || k.Column >= nf {
				return fmt.Errorf("%s: sort key column %d out of range", op, k.Column)
			}
		}
		if _, err := sorting.NewComparator(schema, p.SortKeys); err != nil {
			return fmt.Errorf("%s: range partitioning: %w", op, err)
		}
	default:
		return fmt.Errorf("%s: unknown partitioning %d", op, p.Kind)
	}
	return nil
}

// ExchangeOptions are an exchange's shuffle settings.
type ExchangeOptions struct {
	// Codec is spark.gluten.sql.columnar.shuffle.codec: none, lz4, s2 or
	// zstd ("" means lz4).
	Codec string
	// HighlyCompressThreshold is spark.shuffle.minNumPartitionsToHighlyCompress:
	// above this many partitions map statuses take the highly compressed
	// form (<= 0: 2000).
	HighlyCompressThreshold int
	// AccurateBlockThreshold is spark.shuffle.accurateBlockThreshold: the
	// highly compressed form keeps the size of blocks at least this large
	// (<= 0: 100 MiB).
	AccurateBlockThreshold int64
}

// DefaultExchangeOptions returns Gluten's and Spark's defaults: lz4, 2000
// partitions, 100 MiB.
func DefaultExchangeOptions() ExchangeOptions {
	return ExchangeOptions{Codec: shuffle.DefaultCodec.String(),
		HighlyCompressThreshold: shuffle.DefaultHighlyCompressThreshold,
		AccurateBlockThreshold:  shuffle.DefaultAccurateBlockThreshold}
}

// The names of an exchange's metrics (Gluten's ColumnarShuffleExchangeExec
// names; times in nanoseconds). The writer's figures are summed over map
// tasks, peakBytes is the largest of them; the reader's over reduce tasks.
const (
	ExchangeDataSizeMetric        = "dataSize"
	ExchangeNumPartitionsMetric   = "numPartitions"
	ExchangeBytesSpilledMetric    = "bytesSpilled"
	ExchangeWallTimeMetric        = "shuffleWallTime"
	ExchangeSplitTimeMetric       = "splitTime"
	ExchangeSpillTimeMetric       = "spillTime"
	ExchangeCompressTimeMetric    = "compressTime"
	ExchangeDecompressTimeMetric  = "decompressTime"
	ExchangeDeserializeTimeMetric = "deserializeTime"
	ExchangePeakBytesMetric       = "peakBytes"
	ExchangeInputRowsMetric       = "numInputRows"
	ExchangeInputBatchesMetric    = "inputBatches"
)

// nextShuffleID numbers shuffles process-wide, so that the files of two
// exchanges never share a name.
var nextShuffleID atomic.Int64

// shuffleDep is the state a columnar or row exchange keeps of its shuffle,
// as Spark's ShuffleDependency with its MapOutputTracker entry: the map
// statuses (in a tracker of its own), the rows per reduce partition, the
// range bounds and their samples. Its methods are safe for concurrent use.
type shuffleDep struct {
	name    string // for errors
	part    Partitioning
	opts    ExchangeOptions
	codec   shuffle.Codec
	schema  *arrow.Schema
	id      int
	numMaps int
	tracker *shuffle.MapOutputTracker
	m       *Metrics

	mu           sync.Mutex
	registered   bool
	materialized bool
	rows         []int64
	samples      []shuffle.Sample
	sampleAlloc  memory.Allocator
	bounds       arrow.RecordBatch
	sampled      bool
}

func (d *shuffleDep) init(name string, schema *arrow.Schema, part Partitioning, numMaps int, opts ExchangeOptions, m *Metrics) error {
	if err := part.validate(name, schema); err != nil {
		return err
	}
	if opts.Codec == "" {
		opts.Codec = shuffle.DefaultCodec.String()
	}
	codec, err := shuffle.ParseCodec(opts.Codec)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	*d = shuffleDep{name: name, part: part, opts: opts, codec: codec, schema: schema,
		id: int(nextShuffleID.Add(1)), numMaps: numMaps, tracker: shuffle.NewMapOutputTracker(), m: m,
		rows: make([]int64, part.N)}
	for _, c := range []string{ExchangeDataSizeMetric, ExchangeNumPartitionsMetric, ExchangeBytesSpilledMetric,
		ExchangeWallTimeMetric, ExchangeSplitTimeMetric, ExchangeSpillTimeMetric, ExchangeCompressTimeMetric,
		ExchangeDecompressTimeMetric, ExchangeDeserializeTimeMetric, ExchangePeakBytesMetric,
		ExchangeInputRowsMetric, ExchangeInputBatchesMetric} {
		m.Counter(c)
	}
	m.Counter(ExchangeNumPartitionsMetric).Store(int64(part.N))
	return nil
}

// register registers the shuffle with the tracker (once).
func (d *shuffleDep) register() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.registered {
		return nil
	}
	if err := d.tracker.RegisterShuffle(d.id, d.numMaps, d.part.N); err != nil {
		return err
	}
	d.registered = true
	return nil
}

// writerOptions returns the options of map task m's writer.
func (d *shuffleDep) writerOptions(m int, task *TaskContext) (shuffle.WriterOptions, error) {
	sp := shuffle.Partitioning{Kind: shuffle.PartitionKind(d.part.Kind), N: d.part.N, Keys: d.part.Keys, SortKeys: d.part.SortKeys}
	if d.part.Kind == RangePartitioning {
		d.mu.Lock()
		sp.Bounds = d.bounds
		sampled := d.sampled
		d.mu.Unlock()
		if !sampled {
			return shuffle.WriterOptions{}, fmt.Errorf("%s: range partitioning's map task %d ran before the sampling pass (NeedsSampling, RunSampleTask, FinishSampling)", d.name, m)
		}
	}
	return shuffle.WriterOptions{ShuffleID: d.id, MapIndex: m, Dir: task.TempDir, Schema: d.schema,
		Partitioning: sp, Codec: d.codec, Alloc: task.Alloc, Memory: task.Memory, BlockRows: task.BatchSize,
		HighlyCompressThreshold: d.opts.HighlyCompressThreshold, AccurateBlockThreshold: d.opts.AccurateBlockThreshold}, nil
}

// commitMap records map task m's output: its status, rows per partition
// and metrics. A re-run map task's earlier output is replaced.
func (d *shuffleDep) commitMap(m int, st shuffle.MapStatus, rows []int64, wm shuffle.WriterMetrics) error {
	if err := d.tracker.RegisterMapOutput(d.id, m, st); err != nil {
		return err
	}
	d.mu.Lock()
	for p, r := range rows {
		d.rows[p] += r
	}
	d.mu.Unlock()
	c := d.m.Counter
	c(ExchangeDataSizeMetric).Add(wm.DataSize)
	c(ExchangeBytesSpilledMetric).Add(wm.BytesSpilled)
	c(ExchangeWallTimeMetric).Add(wm.WallTime)
	c(ExchangeSplitTimeMetric).Add(wm.SplitTime)
	c(ExchangeSpillTimeMetric).Add(wm.SpillTime)
	c(ExchangeCompressTimeMetric).Add(wm.CompressTime)
	c(ExchangeInputRowsMetric).Add(wm.InputRows)
	c(ExchangeInputBatchesMetric).Add(wm.InputBatches)
	peak := c(ExchangePeakBytesMetric)
	for {
		old := peak.Load()
		if wm.PeakBytes <= old || peak.CompareAndSwap(old, wm.PeakBytes) {
			break
		}
	}
	return nil
}

// forgetMap subtracts the rows of map task m's earlier output, before a
// re-run replaces it (read from its index file).
func (d *shuffleDep) forgetMap(m int) {
	old := d.tracker.Status(d.id, m)
	if old == nil {
		return
	}
	rows, err := shuffle.ReadPartitionRows(old.Location(), d.part.N)
	if err != nil {
		return
	}
	d.mu.Lock()
	for p, r := range rows {
		d.rows[p] -= r
	}
	d.mu.Unlock()
}

func (d *shuffleDep) finishMap() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.materialized = true
}

func (d *shuffleDep) isMaterialized() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.materialized
}

// partitionSizes returns the rows and estimated bytes of each reduce
// partition.
func (d *shuffleDep) partitionSizes() (rows, bytes []int64) {
	d.mu.Lock()
	rows = append([]int64(nil), d.rows...)
	d.mu.Unlock()
	bytes = d.tracker.PartitionSizes(d.id)
	if bytes == nil {
		bytes = make([]int64, d.part.N)
	}
	return rows, bytes
}

// statuses returns the map statuses, failing before the map side ran.
func (d *shuffleDep) statuses() ([]shuffle.MapStatus, error) {
	if !d.isMaterialized() {
		return nil, fmt.Errorf("%s read before its map stage ran", d.name)
	}
	st, err := d.tracker.Statuses(d.id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.name, err)
	}
	return st, nil
}

// checkRange checks a range of reduce partitions.
func (d *shuffleDep) checkRange(start, end int) error {
	if start < 0 || end < start || end > d.part.N {
		return fmt.Errorf("%s: partitions [%d, %d) out of range [0, %d)", d.name, start, end, d.part.N)
	}
	return nil
}

func (d *shuffleDep) addReaderMetrics(rm shuffle.ReaderMetrics) {
	d.m.Counter(ExchangeDecompressTimeMetric).Add(rm.DecompressTime)
	d.m.Counter(ExchangeDeserializeTimeMetric).Add(rm.DeserializeTime)
}

func (d *shuffleDep) needsSampling() bool {
	if d.part.Kind != RangePartitioning {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.sampled
}

// addSample records map task m's sample (taking it over).
func (d *shuffleDep) addSample(m int, keys arrow.RecordBatch, seen int64, alloc memory.Allocator) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if m < 0 || m >= d.numMaps {
		keys.Release()
		return fmt.Errorf("%s: sample task %d out of range [0, %d)", d.name, m, d.numMaps)
	}
	if d.samples == nil {
		d.samples = make([]shuffle.Sample, d.numMaps)
	}
	if old := d.samples[m].Keys; old != nil {
		old.Release()
	}
	d.samples[m] = shuffle.Sample{Keys: keys, Seen: seen}
	if d.sampleAlloc == nil {
		d.sampleAlloc = alloc
	}
	return nil
}

// finishSampling computes the range bounds from the samples.
func (d *shuffleDep) finishSampling() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.part.Kind != RangePartitioning {
		return nil
	}
	alloc := d.sampleAlloc
	if alloc == nil {
		alloc = memory.DefaultAllocator // no sample task ran: an empty bounds batch
	}
	bounds, err := shuffle.RangeBounds(alloc, d.schema, d.part.SortKeys, d.samples, d.part.N)
	d.releaseSamples()
	if err != nil {
		return fmt.Errorf("%s: %w", d.name, err)
	}
	if d.bounds != nil {
		d.bounds.Release()
	}
	d.bounds, d.sampled = bounds, true
	return nil
}

func (d *shuffleDep) releaseSamples() {
	for _, s := range d.samples {
		if s.Keys != nil {
			s.Keys.Release()
		}
	}
	d.samples, d.sampleAlloc = nil, nil
}

// rangeBounds returns the range bounds (nil before sampling); borrowed.
func (d *shuffleDep) rangeBounds() arrow.RecordBatch {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bounds
}

// release deletes the shuffle's files and forgets its state.
func (d *shuffleDep) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.registered {
		for m := 0; m < d.numMaps; m++ {
			if st := d.tracker.Status(d.id, m); st != nil {
				loc := st.Location()
				os.Remove(loc.DataFile())
				os.Remove(loc.IndexFile())
			}
		}
		d.tracker.UnregisterShuffle(d.id)
		d.registered = false
	}
	d.materialized = false
	clear(d.rows)
	d.releaseSamples()
	if d.bounds != nil {
		d.bounds.Release()
		d.bounds = nil
	}
	d.sampled = false
}

// Exchange moves rows between stages through a columnar shuffle: its
// child's partitions are the map side, run as the tasks of one stage, each
// writing its batches split by reduce partition into one data file (with an
// index) under the task's directory and reporting a map status; its own
// partitions are the reduce side, read by the tasks of the next stage from
// every map task's file. A RangePartitioning exchange first runs a sampling
// pass over its child to place its bounds. Each exchange keeps its
// shuffle's map statuses in a MapOutputTracker of its own.
type Exchange struct {
	base
	part   Partitioning
	planID int
	dep    shuffleDep
}

// NewExchange returns an exchange of child's rows by part with the default
// options (DefaultExchangeOptions); planID numbers it for EXPLAIN
// ([plan_id=N]).
func NewExchange(child Node, part Partitioning, planID int) (*Exchange, error) {
	return NewExchangeWithOptions(child, part, planID, DefaultExchangeOptions())
}

// NewExchangeWithOptions returns an exchange of child's rows by part with
// the given shuffle options.
func NewExchangeWithOptions(child Node, part Partitioning, planID int, opts ExchangeOptions) (*Exchange, error) {
	if child == nil {
		return nil, errors.New("exchange: nil child")
	}
	if err := shuffle.CheckSchema(child.Schema()); err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	e := &Exchange{planID: planID}
	e.schema = child.Schema()
	e.children = []Node{child}
	if err := e.dep.init(fmt.Sprintf("exchange [plan_id=%d]", planID), child.Schema(), part, child.NumPartitions(), opts, &e.metrics); err != nil {
		return nil, err
	}
	e.part = e.dep.part
	return e, nil
}

// Name implements Node.
func (e *Exchange) Name() string { return "Exchange" }

// Detail implements Node.
func (e *Exchange) Detail() string {
	return fmt.Sprintf(" %s, ENSURE_REQUIREMENTS, [plan_id=%d]", e.part, e.planID)
}

// Partitioning returns how the exchange distributes rows.
func (e *Exchange) Partitioning() Partitioning { return e.part }

// Options returns the exchange's shuffle options.
func (e *Exchange) Options() ExchangeOptions { return e.dep.opts }

// PlanID returns the exchange's plan id.
func (e *Exchange) PlanID() int { return e.planID }

// ShuffleID returns the id of the exchange's shuffle (unique in the
// process; it names the shuffle's files).
func (e *Exchange) ShuffleID() int { return e.dep.id }

// NumPartitions implements Node.
func (e *Exchange) NumPartitions() int { return e.part.N }

// NumMapPartitions returns the number of map tasks: the child's partitions.
func (e *Exchange) NumMapPartitions() int { return e.dep.numMaps }

// Materialized reports whether the map side has run.
func (e *Exchange) Materialized() bool { return e.dep.isMaterialized() }

// NeedsSampling reports whether the map side needs a sampling pass first
// (RangePartitioning whose bounds are not yet computed): the scheduler then
// runs RunSampleTask for every map partition, then FinishSampling, before
// the map tasks.
func (e *Exchange) NeedsSampling() bool { return e.dep.needsSampling() }

// RunSampleTask runs sampling task m: it executes the child's partition m
// and keeps a reservoir sample of its sort keys (Spark's sample size per
// partition). Sampling tasks may run concurrently.
func (e *Exchange) RunSampleTask(ctx context.Context, m int, task *TaskContext) error {
	if e.part.Kind != RangePartitioning {
		return fmt.Errorf("%s: sampling an exchange without range partitioning", e.dep.name)
	}
	s, err := shuffle.NewSampler(e.schema, e.part.SortKeys, shuffle.SampleSize(e.part.N, e.dep.numMaps), uint64(m))
	if err != nil {
		return err
	}
	defer s.Release()
	in, err := executeColumnar(e.children[0], ctx, m, task)
	if err != nil {
		return err
	}
	if err := Drain(ctx, in, func(b arrow.RecordBatch) error { return s.Add(task.Alloc, b) }); err != nil {
		return err
	}
	keys, seen, err := s.Result(task.Alloc)
	if err != nil {
		return err
	}
	return e.dep.addSample(m, keys, seen, task.Alloc)
}

// FinishSampling computes the range bounds (up to N-1 of them) from the
// sampling tasks' samples, as Spark's RangePartitioner does.
func (e *Exchange) FinishSampling() error { return e.dep.finishSampling() }

// RangeBounds returns the range bounds (one column per sort key, the rows
// in order; nil before FinishSampling). The batch is borrowed.
func (e *Exchange) RangeBounds() arrow.RecordBatch { return e.dep.rangeBounds() }

// RunMapTask runs map task m: it executes the child's partition m and
// writes its output through a shuffle writer into the task's directory,
// then registers the map status. Map tasks may run concurrently. On error
// the task's files are removed.
func (e *Exchange) RunMapTask(ctx context.Context, m int, task *TaskContext) error {
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
	w, err := shuffle.NewWriter(opts)
	if err != nil {
		return fmt.Errorf("%s: %w", e.dep.name, err)
	}
	defer w.Close()
	in, err := executeColumnar(e.children[0], ctx, m, task)
	if err != nil {
		return err
	}
	if err := Drain(ctx, in, w.Write); err != nil {
		return err
	}
	e.dep.forgetMap(m)
	st, err := w.Commit()
	if err != nil {
		return err
	}
	return e.dep.commitMap(m, st, w.PartitionRows(), w.Metrics())
}

// FinishMap marks the map side complete.
func (e *Exchange) FinishMap() { e.dep.finishMap() }

// PartitionSizes returns the rows and the bytes of each reduce partition;
// the bytes are the map statuses' estimates of the compressed sizes (the
// statistics adaptive execution plans with).
func (e *Exchange) PartitionSizes() (rows, bytes []int64) { return e.dep.partitionSizes() }

// MapStatuses returns the map statuses by map index; it fails before the
// map side has run or when a map task's output is missing.
func (e *Exchange) MapStatuses() ([]shuffle.MapStatus, error) { return e.dep.statuses() }

// Tracker returns the map output tracker holding the exchange's statuses
// (under ShuffleID).
func (e *Exchange) Tracker() *shuffle.MapOutputTracker { return e.dep.tracker }

// Execute implements Node: it reads reduce partition p of the map output.
func (e *Exchange) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("exchange", p, e.part.N); err != nil {
		return nil, err
	}
	return e.read(ctx, p, p+1, task, &e.metrics)
}

// read returns a stream of reduce partitions [start, end), counted in m.
// The reader opens (and charges the statuses' memory) at the first Next.
func (e *Exchange) read(ctx context.Context, start, end int, task *TaskContext, m *Metrics) (Stream, error) {
	if err := e.dep.checkRange(start, end); err != nil {
		return nil, err
	}
	if !e.Materialized() {
		return nil, fmt.Errorf("%s read before its map stage ran", e.dep.name)
	}
	return meteredTask(&shuffleStream{ctx: ctx, e: e, start: start, end: end, task: task}, m, task), nil
}

// shuffleStream reads a range of reduce partitions.
type shuffleStream struct {
	ctx        context.Context
	e          *Exchange
	start, end int
	task       *TaskContext
	r          *shuffle.Reader
	done       bool
}

func (s *shuffleStream) Next() (arrow.RecordBatch, error) {
	if s.done {
		return nil, io.EOF
	}
	if err := s.ctx.Err(); err != nil {
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
		r, err := shuffle.NewReader(st, s.start, s.end, shuffle.ReaderOptions{Schema: s.e.schema, Alloc: s.task.Alloc,
			Memory: s.task.Memory, BatchSize: s.task.BatchSize})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.e.dep.name, err)
		}
		s.r = r
	}
	b, err := s.r.Next()
	if errors.Is(err, io.EOF) {
		s.finish()
	}
	return b, err
}

func (s *shuffleStream) finish() {
	s.done = true
	if s.r != nil {
		s.e.dep.addReaderMetrics(s.r.Metrics())
		s.r.Close()
		s.r = nil
	}
}

func (s *shuffleStream) Close() { s.finish() }

// Release deletes the shuffle's files and frees the exchange's state; the
// exchange may run again afterwards.
func (e *Exchange) Release() { e.dep.release() }
