package logical

import (
	"fmt"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
)

// CompileRow turns a resolved expression into a row expression over rows
// whose fields are input, in order (for the row operators).
func CompileRow(e Expr, input []*Column) (rowexpr.Expr, error) {
	idx := make(map[ColumnID]int, len(input))
	for i, c := range input {
		if _, dup := idx[c.ID]; !dup {
			idx[c.ID] = i
		}
	}
	return compileRow(e, idx)
}

func compileRow(e Expr, idx map[ColumnID]int) (rowexpr.Expr, error) {
	args := func(es []Expr) ([]rowexpr.Expr, error) {
		out := make([]rowexpr.Expr, len(es))
		for i, a := range es {
			c, err := compileRow(a, idx)
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
		return rowexpr.Column(i, x.Col.String(), x.Col.Type), nil
	case *Literal:
		return rowexpr.Literal(x.Value, x.Typ)
	case *Cast:
		a, err := compileRow(x.Arg, idx)
		if err != nil {
			return nil, err
		}
		return rowexpr.Cast(a, x.To)
	case *InList:
		a, err := compileRow(x.Arg, idx)
		if err != nil {
			return nil, err
		}
		return rowexpr.In(a, x.Values, x.Negated)
	case *Like:
		a, err := compileRow(x.Arg, idx)
		if err != nil {
			return nil, err
		}
		return rowexpr.Like(a, x.Pattern, x.Escape, x.CaseInsensitive)
	case *Case:
		conds, err := args(x.Conds)
		if err != nil {
			return nil, err
		}
		results, err := args(x.Results)
		if err != nil {
			return nil, err
		}
		var els rowexpr.Expr
		if x.Else != nil {
			if els, err = compileRow(x.Else, idx); err != nil {
				return nil, err
			}
		}
		return rowexpr.Case(conds, results, els)
	case *Call:
		as, err := args(x.Args)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case OpAdd:
			return rowexpr.Arith(expr.Add, as[0], as[1])
		case OpSub:
			return rowexpr.Arith(expr.Sub, as[0], as[1])
		case OpMul:
			return rowexpr.Arith(expr.Mul, as[0], as[1])
		case OpDiv:
			return rowexpr.Arith(expr.Div, as[0], as[1])
		case OpMod:
			return rowexpr.Arith(expr.Mod, as[0], as[1])
		case OpNeg:
			return rowexpr.Negate(as[0])
		case OpEq:
			return rowexpr.Compare(expr.Eq, as[0], as[1])
		case OpNotEq:
			return rowexpr.Compare(expr.NotEq, as[0], as[1])
		case OpLt:
			return rowexpr.Compare(expr.Lt, as[0], as[1])
		case OpLtEq:
			return rowexpr.Compare(expr.LtEq, as[0], as[1])
		case OpGt:
			return rowexpr.Compare(expr.Gt, as[0], as[1])
		case OpGtEq:
			return rowexpr.Compare(expr.GtEq, as[0], as[1])
		case OpEqNullSafe:
			return rowexpr.Compare(expr.EqNullSafe, as[0], as[1])
		case OpAnd:
			return rowexpr.And(as[0], as[1])
		case OpOr:
			return rowexpr.Or(as[0], as[1])
		case OpNot:
			return rowexpr.Not(as[0])
		case OpIsNull:
			return rowexpr.IsNull(as[0])
		case OpIsNotNull:
			return rowexpr.IsNotNull(as[0])
		case OpCoalesce:
			return rowexpr.Coalesce(as...)
		case OpFunc:
			if x.UDF != nil {
				return rowexpr.CallUDF(x.UDF, as)
			}
			return rowexpr.Function(x.Name, as)
		}
		return nil, fmt.Errorf("internal error: cannot compile %s for rows", e)
	case *AggCall:
		return nil, fmt.Errorf("internal error: aggregate %s outside an aggregation", e)
	}
	return nil, fmt.Errorf("internal error: cannot compile %T for rows", e)
}

// RowOnly reports why e cannot run in the columnar engine ("" when it can):
// the first row-only function or Go UDF it calls.
func RowOnly(e Expr) string {
	reason := ""
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*Call); ok && c.RowOnly {
			if c.UDF != nil {
				reason = "function " + c.Name + " is a Go UDF, which runs only as rows"
			} else {
				reason = "function " + c.Name + " has no columnar implementation"
			}
		}
		return reason == ""
	})
	return reason
}
