package operators

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// RowAggFunc is one aggregate of a RowHashAggregate.
type RowAggFunc struct {
	// Func is the aggregate call: a standard aggregate (count, sum, ...), a
	// row-only one (collect_list, percentile, ...) or a UDAF.
	Func rowagg.Spec
	// Input is the input field: for Partial and Complete the field of raw
	// values (-1 for count(*)), for Final the first of the function's state
	// fields.
	Input int
	// Distinct aggregates each group's distinct values only (Complete mode
	// only: the operator keeps a set of the values seen per group).
	Distinct bool
}

// RowAggFuncOf returns the row twin of a columnar aggregate.
func RowAggFuncOf(f AggFunc) RowAggFunc {
	return RowAggFunc{Func: rowagg.SpecOf(f.Kind, f.InputType), Input: f.Input, Distinct: f.Distinct}
}

// RowHashAggregate groups rows by key fields and computes aggregates per
// group: the row (fallback) twin of HashAggregate, HashAggregate in
// EXPLAIN. Its output is the key fields followed by, per aggregate, its
// state fields (Partial: exactly columnar/agg's state types, so a partial
// row aggregate feeds a final columnar one and vice versa) or its result
// (Final, Complete). Groups live in a hash table keyed on the normalized
// bytes of the key fields (NULL keys group together, -0.0 with 0.0, NaN
// with NaN), their states on the Go heap; groups come out in order of first
// appearance. A global aggregate (no keys) over no rows gives one row, as in
// Spark. Row-only aggregates, UDAFs and DISTINCT run in Complete mode only.
//
// Memory: the operator reserves its groups' bytes (the hash table and the
// states' MemoryUsage) from the task's heap budget as they grow. When a
// reservation fails:
//   - Partial mode flushes: it emits the current groups' partial states and
//     starts over with no groups (correct, as the final aggregation merges
//     states; it only makes more output rows);
//   - Final and Complete modes spill: they write the groups as rows of
//     (keys, partial states) to row spill files partitioned by a hash of the
//     keys, start over, and at the end merge each partition's states in turn
//     (a partition that still does not fit is partitioned again with
//     another hash, up to aggMaxSpillDepth levels, then the out-of-memory
//     error);
//   - DISTINCT aggregates, row-only aggregates and UDAFs have no partial
//     state to spill: with any of them the operator fails with the
//     out-of-memory error when its groups do not fit.
//
// While it reads its input, the aggregation also spills when another
// consumer of the task asks it to: Final and Complete modes spill their
// groups as above; Partial mode writes its groups' partial states to a row
// spill file, which it emits before going on. It never spills on request
// while it is updating its groups or emitting rows.
//
// A global aggregate (no keys) of standard aggregates holds constant memory
// and reserves nothing. The spill metrics count the files written;
// flushCount counts Partial mode's flushes.
type RowHashAggregate struct {
	base
	mode    AggMode
	keys    []int // the input's key fields
	funcs   []RowAggFunc
	detail  string
	inL     *rows.Layout
	outL    *rows.Layout
	stateOf [][]arrow.DataType // per func: its state types (nil when complete-only)
	heap    rowHeapMetrics
	spill   spillMetrics
	flushes *atomic.Int64
	spillL  *rows.Layout // the keys, then every func's states: the rows a spill writes (nil: no spill)
	spillAt []int        // per func: its first state field in spillL
}

