package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// rowMix is MurmurHash3's 64-bit finalizer, a bijection.
func rowMix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// rowPartitioner writes rows into graceFanout row spill files by the hash
// of their key fields.
type rowPartitioner struct {
	dir   string
	l     *rows.Layout
	keys  []int
	seed  uint64
	files spillFiles
	w     [graceFanout]*spill.RowWriter
	nullW *spill.RowWriter
	// rows counts the rows added, nullRows those with a NULL key.
	rows, nullRows int64
}

func newRowPartitioner(dir string, l *rows.Layout, keys []int, level int, files spillFiles) *rowPartitioner {
	return &rowPartitioner{dir: dir, l: l, keys: keys, seed: partitionSeed(level), files: files}
}

// add writes r (borrowed) to its partition; a row with a NULL key goes to
// the NULL file, or is dropped with dropNull; a row of a partition p with
// keep != nil and !keep[p] is dropped.
func (rp *rowPartitioner) add(r rows.Row, dropNull bool, keep *[graceFanout]bool) error {
	rp.rows++
	var w **spill.RowWriter
	if anyNullKey(rp.l, r, rp.keys) {
		rp.nullRows++
		if dropNull {
			return nil
		}
		w = &rp.nullW
	} else {
		p := partitionOf(rowMix(rows.HashFields(rp.l, r, rp.keys) ^ rp.seed))
		if keep != nil && !keep[p] {
			return nil
		}
		w = &rp.w[p]
	}
	if *w == nil {
		nw, err := spill.NewRowWriter(rp.dir, spill.DefaultCodec)
		if err != nil {
			return fmt.Errorf("creating a join spill file: %w", err)
		}
		*w = nw
		rp.files.add(nw.Path())
	}
	if err := (*w).Write(r); err != nil {
		return fmt.Errorf("writing a join spill file: %w", err)
	}
	return nil
}

// finish closes the files and returns the partitions, the NULL-key file and
// the bytes written.
func (rp *rowPartitioner) finish() ([graceFanout]spillFile, spillFile, int64, error) {
	var out [graceFanout]spillFile
	var total int64
	var firstErr error
	closeOne := func(w *spill.RowWriter) spillFile {
		if w == nil {
			return spillFile{}
		}
		n, err := w.Close()
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("closing a join spill file: %w", err)
		}
		total += n
		return spillFile{path: w.Path(), rows: w.Rows(), bytes: n}
	}
	for p, w := range rp.w {
		out[p] = closeOne(w)
	}
	null := closeOne(rp.nullW)
	return out, null, total, firstErr
}

// rowSpillStream reads a row spill file as a RowStream and removes the file
// when closed.
type rowSpillStream struct {
	ctx   context.Context
	r     *spill.RowReader
	path  string
	files spillFiles
	n     int
}

func openRowSpillStream(ctx context.Context, f spillFile, files spillFiles) (RowStream, error) {
	if f.path == "" {
		return rowEmptyStream{}, nil
	}
	r, err := spill.OpenRows(f.path)
	if err != nil {
		return nil, fmt.Errorf("reading a join spill file: %w", err)
	}
	return &rowSpillStream{ctx: ctx, r: r, path: f.path, files: files}, nil
}

func (s *rowSpillStream) Next() (rows.Row, error) {
	if s.r == nil {
		return nil, io.EOF
	}
	if err := rowCanceled(s.ctx, &s.n); err != nil {
		return nil, err
	}
	r, err := s.r.Next()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading a join spill file: %w", err)
	}
	return r, err
}

func (s *rowSpillStream) Close() {
	if s.r != nil {
		s.r.Close()
		s.r = nil
		s.files.remove(s.path)
	}
}

