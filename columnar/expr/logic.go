package expr

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

type logicExpr struct {
	and  bool
	l, r Expr
}

func newLogic(and bool, l, r Expr) (Expr, error) {
	name := "OR"
	if and {
		name = "AND"
	}
	for _, c := range []Expr{l, r} {
		if err := checkChild(name, c); err != nil {
			return nil, err
		}
		if id := c.DataType().ID(); id != arrow.BOOL && id != arrow.NULL {
			return nil, typeErr("(%s %s %s): %s is %s, not boolean", l, name, r, c, typeName(c.DataType()))
		}
	}
	return &logicExpr{and: and, l: l, r: r}, nil
}

func (e *logicExpr) DataType() arrow.DataType { return columnar.Boolean }
func (e *logicExpr) Children() []Expr         { return []Expr{e.l, e.r} }

func (e *logicExpr) String() string {
	if e.and {
		return fmt.Sprintf("(%s AND %s)", e.l, e.r)
	}
	return fmt.Sprintf("(%s OR %s)", e.l, e.r)
}

// boolSide is one side of AND / OR as aligned bitmaps (bit offset 0).
type boolSide struct {
	valid  []byte // nil: no nulls
	values []byte
	free   []func()
}

func (s *boolSide) release() {
	for _, f := range s.free {
		f()
	}
}

// alignedBits returns bits at bit offset off as a bitmap at offset 0,
// copying only when off is not a multiple of 8.
func alignedBits(alloc memory.Allocator, bits []byte, off, n int, s *boolSide) []byte {
	if off%8 == 0 {
		return bits[off/8:]
	}
	tmp := newBuf(alloc, bitmapLen(n))
	bitutil.CopyBitmap(bits, off, n, tmp.Bytes(), 0)
	s.free = append(s.free, tmp.Release)
	return tmp.Bytes()
}

func sideOf(alloc memory.Allocator, o operand, n int) *boolSide {
	s := &boolSide{}
	nb := bitmapLen(n)
	if o.arr == nil || o.arr.DataType().ID() == arrow.NULL {
		var v any
		if o.arr == nil {
			v = o.lit.value
		}
		tmp := newBuf(alloc, 2*nb)
		s.free = append(s.free, tmp.Release)
		s.valid, s.values = tmp.Bytes()[:nb], tmp.Bytes()[nb:]
		b, ok := v.(bool)
		if ok {
			setAll(s.valid)
		} else {
			clear(s.valid)
		}
		if b {
			setAll(s.values)
		} else {
			clear(s.values)
		}
		return s
	}
	d := o.arr.Data()
	s.values = alignedBits(alloc, bufBytes(d, 1), d.Offset(), n, s)
	if o.arr.NullN() > 0 {
		s.valid = alignedBits(alloc, bufBytes(d, 0), d.Offset(), n, s)
	}
	return s
}

// decided reports whether a BOOLEAN array without nulls is all false (for
// AND) or all true (for OR), so the other side need not be evaluated.
func decided(a arrow.Array, and bool) bool {
	if a.DataType().ID() != arrow.BOOL || a.NullN() != 0 || a.Len() == 0 {
		return false
	}
	d := a.Data()
	set := bitutil.CountSetBits(bufBytes(d, 1), d.Offset(), a.Len())
	if and {
		return set == 0
	}
	return set == a.Len()
}

func (e *logicExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	lo, err := evalOperand(ctx, e.l, batch)
	if err != nil {
		return nil, err
	}
	defer lo.release()
	if lo.arr != nil && decided(lo.arr, e.and) {
		lo.arr.Retain()
		return lo.arr, nil
	}
	ro, err := evalOperand(ctx, e.r, batch)
	if err != nil {
		return nil, err
	}
	defer ro.release()
	alloc := ctx.Alloc
	ls, rs := sideOf(alloc, lo, n), sideOf(alloc, ro, n)
	defer ls.release()
	defer rs.release()
	nb := bitmapLen(n)
	values := newBuf(alloc, nb)
	vals := values.Bytes()
	var valid *memory.Buffer
	if ls.valid != nil || rs.valid != nil {
		valid = newBuf(alloc, nb)
	}
	kleene(e.and, ls, rs, vals, valid, nb)
	return boolArray(n, valid, values), nil
}

