package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// AggMode is the phase of a hash aggregation.
type AggMode int

// The aggregation phases, as Spark's: Partial turns input rows into
// per-group partial states, Final merges partial states into results, and
// Complete does both at once.
const (
	AggPartial AggMode = iota
	AggFinal
	AggComplete
)

// AggFunc is one aggregate of a HashAggregate.
type AggFunc struct {
	Kind agg.AggKind
	// Input is the input column: for Partial and Complete the column of raw
	// values (-1 for count(*)), for Final the first of the function's state
	// columns.
	Input int
	// InputType is the type of the raw values (nil for count(*)).
	InputType arrow.DataType
	// Distinct aggregates each group's distinct values only (Complete mode
	// only: the operator keeps a set of the values seen per group).
	Distinct bool
}

// HashAggregate groups rows by key columns and computes aggregates per
// group: HashAggregateTransformer in EXPLAIN. Its output is the key columns
// followed by, per aggregate, its state columns (Partial) or its result
// (Final, Complete).
//
// Memory: the operator reserves its groups' memory (hash table, key columns
// and aggregation states) from the task's off-heap budget as it grows. When
// a reservation fails:
//   - Partial mode flushes: it emits the current groups' partial states and
//     starts over with no groups (correct, as the final aggregation merges
//     states; it only makes more output rows);
//   - Final and Complete modes spill: they write the groups' keys and
//     partial states to spill files partitioned by a hash of the keys, start
//     over, and at the end merge each partition's states in turn (a
//     partition that still does not fit is partitioned again with another
//     hash, up to aggMaxSpillDepth levels, then the out-of-memory error);
//   - Complete mode with a DISTINCT aggregate cannot spill (its per-group
//     sets of values have no partial state): it fails with the
//     out-of-memory error.
//
// While it reads its input, the aggregation also spills when another
// consumer of the task asks it to (Spark's TaskMemoryManager model): Final
// and Complete modes spill their groups as above; Partial mode writes its
// groups' partial states to a spill file, which it emits before going on
// (there is no one to hand a flush to in the middle of someone else's
// reservation). It never spills on request while it is updating its groups
// or emitting its result.
//
// A global aggregate (no keys) without DISTINCT holds constant memory and
// reserves nothing. The spill metrics count the files written; flushCount
// counts Partial mode's flushes.
type HashAggregate struct {
	base
	mode        AggMode
	keys        []int
	funcs       []AggFunc
	detail      string
	nstates     []int         // per aggregate: its number of state columns
	finalStates []int         // Final: where each aggregate's states start in the input
	stateSchema *arrow.Schema // the keys, then every aggregate's states: what a spill writes
	spill       spillMetrics
	flushes     *atomic.Int64
}

// FlushCountMetric is the number of times a Partial hash aggregation
// emitted its groups early under memory pressure.
const FlushCountMetric = "flushCount"

