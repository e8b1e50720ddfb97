package sorting

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
)

// The sort works level by level, like a most-significant-digit radix sort
// whose digits are 64-bit normalized keys: a segment of rows that tie on
// all earlier levels is sorted by the 64-bit order-preserving encoding of its
// next key (a least-significant-digit radix sort, which is stable), then
// every run of equal encodings is sorted by the following level. A fixed-width
// key is one level; a string contributes 7 bytes and a length byte per level
// until the strings of a run are exhausted; a decimal that does not fit in 64
// bits is two levels. NULLs of a key are split off (stably) before its first
// level. Small segments are finished by an insertion sort on the comparator.
// Every step is stable, so rows with equal keys keep their input order.

const (
	insertionMax = 8  // segments up to this size use the comparator
	pairsMax     = 48 // ... up to this, insertion sort on encoded keys
)

type sorter struct {
	cols   []colView
	fits64 []bool // kDecimal: every value fits in an int64
	idx    []int32
	keys   []uint64
	tmpK   []uint64
	tmpI   []int32
	counts []int // radix histograms
}

func sortIndices(batch arrow.RecordBatch, keys []SortKey) ([]int32, error) {
	if batch == nil {
		return nil, fmt.Errorf("%w: SortIndices: nil batch", ErrInvalid)
	}
	n := batch.NumRows()
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("%w: SortIndices: %d rows, more than 2^31-1", ErrInvalid, n)
	}
	cols, err := viewsOf(batch, keys, nil)
	if err != nil {
		return nil, fmt.Errorf("SortIndices: %w", err)
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	if n < 2 || len(keys) == 0 {
		return idx, nil
	}
	s := &sorter{cols: cols, idx: idx, fits64: make([]bool, len(cols))}
	for k := range cols {
		c := &cols[k]
		if c.kind == kDecimal {
			s.fits64[k] = decimalsFit64(c)
		}
	}
	s.sortRange(0, int(n), 0, 0)
	return idx, nil
}

func decimalsFit64(c *colView) bool {
	for _, d := range c.dec {
		if d.HighBits() != int64(d.LowBits())>>63 {
			return false
		}
	}
	return true
}

// sortRange sorts idx[lo:hi], whose rows tie on keys before k (and, at
// off > 0, on the first off bytes or words of key k).
func (s *sorter) sortRange(lo, hi, k, off int) {
	for hi-lo > 1 && k < len(s.cols) {
		c := &s.cols[k]
		if hi-lo <= insertionMax {
			s.insertion(lo, hi, k)
			return
		}
		if c.allNull || c.kind == kNull {
			k, off = k+1, 0
			continue
		}
		if off == 0 && c.valid != nil {
			nlo, nhi, vlo, vhi := s.splitNulls(lo, hi, c)
			s.sortRange(nlo, nhi, k+1, 0)
			lo, hi = vlo, vhi
			if hi-lo <= 1 {
				return
			}
			if hi-lo <= insertionMax {
				s.insertion(lo, hi, k)
				return
			}
		}
		s.encode(lo, hi, k, off)
		s.radix(lo, hi)
		// Runs of equal encodings go to the next level.
		last := k == len(s.cols)-1 && !s.multiLevel(k)
		if last {
			return
		}
		keys := s.keys
		a := lo
		for a < hi {
			b := a + 1
			for b < hi && keys[b] == keys[a] {
				b++
			}
			if b-a > 1 {
				nk, noff := s.nextLevel(k, off, int(s.idx[a]))
				s.sortRange(a, b, nk, noff)
			}
			a = b
		}
		return
	}
}

// multiLevel reports whether key k may take more than one level.
func (s *sorter) multiLevel(k int) bool {
	c := &s.cols[k]
	return c.kind == kBytes || (c.kind == kDecimal && !s.fits64[k])
}

// nextLevel returns the level that follows (k, off) for a run whose first
// row is row.
func (s *sorter) nextLevel(k, off, row int) (int, int) {
	c := &s.cols[k]
	switch c.kind {
	case kBytes:
		if int(c.offs[row+1]-c.offs[row])-off > 7 {
			return k, off + 7
		}
	case kDecimal:
		if !s.fits64[k] && off == 0 {
			return k, 1
		}
	}
	return k + 1, 0
}

// splitNulls stably moves the NULL rows of key c in idx[lo:hi] to the front
// (NullsFirst) or back, returning the NULL and the non-NULL ranges.
func (s *sorter) splitNulls(lo, hi int, c *colView) (nlo, nhi, vlo, vhi int) {
	s.ensureTmp()
	idx := s.idx
	tmp := s.tmpI[lo:hi]
	nn := 0
	nv := 0
	// Non-NULL rows go to tmp from the front, NULL rows to idx (compacted).
	for p := lo; p < hi; p++ {
		r := idx[p]
		if c.isNull(int(r)) {
			idx[lo+nn] = r
			nn++
		} else {
			tmp[nv] = r
			nv++
		}
	}
	if c.nullsFirst {
		copy(idx[lo+nn:hi], tmp[:nv])
		return lo, lo + nn, lo + nn, hi
	}
	// NULLs last: move them behind the values.
	copy(tmp[nv:], idx[lo:lo+nn])
	copy(idx[lo:hi], tmp[:nv+nn])
	return lo + nv, hi, lo, lo + nv
}

func (s *sorter) ensureTmp() {
	if s.tmpI == nil {
		n := len(s.idx)
		s.keys = make([]uint64, n)
		s.tmpK = make([]uint64, n)
		s.tmpI = make([]int32, n)
	}
}

