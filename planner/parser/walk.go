package parser

// Inspect traverses the tree rooted at n depth-first, in source order,
// calling f for each node, including the value nodes CTE, OrderItem,
// SelectItem, When and TypeName. When f returns false the children of that
// node are skipped. Nil nodes are not visited.
func Inspect(n Node, f func(Node) bool) {
	if isNilNode(n) || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Explain:
		Inspect(n.Stmt, f)
	case *Query:
		for _, c := range n.With {
			Inspect(c, f)
		}
		Inspect(n.Body, f)
		for _, o := range n.OrderBy {
			Inspect(o, f)
		}
		Inspect(n.Limit, f)
		Inspect(n.Offset, f)
	case CTE:
		Inspect(n.Query, f)
	case OrderItem:
		Inspect(n.Expr, f)
	case *SetOp:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
	case *ParenQuery:
		Inspect(n.Query, f)
	case *Select:
		for _, it := range n.Items {
			Inspect(it, f)
		}
		for _, t := range n.From {
			Inspect(t, f)
		}
		Inspect(n.Where, f)
		for _, g := range n.GroupBy {
			Inspect(g, f)
		}
		Inspect(n.Having, f)
	case SelectItem:
		Inspect(n.Expr, f)
	case *Values:
		for _, row := range n.Rows {
			for _, e := range row {
				Inspect(e, f)
			}
		}
	case *SubqueryTable:
		Inspect(n.Query, f)
	case *Join:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
		Inspect(n.On, f)
	case *Unary:
		Inspect(n.X, f)
	case *Binary:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
	case *IsNull:
		Inspect(n.Expr, f)
	case *IsBool:
		Inspect(n.Expr, f)
	case *InList:
		Inspect(n.Expr, f)
		for _, e := range n.List {
			Inspect(e, f)
		}
	case *InSubquery:
		Inspect(n.Expr, f)
		Inspect(n.Query, f)
	case *Exists:
		Inspect(n.Query, f)
	case *ScalarSubquery:
		Inspect(n.Query, f)
	case *Between:
		Inspect(n.Expr, f)
		Inspect(n.Low, f)
		Inspect(n.High, f)
	case *Like:
		Inspect(n.Expr, f)
		Inspect(n.Pattern, f)
		Inspect(n.Escape, f)
	case *Case:
		Inspect(n.Operand, f)
		for _, w := range n.Whens {
			Inspect(w, f)
		}
		Inspect(n.Else, f)
	case When:
		Inspect(n.Cond, f)
		Inspect(n.Result, f)
	case *Cast:
		Inspect(n.Expr, f)
		Inspect(n.Type, f)
	case *FuncCall:
		for _, e := range n.Args {
			Inspect(e, f)
		}
		Inspect(n.Filter, f)
	case *Extract:
		Inspect(n.Expr, f)
	}
}

// isNilNode reports whether n is nil or a nil pointer in an interface.
func isNilNode(n Node) bool {
	switch n := n.(type) {
	case nil:
		return true
	case *Explain:
		return n == nil
	case *Query:
		return n == nil
	case *SetOp:
		return n == nil
	case *ParenQuery:
		return n == nil
	case *Select:
		return n == nil
	case *Values:
		return n == nil
	case *TableName:
		return n == nil
	case *SubqueryTable:
		return n == nil
	case *Join:
		return n == nil
	case *Ident:
		return n == nil
	case *Literal:
		return n == nil
	case *Interval:
		return n == nil
	case *Unary:
		return n == nil
	case *Binary:
		return n == nil
	case *IsNull:
		return n == nil
	case *IsBool:
		return n == nil
	case *InList:
		return n == nil
	case *InSubquery:
		return n == nil
	case *Exists:
		return n == nil
	case *ScalarSubquery:
		return n == nil
	case *Between:
		return n == nil
	case *Like:
		return n == nil
	case *Case:
		return n == nil
	case *Cast:
		return n == nil
	case *FuncCall:
		return n == nil
	case *Extract:
		return n == nil
	}
	return false
}
