package analyzer

import (
	"fmt"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/planner/logical"
	"github.com/gluten-go/gluten-go/planner/parser"
)

// Subqueries are decorrelated into joins as they are bound, as Spark's
// RewritePredicateSubquery and RewriteCorrelatedScalarSubquery do:
//
//   - [NOT] EXISTS (q), a conjunct of WHERE: a left semi (anti) join with q,
//     on q's correlated predicates;
//   - x IN (q): a left semi join on x = q's column and the correlated
//     predicates; x NOT IN (q): a null-aware anti join when q is not
//     correlated, else an anti join on (x = c OR isnull(x = c)) and them;
//   - a scalar subquery (q) anywhere in WHERE, HAVING or the select list: a
//     left outer join with q (grouped by its correlated columns when it is
//     correlated), whose column then stands for the subquery.
//
// Correlated predicates are pulled up from the subquery's filters, through
// projections and (equalities only) aggregates, which gain the inner columns
// they need as outputs or grouping keys.

// pendingJoin is a join a scalar subquery adds to its clause's input.
type pendingJoin struct {
	right logical.Plan
	cond  logical.Expr
	cols  []*logical.Column // the subquery's columns, allowed in aggregates
}

// apply adds the pending joins to p.
func (a *analyzer) applyPending(p logical.Plan) logical.Plan {
	for _, j := range a.pending {
		p = &logical.Join{Left: p, Right: j.right, Type: logical.LeftOuterJoin, Cond: j.cond}
	}
	a.pending = nil
	return p
}

// resolveOuter resolves a name in the enclosing queries' scopes (only the
// innermost one: deeper correlation is not supported).
func (a *analyzer) resolveOuter(id *parser.Ident) *logical.Column {
	if len(a.outers) == 0 {
		return nil
	}
	c, err := a.resolve(a.outers[len(a.outers)-1], id)
	if err != nil {
		return nil
	}
	return c
}

// subqueryPlan analyzes a subquery with s as its enclosing scope and pulls
// its correlated predicates up. It returns the decorrelated plan, the
// correlated predicates (over the enclosing query's columns and the plan's
// output), and the subquery's own output columns (the plan may output more:
// the inner columns the predicates read).
func (a *analyzer) subqueryPlan(q *parser.Query, s *scope) (logical.Plan, []logical.Expr, []*logical.Column, error) {
	saved := a.pending
	a.pending = nil
	a.outers = append(a.outers, s)
	plan, err := a.query(q, a.ctes)
	a.outers = a.outers[:len(a.outers)-1]
	a.pending = saved
	if err != nil {
		return nil, nil, nil, err
	}
	own := plan.Output()
	plan, corr, err := a.pullCorrelated(plan)
	if err != nil {
		return nil, nil, nil, errAt(q.At, "%v", err)
	}
	var out []logical.Expr
	for _, c := range corr {
		// The outer columns become ordinary columns of the join's left side.
		out = append(out, logical.Transform(c, func(x logical.Expr) logical.Expr {
			if o, ok := x.(*logical.OuterRef); ok {
				return logical.Ref(o.Col)
			}
			return x
		}))
	}
	return plan, out, own, nil
}

