package expr

import (
	"encoding/binary"
	"math/big"
	"math/bits"
)

// Exact decimal arithmetic on unscaled integers. The hot paths of the
// kernels work on int64 values; the helpers here handle the rest: 128-bit
// values and 256-bit intermediates (magnitude and sign), and math/big for the
// rare division and remainder cases that do not fit those.

// pow10u64[k] = 10^k for k <= 19.
var pow10u64 = func() [20]uint64 {
	var t [20]uint64
	t[0] = 1
	for i := 1; i < 20; i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// maxMul64[k] is the largest int64 magnitude that can be multiplied by 10^k
// without overflowing int64 (k <= 18).
var maxMul64 = func() [19]int64 {
	var t [19]int64
	for i := range t {
		t[i] = int64(^uint64(0)>>1) / int64(pow10u64[i])
	}
	return t
}()

// u256 is an unsigned 256-bit integer, little-endian 64-bit limbs.
type u256 [4]uint64

// pow10u256[k] = 10^k for k <= 76.
var pow10u256 = func() [77]u256 {
	var t [77]u256
	t[0] = u256{1}
	for i := 1; i < 77; i++ {
		t[i], _ = t[i-1].mulSmall(10)
	}
	return t
}()

// pow10i128[k] = 10^k as a (non-negative) i128 for k <= 38.
var pow10i128 = func() [39]i128 {
	var t [39]i128
	for i := range t {
		t[i] = i128{lo: pow10u256[i][0], hi: int64(pow10u256[i][1])}
	}
	return t
}()

func neg128(v i128) i128 {
	lo := ^v.lo + 1
	hi := ^v.hi
	if lo == 0 {
		hi++
	}
	return i128{lo: lo, hi: hi}
}

// fits64 reports whether v is representable as an int64.
func fits64(v i128) bool { return v.hi == int64(v.lo)>>63 }

func from64(x int64) i128 { return i128{lo: uint64(x), hi: x >> 63} }

func cmp128(a, b i128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// mag returns |v| as a u256 and whether v is negative.
func mag(v i128) (u256, bool) {
	if v.hi < 0 {
		n := neg128(v)
		return u256{n.lo, uint64(n.hi)}, true
	}
	return u256{v.lo, uint64(v.hi)}, false
}

func (a u256) isZero() bool { return a[0]|a[1]|a[2]|a[3] == 0 }

func (a u256) cmp(b u256) int {
	for i := 3; i >= 0; i-- {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (a u256) add(b u256) (u256, bool) {
	var r u256
	var c uint64
	r[0], c = bits.Add64(a[0], b[0], 0)
	r[1], c = bits.Add64(a[1], b[1], c)
	r[2], c = bits.Add64(a[2], b[2], c)
	r[3], c = bits.Add64(a[3], b[3], c)
	return r, c != 0
}

// sub returns a - b for a >= b.
func (a u256) sub(b u256) u256 {
	var r u256
	var c uint64
	r[0], c = bits.Sub64(a[0], b[0], 0)
	r[1], c = bits.Sub64(a[1], b[1], c)
	r[2], c = bits.Sub64(a[2], b[2], c)
	r[3], _ = bits.Sub64(a[3], b[3], c)
	return r
}

func (a u256) mulSmall(m uint64) (u256, bool) {
	var r u256
	var carry uint64
	for i := 0; i < 4; i++ {
		hi, lo := bits.Mul64(a[i], m)
		var c uint64
		r[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c
	}
	return r, carry != 0
}

// mul multiplies two values below 2^128 (the upper limbs of a and b are 0).
func mul128x128(a, b u256) u256 {
	var r u256
	h00, l00 := bits.Mul64(a[0], b[0])
	h01, l01 := bits.Mul64(a[0], b[1])
	h10, l10 := bits.Mul64(a[1], b[0])
	h11, l11 := bits.Mul64(a[1], b[1])
	r[0] = l00
	var c, c2 uint64
	r[1], c = bits.Add64(h00, l01, 0)
	r[2], c2 = bits.Add64(h01, l11, c)
	r[3] = h11 + c2
	r[1], c = bits.Add64(r[1], l10, 0)
	r[2], c2 = bits.Add64(r[2], h10, c)
	r[3] += c2
	return r
}

// mulPow10 returns a * 10^k and whether it overflowed 256 bits.
func (a u256) mulPow10(k int) (u256, bool) {
	for k > 0 {
		s := min(k, 19)
		var o bool
		a, o = a.mulSmall(pow10u64[s])
		if o {
			return a, true
		}
		k -= s
	}
	return a, false
}

// divSmall returns a / d and a % d.
func (a u256) divSmall(d uint64) (u256, uint64) {
	var q u256
	var r uint64
	for i := 3; i >= 0; i-- {
		q[i], r = bits.Div64(r, a[i], d)
	}
	return q, r
}

// divPow10HalfUp returns a / 10^k rounded half up (away from zero for the
// magnitude).
func (a u256) divPow10HalfUp(k int) u256 {
	if k <= 0 {
		return a
	}
	// Truncating divisions compose: floor(floor(a/x)/y) = floor(a/(xy)).
	for k > 1 {
		s := min(k-1, 19)
		a, _ = a.divSmall(pow10u64[s])
		k -= s
	}
	q, r := a.divSmall(10)
	if r >= 5 {
		q, _ = q.add(u256{1})
	}
	return q
}

// toDec returns the signed value of magnitude m if |m| < 10^precision.
func toDec(m u256, neg bool, precision int32) (i128, bool) {
	if m.cmp(pow10u256[precision]) >= 0 {
		return i128{}, false
	}
	v := i128{lo: m[0], hi: int64(m[1])}
	if neg {
		v = neg128(v)
	}
	return v, true
}

// fitsPrecision reports whether |v| < 10^p.
func fitsPrecision(v i128, p int32) bool {
	if v.hi < 0 {
		v = neg128(v)
		if v.hi < 0 { // the most negative value
			return false
		}
	}
	return cmp128(v, pow10i128[p]) < 0
}

// signedAdd returns (an ? -a : a) + (bn ? -b : b) as magnitude and sign.
func signedAdd(a u256, an bool, b u256, bn bool) (u256, bool, bool) {
	if an == bn {
		r, o := a.add(b)
		return r, an, o
	}
	if a.cmp(b) >= 0 {
		return a.sub(b), an && !a.isZero(), false
	}
	return b.sub(a), bn, false
}

// decAddSlow computes rescale(a*10^ka ± b*10^kb, down) exactly, rounding
// half up, and checks the result against precision p.
func decAddSlow(a, b i128, ka, kb int, sub bool, down int, p int32) (i128, bool) {
	am, an := mag(a)
	bm, bn := mag(b)
	if sub {
		bn = !bn
	}
	var o1, o2 bool
	am, o1 = am.mulPow10(ka)
	bm, o2 = bm.mulPow10(kb)
	if o1 || o2 {
		return i128{}, false
	}
	r, rn, o := signedAdd(am, an, bm, bn)
	if o {
		return i128{}, false
	}
	r = r.divPow10HalfUp(down)
	return toDec(r, rn, p)
}

// decMulSlow computes a*b / 10^down exactly, rounding half up, and checks
// the result against precision p.
func decMulSlow(a, b i128, down int, p int32) (i128, bool) {
	am, an := mag(a)
	bm, bn := mag(b)
	r := mul128x128(am, bm)
	r = r.divPow10HalfUp(down)
	return toDec(r, an != bn && !r.isZero(), p)
}

func bigOf(v i128) *big.Int {
	b := new(big.Int).SetInt64(v.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(v.lo))
}

var bigTen = big.NewInt(10)

func bigPow10(k int) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(int64(k)), nil)
}

// decFromBig returns b as a decimal of precision p.
func decFromBig(b *big.Int, p int32) (i128, bool) {
	if b.BitLen() > 127 {
		return i128{}, false
	}
	neg := b.Sign() < 0
	var buf [32]byte
	new(big.Int).Abs(b).FillBytes(buf[:])
	u := u256{binary.BigEndian.Uint64(buf[24:]), binary.BigEndian.Uint64(buf[16:24])}
	return toDec(u, neg, p)
}

// bigDivHalfUp returns n / d rounded half up (away from zero); d != 0.
func bigDivHalfUp(n, d *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if r.Sign() == 0 {
		return q
	}
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(new(big.Int).Abs(d)) >= 0 {
		if (n.Sign() < 0) != (d.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// decDivSlow computes a*10^k / b (k may be negative: a / (b*10^-k)) rounded
// half up, against precision p. b != 0.
func decDivSlow(a, b i128, k int, p int32) (i128, bool) {
	n, d := bigOf(a), bigOf(b)
	if k >= 0 {
		n.Mul(n, bigPow10(k))
	} else {
		d.Mul(d, bigPow10(-k))
	}
	return decFromBig(bigDivHalfUp(n, d), p)
}

// decModSlow computes (a*10^ka) rem (b*10^kb), the sign of the dividend.
// b != 0.
func decModSlow(a, b i128, ka, kb int, p int32) (i128, bool) {
	n, d := bigOf(a), bigOf(b)
	n.Mul(n, bigPow10(ka))
	d.Mul(d, bigPow10(kb))
	return decFromBig(new(big.Int).Rem(n, d), p)
}

// rescaleDec changes v's scale by delta digits (positive: multiply by
// 10^delta; negative: divide rounding half up) and checks precision p.
func rescaleDec(v i128, delta int, p int32) (i128, bool) {
	if delta == 0 {
		return v, fitsPrecision(v, p)
	}
	if fits64(v) {
		x := int64(v.lo)
		if delta > 0 && delta <= 18 {
			if x <= maxMul64[delta] && x >= -maxMul64[delta] {
				r := from64(x * int64(pow10u64[delta]))
				return r, fitsPrecision(r, p)
			}
		} else if delta < 0 && -delta <= 18 {
			r := from64(divRound64(x, int64(pow10u64[-delta])))
			return r, fitsPrecision(r, p)
		}
	}
	m, neg := mag(v)
	if delta > 0 {
		var o bool
		m, o = m.mulPow10(delta)
		if o {
			return i128{}, false
		}
	} else {
		m = m.divPow10HalfUp(-delta)
	}
	return toDec(m, neg && !m.isZero(), p)
}

// divRound64 returns x / d rounded half up (away from zero); d > 0.
func divRound64(x, d int64) int64 {
	q, r := x/d, x%d
	if r < 0 {
		if -r >= d-(-r) {
			q--
		}
	} else if r >= d-r {
		q++
	}
	return q
}
