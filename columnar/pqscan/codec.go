package pqscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/compress/brotli"
	"github.com/parquet-go/parquet-go/format"
)

// The reader decompresses pages itself instead of leaving it to parquet-go,
// whose codecs (v0.32) trust the input: its LZ4 decoder doubles its output
// buffer forever on corrupt data, its gzip and brotli decoders grow the
// output until the stream ends, and snappy allocates whatever the stream
// header claims. Here every codec writes into a buffer of exactly the size
// the page header declares and fails if the data decodes to any other size.
// It also adds the deprecated LZ4 codec (Hadoop framing, with a fallback to a
// bare LZ4 block), which parquet-go lacks, and takes the codec of each column
// chunk rather than one per column.

var errSize = errors.New("decompressed size differs from the page header")

// decompress decodes src, compressed with codec, into dst, which has exactly
// the declared uncompressed size.
func decompress(codec format.CompressionCodec, dst, src []byte) error {
	switch codec {
	case format.Uncompressed:
		if len(src) != len(dst) {
			return errSize
		}
		copy(dst, src)
		return nil
	case format.Snappy:
		n, err := s2.DecodedLen(src)
		if err != nil {
			return fmt.Errorf("snappy: %w", err)
		}
		if n != len(dst) {
			return errSize
		}
		if _, err := s2.Decode(dst, src); err != nil {
			return fmt.Errorf("snappy: %w", err)
		}
		return nil
	case format.Gzip:
		return gunzip(dst, src)
	case format.Zstd:
		return unzstd(dst, src)
	case format.Lz4Raw:
		n, err := lz4Block(dst, src)
		if err != nil {
			return fmt.Errorf("lz4_raw: %w", err)
		}
		if n != len(dst) {
			return errSize
		}
		return nil
	case format.Lz4:
		return lz4Hadoop(dst, src)
	case format.Brotli:
		// parquet-go's brotli codec is the only brotli decoder available;
		// it is given a buffer of the declared size, and the result is
		// checked against it.
		out, err := brotliCodec.Decode(dst[:0], src)
		if err != nil {
			return fmt.Errorf("brotli: %w", err)
		}
		if len(out) != len(dst) {
			return errSize
		}
		if len(dst) > 0 && &out[0] != &dst[0] {
			copy(dst, out)
		}
		return nil
	}
	return fmt.Errorf("%w: compression codec %s", ErrUnsupported, codec)
}

var brotliCodec brotli.Codec

var gzipReaders sync.Pool

func gunzip(dst, src []byte) error {
	var zr *gzip.Reader
	if v := gzipReaders.Get(); v != nil {
		zr = v.(*gzip.Reader)
		if err := zr.Reset(bytes.NewReader(src)); err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
	} else {
		var err error
		if zr, err = gzip.NewReader(bytes.NewReader(src)); err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
	}
	defer gzipReaders.Put(zr)
	if _, err := io.ReadFull(zr, dst); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return errSize
		}
		return fmt.Errorf("gzip: %w", err)
	}
	var one [1]byte
	if n, _ := zr.Read(one[:]); n != 0 {
		return errSize
	}
	return nil
}

var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(maxPageBytes),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderLowmem(true),
	)
	if err != nil {
		return err
	}
	return d
}}

func unzstd(dst, src []byte) error {
	v := zstdDecoders.Get()
	d, ok := v.(*zstd.Decoder)
	if !ok {
		return fmt.Errorf("zstd: %v", v)
	}
	defer zstdDecoders.Put(d)
	out, err := d.DecodeAll(src, dst[:0])
	if err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	if len(out) != len(dst) {
		return errSize
	}
	return nil
}

// lz4Hadoop decodes the deprecated LZ4 codec. Writers used two framings:
// Hadoop's (blocks of a 4-byte big-endian decompressed size, a 4-byte
// big-endian compressed size and an LZ4 block) and, wrongly, a bare LZ4
// block. As Arrow does, try the Hadoop framing first.
func lz4Hadoop(dst, src []byte) error {
	if hadoopLZ4(dst, src) {
		return nil
	}
	n, err := lz4Block(dst, src)
	if err != nil {
		return fmt.Errorf("lz4: %w", err)
	}
	if n != len(dst) {
		return errSize
	}
	return nil
}

func hadoopLZ4(dst, src []byte) bool {
	out := 0
	for len(src) > 0 {
		if len(src) < 8 {
			return false
		}
		dlen := int(binary.BigEndian.Uint32(src))
		clen := int(binary.BigEndian.Uint32(src[4:]))
		src = src[8:]
		if clen > len(src) || dlen > len(dst)-out {
			return false
		}
		n, err := lz4Block(dst[out:out+dlen], src[:clen])
		if err != nil || n != dlen {
			return false
		}
		out += dlen
		src = src[clen:]
	}
	return out == len(dst)
}

var errLZ4 = errors.New("corrupt LZ4 block")

// lz4Block decodes one LZ4 block (the format of LZ4_RAW) into dst and
// returns the decoded length. Every read and write is bounds-checked.
func lz4Block(dst, src []byte) (int, error) {
	si, di := 0, 0
	for si < len(src) {
		token := src[si]
		si++
		lit := int(token >> 4)
		if lit == 15 {
			for {
				if si >= len(src) {
					return 0, errLZ4
				}
				b := src[si]
				si++
				lit += int(b)
				if b != 255 {
					break
				}
			}
		}
		if lit > len(src)-si || lit > len(dst)-di {
			return 0, errLZ4
		}
		copy(dst[di:], src[si:si+lit])
		si += lit
		di += lit
		if si == len(src) {
			break // the last sequence has only literals
		}
		if si+2 > len(src) {
			return 0, errLZ4
		}
		off := int(src[si]) | int(src[si+1])<<8
		si += 2
		if off == 0 || off > di {
			return 0, errLZ4
		}
		ml := int(token & 15)
		if ml == 15 {
			for {
				if si >= len(src) {
					return 0, errLZ4
				}
				b := src[si]
				si++
				ml += int(b)
				if b != 255 {
					break
				}
			}
		}
		ml += 4
		if ml > len(dst)-di {
			return 0, errLZ4
		}
		if off >= ml {
			copy(dst[di:di+ml], dst[di-off:di-off+ml])
		} else {
			for i := 0; i < ml; i++ {
				dst[di+i] = dst[di-off+i]
			}
		}
		di += ml
	}
	return di, nil
}
