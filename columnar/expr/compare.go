package expr

import (
	"bytes"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

type compareExpr struct {
	op   CmpOp
	l, r Expr
	// decimals of different scales: digits to scale each side up by.
	ka, kb int
}

func newCompare(op CmpOp, l, r Expr) (Expr, error) {
	if op < Eq || op > EqNullSafe {
		return nil, invalidErr("unknown comparison operator %d", int(op))
	}
	if err := checkChild("comparison "+op.String(), l); err != nil {
		return nil, err
	}
	if err := checkChild("comparison "+op.String(), r); err != nil {
		return nil, err
	}
	lt, rt := l.DataType(), r.DataType()
	e := &compareExpr{op: op, l: l, r: r}
	if _, s1, ok := columnar.IsDecimal(lt); ok {
		if _, s2, ok := columnar.IsDecimal(rt); ok {
			s := max(s1, s2)
			e.ka, e.kb = int(s-s1), int(s-s2)
			return e, nil
		}
	}
	// A NULL literal compares with anything.
	if lt.ID() == arrow.NULL || rt.ID() == arrow.NULL {
		return e, nil
	}
	if !arrow.TypeEqual(lt, rt) && !(lt.ID() == arrow.TIMESTAMP && rt.ID() == arrow.TIMESTAMP) {
		return nil, typeErr("%s: cannot compare %s with %s; cast both sides to a common type", e, typeName(lt), typeName(rt))
	}
	switch lt.ID() {
	case arrow.BOOL, arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.STRING, arrow.BINARY, arrow.DATE32, arrow.TIMESTAMP:
		return e, nil
	}
	return nil, typeErr("%s: values of type %s cannot be compared", e, typeName(lt))
}

func (e *compareExpr) DataType() arrow.DataType { return columnar.Boolean }
func (e *compareExpr) Children() []Expr         { return []Expr{e.l, e.r} }

func (e *compareExpr) String() string {
	if e.op == NotEq {
		return fmt.Sprintf("NOT (%s = %s)", e.l, e.r)
	}
	return fmt.Sprintf("(%s %s %s)", e.l, e.op, e.r)
}

func (e *compareExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	lo, err := evalOperand(ctx, e.l, batch)
	if err != nil {
		return nil, err
	}
	defer lo.release()
	ro, err := evalOperand(ctx, e.r, batch)
	if err != nil {
		return nil, err
	}
	defer ro.release()
	alloc := ctx.Alloc
	if e.op != EqNullSafe && (lo.null() || ro.null()) {
		return nullArray(alloc, columnar.Boolean, n), nil
	}
	if e.l.DataType().ID() == arrow.NULL || e.r.DataType().ID() == arrow.NULL {
		if e.op != EqNullSafe {
			return nullArray(alloc, columnar.Boolean, n), nil
		}
		// <=> is true where the other side is NULL too.
		return e.nullSafeWithNull(alloc, n, lo, ro), nil
	}
	values := newBuf(alloc, bitmapLen(n))
	out := values.Bytes()
	// Reduce every operator to eq or lt, possibly swapped and inverted.
	var a, b = lo, ro
	lt, invert := false, false
	switch e.op {
	case Eq, EqNullSafe:
	case NotEq:
		invert = true
	case Lt:
		lt = true
	case Gt:
		lt, a, b = true, ro, lo
	case LtEq:
		lt, invert, a, b = true, true, ro, lo
	case GtEq:
		lt, invert = true, true
	}
	ka, kb := e.ka, e.kb
	if a != lo {
		ka, kb = kb, ka
	}
	if lo.null() || ro.null() {
		// <=> with a NULL literal: nullSafeFix below decides every row
		// from the other side's nullness; there are no values to compare.
		clear(out)
	} else if err := cmpKernel(alloc, e.l.DataType().ID(), lt, a, b, ka, kb, out, n); err != nil {
		values.Release()
		return nil, err
	}
	if invert {
		for i := range out {
			out[i] = ^out[i]
		}
	}
	if e.op == EqNullSafe {
		nullSafeFix(lo, ro, out, n)
		return boolArray(n, nil, values), nil
	}
	return boolArray(n, andValidity(alloc, n, arrays(lo, ro)...), values), nil
}

// nullSafeWithNull is a <=> b where one side has type NULL.
func (e *compareExpr) nullSafeWithNull(alloc memory.Allocator, n int, lo, ro operand) arrow.Array {
	other := lo
	if e.l.DataType().ID() == arrow.NULL {
		other = ro
	}
	values := newBuf(alloc, bitmapLen(n))
	out := values.Bytes()
	switch {
	case other.arr == nil && other.lit.value == nil:
		setAll(out)
	case other.arr == nil:
		clear(out)
	case other.arr.NullN() == 0:
		clear(out)
	case other.arr.DataType().ID() == arrow.NULL:
		setAll(out)
	default:
		bits, off := validBits(other.arr)
		bitutil.InvertBitmap(bits, off, n, out, 0)
	}
	return boolArray(n, nil, values)
}

// nullSafeFix turns eq bits into <=> bits: where either side is NULL the
// result is whether both are.
func nullSafeFix(lo, ro operand, out []byte, n int) {
	lnull := lo.arr == nil && lo.lit.value == nil
	rnull := ro.arr == nil && ro.lit.value == nil
	if lnull || rnull {
		// A NULL scalar: the result is the other side's nullness.
		other := lo
		if lnull {
			other = ro
		}
		if lnull && rnull {
			setAll(out)
			return
		}
		if other.arr == nil || other.arr.NullN() == 0 {
			clear(out)
			return
		}
		bits, off := validBits(other.arr)
		bitutil.InvertBitmap(bits, off, n, out, 0)
		return
	}
	lb, loff := validBitsOf(lo)
	rb, roff := validBitsOf(ro)
	if lb == nil && rb == nil {
		return
	}
	for i := 0; i < n; i++ {
		lv := lb == nil || bitutil.BitIsSet(lb, loff+i)
		rv := rb == nil || bitutil.BitIsSet(rb, roff+i)
		if !lv || !rv {
			if !lv && !rv {
				bitutil.SetBit(out, i)
			} else {
				bitutil.ClearBit(out, i)
			}
		}
	}
}

func validBitsOf(o operand) ([]byte, int) {
	if o.arr == nil {
		return nil, 0
	}
	return validBits(o.arr)
}

// cmpKernel writes a = b (or a < b when lt) for n rows as packed bits.
func cmpKernel(alloc memory.Allocator, id arrow.Type, lt bool, a, b operand, ka, kb int, out []byte, n int) error {
	switch id {
	case arrow.INT32, arrow.DATE32:
		x, xm := opValues[int32](a)
		y, ym := opValues[int32](b)
		if lt {
			ltInts(x, xm, y, ym, out, n)
		} else {
			eqInts(x, xm, y, ym, out, n)
		}
	case arrow.INT64, arrow.TIMESTAMP:
		x, xm := opValues[int64](a)
		y, ym := opValues[int64](b)
		if lt {
			ltInts(x, xm, y, ym, out, n)
		} else {
			eqInts(x, xm, y, ym, out, n)
		}
	case arrow.FLOAT64:
		x, xm := opValues[float64](a)
		y, ym := opValues[float64](b)
		cmpFloats(lt, x, xm, y, ym, out, n)
	case arrow.DECIMAL128:
		x, xm := opValues[i128](a)
		y, ym := opValues[i128](b)
		if operandPrecision(a)+ka <= 18 && operandPrecision(b)+kb <= 18 {
			cmpNarrowDec(lt, x, xm, int64(pow10u64[ka]), y, ym, int64(pow10u64[kb]), out, n)
			return nil
		}
		cmpDecimals(lt, x, xm, y, ym, ka, kb, out, n)
	case arrow.STRING, arrow.BINARY:
		x := bytesOperand(a)
		y := bytesOperand(b)
		cmpBytes(lt, x, y, out, n)
	case arrow.BOOL:
		cmpBools(alloc, lt, a, b, out, n)
	default:
		return typeErr("comparison of %s is not supported", id)
	}
	return nil
}

func eqInts[T int32 | int64](x []T, xm int, y []T, ym int, out []byte, n int) {
	if ym == 0 && xm != 0 {
		c := y[0]
		x = x[:n]
		i := 0
		for ; i+8 <= n; i += 8 {
			s := x[i : i+8 : i+8]
			out[i>>3] = b2u(s[0] == c) | b2u(s[1] == c)<<1 | b2u(s[2] == c)<<2 | b2u(s[3] == c)<<3 |
				b2u(s[4] == c)<<4 | b2u(s[5] == c)<<5 | b2u(s[6] == c)<<6 | b2u(s[7] == c)<<7
		}
		tailBits(out, i, n, func(j int) bool { return x[j] == c })
		return
	}
	if ym != 0 && xm != 0 {
		x, y = x[:n], y[:n]
		i := 0
		for ; i+8 <= n; i += 8 {
			s, t := x[i:i+8:i+8], y[i:i+8:i+8]
			out[i>>3] = b2u(s[0] == t[0]) | b2u(s[1] == t[1])<<1 | b2u(s[2] == t[2])<<2 | b2u(s[3] == t[3])<<3 |
				b2u(s[4] == t[4])<<4 | b2u(s[5] == t[5])<<5 | b2u(s[6] == t[6])<<6 | b2u(s[7] == t[7])<<7
		}
		tailBits(out, i, n, func(j int) bool { return x[j] == y[j] })
		return
	}
	// scalar = vector is symmetric.
	if xm == 0 && ym != 0 {
		eqInts(y, ym, x, xm, out, n)
		return
	}
	tailBits(out, 0, n, func(j int) bool { return x[0] == y[0] })
}

func ltInts[T int32 | int64](x []T, xm int, y []T, ym int, out []byte, n int) {
	switch {
	case xm != 0 && ym == 0:
		c := y[0]
		x = x[:n]
		i := 0
		for ; i+8 <= n; i += 8 {
			s := x[i : i+8 : i+8]
			out[i>>3] = b2u(s[0] < c) | b2u(s[1] < c)<<1 | b2u(s[2] < c)<<2 | b2u(s[3] < c)<<3 |
				b2u(s[4] < c)<<4 | b2u(s[5] < c)<<5 | b2u(s[6] < c)<<6 | b2u(s[7] < c)<<7
		}
		tailBits(out, i, n, func(j int) bool { return x[j] < c })
	case xm == 0 && ym != 0:
		c := x[0]
		y = y[:n]
		i := 0
		for ; i+8 <= n; i += 8 {
			s := y[i : i+8 : i+8]
			out[i>>3] = b2u(c < s[0]) | b2u(c < s[1])<<1 | b2u(c < s[2])<<2 | b2u(c < s[3])<<3 |
				b2u(c < s[4])<<4 | b2u(c < s[5])<<5 | b2u(c < s[6])<<6 | b2u(c < s[7])<<7
		}
		tailBits(out, i, n, func(j int) bool { return c < y[j] })
	case xm != 0 && ym != 0:
		x, y = x[:n], y[:n]
		i := 0
		for ; i+8 <= n; i += 8 {
			s, t := x[i:i+8:i+8], y[i:i+8:i+8]
			out[i>>3] = b2u(s[0] < t[0]) | b2u(s[1] < t[1])<<1 | b2u(s[2] < t[2])<<2 | b2u(s[3] < t[3])<<3 |
				b2u(s[4] < t[4])<<4 | b2u(s[5] < t[5])<<5 | b2u(s[6] < t[6])<<6 | b2u(s[7] < t[7])<<7
		}
		tailBits(out, i, n, func(j int) bool { return x[j] < y[j] })
	default:
		tailBits(out, 0, n, func(j int) bool { return x[0] < y[0] })
	}
}

// tailBits writes pred(j) for rows from..n-1, where from is a multiple of 8.
func tailBits(out []byte, from, n int, pred func(int) bool) {
	for i := from; i < n; i += 8 {
		var w uint8
		for j := 0; j < 8 && i+j < n; j++ {
			w |= b2u(pred(i+j)) << j
		}
		out[i>>3] = w
	}
}

// Spark's double order: NaN equals NaN and is above every other value;
// -0.0 equals 0.0.
func eqF(x, y float64) bool { return x == y || (x != x && y != y) }
func ltF(x, y float64) bool { return x < y || (x == x && y != y) }

func cmpFloats(lt bool, x []float64, xm int, y []float64, ym int, out []byte, n int) {
	if ym == 0 && xm != 0 && !math.IsNaN(y[0]) {
		// Column against a number: plain IEEE comparisons are exact (a NaN
		// row is neither equal nor less).
		c := y[0]
		x = x[:n]
		i := 0
		if lt {
			for ; i+8 <= n; i += 8 {
				s := x[i : i+8 : i+8]
				out[i>>3] = b2u(s[0] < c) | b2u(s[1] < c)<<1 | b2u(s[2] < c)<<2 | b2u(s[3] < c)<<3 |
					b2u(s[4] < c)<<4 | b2u(s[5] < c)<<5 | b2u(s[6] < c)<<6 | b2u(s[7] < c)<<7
			}
			tailBits(out, i, n, func(j int) bool { return x[j] < c })
		} else {
			for ; i+8 <= n; i += 8 {
				s := x[i : i+8 : i+8]
				out[i>>3] = b2u(s[0] == c) | b2u(s[1] == c)<<1 | b2u(s[2] == c)<<2 | b2u(s[3] == c)<<3 |
					b2u(s[4] == c)<<4 | b2u(s[5] == c)<<5 | b2u(s[6] == c)<<6 | b2u(s[7] == c)<<7
			}
			tailBits(out, i, n, func(j int) bool { return x[j] == c })
		}
		return
	}
	for i := 0; i < n; i += 8 {
		var w uint8
		for j := 0; j < 8 && i+j < n; j++ {
			k := i + j
			var r bool
			if lt {
				r = ltF(x[k&xm], y[k&ym])
			} else {
				r = eqF(x[k&xm], y[k&ym])
			}
			w |= b2u(r) << j
		}
		out[i>>3] = w
	}
}

// cmpDec compares decimals x*10^ka and y*10^kb exactly.
func cmpDec(x, y i128, ka, kb int) int {
	if ka == 0 && kb == 0 {
		return cmp128(x, y)
	}
	if fits64(x) && fits64(y) && ka <= 18 && kb <= 18 {
		xv, yv := int64(x.lo), int64(y.lo)
		if xv <= maxMul64[ka] && xv >= -maxMul64[ka] && yv <= maxMul64[kb] && yv >= -maxMul64[kb] {
			xv *= int64(pow10u64[ka])
			yv *= int64(pow10u64[kb])
			switch {
			case xv < yv:
				return -1
			case xv > yv:
				return 1
			}
			return 0
		}
	}
	xm, xn := mag(x)
	ym, yn := mag(y)
	xm, _ = xm.mulPow10(ka)
	ym, _ = ym.mulPow10(kb)
	xn = xn && !xm.isZero()
	yn = yn && !ym.isZero()
	switch {
	case xn && !yn:
		return -1
	case !xn && yn:
		return 1
	case xn:
		return ym.cmp(xm)
	}
	return xm.cmp(ym)
}

func cmpDecimals(lt bool, x []i128, xm int, y []i128, ym int, ka, kb int, out []byte, n int) {
	if ka == 0 && kb == 0 && xm != 0 && ym == 0 {
		c := y[0]
		x = x[:n]
		if fits64(c) {
			// Column against a constant that fits 64 bits: decide on the
			// high word alone for rows that do not fit.
			cv := int64(c.lo)
			for i := 0; i < n; i += 8 {
				var w uint8
				for j := 0; j < 8 && i+j < n; j++ {
					v := x[i+j]
					var r bool
					if fits64(v) {
						if lt {
							r = int64(v.lo) < cv
						} else {
							r = int64(v.lo) == cv
						}
					} else {
						r = lt && v.hi < 0
					}
					w |= b2u(r) << j
				}
				out[i>>3] = w
			}
			return
		}
	}
	for i := 0; i < n; i += 8 {
		var w uint8
		for j := 0; j < 8 && i+j < n; j++ {
			k := i + j
			c := cmpDec(x[k&xm], y[k&ym], ka, kb)
			w |= b2u((lt && c < 0) || (!lt && c == 0)) << j
		}
		out[i>>3] = w
	}
}

// byteView reads the values of a STRING or BINARY array or scalar.
type byteView struct {
	offs   []int32 // n+1 offsets into data; nil for a scalar
	data   []byte
	scalar []byte
}

func bytesOperand(o operand) byteView {
	if o.arr == nil {
		switch v := o.lit.value.(type) {
		case string:
			return byteView{scalar: []byte(v)}
		case []byte:
			return byteView{scalar: v}
		}
		return byteView{}
	}
	return viewOf(o.arr)
}

// viewOf returns a STRING or BINARY array's offsets (its offset applied)
// and data buffer.
func viewOf(a arrow.Array) byteView {
	d := a.Data()
	n := a.Len()
	bufs := d.Buffers()
	var offs []int32
	if bufs[1] != nil && bufs[1].Len() > 0 {
		offs = sliceOf[int32](bufs[1].Bytes())[d.Offset() : d.Offset()+n+1]
	} else {
		offs = make([]int32, n+1)
	}
	var data []byte
	if bufs[2] != nil {
		data = bufs[2].Bytes()
	}
	return byteView{offs: offs, data: data}
}

func (v *byteView) at(i int) []byte {
	if v.offs == nil {
		return v.scalar
	}
	return v.data[v.offs[i]:v.offs[i+1]]
}

func cmpBytes(lt bool, x, y byteView, out []byte, n int) {
	if x.offs == nil && y.offs != nil {
		if !lt {
			x, y = y, x
		} else {
			// c < y[i]
			c := x.scalar
			tailBits(out, 0, n, func(j int) bool { return bytes.Compare(c, y.at(j)) < 0 })
			return
		}
	}
	if y.offs == nil && x.offs != nil {
		c := y.scalar
		if lt {
			tailBits(out, 0, n, func(j int) bool { return bytes.Compare(x.at(j), c) < 0 })
			return
		}
		eqBytesScalar(x.offs, x.data, c, out, n)
		return
	}
	if lt {
		tailBits(out, 0, n, func(j int) bool { return bytes.Compare(x.at(j), y.at(j)) < 0 })
	} else {
		tailBits(out, 0, n, func(j int) bool { return bytes.Equal(x.at(j), y.at(j)) })
	}
}

// boolBits returns a BOOLEAN operand's values as a bitmap with bit offset 0
// (a scalar as all ones or all zeros); release frees a temporary copy.
func boolBits(alloc memory.Allocator, o operand, n int) (bits []byte, release func()) {
	nb := bitmapLen(n)
	if o.arr != nil {
		d := o.arr.Data()
		src := bufBytes(d, 1)
		if d.Offset()%8 == 0 {
			return src[d.Offset()/8:], func() {}
		}
		tmp := newBuf(alloc, nb)
		bitutil.CopyBitmap(src, d.Offset(), n, tmp.Bytes(), 0)
		return tmp.Bytes(), tmp.Release
	}
	tmp := newBuf(alloc, nb)
	if v, _ := o.lit.value.(bool); v {
		setAll(tmp.Bytes())
	} else {
		clear(tmp.Bytes())
	}
	return tmp.Bytes(), tmp.Release
}

func cmpBools(alloc memory.Allocator, lt bool, a, b operand, out []byte, n int) {
	x, rx := boolBits(alloc, a, n)
	defer rx()
	y, ry := boolBits(alloc, b, n)
	defer ry()
	nb := bitmapLen(n)
	for i := 0; i < nb; i++ {
		if lt {
			out[i] = ^x[i] & y[i] // false < true
		} else {
			out[i] = ^(x[i] ^ y[i])
		}
	}
}

func compareBytes(a, b []byte) int { return bytes.Compare(a, b) }

func operandPrecision(o operand) int {
	var t arrow.DataType
	if o.arr != nil {
		t = o.arr.DataType()
	} else {
		t = o.lit.DataType()
	}
	p, _, _ := columnar.IsDecimal(t)
	return int(p)
}

// cmpNarrowDec compares decimals whose values, scaled by ma and mb, have at
// most 18 digits: int64 comparisons.
func cmpNarrowDec(lt bool, x []i128, xm int, ma int64, y []i128, ym int, mb int64, out []byte, n int) {
	switch {
	case xm != 0 && ym == 0:
		c := int64(y[0].lo) * mb
		x = x[:n]
		i := 0
		if lt {
			for ; i+8 <= n; i += 8 {
				s := x[i : i+8 : i+8]
				out[i>>3] = b2u(int64(s[0].lo)*ma < c) | b2u(int64(s[1].lo)*ma < c)<<1 | b2u(int64(s[2].lo)*ma < c)<<2 | b2u(int64(s[3].lo)*ma < c)<<3 |
					b2u(int64(s[4].lo)*ma < c)<<4 | b2u(int64(s[5].lo)*ma < c)<<5 | b2u(int64(s[6].lo)*ma < c)<<6 | b2u(int64(s[7].lo)*ma < c)<<7
			}
			tailBits(out, i, n, func(j int) bool { return int64(x[j].lo)*ma < c })
		} else {
			for ; i+8 <= n; i += 8 {
				s := x[i : i+8 : i+8]
				out[i>>3] = b2u(int64(s[0].lo)*ma == c) | b2u(int64(s[1].lo)*ma == c)<<1 | b2u(int64(s[2].lo)*ma == c)<<2 | b2u(int64(s[3].lo)*ma == c)<<3 |
					b2u(int64(s[4].lo)*ma == c)<<4 | b2u(int64(s[5].lo)*ma == c)<<5 | b2u(int64(s[6].lo)*ma == c)<<6 | b2u(int64(s[7].lo)*ma == c)<<7
			}
			tailBits(out, i, n, func(j int) bool { return int64(x[j].lo)*ma == c })
		}
	case xm == 0 && ym != 0:
		c := int64(x[0].lo) * ma
		y = y[:n]
		i := 0
		if lt {
			for ; i+8 <= n; i += 8 {
				s := y[i : i+8 : i+8]
				out[i>>3] = b2u(c < int64(s[0].lo)*mb) | b2u(c < int64(s[1].lo)*mb)<<1 | b2u(c < int64(s[2].lo)*mb)<<2 | b2u(c < int64(s[3].lo)*mb)<<3 |
					b2u(c < int64(s[4].lo)*mb)<<4 | b2u(c < int64(s[5].lo)*mb)<<5 | b2u(c < int64(s[6].lo)*mb)<<6 | b2u(c < int64(s[7].lo)*mb)<<7
			}
			tailBits(out, i, n, func(j int) bool { return c < int64(y[j].lo)*mb })
		} else {
			cmpNarrowDec(lt, y, ym, mb, x, xm, ma, out, n)
		}
	default:
		tailBits(out, 0, n, func(j int) bool {
			u, v := int64(x[j&xm].lo)*ma, int64(y[j&ym].lo)*mb
			if lt {
				return u < v
			}
			return u == v
		})
	}
}

// eqBytesScalar writes offs/data[i] == c for n rows.
func eqBytesScalar(offs []int32, data, c []byte, out []byte, n int) {
	cl := int32(len(c))
	offs = offs[:n+1]
	cs := string(c)
	for i := 0; i < n; i += 8 {
		var w uint8
		for j := 0; j < 8 && i+j < n; j++ {
			s, e := offs[i+j], offs[i+j+1]
			w |= b2u(e-s == cl && string(data[s:e]) == cs) << j
		}
		out[i>>3] = w
	}
}