// NewRowHashAggregate returns an aggregation of child, a row node. keys are
// the child's key fields (for Final, the first len(keys) fields: key i is
// field i); names names the output fields; detail is EXPLAIN's text
// (HashAggregate(keys=[...], functions=[...])).
func NewRowHashAggregate(child Node, mode AggMode, keys []int, funcs []RowAggFunc, names []string, detail string) (*RowHashAggregate, error) {
	if mode != AggPartial && mode != AggFinal && mode != AggComplete {
		return nil, fmt.Errorf("row hash aggregate: unknown mode %d", mode)
	}
	in := child.Schema()
	inL, err := rowLayout("row hash aggregate", in)
	if err != nil {
		return nil, err
	}
	keyCols := make([]int, len(keys))
	var fields []arrow.Field
	for i, k := range keys {
		if mode == AggFinal {
			k = i
		}
		if k < 0 || k >= in.NumFields() {
			return nil, fmt.Errorf("row hash aggregate: key column %d out of range", k)
		}
		keyCols[i] = k
		fields = append(fields, in.Field(k))
	}
	stateOf := make([][]arrow.DataType, len(funcs))
	for i, f := range funcs {
		acc, err := rowagg.New(f.Func)
		if err != nil {
			return nil, fmt.Errorf("row hash aggregate: %w", err)
		}
		st := acc.StateTypes()
		stateOf[i] = st
		name := acc.Name()
		if f.Distinct && mode != AggComplete {
			return nil, fmt.Errorf("row hash aggregate: DISTINCT %s needs the complete mode", name)
		}
		if st == nil && mode != AggComplete {
			return nil, fmt.Errorf("row hash aggregate: %s has no partial state: it needs the complete mode", name)
		}
		var types []arrow.DataType
		if mode == AggPartial {
			types = st
		} else {
			types = []arrow.DataType{acc.ResultType()}
		}
		switch {
		case mode == AggFinal:
			if f.Input < 0 || f.Input+len(st) > in.NumFields() {
				return nil, fmt.Errorf("row hash aggregate: state columns of %s out of range", name)
			}
			for j, t := range st {
				if !arrow.TypeEqual(in.Field(f.Input+j).Type, t) {
					return nil, fmt.Errorf("row hash aggregate: state column %d of %s has type %s, want %s", j, name, in.Field(f.Input+j).Type, t)
				}
			}
		case f.Func.UDAF == nil && f.Func.InputType == nil: // count(*)
		default:
			if f.Input < 0 || f.Input >= in.NumFields() {
				return nil, fmt.Errorf("row hash aggregate: input column %d of %s out of range", f.Input, name)
			}
			want := f.Func.InputType
			if f.Func.UDAF != nil {
				want = f.Func.UDAF.ArgType
			}
			if got := in.Field(f.Input).Type; !arrow.TypeEqual(got, want) {
				return nil, fmt.Errorf("row hash aggregate: input column %d of %s has type %s, want %s", f.Input, name, got, want)
			}
		}
		for _, t := range types {
			fields = append(fields, arrow.Field{Type: t, Nullable: true})
		}
	}
	if len(names) != len(fields) {
		return nil, fmt.Errorf("row hash aggregate: %d names for %d output columns", len(names), len(fields))
	}
	for i := range fields {
		fields[i].Name = names[i]
	}
	schema := arrow.NewSchema(fields, nil)
	outL, err := rowLayout("row hash aggregate", schema)
	if err != nil {
		return nil, err
	}
	h := &RowHashAggregate{mode: mode, keys: keyCols, funcs: funcs, detail: detail, inL: inL, outL: outL, stateOf: stateOf}
	h.schema = schema
	h.children = []Node{child}
	h.heap = newRowHeapMetrics(&h.metrics)
	h.spill = newSpillMetrics(&h.metrics)
	h.flushes = h.metrics.Counter(FlushCountMetric)
	if h.pressure() == aggSpill {
		// The spill rows: the keys, then every func's states.
		sf := append([]arrow.Field(nil), fields[:len(keys)]...)
		h.spillAt = make([]int, len(funcs))
		for i, st := range stateOf {
			h.spillAt[i] = len(sf)
			for j, t := range st {
				sf = append(sf, arrow.Field{Name: fmt.Sprintf("_state%d_%d", i, j), Type: t, Nullable: true})
			}
		}
		if h.spillL, err = rowLayout("row hash aggregate", arrow.NewSchema(sf, nil)); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Name implements Node.
func (h *RowHashAggregate) Name() string { return "HashAggregate" }

// pressure returns the aggregation's policy under memory pressure.
func (h *RowHashAggregate) pressure() aggPressure {
	if h.unspillable() != "" {
		return aggFail
	}
	switch {
	case len(h.keys) == 0:
		return aggUnbounded
	case h.mode == AggPartial:
		return aggFlush
	}
	return aggSpill
}

// unspillable names what keeps the aggregation from spilling: DISTINCT, a
// row-only aggregate or a UDAF; "" when nothing does.
func (h *RowHashAggregate) unspillable() string {
	for i, f := range h.funcs {
		switch {
		case f.Distinct:
			return "DISTINCT aggregates"
		case h.stateOf[i] == nil:
			return "row-only aggregates and UDAFs (" + f.Func.String() + ")"
		}
	}
	return ""
}

// Detail implements Node.
func (h *RowHashAggregate) Detail() string { return h.detail }

// Mode returns the aggregation phase.
func (h *RowHashAggregate) Mode() AggMode { return h.mode }

// NumPartitions implements Node.
func (h *RowHashAggregate) NumPartitions() int { return h.children[0].NumPartitions() }

// ExecuteRows implements RowNode.
func (h *RowHashAggregate) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	in, err := executeRows(h.children[0], ctx, p, task)
	if err != nil {
		return nil, err
	}
	s := &rowAggStream{h: h, ctx: ctx, in: in, task: task, gauge: rowHeapGauge{m: h.heap}}
	return meteredRowStream(s, &h.metrics), nil
}

// The phases of a row aggregation stream.
const (
	rowAggConsuming = iota // reading the input (and emitting Partial flushes)
	rowAggMerging          // merging spilled partitions and emitting their groups
	rowAggDone             // emitting the last groups
)

// rowAggStream runs a row hash aggregation within the task's heap budget:
// it reserves its groups' memory as they grow and, when the reservation
// fails, flushes (Partial), spills (Final, Complete) or fails (DISTINCT,
// row-only aggregates, UDAFs): see RowHashAggregate.
type rowAggStream struct {
	h    *RowHashAggregate
	ctx  context.Context
	in   RowStream
	task *TaskContext
	// mu guards the state below against spill requests (spillRequested),
	// which come from other consumers of the task, on their goroutines or
	// up this stack: the stream holds it except while it waits on its
	// input. spillErr is a request's failure: the stream fails with it.
	mu       sync.Mutex
	spillErr error
	// Partial mode: flushed is the file spill requests write the groups'
	// states to; replay reads such a file back as output.
	flushed *spill.RowWriter
	replay  *spill.RowReader
	replayW *spill.RowWriter
	accs    []rowagg.Accumulator
	dist    []*rowDistinct // per func: the DISTINCT filter, or nil
	enc     *rows.KeyEncoder
	table   *rowGroupTable
	w       *rows.Writer
	// outCol[i] is the output field of func i's first state or result field.
	outCol   []int
	groups   int
	next     int
	emitting bool // groups 0..groups-1 are being emitted
	phase    int
	res      *resource.Reservation
	reserved int64
	n        int // rows read, for the periodic checks
	sp       *rowAggSpiller
	gauge    rowHeapGauge
}

func (s *rowAggStream) Next() (rows.Row, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.replay != nil {
			r, err := s.replay.Next()
			if err == nil {
				return r, nil
			}
			s.closeReplay()
			if !errors.Is(err, io.EOF) {
				s.free()
				s.phase = rowAggDone
				return nil, err
			}
			continue
		}
		if s.emitting {
			if s.next < s.groups {
				if err := rowCanceled(s.ctx, &s.n); err != nil {
					s.free()
					s.phase = rowAggDone
					return nil, err
				}
				g := uint32(s.next)
				s.next++
				return s.emit(g)
			}
			s.emitting = false
			if s.phase == rowAggDone {
				s.free()
				return nil, io.EOF
			}
			if err := s.resetGroups(); err != nil {
				s.free()
				s.phase = rowAggDone
				return nil, err
			}
		}
		var err error
		switch s.phase {
		case rowAggConsuming:
			err = s.consume()
		case rowAggMerging:
			err = s.sp.nextPartition()
		default:
			s.free()
			return nil, io.EOF
		}
		if err != nil {
			s.free()
			s.phase = rowAggDone
			return nil, err
		}
	}
}

