package logical

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
)

// CompileRow turns a resolved expression into a row expression over rows
// whose fields are input, in order (for the row operators).
func CompileRow(e Expr, input []*Column) (rowexpr.Expr, error) {
	return compileWith[rowexpr.Expr](e, input, rowBuilder{})
}

// rowBuilder builds row expressions (package rowexpr).
type rowBuilder struct{}

func (rowBuilder) column(i int, name string, t arrow.DataType) rowexpr.Expr {
	return rowexpr.Column(i, name, t)
}
func (rowBuilder) literal(v any, t arrow.DataType) (rowexpr.Expr, error) {
	return rowexpr.Literal(v, t)
}
func (rowBuilder) cast(a rowexpr.Expr, t arrow.DataType) (rowexpr.Expr, error) {
	return rowexpr.Cast(a, t)
}
func (rowBuilder) in(a rowexpr.Expr, vals []any, neg bool) (rowexpr.Expr, error) {
	return rowexpr.In(a, vals, neg)
}
func (rowBuilder) like(a rowexpr.Expr, pattern string, esc rune, ci bool) (rowexpr.Expr, error) {
	return rowexpr.Like(a, pattern, esc, ci)
}
func (rowBuilder) caseWhen(conds, results []rowexpr.Expr, els rowexpr.Expr) (rowexpr.Expr, error) {
	return rowexpr.Case(conds, results, els)
}
func (rowBuilder) arith(op expr.ArithOp, l, r rowexpr.Expr) (rowexpr.Expr, error) {
	return rowexpr.Arith(op, l, r)
}
func (rowBuilder) negate(a rowexpr.Expr) (rowexpr.Expr, error) { return rowexpr.Negate(a) }
func (rowBuilder) compare(op expr.CmpOp, l, r rowexpr.Expr) (rowexpr.Expr, error) {
	return rowexpr.Compare(op, l, r)
}
func (rowBuilder) and(l, r rowexpr.Expr) (rowexpr.Expr, error) { return rowexpr.And(l, r) }
func (rowBuilder) or(l, r rowexpr.Expr) (rowexpr.Expr, error)  { return rowexpr.Or(l, r) }
func (rowBuilder) not(a rowexpr.Expr) (rowexpr.Expr, error)    { return rowexpr.Not(a) }
func (rowBuilder) isNull(a rowexpr.Expr, not bool) (rowexpr.Expr, error) {
	if not {
		return rowexpr.IsNotNull(a)
	}
	return rowexpr.IsNull(a)
}
func (rowBuilder) coalesce(args []rowexpr.Expr) (rowexpr.Expr, error) {
	return rowexpr.Coalesce(args...)
}
func (rowBuilder) function(c *Call, args []rowexpr.Expr) (rowexpr.Expr, error) {
	if c.UDF != nil {
		return rowexpr.CallUDF(c.UDF, args)
	}
	return rowexpr.Function(c.Name, args)
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