// rowShjStream runs one partition of a RowShuffledHashJoin, as shjStream
// does for the columnar join: the build rows go into a Go-heap buffer and
// hash table reserved from the task's heap budget, and both sides spill by
// key hash into partitions when they do not fit. While it collects the
// build side from its child, it also spills when another consumer of the
// task asks it to (spillRequested); once the relation is built it cannot.
type rowShjStream struct {
	j     *RowShuffledHashJoin
	ctx   context.Context
	task  *TaskContext
	part  int
	files spillFiles
	m     joinMetrics
	gauge rowHeapGauge

	res     *resource.Reservation
	started bool
	err     error
	in      RowStream // the child or spill stream being read
	probe   RowStream
	rel     *rowRelation
	eng     *rowProbe
	state   int
	work    []gracePart
	nullIn  RowStream
	// nullProbe: the NULL-key rows being passed through are probe rows.
	nullProbe bool
	nullEng   *rowProbe // writes the NULL-extended rows
	n         int

	// mu guards the stream's state against spill requests, which come from
	// other consumers of the task, on their goroutines or up this stack:
	// Next holds it, except while start waits on the build child. While
	// building, buf holds the build rows in memory (held bytes of them
	// reserved) and rp, once the build side spilled, its partitions.
	// spillErr is a request's failure.
	mu       sync.Mutex
	building bool
	buf      *rows.Buffer
	held     int64
	rp       *rowPartitioner
	spillErr error
}

func (s *rowShjStream) buildChild() Node {
	if s.j.def.buildSide == BuildRight {
		return s.j.children[1]
	}
	return s.j.children[0]
}

func (s *rowShjStream) probeChild() Node {
	if s.j.def.buildSide == BuildRight {
		return s.j.children[0]
	}
	return s.j.children[1]
}

func (s *rowShjStream) buildLayout() *rows.Layout {
	if s.j.def.buildSide == BuildRight {
		return s.j.layouts.right
	}
	return s.j.layouts.left
}

func (s *rowShjStream) probeLayout() *rows.Layout {
	if s.j.def.buildSide == BuildRight {
		return s.j.layouts.left
	}
	return s.j.layouts.right
}

func (s *rowShjStream) Next() (rows.Row, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	r, err := s.next()
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
		s.free()
	}
	return r, err
}