// NewHashAggregate returns an aggregation of child. keys are the child's key
// columns (for Final, the first len(keys) columns); names names the output
// fields; detail is EXPLAIN's text.
func NewHashAggregate(child Node, mode AggMode, keys []int, funcs []AggFunc, names []string, detail string) (*HashAggregate, error) {
	in := child.Schema()
	var fields []arrow.Field
	for _, k := range keys {
		if k < 0 || k >= in.NumFields() {
			return nil, fmt.Errorf("hash aggregate: key column %d out of range", k)
		}
		fields = append(fields, in.Field(k))
	}
	stateFields := append([]arrow.Field(nil), fields...)
	nstates := make([]int, len(funcs))
	finalStates := make([]int, len(funcs))
	for i, f := range funcs {
		if f.Distinct && mode != AggComplete {
			return nil, fmt.Errorf("hash aggregate: DISTINCT %s needs the complete mode", f.Kind)
		}
		acc, err := agg.NewAccumulator(f.Kind, f.InputType)
		if err != nil {
			return nil, err
		}
		var types []arrow.DataType
		if mode == AggPartial {
			types = acc.StateTypes()
		} else {
			types = []arrow.DataType{acc.ResultType()}
		}
		if mode == AggFinal {
			st := acc.StateTypes()
			if f.Input < 0 || f.Input+len(st) > in.NumFields() {
				acc.Release()
				return nil, fmt.Errorf("hash aggregate: state columns of %s out of range", f.Kind)
			}
			for j, t := range st {
				if !arrow.TypeEqual(in.Field(f.Input+j).Type, t) {
					acc.Release()
					return nil, fmt.Errorf("hash aggregate: state column %d of %s has type %s, want %s", j, f.Kind, in.Field(f.Input+j).Type, t)
				}
			}
		} else if f.Kind != agg.CountStar && (f.Input < 0 || f.Input >= in.NumFields()) {
			acc.Release()
			return nil, fmt.Errorf("hash aggregate: input column of %s out of range", f.Kind)
		}
		for j, t := range acc.StateTypes() {
			stateFields = append(stateFields, arrow.Field{Name: fmt.Sprintf("_state%d_%d", i, j), Type: t, Nullable: true})
		}
		nstates[i] = len(acc.StateTypes())
		finalStates[i] = f.Input
		acc.Release()
		for _, t := range types {
			fields = append(fields, arrow.Field{Type: t, Nullable: true})
		}
	}
	if len(names) != len(fields) {
		return nil, fmt.Errorf("hash aggregate: %d names for %d output columns", len(names), len(fields))
	}
	for i := range fields {
		fields[i].Name = names[i]
	}
	h := &HashAggregate{mode: mode, keys: keys, funcs: funcs, detail: detail, nstates: nstates, finalStates: finalStates}
	h.schema = arrow.NewSchema(fields, nil)
	for i := range keys {
		stateFields[i].Name = names[i]
	}
	h.stateSchema = arrow.NewSchema(stateFields, nil)
	h.children = []Node{child}
	h.spill = newSpillMetrics(&h.metrics)
	h.flushes = h.metrics.Counter(FlushCountMetric)
	return h, nil
}

// Name implements Node.
func (h *HashAggregate) Name() string { return "HashAggregateTransformer" }

// Detail implements Node.
func (h *HashAggregate) Detail() string { return h.detail }

// Mode returns the aggregation phase.
func (h *HashAggregate) Mode() AggMode { return h.mode }

// NumPartitions implements Node.
func (h *HashAggregate) NumPartitions() int { return h.children[0].NumPartitions() }

// Execute implements Node.
func (h *HashAggregate) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	in, err := executeColumnar(h.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	return meteredTask(&aggStream{h: h, ctx: ctx, in: in, task: task}, &h.metrics, task), nil
}

// aggTable is a hash aggregation's state: the groups (a GroupTable over the
// key columns; none for a global aggregate, which has the one group 0) and
// an accumulator per aggregate, with DISTINCT's filters.
type aggTable struct {
	alloc     memory.Allocator
	funcs     []AggFunc
	table     *agg.GroupTable
	accs      []agg.Accumulator
	distinct  []*distinctFilter
	numGroups int
	ids       []uint32
}

// newAggTable returns an empty table for keys of keyTypes; merge tables
// (reading partial states back) have no DISTINCT filters.
func newAggTable(alloc memory.Allocator, keyTypes []arrow.DataType, funcs []AggFunc, merge bool) (*aggTable, error) {
	t := &aggTable{alloc: alloc, funcs: funcs}
	if len(keyTypes) > 0 {
		gt, err := agg.NewGroupTable(alloc, keyTypes)
		if err != nil {
			return nil, err
		}
		t.table = gt
	} else {
		t.numGroups = 1 // a global aggregate has one group, even over no rows
	}
	t.accs = make([]agg.Accumulator, len(funcs))
	t.distinct = make([]*distinctFilter, len(funcs))
	for i, f := range funcs {
		a, err := agg.NewAccumulator(f.Kind, f.InputType)
		if err != nil {
			t.release()
			return nil, err
		}
		t.accs[i] = a
		// A distinct aggregate passes on only the first occurrence of each
		// (group, value): a group table over both tells which rows those are.
		if f.Distinct && !merge {
			d, err := newDistinctFilter(alloc, f.InputType)
			if err != nil {
				t.release()
				return nil, err
			}
			t.distinct[i] = d
		}
	}
	return t, nil
}

// group assigns the rows of keys (n rows) their group ids in t.ids.
func (t *aggTable) group(keys []arrow.Array, n int) error {
	if cap(t.ids) < n {
		t.ids = make([]uint32, n)
	}
	t.ids = t.ids[:n]
	if t.table == nil {
		clear(t.ids)
		return nil
	}
	if err := t.table.Insert(keys, t.ids); err != nil {
		return err
	}
	t.numGroups = t.table.NumGroups()
	return nil
}

