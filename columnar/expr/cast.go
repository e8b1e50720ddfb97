package expr

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

func canCast(from, to arrow.DataType) bool {
	if from == nil || to == nil || !columnar.Supported(from) || !columnar.Supported(to) {
		return false
	}
	if p, s, ok := columnar.IsDecimal(to); ok && columnar.ValidDecimal(p, s) != nil {
		return false
	}
	if arrow.TypeEqual(from, to) {
		return true
	}
	f, t := from.ID(), to.ID()
	num := columnar.IsNumeric(from)
	switch {
	case f == arrow.NULL:
		return true
	case t == arrow.STRING:
		return true
	case t == arrow.BINARY:
		return f == arrow.STRING || f == arrow.INT32 || f == arrow.INT64
	case t == arrow.BOOL:
		return f == arrow.STRING || f == arrow.DATE32 || f == arrow.TIMESTAMP || num
	case t == arrow.TIMESTAMP:
		return f == arrow.STRING || f == arrow.BOOL || f == arrow.DATE32 || f == arrow.TIMESTAMP || num
	case t == arrow.DATE32:
		return f == arrow.STRING || f == arrow.TIMESTAMP
	case columnar.IsNumeric(to):
		return f == arrow.STRING || f == arrow.BOOL || f == arrow.DATE32 || f == arrow.TIMESTAMP || num
	}
	return false
}

type castExpr struct {
	e  Expr
	to arrow.DataType
}

func newCast(e Expr, to arrow.DataType) (Expr, error) {
	if err := checkChild("cast", e); err != nil {
		return nil, err
	}
	if !canCast(e.DataType(), to) {
		return nil, typeErr("cannot cast %s from %s to %s", e, typeName(e.DataType()), typeName(to))
	}
	return &castExpr{e: e, to: to}, nil
}

func (c *castExpr) DataType() arrow.DataType { return c.to }
func (c *castExpr) Children() []Expr         { return []Expr{c.e} }
func (c *castExpr) String() string           { return fmt.Sprintf("cast(%s as %s)", c.e, typeName(c.to)) }

