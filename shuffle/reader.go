package shuffle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/resource"
)

// ReaderMetrics are a reduce task's shuffle read figures. Times are
// wall-clock nanoseconds.
type ReaderMetrics struct {
	// BytesRead is the bytes of blocks read from data files.
	BytesRead int64
	// Blocks is the number of blocks read.
	Blocks int64
	// DecompressTime is the time spent decompressing blocks.
	DecompressTime int64
	// DeserializeTime is the time spent building batches (or rows) from
	// decompressed blocks, coalescing small ones included.
	DeserializeTime int64
	// StatusesMemory is the heap charged for the map statuses held.
	StatusesMemory int64
}

// blockSource reads the blocks of reduce partitions [start, end) of every
// map task in map order: for each map task, the segment of its data file
// that the index file gives.
type blockSource struct {
	statuses   []MapStatus
	start, end int
	format     byte
	mi         int // next map task
	f          *os.File
	br         *bufio.Reader
	left       int64 // bytes of the current segment not yet read
	where      string
	offset     int64 // offset in the current data file
	hdr        [blockHeaderSize]byte
	metrics    *ReaderMetrics
}

func newBlockSource(statuses []MapStatus, start, end int, format byte, m *ReaderMetrics) (*blockSource, error) {
	for i, s := range statuses {
		if s == nil {
			return nil, fmt.Errorf("shuffle: missing output of map task %d", i)
		}
		if start < 0 || end < start || end > s.NumPartitions() {
			return nil, fmt.Errorf("shuffle: partition range [%d, %d) out of range [0, %d]", start, end, s.NumPartitions())
		}
	}
	return &blockSource{statuses: statuses, start: start, end: end, format: format, metrics: m}, nil
}

// openNext opens the next map task's segment; it returns false after the
// last one.
func (s *blockSource) openNext() (bool, error) {
	for s.mi < len(s.statuses) {
		st := s.statuses[s.mi]
		s.mi++
		empty := true
		for r := s.start; r < s.end; r++ {
			if st.Size(r) > 0 {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		loc := st.Location()
		from, to, err := readIndex(loc.IndexFile(), s.start, s.end, st.NumPartitions())
		if err != nil {
			return false, fmt.Errorf("shuffle %d, map task %d: %w", loc.ShuffleID, loc.MapIndex, err)
		}
		if from == to {
			continue
		}
		f, err := os.Open(loc.DataFile())
		if err != nil {
			return false, fmt.Errorf("shuffle %d, map task %d: %w", loc.ShuffleID, loc.MapIndex, err)
		}
		s.f = f
		s.where = loc.DataFile()
		s.offset, s.left = from, to-from
		sr := io.NewSectionReader(f, from, to-from)
		if s.br == nil {
			s.br = bufio.NewReaderSize(sr, 64<<10)
		} else {
			s.br.Reset(sr)
		}
		return true, nil
	}
	return false, nil
}

// readIndex returns the offsets of partitions [start, end) in a data file
// from its index file.
func readIndex(path string, start, end, n int) (int64, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	var b [8]byte
	read := func(i int) (int64, error) {
		if _, err := f.ReadAt(b[:], int64(8*i)); err != nil {
			return 0, fmt.Errorf("reading offset %d of index file %s: %w", i, path, truncated(err))
		}
		return int64(binary.LittleEndian.Uint64(b[:])), nil
	}
	from, err := read(start)
	if err != nil {
		return 0, 0, err
	}
	to, err := read(end)
	if err != nil {
		return 0, 0, err
	}
	if from < 0 || to < from {
		return 0, 0, fmt.Errorf("%w: index file %s gives partitions [%d, %d) the bytes [%d, %d)", errCorrupt, path, start, end, from, to)
	}
	return from, to, nil
}

// ReadPartitionRows returns the rows of each of the n reduce partitions a
// map task wrote, from its index file.
func ReadPartitionRows(loc Location, n int) ([]int64, error) {
	b, err := os.ReadFile(loc.IndexFile())
	if err != nil {
		return nil, err
	}
	if len(b) != 8*(2*n+1) {
		return nil, fmt.Errorf("%w: index file %s of %d bytes for %d partitions", errCorrupt, loc.IndexFile(), len(b), n)
	}
	rows := make([]int64, n)
	for p := range rows {
		rows[p] = int64(binary.LittleEndian.Uint64(b[8*(n+1+p):]))
	}
	return rows, nil
}

func (s *blockSource) closeFile() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// next reads the next block's header and, into the slice dst returns for
// its length, its payload. It returns io.EOF after the last block.
func (s *blockSource) next(dst func(h blockHeader) ([]byte, error)) (blockHeader, []byte, error) {
	for {
		if s.f == nil {
			ok, err := s.openNext()
			if err != nil {
				return blockHeader{}, nil, err
			}
			if !ok {
				return blockHeader{}, nil, io.EOF
			}
		}
		if s.left == 0 {
			s.closeFile()
			continue
		}
		fail := func(err error) (blockHeader, []byte, error) {
			return blockHeader{}, nil, fmt.Errorf("shuffle: data file %s at offset %d: %w", s.where, s.offset, err)
		}
		if s.left < blockHeaderSize {
			return fail(fmt.Errorf("%w: %d bytes left in the segment, less than a block header", errCorrupt, s.left))
		}
		if _, err := io.ReadFull(s.br, s.hdr[:]); err != nil {
			return fail(truncated(err))
		}
		h, err := parseBlockHeader(s.hdr[:], s.format)
		if err != nil {
			return fail(err)
		}
		if int64(h.payload) > s.left-blockHeaderSize {
			return fail(fmt.Errorf("%w: block of %d bytes past the end of its segment", errCorrupt, h.payload))
		}
		buf, err := dst(h)
		if err != nil {
			return blockHeader{}, nil, err
		}
		buf = buf[:h.payload]
		if _, err := io.ReadFull(s.br, buf); err != nil {
			return fail(truncated(err))
		}
		n := int64(blockHeaderSize + h.payload)
		s.left -= n
		s.offset += n
		s.metrics.BytesRead += n
		s.metrics.Blocks++
		return h, buf, nil
	}
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated file", errCorrupt)
	}
	return err
}

func (s *blockSource) close() { s.closeFile() }

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// Schema is the shuffle's schema.
	Schema *arrow.Schema
	// Alloc is the reading task's allocator: every batch comes from it.
	Alloc memory.Allocator
	// Memory is the reading task's budget: the map statuses the reader
	// holds are charged to its heap pool. nil: no limit.
	Memory *resource.TaskMemory
	// BatchSize is the target rows of a batch: consecutive blocks smaller
	// than half of it are merged into batches of up to BatchSize rows (<= 0:
	// DefaultBlockRows).
	BatchSize int
}

