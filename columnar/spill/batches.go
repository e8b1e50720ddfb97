package spill

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Option configures a Writer.
type Option func(*options)

type options struct {
	alloc memory.Allocator
}

// WithAllocator sets the allocator of the Writer's transient buffers (the
// IPC encoder copies the validity bitmaps and offsets of sliced arrays):
// pass the task's allocator so that they are counted. Without it they come
// from memory.DefaultAllocator.
func WithAllocator(alloc memory.Allocator) Option {
	return func(o *options) { o.alloc = alloc }
}

// Writer writes Arrow record batches of one schema to a new spill file. It
// is not safe for concurrent use.
type Writer struct {
	s        *sink
	schema   *arrow.Schema
	ipc      *ipc.Writer
	batches  int64
	rows     int64
	maxBytes int64
	size     int64
}

// NewWriter creates a spill file of batches of schema under dir (the
// query's temporary directory; os.TempDir() when empty) with a unique name,
// compressed with codec. The owner must Close it after the last batch and
// Remove it once it has been read (or is no longer wanted).
func NewWriter(dir string, schema *arrow.Schema, codec Codec, opts ...Option) (*Writer, error) {
	if schema == nil {
		return nil, errors.New("spill: NewWriter: nil schema")
	}
	o := options{alloc: memory.DefaultAllocator}
	for _, opt := range opts {
		opt(&o)
	}
	if o.alloc == nil {
		return nil, errors.New("spill: NewWriter: nil allocator")
	}
	s, err := createSink(dir, kindBatches, codec)
	if err != nil {
		return nil, err
	}
	w := &Writer{s: s, schema: schema}
	w.ipc = ipc.NewWriter(s.buf, ipc.WithSchema(schema), ipc.WithAllocator(o.alloc))
	return w, nil
}

// Path returns the file's path.
func (w *Writer) Path() string { return w.s.path }

// Schema returns the schema of the file's batches.
func (w *Writer) Schema() *arrow.Schema { return w.schema }

// Write appends a batch (borrowed) to the file. Its columns must have the
// schema's types (field names and nullability may differ: the file carries
// the writer's schema). Empty batches are skipped. After an error the file
// is unusable: Remove it.
func (w *Writer) Write(b arrow.RecordBatch) error {
	if err := w.s.check(); err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("spill: write %s: nil batch", w.s.path)
	}
	if b.NumRows() == 0 {
		return nil
	}
	rec := b
	if bs := b.Schema(); bs != w.schema && !bs.Equal(w.schema) {
		if err := checkTypes(w.schema, b); err != nil {
			return w.s.fail(err)
		}
		rec = array.NewRecordBatch(w.schema, b.Columns(), b.NumRows())
		defer rec.Release()
	}
	if err := w.ipc.Write(rec); err != nil {
		return w.s.fail(err)
	}
	w.batches++
	w.rows += b.NumRows()
	w.maxBytes = max(w.maxBytes, BatchBytes(b))
	return nil
}

// checkTypes verifies that b's columns have schema's types.
func checkTypes(schema *arrow.Schema, b arrow.RecordBatch) error {
	if int(b.NumCols()) != schema.NumFields() {
		return fmt.Errorf("batch of %d columns, the file's schema has %d", b.NumCols(), schema.NumFields())
	}
	for i, c := range b.Columns() {
		if !arrow.TypeEqual(c.DataType(), schema.Field(i).Type) {
			return fmt.Errorf("column %d (%s) has type %s, the file's schema %s", i, schema.Field(i).Name, c.DataType(), schema.Field(i).Type)
		}
	}
	return nil
}

// Rows returns the number of rows written.
func (w *Writer) Rows() int64 { return w.rows }

// Batches returns the number of batches written.
func (w *Writer) Batches() int64 { return w.batches }

// MaxBatchBytes returns the largest BatchBytes of the batches written: about
// the memory one batch read back takes.
func (w *Writer) MaxBatchBytes() int64 { return w.maxBytes }

// Close finishes the file and closes it, returning its size in bytes. It is
// safe to call twice (the second call returns the same result).
func (w *Writer) Close() (int64, error) {
	if !w.s.closed && w.s.err == nil {
		if err := w.ipc.Close(); err != nil {
			w.s.fail(err)
		}
	}
	n, err := w.s.finish(uint64(w.batches), uint64(w.rows))
	w.size = n
	return n, err
}

// Remove closes the file if it is still open and deletes it. It is safe to
// call twice.
func (w *Writer) Remove() error { return w.s.remove() }

// Reader reads the batches of a spill file back. It is not safe for
// concurrent use.
type Reader struct {
	src     *source
	ipc     *ipc.Reader
	batches int64
	rows    int64
	done    bool
	err     error
}

// Open opens a batch spill file; the batches it returns are allocated from
// alloc.
func Open(path string, alloc memory.Allocator) (*Reader, error) {
	if alloc == nil {
		return nil, errors.New("spill: Open: nil allocator")
	}
	src, err := openSource(path, kindBatches, false)
	if err != nil {
		return nil, err
	}
	r, err := ipc.NewReader(src.r, ipc.WithAllocator(alloc))
	if err != nil {
		src.close()
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return &Reader{src: src, ipc: r}, nil
}

// Schema returns the schema of the file's batches (nil after Close).
func (r *Reader) Schema() *arrow.Schema {
	if r.ipc == nil {
		return nil
	}
	return r.ipc.Schema()
}

// Next returns the next batch, owned by the caller, or io.EOF after the
// last one. A file that ends early or whose contents do not match its
// trailer gives an error wrapping ErrCorrupt.
func (r *Reader) Next() (arrow.RecordBatch, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	if r.ipc.Next() {
		b := r.ipc.RecordBatch()
		b.Retain()
		r.batches++
		r.rows += b.NumRows()
		return b, nil
	}
	if err := r.ipc.Err(); err != nil {
		r.err = r.src.readError(err)
		return nil, r.err
	}
	nb, nr, err := r.src.readTrailer()
	if err != nil {
		r.err = err
		return nil, err
	}
	if nb != uint64(r.batches) || nr != uint64(r.rows) {
		r.err = fmt.Errorf("%w: %s: read %d batches of %d rows, the trailer says %d of %d",
			ErrCorrupt, r.src.path, r.batches, r.rows, nb, nr)
		return nil, r.err
	}
	r.done = true
	return nil, io.EOF
}

// Close closes the file (it does not remove it). It is safe to call twice.
func (r *Reader) Close() error {
	if r.ipc != nil {
		r.ipc.Release()
		r.ipc = nil
	}
	if r.err == nil && !r.done {
		r.err = errors.New("spill: reader closed")
	}
	return r.src.close()
}

// BatchBytes returns the bytes of a batch's buffers (children included): the
// measure of the memory it holds that operators reserve.
func BatchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		n += dataBytes(c.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, ch := range d.Children() {
		n += dataBytes(ch)
	}
	return n
}
