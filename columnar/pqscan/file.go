package pqscan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// maxFooterSize bounds the footer (file metadata) the reader accepts.
const maxFooterSize = 256 << 20

// File is an open Parquet file. Its methods are safe for concurrent use; in
// particular different row groups may be read from different goroutines at
// the same time.
type File struct {
	name        string
	r           io.ReaderAt
	closer      io.Closer
	dataEnd     int64 // offset of the footer: column data lies before it
	pf          *parquet.File
	meta        *format.FileMetaData
	mirror      *mFileMeta
	cols        []columnInfo
	unsupported []UnsupportedColumn
	schema      *arrow.Schema
	numRows     int64
	padChunks   bool // PARQUET-816: column chunk sizes may be too short
	closed      atomic.Bool
}

// Open opens the Parquet file at path. The file stays open until Close.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pqscan: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("pqscan: %w", err)
	}
	if st.IsDir() {
		fh.Close()
		return nil, fmt.Errorf("pqscan: %s is a directory, not a Parquet file", path)
	}
	f, err := OpenReaderAt(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// OpenReaderAt opens a Parquet file of size bytes read through r. name is
// used in error messages. r must be safe for concurrent ReadAt calls (as
// *os.File and *bytes.Reader are) if row groups are read concurrently.
// Close does not close r.
func OpenReaderAt(r io.ReaderAt, size int64, name string) (f *File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, panicError(name, "reading the footer", p)
		}
	}()
	if size < 12 {
		return nil, corruptf(name, "the file is %d bytes long, too short for Parquet (at least 12)", size)
	}
	var head, tail [8]byte
	if err := readFull(r, head[:4], 0); err != nil {
		return nil, fmt.Errorf("pqscan: reading %s: %w", name, err)
	}
	if err := readFull(r, tail[:], size-8); err != nil {
		return nil, fmt.Errorf("pqscan: reading %s: %w", name, err)
	}
	if string(tail[4:]) == "PARE" || string(head[:4]) == "PARE" {
		return nil, fmt.Errorf("%s: %w", name, ErrEncrypted)
	}
	if string(head[:4]) != "PAR1" {
		return nil, corruptf(name, "not a Parquet file: it does not start with the magic bytes PAR1")
	}
	if string(tail[4:]) != "PAR1" {
		return nil, corruptf(name, "not a Parquet file or truncated: it does not end with the magic bytes PAR1")
	}
	footerLen := int64(binary.LittleEndian.Uint32(tail[:4]))
	if footerLen > size-12 {
		return nil, corruptf(name, "footer length %d exceeds the file size %d", footerLen, size)
	}
	if footerLen > maxFooterSize {
		return nil, corruptf(name, "footer length %d exceeds the limit of %d bytes", footerLen, maxFooterSize)
	}
	dataEnd := size - 8 - footerLen
	footer := make([]byte, footerLen)
	if err := readFull(r, footer, dataEnd); err != nil {
		return nil, fmt.Errorf("pqscan: reading %s: %w", name, err)
	}
	fixed, err := checkFooter(footer)
	if err != nil {
		// A plaintext footer followed by a 28-byte signature belongs to an
		// encrypted file.
		if n, err2 := footerLength(footer); err2 == nil && len(footer)-n == 28 {
			if m, err3 := decodeMirror(footer[:n]); err3 == nil && m.encrypted() {
				return nil, fmt.Errorf("%s: %w", name, ErrEncrypted)
			}
		}
		return nil, corruptf(name, "file metadata: %v", err)
	}
	mirror, err := decodeMirror(footer)
	if err != nil {
		return nil, corruptf(name, "file metadata: %v", err)
	}
	if mirror.encrypted() {
		return nil, fmt.Errorf("%s: %w", name, ErrEncrypted)
	}
	// parquet-go reads the patched footer (see checkFooter); it never reads
	// column data through this reader, the chunks are served from memory.
	pr := newPatchedReader(r, dataEnd, fixed)
	psize := dataEnd + int64(len(fixed)) + 8
	pf, err := parquet.OpenFile(pr, psize,
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(64<<10),
	)
	if err != nil {
		return nil, corruptWrap(name, err, "reading the file metadata")
	}
	meta := pf.Metadata()
	f = &File{name: name, r: r, dataEnd: dataEnd, pf: pf, meta: meta, mirror: mirror,
		padChunks: mirror.CreatedBy.Valid && needsDictHeaderPadding(mirror.CreatedBy.V)}
	if len(mirror.RowGroups) != len(meta.RowGroups) || len(mirror.Schema) != len(meta.Schema) {
		return nil, corruptf(name, "inconsistent file metadata")
	}
	cols, unsupported, numLeaves, err := buildSchema(name, meta.Schema, mirror)
	if err != nil {
		return nil, err
	}
	for i := range meta.RowGroups {
		rg := &meta.RowGroups[i]
		if rg.NumRows < 0 {
			return nil, corruptf(name, "row group %d has a negative row count %d", i, rg.NumRows)
		}
		if len(rg.Columns) != numLeaves || len(mirror.RowGroups[i].Columns) != numLeaves {
			return nil, corruptf(name, "row group %d has %d column chunks but the schema has %d leaf columns", i, len(rg.Columns), numLeaves)
		}
		f.numRows += rg.NumRows
	}
	if len(pf.RowGroups()) != len(meta.RowGroups) {
		return nil, corruptf(name, "inconsistent row group metadata")
	}
	fields := make([]arrow.Field, len(cols))
	for i := range cols {
		fields[i] = cols[i].field
	}
	f.cols, f.unsupported = cols, unsupported
	f.schema = arrow.NewSchema(fields, nil)
	return f, nil
}