// maxCoalesceBytes bounds the bytes of a batch merged from small blocks.
const maxCoalesceBytes = 64 << 20

// Reader reads reduce partitions [start, end) of a columnar shuffle: for
// each map task in map order, the blocks of its segment, decompressed and
// deserialized into batches allocated from the reading task's allocator.
// It is not safe for concurrent use.
type Reader struct {
	src       *blockSource
	schema    *arrow.Schema
	alloc     memory.Allocator
	resv      *resource.Reservation
	dec       blockDecoder
	payload   growBuf
	batchSize int
	pending   arrow.RecordBatch
	coal      []*colBuf
	held      arrow.RecordBatch // the first small batch of a merge
	coalRows  int               // rows in the merge buffers
	accRows   int               // rows held or merged
	accBytes  int64
	ident     []int32
	metrics   ReaderMetrics
	closed    bool
}

// NewReader returns a reader of partitions [start, end) of the shuffle
// whose map outputs statuses describes (by map index). The statuses' heap
// size is charged to opts.Memory's heap pool while the reader is open;
// when that does not fit, NewReader fails with the out-of-memory error.
func NewReader(statuses []MapStatus, start, end int, opts ReaderOptions) (*Reader, error) {
	if err := CheckSchema(opts.Schema); err != nil {
		return nil, err
	}
	if opts.Alloc == nil {
		return nil, errors.New("shuffle: reader without an allocator")
	}
	r := &Reader{schema: opts.Schema, alloc: opts.Alloc, batchSize: opts.BatchSize, dec: blockDecoder{schema: opts.Schema}}
	if r.batchSize <= 0 {
		r.batchSize = DefaultBlockRows
	}
	src, err := newBlockSource(statuses, start, end, formatColumnar, &r.metrics)
	if err != nil {
		return nil, err
	}
	r.src = src
	if r.resv, err = chargeStatuses(opts.Memory, statuses, &r.metrics); err != nil {
		return nil, err
	}
	return r, nil
}

// chargeStatuses reserves the statuses' heap size from mem's heap pool.
func chargeStatuses(mem *resource.TaskMemory, statuses []MapStatus, m *ReaderMetrics) (*resource.Reservation, error) {
	resv := mem.NewReservation("ShuffleReader map statuses", resource.Heap)
	size := StatusesMemory(statuses)
	if err := resv.Grow(size); err != nil {
		resv.Free()
		n := 0
		if len(statuses) > 0 {
			n = statuses[0].NumPartitions()
		}
		return nil, fmt.Errorf("shuffle: holding the map statuses of %d map tasks x %d partitions (%d bytes): %w", len(statuses), n, size, err)
	}
	m.StatusesMemory = size
	return resv, nil
}

// Metrics returns the reader's figures so far.
func (r *Reader) Metrics() ReaderMetrics { return r.metrics }