func (c *castExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	in, err := evalChild(ctx, c.e, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	return castArray(ctx.Alloc, in, c.to)
}

// castArray casts an array to type to (canCast(in type, to) must hold).
func castArray(alloc memory.Allocator, in arrow.Array, to arrow.DataType) (arrow.Array, error) {
	from := in.DataType()
	n := in.Len()
	if from.ID() == arrow.NULL || (in.NullN() == n && n > 0) {
		return nullArray(alloc, to, n), nil
	}
	if arrow.TypeEqual(from, to) {
		in.Retain()
		return in, nil
	}
	switch to.ID() {
	case arrow.STRING:
		return castToString(alloc, in, to)
	case arrow.BINARY:
		if from.ID() == arrow.STRING {
			return reinterpret(in, to), nil
		}
		return castIntToBinary(alloc, in, to)
	case arrow.BOOL:
		return castToBool(alloc, in), nil
	case arrow.DATE32:
		return castToDate(alloc, in, to), nil
	case arrow.TIMESTAMP:
		return castToTimestamp(alloc, in, to), nil
	case arrow.INT32, arrow.INT64, arrow.FLOAT64:
		return castToNumber(alloc, in, to), nil
	case arrow.DECIMAL128:
		return castToDecimal(alloc, in, to), nil
	}
	return nil, typeErr("cannot cast %s to %s", typeName(from), typeName(to))
}

// reinterpret shares in's buffers under another type of the same layout.
func reinterpret(in arrow.Array, to arrow.DataType) arrow.Array {
	d := in.Data()
	nd := array.NewData(to, in.Len(), d.Buffers(), nil, in.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}

func isValidAt(vb []byte, i int) bool { return vb == nil || vb[i>>3]&(1<<(i&7)) != 0 }

// mapIndexed builds a fixed-width array of type t from f(i) for each valid
// row i of in; f returning false makes the row NULL.
func mapIndexed[D any](alloc memory.Allocator, in arrow.Array, t arrow.DataType, f func(i int) (D, bool)) arrow.Array {
	n := in.Len()
	out := newBuf(alloc, n*int(sizeOfT[D]()))
	o := sliceOf[D](out.Bytes())[:n]
	valid := writableValidity(alloc, n, in)
	vb := valid.Bytes()
	var zero D
	for i := range o {
		if vb[i>>3]&(1<<(i&7)) == 0 {
			o[i] = zero
			continue
		}
		r, ok := f(i)
		if !ok {
			vb[i>>3] &^= 1 << (i & 7)
			r = zero
		}
		o[i] = r
	}
	nulls := finishValidity(&valid, n)
	return makeArray(t, n, []*memory.Buffer{valid, out}, nulls)
}

// mapIndexedBool is mapIndexed for BOOLEAN results.
func mapIndexedBool(alloc memory.Allocator, in arrow.Array, f func(i int) (bool, bool)) arrow.Array {
	n := in.Len()
	values := newBuf(alloc, bitmapLen(n))
	ob := values.Bytes()
	clear(ob)
	valid := writableValidity(alloc, n, in)
	vb := valid.Bytes()
	for i := 0; i < n; i++ {
		if vb[i>>3]&(1<<(i&7)) == 0 {
			continue
		}
		r, ok := f(i)
		if !ok {
			vb[i>>3] &^= 1 << (i & 7)
		} else if r {
			ob[i>>3] |= 1 << (i & 7)
		}
	}
	return boolArray(n, valid, values)
}

// mapFixed converts each element of a fixed-width array with a conversion
// that cannot fail (NULLs are kept).
func mapFixed[S, D any](alloc memory.Allocator, in arrow.Array, t arrow.DataType, f func(S) D) arrow.Array {
	n := in.Len()
	src := fixedValues[S](in)
	out := newBuf(alloc, n*int(sizeOfT[D]()))
	o := sliceOf[D](out.Bytes())[:n]
	for i, v := range src {
		o[i] = f(v)
	}
	valid := andValidity(alloc, n, in)
	nulls := finishValidity(&valid, n)
	return makeArray(t, n, []*memory.Buffer{valid, out}, nulls)
}

func boolAt(in arrow.Array) func(i int) bool {
	d := in.Data()
	bits, off := bufBytes(d, 1), d.Offset()
	return func(i int) bool { return bitutil.BitIsSet(bits, off+i) }
}

// ---- to STRING ----

func castToString(alloc memory.Allocator, in arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := in.Len()
	from := in.DataType()
	if from.ID() == arrow.BINARY {
		return reinterpret(in, to), nil
	}
	valid := andValidity(alloc, n, in)
	var vb []byte
	if valid != nil {
		vb = valid.Bytes()
	}
	b := newStrBuilder(alloc, n, n*12, valid)
	write := func(f func(dst []byte, i int) []byte) {
		for i := 0; i < n; i++ {
			if !isValidAt(vb, i) {
				b.null(i)
				continue
			}
			b.set(i, f(b.room(48), i))
		}
	}
	switch from.ID() {
	case arrow.BOOL:
		at := boolAt(in)
		write(func(d []byte, i int) []byte { return strconv.AppendBool(d, at(i)) })
	case arrow.INT32:
		v := fixedValues[int32](in)
		write(func(d []byte, i int) []byte { return strconv.AppendInt(d, int64(v[i]), 10) })
	case arrow.INT64:
		v := fixedValues[int64](in)
		write(func(d []byte, i int) []byte { return strconv.AppendInt(d, v[i], 10) })
	case arrow.FLOAT64:
		v := fixedValues[float64](in)
		write(func(d []byte, i int) []byte { return appendDouble(d, v[i]) })
	case arrow.DECIMAL128:
		v := fixedValues[i128](in)
		_, s, _ := columnar.IsDecimal(from)
		write(func(d []byte, i int) []byte { return appendDecimal(d, v[i], s) })
	case arrow.DATE32:
		v := fixedValues[int32](in)
		write(func(d []byte, i int) []byte { return appendDate(d, int64(v[i])) })
	case arrow.TIMESTAMP:
		v := fixedValues[int64](in)
		write(func(d []byte, i int) []byte { return appendTimestamp(d, v[i]) })
	default:
		b.release()
		return nil, typeErr("cannot cast %s to string", typeName(from))
	}
	return b.finish(to)
}

func castIntToBinary(alloc memory.Allocator, in arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := in.Len()
	valid := andValidity(alloc, n, in)
	var vb []byte
	if valid != nil {
		vb = valid.Bytes()
	}
	b := newStrBuilder(alloc, n, n*8, valid)
	for i := 0; i < n; i++ {
		if !isValidAt(vb, i) {
			b.null(i)
			continue
		}
		d := b.room(8)
		if in.DataType().ID() == arrow.INT32 {
			d = binary.BigEndian.AppendUint32(d, uint32(fixedValues[int32](in)[i]))
		} else {
			d = binary.BigEndian.AppendUint64(d, uint64(fixedValues[int64](in)[i]))
		}
		b.set(i, d)
	}
	return b.finish(to)
}

// ---- to BOOLEAN ----

func castToBool(alloc memory.Allocator, in arrow.Array) arrow.Array {
	switch in.DataType().ID() {
	case arrow.STRING:
		v := viewOf(in)
		return mapIndexedBool(alloc, in, func(i int) (bool, bool) { return parseBool(v.at(i)) })
	case arrow.INT32, arrow.DATE32:
		if in.DataType().ID() == arrow.DATE32 {
			return nullArray(alloc, columnar.Boolean, in.Len())
		}
		v := fixedValues[int32](in)
		return mapIndexedBool(alloc, in, func(i int) (bool, bool) { return v[i] != 0, true })
	case arrow.INT64, arrow.TIMESTAMP:
		v := fixedValues[int64](in)
		return mapIndexedBool(alloc, in, func(i int) (bool, bool) { return v[i] != 0, true })
	case arrow.FLOAT64:
		v := fixedValues[float64](in)
		return mapIndexedBool(alloc, in, func(i int) (bool, bool) { return v[i] != 0, true })
	case arrow.DECIMAL128:
		v := fixedValues[i128](in)
		return mapIndexedBool(alloc, in, func(i int) (bool, bool) { return v[i] != i128{}, true })
	}
	return nullArray(alloc, columnar.Boolean, in.Len())
}

// ---- to DATE ----

func castToDate(alloc memory.Allocator, in arrow.Array, to arrow.DataType) arrow.Array {
	switch in.DataType().ID() {
	case arrow.STRING:
		v := viewOf(in)
		return mapIndexed(alloc, in, to, func(i int) (int32, bool) {
			d, ok := parseDate(v.at(i))
			return int32(d), ok
		})
	case arrow.TIMESTAMP:
		return mapFixed(alloc, in, to, func(us int64) int32 { return int32(floorDiv(us, microsPerDay)) })
	}
	return nullArray(alloc, to, in.Len())
}

// ---- to TIMESTAMP ----

// secondsToMicros is Java's TimeUnit.SECONDS.toMicros: saturating.
func secondsToMicros(s int64) int64 {
	switch {
	case s > math.MaxInt64/microsPerSecond:
		return math.MaxInt64
	case s < math.MinInt64/microsPerSecond:
		return math.MinInt64
	}
	return s * microsPerSecond
}

// doubleToInt64 is Java's (long) cast: NaN is 0, out of range saturates.
func doubleToInt64(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= 9.223372036854775807e18:
		return math.MaxInt64
	case f <= -9.223372036854775808e18:
		return math.MinInt64
	}
	return int64(f)
}

// doubleToInt32 is Java's (int) cast.
func doubleToInt32(f float64) int32 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

func castToTimestamp(alloc memory.Allocator, in arrow.Array, to arrow.DataType) arrow.Array {
	switch in.DataType().ID() {
	case arrow.STRING:
		v := viewOf(in)
		return mapIndexed(alloc, in, to, func(i int) (int64, bool) { return parseTimestamp(v.at(i)) })
	case arrow.DATE32:
		return mapFixed(alloc, in, to, func(d int32) int64 { return int64(d) * microsPerDay })
	case arrow.TIMESTAMP:
		return reinterpret(in, to)
	case arrow.BOOL:
		at := boolAt(in)
		return mapIndexed(alloc, in, to, func(i int) (int64, bool) {
			if at(i) {
				return 1, true
			}
			return 0, true
		})
	case arrow.INT32:
		return mapFixed(alloc, in, to, func(s int32) int64 { return secondsToMicros(int64(s)) })
	case arrow.INT64:
		return mapFixed(alloc, in, to, secondsToMicros)
	case arrow.FLOAT64:
		v := fixedValues[float64](in)
		return mapIndexed(alloc, in, to, func(i int) (int64, bool) {
			f := v[i]
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, false
			}
			return doubleToInt64(f * float64(microsPerSecond)), true
		})
	case arrow.DECIMAL128:
		v := fixedValues[i128](in)
		_, s, _ := columnar.IsDecimal(in.DataType())
		return mapIndexed(alloc, in, to, func(i int) (int64, bool) { return decimalToLong(v[i], s-6), true })
	}
	return nullArray(alloc, to, in.Len())
}