// update folds a batch of raw input (Partial, Complete) into the groups:
// keys are its key columns, func i reads column funcs[i].Input.
func (t *aggTable) update(b arrow.RecordBatch, keys []arrow.Array) error {
	if err := t.group(keys, int(b.NumRows())); err != nil {
		return err
	}
	ids, ng := t.ids, t.numGroups
	for i, f := range t.funcs {
		switch {
		case f.Kind == agg.CountStar:
			if err := t.accs[i].Update(ids, ng, nil); err != nil {
				return err
			}
		case t.distinct[i] != nil:
			fids, vals, err := t.distinct[i].filter(ids, b.Column(f.Input))
			if err != nil {
				return err
			}
			err = t.accs[i].Update(fids, ng, vals)
			vals.Release()
			if err != nil {
				return err
			}
		default:
			if err := t.accs[i].Update(ids, ng, b.Column(f.Input)); err != nil {
				return err
			}
		}
	}
	return nil
}

// merge folds a batch of partial states into the groups: keys are its key
// columns, func i's states start at column stateCol[i].
func (t *aggTable) merge(b arrow.RecordBatch, keys []arrow.Array, stateCol []int) error {
	if err := t.group(keys, int(b.NumRows())); err != nil {
		return err
	}
	for i, a := range t.accs {
		c := stateCol[i]
		if err := a.Merge(t.ids, t.numGroups, b.Columns()[c:c+len(a.StateTypes())]); err != nil {
			return err
		}
	}
	return nil
}

// memoryUsage returns the bytes the groups and their states hold.
func (t *aggTable) memoryUsage() int64 {
	var n int64
	if t.table != nil {
		n += t.table.MemoryUsage()
	}
	for _, a := range t.accs {
		n += a.MemoryUsage()
	}
	for _, d := range t.distinct {
		if d != nil {
			n += d.seen.MemoryUsage()
		}
	}
	return n
}

// output returns the groups as a batch of schema, owned by the caller: the
// key columns, then per aggregate its state columns (states) or its result;
// nil when there are no groups.
func (t *aggTable) output(schema *arrow.Schema, states bool) (arrow.RecordBatch, error) {
	if t.numGroups == 0 {
		return nil, nil
	}
	var cols []arrow.Array
	releaseCols := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	if t.table != nil {
		keys, err := t.table.Keys()
		if err != nil {
			return nil, err
		}
		cols = append(cols, keys...)
	}
	for _, a := range t.accs {
		if a.NumGroups() < t.numGroups {
			// Grow to every group (a global aggregate over no rows).
			if err := growAccumulator(a, t.numGroups, t.alloc); err != nil {
				releaseCols()
				return nil, err
			}
		}
		if states {
			st, err := a.State(t.alloc)
			if err != nil {
				releaseCols()
				return nil, err
			}
			cols = append(cols, st...)
		} else {
			r, err := a.Result(t.alloc)
			if err != nil {
				releaseCols()
				return nil, err
			}
			cols = append(cols, r)
		}
	}
	out := newBatch(schema, cols, int64(t.numGroups))
	releaseCols()
	return out, nil
}

// reset drops every group and frees their memory (the accumulators are
// replaced: Reset would keep their capacity).
func (t *aggTable) reset() error {
	if t.table != nil {
		t.table.Reset()
		t.numGroups = 0
	}
	for i, f := range t.funcs {
		t.accs[i].Release()
		t.accs[i] = nil
		a, err := agg.NewAccumulator(f.Kind, f.InputType)
		if err != nil {
			return err
		}
		t.accs[i] = a
	}
	for _, d := range t.distinct {
		if d != nil {
			d.seen.Reset()
		}
	}
	return nil
}

func (t *aggTable) release() {
	if t.table != nil {
		t.table.Release()
		t.table = nil
	}
	for i, a := range t.accs {
		if a != nil {
			a.Release()
			t.accs[i] = nil
		}
	}
	for i, d := range t.distinct {
		if d != nil {
			d.release()
			t.distinct[i] = nil
		}
	}
}

// aggPressure is what a hash aggregation does when its memory reservation
// cannot grow.
type aggPressure int

const (
	aggUnbounded aggPressure = iota // a global aggregate: constant memory, nothing reserved
	aggFlush                        // Partial: emit the groups' partial states and start over
	aggSpill                        // Final, Complete: spill the groups' states, merge them at the end
	aggFail                         // DISTINCT: fail with the out-of-memory error
)

