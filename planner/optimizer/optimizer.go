// Package optimizer rewrites logical plans: constant folding, predicate
// pushdown (into scans, for Parquet row-group pruning), column pruning, and
// fusing a sort and a limit into a top-N.
package optimizer

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/planner/logical"
)

// Optimize applies the rules in order.
func Optimize(p logical.Plan) logical.Plan {
	p = transformPlanExprs(p, foldConstants)
	p = pushFilters(p)
	p = pushSemiJoins(p)
	p = transformPlanExprs(p, foldConstants)
	p = fuseTopN(p)
	p = prune(p, required(p.Output()))
	p = removeIdentityProjects(p)
	return p
}

// transformPlanExprs rewrites every expression of every node.
func transformPlanExprs(p logical.Plan, f func(logical.Expr) logical.Expr) logical.Plan {
	ch := p.Children()
	if len(ch) > 0 {
		nc := make([]logical.Plan, len(ch))
		for i, c := range ch {
			nc[i] = transformPlanExprs(c, f)
		}
		p = p.WithChildren(nc)
	}
	switch x := p.(type) {
	case *logical.Filter:
		return &logical.Filter{Input: x.Input, Cond: f(x.Cond)}
	case *logical.Project:
		exprs := make([]logical.Expr, len(x.Exprs))
		for i, e := range x.Exprs {
			exprs[i] = f(e)
		}
		return &logical.Project{Input: x.Input, Exprs: exprs, Cols: x.Cols}
	case *logical.Aggregate:
		n := *x
		n.Groups = make([]logical.Expr, len(x.Groups))
		for i, e := range x.Groups {
			n.Groups[i] = f(e)
		}
		n.Aggs = make([]*logical.AggCall, len(x.Aggs))
		for i, a := range x.Aggs {
			c := *a
			if c.Arg != nil {
				c.Arg = f(c.Arg)
			}
			n.Aggs[i] = &c
		}
		return &n
	case *logical.Scan:
		n := *x
		n.Filters = make([]logical.Expr, len(x.Filters))
		for i, e := range x.Filters {
			n.Filters[i] = f(e)
		}
		return &n
	}
	return p
}

// foldConstants evaluates constant sub-expressions and simplifies boolean
// logic with constant operands.
func foldConstants(e logical.Expr) logical.Expr {
	return logical.Transform(e, func(x logical.Expr) logical.Expr {
		switch y := x.(type) {
		case *logical.Literal, *logical.ColumnRef, *logical.AggCall:
			return x
		case *logical.Call:
			if y.Op == logical.OpAnd || y.Op == logical.OpOr {
				if r, ok := simplifyLogic(y); ok {
					return r
				}
			}
		}
		if !logical.IsConstant(x) {
			return x
		}
		v, err := logical.EvalConstant(x)
		if err != nil {
			return x // leave it to run time, where the error surfaces
		}
		t := x.Type()
		if t.ID() == arrow.NULL {
			return logical.Lit(nil, t)
		}
		return logical.Lit(v, t)
	})
}

func boolLit(e logical.Expr) (val bool, isNull bool, ok bool) {
	l, isLit := e.(*logical.Literal)
	if !isLit {
		return false, false, false
	}
	if l.Value == nil {
		return false, true, true
	}
	b, isBool := l.Value.(bool)
	return b, false, isBool
}

func simplifyLogic(c *logical.Call) (logical.Expr, bool) {
	l, r := c.Args[0], c.Args[1]
	for _, pair := range [][2]logical.Expr{{l, r}, {r, l}} {
		v, isNull, ok := boolLit(pair[0])
		if !ok || isNull {
			continue
		}
		if c.Op == logical.OpAnd {
			if v {
				return pair[1], true
			}
			return logical.Lit(false, columnar.Boolean), true
		}
		if v {
			return logical.Lit(true, columnar.Boolean), true
		}
		return pair[1], true
	}
	return nil, false
}

// substitute replaces references to cols[i] by exprs[i].
func substitute(e logical.Expr, cols []*logical.Column, exprs []logical.Expr) logical.Expr {
	m := make(map[logical.ColumnID]logical.Expr, len(cols))
	for i, c := range cols {
		m[c.ID] = exprs[i]
	}
	return logical.Transform(e, func(x logical.Expr) logical.Expr {
		if r, ok := x.(*logical.ColumnRef); ok {
			if s, ok := m[r.Col.ID]; ok {
				return s
			}
		}
		return x
	})
}

func refsOnly(e logical.Expr, allowed map[logical.ColumnID]bool) bool {
	ok := true
	logical.Walk(e, func(x logical.Expr) bool {
		if r, isRef := x.(*logical.ColumnRef); isRef && !allowed[r.Col.ID] {
			ok = false
		}
		return ok
	})
	return ok
}

func idSet(cols []*logical.Column) map[logical.ColumnID]bool {
	m := make(map[logical.ColumnID]bool, len(cols))
	for _, c := range cols {
		m[c.ID] = true
	}
	return m
}