// decimalToLong truncates v / 10^s toward zero (s may be negative: a
// multiplication) and keeps the low 64 bits, as Java's
// BigDecimal.longValue.
func decimalToLong(v i128, s int32) int64 {
	if fits64(v) && s >= 0 && s <= 18 {
		return int64(v.lo) / int64(pow10u64[s])
	}
	b := bigOf(v)
	if s >= 0 {
		b.Quo(b, bigPow10(int(s)))
	} else {
		b.Mul(b, bigPow10(int(-s)))
	}
	// Low 64 bits in two's complement.
	m := new(big.Int).And(b, new(big.Int).SetUint64(math.MaxUint64))
	return int64(m.Uint64())
}

// ---- to INT, BIGINT, DOUBLE ----

func castToNumber(alloc memory.Allocator, in arrow.Array, to arrow.DataType) arrow.Array {
	from := in.DataType()
	tid := to.ID()
	switch from.ID() {
	case arrow.INT32:
		switch tid {
		case arrow.INT64:
			return mapFixed(alloc, in, to, func(v int32) int64 { return int64(v) })
		case arrow.FLOAT64:
			return mapFixed(alloc, in, to, func(v int32) float64 { return float64(v) })
		}
	case arrow.INT64:
		switch tid {
		case arrow.INT32:
			return mapFixed(alloc, in, to, func(v int64) int32 { return int32(v) })
		case arrow.FLOAT64:
			return mapFixed(alloc, in, to, func(v int64) float64 { return float64(v) })
		}
	case arrow.FLOAT64:
		switch tid {
		case arrow.INT32:
			return mapFixed(alloc, in, to, doubleToInt32)
		case arrow.INT64:
			return mapFixed(alloc, in, to, doubleToInt64)
		}
	case arrow.DECIMAL128:
		_, s, _ := columnar.IsDecimal(from)
		switch tid {
		case arrow.INT32:
			return mapFixed(alloc, in, to, func(v i128) int32 { return int32(decimalToLong(v, s)) })
		case arrow.INT64:
			return mapFixed(alloc, in, to, func(v i128) int64 { return decimalToLong(v, s) })
		case arrow.FLOAT64:
			return mapFixed(alloc, in, to, func(v i128) float64 { return decimalToDouble(v, s) })
		}
	case arrow.BOOL:
		at := boolAt(in)
		switch tid {
		case arrow.INT32:
			return mapIndexed(alloc, in, to, func(i int) (int32, bool) { return int32(b2u(at(i))), true })
		case arrow.INT64:
			return mapIndexed(alloc, in, to, func(i int) (int64, bool) { return int64(b2u(at(i))), true })
		case arrow.FLOAT64:
			return mapIndexed(alloc, in, to, func(i int) (float64, bool) { return float64(b2u(at(i))), true })
		}
	case arrow.TIMESTAMP:
		switch tid {
		case arrow.INT32:
			return mapFixed(alloc, in, to, func(us int64) int32 { return int32(floorDiv(us, microsPerSecond)) })
		case arrow.INT64:
			return mapFixed(alloc, in, to, func(us int64) int64 { return floorDiv(us, microsPerSecond) })
		case arrow.FLOAT64:
			return mapFixed(alloc, in, to, func(us int64) float64 { return float64(us) / float64(microsPerSecond) })
		}
	case arrow.STRING:
		v := viewOf(in)
		switch tid {
		case arrow.INT32:
			return mapIndexed(alloc, in, to, func(i int) (int32, bool) { return parseInt32(v.at(i)) })
		case arrow.INT64:
			return mapIndexed(alloc, in, to, func(i int) (int64, bool) { return parseInt64(v.at(i)) })
		case arrow.FLOAT64:
			return mapIndexed(alloc, in, to, func(i int) (float64, bool) { return parseFloat64(v.at(i)) })
		}
	}
	// DATE to a number is NULL in Spark's non-ANSI mode.
	return nullArray(alloc, to, in.Len())
}