// readBatch reads and decodes the next block, or returns io.EOF.
func (r *Reader) readBatch() (arrow.RecordBatch, error) {
	var raw *memory.Buffer
	h, payload, err := r.src.next(func(h blockHeader) ([]byte, error) {
		raw = memory.NewResizableBuffer(r.alloc)
		raw.Resize(h.raw)
		if h.codec == CodecNone {
			return raw.Bytes(), nil
		}
		return r.payload.ensure(r.alloc, h.payload), nil
	})
	if err != nil {
		if raw != nil {
			raw.Release()
		}
		return nil, err
	}
	defer raw.Release()
	if h.codec != CodecNone {
		t := time.Now()
		err := decompress(h.codec, raw.Bytes(), payload)
		r.metrics.DecompressTime += int64(time.Since(t))
		if err != nil {
			return nil, fmt.Errorf("shuffle: data file %s: %w", r.src.where, err)
		}
	}
	t := time.Now()
	b, err := r.dec.decode(raw)
	r.metrics.DeserializeTime += int64(time.Since(t))
	if err != nil {
		return nil, fmt.Errorf("shuffle: data file %s: %w", r.src.where, err)
	}
	return b, nil
}

// Next returns the next batch (owned by the caller) or io.EOF.
func (r *Reader) Next() (arrow.RecordBatch, error) {
	if r.closed {
		return nil, errors.New("shuffle: read from a closed reader")
	}
	// Small batches are merged: the first is held as it is, and copied
	// into the merge buffers only when a second one joins it.
	for {
		var b arrow.RecordBatch
		if r.pending != nil {
			b, r.pending = r.pending, nil
		} else {
			var err error
			b, err = r.readBatch()
			if errors.Is(err, io.EOF) {
				if r.accRows > 0 {
					return r.flushMerged(), nil
				}
				return nil, io.EOF
			}
			if err != nil {
				return nil, err
			}
		}
		n, nb := int(b.NumRows()), BatchBytes(b)
		if r.accRows > 0 && (r.accRows+n > r.batchSize || r.accBytes+nb > maxCoalesceBytes) {
			r.pending = b
			return r.flushMerged(), nil
		}
		if r.accRows == 0 && (2*n >= r.batchSize || nb >= maxCoalesceBytes) {
			return b, nil
		}
		r.accRows += n
		r.accBytes += nb
		if r.accRows == n {
			r.held = b
			continue
		}
		if r.held != nil {
			err := r.coalesce(r.held)
			r.held.Release()
			r.held = nil
			if err != nil {
				b.Release()
				return nil, err
			}
		}
		err := r.coalesce(b)
		b.Release()
		if err != nil {
			return nil, err
		}
	}
}

// flushMerged returns the small batches gathered: the one held, or the
// merged batch.
func (r *Reader) flushMerged() arrow.RecordBatch {
	r.accRows, r.accBytes = 0, 0
	if r.held != nil {
		b := r.held
		r.held = nil
		return b
	}
	return r.finishCoalesced()
}

// coalesce appends b's rows to the batch being merged.
func (r *Reader) coalesce(b arrow.RecordBatch) error {
	t := time.Now()
	defer func() { r.metrics.DeserializeTime += int64(time.Since(t)) }()
	if r.coal == nil {
		r.coal = make([]*colBuf, r.schema.NumFields())
		for i, f := range r.schema.Fields() {
			r.coal[i] = newColBuf(f.Type)
		}
	}
	n := int(b.NumRows())
	for len(r.ident) < n {
		r.ident = append(r.ident, int32(len(r.ident)))
	}
	idx := r.ident[:n]
	for i, c := range r.coal {
		// The merged batch stays below maxCoalesceBytes, so prepare cannot
		// run out of offsets.
		if _, err := c.prepare(b.Column(i), idx); err != nil {
			return fmt.Errorf("shuffle: merging blocks: column %d: %w", i, err)
		}
	}
	for i, c := range r.coal {
		c.append(r.alloc, b.Column(i), idx)
	}
	r.coalRows += n
	return nil
}

func (r *Reader) finishCoalesced() arrow.RecordBatch {
	cols := make([]arrow.Array, len(r.coal))
	for i, c := range r.coal {
		d := c.finish()
		cols[i] = array.MakeFromData(d)
		d.Release()
	}
	b := array.NewRecordBatch(r.schema, cols, int64(r.coalRows))
	for _, c := range cols {
		c.Release()
	}
	r.coalRows = 0
	return b
}

// Close frees what the reader holds and gives back the statuses' charge.
// It is safe to call twice.
func (r *Reader) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.src.close()
	for _, b := range []arrow.RecordBatch{r.pending, r.held} {
		if b != nil {
			b.Release()
		}
	}
	r.pending, r.held = nil, nil
	for _, c := range r.coal {
		c.release()
	}
	r.coalRows = 0
	r.payload.release()
	r.resv.Free()
}
