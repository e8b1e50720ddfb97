package agg

import (
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"hash/maphash"
	"math"
	"math/bits"
)

const (
	hashK1   = 0x9e3779b97f4a7c15
	hashK2   = 0xc2b2ae3d27d4eb4f
	nullHash = 0x5bd1e9955bd1e995
)

// fmix64 is MurmurHash3's 64-bit finalizer: it spreads every input bit over
// the whole word.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// combine folds a column's hash into the running row hash.
func combine(h, ch uint64) uint64 {
	return bits.RotateLeft64(h*hashK1, 27) ^ ch
}

// hashColumn folds the hash of every row of c into out (first: set rather
// than fold). Equal values under GROUP BY semantics hash alike.
func hashColumn(c *colData, seed maphash.Seed, out []uint64, first bool) {
	n := c.n
	out = out[:n]
	var tmp [256]uint64
	for base := 0; base < n; base += len(tmp) {
		m := min(len(tmp), n-base)
		ch := tmp[:m]
		switch c.kind {
		case kNull:
			for i := range ch {
				ch[i] = nullHash
			}
		case kBool:
			for i := range ch {
				ch[i] = 0
				if c.boolAt(base + i) {
					ch[i] = hashK2
				}
			}
		case kInt32:
			v := c.i32[base : base+m]
			for i, x := range v {
				ch[i] = uint64(int64(x)) * hashK2
			}
		case kInt64:
			v := c.i64[base : base+m]
			for i, x := range v {
				ch[i] = uint64(x) * hashK2
			}
		case kFloat64:
			v := c.f64[base : base+m]
			for i, x := range v {
				ch[i] = math.Float64bits(normF64(x)) * hashK2
			}
		case kDecimal:
			v := c.dec[base : base+m]
			for i, x := range v {
				ch[i] = x.LowBits()*hashK2 ^ uint64(x.HighBits())*hashK1
			}
		case kBytes:
			offs, data := c.offs, c.data
			for i := range ch {
				r := base + i
				ch[i] = maphash.Bytes(seed, data[offs[r]:offs[r+1]])
			}
		}
		if c.valid != nil {
			for i := range ch {
				if !bitsSet(c.valid, c.voff+base+i) {
					ch[i] = nullHash
				}
			}
		}
		o := out[base : base+m]
		if first {
			copy(o, ch)
		} else {
			for i, x := range ch {
				o[i] = combine(o[i], x)
			}
		}
	}
}

func bitsSet(b []byte, i int) bool { return b[uint(i)>>3]&(1<<(uint(i)&7)) != 0 }

// countSet returns the number of set bits of b in [off, off+n).
func countSet(b []byte, off, n int) int { return bitutil.CountSetBits(b, off, n) }
