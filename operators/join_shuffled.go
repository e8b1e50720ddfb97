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

	"github.com/gluten-go/gluten-go/columnar/join"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// joinMetrics are a join's counters (the spill ones nil for joins that do
// not spill).
type joinMetrics struct {
	buildRows, buildTime, probeTime, tableBytes *atomic.Int64
	spilledBytes, spillParts                    *atomic.Int64
}

// newJoinMetrics returns the join's registered counters; those the node
// did not register (a broadcast join builds nothing) count into a
// discarded counter, so tasks never register names while others read them.
func newJoinMetrics(m *Metrics) joinMetrics {
	get := func(name string) *atomic.Int64 {
		for _, x := range m.Extra() {
			if x.Name == name {
				return m.Counter(name)
			}
		}
		return new(atomic.Int64)
	}
	return joinMetrics{
		buildRows:    get(JoinBuildRowsMetric),
		buildTime:    get(JoinBuildTimeMetric),
		probeTime:    get(JoinProbeTimeMetric),
		tableBytes:   get(JoinHashTableBytesMetric),
		spilledBytes: get(JoinSpilledBytesMetric),
		spillParts:   get(JoinSpillPartitionsMetric),
	}
}

func (m joinMetrics) spilled(bytes int64, parts int) {
	m.spilledBytes.Add(bytes)
	m.spillParts.Add(int64(parts))
}

// The states of a shuffled hash join's stream.
const (
	shjProbe      = iota // streaming probe batches through the relation
	shjBuildOuter        // emitting the relation's unmatched rows
	shjNextPart          // loading the next spill partition
	shjNullRows          // passing a spilled side's NULL-key rows through
	shjDone
)

// shjStream runs one partition of a ShuffledHashJoin: it collects the build
// side, reserving its memory; builds the relation and streams the probe
// side through it when it fits, and otherwise spills both sides into
// partitions (a grace hash join) and joins them one by one. While it
// collects the build side from its child, another consumer of the task may
// ask it to spill (spillRequested): it then goes the grace way at once.
// Once the relation is built it cannot spill: the probe needs all of it.
type shjStream struct {
	j         *ShuffledHashJoin
	ctx       context.Context
	task      *TaskContext
	part      int
	alloc     memory.Allocator
	batchSize int
	files     spillFiles
	m         joinMetrics

	res     *resource.Reservation
	started bool
	err     error
	in      Stream // the child stream being read (build, then probe)
	probe   Stream // the probe source of the current relation
	rel     *colRelation
	eng     *colProbe
	state   int
	work    []gracePart
	// nullIn and nullProbe: the NULL-key rows being passed through, and
	// whether they are probe rows (else build rows).
	nullIn    Stream
	nullProbe bool

	// mu guards the stream's state against spill requests, which come from
	// other consumers of the task, on their goroutines or up this stack:
	// Next holds it, except while start waits on the build child. While
	// building, held are the build batches kept in memory and bp, once the
	// build side spilled, its partitions. spillErr is a request's failure.
	mu       sync.Mutex
	building bool
	held     []arrow.RecordBatch
	bp       *batchPartitioner
	spillErr error
}

func (s *shjStream) buildChild() Node {
	if s.j.def.buildSide == BuildRight {
		return s.j.children[1]
	}
	return s.j.children[0]
}

func (s *shjStream) probeChild() Node {
	if s.j.def.buildSide == BuildRight {
		return s.j.children[0]
	}
	return s.j.children[1]
}

func (s *shjStream) Next() (arrow.RecordBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	b, err := s.next()
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
		s.free()
	}
	return b, err
}

