package shuffle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/resource"
)

// Defaults of WriterOptions.
const (
	// DefaultBlockRows is the rows a partition buffers before they are
	// serialized and compressed into a block.
	DefaultBlockRows = 4096
	// DefaultBlockBytes is the raw bytes a partition buffers before they
	// are serialized and compressed into a block.
	DefaultBlockBytes = 256 << 10
)

// WriterOptions configure the writer of one map task of one shuffle.
type WriterOptions struct {
	// ShuffleID and MapIndex name the shuffle and the map task; with Dir
	// they make the files' Location.
	ShuffleID, MapIndex int
	// Dir is where the data, index and spill files go (the query's
	// temporary directory; "" means the system's).
	Dir string
	// Schema is the schema of the batches written.
	Schema *arrow.Schema
	// Partitioning distributes the rows over the reduce partitions.
	Partitioning Partitioning
	// Codec compresses the blocks.
	Codec Codec
	// Alloc is the task's allocator: the partition buffers and the
	// compressed blocks held in memory are allocated from it.
	Alloc memory.Allocator
	// Memory is the task's budget: the writer reserves what it holds from
	// its off-heap pool (heap for a RowWriter) and spills when a
	// reservation fails. nil: no limit.
	Memory *resource.TaskMemory
	// BlockRows and BlockBytes bound the rows and raw bytes of a block
	// (<= 0: DefaultBlockRows, DefaultBlockBytes). A partition is
	// serialized once it holds either.
	BlockRows, BlockBytes int
	// HighlyCompressThreshold is spark.shuffle.minNumPartitionsToHighlyCompress
	// (<= 0: 2000); AccurateBlockThreshold spark.shuffle.accurateBlockThreshold
	// (<= 0: 100 MiB). See NewMapStatus.
	HighlyCompressThreshold int
	AccurateBlockThreshold  int64
}

// WriterMetrics are a map task's shuffle write figures, as Gluten reports
// them. Times are wall-clock nanoseconds.
type WriterMetrics struct {
	// NumPartitions is the number of reduce partitions.
	NumPartitions int
	// DataSize is the bytes of the data file (compressed blocks and their
	// headers).
	DataSize int64
	// BytesSpilled is the bytes written to spill files.
	BytesSpilled int64
	// SpillTime is the time spent spilling.
	SpillTime int64
	// CompressTime is the time spent compressing blocks.
	CompressTime int64
	// SplitTime is the time spent computing partitions and copying rows
	// into the partition buffers.
	SplitTime int64
	// WallTime is the time spent in Write and Commit.
	WallTime int64
	// PeakBytes is the most memory the writer held (reserved) at once.
	PeakBytes int64
	// InputRows and InputBatches count what was written.
	InputRows, InputBatches int64
	// OutputRows and OutputBlocks count what the data file holds.
	OutputRows, OutputBlocks int64
}

// partitionData is what a writer front end buffers per reduce partition.
type partitionData interface {
	format() byte
	// buffered returns the rows partition p holds.
	buffered(p int) int
	// block returns partition p's buffered rows as a raw block.
	block(p int) rawBlock
	// reset empties partition p, keeping its buffers.
	reset(p int)
	// releaseAll empties every partition and frees its buffers.
	releaseAll()
}

// rawBlock is a raw (uncompressed) block ready to be written.
type rawBlock interface {
	size() int
	encode(dst []byte) int
	writeTo(w io.Writer) error
}

// spillFile is one spill: every partition's blocks, in partition order.
type spillFile struct {
	path    string
	offsets []int64 // partition p is [offsets[p], offsets[p+1])
}

// fileWriter is the part of a map task's writer that does not depend on
// what is buffered: compressed blocks kept in memory, spills, the data and
// index files and the map status.
//
// A front end that takes mu around every call that touches the writer's
// state (Write; commit and close take it themselves) may call
// acceptSpillRequests: the writer then also spills when another consumer of
// the task needs memory, while it waits for its next row or batch.
type fileWriter struct {
	// mu guards the writer's state against spill requests, which come on
	// the goroutine of another consumer of the task (or up this stack,
	// from inside Write).
	mu         sync.Mutex
	loc        Location
	n          int
	codec      Codec
	comp       *compressor
	alloc      memory.Allocator
	resv       *resource.Reservation
	held       int64 // what the writer holds: the reservation's size
	blockRows  int
	blockBytes int
	highly     int
	accurate   int64
	data       partitionData

	raw, cbuf growBuf            // scratch for a raw and a compressed block
	blocks    [][]*memory.Buffer // per partition: compressed blocks in memory
	spills    []*spillFile
	partRows  []int64 // rows per partition, written or buffered
	files     []string
	metrics   WriterMetrics
	err       error
	committed bool
	closed    bool
	status    MapStatus
}

