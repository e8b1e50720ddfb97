package rows

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"slices"
)

// SortBuffer is a most-significant-first sort over normalized keys. A sort
// key is cut into parts that each give a row a 64-bit key ordering, as
// unsigned integers, like that part of the key: one part for the
// fixed-width kinds; the high then the low word of a wide DECIMAL; for
// STRING and BINARY 7 bytes a part followed by a byte of how many bytes are
// left (0 to 7, or 8 for more), so that a part orders strings exactly up to
// their prefixes. The (key, index) pairs of a run of rows are sorted (by an
// LSD radix sort for large runs, which skips the byte positions where all
// keys agree, by pdqsort on the pairs for small ones; both stable), then
// each run of equal keys is sorted by the next part or the next sort key.
// At the first part of a sort key the NULLs are set apart, first or last,
// and sorted by the next sort key. Tiny runs and ARRAY keys are sorted by
// the Comparator.

const (
	radixMin = 2048 // runs from this size are radix sorted
	tinyRun  = 12   // runs up to this size are sorted by the comparator
)

// prefixEntry is a row's normalized key part and index.
type prefixEntry struct {
	key uint64
	idx int32
}

// sorter holds a SortBuffer's state: ents and tmp parallel the result, so
// that a run at positions [p, p+n) uses ents[p:p+n] and tmp[p:p+n].
type sorter struct {
	b    *Buffer
	c    *Comparator
	ents []prefixEntry
	tmp  []prefixEntry
}

// SortBuffer returns the indices of b's rows in the order c sorts them,
// stably (rows that compare equal keep their order).
func SortBuffer(b *Buffer, c *Comparator) []int32 {
	n := b.Len()
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	if n < 2 || len(c.keys) == 0 {
		return idx
	}
	s := &sorter{b: b, c: c, ents: make([]prefixEntry, n)}
	s.sort(idx, 0, 0, 0)
	return idx
}

// sort sorts run, the rows at positions [pos, pos+len(run)) of the result,
// which are in increasing index order and equal on the sort keys before
// level and on the parts of key level before depth.
func (s *sorter) sort(run []int32, pos, level, depth int) {
	c := s.c
	for len(run) > 1 && level < len(c.keys) {
		k := &c.keys[level]
		if len(run) <= tinyRun || k.kind == KindList {
			sortRun(s.b, c, run, level)
			return
		}
		if k.kind == KindNull {
			level++
			continue
		}
		data, offs := s.b.data, s.b.offs
		ents := s.ents[pos : pos+len(run)]
		m, nulls := 0, 0
		if depth == 0 {
			// Set the NULLs apart, keeping their order, at the start of
			// run; the other rows get their keys.
			for _, r := range run {
				st := offs[r]
				if data[st+k.nb]&k.bit != 0 {
					run[nulls] = r
					nulls++
					continue
				}
				ents[m] = prefixEntry{key: partKey(data[st:offs[r+1]], k, 0), idx: r}
				m++
			}
		} else {
			for i, r := range run {
				ents[i] = prefixEntry{key: partKey(data[offs[r]:offs[r+1]], k, depth), idx: r}
			}
			m = len(run)
		}
		ents = ents[:m]
		// The NULLs go first or last, and the entries of the other rows
		// to their positions.
		valStart := 0
		if nulls > 0 {
			if k.nullsFirst {
				valStart = nulls
				copy(s.ents[pos+nulls:pos+nulls+m], ents)
				ents = s.ents[pos+nulls : pos+nulls+m]
				s.sort(run[:nulls], pos, level+1, 0)
			} else {
				copy(run[m:], run[:nulls])
				s.sort(run[m:], pos+m, level+1, 0)
			}
		}
		base := pos + valStart
		if m >= radixMin {
			if s.tmp == nil {
				s.tmp = make([]prefixEntry, len(s.ents))
			}
			radixSort(ents, s.tmp[base:base+m])
		} else {
			slices.SortFunc(ents, func(a, b prefixEntry) int {
				if a.key != b.key {
					return cmp.Compare(a.key, b.key)
				}
				return cmp.Compare(a.idx, b.idx)
			})
		}
		vals := run[valStart : valStart+m]
		for i, e := range ents {
			vals[i] = e.idx
		}
		// Runs of equal keys: sort them by what comes next.
		for i := 0; i < m; {
			j := i + 1
			for j < m && ents[j].key == ents[i].key {
				j++
			}
			if j-i > 1 {
				nl, nd := s.next(k, level, depth, ents[i].key, vals[i:j])
				s.sort(vals[i:j], base+i, nl, nd)
			}
			i = j
		}
		return
	}
}

