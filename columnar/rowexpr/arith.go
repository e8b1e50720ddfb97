package rowexpr

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// typeName is the Spark name of t, for error messages.
func typeName(t arrow.DataType) string {
	if t == nil {
		return "<nil>"
	}
	if lt, ok := t.(*arrow.ListType); ok {
		return "array<" + typeName(lt.Elem()) + ">"
	}
	return columnar.TypeName(t)
}

// binFn computes a binary operator on two non-NULL values; the result may
// be NULL.
type binFn func(a, b Value) Value

// arithFn returns the function computing lt op rt (types the planner has
// coerced, see expr.ArithResultType) and its result type.
func arithFn(op expr.ArithOp, lt, rt arrow.DataType) (binFn, arrow.DataType, error) {
	t, err := expr.ArithResultType(op, lt, rt)
	if err != nil {
		return nil, nil, err
	}
	switch t.ID() {
	case arrow.INT32:
		switch op {
		case expr.Add:
			return func(a, b Value) Value { return Value{I: int64(int32(a.I) + int32(b.I))} }, t, nil
		case expr.Sub:
			return func(a, b Value) Value { return Value{I: int64(int32(a.I) - int32(b.I))} }, t, nil
		case expr.Mul:
			return func(a, b Value) Value { return Value{I: int64(int32(a.I) * int32(b.I))} }, t, nil
		case expr.Mod:
			return func(a, b Value) Value {
				if int32(b.I) == 0 {
					return Null
				}
				return Value{I: int64(int32(a.I) % int32(b.I))}
			}, t, nil
		}
	case arrow.INT64:
		switch op {
		case expr.Add:
			return func(a, b Value) Value { return Value{I: a.I + b.I} }, t, nil
		case expr.Sub:
			return func(a, b Value) Value { return Value{I: a.I - b.I} }, t, nil
		case expr.Mul:
			return func(a, b Value) Value { return Value{I: a.I * b.I} }, t, nil
		case expr.Mod:
			return func(a, b Value) Value {
				if b.I == 0 {
					return Null
				}
				return Value{I: a.I % b.I}
			}, t, nil
		}
	case arrow.FLOAT64:
		switch op {
		case expr.Add:
			return func(a, b Value) Value { return Value{F: a.F + b.F} }, t, nil
		case expr.Sub:
			return func(a, b Value) Value { return Value{F: a.F - b.F} }, t, nil
		case expr.Mul:
			return func(a, b Value) Value { return Value{F: a.F * b.F} }, t, nil
		case expr.Div:
			return func(a, b Value) Value {
				if b.F == 0 {
					return Null
				}
				return Value{F: a.F / b.F}
			}, t, nil
		case expr.Mod:
			return func(a, b Value) Value {
				if b.F == 0 {
					return Null
				}
				return Value{F: math.Mod(a.F, b.F)}
			}, t, nil
		}
	case arrow.DECIMAL128:
		d, err := expr.NewDecimalOp(op, lt, rt)
		if err != nil {
			return nil, nil, err
		}
		return func(a, b Value) Value {
			r, ok := d.Apply(a.D, b.D)
			if !ok {
				return Null
			}
			return Value{D: r}
		}, t, nil
	}
	return nil, nil, typeErr("cannot apply %s to %s and %s", op, typeName(lt), typeName(rt))
}

// arithNode evaluates l op r. The common cases are computed inline (a
// call through f would pass two Values on the stack); f serves the rest.
type arithNode struct {
	proto
	l, r Expr
	op   expr.ArithOp
	id   arrow.Type // the result type
	dec  *expr.DecimalOp
	f    binFn
}

func newArith(op expr.ArithOp, l, r Expr) (Expr, error) {
	p, err := expr.Arith(op, shadowOf(l), shadowOf(r))
	if err != nil {
		return nil, err
	}
	f, t, err := arithFn(op, l.DataType(), r.DataType())
	if err != nil {
		return nil, err
	}
	n := &arithNode{proto: proto{p}, l: l, r: r, op: op, id: t.ID(), f: f}
	if n.id == arrow.DECIMAL128 {
		if n.dec, err = expr.NewDecimalOp(op, l.DataType(), r.DataType()); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (n *arithNode) Children() []Expr { return []Expr{n.l, n.r} }

func (n *arithNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	a, err := n.l.Eval(c, l, r)
	if err != nil || a.Null {
		return Null, err
	}
	b, err := n.r.Eval(c, l, r)
	if err != nil || b.Null {
		return Null, err
	}
	switch n.id {
	case arrow.DECIMAL128:
		d, ok := n.dec.Apply(a.D, b.D)
		if !ok {
			return Null, nil
		}
		return Value{D: d}, nil
	case arrow.INT64:
		switch n.op {
		case expr.Add:
			return Value{I: a.I + b.I}, nil
		case expr.Sub:
			return Value{I: a.I - b.I}, nil
		case expr.Mul:
			return Value{I: a.I * b.I}, nil
		}
	case arrow.FLOAT64:
		switch n.op {
		case expr.Add:
			return Value{F: a.F + b.F}, nil
		case expr.Sub:
			return Value{F: a.F - b.F}, nil
		case expr.Mul:
			return Value{F: a.F * b.F}, nil
		}
	}
	return n.f(a, b), nil
}

type negateNode struct {
	proto
	e  Expr
	id arrow.Type
}

func newNegate(e Expr) (Expr, error) {
	p, err := expr.Negate(shadowOf(e))
	if err != nil {
		return nil, err
	}
	return &negateNode{proto: proto{p}, e: e, id: e.DataType().ID()}, nil
}

func (n *negateNode) Children() []Expr { return []Expr{n.e} }

func (n *negateNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	v, err := n.e.Eval(c, l, r)
	if err != nil || v.Null {
		return Null, err
	}
	switch n.id {
	case arrow.INT32:
		return Value{I: int64(-int32(v.I))}, nil
	case arrow.INT64:
		return Value{I: -v.I}, nil
	case arrow.FLOAT64:
		return Value{F: -v.F}, nil
	}
	return Value{D: v.D.Negate()}, nil
}