func (s *shjStream) next() (arrow.RecordBatch, error) {
	if !s.started {
		s.started = true
		if err := s.start(); err != nil {
			return nil, err
		}
	}
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		switch s.state {
		case shjProbe:
			t := time.Now()
			out, err := s.eng.next()
			s.m.probeTime.Add(int64(time.Since(t)))
			if err != nil {
				return nil, err
			}
			if out != nil {
				return out, nil
			}
			b, err := s.probe.Next()
			if errors.Is(err, io.EOF) {
				s.probe.Close()
				s.probe = nil
				s.state = shjBuildOuter
				continue
			}
			if err != nil {
				return nil, err
			}
			t = time.Now()
			err = s.eng.push(b)
			s.m.probeTime.Add(int64(time.Since(t)))
			if err != nil {
				return nil, err
			}
		case shjBuildOuter:
			out, err := s.eng.buildUnmatched()
			if err != nil || out != nil {
				return out, err
			}
			s.dropRelation()
			s.state = shjNextPart
		case shjNextPart:
			if len(s.work) == 0 {
				s.state = shjDone
				continue
			}
			gp := s.work[0]
			s.work = s.work[1:]
			if err := s.loadPart(gp); err != nil {
				return nil, err
			}
		case shjNullRows:
			b, err := s.nullIn.Next()
			if errors.Is(err, io.EOF) {
				s.nullIn.Close()
				s.nullIn = nil
				s.state = shjNextPart
				continue
			}
			if err != nil {
				return nil, err
			}
			out, err := nullExtend(s.alloc, s.j.def, b, s.nullProbe)
			b.Release()
			return out, err
		case shjDone:
			s.free()
			return nil, io.EOF
		}
	}
}

// start collects the build side and either builds the relation or spills.
func (s *shjStream) start() error {
	d := s.j.def
	s.res = s.task.Memory.NewReservation(fmt.Sprintf("%s build (partition %d)", s.j.Name(), s.part), resource.OffHeap)
	in, err := executeColumnar(s.buildChild(), s.ctx, s.part, s.task)
	if err != nil {
		return err
	}
	s.in = in
	s.building = true
	s.res.SetSpiller(s.spillRequested)
	defer func() {
		// Past the build child (or failed): nothing to spill on request.
		s.building = false
		releaseBatchList(s.held)
		s.held = nil
	}()
	var rows int64
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		b, err := s.pullBuild()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		rows += b.NumRows()
		if s.bp == nil && s.res.TryGrow(spill.BatchBytes(b)) {
			s.held = append(s.held, b)
			continue
		}
		if s.bp == nil {
			s.bp = s.newBuildPartitioner(0)
			held := s.held
			s.held = nil
			if err := s.spillHeld(s.bp, held); err != nil {
				b.Release()
				return err
			}
		}
		err = s.bp.add(b, !d.buildKeepsUnmatched(), nil)
		b.Release()
		if err != nil {
			return err
		}
	}
	s.building = false
	in.Close()
	s.in = nil
	s.m.buildRows.Add(rows)
	if bp := s.bp; bp != nil {
		s.bp = nil
		return s.graceStart(bp)
	}
	h := s.held
	s.held = nil
	if err := s.buildRelation(h); err != nil {
		return err
	}
	if s.rel == nil {
		return nil // it spilled
	}
	if s.eng.skipAll {
		s.state = shjDone // NOT IN over a set holding NULL
		return nil
	}
	if d.buildSemi() && s.rel.numRows() == 0 {
		s.state = shjBuildOuter // no left row to decide: skip the probe side
		return nil
	}
	probe, err := executeColumnar(s.probeChild(), s.ctx, s.part, s.task)
	if err != nil {
		return err
	}
	s.probe = probe
	s.state = shjProbe
	return nil
}

// pullBuild returns the build child's next batch. The state lock is
// released meanwhile: the child's work (and whatever runs beside it) may ask
// the join to spill what it holds. A spill request that failed meanwhile
// fails the stream.
func (s *shjStream) pullBuild() (arrow.RecordBatch, error) {
	b, err := s.pullUnlocked()
	if s.spillErr != nil {
		if err == nil {
			b.Release()
		}
		return nil, s.spillErr
	}
	return b, err
}

func (s *shjStream) pullUnlocked() (arrow.RecordBatch, error) {
	s.mu.Unlock()
	defer s.mu.Lock() // also when the child panics: Next's deferred Unlock needs it
	return s.in.Next()
}

