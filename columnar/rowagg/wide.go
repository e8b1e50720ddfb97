package rowagg

import (
	"math/bits"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
)

// wide is a signed 192-bit integer (two's complement, three 64-bit words,
// least significant first): decimal sums accumulate in it exactly, with room
// for 2^64 maximal decimal128 values, and are checked against the result
// precision only when read, as columnar/agg does.
type wide struct {
	w0, w1 uint64
	w2     int64
}

// addDec adds a decimal128 (sign-extended to 192 bits).
func (a *wide) addDec(d decimal128.Num) {
	var c uint64
	a.w0, c = bits.Add64(a.w0, d.LowBits(), 0)
	a.w1, c = bits.Add64(a.w1, uint64(d.HighBits()), c)
	a.w2 += d.HighBits()>>63 + int64(c)
}

// addI64 adds an int64.
func (a *wide) addI64(x int64) {
	var c uint64
	a.w0, c = bits.Add64(a.w0, uint64(x), 0)
	a.w1, c = bits.Add64(a.w1, uint64(x>>63), c)
	a.w2 += x>>63 + int64(c)
}

// dec returns a as a decimal128 and whether it fits in precision digits.
func (a wide) dec(precision int32) (decimal128.Num, bool) {
	if a.w2 != int64(a.w1)>>63 { // beyond 128 bits
		return decimal128.Num{}, false
	}
	d := decimal128.New(int64(a.w1), a.w0)
	return d, d.FitsInPrecision(precision)
}

// negative reports whether a < 0.
func (a wide) negative() bool { return a.w2 < 0 }

// abs returns |a| as a 256-bit magnitude (little-endian words).
func (a wide) abs() [4]uint64 {
	if a.negative() {
		var c uint64
		lo, c := bits.Add64(^a.w0, 1, 0)
		mid, c := bits.Add64(^a.w1, 0, c)
		hi, _ := bits.Add64(^uint64(a.w2), 0, c)
		return [4]uint64{lo, mid, hi, 0}
	}
	return [4]uint64{a.w0, a.w1, uint64(a.w2), 0}
}

// pow10u64 holds 10^0 .. 10^19.
var pow10u64 = func() [20]uint64 {
	var p [20]uint64
	p[0] = 1
	for i := 1; i < 20; i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// divHalfUp returns a * 10^up / d rounded half away from zero (Java's
// HALF_UP) and whether the quotient fits in precision digits. d must be
// positive, up at most 38.
func (a wide) divHalfUp(up int32, d int64, precision int32) (decimal128.Num, bool) {
	m := a.abs()
	for up > 0 {
		step := min(up, 19)
		f := pow10u64[step]
		var carry uint64
		for i := range m {
			hi, lo := bits.Mul64(m[i], f)
			var c uint64
			m[i], c = bits.Add64(lo, carry, 0)
			carry = hi + c
		}
		if carry != 0 {
			return decimal128.Num{}, false
		}
		up -= step
	}
	den := uint64(d)
	var rem uint64
	for i := 3; i >= 0; i-- {
		m[i], rem = bits.Div64(rem, m[i], den)
	}
	if rem >= den-rem { // 2*rem >= den: round away from zero
		var c uint64 = 1
		for i := range m {
			m[i], c = bits.Add64(m[i], 0, c)
		}
	}
	if m[3] != 0 || m[2] != 0 || m[1]>>63 != 0 {
		return decimal128.Num{}, false
	}
	q := decimal128.New(int64(m[1]), m[0])
	if a.negative() {
		q = q.Negate()
	}
	return q, q.FitsInPrecision(precision)
}

// pow10f holds the powers of ten that are exact doubles.
var pow10f = func() [23]float64 {
	var p [23]float64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// decToDouble returns the double nearest to d / 10^scale, as Spark's
// Decimal.toDouble.
func decToDouble(d decimal128.Num, scale int32) float64 {
	hi, lo := d.HighBits(), d.LowBits()
	if hi == int64(lo)>>63 {
		x := int64(lo)
		if scale == 0 {
			return float64(x)
		}
		// Both operands are exact doubles: one correctly rounded division.
		if x < 1<<53 && x > -(1<<53) && scale > 0 && scale < int32(len(pow10f)) {
			return float64(x) / pow10f[scale]
		}
	}
	f, _ := strconv.ParseFloat(columnar.FormatDecimal(d, scale), 64)
	return f
}