// encode writes the order-preserving 64-bit encoding of level (k, off) of
// the rows idx[lo:hi] (all non-NULL) to keys[lo:hi].
func (s *sorter) encode(lo, hi, k, off int) {
	s.ensureTmp()
	c := &s.cols[k]
	idx := s.idx[lo:hi]
	keys := s.keys[lo:hi]
	switch c.kind {
	case kBool:
		for p, r := range idx {
			keys[p] = 0
			if c.bits[(c.boff+int(r))>>3]&(1<<uint((c.boff+int(r))&7)) != 0 {
				keys[p] = 1
			}
		}
	case kInt32:
		v := c.i32
		for p, r := range idx {
			keys[p] = uint64(uint32(v[r]) ^ 0x80000000)
		}
	case kInt64:
		v := c.i64
		for p, r := range idx {
			keys[p] = uint64(v[r]) ^ (1 << 63)
		}
	case kFloat64:
		v := c.f64
		for p, r := range idx {
			keys[p] = encodeF64(v[r])
		}
	case kDecimal:
		v := c.dec
		switch {
		case s.fits64[k]:
			for p, r := range idx {
				keys[p] = v[r].LowBits() ^ (1 << 63)
			}
		case off == 0:
			for p, r := range idx {
				keys[p] = uint64(v[r].HighBits()) ^ (1 << 63)
			}
		default:
			for p, r := range idx {
				keys[p] = v[r].LowBits()
			}
		}
	case kBytes:
		offs, data := c.offs, c.data
		for p, r := range idx {
			b, e := int(offs[r])+off, int(offs[r+1])
			keys[p] = encodeBytes(data, b, e)
		}
	}
	if c.desc {
		for p := range keys {
			keys[p] = ^keys[p]
		}
	}
}

// encodeF64 maps a double to a uint64 whose unsigned order is Spark's order
// of doubles (-0.0 = 0.0, NaN greatest).
func encodeF64(f float64) uint64 {
	if f == 0 {
		f = 0 // -0.0 -> 0.0
	}
	u := math.Float64bits(f)
	if f != f {
		return math.MaxUint64
	}
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

// encodeBytes encodes data[b:e] (the rest of a string from the current
// level's offset): the first 7 bytes big-endian (zero padded) and, in the
// low byte, the remaining length capped at 8, so that a shorter string sorts
// before a longer one it is a prefix of.
func encodeBytes(data []byte, b, e int) uint64 {
	rem := e - b
	if rem >= 8 {
		return binary.BigEndian.Uint64(data[b:b+8])&^0xff | 8
	}
	var x uint64
	for i := 0; i < rem; i++ {
		x |= uint64(data[b+i]) << (56 - 8*uint(i))
	}
	return x | uint64(rem)
}

// radix stably sorts keys[lo:hi] (carrying idx[lo:hi] along) by an LSD
// radix sort over the significant digits of key - min.
func (s *sorter) radix(lo, hi int) {
	keys := s.keys[lo:hi]
	idx := s.idx[lo:hi]
	m := len(keys)
	mn, mx := keys[0], keys[0]
	for _, x := range keys[1:] {
		mn = min(mn, x)
		mx = max(mx, x)
	}
	if mn == mx {
		return
	}
	if m <= pairsMax {
		for p := 1; p < m; p++ {
			k, r := keys[p], idx[p]
			q := p
			for q > 0 && keys[q-1] > k {
				keys[q], idx[q] = keys[q-1], idx[q-1]
				q--
			}
			keys[q], idx[q] = k, r
		}
		return
	}
	// Already sorted? (Common for pre-sorted input and for small runs.)
	sorted := true
	for p := 1; p < m; p++ {
		if keys[p] < keys[p-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return
	}
	span := bits.Len64(mx - mn)
	digit := 8
	if m >= 1<<14 {
		digit = 11
	}
	passes := (span + digit - 1) / digit
	// Spread the digits evenly over the significant bits.
	digit = (span + passes - 1) / passes
	buckets := 1 << digit
	mask := uint64(buckets - 1)
	if cap(s.counts) < buckets*passes {
		s.counts = make([]int, buckets*passes)
	}
	counts := s.counts[:buckets*passes]
	clear(counts)
	for _, x := range keys {
		x -= mn
		for p := 0; p < passes; p++ {
			counts[p*buckets+int((x>>(uint(p*digit)))&mask)]++
		}
	}
	srcK, srcI := keys, idx
	dstK, dstI := s.tmpK[lo:hi], s.tmpI[lo:hi]
	for p := 0; p < passes; p++ {
		cnt := counts[p*buckets : (p+1)*buckets]
		skip := false
		sum := 0
		for b, c := range cnt {
			if c == m {
				skip = true
				break
			}
			cnt[b] = sum
			sum += c
		}
		if skip {
			continue
		}
		shift := uint(p * digit)
		for q, x := range srcK {
			d := ((x - mn) >> shift) & mask
			pos := cnt[d]
			cnt[d] = pos + 1
			dstK[pos] = x
			dstI[pos] = srcI[q]
		}
		srcK, dstK = dstK, srcK
		srcI, dstI = dstI, srcI
	}
	if &srcK[0] != &keys[0] {
		copy(keys, srcK)
		copy(idx, srcI)
	}
}

// insertion sorts idx[lo:hi] by keys k.. with the comparator (stable).
func (s *sorter) insertion(lo, hi, k int) {
	idx := s.idx
	cols := s.cols
	for p := lo + 1; p < hi; p++ {
		r := idx[p]
		q := p
		for q > lo && cmpCols(cols, int(r), cols, int(idx[q-1]), k) < 0 {
			idx[q] = idx[q-1]
			q--
		}
		idx[q] = r
	}
}
