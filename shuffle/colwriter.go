package shuffle

import (
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/resource"
)

// Writer writes the output of one map task of a columnar shuffle, as
// Gluten's hash-based shuffle writer does: each input batch is split by
// reduce partition, column by column, into per-partition Arrow buffers;
// a partition that has buffered a block's worth of rows is serialized and
// compressed into a block kept in memory; every byte held is reserved from
// the task's off-heap budget, and when a reservation fails the writer
// spills (every partition's blocks and buffered rows, in partition order)
// to a file under the task's directory and frees the memory. Commit merges
// the spills and what is in memory into one data file per map task, the
// partitions' segments in partition order, plus an index of their offsets,
// and returns the map status.
//
// Call Write for each batch, then Commit, then Close. Close without a
// successful Commit (or after an error) removes every file the writer
// made. A Writer is not safe for concurrent use.
type Writer struct {
	fileWriter
	schema *arrow.Schema
	bp     *batchPartitioner
	cp     colParts
}

// colParts are a columnar writer's partition buffers.
type colParts struct {
	parts  [][]*colBuf // [partition][column]
	rows   []int
	layout rawLayout
}

func (c *colParts) format() byte         { return formatColumnar }
func (c *colParts) buffered(p int) int   { return c.rows[p] }
func (c *colParts) block(p int) rawBlock { return c.blockOf(p) }

func (c *colParts) blockOf(p int) *rawLayout {
	c.layout.reset()
	c.layout.rows = c.rows[p]
	for _, col := range c.parts[p] {
		col.layout(&c.layout)
	}
	return &c.layout
}

func (c *colParts) reset(p int) {
	c.rows[p] = 0
	for _, col := range c.parts[p] {
		col.reset()
	}
}

func (c *colParts) releaseAll() {
	for p, cols := range c.parts {
		c.rows[p] = 0
		for _, col := range cols {
			col.release()
		}
	}
}

// rawBytes estimates partition p's raw block size.
func (c *colParts) rawBytes(p int) int {
	n := 0
	for _, col := range c.parts[p] {
		n += col.usedBytes()
	}
	return n
}

func (c *colBuf) usedBytes() int {
	n := c.valid.n + c.vals.n + c.data.n
	if c.child != nil {
		n += c.child.usedBytes()
	}
	return n
}

// NewWriter returns the writer of map task opts.MapIndex of shuffle
// opts.ShuffleID.
func NewWriter(opts WriterOptions) (*Writer, error) {
	if err := CheckSchema(opts.Schema); err != nil {
		return nil, err
	}
	bp, err := newBatchPartitioner(opts.Schema, opts.Partitioning, opts.MapIndex)
	if err != nil {
		return nil, err
	}
	opts.Partitioning = bp.part
	w := &Writer{schema: opts.Schema, bp: bp}
	n := bp.part.N
	w.cp.parts = make([][]*colBuf, n)
	w.cp.rows = make([]int, n)
	for p := range w.cp.parts {
		cols := make([]*colBuf, opts.Schema.NumFields())
		for i, f := range opts.Schema.Fields() {
			cols[i] = newColBuf(f.Type)
		}
		w.cp.parts[p] = cols
	}
	if err := w.init(&opts, resource.OffHeap, &w.cp); err != nil {
		return nil, err
	}
	w.acceptSpillRequests()
	return w, nil
}

// Write adds a batch (borrowed) to the map output.
func (w *Writer) Write(b arrow.RecordBatch) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	start := time.Now()
	c0, s0 := w.metrics.CompressTime, w.metrics.SpillTime
	defer func() {
		el := int64(time.Since(start))
		w.metrics.WallTime += el
		w.metrics.SplitTime += el - (w.metrics.CompressTime - c0) - (w.metrics.SpillTime - s0)
	}()
	if err := w.checkBatch(b); err != nil {
		return w.fail(err)
	}
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	w.metrics.InputRows += int64(n)
	w.metrics.InputBatches++
	if err := w.bp.split(b); err != nil {
		return w.fail(err)
	}
	for p := 0; p < w.n; p++ {
		if idx := w.bp.rows(p); len(idx) > 0 {
			if err := w.appendRows(p, b, idx); err != nil {
				return w.fail(err)
			}
		}
	}
	return nil
}