// readFull reads len(b) bytes at off, turning a short read into an error.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// Name returns the name the file was opened with.
func (f *File) Name() string { return f.name }

// Close releases the file. Readers of the file must be closed first. When
// the file was opened with Open, the underlying *os.File is closed.
func (f *File) Close() error {
	if f.closed.Swap(true) {
		return nil
	}
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// Schema returns the readable top-level columns mapped to gluten-go's types.
// A field is nullable exactly when the Parquet column is OPTIONAL. Column
// indexes used by the other methods are positions in this schema.
func (f *File) Schema() *arrow.Schema { return f.schema }

// Unsupported lists the top-level columns left out of Schema, with the
// reason: nested types (LIST, MAP, groups), repeated fields, and primitive
// types gluten-go does not read (INTERVAL, DECIMAL above 38 digits, ...).
func (f *File) Unsupported() []UnsupportedColumn {
	return append([]UnsupportedColumn(nil), f.unsupported...)
}

// ColumnIndex returns the position in Schema of the first column named name,
// or -1.
func (f *File) ColumnIndex(name string) int {
	for i := range f.cols {
		if f.cols[i].field.Name == name {
			return i
		}
	}
	return -1
}

// NumRows returns the number of rows in the file: the sum of the row counts
// of its row groups.
func (f *File) NumRows() int64 { return f.numRows }

// NumRowGroups returns the number of row groups.
func (f *File) NumRowGroups() int { return len(f.meta.RowGroups) }

// RowGroupNumRows returns the number of rows of row group rg, or 0 if rg is
// out of range.
func (f *File) RowGroupNumRows(rg int) int64 {
	if rg < 0 || rg >= len(f.meta.RowGroups) {
		return 0
	}
	return f.meta.RowGroups[rg].NumRows
}

// RowGroupByteSize returns the compressed size in bytes of row group rg (the
// sum of its column chunks), for split planning; 0 if rg is out of range.
func (f *File) RowGroupByteSize(rg int) int64 {
	if rg < 0 || rg >= len(f.meta.RowGroups) {
		return 0
	}
	var n int64
	for _, c := range f.mirror.RowGroups[rg].Columns {
		if c.MetaData.Valid && c.MetaData.V.TotalCompressedSize > 0 {
			n += c.MetaData.V.TotalCompressedSize
		}
	}
	return n
}

// needsDictHeaderPadding reports whether createdBy names parquet-mr before
// 1.2.9, whose column chunk sizes left out the dictionary page header
// (PARQUET-816). A missing or unparsable version counts as old, as in Arrow.
func needsDictHeaderPadding(createdBy string) bool {
	const app = "parquet-mr"
	if !strings.HasPrefix(createdBy, app) {
		return false
	}
	rest := strings.TrimSpace(createdBy[len(app):])
	rest, ok := strings.CutPrefix(rest, "version ")
	if !ok {
		return true
	}
	var major, minor, patch int
	if n, _ := fmt.Sscanf(rest, "%d.%d.%d", &major, &minor, &patch); n < 2 {
		return true
	}
	if major != 1 {
		return major < 1
	}
	if minor != 2 {
		return minor < 2
	}
	return patch < 9
}

// patchedReader serves the bytes of r before cut, then footer, then the
// footer length and magic: the file as parquet-go should see it after the
// footer was repaired.
type patchedReader struct {
	r    io.ReaderAt
	cut  int64
	tail []byte
}

func newPatchedReader(r io.ReaderAt, cut int64, footer []byte) *patchedReader {
	var t bytes.Buffer
	t.Write(footer)
	var l [4]byte
	binary.LittleEndian.PutUint32(l[:], uint32(len(footer)))
	t.Write(l[:])
	t.WriteString("PAR1")
	return &patchedReader{r: r, cut: cut, tail: t.Bytes()}
}

func (p *patchedReader) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	if off < p.cut {
		m := len(b)
		if int64(m) > p.cut-off {
			m = int(p.cut - off)
		}
		k, err := p.r.ReadAt(b[:m], off)
		n += k
		if k < m {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		off += int64(m)
	}
	if n == len(b) {
		return n, nil
	}
	rel := off - p.cut
	if rel >= int64(len(p.tail)) {
		return n, io.EOF
	}
	k := copy(b[n:], p.tail[rel:])
	n += k
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}
