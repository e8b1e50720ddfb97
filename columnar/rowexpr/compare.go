package rowexpr

import (
	"bytes"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// cmpClass is how two values of a comparison's type are compared.
type cmpClass uint8

const (
	cmpInts      cmpClass = iota // I: BOOLEAN, INT, BIGINT, DATE, TIMESTAMP
	cmpFloats                    // F, in Spark's order
	cmpDecSame                   // D, one scale
	cmpDecScaled                 // D, different scales
	cmpBytes                     // B, bytewise
	cmpNull                      // a side of type NULL: every comparison is NULL
)

// comparer compares two non-NULL values of a comparison's types.
type comparer struct {
	class  cmpClass
	as, bs int32 // decimal scales
}

func newComparer(lt, rt arrow.DataType) comparer {
	if lt.ID() == arrow.NULL || rt.ID() == arrow.NULL {
		return comparer{class: cmpNull}
	}
	switch lt.ID() {
	case arrow.FLOAT64:
		return comparer{class: cmpFloats}
	case arrow.DECIMAL128:
		_, as, _ := columnar.IsDecimal(lt)
		_, bs, _ := columnar.IsDecimal(rt)
		if as == bs {
			return comparer{class: cmpDecSame}
		}
		return comparer{class: cmpDecScaled, as: as, bs: bs}
	case arrow.STRING, arrow.BINARY:
		return comparer{class: cmpBytes}
	}
	return comparer{class: cmpInts}
}

// cmp returns -1, 0 or 1.
func (c comparer) cmp(a, b Value) int {
	switch c.class {
	case cmpInts:
		return cmpInt(a.I, b.I)
	case cmpFloats:
		return cmpFloat(a.F, b.F)
	case cmpDecSame:
		return cmpNum(a.D, b.D)
	case cmpDecScaled:
		return expr.CompareDecimal(a.D, c.as, b.D, c.bs)
	case cmpBytes:
		return bytes.Compare(a.B, b.B)
	}
	return 0
}

// eq reports whether a equals b.
func (c comparer) eq(a, b Value) bool {
	switch c.class {
	case cmpInts:
		return a.I == b.I
	case cmpFloats:
		return sameFloat(a.F, b.F)
	case cmpDecSame:
		return a.D == b.D
	case cmpBytes:
		return bytes.Equal(a.B, b.B)
	}
	return c.cmp(a, b) == 0
}

type compareNode struct {
	proto
	op   expr.CmpOp
	l, r Expr
	c    comparer
}

func newCompare(op expr.CmpOp, l, r Expr) (Expr, error) {
	p, err := expr.Compare(op, shadowOf(l), shadowOf(r))
	if err != nil {
		return nil, err
	}
	return &compareNode{proto: proto{p}, op: op, l: l, r: r, c: newComparer(l.DataType(), r.DataType())}, nil
}

func (n *compareNode) Children() []Expr { return []Expr{n.l, n.r} }

func (n *compareNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	a, err := n.l.Eval(c, l, r)
	if err != nil {
		return Null, err
	}
	if a.Null && n.op != expr.EqNullSafe {
		return Null, nil
	}
	b, err := n.r.Eval(c, l, r)
	if err != nil {
		return Null, err
	}
	if a.Null || b.Null {
		if n.op == expr.EqNullSafe {
			return Bool(a.Null && b.Null), nil
		}
		return Null, nil
	}
	var k int
	switch n.c.class {
	case cmpInts:
		k = cmpInt(a.I, b.I)
	case cmpFloats:
		k = cmpFloat(a.F, b.F)
	case cmpDecSame:
		k = cmpNum(a.D, b.D)
	case cmpNull:
		// Only reachable for <=> of two non-NULL values of which one has
		// type NULL, which cannot exist.
		return Null, nil
	default:
		return n.slow(a, b), nil
	}
	switch n.op {
	case expr.Eq, expr.EqNullSafe:
		return Bool(k == 0), nil
	case expr.NotEq:
		return Bool(k != 0), nil
	case expr.Lt:
		return Bool(k < 0), nil
	case expr.LtEq:
		return Bool(k <= 0), nil
	case expr.Gt:
		return Bool(k > 0), nil
	}
	return Bool(k >= 0), nil
}

// slow compares through the comparer (bytes, decimals of two scales).
func (n *compareNode) slow(a, b Value) Value {
	switch n.op {
	case expr.Eq, expr.EqNullSafe:
		return Bool(n.c.eq(a, b))
	case expr.NotEq:
		return Bool(!n.c.eq(a, b))
	}
	k := n.c.cmp(a, b)
	switch n.op {
	case expr.Lt:
		return Bool(k < 0)
	case expr.LtEq:
		return Bool(k <= 0)
	case expr.Gt:
		return Bool(k > 0)
	}
	return Bool(k >= 0)
}

// ---- IN ----

// inHashMin is the list length from which In uses a hash set.
const inHashMin = 8

type inNode struct {
	proto
	e       Expr
	kids    []Expr
	negated bool
	hasNull bool
	isNull  bool // e has type NULL: always NULL
	c       comparer
	list    []Value
	ints    map[int64]struct{}
	floats  map[uint64]struct{}
	decs    map[decimal128.Num]struct{}
	strs    map[string]struct{}
}

func newIn(e Expr, values []any, negated bool) (Expr, error) {
	p, err := expr.In(shadowOf(e), values, negated)
	if err != nil {
		return nil, err
	}
	t := e.DataType()
	n := &inNode{proto: proto{p}, e: e, negated: negated, kids: []Expr{e}}
	for _, v := range values {
		l, err := newLiteral(v, t)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, l)
		if l.v.Null {
			n.hasNull = true
			continue
		}
		n.list = append(n.list, l.v)
	}
	if t.ID() == arrow.NULL {
		n.isNull = true
		return n, nil
	}
	n.c = newComparer(t, t)
	if len(n.list) >= inHashMin {
		switch n.c.class {
		case cmpInts:
			n.ints = make(map[int64]struct{}, len(n.list))
			for _, v := range n.list {
				n.ints[v.I] = struct{}{}
			}
		case cmpFloats:
			n.floats = make(map[uint64]struct{}, len(n.list))
			for _, v := range n.list {
				n.floats[floatKey(v.F)] = struct{}{}
			}
		case cmpDecSame:
			n.decs = make(map[decimal128.Num]struct{}, len(n.list))
			for _, v := range n.list {
				n.decs[v.D] = struct{}{}
			}
		case cmpBytes:
			n.strs = make(map[string]struct{}, len(n.list))
			for _, v := range n.list {
				n.strs[string(v.B)] = struct{}{}
			}
		}
	}
	return n, nil
}

func (n *inNode) Children() []Expr { return n.kids }

func (n *inNode) contains(v Value) bool {
	switch {
	case n.ints != nil:
		_, ok := n.ints[v.I]
		return ok
	case n.floats != nil:
		_, ok := n.floats[floatKey(v.F)]
		return ok
	case n.decs != nil:
		_, ok := n.decs[v.D]
		return ok
	case n.strs != nil:
		_, ok := n.strs[string(v.B)]
		return ok
	}
	for _, x := range n.list {
		if n.c.eq(v, x) {
			return true
		}
	}
	return false
}

func (n *inNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	if n.isNull {
		return Null, nil
	}
	v, err := n.e.Eval(c, l, r)
	if err != nil || v.Null {
		return Null, err
	}
	if n.contains(v) {
		return Bool(!n.negated), nil
	}
	if n.hasNull {
		return Null, nil
	}
	return Bool(n.negated), nil
}