// init makes the accumulators, the group table and the reservation.
func (s *rowAggStream) init() error {
	h := s.h
	s.accs = make([]rowagg.Accumulator, len(h.funcs))
	s.dist = make([]*rowDistinct, len(h.funcs))
	s.outCol = make([]int, len(h.funcs))
	col := len(h.keys)
	for i, f := range h.funcs {
		a, err := rowagg.New(f.Func)
		if err != nil {
			return err
		}
		s.accs[i] = a
		if f.Distinct {
			s.dist[i] = newRowDistinct(h.inL, f.Input)
		}
		s.outCol[i] = col
		if h.mode == AggPartial {
			col += len(h.stateOf[i])
		} else {
			col++
		}
	}
	if len(h.keys) > 0 {
		s.enc = rows.NewKeyEncoder(h.inL, h.keys)
		s.table = newRowGroupTable()
	}
	s.res = s.task.Memory.NewReservation(h.Name(), resource.Heap)
	if p := h.pressure(); p == aggSpill || p == aggFlush {
		s.res.SetSpiller(s.spillRequested)
	}
	return nil
}

// reserve grows the reservation to the bytes the groups hold; it reports
// false when the budget does not allow it.
func (s *rowAggStream) reserve() bool {
	need := s.heapBytes()
	s.gauge.set(need)
	if need <= s.reserved {
		return true
	}
	if step := max(need-s.reserved, rowReserveStep); s.res.TryGrow(step) {
		s.reserved += step
		return true
	}
	if s.res.TryGrow(need - s.reserved) {
		s.reserved = need
		return true
	}
	return false
}

