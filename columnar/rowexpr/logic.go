package rowexpr

import (
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

type logicNode struct {
	proto
	and  bool
	l, r Expr
}

func newLogic(and bool, l, r Expr) (Expr, error) {
	var p expr.Expr
	var err error
	if and {
		p, err = expr.And(shadowOf(l), shadowOf(r))
	} else {
		p, err = expr.Or(shadowOf(l), shadowOf(r))
	}
	if err != nil {
		return nil, err
	}
	return &logicNode{proto: proto{p}, and: and, l: l, r: r}, nil
}

func (n *logicNode) Children() []Expr { return []Expr{n.l, n.r} }

// Eval implements Kleene logic, evaluating r only when l does not decide.
func (n *logicNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	a, err := n.l.Eval(c, l, r)
	if err != nil {
		return Null, err
	}
	// decisive: false for AND, true for OR.
	decisive := int64(0)
	if !n.and {
		decisive = 1
	}
	if !a.Null && a.I == decisive {
		return a, nil
	}
	b, err := n.r.Eval(c, l, r)
	if err != nil {
		return Null, err
	}
	if !b.Null && b.I == decisive {
		return b, nil
	}
	if a.Null || b.Null {
		return Null, nil
	}
	return Value{I: 1 - decisive}, nil
}

type notNode struct {
	proto
	e Expr
}

func newNot(e Expr) (Expr, error) {
	p, err := expr.Not(shadowOf(e))
	if err != nil {
		return nil, err
	}
	return &notNode{proto: proto{p}, e: e}, nil
}

func (n *notNode) Children() []Expr { return []Expr{n.e} }

func (n *notNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	v, err := n.e.Eval(c, l, r)
	if err != nil || v.Null {
		return Null, err
	}
	return Value{I: 1 - v.I}, nil
}

type isNullNode struct {
	proto
	e   Expr
	not bool
}

func newIsNull(e Expr, not bool) (Expr, error) {
	var p expr.Expr
	var err error
	if not {
		p, err = expr.IsNotNull(shadowOf(e))
	} else {
		p, err = expr.IsNull(shadowOf(e))
	}
	if err != nil {
		return nil, err
	}
	return &isNullNode{proto: proto{p}, e: e, not: not}, nil
}

func (n *isNullNode) Children() []Expr { return []Expr{n.e} }

func (n *isNullNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	v, err := n.e.Eval(c, l, r)
	if err != nil {
		return Null, err
	}
	return Bool(v.Null != n.not), nil
}

// ---- CASE and COALESCE ----

type caseNode struct {
	proto
	conds, results []Expr
	elseExpr       Expr
}

func newCase(conds []Expr, results []Expr, elseExpr Expr) (Expr, error) {
	p, err := expr.Case(shadowsOf(conds), shadowsOf(results), shadowOf(elseExpr))
	if err != nil {
		return nil, err
	}
	return &caseNode{proto: proto{p}, conds: conds, results: results, elseExpr: elseExpr}, nil
}

func (n *caseNode) Children() []Expr {
	var out []Expr
	for i := range n.conds {
		out = append(out, n.conds[i], n.results[i])
	}
	if n.elseExpr != nil {
		out = append(out, n.elseExpr)
	}
	return out
}

// Eval evaluates the conditions in order and only the chosen branch.
func (n *caseNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	for i, cond := range n.conds {
		v, err := cond.Eval(c, l, r)
		if err != nil {
			return Null, err
		}
		if !v.Null && v.I != 0 {
			return n.results[i].Eval(c, l, r)
		}
	}
	if n.elseExpr == nil {
		return Null, nil
	}
	return n.elseExpr.Eval(c, l, r)
}

type coalesceNode struct {
	proto
	args []Expr
}

func newCoalesce(args []Expr) (Expr, error) {
	p, err := expr.Coalesce(shadowsOf(args)...)
	if err != nil {
		return nil, err
	}
	return &coalesceNode{proto: proto{p}, args: args}, nil
}

func (n *coalesceNode) Children() []Expr { return n.args }

// Eval evaluates the arguments in order until one is not NULL.
func (n *coalesceNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	for _, a := range n.args {
		v, err := a.Eval(c, l, r)
		if err != nil || !v.Null {
			return v, err
		}
	}
	return Null, nil
}

// ---- LIKE ----

type likeNode struct {
	proto
	e Expr
	m *expr.LikeMatcher
}

func newLike(e Expr, pattern string, escape rune, caseInsensitive bool) (Expr, error) {
	p, err := expr.Like(shadowOf(e), pattern, escape, caseInsensitive)
	if err != nil {
		return nil, err
	}
	m, err := expr.CompileLike(pattern, escape, caseInsensitive)
	if err != nil {
		return nil, err
	}
	return &likeNode{proto: proto{p}, e: e, m: m}, nil
}

func (n *likeNode) Children() []Expr { return []Expr{n.e} }

func (n *likeNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	v, err := n.e.Eval(c, l, r)
	if err != nil || v.Null {
		return Null, err
	}
	s := v.B
	if n.m.CaseInsensitive() {
		// Scratch space, not committed: it is dead once Match returns.
		s = expr.AppendLower(c.scratch(len(s)), s)
	}
	return Bool(n.m.Match(s)), nil
}
