package analyzer

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/planner/logical"
	"github.com/gluten-go/gluten-go/planner/parser"
)

var aggFuncs = map[string]logical.AggKind{
	"count": logical.AggCount, "sum": logical.AggSum, "avg": logical.AggAvg, "mean": logical.AggAvg,
	"min": logical.AggMin, "max": logical.AggMax,
}

// isAggregate reports whether name is an aggregate function: a built-in
// one, a row-only one, or a registered Go UDAF.
func (a *analyzer) isAggregate(name string) bool {
	if _, ok := aggFuncs[name]; ok {
		return true
	}
	if rowOnlyAggregates[name] {
		return true
	}
	_, ok := a.cat.UDAF(name)
	return ok
}

var rowOnlyAggregates = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range rowagg.RowOnlyAggregates() {
		m[n] = true
	}
	return m
}()

// hasAggregate reports whether an expression calls an aggregate function
// (outside subqueries).
func (a *analyzer) hasAggregate(e parser.Expr) bool {
	found := false
	var walk func(e parser.Expr)
	walk = func(e parser.Expr) {
		if e == nil || found {
			return
		}
		switch x := e.(type) {
		case *parser.FuncCall:
			if a.isAggregate(x.Name) {
				found = true
				return
			}
			for _, a := range x.Args {
				walk(a)
			}
		case *parser.Unary:
			walk(x.X)
		case *parser.Binary:
			walk(x.Left)
			walk(x.Right)
		case *parser.IsNull:
			walk(x.Expr)
		case *parser.IsBool:
			walk(x.Expr)
		case *parser.InList:
			walk(x.Expr)
			for _, a := range x.List {
				walk(a)
			}
		case *parser.InSubquery:
			walk(x.Expr)
		case *parser.Between:
			walk(x.Expr)
			walk(x.Low)
			walk(x.High)
		case *parser.Like:
			walk(x.Expr)
			walk(x.Pattern)
		case *parser.Case:
			walk(x.Operand)
			for _, w := range x.Whens {
				walk(w.Cond)
				walk(w.Result)
			}
			walk(x.Else)
		case *parser.Cast:
			walk(x.Expr)
		case *parser.Extract:
			walk(x.Expr)
		}
	}
	walk(e)
	return found
}

// aggState collects the groups and aggregates of an aggregating SELECT.
type aggState struct {
	groups    []logical.Expr
	groupCols []*logical.Column
	aggs      []*logical.AggCall
	aggCols   []*logical.Column
	// extra are columns joined after the aggregation (scalar subqueries'),
	// which expressions over the aggregation may read.
	extra map[logical.ColumnID]bool
}

// allow lets expressions over the aggregation read cols.
func (g *aggState) allow(cols []*logical.Column) {
	if g.extra == nil {
		g.extra = map[logical.ColumnID]bool{}
	}
	for _, c := range cols {
		g.extra[c.ID] = true
	}
}

func (g *aggState) addGroup(a *analyzer, e logical.Expr) {
	for _, x := range g.groups {
		if logical.Equal(x, e) {
			return
		}
	}
	g.groups = append(g.groups, e)
	if r, ok := e.(*logical.ColumnRef); ok {
		// A column groups as itself, as in Spark.
		g.groupCols = append(g.groupCols, r.Col)
		return
	}
	g.groupCols = append(g.groupCols, a.newCol(e.SQL(), e))
}

func (g *aggState) addAgg(a *analyzer, call *logical.AggCall, name string) *logical.Column {
	for i, x := range g.aggs {
		if logical.Equal(x, call) {
			return g.aggCols[i]
		}
	}
	g.aggs = append(g.aggs, call)
	c := a.newCol(name, call)
	g.aggCols = append(g.aggCols, c)
	return c
}

// finish rewrites an expression bound over the input into one over the
// aggregation's output: group expressions become references to the group
// columns. Any other input column left is an error, as in Spark.
func (g *aggState) finish(e logical.Expr, at parser.Pos) (logical.Expr, error) {
	out := replaceTopDown(e, func(x logical.Expr) (logical.Expr, bool) {
		for i, ge := range g.groups {
			if logical.Equal(ge, x) {
				return logical.Ref(g.groupCols[i]), true
			}
		}
		return nil, false
	})
	allowed := map[logical.ColumnID]bool{}
	for _, c := range g.groupCols {
		allowed[c.ID] = true
	}
	for _, c := range g.aggCols {
		allowed[c.ID] = true
	}
	for id := range g.extra {
		allowed[id] = true
	}
	var bad *logical.Column
	logical.Walk(out, func(x logical.Expr) bool {
		if r, ok := x.(*logical.ColumnRef); ok && !allowed[r.Col.ID] && bad == nil {
			bad = r.Col
		}
		return bad == nil
	})
	if bad != nil {
		return nil, errAt(at, "column `%s` is neither present in the GROUP BY, nor is it an aggregate function; add it to GROUP BY or wrap it in an aggregate function such as max(%s)", bad.Name, bad.Name)
	}
	return out, nil
}