// spillRequested is the join's resource.Spiller: while the build side is
// collected (and the stream waits on its child), it writes the build
// batches held in memory to grace partitions, as when its own reservation
// fails, and returns the bytes given back. Afterwards it frees nothing.
func (s *shjStream) spillRequested(need int64) (int64, error) {
	if !s.mu.TryLock() {
		return 0, nil // busy, up this stack or on the stream's goroutine
	}
	defer s.mu.Unlock()
	if !s.building || s.bp != nil || len(s.held) == 0 || s.spillErr != nil {
		return 0, nil
	}
	before := s.res.Size()
	s.bp = s.newBuildPartitioner(0)
	held := s.held
	s.held = nil
	err := s.spillHeld(s.bp, held)
	freed := max(0, before-s.res.Size())
	if err != nil {
		s.spillErr = fmt.Errorf("%s: spilling on request: %w", s.j.Name(), err)
		return freed, s.spillErr
	}
	return freed, nil
}

// newBuildPartitioner returns a partitioner of build rows at level.
func (s *shjStream) newBuildPartitioner(level int) *batchPartitioner {
	return newBatchPartitioner(s.task.TempDir, s.buildChild().Schema(), s.j.def.buildKeys(), s.alloc, level, s.files)
}

// spillHeld writes held batches (taken over) to bp and gives their memory
// back.
func (s *shjStream) spillHeld(bp *batchPartitioner, held []arrow.RecordBatch) error {
	defer releaseBatchList(held)
	for i, b := range held {
		if err := bp.add(b, !s.j.def.buildKeepsUnmatched(), nil); err != nil {
			return err
		}
		b.Release()
		held[i] = nil
	}
	s.res.Shrink(s.res.Size())
	return nil
}

// buildRelation builds the relation of held (taken over, its data
// reserved) or, when its table does not fit, spills it and goes the grace
// way.
func (s *shjStream) buildRelation(held []arrow.RecordBatch) error {
	ok, err := s.tryBuild(held)
	if err != nil || ok {
		return err
	}
	bp := s.newBuildPartitioner(0)
	if err := s.spillHeld(bp, held); err != nil {
		return err
	}
	return s.graceStart(bp)
}

// tryBuild builds the relation of held if its table and the concatenation
// can be reserved. It reports false, leaving held to the caller, when they
// cannot; otherwise it takes held over.
func (s *shjStream) tryBuild(held []arrow.RecordBatch) (bool, error) {
	var rows int64
	for _, b := range held {
		rows += b.NumRows()
	}
	need := join.TableBytes(int(min(rows, join.MaxBuildRows))) + concatPeak(held)
	if !s.res.TryGrow(need) {
		return false, nil
	}
	t := time.Now()
	rel, err := newColRelation(s.alloc, s.buildChild().Schema(), held, s.j.def.buildKeys())
	s.m.buildTime.Add(int64(time.Since(t)))
	if err != nil {
		return false, err
	}
	s.rel = rel
	s.eng = newColProbe(s.j.def, s.j.cond, rel, s.alloc, s.batchSize, false)
	size := rel.bytes()
	if s.eng.buildMatched != nil {
		size += int64(s.eng.buildMatched.Cap())
	}
	s.res.Resize(size)
	s.m.tableBytes.Add(rel.table.Bytes())
	return true, nil
}

// concatPeak is the extra memory concatenating batches takes at its peak:
// the largest column.
func concatPeak(bs []arrow.RecordBatch) int64 {
	if len(bs) < 2 {
		return 0
	}
	var peak int64
	for c := 0; c < int(bs[0].NumCols()); c++ {
		var n int64
		for _, b := range bs {
			for _, buf := range b.Column(c).Data().Buffers() {
				if buf != nil {
					n += int64(buf.Len())
				}
			}
		}
		peak = max(peak, n)
	}
	return peak
}

// dropProbeRows reports whether the probe rows that cannot match (NULL
// keys, partitions without build rows) may be dropped: when the join
// outputs neither unmatched probe rows nor anti-join probe rows (an anti
// join that builds its left side outputs no probe row).
func (s *shjStream) dropProbeRows() bool {
	d := s.j.def
	return !d.probeOuter() && (d.typ != LeftAntiJoin || d.buildSemi())
}