func (w *fileWriter) init(o *WriterOptions, pool resource.PoolKind, data partitionData) error {
	if !o.Codec.valid() {
		return fmt.Errorf("shuffle: unknown codec %d", o.Codec)
	}
	if o.Alloc == nil {
		return errors.New("shuffle: writer without an allocator")
	}
	dir := o.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	w.loc = Location{Dir: dir, ShuffleID: o.ShuffleID, MapIndex: o.MapIndex}
	w.n = o.Partitioning.N
	w.codec = o.Codec
	w.comp = newCompressor(o.Codec)
	w.alloc = o.Alloc
	w.resv = o.Memory.NewReservation(fmt.Sprintf("ShuffleWriter(shuffle %d, map %d)", o.ShuffleID, o.MapIndex), pool)
	w.blockRows, w.blockBytes = o.BlockRows, o.BlockBytes
	if w.blockRows <= 0 {
		w.blockRows = DefaultBlockRows
	}
	if w.blockBytes <= 0 {
		w.blockBytes = DefaultBlockBytes
	}
	w.highly, w.accurate = o.HighlyCompressThreshold, o.AccurateBlockThreshold
	w.data = data
	w.blocks = make([][]*memory.Buffer, w.n)
	w.partRows = make([]int64, w.n)
	w.metrics.NumPartitions = w.n
	return nil
}

// acceptSpillRequests registers the writer's spill callback with its
// reservation. Only a front end whose Write holds mu may call it: the
// callback runs on other goroutines, and up the stack of Write itself.
func (w *fileWriter) acceptSpillRequests() { w.resv.SetSpiller(w.spillRequested) }

// spillRequested is the writer's resource.Spiller: unless a call is in
// progress, or the writer is finished, it spills every partition's blocks
// and buffered rows (as when its own reservation fails) and returns the
// bytes given back. A failure is the writer's: its next call returns it.
func (w *fileWriter) spillRequested(need int64) (int64, error) {
	if !w.mu.TryLock() {
		return 0, nil // busy, up this stack or on the writer's goroutine
	}
	defer w.mu.Unlock()
	if w.err != nil || w.committed || w.closed || w.held == 0 {
		return 0, nil
	}
	before := w.resv.Size()
	err := w.spill()
	freed := max(0, before-w.resv.Size())
	if err != nil {
		return freed, w.fail(fmt.Errorf("spilling on request: %w", err))
	}
	return freed, nil
}

// tryReserve reserves n more bytes, reporting false when the budget is
// exhausted.
func (w *fileWriter) tryReserve(n int64) bool {
	if n <= 0 {
		return true
	}
	if !w.resv.TryGrow(n) {
		return false
	}
	w.held += n
	w.metrics.PeakBytes = max(w.metrics.PeakBytes, w.held)
	return true
}

func (w *fileWriter) unreserve(n int64) {
	n = min(n, w.held)
	w.held -= n
	w.resv.Shrink(n)
}

// usable fails when the writer cannot take more calls.
func (w *fileWriter) usable() error {
	switch {
	case w.err != nil:
		return w.err
	case w.committed:
		return errors.New("shuffle: writer already committed")
	case w.closed:
		return errors.New("shuffle: writer closed")
	}
	return nil
}

// fail records err (the writer is unusable afterwards) and returns it.
func (w *fileWriter) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("shuffle %d, map task %d: %w", w.loc.ShuffleID, w.loc.MapIndex, err)
	}
	return w.err
}

// full reports whether partition p must be serialized.
func (w *fileWriter) full(p int, rawBytes int) bool {
	return w.data.buffered(p) >= w.blockRows || rawBytes >= w.blockBytes
}