// resetGroups drops every group (after a flush, a spill, a partition) and
// frees their memory: the accumulators are replaced (Reset would keep their
// capacity).
func (s *rowAggStream) resetGroups() error {
	if s.table != nil {
		s.table = newRowGroupTable()
	}
	for i, f := range s.h.funcs {
		a, err := rowagg.New(f.Func)
		if err != nil {
			return fmt.Errorf("row hash aggregate: %w", err)
		}
		s.accs[i] = a
	}
	s.groups, s.next = 0, 0
	s.res.Shrink(s.reserved)
	s.reserved = 0
	s.gauge.set(s.heapBytes())
	return nil
}

// consume reads input into the groups' states until the groups must be
// flushed (Partial under memory pressure) or the input ends.
func (s *rowAggStream) consume() error {
	h := s.h
	if s.accs == nil {
		if err := s.init(); err != nil {
			return err
		}
	}
	policy := h.pressure()
	final := h.mode == AggFinal
	l := h.inL
	for {
		if err := rowCanceled(s.ctx, &s.n); err != nil {
			return err
		}
		if s.flushed != nil {
			// A spill request wrote the groups out: emit them first.
			return s.startReplay()
		}
		if s.n&255 == 0 && policy != aggUnbounded && !s.reserve() {
			flushed, err := s.pressure(policy)
			if err != nil || flushed {
				return err
			}
		}
		r, err := s.pull()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		var g uint32
		if s.table != nil {
			if g, err = s.table.group(s.enc.Encode(r)); err != nil {
				return err
			}
		}
		for i, a := range s.accs {
			f := &h.funcs[i]
			if final {
				err = a.Merge(g, l, r, f.Input)
			} else {
				if d := s.dist[i]; d != nil && !d.first(g, r) {
					continue
				}
				err = a.Update(g, l, r, f.Input)
			}
			if err != nil {
				return fmt.Errorf("row hash aggregate: %w", err)
			}
		}
	}
	s.in.Close() // the input is spent: let it free what it holds
	if s.flushed != nil {
		if err := s.startReplay(); err != nil {
			return err
		}
	}
	if policy != aggUnbounded && policy != aggFlush && !s.reserve() {
		if _, err := s.pressure(policy); err != nil {
			return err
		}
	}
	s.dist = nil // the sets are no longer needed
	if s.sp != nil {
		// Spill the rest too, then merge partition by partition.
		if err := s.spill(); err != nil {
			return err
		}
		if err := s.sp.finishInput(); err != nil {
			return err
		}
		s.phase = rowAggMerging
		return nil
	}
	s.phase = rowAggDone
	groups := 1 // a global aggregate has one group, even over no rows
	if s.table != nil {
		groups = s.table.len()
	}
	return s.startEmit(groups)
}

// pressure acts on a failed reservation: it starts emitting the groups
// (Partial: reporting true), spills them, or returns the out-of-memory
// error.
func (s *rowAggStream) pressure(policy aggPressure) (bool, error) {
	h := s.h
	switch policy {
	case aggFlush:
		if s.table.len() > 0 {
			h.flushes.Add(1)
			return true, s.startEmit(s.table.len())
		}
	case aggSpill:
		return false, s.spill()
	default:
		if err := s.res.Grow(s.heapBytes() - s.reserved); err != nil {
			return false, fmt.Errorf("row hash aggregate: %s cannot spill: %w", h.unspillable(), err)
		}
		s.reserved = s.res.Size()
	}
	return false, nil
}

// startEmit prepares the emission of groups 0..n-1.
func (s *rowAggStream) startEmit(n int) error {
	for _, a := range s.accs {
		if err := a.Grow(n); err != nil {
			return fmt.Errorf("row hash aggregate: %w", err)
		}
	}
	if s.w == nil {
		s.w = rows.NewWriter(s.h.outL)
	}
	s.groups, s.next, s.emitting = n, 0, true
	s.gauge.set(s.heapBytes())
	return nil
}

