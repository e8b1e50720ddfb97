package join

import (
	"fmt"
	"hash/maphash"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

const (
	mulK1 = 0x9e3779b97f4a7c15
	mulK2 = 0xc2b2ae3d27d4eb4f
)

// bytesSeed seeds the hash of string keys; it is fixed for the life of the
// process, so a key hashes alike wherever it is hashed (a spilled partition
// is hashed again when it is read back).
var bytesSeed = maphash.MakeSeed()

// hashMask is applied to the general (non-bijective) hash; tests narrow it
// to force collisions between different keys.
var hashMask = ^uint64(0)

// fmix64 is MurmurHash3's 64-bit finalizer: a bijection that spreads every
// input bit over the whole word.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// combine folds one column's value into a row's running hash.
func combine(h, v uint64) uint64 { return (bits.RotateLeft64(h, 23) ^ v) * mulK1 }

// packable reports whether keys of these kinds hash by a bijection of their
// value: one column whose values fit 64 bits and compare as their bits
// (DOUBLE after normalizing -0.0 and NaN).
func packable(kinds []kind) bool {
	if len(kinds) != 1 {
		return false
	}
	switch kinds[0] {
	case kBool, kI32, kI64, kF64:
		return true
	}
	return false
}

// hashBlock is the number of rows hashed at a time by the general hash
// (its per-column scratch).
const hashBlock = 256

// hashViews computes the hash of every row of the key columns into out
// (len(out) rows) and, when some row has a NULL key, marks those rows in
// null (same length; cleared first) and reports true. NULL rows' hashes are
// meaningless.
func hashViews(views []colView, packed bool, seed uint64, out []uint64, null []bool) bool {
	n := len(out)
	if packed {
		hashPacked(&views[0], seed, out)
	} else {
		for i := range out {
			out[i] = seed
		}
		var tmp [hashBlock]uint64
		for c := range views {
			v := &views[c]
			for base := 0; base < n; base += hashBlock {
				m := min(hashBlock, n-base)
				ch := tmp[:m]
				colHashes(v, base, ch)
				o := out[base : base+m]
				for i, x := range ch {
					o[i] = combine(o[i], x)
				}
				if v.kind == kDec {
					// the high words, as a second value
					for i := range ch {
						ch[i] = uint64(v.dec[base+i].HighBits())
					}
					for i, x := range ch {
						o[i] = combine(o[i], x)
					}
				}
			}
		}
		for i, h := range out {
			out[i] = fmix64(h) & hashMask
		}
	}
	anyNull := false
	for c := range views {
		if views[c].kind == kNull || views[c].valid != nil {
			anyNull = true
			break
		}
	}
	if !anyNull {
		return false
	}
	clear(null[:n])
	found := false
	for c := range views {
		v := &views[c]
		if v.kind == kNull {
			for i := range null[:n] {
				null[i] = true
			}
			return true
		}
		if v.valid == nil {
			continue
		}
		if bitutil.CountSetBits(v.valid, v.voff, n) == n {
			continue
		}
		found = true
		for i := 0; i < n; i++ {
			if !bitutil.BitIsSet(v.valid, v.voff+i) {
				null[i] = true
			}
		}
	}
	return found
}

// hashPacked hashes a single integer-like key column: fmix64(value ^ seed),
// a bijection of the value.
func hashPacked(v *colView, seed uint64, out []uint64) {
	switch v.kind {
	case kBool:
		for i := range out {
			var x uint64
			if bitutil.BitIsSet(v.bits, v.boff+i) {
				x = 1
			}
			out[i] = fmix64(x ^ seed)
		}
	case kI32:
		for i, x := range v.i32[:len(out)] {
			out[i] = fmix64(uint64(int64(x)) ^ seed)
		}
	case kI64:
		for i, x := range v.i64[:len(out)] {
			out[i] = fmix64(uint64(x) ^ seed)
		}
	case kF64:
		for i, x := range v.f64[:len(out)] {
			out[i] = fmix64(normF64(x) ^ seed)
		}
	}
}

// colHashes writes the value of rows base.. of a column, as a 64-bit word
// to fold into the row hash (decimals: their low word), into ch.
func colHashes(v *colView, base int, ch []uint64) {
	switch v.kind {
	case kNull:
		for i := range ch {
			ch[i] = 0
		}
	case kBool:
		for i := range ch {
			ch[i] = 0
			if bitutil.BitIsSet(v.bits, v.boff+base+i) {
				ch[i] = 1
			}
		}
	case kI32:
		for i, x := range v.i32[base : base+len(ch)] {
			ch[i] = uint64(int64(x))
		}
	case kI64:
		for i, x := range v.i64[base : base+len(ch)] {
			ch[i] = uint64(x)
		}
	case kF64:
		for i, x := range v.f64[base : base+len(ch)] {
			ch[i] = normF64(x)
		}
	case kDec:
		for i, x := range v.dec[base : base+len(ch)] {
			ch[i] = x.LowBits()
		}
	case kBytes:
		offs, data := v.offs, v.data
		for i := range ch {
			r := base + i
			ch[i] = maphash.Bytes(bytesSeed, data[offs[r]:offs[r+1]]) * mulK2
		}
	}
}

// viewsOf checks key columns against the expected kinds (nil: any
// supported) and returns their views. n is the common length.
func viewsOf(keys []arrow.Array, types []arrow.DataType, dst []colView) ([]colView, int, error) {
	if len(keys) == 0 {
		return nil, 0, fmt.Errorf("%w: no key columns", ErrInvalid)
	}
	if types != nil && len(keys) != len(types) {
		return nil, 0, fmt.Errorf("%w: %d key columns, want %d", ErrInvalid, len(keys), len(types))
	}
	n := -1
	dst = dst[:0]
	for i, a := range keys {
		if a == nil {
			return nil, 0, fmt.Errorf("%w: key column %d is nil", ErrInvalid, i)
		}
		if types != nil && !arrow.TypeEqual(a.DataType(), types[i]) {
			return nil, 0, fmt.Errorf("%w: key column %d has type %s, the table's is %s", ErrInvalid, i, a.DataType(), types[i])
		}
		k, err := kindOf(a.DataType())
		if err != nil {
			return nil, 0, fmt.Errorf("key column %d: %w", i, err)
		}
		if n >= 0 && a.Len() != n {
			return nil, 0, fmt.Errorf("%w: key column %d has %d rows, column 0 has %d", ErrInvalid, i, a.Len(), n)
		}
		n = a.Len()
		dst = append(dst, viewOf(a, k))
	}
	return dst, n, nil
}

// HashKeys computes a 64-bit hash of every row's key tuple (one array per
// key column, all of one length) under seed into hashes, which must have
// one element per row, and marks in nulls (same length) the rows with a
// NULL in some key column; it reports whether there was any. Equal keys (by
// the package's key semantics) hash alike under the same seed; different
// seeds give independent hashes, as the levels of a recursive partitioning
// need. The arrays are borrowed.
func HashKeys(keys []arrow.Array, seed uint64, hashes []uint64, nulls []bool) (bool, error) {
	views, n, err := viewsOf(keys, nil, nil)
	if err != nil {
		return false, err
	}
	if len(hashes) != n || len(nulls) != n {
		return false, fmt.Errorf("%w: HashKeys: %d rows but %d hashes and %d null flags", ErrInvalid, n, len(hashes), len(nulls))
	}
	kinds := make([]kind, len(views))
	for i := range views {
		kinds[i] = views[i].kind
	}
	return hashViews(views, packable(kinds), seed, hashes, nulls), nil
}
