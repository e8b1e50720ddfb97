package shuffle

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Codec is the compression of shuffle blocks
// (spark.gluten.sql.columnar.shuffle.codec). Each block is compressed on its
// own; a block that does not shrink is stored raw, whatever the codec.
type Codec uint8

// The codecs.
const (
	// CodecNone stores blocks uncompressed.
	CodecNone Codec = iota
	// CodecLZ4 is LZ4 block compression, Gluten's default.
	CodecLZ4
	// CodecS2 is S2 (a faster, Snappy-compatible family) block compression.
	CodecS2
	// CodecZstd is Zstandard at its fastest level (Gluten's default zstd
	// level is 1).
	CodecZstd
)

// DefaultCodec is the codec used when none is configured (Gluten's).
const DefaultCodec = CodecLZ4

var codecNames = [...]string{"none", "lz4", "s2", "zstd"}

// String returns the codec's configuration name.
func (c Codec) String() string {
	if int(c) < len(codecNames) {
		return codecNames[c]
	}
	return fmt.Sprintf("codec(%d)", uint8(c))
}

// ParseCodec returns the codec named s (none, lz4, s2 or zstd, in any case).
func ParseCodec(s string) (Codec, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for i, n := range codecNames {
		if n == name {
			return Codec(i), nil
		}
	}
	return 0, fmt.Errorf("shuffle: unknown codec %q: spark.gluten.sql.columnar.shuffle.codec must be one of none, lz4, s2, zstd", s)
}

func (c Codec) valid() bool { return int(c) < len(codecNames) }

// compressBound returns the largest output compressing n bytes with c may
// produce (n when c stores raw).
func (c Codec) compressBound(n int) int {
	switch c {
	case CodecLZ4:
		return lz4.CompressBlockBound(n)
	case CodecS2:
		if b := s2.MaxEncodedLen(n); b >= 0 {
			return b
		}
		return n + n/6 + 64 // beyond s2's block limit: Encode fails, raw is stored
	case CodecZstd:
		// ZSTD_COMPRESSBOUND, plus room for the frame header.
		b := n + n>>8 + 64
		if n < 128<<10 {
			b += (128<<10 - n) >> 11
		}
		return b
	}
	return n
}

var (
	zstdEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
		return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
	})
	zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil, zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)),
			zstd.WithDecoderLowmem(true))
	})
)

// compressor compresses blocks with one codec. It keeps per-writer state
// (LZ4's hash table); it is not safe for concurrent use.
type compressor struct {
	codec Codec
	lz    *lz4.Compressor
}

func newCompressor(c Codec) *compressor {
	cp := &compressor{codec: c}
	if c == CodecLZ4 {
		cp.lz = &lz4.Compressor{}
	}
	return cp
}

// compress compresses src into dst, which must hold at least
// c.codec.compressBound(len(src)) bytes. It returns the number of bytes
// written and the codec they are in: CodecNone (src copied) when
// compression does not make the block smaller.
func (c *compressor) compress(dst, src []byte) (int, Codec, error) {
	n := -1
	switch c.codec {
	case CodecLZ4:
		m, err := c.lz.CompressBlock(src, dst)
		if err != nil {
			return 0, 0, fmt.Errorf("shuffle: lz4: %w", err)
		}
		if m > 0 {
			n = m
		}
	case CodecS2:
		if s2.MaxEncodedLen(len(src)) >= 0 {
			out := s2.Encode(dst, src)
			if sameStart(out, dst) {
				n = len(out)
			}
		}
	case CodecZstd:
		enc, err := zstdEncoder()
		if err != nil {
			return 0, 0, fmt.Errorf("shuffle: zstd: %w", err)
		}
		out := enc.EncodeAll(src, dst[:0])
		if sameStart(out, dst) {
			n = len(out)
		}
	}
	if n < 0 || n >= len(src) {
		return copy(dst, src), CodecNone, nil
	}
	return n, c.codec, nil
}

// sameStart reports whether out still lives in dst (the codec did not have
// to allocate a larger buffer).
func sameStart(out, dst []byte) bool {
	return len(out) > 0 && len(dst) > 0 && cap(out) <= cap(dst) &&
		unsafe.SliceData(out) == unsafe.SliceData(dst)
}

var errCorrupt = errors.New("corrupt block")

// decompress decompresses src, compressed with codec, into dst, whose
// length is the block's raw length; the output must fill dst exactly.
func decompress(codec Codec, dst, src []byte) error {
	switch codec {
	case CodecNone:
		if len(src) != len(dst) {
			return fmt.Errorf("%w: stored %d bytes, want %d", errCorrupt, len(src), len(dst))
		}
		copy(dst, src)
		return nil
	case CodecLZ4:
		n, err := lz4.UncompressBlock(src, dst)
		if err != nil {
			return fmt.Errorf("%w: lz4: %v", errCorrupt, err)
		}
		if n != len(dst) {
			return fmt.Errorf("%w: lz4 gave %d bytes, want %d", errCorrupt, n, len(dst))
		}
		return nil
	case CodecS2:
		n, err := s2.DecodedLen(src)
		if err != nil {
			return fmt.Errorf("%w: s2: %v", errCorrupt, err)
		}
		if n != len(dst) {
			return fmt.Errorf("%w: s2 block of %d bytes, want %d", errCorrupt, n, len(dst))
		}
		if _, err := s2.Decode(dst, src); err != nil {
			return fmt.Errorf("%w: s2: %v", errCorrupt, err)
		}
		return nil
	case CodecZstd:
		dec, err := zstdDecoder()
		if err != nil {
			return fmt.Errorf("shuffle: zstd: %w", err)
		}
		out, err := dec.DecodeAll(src, dst[:0])
		if err != nil {
			return fmt.Errorf("%w: zstd: %v", errCorrupt, err)
		}
		if len(out) != len(dst) {
			return fmt.Errorf("%w: zstd gave %d bytes, want %d", errCorrupt, len(out), len(dst))
		}
		if !sameStart(out, dst) {
			copy(dst, out)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown codec %d", errCorrupt, codec)
}