// emit writes group g's output row.
func (s *rowAggStream) emit(g uint32) (rows.Row, error) {
	w := s.w
	w.Reset()
	if s.table != nil {
		kl := s.enc.Layout()
		key := rows.Row(s.table.key(g))
		for i := range s.h.keys {
			w.CopyField(i, kl, key, i)
		}
	}
	partial := s.h.mode == AggPartial
	for i, a := range s.accs {
		var err error
		if partial {
			err = a.WriteState(g, w, s.outCol[i])
		} else {
			err = a.WriteResult(g, w, s.outCol[i])
		}
		if err != nil {
			return nil, fmt.Errorf("row hash aggregate: %w", err)
		}
	}
	return w.Row(), nil
}

// heapBytes returns the bytes the aggregation holds.
func (s *rowAggStream) heapBytes() int64 {
	var n int64
	for _, a := range s.accs {
		if a != nil {
			n += a.MemoryUsage()
		}
	}
	for _, d := range s.dist {
		if d != nil {
			n += d.bytes()
		}
	}
	if s.table != nil {
		n += s.table.bytes()
	}
	if s.w != nil {
		n += int64(cap(s.w.Row()))
	}
	return n
}

// pull returns the input's next row. The state lock is released meanwhile:
// the input's work (and whatever runs beside it) may ask the aggregation to
// spill, which it can while it waits. A spill request that failed
// meanwhile fails the stream.
func (s *rowAggStream) pull() (rows.Row, error) {
	r, err := s.pullUnlocked()
	if s.spillErr != nil {
		return nil, s.spillErr
	}
	return r, err
}

func (s *rowAggStream) pullUnlocked() (rows.Row, error) {
	s.mu.Unlock()
	defer s.mu.Lock() // also when the input panics: Next's deferred Unlock needs it
	return s.in.Next()
}

// spillRequested is the row aggregation's resource.Spiller: asked by
// another consumer of the task, it spills its groups (Final, Complete) or
// writes their partial states to a file to emit later (Partial), and
// returns the bytes its reservation gave back. It frees nothing while the
// stream is busy (the lock is held: up this stack or on the stream's
// goroutine), while it emits rows (the last one is still the caller's) or
// past its input.
func (s *rowAggStream) spillRequested(need int64) (int64, error) {
	if !s.mu.TryLock() {
		return 0, nil
	}
	defer s.mu.Unlock()
	if s.phase != rowAggConsuming || s.emitting || s.table == nil || s.table.len() == 0 || s.spillErr != nil {
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
		s.spillErr = fmt.Errorf("row hash aggregate: spilling on request: %w", err)
		return freed, s.spillErr
	}
	return freed, nil
}

// spillPartial appends the groups' partial states (the output rows of a
// flush) to the flushed file and drops the groups.
func (s *rowAggStream) spillPartial() error {
	h := s.h
	start := time.Now()
	defer h.spill.since(start)
	if s.flushed == nil {
		w, err := spill.NewRowWriter(s.task.TempDir, spillCodec)
		if err != nil {
			return err
		}
		s.flushed = w
		h.spill.created()
	}
	n := s.table.len()
	for _, a := range s.accs {
		if err := a.Grow(n); err != nil {
			return fmt.Errorf("row hash aggregate: %w", err)
		}
	}
	if s.w == nil {
		s.w = rows.NewWriter(h.outL)
	}
	cnt := 0
	for g := 0; g < n; g++ {
		if err := rowCanceled(s.ctx, &cnt); err != nil {
			return err
		}
		r, err := s.emit(uint32(g))
		if err != nil {
			return err
		}
		if err := s.flushed.Write(r); err != nil {
			return err
		}
	}
	return s.resetGroups()
}

// startReplay closes the flushed file and makes it the rows to emit next.
func (s *rowAggStream) startReplay() error {
	w := s.flushed
	s.flushed = nil
	s.replayW = w
	n, err := w.Close()
	s.h.spill.written(n)
	if err != nil {
		return err
	}
	r, err := spill.OpenRows(w.Path())
	if err != nil {
		return err
	}
	s.replay = r
	return nil
}