// pressure returns the aggregation's policy under memory pressure.
func (h *HashAggregate) pressure() aggPressure {
	distinct := false
	for _, f := range h.funcs {
		distinct = distinct || f.Distinct
	}
	switch {
	case distinct:
		return aggFail
	case len(h.keys) == 0:
		return aggUnbounded
	case h.mode == AggPartial:
		return aggFlush
	}
	return aggSpill
}

// The phases of an aggregation stream.
const (
	aggConsuming = iota // reading the input
	aggMerging          // reading spilled partitions back
	aggDone
)

// aggStream runs a hash aggregation within the task's off-heap budget: it
// reserves its groups' memory as they grow and, when the reservation fails,
// flushes (Partial), spills (Final, Complete) or fails (DISTINCT): see
// HashAggregate.
type aggStream struct {
	h    *HashAggregate
	ctx  context.Context
	in   Stream
	task *TaskContext
	out  slicer
	// mu guards the fields below against spill requests (spillRequested),
	// which come from other consumers of the task, on their goroutines or
	// up this stack: the stream holds it except while it waits on its
	// input.
	mu       sync.Mutex
	phase    int
	t        *aggTable
	res      *resource.Reservation
	keys     []arrow.Array // the key columns of the batch at hand
	sp       *aggSpiller   // the spill partitions, once spilled
	spillErr error         // a spill request's failure: the stream fails with it
	// Partial mode: flushed is the file that spill requests write the
	// groups' states to; replay reads such a file back as output.
	flushed *spill.Writer
	replay  *spill.Reader
	replayW *spill.Writer
}

func (s *aggStream) Next() (arrow.RecordBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if b, err := s.out.next(); err == nil {
			return b, nil
		}
		s.out.release()
		if s.replay != nil {
			b, err := s.nextReplay()
			if err != nil {
				s.release()
				s.phase = aggDone
				return nil, err
			}
			if b != nil {
				s.out = slicer{b: b, size: taskBatchRows(s.task)}
			}
			continue
		}
		var b arrow.RecordBatch
		var err error
		switch s.phase {
		case aggConsuming:
			b, err = s.consume()
		case aggMerging:
			b, err = s.sp.nextPartition()
		default:
			return nil, io.EOF
		}
		if err != nil {
			s.release()
			s.phase = aggDone
			return nil, err
		}
		if b != nil {
			s.out = slicer{b: b, size: taskBatchRows(s.task)}
		}
	}
}

// keyTypes returns the key columns' types.
func (h *HashAggregate) keyTypes() []arrow.DataType {
	kt := make([]arrow.DataType, len(h.keys))
	for i := range h.keys {
		kt[i] = h.schema.Field(i).Type
	}
	return kt
}

// stateCols returns where each aggregate's states start in a batch of
// stateSchema.
func (h *HashAggregate) stateCols() []int {
	out := make([]int, len(h.funcs))
	c := len(h.keys)
	for i := range h.funcs {
		out[i] = c
		c += h.nstates[i]
	}
	return out
}

// consume reads input until the groups must be flushed (Partial under
// memory pressure: it returns their states) or the input ends (it returns
// the result, or starts the merge of the spilled partitions).
func (s *aggStream) consume() (arrow.RecordBatch, error) {
	h := s.h
	if s.t == nil {
		t, err := newAggTable(s.task.Alloc, h.keyTypes(), h.funcs, false)
		if err != nil {
			return nil, err
		}
		s.t = t
		s.res = s.task.Memory.NewReservation(h.Name(), resource.OffHeap)
		if p := h.pressure(); p == aggSpill || p == aggFlush {
			s.res.SetSpiller(s.spillRequested)
		}
		s.keys = make([]arrow.Array, len(h.keys))
	}
	policy := h.pressure()
	final := h.mode == AggFinal
	stateCol := h.finalStates
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if s.flushed != nil {
			// A spill request wrote the groups out: emit them first.
			return nil, s.startReplay()
		}
		b, err := s.pull()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for i, k := range h.keys {
			if final {
				k = i
			}
			s.keys[i] = b.Column(k)
		}
		if final {
			err = s.t.merge(b, s.keys, stateCol)
		} else {
			err = s.t.update(b, s.keys)
		}
		clear(s.keys)
		b.Release()
		if err != nil {
			return nil, err
		}
		if policy == aggUnbounded || s.res.Resize(s.t.memoryUsage()) {
			continue
		}
		switch policy {
		case aggFlush:
			out, err := s.t.output(h.schema, true)
			if err != nil {
				return nil, err
			}
			if err := s.t.reset(); err != nil {
				if out != nil {
					out.Release()
				}
				return nil, err
			}
			s.res.Resize(s.t.memoryUsage())
			h.flushes.Add(1)
			if out != nil {
				return out, nil
			}
		case aggSpill:
			if err := s.spill(); err != nil {
				return nil, err
			}
		default:
			need := s.t.memoryUsage()
			if err := s.res.Grow(need - s.res.Size()); err != nil {
				return nil, fmt.Errorf("hash aggregate: DISTINCT aggregates cannot spill: %w", err)
			}
		}
	}
	s.in.Close() // the input is spent: let it free what it holds
	if s.flushed != nil {
		if err := s.startReplay(); err != nil {
			return nil, err
		}
	}
	if s.sp != nil {
		// Spill the rest too, then merge partition by partition.
		if s.t.numGroups > 0 {
			if err := s.spill(); err != nil {
				return nil, err
			}
		}
		if err := s.sp.finishInput(); err != nil {
			return nil, err
		}
		s.phase = aggMerging
		return nil, nil
	}
	s.phase = aggDone
	out, err := s.t.output(h.schema, h.mode == AggPartial)
	// The output holds copies: the groups are no longer needed.
	s.t.release()
	s.t = nil
	s.res.Resize(0)
	return out, err
}