// pushFilters moves filter conjuncts as close to the scans as they can go,
// and hands the ones a scan can use for pruning to it.
func pushFilters(p logical.Plan) logical.Plan {
	return transformUp(p, func(p logical.Plan) logical.Plan {
		if j, ok := p.(*logical.Join); ok {
			return pushIntoJoin(j, nil)
		}
		f, ok := p.(*logical.Filter)
		if !ok {
			return p
		}
		return pushFilter(f.Input, logical.Conjuncts(f.Cond))
	})
}

// transformUp rewrites a plan bottom-up: each node's children first, then
// the node (with its new children) through f.
func transformUp(p logical.Plan, f func(logical.Plan) logical.Plan) logical.Plan {
	ch := p.Children()
	if len(ch) > 0 {
		nc := make([]logical.Plan, len(ch))
		for i, c := range ch {
			nc[i] = transformUp(c, f)
		}
		p = p.WithChildren(nc)
	}
	return f(p)
}

// pushFilter places conjuncts over input, pushing what it can below.
func pushFilter(input logical.Plan, conds []logical.Expr) logical.Plan {
	if len(conds) == 0 {
		return input
	}
	wrap := func(p logical.Plan, cs []logical.Expr) logical.Plan {
		if len(cs) == 0 {
			return p
		}
		return &logical.Filter{Input: p, Cond: logical.AndAll(cs)}
	}
	switch x := input.(type) {
	case *logical.Filter:
		return pushFilter(x.Input, append(logical.Conjuncts(x.Cond), conds...))
	case *logical.Project:
		var below []logical.Expr
		for _, c := range conds {
			below = append(below, substitute(c, x.Cols, x.Exprs))
		}
		return &logical.Project{Input: pushFilter(x.Input, below), Exprs: x.Exprs, Cols: x.Cols}
	case *logical.Sort:
		return &logical.Sort{Input: pushFilter(x.Input, conds), Keys: x.Keys}
	case *logical.Aggregate:
		groups := idSet(x.GroupCols)
		var below, above []logical.Expr
		for _, c := range conds {
			if refsOnly(c, groups) && !logical.IsConstant(c) {
				below = append(below, substitute(c, x.GroupCols, x.Groups))
			} else {
				above = append(above, c)
			}
		}
		if len(below) == 0 {
			return wrap(x, above)
		}
		n := *x
		n.Input = pushFilter(x.Input, below)
		return wrap(&n, above)
	case *logical.Union:
		inputs := make([]logical.Plan, len(x.Inputs))
		for i, in := range x.Inputs {
			var cs []logical.Expr
			for _, c := range conds {
				cs = append(cs, substitute(c, x.Cols, refs(in.Output())))
			}
			inputs[i] = pushFilter(in, cs)
		}
		return &logical.Union{Inputs: inputs, Cols: x.Cols}
	case *logical.Join:
		return pushIntoJoin(x, conds)
	case *logical.Scan:
		n := *x
		n.Filters = append([]logical.Expr{}, x.Filters...)
		for _, c := range conds {
			dup := false
			for _, f := range n.Filters {
				if logical.Equal(f, c) {
					dup = true
				}
			}
			if !dup && !logical.IsConstant(c) {
				n.Filters = append(n.Filters, c)
			}
		}
		return wrap(&n, conds)
	}
	return wrap(input, conds)
}

func refs(cols []*logical.Column) []logical.Expr {
	out := make([]logical.Expr, len(cols))
	for i, c := range cols {
		out[i] = logical.Ref(c)
	}
	return out
}

// fuseTopN turns Limit(Sort) and Limit(Project(Sort)) into top-N.
func fuseTopN(p logical.Plan) logical.Plan {
	ch := p.Children()
	if len(ch) > 0 {
		nc := make([]logical.Plan, len(ch))
		for i, c := range ch {
			nc[i] = fuseTopN(c)
		}
		p = p.WithChildren(nc)
	}
	l, ok := p.(*logical.Limit)
	if !ok {
		return p
	}
	mk := func(s *logical.Sort) logical.Plan {
		return &logical.TopN{Input: s.Input, Keys: s.Keys, N: l.N + l.Offset}
	}
	var out logical.Plan
	switch x := l.Input.(type) {
	case *logical.Sort:
		out = mk(x)
	case *logical.Project:
		if s, ok := x.Input.(*logical.Sort); ok {
			out = &logical.Project{Input: mk(s), Exprs: x.Exprs, Cols: x.Cols}
		}
	}
	if out == nil || l.N+l.Offset < l.N { // no sort below, or overflow
		return p
	}
	if l.Offset > 0 {
		return &logical.Limit{Input: out, N: l.N, Offset: l.Offset}
	}
	return out
}

func required(cols []*logical.Column) map[logical.ColumnID]bool { return idSet(cols) }

func addRefs(m map[logical.ColumnID]bool, es ...logical.Expr) map[logical.ColumnID]bool {
	for _, e := range es {
		if e != nil {
			logical.ColumnsOf(e, m)
		}
	}
	return m
}

