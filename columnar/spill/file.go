package spill

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// fileKind is what a spill file holds.
type fileKind byte

const (
	kindBatches fileKind = 'B'
	kindRows    fileKind = 'R'
)

func (k fileKind) String() string {
	if k == kindRows {
		return "rows"
	}
	return "batches"
}

// The header: magic, version, kind, codec, a zero byte.
var magic = [4]byte{'G', 'G', 'S', 'P'}

const (
	version     = 1
	headerSize  = 8
	trailerSize = 24
)

// The trailer, at the end of the (decompressed) stream: "GEND", four zero
// bytes, then two counts (batches and rows, or rows and 0).
var trailerMagic = [4]byte{'G', 'E', 'N', 'D'}

// ErrCorrupt is wrapped by the errors about a spill file that is not what
// its writer wrote (truncated, wrong header, bad trailer).
var ErrCorrupt = errors.New("spill: corrupt file")

// countingWriter counts the bytes written to a file.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// sink is the write side of a spill file: a buffer, the codec, the file.
type sink struct {
	f       *os.File
	path    string
	cnt     countingWriter
	comp    compressor
	buf     *bufio.Writer
	closed  bool
	removed bool
	err     error // the first write error; the file is then unusable
}

// createSink creates a new file under dir (os.TempDir() when empty) and
// writes its header.
func createSink(dir string, kind fileKind, codec Codec) (*sink, error) {
	if !codec.valid() {
		return nil, fmt.Errorf("spill: unknown codec %d", uint8(codec))
	}
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "spill-*."+kind.String())
	if err != nil {
		return nil, fmt.Errorf("spill: create file: %w", err)
	}
	s := &sink{f: f, path: f.Name()}
	s.cnt.w = f
	hdr := [headerSize]byte{magic[0], magic[1], magic[2], magic[3], version, byte(kind), byte(codec), 0}
	if _, err := s.cnt.Write(hdr[:]); err != nil {
		s.remove()
		return nil, fmt.Errorf("spill: write %s: %w", s.path, err)
	}
	comp, err := newCompressor(codec, &s.cnt)
	if err != nil {
		s.remove()
		return nil, err
	}
	s.comp = comp
	s.buf = bufio.NewWriterSize(comp, bufSize)
	return s, nil
}

// fail records err (wrapped with the path) as the sink's error.
func (s *sink) fail(err error) error {
	if s.err == nil {
		s.err = fmt.Errorf("spill: write %s: %w", s.path, err)
	}
	return s.err
}

// check returns an error if the sink cannot be written to.
func (s *sink) check() error {
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return fmt.Errorf("spill: write %s: file already closed", s.path)
	}
	return nil
}

// finish writes the trailer, flushes everything and closes the file; it
// returns the file's size.
func (s *sink) finish(a, b uint64) (int64, error) {
	if s.closed {
		if s.err != nil {
			return s.cnt.n, s.err
		}
		return s.cnt.n, nil
	}
	s.closed = true
	err := s.err
	if err == nil {
		var t [trailerSize]byte
		copy(t[:], trailerMagic[:])
		binary.LittleEndian.PutUint64(t[8:], a)
		binary.LittleEndian.PutUint64(t[16:], b)
		if _, werr := s.buf.Write(t[:]); werr != nil {
			err = werr
		} else if werr := s.buf.Flush(); werr != nil {
			err = werr
		}
	}
	if cerr := s.comp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if cerr := s.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return s.cnt.n, s.fail(err)
	}
	return s.cnt.n, nil
}

// remove closes the file if it is open and deletes it.
func (s *sink) remove() error {
	if s.removed {
		return nil
	}
	s.removed = true
	if !s.closed {
		s.closed = true
		if s.comp != nil {
			_ = s.comp.Close() // release the codec's state; the bytes are discarded
		}
		_ = s.f.Close()
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spill: remove %s: %w", s.path, err)
	}
	return nil
}

// source is the read side of a spill file.
type source struct {
	f    *os.File
	path string
	dec  decompressor
	r    io.Reader     // what to read the contents from
	br   *bufio.Reader // r, when buffered
}

// openSource opens a spill file of kind want and reads its header. With
// buffered, its contents are read through a bufio.Reader (br); otherwise
// straight from the codec (which buffers itself).
func openSource(path string, want fileKind, buffered bool) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spill: open: %w", err)
	}
	var hdr [headerSize]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: header: %v", ErrCorrupt, path, err)
	}
	switch {
	case [4]byte(hdr[:4]) != magic:
		f.Close()
		return nil, fmt.Errorf("%w: %s is not a spill file (bad magic)", ErrCorrupt, path)
	case hdr[4] != version:
		f.Close()
		return nil, fmt.Errorf("%w: %s: unsupported version %d", ErrCorrupt, path, hdr[4])
	case fileKind(hdr[5]) != want:
		f.Close()
		return nil, fmt.Errorf("%w: %s holds %s, not %s", ErrCorrupt, path, fileKind(hdr[5]), want)
	case !Codec(hdr[6]).valid():
		f.Close()
		return nil, fmt.Errorf("%w: %s: unknown codec %d", ErrCorrupt, path, hdr[6])
	}
	s := &source{f: f, path: path}
	d, err := newDecompressor(Codec(hdr[6]), f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("spill: open %s: %w", path, err)
	}
	s.dec, s.r = d, d
	if buffered {
		if br, ok := d.(nopDecompressor); ok {
			s.br = br.Reader.(*bufio.Reader)
		} else {
			s.br = newBufReader(d)
		}
		s.r = s.br
	}
	return s, nil
}

// readTrailer reads the trailer and returns its counts.
func (s *source) readTrailer() (uint64, uint64, error) {
	var t [trailerSize]byte
	if _, err := io.ReadFull(s.r, t[:]); err != nil {
		return 0, 0, s.readError(err)
	}
	if [4]byte(t[:4]) != trailerMagic {
		return 0, 0, fmt.Errorf("%w: %s: bad trailer", ErrCorrupt, s.path)
	}
	return binary.LittleEndian.Uint64(t[8:]), binary.LittleEndian.Uint64(t[16:]), nil
}

// readError returns the error of a failed read: a truncated file, an I/O
// error, or contents that do not decode (corrupt).
func (s *source) readError(err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %s is truncated", ErrCorrupt, s.path)
	case errors.As(err, &pe):
		return fmt.Errorf("spill: read %s: %w", s.path, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrCorrupt, s.path, err)
}

func (s *source) close() error {
	if s.f == nil {
		return nil
	}
	s.dec.close()
	err := s.f.Close()
	s.f, s.dec, s.r, s.br = nil, nil, nil, nil
	return err
}