// pullCorrelated removes the predicates that read the enclosing query from
// p and returns them.
func (a *analyzer) pullCorrelated(p logical.Plan) (logical.Plan, []logical.Expr, error) {
	switch x := p.(type) {
	case *logical.Filter:
		in, corr, err := a.pullCorrelated(x.Input)
		if err != nil {
			return nil, nil, err
		}
		var keep []logical.Expr
		for _, c := range logical.Conjuncts(x.Cond) {
			if logical.HasOuterRef(c) {
				corr = append(corr, c)
			} else {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			return in, corr, nil
		}
		return &logical.Filter{Input: in, Cond: logical.AndAll(keep)}, corr, nil
	case *logical.Project:
		in, corr, err := a.pullCorrelated(x.Input)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range x.Exprs {
			if logical.HasOuterRef(e) {
				return nil, nil, fmt.Errorf("a correlated column in the select list of a subquery is %s", errUnsupportedText)
			}
		}
		n := &logical.Project{Input: in, Exprs: x.Exprs, Cols: x.Cols}
		if len(corr) > 0 {
			// The pulled predicates read inner columns the projection may
			// have dropped: pass them through.
			have := map[logical.ColumnID]bool{}
			for _, c := range x.Cols {
				have[c.ID] = true
			}
			need := map[logical.ColumnID]bool{}
			for _, c := range corr {
				logical.ColumnsOf(c, need)
			}
			n.Exprs = append([]logical.Expr{}, x.Exprs...)
			n.Cols = append([]*logical.Column{}, x.Cols...)
			for _, c := range in.Output() {
				if need[c.ID] && !have[c.ID] {
					n.Exprs = append(n.Exprs, logical.Ref(c))
					n.Cols = append(n.Cols, c)
				}
			}
		}
		return n, corr, nil
	case *logical.Aggregate:
		in, corr, err := a.pullCorrelated(x.Input)
		if err != nil {
			return nil, nil, err
		}
		for _, ag := range x.Aggs {
			if ag.Arg != nil && logical.HasOuterRef(ag.Arg) {
				return nil, nil, fmt.Errorf("a correlated column in an aggregate of a subquery is %s", errUnsupportedText)
			}
		}
		if len(corr) == 0 {
			n := *x
			n.Input = in
			return &n, nil, nil
		}
		// Group by the inner side of each correlated equality.
		n := *x
		n.Input = in
		n.Groups = append([]logical.Expr{}, x.Groups...)
		n.GroupCols = append([]*logical.Column{}, x.GroupCols...)
		var out []logical.Expr
		for _, c := range corr {
			call, ok := c.(*logical.Call)
			if !ok || call.Op != logical.OpEq {
				return nil, nil, fmt.Errorf("the correlated predicate %s under an aggregate is %s (only equalities are)", c, errUnsupportedText)
			}
			inner, outer := call.Args[0], call.Args[1]
			if logical.HasOuterRef(inner) {
				inner, outer = outer, inner
			}
			if logical.HasOuterRef(inner) || !onlyOuter(outer) {
				return nil, nil, fmt.Errorf("the correlated predicate %s under an aggregate is %s", c, errUnsupportedText)
			}
			col := (*logical.Column)(nil)
			for i, g := range n.Groups {
				if logical.Equal(g, inner) {
					col = n.GroupCols[i]
				}
			}
			if col == nil {
				if r, ok := inner.(*logical.ColumnRef); ok {
					col = r.Col
				} else {
					col = a.newCol(inner.SQL(), inner)
				}
				n.Groups = append(n.Groups, inner)
				n.GroupCols = append(n.GroupCols, col)
			}
			out = append(out, &logical.Call{Op: logical.OpEq, Args: []logical.Expr{logical.Ref(col), outer}, Typ: columnar.Boolean})
		}
		return &n, out, nil
	case *logical.Sort:
		in, corr, err := a.pullCorrelated(x.Input)
		if err != nil {
			return nil, nil, err
		}
		return &logical.Sort{Input: in, Keys: x.Keys}, corr, nil
	case *logical.Join:
		l, lc, err := a.pullCorrelated(x.Left)
		if err != nil {
			return nil, nil, err
		}
		r, rc, err := a.pullCorrelated(x.Right)
		if err != nil {
			return nil, nil, err
		}
		if x.Cond != nil && logical.HasOuterRef(x.Cond) {
			return nil, nil, fmt.Errorf("a correlated column in a join condition of a subquery is %s", errUnsupportedText)
		}
		if len(rc) > 0 && !x.Type.KeepsRightOutput() {
			return nil, nil, fmt.Errorf("a correlated predicate inside a semi or anti join is %s", errUnsupportedText)
		}
		return &logical.Join{Left: l, Right: r, Type: x.Type, Cond: x.Cond}, append(lc, rc...), nil
	}
	if hasOuter(p) {
		return nil, nil, fmt.Errorf("a correlated reference in %s is %s", p, errUnsupportedText)
	}
	return p, nil, nil
}

const errUnsupportedText = "not supported yet"

// onlyOuter reports whether e reads no inner column.
func onlyOuter(e logical.Expr) bool {
	ok := true
	logical.Walk(e, func(x logical.Expr) bool {
		if _, isRef := x.(*logical.ColumnRef); isRef {
			ok = false
		}
		return ok
	})
	return ok
}

func hasOuter(p logical.Plan) bool {
	for _, e := range logical.PlanExprs(p) {
		if logical.HasOuterRef(e) {
			return true
		}
	}
	for _, c := range p.Children() {
		if hasOuter(c) {
			return true
		}
	}
	return false
}

// subqueryConjunct turns a WHERE conjunct that is a subquery predicate into
// a join on plan; ok is false when c is not one.
func (a *analyzer) subqueryConjunct(plan logical.Plan, s *scope, c parser.Expr) (logical.Plan, bool, error) {
	not := false
	for {
		u, isNot := c.(*parser.Unary)
		if !isNot || u.Op != parser.OpNot {
			break
		}
		not = !not
		c = u.X
	}
	switch x := c.(type) {
	case *parser.Exists:
		sub, corr, _, err := a.subqueryPlan(x.Query, s)
		if err != nil {
			return nil, false, err
		}
		typ := logical.LeftSemiJoin
		if x.Not != not {
			typ = logical.LeftAntiJoin
		}
		return &logical.Join{Left: plan, Right: sub, Type: typ, Cond: logical.AndAll(corr)}, true, nil
	case *parser.InSubquery:
		value, err := a.expr(x.Expr, s, nil)
		if err != nil {
			return nil, false, err
		}
		sub, corr, out, err := a.subqueryPlan(x.Query, s)
		if err != nil {
			return nil, false, err
		}
		if len(out) != 1 {
			return nil, false, errAt(x.At, "the IN subquery must return one column, not %d", len(out))
		}
		eq, err := a.compare(logical.OpEq, value, logical.Ref(out[0]), x.At)
		if err != nil {
			return nil, false, err
		}
		if !(x.Not != not) {
			return &logical.Join{Left: plan, Right: sub, Type: logical.LeftSemiJoin, Cond: logical.AndAll(append([]logical.Expr{eq}, corr...))}, true, nil
		}
		if len(corr) == 0 {
			return &logical.Join{Left: plan, Right: sub, Type: logical.NullAwareAntiJoin, Cond: eq}, true, nil
		}
		either := or(eq, &logical.Call{Op: logical.OpIsNull, Args: []logical.Expr{eq}, Typ: columnar.Boolean, NonNull: true})
		return &logical.Join{Left: plan, Right: sub, Type: logical.LeftAntiJoin, Cond: logical.AndAll(append([]logical.Expr{either}, corr...))}, true, nil
	}
	return plan, false, nil
}

// scalarSubquery binds (q) used as a value: the clause's input gets a left
// outer join with q, and q's column stands for the subquery.
func (a *analyzer) scalarSubquery(x *parser.ScalarSubquery, s *scope) (logical.Expr, error) {
	sub, corr, own, err := a.subqueryPlan(x.Query, s)
	if err != nil {
		return nil, err
	}
	if len(own) != 1 {
		return nil, errAt(x.At, "a scalar subquery must return one column, not %d", len(own))
	}
	val := own[0]
	a.pending = append(a.pending, pendingJoin{right: sub, cond: logical.AndAll(corr), cols: sub.Output()})
	return &logical.ColumnRef{Col: &logical.Column{ID: val.ID, Name: val.Name, Type: val.Type, Nullable: true}}, nil
}

// astConjuncts splits an expression on AND.
func astConjuncts(e parser.Expr) []parser.Expr {
	if b, ok := e.(*parser.Binary); ok && b.Op == parser.OpAnd {
		return append(astConjuncts(b.Left), astConjuncts(b.Right)...)
	}
	return []parser.Expr{e}
}

var joinTypes = map[parser.JoinType]logical.JoinType{
	parser.JoinInner: logical.InnerJoin, parser.JoinCross: logical.InnerJoin,
	parser.JoinLeft: logical.LeftOuterJoin, parser.JoinRight: logical.RightOuterJoin,
	parser.JoinFull: logical.FullOuterJoin, parser.JoinLeftSemi: logical.LeftSemiJoin,
	parser.JoinLeftAnti: logical.LeftAntiJoin,
}

// joinItem binds an explicit JOIN of the FROM clause.
func (a *analyzer) joinItem(x *parser.Join, ctes *cteScopeChain) (logical.Plan, *scope, error) {
	lp, ls, err := a.fromItem(x.Left, ctes)
	if err != nil {
		return nil, nil, err
	}
	rp, rs, err := a.fromItem(x.Right, ctes)
	if err != nil {
		return nil, nil, err
	}
	typ := joinTypes[x.Type]
	merged := &scope{cols: append(append([]scopeCol{}, ls.cols...), rs.cols...)}
	var conds []logical.Expr
	if x.On != nil {
		saved := a.pending
		a.pending = nil
		cond, err := a.predicate(x.On, merged, nil, "the ON condition")
		if err != nil {
			return nil, nil, err
		}
		if len(a.pending) > 0 {
			return nil, nil, unsupported(x.On.Pos(), "a subquery in a join condition")
		}
		a.pending = saved
		conds = append(conds, cond)
	}
	hidden := map[logical.ColumnID]bool{}
	for _, name := range x.Using {
		id := &parser.Ident{At: x.At, Parts: []string{name}}
		l, err := a.resolve(ls, id)
		if err != nil {
			return nil, nil, err
		}
		r, err := a.resolve(rs, id)
		if err != nil {
			return nil, nil, err
		}
		eq, err := a.compare(logical.OpEq, logical.Ref(l), logical.Ref(r), x.At)
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, eq)
		hidden[r.ID] = true // USING columns resolve to the left side's
	}
	if x.Type == parser.JoinCross && len(conds) > 0 {
		return nil, nil, errAt(x.At, "a CROSS JOIN takes no join condition")
	}
	out := merged
	if !typ.KeepsRightOutput() {
		out = ls
	} else if len(hidden) > 0 {
		out = &scope{}
		for _, c := range merged.cols {
			if !hidden[c.col.ID] {
				out.cols = append(out.cols, c)
			}
		}
	}
	return &logical.Join{Left: lp, Right: rp, Type: typ, Cond: logical.AndAll(conds)}, out, nil
}