// spill writes the groups' states to the spill partitions and drops them.
func (s *aggStream) spill() error {
	if s.sp == nil {
		s.sp = newAggSpiller(s)
	}
	start := time.Now()
	defer s.h.spill.since(start)
	b, err := s.takeGroups(s.h.stateSchema)
	if err != nil || b == nil {
		return err
	}
	defer b.Release()
	return s.sp.write(b)
}

// takeGroups returns the groups as one batch of schema (nil when there are
// none) and empties the table, giving its memory back.
func (s *aggStream) takeGroups(schema *arrow.Schema) (arrow.RecordBatch, error) {
	b, err := s.t.output(schema, true)
	if err != nil {
		return nil, err
	}
	if err := s.t.reset(); err != nil {
		if b != nil {
			b.Release()
		}
		return nil, err
	}
	s.res.Resize(s.t.memoryUsage())
	return b, nil
}

// pull returns the input's next batch. The state lock is released
// meanwhile: the input's work (and whatever runs beside it) may ask the
// aggregation to spill, which it can while it waits. A spill request that
// failed meanwhile fails the stream.
func (s *aggStream) pull() (arrow.RecordBatch, error) {
	b, err := s.pullUnlocked()
	if s.spillErr != nil {
		if err == nil {
			b.Release()
		}
		return nil, s.spillErr
	}
	return b, err
}

func (s *aggStream) pullUnlocked() (arrow.RecordBatch, error) {
	s.mu.Unlock()
	defer s.mu.Lock() // also when the input panics: Next's deferred Unlock needs it
	return s.in.Next()
}

// spillRequested is the aggregation's resource.Spiller: asked by another
// consumer of the task, it spills its groups (Final, Complete) or writes
// their partial states to a file to emit later (Partial), and returns the
// bytes its reservation gave back. It frees nothing while the stream is
// busy with its groups (the lock is held: up this stack or on the stream's
// goroutine) or past its input.
func (s *aggStream) spillRequested(need int64) (int64, error) {
	if !s.mu.TryLock() {
		return 0, nil
	}
	defer s.mu.Unlock()
	if s.phase != aggConsuming || s.t == nil || s.t.numGroups == 0 || s.spillErr != nil {
		return 0, nil
	}
	before := s.res.Size()
	var err error
	switch s.h.pressure() {
	case aggSpill:
		err = s.spill()
	case aggFlush:
		err = s.spillPartial()
	default:
		return 0, nil
	}
	freed := max(0, before-s.res.Size())
	if err != nil {
		s.spillErr = fmt.Errorf("hash aggregate: spilling on request: %w", err)
		return freed, s.spillErr
	}
	return freed, nil
}