func replaceTopDown(e logical.Expr, f func(logical.Expr) (logical.Expr, bool)) logical.Expr {
	if r, ok := f(e); ok {
		return r
	}
	ch := e.Children()
	if len(ch) == 0 {
		return e
	}
	nc := make([]logical.Expr, len(ch))
	changed := false
	for i, c := range ch {
		nc[i] = replaceTopDown(c, f)
		changed = changed || nc[i] != c
	}
	if !changed {
		return e
	}
	return e.WithChildren(nc)
}

// bindAggCall binds an aggregate function call's arguments (over the input)
// and registers the call; it returns a reference to its output column.
func (a *analyzer) bindAggCall(f *parser.FuncCall, kind logical.AggKind, s *scope, g *aggState) (logical.Expr, error) {
	if f.Filter != nil {
		return nil, unsupported(f.At, "FILTER (WHERE ...) on an aggregate")
	}
	call := &logical.AggCall{Kind: kind, Distinct: f.Distinct}
	switch {
	case f.Star:
		if kind != logical.AggCount {
			return nil, errAt(f.At, "%s(*) is not valid; only count(*) takes *", f.Name)
		}
		call.Kind = logical.AggCountStar
	case len(f.Args) == 1:
		for _, x := range f.Args {
			if a.hasAggregate(x) {
				return nil, errAt(x.Pos(), "aggregate function calls cannot be nested: %s", f)
			}
		}
		arg, err := a.expr(f.Args[0], s, nil)
		if err != nil {
			return nil, err
		}
		call.Arg = arg
		if kind == logical.AggCount && logical.IsConstant(arg) && !f.Distinct {
			if lit, ok := arg.(*logical.Literal); ok && lit.Value != nil {
				call.Kind = logical.AggCountStar // count(1) counts rows
				call.Arg = nil
			}
		}
	case len(f.Args) > 1 && kind == logical.AggCount:
		return nil, unsupported(f.At, "count with several arguments")
	default:
		return nil, errAt(f.At, "function %s takes exactly one argument, %d given", f.Name, len(f.Args))
	}
	if call.Arg != nil {
		t := call.Arg.Type()
		if t.ID() == arrow.NULL {
			nt := columnar.Float64
			if kind == logical.AggMin || kind == logical.AggMax || kind == logical.AggCount {
				nt = columnar.Int32
			}
			call.Arg = logical.Lit(nil, nt)
			t = nt
		}
		if (kind == logical.AggSum || kind == logical.AggAvg) && t.ID() == arrow.STRING {
			call.Arg = &logical.Cast{Arg: call.Arg, To: columnar.Float64}
			t = columnar.Float64
		}
		rt, err := agg.ResultType(call.Kind.Kernel(), t)
		if err != nil {
			return nil, errAt(f.At, "function %s cannot take an argument of type %s", f.Name, columnar.TypeName(t))
		}
		call.Typ = rt
	} else {
		call.Typ = columnar.Int64
	}
	name := strings.ToLower(f.String())
	if call.Kind == logical.AggCountStar && !f.Distinct {
		name = "count(1)" // Spark's name for count(*) and count(1)
	}
	col := g.addAgg(a, call, name)
	return logical.Ref(col), nil
}

// bindOtherAgg binds a call of a row-only aggregate (collect_list,
// percentile, ...) or of a Go UDAF: the first argument is the input, the
// others must be constants (percentile's fraction).
func (a *analyzer) bindOtherAgg(f *parser.FuncCall, s *scope, g *aggState) (logical.Expr, error) {
	if f.Filter != nil {
		return nil, unsupported(f.At, "FILTER (WHERE ...) on an aggregate")
	}
	if f.Star || len(f.Args) == 0 {
		return nil, errAt(f.At, "function %s needs an argument", f.Name)
	}
	for _, x := range f.Args {
		if a.hasAggregate(x) {
			return nil, errAt(x.Pos(), "aggregate function calls cannot be nested: %s", f)
		}
	}
	arg, err := a.expr(f.Args[0], s, nil)
	if err != nil {
		return nil, err
	}
	call := &logical.AggCall{Kind: logical.AggOther, Name: f.Name, Distinct: f.Distinct}
	if u, ok := a.cat.UDAF(f.Name); ok {
		if len(f.Args) != 1 {
			return nil, errAt(f.At, "aggregate %s takes one argument, %d given", f.Name, len(f.Args))
		}
		if arg, err = castTo(arg, u.ArgType, f.Args[0].Pos()); err != nil {
			return nil, err
		}
		call.UDAF = u
		call.Typ = u.ResultType
	} else {
		types := []arrow.DataType{arg.Type()}
		for _, p := range f.Args[1:] {
			pe, err := a.expr(p, s, nil)
			if err != nil {
				return nil, err
			}
			if !logical.IsConstant(pe) {
				return nil, errAt(p.Pos(), "the parameters of %s after the first must be constants", f.Name)
			}
			v, err := logical.EvalConstant(pe)
			if err != nil {
				return nil, errAt(p.Pos(), "cannot evaluate %s: %v", p, err)
			}
			call.Params = append(call.Params, v)
			call.ParamTypes = append(call.ParamTypes, pe.Type())
			types = append(types, pe.Type())
		}
		t, err := rowagg.ResolveAggregate(f.Name, types)
		if err != nil {
			return nil, errAt(f.At, "%s", trimPrefix(err.Error()))
		}
		call.Typ = t
	}
	call.Arg = arg
	col := g.addAgg(a, call, strings.ToLower(f.String()))
	return logical.Ref(col), nil
}