func (s *rowAggStream) closeReplay() {
	if s.replay != nil {
		s.replay.Close()
		s.replay = nil
	}
	if s.replayW != nil {
		s.replayW.Remove()
		s.replayW = nil
	}
}

// free drops the groups, their states, the reservation and the spill
// files.
func (s *rowAggStream) free() {
	s.accs, s.dist, s.table, s.enc, s.w = nil, nil, nil, nil, nil
	s.groups, s.next, s.emitting = 0, 0, false
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
		s.reserved = 0
	}
	s.gauge.release()
}

func (s *rowAggStream) Close() {
	s.in.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.free()
	s.phase = rowAggDone
}

// rowGroupTable maps group keys (byte strings) to dense group ids 0, 1, 2,
// ... in order of first appearance: an open-addressing hash table of group
// ids over an arena of the keys.
type rowGroupTable struct {
	seed   maphash.Seed
	keys   []byte   // the groups' keys, one after another
	ends   []int    // end of group g's key in keys
	hashes []uint64 // group g's key hash
	slots  []uint32 // group id + 1; 0 is an empty slot
	mask   uint64
}

func newRowGroupTable() *rowGroupTable {
	t := &rowGroupTable{seed: maphash.MakeSeed()}
	t.slots = make([]uint32, 64)
	t.mask = 63
	return t
}

func (t *rowGroupTable) len() int { return len(t.hashes) }

// key returns group g's key.
func (t *rowGroupTable) key(g uint32) []byte {
	start := 0
	if g > 0 {
		start = t.ends[g-1]
	}
	return t.keys[start:t.ends[g]:t.ends[g]]
}

// group returns the id of key's group, adding the group when it is new.
func (t *rowGroupTable) group(key []byte) (uint32, error) {
	h := maphash.Bytes(t.seed, key)
	i := h & t.mask
	for {
		s := t.slots[i]
		if s == 0 {
			break
		}
		if g := s - 1; t.hashes[g] == h && bytes.Equal(t.key(g), key) {
			return g, nil
		}
		i = (i + 1) & t.mask
	}
	g := len(t.hashes)
	if g >= math.MaxUint32-1 {
		return 0, fmt.Errorf("row hash aggregate: more than %d groups", math.MaxUint32-1)
	}
	t.keys = append(t.keys, key...)
	t.ends = append(t.ends, len(t.keys))
	t.hashes = append(t.hashes, h)
	t.slots[i] = uint32(g) + 1
	if 2*len(t.hashes) > len(t.slots) { // keep the load factor at most 1/2
		t.rehash()
	}
	return uint32(g), nil
}

// rehash doubles the slot array.
func (t *rowGroupTable) rehash() {
	slots := make([]uint32, 2*len(t.slots))
	mask := uint64(len(slots) - 1)
	for g, h := range t.hashes {
		i := h & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = uint32(g) + 1
	}
	t.slots, t.mask = slots, mask
}

func (t *rowGroupTable) bytes() int64 {
	return int64(cap(t.keys)) + 8*int64(cap(t.ends)) + 8*int64(cap(t.hashes)) + 4*int64(cap(t.slots))
}

// rowDistinct passes on the first occurrence of each (group, value) pair of
// a DISTINCT aggregate, with the value compared as GROUP BY compares keys
// (NULL equals NULL, -0.0 equals 0.0, NaN equals NaN).
type rowDistinct struct {
	enc    *rows.KeyEncoder
	seen   map[string]struct{}
	key    []byte
	keyLen int64
}

func newRowDistinct(l *rows.Layout, col int) *rowDistinct {
	return &rowDistinct{enc: rows.NewKeyEncoder(l, []int{col}), seen: make(map[string]struct{})}
}

// first reports whether r's value is new in group g, recording it.
func (d *rowDistinct) first(g uint32, r rows.Row) bool {
	d.key = binary.LittleEndian.AppendUint32(d.key[:0], g)
	d.key = append(d.key, d.enc.Encode(r)...)
	if _, ok := d.seen[string(d.key)]; ok {
		return false
	}
	d.seen[string(d.key)] = struct{}{}
	d.keyLen += int64(len(d.key))
	return true
}

// rowMapEntryBytes estimates a Go map's bytes per entry besides the key
// bytes (string header, hash table slot, load factor).
const rowMapEntryBytes = 48

func (d *rowDistinct) bytes() int64 { return d.keyLen + rowMapEntryBytes*int64(len(d.seen)) }
