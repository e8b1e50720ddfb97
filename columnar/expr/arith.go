package expr

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

type arithExpr struct {
	op   ArithOp
	l, r Expr
	typ  arrow.DataType
	dec  decPlan
}

// decPlan holds the scale bookkeeping of a decimal operation, fixed at
// construction.
type decPlan struct {
	ka, kb int   // add/sub/mod: digits to scale the left/right operand up by
	down   int   // add/sub/mul: digits to scale the exact result down by
	kdiv   int   // div: the dividend is scaled by 10^kdiv (negative: the divisor by 10^-kdiv)
	rp     int32 // result precision
	// narrow: both operands (scaled up by ka, kb) have at most 18 digits by
	// their types, so add/sub/mul take a branch-free 64-bit path that can
	// neither overflow nor exceed the result precision (no NULLs added).
	narrow bool
}

func newArith(op ArithOp, l, r Expr) (Expr, error) {
	if err := checkChild("arithmetic "+op.String(), l); err != nil {
		return nil, err
	}
	if err := checkChild("arithmetic "+op.String(), r); err != nil {
		return nil, err
	}
	t, err := arithResultType(op, l.DataType(), r.DataType())
	if err != nil {
		return nil, fmt.Errorf("(%s %s %s): %w", l, op, r, err)
	}
	e := &arithExpr{op: op, l: l, r: r, typ: t}
	if t.ID() == arrow.DECIMAL128 {
		e.dec = newDecPlan(op, l.DataType(), r.DataType(), t)
	}
	return e, nil
}

// newDecPlan fixes the scale bookkeeping of lt op rt with result type t
// (all decimals).
func newDecPlan(op ArithOp, lt, rt, t arrow.DataType) decPlan {
	rp, rs, _ := columnar.IsDecimal(t)
	p1, s1, _ := columnar.IsDecimal(lt)
	p2, s2, _ := columnar.IsDecimal(rt)
	d := decPlan{rp: rp}
	switch op {
	case Add, Sub, Mod:
		s := max(s1, s2)
		d.ka, d.kb = int(s-s1), int(s-s2)
		d.down = int(s - rs)
		d.narrow = op != Mod && d.down == 0 && int(p1)+d.ka <= 18 && int(p2)+d.kb <= 18
	case Mul:
		d.down = int(s1 + s2 - rs)
		d.narrow = d.down == 0 && p1 <= 18 && p2 <= 18 && p1+p2 <= rp
	case Div:
		d.kdiv = int(rs - s1 + s2)
	}
	return d
}

func (e *arithExpr) DataType() arrow.DataType { return e.typ }
func (e *arithExpr) Children() []Expr         { return []Expr{e.l, e.r} }
func (e *arithExpr) String() string           { return fmt.Sprintf("(%s %s %s)", e.l, e.op, e.r) }

func (e *arithExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
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
	if lo.null() || ro.null() {
		return nullArray(ctx.Alloc, e.typ, n), nil
	}
	if (lo.arr == nil && ro.arr == nil) && n > 1 {
		// Both constant: compute one row and broadcast it.
		one, err := e.evalOne(ctx, lo, ro)
		if err != nil {
			return nil, err
		}
		return constArray(ctx.Alloc, one, e.typ, n)
	}
	return e.kernel(ctx.Alloc, n, lo, ro), nil
}

func (e *arithExpr) evalOne(ctx *Context, lo, ro operand) (any, error) {
	a := e.kernel(ctx.Alloc, 1, lo, ro)
	defer a.Release()
	return valueAt(a, 0)
}

func (e *arithExpr) kernel(alloc memory.Allocator, n int, lo, ro operand) arrow.Array {
	switch e.typ.ID() {
	case arrow.INT32:
		return intArith[int32](alloc, e.typ, e.op, n, lo, ro)
	case arrow.INT64:
		return intArith[int64](alloc, e.typ, e.op, n, lo, ro)
	case arrow.FLOAT64:
		return floatArith(alloc, e.op, n, lo, ro)
	}
	return decArith(alloc, e.typ, e.op, &e.dec, n, lo, ro)
}

type integer interface{ ~int32 | ~int64 }

