package shuffle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/resource"
)

// heapAlloc allocates a row shuffle's buffers on the Go heap: row operators'
// memory is heap, charged through reservations rather than counted by an
// Arrow allocator.
var heapAlloc = memory.NewGoAllocator()

// rowTimeSample is the sampling period of a RowWriter's split time: one
// Write in rowTimeSample is timed, weighted by rowTimeSample (a clock read
// per row would cost as much as the write).
const rowTimeSample = 64

// RowWriter writes the output of one map task of a row shuffle (the
// exchange of the row fallback path, spark.gluten.sql.columnar.exchange=
// false): rows are routed to their reduce partition (rows.HashFields for
// hash partitioning, which agrees with the columnar writer's hash),
// appended length-prefixed to the partition's buffer, and cut into blocks
// that go through the same codecs, spills, data and index files and map
// statuses as the columnar shuffle's. Its buffers are Go heap, reserved from
// the task's heap pool. Write, Commit and Close are used as Writer's. A
// RowWriter is not safe for concurrent use; but between its calls, when
// another consumer of the task cannot get its memory, the writer spills
// its buffers on that consumer's request (see fileWriter).
type RowWriter struct {
	fileWriter
	layout *rows.Layout
	part   Partitioning
	rr     int
	// RangePartitioning: bound rows of the layout (key fields set, the
	// others NULL) and their comparator.
	cmp    *rows.Comparator
	bounds *rows.Buffer
	rp     rowParts
	writes int64
}

// rowParts are a row writer's partition buffers: [u32 length][row] ...
type rowParts struct {
	bufs []growBuf
	rows []int
}

func (r *rowParts) format() byte       { return formatRows }
func (r *rowParts) buffered(p int) int { return r.rows[p] }
func (r *rowParts) block(p int) rawBlock {
	return bytesBlock(r.bufs[p].bytes())
}
func (r *rowParts) reset(p int) { r.rows[p], r.bufs[p].n = 0, 0 }
func (r *rowParts) releaseAll() {
	for p := range r.bufs {
		r.bufs[p].release()
		r.rows[p] = 0
	}
}

// bytesBlock is a raw block held as one byte slice.
type bytesBlock []byte

func (b bytesBlock) size() int                 { return len(b) }
func (b bytesBlock) encode(dst []byte) int     { return copy(dst, b) }
func (b bytesBlock) writeTo(w io.Writer) error { _, err := w.Write(b); return err }

// NewRowWriter returns the writer of map task opts.MapIndex of a row
// shuffle of rows of layout (whose schema must be opts.Schema's, if set).
// opts.Alloc is not used: the buffers are Go heap.
func NewRowWriter(opts WriterOptions, layout *rows.Layout) (*RowWriter, error) {
	if layout == nil {
		return nil, errors.New("shuffle: row writer without a layout")
	}
	schema := layout.Schema()
	part := opts.Partitioning
	if err := part.validate(schema); err != nil {
		return nil, err
	}
	w := &RowWriter{layout: layout, part: part}
	switch part.Kind {
	case RoundRobinPartitioning:
		w.rr = int((uint64(opts.MapIndex)*0x9E3779B97F4A7C15)>>33) % part.N
	case RangePartitioning:
		if err := w.initRange(schema); err != nil {
			return nil, err
		}
	}
	w.rp.bufs = make([]growBuf, part.N)
	w.rp.rows = make([]int, part.N)
	opts.Partitioning = part
	opts.Alloc = heapAlloc
	if err := w.init(&opts, resource.Heap, &w.rp); err != nil {
		return nil, err
	}
	w.acceptSpillRequests() // Write holds mu
	return w, nil
}

// initRange converts the bounds into rows of the layout.
func (w *RowWriter) initRange(schema *arrow.Schema) error {
	keys := make([]rows.SortKey, 0, len(w.part.SortKeys))
	boundCol := make([]int, schema.NumFields())
	for i := range boundCol {
		boundCol[i] = -1
	}
	for i, k := range w.part.SortKeys {
		keys = append(keys, rows.SortKey{Column: k.Column, Descending: k.Descending, NullsFirst: k.NullsFirst})
		if boundCol[k.Column] < 0 {
			boundCol[k.Column] = i
		}
	}
	nb := int(w.part.Bounds.NumRows())
	cols := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		if b := boundCol[i]; b >= 0 {
			cols[i] = w.part.Bounds.Column(b)
			cols[i].Retain()
		} else {
			cols[i] = array.MakeArrayOfNull(heapAlloc, f.Type, nb)
		}
	}
	batch := array.NewRecordBatch(schema, cols, int64(nb))
	for _, c := range cols {
		c.Release()
	}
	defer batch.Release()
	w.bounds = rows.NewBuffer()
	if err := rows.AppendBatch(w.layout, batch, w.bounds); err != nil {
		return fmt.Errorf("shuffle: range bounds: %w", err)
	}
	w.cmp = rows.NewComparator(w.layout, keys)
	return nil
}