func (s *rowShjStream) next() (rows.Row, error) {
	if !s.started {
		s.started = true
		if err := s.start(); err != nil {
			return nil, err
		}
	}
	for {
		if err := rowCanceled(s.ctx, &s.n); err != nil {
			return nil, err
		}
		switch s.state {
		case shjProbe:
			r, ok, err := s.eng.next()
			if err != nil {
				return nil, err
			}
			if ok {
				return r, nil
			}
			pr, err := s.probe.Next()
			if errors.Is(err, io.EOF) {
				s.probe.Close()
				s.probe = nil
				s.state = shjBuildOuter
				continue
			}
			if err != nil {
				return nil, err
			}
			s.eng.push(pr)
		case shjBuildOuter:
			if r, ok := s.eng.buildUnmatched(); ok {
				return r, nil
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
			r, err := s.nullIn.Next()
			if errors.Is(err, io.EOF) {
				s.nullIn.Close()
				s.nullIn = nil
				s.state = shjNextPart
				continue
			}
			if err != nil {
				return nil, err
			}
			return s.nullRow(r), nil
		case shjDone:
			s.free()
			return nil, io.EOF
		}
	}
}

// nullRow returns the output of a row of one side that matches nothing.
func (s *rowShjStream) nullRow(r rows.Row) rows.Row {
	d := s.j.def
	if d.semiLike() {
		return r
	}
	if s.nullEng == nil {
		s.nullEng = newRowProbe(d, nil, s.j.layouts, &rowRelation{layout: s.buildLayout(), buf: rows.NewBuffer()})
	}
	e := s.nullEng
	if s.nullProbe {
		e.cur = r
		return e.writeJoined(-1, false)
	}
	e.rel.buf.Reset()
	e.rel.buf.Append(r)
	return e.writeJoined(0, true)
}

// start collects the build side and either builds the relation or spills.
func (s *rowShjStream) start() error {
	d := s.j.def
	s.res = s.task.Memory.NewReservation(fmt.Sprintf("%s build (partition %d)", s.j.Name(), s.part), resource.Heap)
	in, err := executeRows(s.buildChild(), s.ctx, s.part, s.task)
	if err != nil {
		return err
	}
	s.in = in
	s.buf, s.held, s.rp = rows.NewBuffer(), 0, nil
	s.building = true
	s.res.SetSpiller(s.spillRequested)
	defer func() {
		// Past the build child (or failed): nothing to spill on request.
		s.building = false
		s.buf, s.held, s.rp = nil, 0, nil
	}()
	var total int64
	for {
		if err := rowCanceled(s.ctx, &s.n); err != nil {
			return err
		}
		r, err := s.pullBuild()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		total++
		if s.rp != nil {
			if err := s.rp.add(r, !d.buildOuter(), nil); err != nil {
				return err
			}
			continue
		}
		s.buf.Append(r)
		if sz := s.buf.Bytes(); sz > s.held {
			if !s.res.TryGrow(sz - s.held) {
				s.rp = newRowPartitioner(s.task.TempDir, s.buildLayout(), d.buildKeys(), 0, s.files)
				if err := s.spillBuffer(s.rp, s.buf); err != nil {
					return err
				}
				s.buf, s.held = nil, 0
				continue
			}
			s.held = sz
			s.gauge.set(s.held)
		}
	}
	s.building = false
	in.Close()
	s.in = nil
	s.m.buildRows.Add(total)
	buf, rp := s.buf, s.rp
	if rp == nil {
		ok, err := s.tryBuild(buf)
		if err != nil {
			return err
		}
		if ok && s.eng.skipAll {
			s.state = shjDone // NOT IN over a set holding NULL
			return nil
		}
		if ok {
			probe, err := executeRows(s.probeChild(), s.ctx, s.part, s.task)
			if err != nil {
				return err
			}
			s.probe = probe
			s.state = shjProbe
			return nil
		}
		rp = newRowPartitioner(s.task.TempDir, s.buildLayout(), d.buildKeys(), 0, s.files)
		if err := s.spillBuffer(rp, buf); err != nil {
			return err
		}
	}
	return s.graceStart(rp)
}

// pullBuild returns the build child's next row. The state lock is released
// meanwhile: the child's work (and whatever runs beside it) may ask the join
// to spill what it holds. A spill request that failed meanwhile fails the
// stream.
func (s *rowShjStream) pullBuild() (rows.Row, error) {
	r, err := s.pullUnlocked()
	if s.spillErr != nil {
		return nil, s.spillErr
	}
	return r, err
}

func (s *rowShjStream) pullUnlocked() (rows.Row, error) {
	s.mu.Unlock()
	defer s.mu.Lock() // also when the child panics: Next's deferred Unlock needs it
	return s.in.Next()
}

// spillRequested is the row join's resource.Spiller: while the build side
// is collected (and the stream waits on its child), it writes the build
// rows held in memory to grace partitions, as when its own reservation
// fails, and returns the bytes given back. Afterwards it frees nothing.
func (s *rowShjStream) spillRequested(need int64) (int64, error) {
	if !s.mu.TryLock() {
		return 0, nil // busy, up this stack or on the stream's goroutine
	}
	defer s.mu.Unlock()
	if !s.building || s.rp != nil || s.buf == nil || s.buf.Len() == 0 || s.spillErr != nil {
		return 0, nil
	}
	before := s.res.Size()
	s.rp = newRowPartitioner(s.task.TempDir, s.buildLayout(), s.j.def.buildKeys(), 0, s.files)
	err := s.spillBuffer(s.rp, s.buf)
	s.buf, s.held = nil, 0
	freed := max(0, before-s.res.Size())
	if err != nil {
		s.spillErr = fmt.Errorf("%s: spilling on request: %w", s.j.Name(), err)
		return freed, s.spillErr
	}
	return freed, nil
}

// spillBuffer writes buf's rows to rp and gives their memory back.
func (s *rowShjStream) spillBuffer(rp *rowPartitioner, buf *rows.Buffer) error {
	for i := 0; i < buf.Len(); i++ {
		if err := rp.add(buf.Row(i), !s.j.def.buildOuter(), nil); err != nil {
			return err
		}
	}
	s.res.Shrink(s.res.Size())
	s.gauge.set(0)
	return nil
}

// tryBuild builds the relation of buf (whose rows are reserved) if its hash
// table can be reserved too; false if not.
func (s *rowShjStream) tryBuild(buf *rows.Buffer) (bool, error) {
	d := s.j.def
	n := buf.Len()
	need := rowTableBytes(n, int64(n)*int64(16+8*len(d.buildKeys())))
	if !s.res.TryGrow(need) {
		return false, nil
	}
	t := time.Now()
	rel := &rowRelation{layout: s.buildLayout(), buf: buf, table: buildRowHashTable(s.buildLayout(), buf, d.buildKeys())}
	s.m.buildTime.Add(int64(time.Since(t)))
	s.m.tableBytes.Add(rel.table.bytes())
	s.rel = rel
	s.eng = newRowProbe(d, s.j.cond, s.j.layouts, rel)
	held := rel.bytes() + s.eng.heapBytes()
	if !s.res.Resize(held) {
		s.res.Resize(s.res.Size()) // the estimate fell short; keep what is reserved
	}
	s.gauge.set(max(held, s.res.Size()))
	return true, nil
}

// dropProbeRows reports whether probe rows that cannot match may be
// dropped.
func (s *rowShjStream) dropProbeRows() bool {
	d := s.j.def
	return !d.probeOuter() && d.typ != LeftAntiJoin
}

// graceStart finishes spilling the build side into rp, spills the probe
// side alike, and queues the partitions.
func (s *rowShjStream) graceStart(rp *rowPartitioner) error {
	d := s.j.def
	bfiles, bnull, bytes, err := rp.finish()
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
	if d.typ == NullAwareAntiJoin && rp.rows > 0 && rp.nullRows > 0 {
		for _, f := range bfiles {
			s.files.remove(f.path)
		}
		s.files.remove(bnull.path)
		s.state = shjDone
		return nil
	}
	in, err := executeRows(s.probeChild(), s.ctx, s.part, s.task)
	if err != nil {
		return err
	}
	s.in = in
	drop := s.dropProbeRows()
	var keep *[graceFanout]bool
	if drop {
		keep = new([graceFanout]bool)
		for p, f := range bfiles {
			keep[p] = f.rows > 0
		}
	}
	pp := newRowPartitioner(s.task.TempDir, s.probeLayout(), d.probeKeys(), 0, s.files)
	if err := s.drainInto(in, pp, drop, keep); err != nil {
		return err
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

// drainInto writes every row of in to rp.
func (s *rowShjStream) drainInto(in RowStream, rp *rowPartitioner, dropNull bool, keep *[graceFanout]bool) error {
	for {
		if err := rowCanceled(s.ctx, &s.n); err != nil {
			return err
		}
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := rp.add(r, dropNull, keep); err != nil {
			return err
		}
	}
}

// queue puts the partitions of one split at the front of the work list.
func (s *rowShjStream) queue(bfiles, pfiles [graceFanout]spillFile, level int) {
	var parts []gracePart
	for p := range bfiles {
		if bfiles[p].path == "" && pfiles[p].path == "" {
			continue
		}
		parts = append(parts, gracePart{build: bfiles[p], probe: pfiles[p], level: level})
	}
	s.work = append(parts, s.work...)
}

// loadPart starts joining a spill partition.
func (s *rowShjStream) loadPart(gp gracePart) error {
	d := s.j.def
	if gp.level < 0 {
		f := gp.build
		s.nullProbe = gp.probe.path != ""
		if s.nullProbe {
			f = gp.probe
		}
		in, err := openRowSpillStream(s.ctx, f, s.files)
		if err != nil {
			return err
		}
		s.nullIn = in
		s.state = shjNullRows
		return nil
	}
	if (gp.build.rows == 0 && s.dropProbeRows()) || (gp.probe.rows == 0 && !d.buildOuter()) {
		s.files.remove(gp.build.path)
		s.files.remove(gp.probe.path)
		return nil
	}
	in, err := openRowSpillStream(s.ctx, gp.build, s.files)
	if err != nil {
		return err
	}
	s.in = in
	buf := rows.NewBuffer()
	var held int64
	for {
		if err := rowCanceled(s.ctx, &s.n); err != nil {
			return err
		}
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		buf.Append(r)
		if sz := buf.Bytes(); sz > held {
			if !s.res.TryGrow(sz - held) {
				return s.split(gp, buf, in)
			}
			held = sz
			s.gauge.set(held)
		}
	}
	ok, err := s.tryBuild(buf)
	if err != nil {
		return err
	}
	if !ok {
		return s.split(gp, buf, in)
	}
	in.Close()
	s.in = nil
	probe, err := openRowSpillStream(s.ctx, gp.probe, s.files)
	if err != nil {
		return err
	}
	s.probe = probe
	s.state = shjProbe
	return nil
}

// split partitions a spill partition (the rows of buf, then the rest of in,
// and its probe file) again, one level deeper.
func (s *rowShjStream) split(gp gracePart, buf *rows.Buffer, in RowStream) error {
	d := s.j.def
	level := gp.level + 1
	need := buf.Bytes()
	if level >= graceMaxLevel {
		s.res.Shrink(s.res.Size())
		s.gauge.set(0)
		return joinOOM(s.j.Name(), s.res, need, gp.build.rows)
	}
	rp := newRowPartitioner(s.task.TempDir, s.buildLayout(), d.buildKeys(), level, s.files)
	if err := s.spillBuffer(rp, buf); err != nil {
		return err
	}
	if err := s.drainInto(in, rp, !d.buildOuter(), nil); err != nil {
		return err
	}
	in.Close()
	s.in = nil
	bfiles, _, bytes, err := rp.finish()
	if err != nil {
		return err
	}
	parts := 0
	for _, f := range bfiles {
		if f.path != "" {
			parts++
		}
		if f.rows == gp.build.rows && gp.build.rows > 1 {
			for _, g := range bfiles {
				s.files.remove(g.path)
			}
			return joinOOM(s.j.Name(), s.res, need, gp.build.rows)
		}
	}
	s.m.spilled(bytes, parts)
	pin, err := openRowSpillStream(s.ctx, gp.probe, s.files)
	if err != nil {
		return err
	}
	s.in = pin
	var keep *[graceFanout]bool
	if s.dropProbeRows() {
		keep = new([graceFanout]bool)
		for p, f := range bfiles {
			keep[p] = f.rows > 0
		}
	}
	pp := newRowPartitioner(s.task.TempDir, s.probeLayout(), d.probeKeys(), level, s.files)
	if err := s.drainInto(pin, pp, true, keep); err != nil {
		return err
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

// dropRelation frees the current relation.
func (s *rowShjStream) dropRelation() {
	s.eng = nil
	s.rel = nil
	if s.res != nil {
		s.res.Shrink(s.res.Size())
	}
	s.gauge.set(0)
}

// free releases everything and removes the spill files.
func (s *rowShjStream) free() {
	for _, st := range []*RowStream{&s.in, &s.probe, &s.nullIn} {
		if *st != nil {
			(*st).Close()
			*st = nil
		}
	}
	s.building = false
	s.buf, s.held, s.rp = nil, 0, nil
	s.dropRelation()
	if s.res != nil {
		s.res.SetSpiller(nil)
		s.res.Free()
	}
	s.gauge.release()
	s.files.removeAll()
	s.work = nil
}

func (s *rowShjStream) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.free()
}

// rowBroadcastStream streams one partition of the streamed side through a
// broadcast row relation.
type rowBroadcastStream struct {
	ctx   context.Context
	in    RowStream
	eng   *rowProbe
	gauge rowHeapGauge
	err   error
	n     int
}

func (s *rowBroadcastStream) Next() (rows.Row, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.eng == nil || s.eng.skipAll {
		return nil, io.EOF
	}
	for {
		if err := rowCanceled(s.ctx, &s.n); err != nil {
			s.err = err
			return nil, err
		}
		if s.n&(rowCheckEvery-1) == 0 {
			s.gauge.set(s.eng.heapBytes())
		}
		r, ok, err := s.eng.next()
		if err != nil {
			s.err = err
			return nil, err
		}
		if ok {
			return r, nil
		}
		pr, err := s.in.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			return nil, err
		}
		s.eng.push(pr)
	}
}

func (s *rowBroadcastStream) Close() {
	if s.in != nil {
		s.in.Close()
		s.in = nil
	}
	s.eng = nil
	s.gauge.release()
}

// executeRowBroadcastJoin starts partition p of a row broadcast join.
func executeRowBroadcastJoin(ctx context.Context, p int, task *TaskContext, d *joinDef, cond rowexpr.Expr,
	lay *rowJoinLayouts, bx *BroadcastExchange, stream Node, m *Metrics, heap rowHeapMetrics, nested bool) (RowStream, error) {
	rel, err := bx.rowRelation(task)
	if err != nil {
		return nil, err
	}
	if !nested && rel.table == nil {
		return nil, fmt.Errorf("BroadcastExchange [plan_id=%d] has no hash table", bx.planID)
	}
	in, err := executeRows(stream, ctx, p, task)
	if err != nil {
		return nil, err
	}
	eng := newRowProbe(d, cond, lay, rel)
	if nested {
		eng.enc = nil
	}
	s := &rowBroadcastStream{ctx: ctx, in: in, eng: eng, gauge: rowHeapGauge{m: heap}}
	return meteredRowStream(s, m), nil
}