// kleene combines two sides word by word. AND: value = l & r, valid where
// both are valid or either is a valid false. OR: value = l | r, valid where
// both are valid or either is a valid true.
func kleene(and bool, ls, rs *boolSide, vals []byte, valid *memory.Buffer, nb int) {
	var vout []byte
	if valid != nil {
		vout = valid.Bytes()
	}
	i := 0
	for ; i+8 <= nb; i += 8 {
		lb := binary.LittleEndian.Uint64(ls.values[i:])
		rb := binary.LittleEndian.Uint64(rs.values[i:])
		lv, rv := ^uint64(0), ^uint64(0)
		if ls.valid != nil {
			lv = binary.LittleEndian.Uint64(ls.valid[i:])
		}
		if rs.valid != nil {
			rv = binary.LittleEndian.Uint64(rs.valid[i:])
		}
		var v, ok uint64
		if and {
			v = lb & rb
			ok = (lv & rv) | (lv &^ lb) | (rv &^ rb)
		} else {
			v = lb | rb
			ok = (lv & rv) | (lv & lb) | (rv & rb)
		}
		binary.LittleEndian.PutUint64(vals[i:], v)
		if vout != nil {
			binary.LittleEndian.PutUint64(vout[i:], ok)
		}
	}
	for ; i < nb; i++ {
		lb, rb := ls.values[i], rs.values[i]
		lv, rv := byte(0xFF), byte(0xFF)
		if ls.valid != nil {
			lv = ls.valid[i]
		}
		if rs.valid != nil {
			rv = rs.valid[i]
		}
		if and {
			vals[i] = lb & rb
			if vout != nil {
				vout[i] = (lv & rv) | (lv &^ lb) | (rv &^ rb)
			}
		} else {
			vals[i] = lb | rb
			if vout != nil {
				vout[i] = (lv & rv) | (lv & lb) | (rv & rb)
			}
		}
	}
}

type notExpr struct{ e Expr }

func newNot(e Expr) (Expr, error) {
	if err := checkChild("NOT", e); err != nil {
		return nil, err
	}
	if id := e.DataType().ID(); id != arrow.BOOL && id != arrow.NULL {
		return nil, typeErr("NOT %s: %s is %s, not boolean", e, e, typeName(e.DataType()))
	}
	return &notExpr{e: e}, nil
}

func (e *notExpr) DataType() arrow.DataType { return columnar.Boolean }
func (e *notExpr) Children() []Expr         { return []Expr{e.e} }
func (e *notExpr) String() string           { return "NOT " + e.e.String() }

func (e *notExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	in, err := evalChild(ctx, e.e, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	n := in.Len()
	if in.DataType().ID() == arrow.NULL {
		return nullArray(ctx.Alloc, columnar.Boolean, n), nil
	}
	values := newBuf(ctx.Alloc, bitmapLen(n))
	d := in.Data()
	bitutil.InvertBitmap(bufBytes(d, 1), d.Offset(), n, values.Bytes(), 0)
	return boolArray(n, andValidity(ctx.Alloc, n, in), values), nil
}

type isNullExpr struct {
	e   Expr
	not bool
}

func newIsNull(e Expr, not bool) (Expr, error) {
	if err := checkChild("isnull", e); err != nil {
		return nil, err
	}
	return &isNullExpr{e: e, not: not}, nil
}

func (e *isNullExpr) DataType() arrow.DataType { return columnar.Boolean }
func (e *isNullExpr) Children() []Expr         { return []Expr{e.e} }

func (e *isNullExpr) String() string {
	if e.not {
		return "isnotnull(" + e.e.String() + ")"
	}
	return "isnull(" + e.e.String() + ")"
}

func (e *isNullExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	if l, ok := isLit(e.e); ok {
		return constArray(ctx.Alloc, (l.value == nil) != e.not, columnar.Boolean, n)
	}
	in, err := evalChild(ctx, e.e, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	values := newBuf(ctx.Alloc, bitmapLen(n))
	out := values.Bytes()
	switch {
	case in.DataType().ID() == arrow.NULL:
		if e.not {
			clear(out)
		} else {
			setAll(out)
		}
	case in.NullN() == 0:
		if e.not {
			setAll(out)
		} else {
			clear(out)
		}
	default:
		bits, off := validBits(in)
		if e.not {
			copyBits(bits, off, n, out)
		} else {
			bitutil.InvertBitmap(bits, off, n, out, 0)
		}
	}
	return boolArray(n, nil, values), nil
}