// partition returns the reduce partition of row r.
func (w *RowWriter) partition(r rows.Row) int {
	switch w.part.Kind {
	case HashPartitioning:
		return int(rows.HashFields(w.layout, r, w.part.Keys) % uint64(w.part.N))
	case RoundRobinPartitioning:
		p := w.rr
		if w.rr++; w.rr == w.part.N {
			w.rr = 0
		}
		return p
	case RangePartitioning:
		lo, hi := 0, w.bounds.Len()
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if w.cmp.Compare(r, w.bounds.Row(m)) > 0 {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo
	}
	return 0
}

// Write adds a row (borrowed: it is copied) to the map output.
func (w *RowWriter) Write(r rows.Row) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	w.writes++
	if w.writes%rowTimeSample != 0 {
		return w.write(r)
	}
	start := time.Now()
	c0, s0 := w.metrics.CompressTime, w.metrics.SpillTime
	err := w.write(r)
	el := int64(time.Since(start))
	own := el - (w.metrics.CompressTime - c0) - (w.metrics.SpillTime - s0)
	w.metrics.SplitTime += rowTimeSample * own
	w.metrics.WallTime += rowTimeSample*own + (w.metrics.CompressTime - c0) + (w.metrics.SpillTime - s0)
	return err
}

func (w *RowWriter) write(r rows.Row) error {
	if len(r) < w.layout.FixedSize() || len(r) > maxBlockBytes-4 {
		return w.fail(fmt.Errorf("a row of %d bytes for a layout of %d fixed bytes", len(r), w.layout.FixedSize()))
	}
	p := w.partition(r)
	w.metrics.InputRows++
	b := &w.rp.bufs[p]
	need := b.n + 4 + len(r)
	if d := int64(b.growth(need)); d > 0 && !w.tryReserve(d) {
		if w.held > 0 {
			if err := w.spill(); err != nil {
				return w.fail(err)
			}
			d = int64(b.growth(4 + len(r)))
			need = 4 + len(r)
		}
		if !w.tryReserve(d) {
			if err := w.resv.Grow(d); err != nil {
				return w.fail(err)
			}
			w.held += d
			w.metrics.PeakBytes = max(w.metrics.PeakBytes, w.held)
		}
	}
	buf := b.ensure(w.alloc, need)
	binary.LittleEndian.PutUint32(buf[b.n:], uint32(len(r)))
	copy(buf[b.n+4:], r)
	b.n = need
	w.rp.rows[p]++
	w.partRows[p]++
	w.metrics.OutputRows++
	if w.full(p, b.n) {
		if err := w.flush(p); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// Commit writes the data and index files and returns the map status.
func (w *RowWriter) Commit() (MapStatus, error) {
	start := time.Now()
	defer func() { w.metrics.WallTime += int64(time.Since(start)) }()
	return w.commit()
}

// Close frees the writer's memory and, unless Commit succeeded, removes
// every file it made. It is safe to call twice.
func (w *RowWriter) Close() { w.close() }

// Metrics returns the writer's figures so far (InputBatches is 0: rows come
// one by one).
func (w *RowWriter) Metrics() WriterMetrics { return w.metrics }

// PartitionRows returns the rows written to each reduce partition.
func (w *RowWriter) PartitionRows() []int64 { return append([]int64(nil), w.partRows...) }

// RowReaderOptions configure a RowReader.
type RowReaderOptions struct {
	// Layout is the layout of the shuffle's rows.
	Layout *rows.Layout
	// Memory is the reading task's budget: the map statuses and the
	// reader's block buffers are charged to its heap pool. nil: no limit.
	Memory *resource.TaskMemory
}

// RowReader reads reduce partitions [start, end) of a row shuffle, map task
// by map task, block by block. It is not safe for concurrent use.
type RowReader struct {
	src      *blockSource
	layout   *rows.Layout
	resv     *resource.Reservation // statuses
	bufResv  *resource.Reservation // payload and raw buffers
	payload  []byte
	raw      []byte
	pos      int
	metrics  ReaderMetrics
	closed   bool
	varField []int
}

// NewRowReader returns a reader of partitions [start, end) of the row
// shuffle whose map outputs statuses describes. Like NewReader it charges
// the statuses to the heap pool and fails with the out-of-memory error when
// they do not fit.
func NewRowReader(statuses []MapStatus, start, end int, opts RowReaderOptions) (*RowReader, error) {
	if opts.Layout == nil {
		return nil, errors.New("shuffle: row reader without a layout")
	}
	r := &RowReader{layout: opts.Layout}
	for i := 0; i < opts.Layout.NumFields(); i++ {
		if opts.Layout.Kind(i).Variable() {
			r.varField = append(r.varField, i)
		}
	}
	src, err := newBlockSource(statuses, start, end, formatRows, &r.metrics)
	if err != nil {
		return nil, err
	}
	r.src = src
	if r.resv, err = chargeStatuses(opts.Memory, statuses, &r.metrics); err != nil {
		return nil, err
	}
	r.bufResv = opts.Memory.NewReservation("ShuffleReader row blocks", resource.Heap)
	return r, nil
}

// Metrics returns the reader's figures so far.
func (r *RowReader) Metrics() ReaderMetrics { return r.metrics }

// grow returns b with capacity for n bytes, charging growth to the heap.
func (r *RowReader) grow(b []byte, n int) ([]byte, error) {
	if cap(b) >= n {
		return b[:n], nil
	}
	c := grownCap(cap(b), n)
	if err := r.bufResv.Grow(int64(c - cap(b))); err != nil {
		return nil, fmt.Errorf("shuffle: reading a row block of %d bytes: %w", n, err)
	}
	return make([]byte, n, c), nil
}

// Next returns the next row, valid until the following call, or io.EOF.
func (r *RowReader) Next() (rows.Row, error) {
	if r.closed {
		return nil, errors.New("shuffle: read from a closed reader")
	}
	for r.pos >= len(r.raw) {
		h, payload, err := r.src.next(func(h blockHeader) ([]byte, error) {
			var err error
			if h.codec == CodecNone {
				r.raw, err = r.grow(r.raw, h.payload)
				return r.raw, err
			}
			r.payload, err = r.grow(r.payload, h.payload)
			return r.payload, err
		})
		if err != nil {
			r.raw, r.pos = r.raw[:0], 0
			return nil, err
		}
		if h.codec != CodecNone {
			if r.raw, err = r.grow(r.raw, h.raw); err != nil {
				return nil, err
			}
			t := time.Now()
			err := decompress(h.codec, r.raw, payload)
			r.metrics.DecompressTime += int64(time.Since(t))
			if err != nil {
				return nil, fmt.Errorf("shuffle: data file %s: %w", r.src.where, err)
			}
		}
		r.raw = r.raw[:h.raw]
		r.pos = 0
	}
	if len(r.raw)-r.pos < 4 {
		return nil, fmt.Errorf("shuffle: data file %s: %w: row block ends inside a row length", r.src.where, errCorrupt)
	}
	n := int(binary.LittleEndian.Uint32(r.raw[r.pos:]))
	if n > len(r.raw)-r.pos-4 {
		return nil, fmt.Errorf("shuffle: data file %s: %w: row of %d bytes past the end of its block", r.src.where, errCorrupt, n)
	}
	row := rows.Row(r.raw[r.pos+4 : r.pos+4+n : r.pos+4+n])
	r.pos += 4 + n
	if err := r.check(row); err != nil {
		return nil, fmt.Errorf("shuffle: data file %s: %w", r.src.where, err)
	}
	return row, nil
}

// check verifies that row is a row of the layout whose variable-length
// values lie inside it.
func (r *RowReader) check(row rows.Row) error {
	if len(row) < r.layout.FixedSize() {
		return fmt.Errorf("%w: row of %d bytes, the layout has %d fixed bytes", errCorrupt, len(row), r.layout.FixedSize())
	}
	for _, i := range r.varField {
		if r.layout.IsNull(row, i) {
			continue
		}
		s := r.layout.Slot(row, i)
		if off, n := s>>32, s&0xFFFFFFFF; off+n > uint64(len(row)) || off < uint64(r.layout.FixedSize()) {
			return fmt.Errorf("%w: field %d of a row lies outside it", errCorrupt, i)
		}
	}
	return nil
}

// Close frees what the reader holds. It is safe to call twice.
func (r *RowReader) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.src.close()
	r.payload, r.raw = nil, nil
	r.bufResv.Free()
	r.resv.Free()
}