// pow10f[k] = 10^k exactly, k <= 22.
var pow10f = func() [23]float64 {
	var t [23]float64
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// decimalToDouble returns the double nearest to v / 10^s.
func decimalToDouble(v i128, s int32) float64 {
	if fits64(v) {
		x := int64(v.lo)
		if s == 0 {
			return float64(x)
		}
		// Both operands exact: one correctly rounded division.
		if x < 1<<53 && x > -(1<<53) && s <= 22 {
			return float64(x) / pow10f[s]
		}
	}
	f, _ := strconv.ParseFloat(formatDecimal(v, s), 64)
	return f
}

// ---- to DECIMAL ----

func castToDecimal(alloc memory.Allocator, in arrow.Array, to arrow.DataType) arrow.Array {
	p, s, _ := columnar.IsDecimal(to)
	from := in.DataType()
	switch from.ID() {
	case arrow.DECIMAL128:
		_, fs, _ := columnar.IsDecimal(from)
		delta := int(s - fs)
		v := fixedValues[i128](in)
		return mapIndexed(alloc, in, to, func(i int) (i128, bool) { return rescaleDec(v[i], delta, p) })
	case arrow.INT32:
		return intToDecimal(alloc, in, to, fixedValues[int32](in), p, s)
	case arrow.INT64:
		return intToDecimal(alloc, in, to, fixedValues[int64](in), p, s)
	case arrow.FLOAT64:
		v := fixedValues[float64](in)
		return mapIndexed(alloc, in, to, func(i int) (i128, bool) { return doubleToDecimal(v[i], p, s) })
	case arrow.BOOL:
		at := boolAt(in)
		return mapIndexed(alloc, in, to, func(i int) (i128, bool) { return rescaleDec(from64(int64(b2u(at(i)))), int(s), p) })
	case arrow.TIMESTAMP:
		v := fixedValues[int64](in)
		return mapIndexed(alloc, in, to, func(i int) (i128, bool) {
			return doubleToDecimal(float64(v[i])/float64(microsPerSecond), p, s)
		})
	case arrow.STRING:
		v := viewOf(in)
		return mapIndexed(alloc, in, to, func(i int) (i128, bool) { return parseDecimal(v.at(i), p, s) })
	}
	return nullArray(alloc, to, in.Len())
}

// doubleToDecimal converts as Spark does: through the double's shortest
// decimal representation (Scala's BigDecimal(d)), rounded half up.
func doubleToDecimal(f float64, p, s int32) (i128, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return i128{}, false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return rescaleDec(from64(int64(f)), int(s), p)
	}
	var buf [32]byte
	return parseDecimal(strconv.AppendFloat(buf[:0], f, 'e', -1, 64), p, s)
}