// trimPrefix drops a "pkg: kind: " prefix from a dependency's error text.
func trimPrefix(msg string) string {
	for _, p := range []string{"agg: unsupported: ", "agg: invalid argument: ", "expr: type error: ", "expr: invalid: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// plan builds the aggregation over input, rewriting DISTINCT aggregates
// into two levels of grouping as Spark's RewriteDistinctAggregates does.
func (g *aggState) plan(a *analyzer, input logical.Plan) logical.Plan {
	var distinctArg logical.Expr
	for _, c := range g.aggs {
		if c.Distinct {
			distinctArg = c.Arg
			break
		}
	}
	if distinctArg == nil || !g.rewritableDistinct() {
		// No DISTINCT, or DISTINCT over several arguments (or with avg):
		// the physical plan aggregates in one phase with per-group sets
		// of distinct values.
		return &logical.Aggregate{Input: input, Groups: g.groups, GroupCols: g.groupCols, Aggs: g.aggs, AggCols: g.aggCols}
	}
	// Inner: group by the groups and the distinct argument, computing the
	// non-distinct aggregates per (group, value).
	inner := &logical.Aggregate{Input: input}
	for _, e := range g.groups {
		inner.Groups = append(inner.Groups, e)
		inner.GroupCols = append(inner.GroupCols, a.newCol(e.SQL(), e))
	}
	inner.Groups = append(inner.Groups, distinctArg)
	dcol := a.newCol(distinctArg.SQL(), distinctArg)
	inner.GroupCols = append(inner.GroupCols, dcol)
	outer := &logical.Aggregate{Input: inner}
	for i := range g.groups {
		outer.Groups = append(outer.Groups, logical.Ref(inner.GroupCols[i]))
	}
	outer.GroupCols = g.groupCols
	var post []logical.Expr
	for i, c := range g.aggs {
		if c.Distinct {
			oc := &logical.AggCall{Kind: c.Kind, Arg: logical.Ref(dcol), Typ: c.Typ}
			outer.Aggs = append(outer.Aggs, oc)
			col := a.newCol(g.aggCols[i].Name, oc)
			outer.AggCols = append(outer.AggCols, col)
			post = append(post, logical.Ref(col))
			continue
		}
		// Partial per (group, value), then merged.
		ic := &logical.AggCall{Kind: c.Kind, Arg: c.Arg, Typ: c.Typ}
		inner.Aggs = append(inner.Aggs, ic)
		icol := a.newCol(g.aggCols[i].Name, ic)
		inner.AggCols = append(inner.AggCols, icol)
		mk := c.Kind
		if mk == logical.AggCount || mk == logical.AggCountStar {
			mk = logical.AggSum
		}
		mt, err := agg.ResultType(mk.Kernel(), icol.Type)
		if err != nil {
			mt = icol.Type
		}
		oc := &logical.AggCall{Kind: mk, Arg: logical.Ref(icol), Typ: mt}
		outer.Aggs = append(outer.Aggs, oc)
		col := a.newCol(g.aggCols[i].Name, oc)
		outer.AggCols = append(outer.AggCols, col)
		var e logical.Expr = logical.Ref(col)
		if c.Kind == logical.AggCount || c.Kind == logical.AggCountStar {
			e = &logical.Call{Op: logical.OpCoalesce, Args: []logical.Expr{e, logical.Lit(int64(0), columnar.Int64)}, Typ: columnar.Int64}
		}
		if !arrow.TypeEqual(e.Type(), c.Typ) {
			e = &logical.Cast{Arg: e, To: c.Typ}
		}
		post = append(post, e)
	}
	// A projection restores the original aggregate columns.
	proj := &logical.Project{Input: outer}
	for _, gc := range g.groupCols {
		proj.Exprs = append(proj.Exprs, logical.Ref(gc))
		proj.Cols = append(proj.Cols, gc)
	}
	for i, e := range post {
		proj.Exprs = append(proj.Exprs, e)
		proj.Cols = append(proj.Cols, g.aggCols[i])
	}
	return proj
}

// rewritableDistinct reports whether the DISTINCT aggregates can be
// rewritten into two levels of grouping: one distinct argument, and no avg
// beside it (whose partial state the rewrite does not merge).
func (g *aggState) rewritableDistinct() bool {
	var arg logical.Expr
	for _, c := range g.aggs {
		if !c.Distinct {
			continue
		}
		if arg != nil && !logical.Equal(arg, c.Arg) {
			return false
		}
		arg = c.Arg
	}
	for _, c := range g.aggs {
		if !c.Distinct && (c.Kind == logical.AggAvg || c.Kind == logical.AggOther) {
			return false
		}
		if c.Distinct && c.Kind == logical.AggOther {
			return false
		}
	}
	return true
}
