package columnar

import (
	"fmt"
	"math"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// Hashing for partitioning rows (the shuffle's hash partitioner): a fast,
// well-mixed 64-bit hash per row over one or more key columns. Equal values
// hash equally whatever array they are in; NULLs hash to a fixed value;
// -0.0 and 0.0 hash alike, and all NaNs alike.

const (
	hashSeed  = 0x9E3779B97F4A7C15
	nullHash  = 0x5BD1E9955BD1E995
	hashMul   = 0xbf58476d1ce4e5b9
	hashMul2  = 0x94d049bb133111eb
	hashFinal = 0xff51afd7ed558ccd
)

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= hashMul
	x ^= x >> 27
	x *= hashMul2
	x ^= x >> 31
	return x
}

func combine(h, v uint64) uint64 {
	return mix64(h ^ (v + hashSeed + (h << 6) + (h >> 2)))
}

// HashSeed is the hash of zero key columns: HashColumns starts every row's
// hash from it.
const HashSeed uint64 = hashSeed

// HashNull is the value a NULL contributes to a row's hash.
const HashNull uint64 = nullHash

// HashCombine adds a value's 64 bits to a running hash, as HashColumns does
// column by column; row-format code hashes values with it so that rows and
// Arrow arrays partition alike.
func HashCombine(h, v uint64) uint64 { return combine(h, v) }

// HashColumns computes a hash per row over cols (all of the same length)
// into out, which must have that length.
func HashColumns(cols []arrow.Array, out []uint64) error {
	for i := range out {
		out[i] = hashSeed
	}
	for _, c := range cols {
		if c.Len() != len(out) {
			return fmt.Errorf("hash: column of %d rows, want %d", c.Len(), len(out))
		}
		if err := hashInto(c, out); err != nil {
			return err
		}
	}
	return nil
}

func hashInto(arr arrow.Array, out []uint64) error {
	var prev []uint64
	if arr.NullN() > 0 {
		prev = append([]uint64(nil), out...)
	}
	switch a := arr.(type) {
	case *array.Int32:
		for i, v := range a.Int32Values() {
			out[i] = combine(out[i], uint64(int64(v)))
		}
	case *array.Date32:
		for i, v := range a.Date32Values() {
			out[i] = combine(out[i], uint64(int64(v)))
		}
	case *array.Int64:
		for i, v := range a.Int64Values() {
			out[i] = combine(out[i], uint64(v))
		}
	case *array.Timestamp:
		for i, v := range a.TimestampValues() {
			out[i] = combine(out[i], uint64(v))
		}
	case *array.Float64:
		for i, v := range a.Float64Values() {
			switch {
			case v == 0:
				v = 0
			case v != v:
				v = math.NaN()
			}
			out[i] = combine(out[i], math.Float64bits(v))
		}
	case *array.Boolean:
		for i := 0; i < a.Len(); i++ {
			var v uint64
			if a.Value(i) {
				v = 1
			}
			out[i] = combine(out[i], v)
		}
	case *array.Decimal128:
		vals := a.Values()
		for i, v := range vals {
			out[i] = combine(combine(out[i], v.LowBits()), uint64(v.HighBits()))
		}
	case *array.String:
		for i := 0; i < a.Len(); i++ {
			out[i] = combine(out[i], HashBytes(unsafe.Slice(unsafe.StringData(a.Value(i)), len(a.Value(i)))))
		}
	case *array.Binary:
		for i := 0; i < a.Len(); i++ {
			out[i] = combine(out[i], HashBytes(a.Value(i)))
		}
	case *array.Null:
		for i := range out {
			out[i] = combine(out[i], nullHash)
		}
		return nil
	default:
		return fmt.Errorf("hash: unsupported type %s", arr.DataType())
	}
	if prev != nil {
		bm := arr.NullBitmapBytes()
		off := arr.Data().Offset()
		for i := range out {
			if !bitutil.BitIsSet(bm, off+i) {
				out[i] = combine(prev[i], nullHash)
			}
		}
	}
	return nil
}

// HashBytes hashes a byte string.
func HashBytes(b []byte) uint64 {
	h := uint64(len(b)) * hashFinal
	for len(b) >= 8 {
		v := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		hi, lo := bits.Mul64(h^v, hashMul)
		h = hi ^ lo
		b = b[8:]
	}
	var v uint64
	for i, c := range b {
		v |= uint64(c) << (8 * i)
	}
	hi, lo := bits.Mul64(h^v, hashMul2)
	return mix64(hi ^ lo)
}