// graceStart finishes spilling the build side into bp, spills the probe
// side alike, and queues the partitions.
func (s *shjStream) graceStart(bp *batchPartitioner) error {
	d := s.j.def
	bfiles, bnull, bytes, err := bp.finish()
	if err != nil {
		return err
	}
	parts := 0
	for _, f := range bfiles {
		if f.path != "" {
			parts++
		}
	}
	s.m.spilled(bytes, parts)
	if d.typ == NullAwareAntiJoin && bp.rows > 0 && bp.nullRows > 0 {
		// NOT IN over a set holding NULL: nothing qualifies.
		for _, f := range bfiles {
			s.files.remove(f.path)
		}
		s.files.remove(bnull.path)
		s.state = shjDone
		return nil
	}
	in, err := executeColumnar(s.probeChild(), s.ctx, s.part, s.task)
	if err != nil {
		return err
	}
	s.in = in
	pp := newBatchPartitioner(s.task.TempDir, s.probeChild().Schema(), d.probeKeys(), s.alloc, 0, s.files)
	var keep *[graceFanout]bool
	drop := s.dropProbeRows()
	if drop {
		keep = new([graceFanout]bool)
		for p, f := range bfiles {
			keep[p] = f.rows > 0
		}
	}
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		b, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		err = pp.add(b, drop, keep)
		b.Release()
		if err != nil {
			return err
		}
	}
	in.Close()
	s.in = nil
	pfiles, pnull, pbytes, err := pp.finish()
	if err != nil {
		return err
	}
	s.m.spilled(pbytes, 0)
	s.queue(bfiles, pfiles, 0)
	if bnull.path != "" {
		s.work = append(s.work, gracePart{build: bnull, level: -1})
	}
	if pnull.path != "" {
		s.work = append(s.work, gracePart{probe: pnull, level: -1})
	}
	s.state = shjNextPart
	return nil
}

// queue puts the partitions of one split at the front of the work list.
func (s *shjStream) queue(bfiles, pfiles [graceFanout]spillFile, level int) {
	var parts []gracePart
	for p := range bfiles {
		if bfiles[p].path == "" && pfiles[p].path == "" {
			continue
		}
		parts = append(parts, gracePart{build: bfiles[p], probe: pfiles[p], level: level})
	}
	s.work = append(parts, s.work...)
}

// loadPart starts joining a spill partition: it reads its build rows back
// and builds their relation, splitting the partition again when it does not
// fit.
func (s *shjStream) loadPart(gp gracePart) error {
	d := s.j.def
	if gp.level < 0 {
		// NULL-key rows of one side: they match nothing.
		in, err := openSpillStream(s.ctx, gp.build, s.alloc, s.files)
		s.nullProbe = false
		if gp.probe.path != "" {
			in, err = openSpillStream(s.ctx, gp.probe, s.alloc, s.files)
			s.nullProbe = true
		}
		if err != nil {
			return err
		}
		s.nullIn = in
		s.state = shjNullRows
		return nil
	}
	if (gp.build.rows == 0 && s.dropProbeRows()) || (gp.probe.rows == 0 && !d.buildKeepsUnmatched()) {
		// No row of this partition can be output.
		s.files.remove(gp.build.path)
		s.files.remove(gp.probe.path)
		return nil
	}
	in, err := openSpillStream(s.ctx, gp.build, s.alloc, s.files)
	if err != nil {
		return err
	}
	s.in = in
	var held []arrow.RecordBatch
	defer func() { releaseBatchList(held) }()
	for {
		b, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if s.res.TryGrow(spill.BatchBytes(b)) {
			held = append(held, b)
			continue
		}
		h := held
		held = nil
		return s.split(gp, append(h, b), in)
	}
	h := held
	held = nil
	ok, err := s.tryBuild(h)
	if err != nil {
		return err
	}
	if ok {
		in.Close()
		s.in = nil
		probe, err := openSpillStream(s.ctx, gp.probe, s.alloc, s.files)
		if err != nil {
			return err
		}
		s.probe = probe
		s.state = shjProbe
		return nil
	}
	return s.split(gp, h, in)
}

