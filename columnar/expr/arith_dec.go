package expr

import (
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// decArith evaluates a decimal operation. Every element first tries 64-bit
// arithmetic (both operands fit an int64, which holds for any decimal of
// precision <= 18 and for most values of wider types); products use
// bits.Mul64 for a 128-bit result and quotients bits.Div64. What does not fit
// falls back per element to 256-bit intermediates (add, sub, mul) or
// math/big (div, mod, rare).
func decArith(alloc memory.Allocator, t arrow.DataType, op ArithOp, d *decPlan, n int, lo, ro operand) arrow.Array {
	a, am := opValues[i128](lo)
	b, bm := opValues[i128](ro)
	out := newBuf(alloc, n*16)
	o := sliceOf[i128](out.Bytes())[:n]
	if d.narrow && (op == Add || op == Sub || op == Mul) {
		if op == Mul {
			decMulNarrow(a, am, b, bm, o)
		} else {
			decAddNarrow(op == Sub, d, lo, ro, a, am, b, bm, o)
		}
		valid := andValidity(alloc, n, arrays(lo, ro)...)
		nulls := finishValidity(&valid, n)
		return makeArray(t, n, []*memory.Buffer{valid, out}, nulls)
	}
	valid := writableValidity(alloc, n, arrays(lo, ro)...)
	vb := valid.Bytes()
	switch op {
	case Add, Sub:
		decAddLoop(op == Sub, d, a, am, b, bm, o, vb)
	case Mul:
		decMulLoop(d, a, am, b, bm, o, vb)
	case Div:
		decDivLoop(d, a, am, b, bm, o, vb)
	case Mod:
		decModLoop(d, a, am, b, bm, o, vb)
	}
	nulls := finishValidity(&valid, n)
	return makeArray(t, n, []*memory.Buffer{valid, out}, nulls)
}

// decAddNarrow adds or subtracts decimals whose scaled values have at most
// 18 digits: plain int64 arithmetic, no overflow possible. A scalar operand
// is scaled once up front.
func decAddNarrow(sub bool, d *decPlan, lo, ro operand, a []i128, am int, b []i128, bm int, o []i128) {
	ma, mb := int64(pow10u64[d.ka]), int64(pow10u64[d.kb])
	if sub {
		mb = -mb
	}
	switch {
	case am == 0 && bm != 0:
		c := int64(a[0].lo) * ma
		b = b[:len(o)]
		for i := range o {
			o[i] = from64(c + int64(b[i].lo)*mb)
		}
	case am != 0 && bm == 0:
		c := int64(b[0].lo) * mb
		a = a[:len(o)]
		for i := range o {
			o[i] = from64(int64(a[i].lo)*ma + c)
		}
	default:
		for i := range o {
			o[i] = from64(int64(a[i&am].lo)*ma + int64(b[i&bm].lo)*mb)
		}
	}
}

// decMulNarrow multiplies decimals of at most 18 digits each into a 128-bit
// product, branch-free (the signed high word is corrected from the unsigned
// one).
func decMulNarrow(a []i128, am int, b []i128, bm int, o []i128) {
	if am != 0 && bm != 0 {
		a, b = a[:len(o)], b[:len(o)]
		for i := range o {
			x, y := int64(a[i].lo), int64(b[i].lo)
			hi, lo := bits.Mul64(uint64(x), uint64(y))
			hi -= uint64((x>>63)&y) + uint64((y>>63)&x)
			o[i] = i128{lo: lo, hi: int64(hi)}
		}
		return
	}
	for i := range o {
		x, y := int64(a[i&am].lo), int64(b[i&bm].lo)
		hi, lo := bits.Mul64(uint64(x), uint64(y))
		hi -= uint64((x>>63)&y) + uint64((y>>63)&x)
		o[i] = i128{lo: lo, hi: int64(hi)}
	}
}

// bound64 returns 10^p as an int64 when p <= 18, else 0 (no check needed
// for int64 results).
func bound64(p int32) int64 {
	if p <= 18 {
		return int64(pow10u64[p])
	}
	return 0
}

func decAddLoop(sub bool, d *decPlan, a []i128, am int, b []i128, bm int, o []i128, vb []byte) {
	ka, kb, down, rp := d.ka, d.kb, d.down, d.rp
	fast := ka <= 18 && kb <= 18 && down <= 18
	var ma, mb, limA, limB, div int64 = 1, 1, 1 << 62, 1 << 62, 1
	if fast {
		ma, mb = int64(pow10u64[ka]), int64(pow10u64[kb])
		limA, limB = maxMul64[ka], maxMul64[kb]
		div = int64(pow10u64[max(down, 0)])
	}
	bound := bound64(rp)
	for i := range o {
		x, y := a[i&am], b[i&bm]
		if fast && fits64(x) && fits64(y) {
			xv, yv := int64(x.lo), int64(y.lo)
			if xv <= limA && xv >= -limA && yv <= limB && yv >= -limB {
				xv *= ma
				yv *= mb
				if sub {
					yv = -yv
				}
				r := xv + yv
				if (xv^r)&(yv^r) >= 0 { // no overflow
					if down > 0 {
						r = divRound64(r, div)
					}
					if bound == 0 || (r < bound && r > -bound) {
						o[i] = from64(r)
						continue
					}
					o[i] = i128{}
					bitutil.ClearBit(vb, i)
					continue
				}
			}
		}
		v, ok := decAddSlow(x, y, ka, kb, sub, down, rp)
		o[i] = v
		if !ok {
			bitutil.ClearBit(vb, i)
		}
	}
}

// abs64 returns |x| as a uint64 (correct for math.MinInt64 too).
func abs64(x int64) uint64 {
	m := x >> 63
	return uint64((x ^ m) - m)
}

// lessU128 reports whether hi:lo < b (b non-negative).
func lessU128(hi, lo uint64, b i128) bool {
	bh := uint64(b.hi)
	return hi < bh || (hi == bh && lo < b.lo)
}

func signed128(hi, lo uint64, neg bool) i128 {
	v := i128{lo: lo, hi: int64(hi)}
	if neg {
		v = neg128(v)
	}
	return v
}

func decMulLoop(d *decPlan, a []i128, am int, b []i128, bm int, o []i128, vb []byte) {
	down, rp := d.down, d.rp
	bound := pow10i128[rp]
	fast := down <= 19
	dv := pow10u64[min(down, 19)]
	// A product of two int64 values is below 2^126 < 10^38.
	noCheck := down == 0 && rp == 38
	if noCheck {
		for i := range o {
			x, y := a[i&am], b[i&bm]
			if x.hi == int64(x.lo)>>63 && y.hi == int64(y.lo)>>63 {
				xv, yv := int64(x.lo), int64(y.lo)
				hi, lo := bits.Mul64(uint64(xv), uint64(yv))
				hi -= uint64((xv>>63)&yv) + uint64((yv>>63)&xv)
				o[i] = i128{lo: lo, hi: int64(hi)}
				continue
			}
			v, ok := decMulSlow(x, y, down, rp)
			o[i] = v
			if !ok {
				bitutil.ClearBit(vb, i)
			}
		}
		return
	}
	for i := range o {
		x, y := a[i&am], b[i&bm]
		if fast && fits64(x) && fits64(y) {
			xv, yv := int64(x.lo), int64(y.lo)
			hi, lo := bits.Mul64(abs64(xv), abs64(yv))
			if down > 0 {
				qhi := hi / dv
				qlo, rem := bits.Div64(hi%dv, lo, dv)
				if rem >= dv-rem {
					var c uint64
					qlo, c = bits.Add64(qlo, 1, 0)
					qhi += c
				}
				hi, lo = qhi, qlo
			}
			if lessU128(hi, lo, bound) {
				o[i] = signed128(hi, lo, (xv < 0) != (yv < 0))
			} else {
				o[i] = i128{}
				bitutil.ClearBit(vb, i)
			}
			continue
		}
		v, ok := decMulSlow(x, y, down, rp)
		o[i] = v
		if !ok {
			bitutil.ClearBit(vb, i)
		}
	}
}

func decDivLoop(d *decPlan, a []i128, am int, b []i128, bm int, o []i128, vb []byte) {
	k, rp := d.kdiv, d.rp
	bound := pow10i128[rp]
	fast := k >= 0 && k <= 19
	mk := pow10u64[min(max(k, 0), 19)]
	for i := range o {
		x, y := a[i&am], b[i&bm]
		if y.lo == 0 && y.hi == 0 {
			o[i] = i128{}
			bitutil.ClearBit(vb, i)
			continue
		}
		if fast && fits64(x) && fits64(y) {
			xv, yv := int64(x.lo), int64(y.lo)
			uy := abs64(yv)
			hi, lo := bits.Mul64(abs64(xv), mk)
			qhi := hi / uy
			qlo, rem := bits.Div64(hi%uy, lo, uy)
			if rem >= uy-rem {
				var c uint64
				qlo, c = bits.Add64(qlo, 1, 0)
				qhi += c
			}
			if lessU128(qhi, qlo, bound) {
				o[i] = signed128(qhi, qlo, (xv < 0) != (yv < 0))
			} else {
				o[i] = i128{}
				bitutil.ClearBit(vb, i)
			}
			continue
		}
		v, ok := decDivSlow(x, y, k, rp)
		o[i] = v
		if !ok {
			bitutil.ClearBit(vb, i)
		}
	}
}

func decModLoop(d *decPlan, a []i128, am int, b []i128, bm int, o []i128, vb []byte) {
	ka, kb, rp := d.ka, d.kb, d.rp
	fast := ka <= 18 && kb <= 18
	var ma, mb, limA, limB int64 = 1, 1, 1 << 62, 1 << 62
	if fast {
		ma, mb = int64(pow10u64[ka]), int64(pow10u64[kb])
		limA, limB = maxMul64[ka], maxMul64[kb]
	}
	for i := range o {
		x, y := a[i&am], b[i&bm]
		if y.lo == 0 && y.hi == 0 {
			o[i] = i128{}
			bitutil.ClearBit(vb, i)
			continue
		}
		if fast && fits64(x) && fits64(y) {
			xv, yv := int64(x.lo), int64(y.lo)
			if xv <= limA && xv >= -limA && yv <= limB && yv >= -limB {
				o[i] = from64((xv * ma) % (yv * mb))
				continue
			}
		}
		v, ok := decModSlow(x, y, ka, kb, rp)
		o[i] = v
		if !ok {
			bitutil.ClearBit(vb, i)
		}
	}
}