func intArith[T integer](alloc memory.Allocator, t arrow.DataType, op ArithOp, n int, lo, ro operand) arrow.Array {
	a, am := opValues[T](lo)
	b, bm := opValues[T](ro)
	var zero T
	out := newBuf(alloc, n*int(unsafe.Sizeof(zero)))
	o := sliceOf[T](out.Bytes())[:n]
	var valid *memory.Buffer
	switch op {
	case Add:
		valid = andValidity(alloc, n, arrays(lo, ro)...)
		for i := range o {
			o[i] = a[i&am] + b[i&bm]
		}
	case Sub:
		valid = andValidity(alloc, n, arrays(lo, ro)...)
		for i := range o {
			o[i] = a[i&am] - b[i&bm]
		}
	case Mul:
		valid = andValidity(alloc, n, arrays(lo, ro)...)
		for i := range o {
			o[i] = a[i&am] * b[i&bm]
		}
	default: // Mod (Div is rejected for integers by ArithResultType)
		valid = writableValidity(alloc, n, arrays(lo, ro)...)
		vb := valid.Bytes()
		for i := range o {
			y := b[i&bm]
			if y == 0 {
				o[i] = 0
				bitutil.ClearBit(vb, i)
				continue
			}
			o[i] = a[i&am] % y
		}
	}
	nulls := finishValidity(&valid, n)
	return makeArray(t, n, []*memory.Buffer{valid, out}, nulls)
}

func floatArith(alloc memory.Allocator, op ArithOp, n int, lo, ro operand) arrow.Array {
	a, am := opValues[float64](lo)
	b, bm := opValues[float64](ro)
	out := newBuf(alloc, n*8)
	o := sliceOf[float64](out.Bytes())[:n]
	var valid *memory.Buffer
	switch op {
	case Add:
		valid = andValidity(alloc, n, arrays(lo, ro)...)
		for i := range o {
			o[i] = a[i&am] + b[i&bm]
		}
	case Sub:
		valid = andValidity(alloc, n, arrays(lo, ro)...)
		for i := range o {
			o[i] = a[i&am] - b[i&bm]
		}
	case Mul:
		valid = andValidity(alloc, n, arrays(lo, ro)...)
		for i := range o {
			o[i] = a[i&am] * b[i&bm]
		}
	case Div, Mod:
		valid = writableValidity(alloc, n, arrays(lo, ro)...)
		vb := valid.Bytes()
		for i := range o {
			y := b[i&bm]
			if y == 0 {
				o[i] = 0
				bitutil.ClearBit(vb, i)
				continue
			}
			if op == Div {
				o[i] = a[i&am] / y
			} else {
				o[i] = math.Mod(a[i&am], y)
			}
		}
	}
	nulls := finishValidity(&valid, n)
	return makeArray(columnar.Float64, n, []*memory.Buffer{valid, out}, nulls)
}

type negateExpr struct{ e Expr }

func newNegate(e Expr) (Expr, error) {
	if err := checkChild("negate", e); err != nil {
		return nil, err
	}
	switch e.DataType().ID() {
	case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
		return &negateExpr{e: e}, nil
	}
	return nil, typeErr("-%s: cannot negate %s", e, typeName(e.DataType()))
}

func (e *negateExpr) DataType() arrow.DataType { return e.e.DataType() }
func (e *negateExpr) Children() []Expr         { return []Expr{e.e} }
func (e *negateExpr) String() string           { return "-" + e.e.String() }

func (e *negateExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	in, err := evalChild(ctx, e.e, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	n := in.Len()
	t := e.e.DataType()
	w := fixedWidth(t)
	out := newBuf(ctx.Alloc, n*w)
	switch t.ID() {
	case arrow.INT32:
		negLoop(fixedValues[int32](in), sliceOf[int32](out.Bytes()))
	case arrow.INT64:
		negLoop(fixedValues[int64](in), sliceOf[int64](out.Bytes()))
	case arrow.FLOAT64:
		negLoop(fixedValues[float64](in), sliceOf[float64](out.Bytes()))
	case arrow.DECIMAL128:
		src, dst := fixedValues[i128](in), sliceOf[i128](out.Bytes())
		for i, v := range src {
			dst[i] = neg128(v)
		}
	}
	valid := andValidity(ctx.Alloc, n, in)
	nulls := finishValidity(&valid, n)
	return makeArray(t, n, []*memory.Buffer{valid, out}, nulls), nil
}

func negLoop[T int32 | int64 | float64](src, dst []T) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = -v
	}
}