// intToDecimal scales integers by 10^s into decimal(p, s): a 128-bit
// product, NULL when it does not fit p digits.
func intToDecimal[T int32 | int64](alloc memory.Allocator, in arrow.Array, to arrow.DataType, v []T, p, s int32) arrow.Array {
	n := in.Len()
	out := newBuf(alloc, 16*n)
	o := sliceOf[i128](out.Bytes())[:n]
	v = v[:n]
	var valid *memory.Buffer
	if s > 18 {
		// 10^s exceeds 64 bits: the general path.
		valid = writableValidity(alloc, n, in)
		vb := valid.Bytes()
		for i, x := range v {
			r, ok := rescaleDec(from64(int64(x)), int(s), p)
			o[i] = r
			if !ok {
				o[i] = i128{}
				bitutil.ClearBit(vb, i)
			}
		}
	} else {
		m := int64(pow10u64[s])
		// An int64 has at most 19 digits: no check is needed when
		// 19 + s <= p (10 + s for int32).
		digits := int32(19)
		if sizeOfT[T]() == 4 {
			digits = 10
		}
		check := digits+s > p
		if check {
			valid = writableValidity(alloc, n, in)
		} else {
			valid = andValidity(alloc, n, in)
		}
		for i, x := range v {
			xv := int64(x)
			hi, lo := bits.Mul64(uint64(xv), uint64(m))
			hi -= uint64((xv >> 63) & m)
			r := i128{lo: lo, hi: int64(hi)}
			if check && !fitsPrecision(r, p) {
				r = i128{}
				bitutil.ClearBit(valid.Bytes(), i)
			}
			o[i] = r
		}
	}
	nulls := finishValidity(&valid, n)
	return makeArray(to, n, []*memory.Buffer{valid, out}, nulls)
}