// flush serializes and compresses partition p's buffered rows into a block
// kept in memory; when the memory for that cannot be reserved it spills
// everything instead.
func (w *fileWriter) flush(p int) error {
	if w.data.buffered(p) == 0 {
		return nil
	}
	blk := w.data.block(p)
	rawN := blk.size()
	if rawN > maxBlockBytes {
		return fmt.Errorf("a block of %d bytes (more than 2 GiB)", rawN)
	}
	var need int64
	if w.codec != CodecNone {
		need = int64(w.raw.growth(rawN) + w.cbuf.growth(blockHeaderSize+w.codec.compressBound(rawN)))
	}
	maxBlock := int64(grownCap(0, blockHeaderSize+max(rawN, w.codec.compressBound(rawN))))
	if !w.tryReserve(need + maxBlock) {
		return w.spill()
	}
	var out []byte
	var codec Codec
	if w.codec == CodecNone {
		out, codec = nil, CodecNone
	} else {
		raw := w.raw.ensure(w.alloc, rawN)[:rawN]
		blk.encode(raw)
		cb := w.cbuf.ensure(w.alloc, blockHeaderSize+w.codec.compressBound(rawN))
		t := time.Now()
		n, c, err := w.comp.compress(cb[blockHeaderSize:], raw)
		w.metrics.CompressTime += int64(time.Since(t))
		if err != nil {
			w.unreserve(maxBlock)
			return err
		}
		out, codec = cb[:blockHeaderSize+n], c
	}
	size := blockHeaderSize + rawN
	if out != nil {
		size = len(out)
	}
	b := memory.NewResizableBuffer(w.alloc)
	b.Resize(size)
	w.unreserve(maxBlock - int64(b.Cap()))
	dst := b.Bytes()
	if out != nil {
		copy(dst, out)
		putBlockHeader(dst, w.data.format(), codec, len(out)-blockHeaderSize, rawN)
	} else {
		blk.encode(dst[blockHeaderSize:])
		putBlockHeader(dst, w.data.format(), CodecNone, rawN, rawN)
	}
	w.blocks[p] = append(w.blocks[p], b)
	w.data.reset(p)
	w.metrics.OutputBlocks++
	return nil
}

// writeBlock serializes partition p's buffered rows as one block into out
// and returns the bytes written. Without memory for a compressed copy it
// streams the block raw.
func (w *fileWriter) writeBlock(p int, out io.Writer) (int64, error) {
	if w.data.buffered(p) == 0 {
		return 0, nil
	}
	blk := w.data.block(p)
	rawN := blk.size()
	if rawN > maxBlockBytes {
		return 0, fmt.Errorf("a block of %d bytes (more than 2 GiB)", rawN)
	}
	var hdr [blockHeaderSize]byte
	if w.codec != CodecNone {
		bound := w.codec.compressBound(rawN)
		if w.tryReserve(int64(w.raw.growth(rawN) + w.cbuf.growth(blockHeaderSize+bound))) {
			raw := w.raw.ensure(w.alloc, rawN)[:rawN]
			blk.encode(raw)
			cb := w.cbuf.ensure(w.alloc, blockHeaderSize+bound)
			t := time.Now()
			n, c, err := w.comp.compress(cb[blockHeaderSize:], raw)
			w.metrics.CompressTime += int64(time.Since(t))
			if err != nil {
				return 0, err
			}
			putBlockHeader(cb, w.data.format(), c, n, rawN)
			if _, err := out.Write(cb[:blockHeaderSize+n]); err != nil {
				return 0, err
			}
			w.data.reset(p)
			w.metrics.OutputBlocks++
			return int64(blockHeaderSize + n), nil
		}
	}
	putBlockHeader(hdr[:], w.data.format(), CodecNone, rawN, rawN)
	if _, err := out.Write(hdr[:]); err != nil {
		return 0, err
	}
	if err := blk.writeTo(out); err != nil {
		return 0, err
	}
	w.data.reset(p)
	w.metrics.OutputBlocks++
	return int64(blockHeaderSize + rawN), nil
}

// releaseMemory frees every buffer the writer holds.
func (w *fileWriter) releaseMemory() {
	w.data.releaseAll()
	for p, bs := range w.blocks {
		for _, b := range bs {
			b.Release()
		}
		w.blocks[p] = nil
	}
	w.raw.release()
	w.cbuf.release()
	w.unreserve(w.held)
}

func (w *fileWriter) createTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(w.loc.Dir, pattern)
	if err != nil {
		return nil, err
	}
	w.files = append(w.files, f.Name())
	return f, nil
}

// spill writes every partition's blocks and buffered rows to a new spill
// file and frees the memory they held.
func (w *fileWriter) spill() error {
	start := time.Now()
	defer func() { w.metrics.SpillTime += int64(time.Since(start)) }()
	f, err := w.createTemp(fmt.Sprintf("shuffle_%d_%d_spill_*.tmp", w.loc.ShuffleID, w.loc.MapIndex))
	if err != nil {
		return fmt.Errorf("creating a spill file: %w", err)
	}
	sp := &spillFile{path: f.Name(), offsets: make([]int64, w.n+1)}
	bw := bufio.NewWriterSize(f, 256<<10)
	var pos int64
	err = func() error {
		for p := 0; p < w.n; p++ {
			sp.offsets[p] = pos
			for i, b := range w.blocks[p] {
				if _, err := bw.Write(b.Bytes()); err != nil {
					return err
				}
				pos += int64(b.Len())
				w.unreserve(int64(b.Cap()))
				b.Release()
				w.blocks[p][i] = nil
			}
			w.blocks[p] = w.blocks[p][:0]
			n, err := w.writeBlock(p, bw)
			if err != nil {
				return err
			}
			pos += n
		}
		sp.offsets[w.n] = pos
		return bw.Flush()
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spilling to %s: %w", f.Name(), err)
	}
	w.spills = append(w.spills, sp)
	w.metrics.BytesSpilled += pos
	w.releaseMemory()
	return nil
}

