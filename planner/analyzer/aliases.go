package analyzer

import "github.com/gluten-go/gluten-go/planner/parser"

// replaceIdents returns e with every identifier for which f returns a
// non-nil expression replaced by it. Sub-queries are left alone. e itself is
// not modified.
func replaceIdents(e parser.Expr, f func(*parser.Ident) parser.Expr) parser.Expr {
	if e == nil {
		return nil
	}
	r := func(x parser.Expr) parser.Expr { return replaceIdents(x, f) }
	switch x := e.(type) {
	case *parser.Ident:
		if n := f(x); n != nil {
			return n
		}
		return x
	case *parser.Unary:
		c := *x
		c.X = r(x.X)
		return &c
	case *parser.Binary:
		c := *x
		c.Left, c.Right = r(x.Left), r(x.Right)
		return &c
	case *parser.IsNull:
		c := *x
		c.Expr = r(x.Expr)
		return &c
	case *parser.IsBool:
		c := *x
		c.Expr = r(x.Expr)
		return &c
	case *parser.InList:
		c := *x
		c.Expr = r(x.Expr)
		c.List = make([]parser.Expr, len(x.List))
		for i, it := range x.List {
			c.List[i] = r(it)
		}
		return &c
	case *parser.InSubquery:
		c := *x
		c.Expr = r(x.Expr)
		return &c
	case *parser.Between:
		c := *x
		c.Expr, c.Low, c.High = r(x.Expr), r(x.Low), r(x.High)
		return &c
	case *parser.Like:
		c := *x
		c.Expr, c.Pattern = r(x.Expr), r(x.Pattern)
		return &c
	case *parser.Case:
		c := *x
		c.Operand = r(x.Operand)
		c.Whens = make([]parser.When, len(x.Whens))
		for i, w := range x.Whens {
			c.Whens[i] = parser.When{At: w.At, Cond: r(w.Cond), Result: r(w.Result)}
		}
		c.Else = r(x.Else)
		return &c
	case *parser.Cast:
		c := *x
		c.Expr = r(x.Expr)
		return &c
	case *parser.FuncCall:
		c := *x
		c.Args = make([]parser.Expr, len(x.Args))
		for i, a := range x.Args {
			c.Args[i] = r(a)
		}
		c.Filter = r(x.Filter)
		return &c
	case *parser.Extract:
		c := *x
		c.Expr = r(x.Expr)
		return &c
	}
	return e
}

// withAliases replaces, in e, names that the FROM scope does not resolve but
// that name an aliased select item, by that item's expression (Spark lets
// HAVING and ORDER BY refer to select-list aliases).
func (a *analyzer) withAliases(e parser.Expr, s *scope, items []selItem) parser.Expr {
	return replaceIdents(e, func(id *parser.Ident) parser.Expr {
		if len(id.Parts) != 1 {
			return nil
		}
		if _, err := a.resolve(s, id); err == nil {
			return nil
		}
		for _, it := range items {
			if it.ast != nil && it.alias != "" && a.sameName(it.alias, id.Parts[0]) {
				return it.ast
			}
		}
		return nil
	})
}
