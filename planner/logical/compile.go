package logical

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/expr"
)

// Compile turns a resolved expression into a physical expression over a
// batch whose columns are input, in order.
func Compile(e Expr, input []*Column) (expr.Expr, error) {
	idx := make(map[ColumnID]int, len(input))
	for i, c := range input {
		if _, dup := idx[c.ID]; !dup {
			idx[c.ID] = i
		}
	}
	return compile(e, idx)
}

func compile(e Expr, idx map[ColumnID]int) (expr.Expr, error) {
	args := func(es []Expr) ([]expr.Expr, error) {
		out := make([]expr.Expr, len(es))
		for i, a := range es {
			c, err := compile(a, idx)
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
			return nil, fmt.Errorf("internal error: column %s is not in the input", x.Col)
		}
		return expr.Column(i, x.Col.String(), x.Col.Type), nil
	case *Literal:
		return expr.Literal(x.Value, x.Typ)
	case *Cast:
		a, err := compile(x.Arg, idx)
		if err != nil {
			return nil, err
		}
		return expr.Cast(a, x.To)
	case *InList:
		a, err := compile(x.Arg, idx)
		if err != nil {
			return nil, err
		}
		return expr.In(a, x.Values, x.Negated)
	case *Like:
		a, err := compile(x.Arg, idx)
		if err != nil {
			return nil, err
		}
		return expr.Like(a, x.Pattern, x.Escape, x.CaseInsensitive)
	case *Case:
		conds, err := args(x.Conds)
		if err != nil {
			return nil, err
		}
		results, err := args(x.Results)
		if err != nil {
			return nil, err
		}
		var els expr.Expr
		if x.Else != nil {
			if els, err = compile(x.Else, idx); err != nil {
				return nil, err
			}
		}
		return expr.Case(conds, results, els)
	case *Call:
		as, err := args(x.Args)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case OpAdd:
			return expr.Arith(expr.Add, as[0], as[1])
		case OpSub:
			return expr.Arith(expr.Sub, as[0], as[1])
		case OpMul:
			return expr.Arith(expr.Mul, as[0], as[1])
		case OpDiv:
			return expr.Arith(expr.Div, as[0], as[1])
		case OpMod:
			return expr.Arith(expr.Mod, as[0], as[1])
		case OpNeg:
			return expr.Negate(as[0])
		case OpEq:
			return expr.Compare(expr.Eq, as[0], as[1])
		case OpNotEq:
			return expr.Compare(expr.NotEq, as[0], as[1])
		case OpLt:
			return expr.Compare(expr.Lt, as[0], as[1])
		case OpLtEq:
			return expr.Compare(expr.LtEq, as[0], as[1])
		case OpGt:
			return expr.Compare(expr.Gt, as[0], as[1])
		case OpGtEq:
			return expr.Compare(expr.GtEq, as[0], as[1])
		case OpEqNullSafe:
			return expr.Compare(expr.EqNullSafe, as[0], as[1])
		case OpAnd:
			return expr.And(as[0], as[1])
		case OpOr:
			return expr.Or(as[0], as[1])
		case OpNot:
			return expr.Not(as[0])
		case OpIsNull:
			return expr.IsNull(as[0])
		case OpIsNotNull:
			return expr.IsNotNull(as[0])
		case OpCoalesce:
			return expr.Coalesce(as...)
		case OpFunc:
			return expr.Function(x.Name, as)
		}
		return nil, fmt.Errorf("internal error: cannot compile %s", e)
	case *AggCall:
		return nil, fmt.Errorf("internal error: aggregate %s outside an aggregation", e)
	}
	return nil, fmt.Errorf("internal error: cannot compile %T", e)
}

// EvalConstant evaluates an expression that reads no column.
func EvalConstant(e Expr) (any, error) {
	c, err := compile(e, nil)
	if err != nil {
		return nil, err
	}
	return expr.EvalConst(memory.DefaultAllocator, c)
}