// next returns the level and depth to sort a run of rows whose part at
// (level, depth) has key key by.
func (s *sorter) next(k *cmpKey, level, depth int, key uint64, run []int32) (int, int) {
	switch k.kind {
	case KindDec128:
		if depth == 0 {
			return level, 1
		}
	case KindBytes:
		if k.desc {
			key = ^key
		}
		if key&0xff < 8 {
			return level + 1, 0 // the values ended: they are equal
		}
		// Equal so far and longer: if all are equal, the key is done.
		first := varBytes(s.b.Row(int(run[0])), k.slot)
		for _, r := range run[1:] {
			if !bytes.Equal(first, varBytes(s.b.Row(int(r)), k.slot)) {
				return level, depth + 1
			}
		}
	}
	return level + 1, 0
}

// sortRun sorts row indices, which are in increasing order, by the keys
// from the first-th on, stably.
func sortRun(b *Buffer, c *Comparator, run []int32, first int) {
	if len(run) < 2 || first >= len(c.keys) {
		return
	}
	slices.SortFunc(run, func(x, y int32) int {
		if r := c.compareFrom(b.Row(int(x)), b.Row(int(y)), first); r != 0 {
			return r
		}
		return int(x - y)
	})
}

// partKey returns the normalized 64-bit key of part depth of row r's
// (non-NULL) field k.
func partKey(r []byte, k *cmpKey, depth int) uint64 {
	var p uint64
	switch k.kind {
	case KindBool, KindInt32, KindInt64, KindDec64:
		p = binary.LittleEndian.Uint64(r[k.slot:]) ^ 1<<63
	case KindFloat64:
		p = doubleKey(math.Float64frombits(binary.LittleEndian.Uint64(r[k.slot:])))
	case KindDec128:
		if v := varBytes(r, k.slot); len(v) >= 16 {
			if depth == 0 {
				p = binary.LittleEndian.Uint64(v[8:]) ^ 1<<63
			} else {
				p = binary.LittleEndian.Uint64(v)
			}
		}
	case KindBytes:
		v := varBytes(r, k.slot)
		if off := 7 * depth; off < len(v) {
			v = v[off:]
		} else {
			v = nil
		}
		if len(v) >= 8 {
			p = binary.BigEndian.Uint64(v)&^0xff | 8
		} else {
			for i, c := range v {
				if i < 7 {
					p |= uint64(c) << (56 - 8*uint(i))
				}
			}
			p |= uint64(min(len(v), 8))
		}
	}
	if k.desc {
		p = ^p
	}
	return p
}

// doubleKey maps a DOUBLE to an unsigned key in Spark's order: -0.0 as 0.0,
// every NaN alike and above +Inf.
func doubleKey(f float64) uint64 {
	switch {
	case f == 0:
		f = 0
	case f != f:
		return math.MaxUint64
	}
	b := math.Float64bits(f)
	if b&(1<<63) != 0 {
		return ^b
	}
	return b | 1<<63
}

// radixSort sorts entries by key, stably, using tmp (of the same length):
// an LSD radix sort of one byte a pass, skipping the bytes where every key
// is the same.
func radixSort(ents, tmp []prefixEntry) {
	n := len(ents)
	var counts [8][256]int32
	for _, e := range ents {
		k := e.key
		counts[0][byte(k)]++
		counts[1][byte(k>>8)]++
		counts[2][byte(k>>16)]++
		counts[3][byte(k>>24)]++
		counts[4][byte(k>>32)]++
		counts[5][byte(k>>40)]++
		counts[6][byte(k>>48)]++
		counts[7][byte(k>>56)]++
	}
	src, dst := ents, tmp[:n]
	for d := 0; d < 8; d++ {
		c := &counts[d]
		sh := 8 * uint(d)
		if int(c[byte(src[0].key>>sh)]) == n {
			continue // every key has the same byte here
		}
		var sum int32
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		for _, e := range src {
			b := byte(e.key >> sh)
			dst[c[b]] = e
			c[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &ents[0] {
		copy(ents, src)
	}
}