// split partitions a spill partition's build rows (held, taken over, then
// the rest of in) and its probe file again, one level deeper.
func (s *shjStream) split(gp gracePart, held []arrow.RecordBatch, in Stream) error {
	d := s.j.def
	level := gp.level + 1
	need := batchesBytes(held)
	if level >= graceMaxLevel {
		releaseBatchList(held)
		s.res.Shrink(s.res.Size())
		return joinOOM(s.j.Name(), s.res, need, gp.build.rows)
	}
	bp := s.newBuildPartitioner(level)
	if err := s.spillHeld(bp, held); err != nil {
		return err
	}
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		b, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		err = bp.add(b, !d.buildKeepsUnmatched(), nil)
		b.Release()
		if err != nil {
			return err
		}
	}
	in.Close()
	s.in = nil
	bfiles, _, bytes, err := bp.finish()
	if err != nil {
		return err
	}
	parts := 0
	for _, f := range bfiles {
		if f.path != "" {
			parts++
		}
		if f.rows == gp.build.rows && gp.build.rows > 1 {
			// Every row went to one partition again: one key.
			for _, g := range bfiles {
				s.files.remove(g.path)
			}
			return joinOOM(s.j.Name(), s.res, need, gp.build.rows)
		}
	}
	s.m.spilled(bytes, parts)
	pin, err := openSpillStream(s.ctx, gp.probe, s.alloc, s.files)
	if err != nil {
		return err
	}
	s.in = pin
	pp := newBatchPartitioner(s.task.TempDir, s.probeChild().Schema(), d.probeKeys(), s.alloc, level, s.files)
	var keep *[graceFanout]bool
	if s.dropProbeRows() {
		keep = new([graceFanout]bool)
		for p, f := range bfiles {
			keep[p] = f.rows > 0
		}
	}
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		b, err := pin.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		err = pp.add(b, true, keep)
		b.Release()
		if err != nil {
			return err
		}
	}
	pin.Close()
	s.in = nil
	pfiles, _, pbytes, err := pp.finish()
	if err != nil {
		return err
	}
	s.m.spilled(pbytes, 0)
	s.queue(bfiles, pfiles, level)
	return nil
}

// dropRelation frees the current relation and its probe.
func (s *shjStream) dropRelation() {
	if s.eng != nil {
		s.eng.release()
		s.eng = nil
	}
	if s.rel != nil {
		s.rel.release()
		s.rel = nil
	}
	if s.res != nil {
		s.res.Shrink(s.res.Size())
	}
}

// free releases everything the stream holds and removes its spill files.
func (s *shjStream) free() {
	for _, st := range []*Stream{&s.in, &s.probe, &s.nullIn} {
		if *st != nil {
			(*st).Close()
			*st = nil
		}
	}
	s.building = false
	releaseBatchList(s.held)
	s.held = nil
	s.bp = nil
	s.dropRelation()
	if s.res != nil {
		s.res.SetSpiller(nil)
		s.res.Free()
	}
	s.files.removeAll()
	s.work = nil
}

func (s *shjStream) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.free()
}

// nullExtend returns the output rows of a batch of one side's rows that
// match nothing: probe rows of an outer join NULL-extended, probe rows of an
// anti join as they are, build rows of an outer join NULL-extended, build
// (left) rows of an anti join that builds its left side as they are (its
// probe rows never get here: dropProbeRows drops them).
func nullExtend(alloc memory.Allocator, d *joinDef, b arrow.RecordBatch, isProbe bool) (arrow.RecordBatch, error) {
	if d.semiLike() {
		b.Retain()
		return withSchema(b, d.out), nil
	}
	n := int(b.NumRows())
	srcLeft := isProbe == (d.buildSide == BuildRight)
	cols := make([]arrow.Array, 0, d.nLeft+d.nRight)
	for c := 0; c < d.nLeft+d.nRight; c++ {
		left := c < d.nLeft
		if left == srcLeft {
			idx := c
			if !left {
				idx -= d.nLeft
			}
			col := b.Column(idx)
			col.Retain()
			cols = append(cols, col)
		} else {
			cols = append(cols, join.NullArray(alloc, d.joined.Field(c).Type, n))
		}
	}
	out := array.NewRecordBatch(d.out, cols, int64(n))
	releaseArrays(cols)
	return out, nil
}