func (w *Writer) checkBatch(b arrow.RecordBatch) error {
	if int(b.NumCols()) != w.schema.NumFields() {
		return fmt.Errorf("batch of %d columns, the shuffle's schema has %d", b.NumCols(), w.schema.NumFields())
	}
	for i, c := range b.Columns() {
		if want := w.schema.Field(i).Type; !arrow.TypeEqual(c.DataType(), want) {
			return fmt.Errorf("column %d (%q) has type %s, the shuffle's schema %s", i, w.schema.Field(i).Name, c.DataType(), want)
		}
		if c.Len() != int(b.NumRows()) {
			return fmt.Errorf("column %d (%q) has %d values in a batch of %d rows", i, w.schema.Field(i).Name, c.Len(), b.NumRows())
		}
	}
	return nil
}

// prepare plans appending rows idx of b to partition p and returns the
// bytes of memory it adds.
func (w *Writer) prepare(p int, b arrow.RecordBatch, idx []int32) (int64, error) {
	var delta int64
	for c, col := range w.cp.parts[p] {
		d, err := col.prepare(b.Column(c), idx)
		if err != nil {
			return 0, err
		}
		delta += int64(d)
	}
	return delta, nil
}

// appendRows copies rows idx of b into partition p, reserving the memory
// first: when the reservation fails it spills and retries, and when even
// an empty writer cannot hold the rows it appends them in halves. Only a
// single row that does not fit is an out-of-memory error.
func (w *Writer) appendRows(p int, b arrow.RecordBatch, idx []int32) error {
	halves := func() error {
		h := len(idx) / 2
		if err := w.appendRows(p, b, idx[:h]); err != nil {
			return err
		}
		return w.appendRows(p, b, idx[h:])
	}
	for {
		delta, err := w.prepare(p, b, idx)
		if errors.Is(err, errTooLarge) {
			switch {
			case w.cp.rows[p] > 0:
				if err := w.flush(p); err != nil {
					return err
				}
				continue
			case len(idx) > 1:
				return halves()
			}
			return fmt.Errorf("partition %d: a value of more than 2 GiB", p)
		}
		if err != nil {
			return fmt.Errorf("partition %d: %w", p, err)
		}
		if w.tryReserve(delta) {
			break
		}
		if w.held > 0 {
			if err := w.spill(); err != nil {
				return err
			}
			continue
		}
		if len(idx) > 1 {
			return halves()
		}
		if err := w.resv.Grow(delta); err != nil {
			return err
		}
		w.held += delta
		w.metrics.PeakBytes = max(w.metrics.PeakBytes, w.held)
		break
	}
	for c, col := range w.cp.parts[p] {
		col.append(w.alloc, b.Column(c), idx)
	}
	w.cp.rows[p] += len(idx)
	w.partRows[p] += int64(len(idx))
	w.metrics.OutputRows += int64(len(idx))
	if w.full(p, w.cp.rawBytes(p)) {
		return w.flush(p)
	}
	return nil
}

// Commit writes the data and index files and returns the map status. The
// writer holds no memory afterwards.
func (w *Writer) Commit() (MapStatus, error) {
	start := time.Now()
	defer func() { w.metrics.WallTime += int64(time.Since(start)) }()
	return w.commit()
}

// Close frees the writer's memory and, unless Commit succeeded, removes
// every file it made. It is safe to call twice.
func (w *Writer) Close() { w.close() }

// Metrics returns the writer's figures so far.
func (w *Writer) Metrics() WriterMetrics { return w.metrics }

// PartitionRows returns the rows written to each reduce partition.
func (w *Writer) PartitionRows() []int64 { return append([]int64(nil), w.partRows...) }

// Status returns the map status after a successful Commit (else nil).
func (w *Writer) Status() MapStatus { return w.status }

// heldBytes returns the bytes of buffer capacity the writer actually holds
// (for tests: it must equal the reservation).
func (w *Writer) heldBytes() int64 {
	var n int64
	for _, cols := range w.cp.parts {
		for _, c := range cols {
			n += c.held()
		}
	}
	n += int64(w.raw.capacity() + w.cbuf.capacity())
	for _, bs := range w.blocks {
		for _, b := range bs {
			n += int64(b.Cap())
		}
	}
	return n
}