func clone(m map[logical.ColumnID]bool) map[logical.ColumnID]bool {
	n := make(map[logical.ColumnID]bool, len(m))
	for k := range m {
		n[k] = true
	}
	return n
}

// prune removes columns nobody above needs: unused projections, aggregates
// and scanned columns.
func prune(p logical.Plan, need map[logical.ColumnID]bool) logical.Plan {
	switch x := p.(type) {
	case *logical.Scan:
		n := *x
		n.Cols, n.Indices = nil, nil
		keep := addRefs(clone(need), x.Filters...)
		for i, c := range x.Cols {
			if keep[c.ID] {
				n.Cols = append(n.Cols, c)
				n.Indices = append(n.Indices, x.Indices[i])
			}
		}
		return &n
	case *logical.Filter:
		return &logical.Filter{Input: prune(x.Input, addRefs(clone(need), x.Cond)), Cond: x.Cond}
	case *logical.Project:
		n := &logical.Project{}
		childNeed := map[logical.ColumnID]bool{}
		for i, c := range x.Cols {
			if need[c.ID] {
				n.Exprs = append(n.Exprs, x.Exprs[i])
				n.Cols = append(n.Cols, c)
				addRefs(childNeed, x.Exprs[i])
			}
		}
		n.Input = prune(x.Input, childNeed)
		return n
	case *logical.Aggregate:
		n := *x
		n.Aggs, n.AggCols = nil, nil
		childNeed := map[logical.ColumnID]bool{}
		addRefs(childNeed, x.Groups...)
		for i, c := range x.AggCols {
			if need[c.ID] {
				n.Aggs = append(n.Aggs, x.Aggs[i])
				n.AggCols = append(n.AggCols, c)
				if x.Aggs[i].Arg != nil {
					addRefs(childNeed, x.Aggs[i].Arg)
				}
			}
		}
		n.Input = prune(x.Input, childNeed)
		return &n
	case *logical.Sort:
		k := clone(need)
		for _, key := range x.Keys {
			k[key.Col.ID] = true
		}
		return &logical.Sort{Input: narrow(prune(x.Input, k), k), Keys: x.Keys}
	case *logical.TopN:
		k := clone(need)
		for _, key := range x.Keys {
			k[key.Col.ID] = true
		}
		return &logical.TopN{Input: prune(x.Input, k), Keys: x.Keys, N: x.N}
	case *logical.Limit:
		return &logical.Limit{Input: prune(x.Input, need), N: x.N, Offset: x.Offset}
	case *logical.Join:
		k := clone(need)
		if x.Cond != nil {
			addRefs(k, x.Cond)
		}
		return &logical.Join{Left: narrow(prune(x.Left, k), k), Right: narrow(prune(x.Right, k), k), Type: x.Type, Cond: x.Cond}
	case *logical.Union:
		var keep []int
		for i, c := range x.Cols {
			if need[c.ID] {
				keep = append(keep, i)
			}
		}
		n := &logical.Union{}
		for _, i := range keep {
			n.Cols = append(n.Cols, x.Cols[i])
		}
		for _, in := range x.Inputs {
			out := in.Output()
			var exprs []logical.Expr
			var cols []*logical.Column
			childNeed := map[logical.ColumnID]bool{}
			for _, i := range keep {
				exprs = append(exprs, logical.Ref(out[i]))
				cols = append(cols, out[i])
				childNeed[out[i].ID] = true
			}
			pruned := prune(in, childNeed)
			n.Inputs = append(n.Inputs, &logical.Project{Input: pruned, Exprs: exprs, Cols: cols})
		}
		return n
	}
	return p
}

// narrow projects p's output onto the columns in keep when p outputs others
// (columns only a filter below needed), so that a join or a sort above,
// whose input is exchanged, does not ship them, as Spark's ColumnPruning
// puts a Project over a join's children.
func narrow(p logical.Plan, keep map[logical.ColumnID]bool) logical.Plan {
	out := p.Output()
	var exprs []logical.Expr
	var cols []*logical.Column
	for _, c := range out {
		if keep[c.ID] {
			exprs = append(exprs, logical.Ref(c))
			cols = append(cols, c)
		}
	}
	if len(cols) == len(out) || len(cols) == 0 {
		return p
	}
	return &logical.Project{Input: p, Exprs: exprs, Cols: cols}
}

// removeIdentityProjects drops projections that pass their input through
// unchanged.
func removeIdentityProjects(p logical.Plan) logical.Plan {
	return transformUp(p, removeIdentityProject)
}

// removeIdentityProject returns p's input when p is a projection that
// passes it through unchanged.
func removeIdentityProject(p logical.Plan) logical.Plan {
	pr, ok := p.(*logical.Project)
	if !ok {
		return p
	}
	in := pr.Input.Output()
	if len(in) != len(pr.Exprs) {
		return p
	}
	for i, e := range pr.Exprs {
		r, ok := e.(*logical.ColumnRef)
		if !ok || r.Col.ID != in[i].ID || pr.Cols[i].ID != in[i].ID {
			return p
		}
	}
	return pr.Input
}