// commit writes the data and index files and returns the map status.
func (w *fileWriter) commit() (MapStatus, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return nil, err
	}
	status, err := w.writeFiles()
	if err != nil {
		return nil, w.fail(err)
	}
	w.committed = true
	w.status = status
	w.releaseMemory()
	return status, nil
}

func (w *fileWriter) writeFiles() (MapStatus, error) {
	f, err := w.createTemp(fmt.Sprintf("shuffle_%d_%d_*.data.tmp", w.loc.ShuffleID, w.loc.MapIndex))
	if err != nil {
		return nil, fmt.Errorf("creating the data file: %w", err)
	}
	offsets := make([]int64, w.n+1)
	err = w.writeData(f, offsets)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing the data file %s: %w", f.Name(), err)
	}
	idx, err := w.createTemp(fmt.Sprintf("shuffle_%d_%d_*.index.tmp", w.loc.ShuffleID, w.loc.MapIndex))
	if err != nil {
		return nil, fmt.Errorf("creating the index file: %w", err)
	}
	buf := make([]byte, 8*(2*w.n+1))
	for i, o := range offsets {
		binary.LittleEndian.PutUint64(buf[8*i:], uint64(o))
	}
	for p, r := range w.partRows {
		binary.LittleEndian.PutUint64(buf[8*(w.n+1+p):], uint64(r))
	}
	_, err = idx.Write(buf)
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing the index file %s: %w", idx.Name(), err)
	}
	if err := os.Rename(f.Name(), w.loc.DataFile()); err != nil {
		return nil, fmt.Errorf("committing the data file: %w", err)
	}
	if err := os.Rename(idx.Name(), w.loc.IndexFile()); err != nil {
		os.Remove(w.loc.DataFile())
		return nil, fmt.Errorf("committing the index file: %w", err)
	}
	w.files = nil
	for _, sp := range w.spills {
		os.Remove(sp.path)
	}
	w.spills = nil
	sizes := make([]int64, w.n)
	for p := range sizes {
		sizes[p] = offsets[p+1] - offsets[p]
	}
	w.metrics.DataSize = offsets[w.n]
	return NewMapStatus(w.loc, sizes, w.highly, w.accurate), nil
}

// writeData writes every partition's segment to f: the spilled blocks, the
// blocks in memory, the buffered rows.
func (w *fileWriter) writeData(f *os.File, offsets []int64) error {
	bw := bufio.NewWriterSize(f, 256<<10)
	spills := make([]*os.File, len(w.spills))
	defer func() {
		for _, s := range spills {
			if s != nil {
				s.Close()
			}
		}
	}()
	for i, sp := range w.spills {
		s, err := os.Open(sp.path)
		if err != nil {
			return fmt.Errorf("reopening spill file: %w", err)
		}
		spills[i] = s
	}
	var pos int64
	for p := 0; p < w.n; p++ {
		offsets[p] = pos
		for i, sp := range w.spills {
			n := sp.offsets[p+1] - sp.offsets[p]
			if n == 0 {
				continue
			}
			if _, err := io.Copy(bw, io.NewSectionReader(spills[i], sp.offsets[p], n)); err != nil {
				return fmt.Errorf("copying spill %s: %w", sp.path, err)
			}
			pos += n
		}
		for i, b := range w.blocks[p] {
			if _, err := bw.Write(b.Bytes()); err != nil {
				return err
			}
			pos += int64(b.Len())
			w.unreserve(int64(b.Cap()))
			b.Release()
			w.blocks[p][i] = nil
		}
		w.blocks[p] = nil
		n, err := w.writeBlock(p, bw)
		if err != nil {
			return err
		}
		pos += n
	}
	offsets[w.n] = pos
	return bw.Flush()
}

// close frees the writer's memory and, unless it committed, removes every
// file it made.
func (w *fileWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	w.releaseMemory()
	w.resv.SetSpiller(nil)
	w.resv.Free()
	if !w.committed {
		for _, f := range w.files {
			os.Remove(f)
		}
		for _, sp := range w.spills {
			os.Remove(sp.path)
		}
		w.files, w.spills = nil, nil
	}
}
