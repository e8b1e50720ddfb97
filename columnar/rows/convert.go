package rows

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// AppendBatch appends every row of b to into (ColumnarToRow). b's column
// types must match l's schema (the same types; field names, nullability and
// timestamp time zones are not checked); a mismatch is an error and leaves
// into unchanged. The conversion works a column at a time: it sizes every
// row (one pass per variable-length column over its offsets), grows the
// buffer once, then, over blocks of rows that stay in cache, writes null
// bits, slots and variable-length data column by column. Sliced arrays,
// NULLs, every gluten-go type and ARRAYs of them are handled. b is
// borrowed.
func AppendBatch(l *Layout, b arrow.RecordBatch, into *Buffer) error {
	return appendBatch(l, b, into)
}

// BufferToBatch converts rows [from, to) of buf, rows of layout l, to an
// Arrow record batch of l's schema (RowToColumnar). Every buffer of the
// result is allocated from alloc; the caller owns (releases) the batch. A
// row that is not a valid row of l (too short, a variable-length value
// outside the row, an invalid ARRAY encoding) is an error naming the row and
// the field, and nothing is left allocated.
func BufferToBatch(alloc memory.Allocator, l *Layout, buf *Buffer, from, to int) (arrow.RecordBatch, error) {
	return bufferToBatch(alloc, l, buf, from, to)
}

// BatchBuilder accumulates rows of one layout and converts them to Arrow
// record batches (RowToColumnar). Appended rows are copied into a private
// arena, so the caller's row need only be valid during Append.
type BatchBuilder struct {
	alloc memory.Allocator
	l     *Layout
	buf   *Buffer
}

// NewBatchBuilder returns a builder of batches of l's schema whose Arrow
// buffers are allocated from alloc.
func NewBatchBuilder(alloc memory.Allocator, l *Layout) *BatchBuilder {
	return &BatchBuilder{alloc: alloc, l: l, buf: NewBuffer()}
}

// Layout returns the builder's layout.
func (bb *BatchBuilder) Layout() *Layout { return bb.l }

// Append copies r, a row of the builder's layout, into the builder.
func (bb *BatchBuilder) Append(r Row) { bb.buf.Append(r) }

// Len returns the number of rows appended since the last Build.
func (bb *BatchBuilder) Len() int { return bb.buf.Len() }

// Bytes returns the bytes of Go heap the builder holds (for memory
// accounting).
func (bb *BatchBuilder) Bytes() int64 { return bb.buf.Bytes() }

// Build returns the rows appended since the last Build as a record batch
// (possibly of zero rows) and resets the builder, keeping its arena. The
// caller owns the batch. On error (see BufferToBatch) the rows are dropped
// too.
func (bb *BatchBuilder) Build() (arrow.RecordBatch, error) {
	rb, err := BufferToBatch(bb.alloc, bb.l, bb.buf, 0, bb.buf.Len())
	bb.buf.Reset()
	return rb, err
}

// Release drops the builder's rows and frees its arena. The builder may be
// used again, starting empty.
func (bb *BatchBuilder) Release() { bb.buf = NewBuffer() }
