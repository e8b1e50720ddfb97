package logical

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/expr"
)

// Compile turns a resolved expression into a physical expression over a
// batch whose columns are input, in order.
func Compile(e Expr, input []*Column) (expr.Expr, error) {
	return compileWith[expr.Expr](e, input, columnarBuilder{})
}

// builder makes the physical expressions of one engine (columnar or row)
// from compiled children; compileWith walks the logical expression once for
// both.
type builder[E any] interface {
	column(i int, name string, t arrow.DataType) E
	literal(v any, t arrow.DataType) (E, error)
	cast(a E, t arrow.DataType) (E, error)
	in(a E, vals []any, neg bool) (E, error)
	like(a E, pattern string, esc rune, ci bool) (E, error)
	caseWhen(conds, results []E, els E) (E, error)
	arith(op expr.ArithOp, l, r E) (E, error)
	negate(a E) (E, error)
	compare(op expr.CmpOp, l, r E) (E, error)
	and(l, r E) (E, error)
	or(l, r E) (E, error)
	not(a E) (E, error)
	isNull(a E, not bool) (E, error)
	coalesce(args []E) (E, error)
	function(c *Call, args []E) (E, error)
}

var arithOps = map[Op]expr.ArithOp{OpAdd: expr.Add, OpSub: expr.Sub, OpMul: expr.Mul, OpDiv: expr.Div, OpMod: expr.Mod}

var cmpOps = map[Op]expr.CmpOp{OpEq: expr.Eq, OpNotEq: expr.NotEq, OpLt: expr.Lt, OpLtEq: expr.LtEq,
	OpGt: expr.Gt, OpGtEq: expr.GtEq, OpEqNullSafe: expr.EqNullSafe}

func compileWith[E any](e Expr, input []*Column, b builder[E]) (E, error) {
	idx := make(map[ColumnID]int, len(input))
	for i, c := range input {
		if _, dup := idx[c.ID]; !dup {
			idx[c.ID] = i
		}
	}
	return compileNode(e, idx, b)
}

func compileNode[E any](e Expr, idx map[ColumnID]int, b builder[E]) (E, error) {
	var zero E
	all := func(es []Expr) ([]E, error) {
		out := make([]E, len(es))
		for i, a := range es {
			c, err := compileNode(a, idx, b)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	switch x := e.(type) {
	case *ColumnRef:
		i, ok := idx[x.Col.ID]
		if !ok {
			return zero, fmt.Errorf("internal error: column %s is not in the input", x.Col)
		}
		return b.column(i, x.Col.String(), x.Col.Type), nil
	case *Literal:
		return b.literal(x.Value, x.Typ)
	case *Cast:
		a, err := compileNode(x.Arg, idx, b)
		if err != nil {
			return zero, err
		}
		return b.cast(a, x.To)
	case *InList:
		a, err := compileNode(x.Arg, idx, b)
		if err != nil {
			return zero, err
		}
		return b.in(a, x.Values, x.Negated)
	case *Like:
		a, err := compileNode(x.Arg, idx, b)
		if err != nil {
			return zero, err
		}
		return b.like(a, x.Pattern, x.Escape, x.CaseInsensitive)
	case *Case:
		conds, err := all(x.Conds)
		if err != nil {
			return zero, err
		}
		results, err := all(x.Results)
		if err != nil {
			return zero, err
		}
		els := zero
		if x.Else != nil {
			if els, err = compileNode(x.Else, idx, b); err != nil {
				return zero, err
			}
		}
		return b.caseWhen(conds, results, els)
	case *Call:
		as, err := all(x.Args)
		if err != nil {
			return zero, err
		}
		if op, ok := arithOps[x.Op]; ok {
			return b.arith(op, as[0], as[1])
		}
		if op, ok := cmpOps[x.Op]; ok {
			return b.compare(op, as[0], as[1])
		}
		switch x.Op {
		case OpNeg:
			return b.negate(as[0])
		case OpAnd:
			return b.and(as[0], as[1])
		case OpOr:
			return b.or(as[0], as[1])
		case OpNot:
			return b.not(as[0])
		case OpIsNull:
			return b.isNull(as[0], false)
		case OpIsNotNull:
			return b.isNull(as[0], true)
		case OpCoalesce:
			return b.coalesce(as)
		case OpFunc:
			return b.function(x, as)
		}
		return zero, fmt.Errorf("internal error: cannot compile %s", e)
	case *AggCall:
		return zero, fmt.Errorf("internal error: aggregate %s outside an aggregation", e)
	}
	return zero, fmt.Errorf("internal error: cannot compile %T", e)
}

// columnarBuilder builds vectorized expressions (package columnar/expr).
type columnarBuilder struct{}

func (columnarBuilder) column(i int, name string, t arrow.DataType) expr.Expr {
	return expr.Column(i, name, t)
}
func (columnarBuilder) literal(v any, t arrow.DataType) (expr.Expr, error) { return expr.Literal(v, t) }
func (columnarBuilder) cast(a expr.Expr, t arrow.DataType) (expr.Expr, error) {
	return expr.Cast(a, t)
}
func (columnarBuilder) in(a expr.Expr, vals []any, neg bool) (expr.Expr, error) {
	return expr.In(a, vals, neg)
}
func (columnarBuilder) like(a expr.Expr, pattern string, esc rune, ci bool) (expr.Expr, error) {
	return expr.Like(a, pattern, esc, ci)
}
func (columnarBuilder) caseWhen(conds, results []expr.Expr, els expr.Expr) (expr.Expr, error) {
	return expr.Case(conds, results, els)
}
func (columnarBuilder) arith(op expr.ArithOp, l, r expr.Expr) (expr.Expr, error) {
	return expr.Arith(op, l, r)
}
func (columnarBuilder) negate(a expr.Expr) (expr.Expr, error) { return expr.Negate(a) }
func (columnarBuilder) compare(op expr.CmpOp, l, r expr.Expr) (expr.Expr, error) {
	return expr.Compare(op, l, r)
}
func (columnarBuilder) and(l, r expr.Expr) (expr.Expr, error) { return expr.And(l, r) }
func (columnarBuilder) or(l, r expr.Expr) (expr.Expr, error)  { return expr.Or(l, r) }
func (columnarBuilder) not(a expr.Expr) (expr.Expr, error)    { return expr.Not(a) }
func (columnarBuilder) isNull(a expr.Expr, not bool) (expr.Expr, error) {
	if not {
		return expr.IsNotNull(a)
	}
	return expr.IsNull(a)
}
func (columnarBuilder) coalesce(args []expr.Expr) (expr.Expr, error) { return expr.Coalesce(args...) }
func (columnarBuilder) function(c *Call, args []expr.Expr) (expr.Expr, error) {
	if c.RowOnly {
		return nil, fmt.Errorf("internal error: %s has no columnar implementation", c.Name)
	}
	return expr.Function(c.Name, args)
}

// EvalConstant evaluates an expression that reads no column.
func EvalConstant(e Expr) (any, error) {
	c, err := Compile(e, nil)
	if err != nil {
		return nil, err
	}
	return expr.EvalConst(memory.DefaultAllocator, c)
}
