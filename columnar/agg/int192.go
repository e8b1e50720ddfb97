package agg

import (
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// i192 is a 192-bit two's-complement integer: decimal sums accumulate in it
// exactly (2^64 times more headroom than any decimal128), and overflow is
// judged against the result precision only when the sum is read.
type i192 struct {
	lo, mid uint64
	hi      int64
}

// addDec adds a decimal128.
func (a *i192) addDec(d decimal128.Num) {
	var c uint64
	a.lo, c = bits.Add64(a.lo, d.LowBits(), 0)
	a.mid, c = bits.Add64(a.mid, uint64(d.HighBits()), c)
	a.hi += d.HighBits()>>63 + int64(c)
}

// add adds b.
func (a *i192) add(b i192) {
	var c uint64
	a.lo, c = bits.Add64(a.lo, b.lo, 0)
	a.mid, c = bits.Add64(a.mid, b.mid, c)
	a.hi += b.hi + int64(c)
}

// toDec returns a as a decimal128 and whether it fits in precision digits.
func (a i192) toDec(precision int32) (decimal128.Num, bool) {
	if a.hi != int64(a.mid)>>63 {
		return decimal128.Num{}, false
	}
	d := decimal128.New(int64(a.mid), a.lo)
	return d, d.FitsInPrecision(precision)
}

// neg returns -a.
func (a i192) neg() i192 {
	lo, c := bits.Add64(^a.lo, 1, 0)
	mid, c := bits.Add64(^a.mid, 0, c)
	return i192{lo: lo, mid: mid, hi: ^a.hi + int64(c)}
}

// divRoundHalfUp returns round(a * 10^scaleUp / d) with ties away from zero
// (Java's HALF_UP) as a decimal128, and whether it fits in precision digits.
// d must be positive and scaleUp at most 38.
func (a i192) divRoundHalfUp(scaleUp int32, d int64, precision int32) (decimal128.Num, bool) {
	neg := a.hi < 0
	if neg {
		a = a.neg()
	}
	// |a| * 10^scaleUp as a 256-bit magnitude w[0..3] (little-endian words).
	w := [4]uint64{a.lo, a.mid, uint64(a.hi), 0}
	for scaleUp > 0 {
		step := min(scaleUp, 19)
		m := uint64(1)
		for i := int32(0); i < step; i++ {
			m *= 10
		}
		var carry uint64
		for i := range w {
			hi, lo := bits.Mul64(w[i], m)
			var c uint64
			w[i], c = bits.Add64(lo, carry, 0)
			carry = hi + c
		}
		if carry != 0 {
			return decimal128.Num{}, false
		}
		scaleUp -= step
	}
	div := uint64(d)
	var q [4]uint64
	var r uint64
	for i := 3; i >= 0; i-- {
		q[i], r = bits.Div64(r, w[i], div)
	}
	if r >= div-r { // 2r >= d: round half up (away from zero)
		var c uint64
		for i := range q {
			q[i], c = bits.Add64(q[i], 0, boolU(i == 0)+c)
		}
	}
	if q[3] != 0 || q[2] != 0 || q[1]>>63 != 0 {
		return decimal128.Num{}, false
	}
	out := decimal128.New(int64(q[1]), q[0])
	if neg {
		out = out.Negate()
	}
	return out, out.FitsInPrecision(precision)
}

func boolU(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
