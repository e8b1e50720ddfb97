package pqscan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// Definition levels of a flat optional column are one byte per row, 0 for
// null and 1 for a value. These helpers work on them eight at a time.

// countDefs returns the number of 1 bytes in defs and whether every byte is
// 0 or 1.
func countDefs(defs []byte) (ones int, ok bool) {
	var or uint64
	i := 0
	for ; i+8 <= len(defs); i += 8 {
		w := binary.LittleEndian.Uint64(defs[i:])
		or |= w
		ones += bits.OnesCount64(w)
	}
	for ; i < len(defs); i++ {
		or |= uint64(defs[i])
		ones += int(defs[i] & 1)
	}
	return ones, or&^0x0101010101010101 == 0
}

// countOnes returns the number of 1 bytes in defs, whose bytes are 0 or 1.
func countOnes(defs []byte) int {
	ones := 0
	i := 0
	for ; i+8 <= len(defs); i += 8 {
		ones += bits.OnesCount64(binary.LittleEndian.Uint64(defs[i:]))
	}
	for ; i < len(defs); i++ {
		ones += int(defs[i])
	}
	return ones
}

// writeDefBits sets bit at+i of bitmap to defs[i] (0 or 1) for every i.
func writeDefBits(bitmap []byte, at int, defs []byte) {
	i := 0
	for ; i < len(defs) && (at+i)&7 != 0; i++ {
		j := at + i
		bitmap[j>>3] = bitmap[j>>3]&^(1<<(j&7)) | defs[i]<<(j&7)
	}
	for ; i+8 <= len(defs); i += 8 {
		w := binary.LittleEndian.Uint64(defs[i:])
		bitmap[(at+i)>>3] = byte((w * 0x0102040810204080) >> 56)
	}
	for ; i < len(defs); i++ {
		j := at + i
		bitmap[j>>3] = bitmap[j>>3]&^(1<<(j&7)) | defs[i]<<(j&7)
	}
}

// decodeRLEBools decodes n booleans in the RLE / bit-packing hybrid encoding
// of bit width 1, preceded by its 4-byte little-endian length (the layout of
// RLE-encoded BOOLEAN data pages), into a bitmap reusing dst. parquet-go
// v0.32 decodes RLE runs of booleans wrongly (it repeats the run's value byte
// instead of its bit), so the reader decodes these pages itself.
func decodeRLEBools(src []byte, n int, dst []byte) ([]byte, error) {
	if len(src) < 4 {
		return nil, errors.New("RLE boolean data shorter than its length prefix")
	}
	l := binary.LittleEndian.Uint32(src)
	if uint64(l) > uint64(len(src)-4) {
		return nil, fmt.Errorf("RLE boolean data declares %d bytes, %d remain", l, len(src)-4)
	}
	src = src[4 : 4+l]
	nb := (n + 7) / 8
	if cap(dst) < nb {
		dst = make([]byte, nb)
	}
	dst = dst[:nb]
	clear(dst)
	got := 0
	for i := 0; got < n; {
		if i >= len(src) {
			return nil, fmt.Errorf("RLE boolean data holds %d values, %d expected", got, n)
		}
		h, k := binary.Uvarint(src[i:])
		if k <= 0 {
			return nil, errors.New("bad RLE run header")
		}
		i += k
		if h&1 == 1 { // bit-packed: h>>1 groups of 8 values, one byte each
			groups := h >> 1
			if groups > uint64(len(src)-i) {
				return nil, errors.New("bit-packed run longer than the data")
			}
			cnt := min(int(groups)*8, n-got)
			bitutil.CopyBitmap(src[i:], 0, cnt, dst, got)
			got += cnt
			i += int(groups)
			continue
		}
		count := h >> 1
		if i >= len(src) {
			return nil, errors.New("RLE run without its value")
		}
		v := src[i]&1 != 0
		i++
		cnt := int(min(count, uint64(n-got)))
		if v {
			bitutil.SetBitsTo(dst, int64(got), int64(cnt), true)
		}
		got += cnt
	}
	return dst, nil
}
