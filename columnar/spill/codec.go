package spill

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Codec is the compression of a spill file's stream.
type Codec uint8

// The codecs.
const (
	// None writes the stream uncompressed.
	None Codec = iota
	// S2 compresses with S2 (klauspost/compress), a fast Snappy successor:
	// the default, as spilling is bound by the CPU far more often than by
	// the disk.
	S2
	// Zstd compresses with Zstandard at its fastest level: smaller files for
	// more CPU.
	Zstd
)

// DefaultCodec is the codec operators spill with.
const DefaultCodec = S2

// String returns the codec's name: none, s2 or zstd.
func (c Codec) String() string {
	switch c {
	case None:
		return "none"
	case S2:
		return "s2"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("Codec(%d)", uint8(c))
}

// ParseCodec returns the codec named s (none, s2 or zstd; case-insensitive).
func ParseCodec(s string) (Codec, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "uncompressed":
		return None, nil
	case "s2":
		return S2, nil
	case "zstd":
		return Zstd, nil
	}
	return 0, fmt.Errorf("spill: unknown codec %q (want none, s2 or zstd)", s)
}

func (c Codec) valid() bool { return c <= Zstd }

const (
	// blockSize is the S2 block size: small enough that many open files
	// (a merge's runs, a hash aggregation's partitions) cost little heap.
	blockSize = 32 << 10
	// bufSize is the size of the bufio buffers above the codec (a row
	// reader hands out rows up to this size without copying them).
	bufSize = 16 << 10
	// zstdWindow is the Zstandard window: it bounds the codec's memory.
	zstdWindow = 256 << 10
)

// FileOverhead returns about the most Go heap an open Writer, Reader,
// RowWriter or RowReader of codec c holds for its I/O and codec buffers
// (besides the batches it returns; a RowReader also keeps a copy of a row
// longer than bufSize). Operators that open many files at once (a merge)
// reserve it per file.
func (c Codec) FileOverhead() int64 {
	switch c {
	case S2:
		return bufSize + blockSize + int64(s2.MaxEncodedLen(blockSize)) + 8<<10
	case Zstd:
		return 2*bufSize + 2*zstdWindow + 192<<10
	}
	return 2*bufSize + 8<<10
}

// compressor is the write side of a codec.
type compressor interface {
	io.Writer
	Close() error // flushes the stream's end; does not close the file
}

// nopCompressor passes bytes through.
type nopCompressor struct{ io.Writer }

func (nopCompressor) Close() error { return nil }

func newCompressor(c Codec, w io.Writer) (compressor, error) {
	switch c {
	case None:
		return nopCompressor{w}, nil
	case S2:
		return s2.NewWriter(w, s2.WriterConcurrency(1), s2.WriterBlockSize(blockSize)), nil
	case Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(zstdWindow), zstd.WithEncoderCRC(true))
	}
	return nil, fmt.Errorf("spill: unknown codec %d", uint8(c))
}

// decompressor is the read side of a codec.
type decompressor interface {
	io.Reader
	close()
}

type nopDecompressor struct{ io.Reader }

func (nopDecompressor) close() {}

type s2Decompressor struct{ *s2.Reader }

func (s2Decompressor) close() {}

type zstdDecompressor struct{ *zstd.Decoder }

func (z zstdDecompressor) close() { z.Decoder.Close() }

// newDecompressor returns the decompressing reader of f (the file). The
// S2 reader reads whole blocks from the file; the others read through a
// buffer.
func newDecompressor(c Codec, f io.Reader) (decompressor, error) {
	switch c {
	case None:
		return nopDecompressor{newBufReader(f)}, nil
	case S2:
		return s2Decompressor{s2.NewReader(f, s2.ReaderMaxBlockSize(blockSize))}, nil
	case Zstd:
		d, err := zstd.NewReader(newBufReader(f), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdWindow))
		if err != nil {
			return nil, err
		}
		return zstdDecompressor{d}, nil
	}
	return nil, fmt.Errorf("unknown codec %d", uint8(c))
}

// newBufReader returns a buffered reader of r.
func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, bufSize) }
