package spill

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// maxRowBytes bounds a row's length in a row file (the row format's offsets
// are 32-bit).
const maxRowBytes = 1<<32 - 1

// RowWriter writes rows of gluten-go's row format (all of one layout, which
// the file does not record) to a new spill file: each row as a varint of its
// length plus one, then its bytes. It is not safe for concurrent use.
type RowWriter struct {
	s    *sink
	rows int64
	max  int
	hdr  [binary.MaxVarintLen64]byte
}

// NewRowWriter creates a row spill file under dir (os.TempDir() when empty)
// with a unique name, compressed with codec. The owner must Close it after
// the last row and Remove it once it has been read.
func NewRowWriter(dir string, codec Codec) (*RowWriter, error) {
	s, err := createSink(dir, kindRows, codec)
	if err != nil {
		return nil, err
	}
	return &RowWriter{s: s}, nil
}

// Path returns the file's path.
func (w *RowWriter) Path() string { return w.s.path }

// Write appends a row (borrowed). After an error the file is unusable:
// Remove it.
func (w *RowWriter) Write(r rows.Row) error {
	if err := w.s.check(); err != nil {
		return err
	}
	return w.write(r)
}

func (w *RowWriter) write(r rows.Row) error {
	if uint64(len(r)) > maxRowBytes {
		return w.s.fail(fmt.Errorf("row of %d bytes is too long", len(r)))
	}
	n := binary.PutUvarint(w.hdr[:], uint64(len(r))+1)
	if _, err := w.s.buf.Write(w.hdr[:n]); err != nil {
		return w.s.fail(err)
	}
	if _, err := w.s.buf.Write(r); err != nil {
		return w.s.fail(err)
	}
	w.rows++
	w.max = max(w.max, len(r))
	return nil
}

// WriteBuffer appends rows of b: those at the indices of order, in that
// order, or all of them in buffer order when order is nil.
func (w *RowWriter) WriteBuffer(b *rows.Buffer, order []int32) error {
	if err := w.s.check(); err != nil {
		return err
	}
	if order == nil {
		for i := 0; i < b.Len(); i++ {
			if err := w.write(b.Row(i)); err != nil {
				return err
			}
		}
		return nil
	}
	n := b.Len()
	for _, i := range order {
		if i < 0 || int(i) >= n {
			return w.s.fail(fmt.Errorf("row index %d out of range [0, %d)", i, n))
		}
		if err := w.write(b.Row(int(i))); err != nil {
			return err
		}
	}
	return nil
}

// Rows returns the number of rows written.
func (w *RowWriter) Rows() int64 { return w.rows }

// MaxRowBytes returns the length of the longest row written.
func (w *RowWriter) MaxRowBytes() int { return w.max }

// Close finishes the file and closes it, returning its size in bytes. It is
// safe to call twice.
func (w *RowWriter) Close() (int64, error) {
	if !w.s.closed && w.s.err == nil {
		if err := w.s.buf.WriteByte(0); err != nil { // the end marker
			w.s.fail(err)
		}
	}
	return w.s.finish(uint64(w.rows), 0)
}

// Remove closes the file if it is still open and deletes it. It is safe to
// call twice.
func (w *RowWriter) Remove() error { return w.s.remove() }

// RowReader reads the rows of a row spill file back. It is not safe for
// concurrent use.
type RowReader struct {
	src  *source
	rows int64
	buf  []byte // rows longer than the read buffer
	done bool
	err  error
}

// OpenRows opens a row spill file.
func OpenRows(path string) (*RowReader, error) {
	src, err := openSource(path, kindRows, true)
	if err != nil {
		return nil, err
	}
	return &RowReader{src: src}, nil
}

// Next returns the next row, or io.EOF after the last one. The row is valid
// until the next call to Next or Close: a caller that keeps it copies it. A
// file that ends early gives an error wrapping ErrCorrupt.
func (r *RowReader) Next() (rows.Row, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	br := r.src.br
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, r.fail(err)
	}
	if n == 0 {
		return nil, r.end()
	}
	n--
	if n > maxRowBytes {
		r.err = fmt.Errorf("%w: %s: row %d claims %d bytes", ErrCorrupt, r.src.path, r.rows, n)
		return nil, r.err
	}
	r.rows++
	if int(n) <= br.Size() {
		// The row fits the read buffer: hand out the buffered bytes, which
		// stay put until the next read.
		b, err := br.Peek(int(n))
		if err != nil {
			return nil, r.fail(err)
		}
		if _, err := br.Discard(int(n)); err != nil {
			return nil, r.fail(err)
		}
		return rows.Row(b[:n:n]), nil
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(br, r.buf); err != nil {
		return nil, r.fail(err)
	}
	return rows.Row(r.buf), nil
}

// end checks the trailer after the end marker.
func (r *RowReader) end() error {
	nr, _, err := r.src.readTrailer()
	if err != nil {
		r.err = err
		return err
	}
	if nr != uint64(r.rows) {
		r.err = fmt.Errorf("%w: %s: read %d rows, the trailer says %d", ErrCorrupt, r.src.path, r.rows, nr)
		return r.err
	}
	r.done = true
	return io.EOF
}

func (r *RowReader) fail(err error) error {
	if errors.Is(err, bufio.ErrBufferFull) {
		err = io.ErrUnexpectedEOF // cannot happen: rows up to the buffer size are peeked
	}
	r.err = r.src.readError(err)
	return r.err
}

// Close closes the file (it does not remove it). It is safe to call twice.
func (r *RowReader) Close() error {
	if r.err == nil && !r.done {
		r.err = errors.New("spill: reader closed")
	}
	r.buf = nil
	return r.src.close()
}