// spillPartial appends the groups' partial states to the flushed file, in
// batches of the task's size, and drops the groups.
func (s *aggStream) spillPartial() error {
	h := s.h
	start := time.Now()
	defer h.spill.since(start)
	b, err := s.takeGroups(h.schema)
	if err != nil || b == nil {
		return err
	}
	defer b.Release()
	if s.flushed == nil {
		w, err := spill.NewWriter(s.task.TempDir, h.schema, spillCodec, spill.WithAllocator(s.task.Alloc))
		if err != nil {
			return err
		}
		s.flushed = w
		h.spill.created()
	}
	rows := int64(taskBatchRows(s.task))
	for off := int64(0); off < b.NumRows(); off += rows {
		part := b.NewSlice(off, min(b.NumRows(), off+rows))
		err := s.flushed.Write(part)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// startReplay closes the flushed file and makes it the output to emit
// next.
func (s *aggStream) startReplay() error {
	w := s.flushed
	s.flushed = nil
	s.replayW = w
	n, err := w.Close()
	s.h.spill.written(n)
	if err != nil {
		return err
	}
	r, err := spill.Open(w.Path(), s.task.Alloc)
	if err != nil {
		return err
	}
	s.replay = r
	return nil
}

// nextReplay returns the replayed file's next batch, or nil at its end
// (when it removes the file).
func (s *aggStream) nextReplay() (arrow.RecordBatch, error) {
	b, err := s.replay.Next()
	if errors.Is(err, io.EOF) {
		s.closeReplay()
		return nil, nil
	}
	return b, err
}

func (s *aggStream) closeReplay() {
	if s.replay != nil {
		s.replay.Close()
		s.replay = nil
	}
	if s.replayW != nil {
		s.replayW.Remove()
		s.replayW = nil
	}
}

// release frees the groups, the reservation and the spill files.
func (s *aggStream) release() {
	if s.t != nil {
		s.t.release()
		s.t = nil
	}
	if s.sp != nil {
		s.sp.release()
		s.sp = nil
	}
	if s.flushed != nil {
		s.flushed.Remove()
		s.flushed = nil
	}
	s.closeReplay()
	if s.res != nil {
		s.res.SetSpiller(nil)
		s.res.Free()
	}
}

func (s *aggStream) Close() {
	s.in.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out.release()
	s.release()
	s.phase = aggDone
}

// growAccumulator makes a hold numGroups groups without adding input: it
// merges empty partial states.
func growAccumulator(a agg.Accumulator, numGroups int, alloc memory.Allocator) error {
	types := a.StateTypes()
	states := make([]arrow.Array, len(types))
	for i, t := range types {
		states[i] = array.MakeArrayOfNull(alloc, t, 0)
	}
	defer func() {
		for _, s := range states {
			s.Release()
		}
	}()
	return a.Merge(nil, numGroups, states)
}

// distinctFilter keeps the (group, value) pairs an aggregate has seen.
type distinctFilter struct {
	alloc memory.Allocator
	seen  *agg.GroupTable
	gids  []int64
	pair  []uint32
	sel   []int32
	fids  []uint32
}

func newDistinctFilter(alloc memory.Allocator, t arrow.DataType) (*distinctFilter, error) {
	seen, err := agg.NewGroupTable(alloc, []arrow.DataType{arrow.PrimitiveTypes.Int64, t})
	if err != nil {
		return nil, err
	}
	return &distinctFilter{alloc: alloc, seen: seen}, nil
}

// filter returns the group ids and values of the rows whose (group, value)
// was not seen before; the caller releases the values.
func (d *distinctFilter) filter(ids []uint32, vals arrow.Array) ([]uint32, arrow.Array, error) {
	n := len(ids)
	d.gids = d.gids[:0]
	for _, id := range ids {
		d.gids = append(d.gids, int64(id))
	}
	b := array.NewInt64Builder(d.alloc)
	b.AppendValues(d.gids, nil)
	g := b.NewArray()
	b.Release()
	defer g.Release()
	if cap(d.pair) < n {
		d.pair = make([]uint32, n)
	}
	d.pair = d.pair[:n]
	before := uint32(d.seen.NumGroups())
	if err := d.seen.Insert([]arrow.Array{g, vals}, d.pair); err != nil {
		return nil, nil, err
	}
	d.sel, d.fids = d.sel[:0], d.fids[:0]
	next := before
	for i, p := range d.pair {
		if p >= next { // first occurrence: ids are handed out in row order
			next = p + 1
			d.sel = append(d.sel, int32(i))
			d.fids = append(d.fids, ids[i])
		}
	}
	out, err := sorting.TakeArray(d.alloc, vals, d.sel)
	if err != nil {
		return nil, nil, err
	}
	return d.fids, out, nil
}

func (d *distinctFilter) release() { d.seen.Release() }
