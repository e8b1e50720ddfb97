package optimizer

import (
	"github.com/gluten-go/gluten-go/planner/logical"
)

// pushIntoJoin places filter conjuncts over a join: into the side they read
// where the join type allows it, into the condition of an inner join, or
// above. Inner joins are flattened and reordered (see reorderInner).
func pushIntoJoin(j *logical.Join, conds []logical.Expr) logical.Plan {
	if j.Type == logical.InnerJoin {
		return reorderInner(j, conds)
	}
	left, right := idSet(j.Left.Output()), idSet(j.Right.Output())
	var toLeft, toRight, above []logical.Expr
	for _, c := range conds {
		switch {
		case refsOnly(c, left) && j.Type != logical.RightOuterJoin && j.Type != logical.FullOuterJoin:
			toLeft = append(toLeft, c)
		case refsOnly(c, right) && j.Type == logical.RightOuterJoin:
			toRight = append(toRight, c)
		default:
			above = append(above, c)
		}
	}
	// The join's own condition: a conjunct reading only one side filters
	// that side first where that changes nothing.
	var keep []logical.Expr
	if j.Cond != nil && j.Type != logical.NullAwareAntiJoin {
		for _, c := range logical.Conjuncts(j.Cond) {
			switch {
			case logical.IsConstant(c):
				keep = append(keep, c)
			case refsOnly(c, right) && (j.Type == logical.LeftOuterJoin || j.Type == logical.LeftSemiJoin || j.Type == logical.LeftAntiJoin):
				toRight = append(toRight, c)
			case refsOnly(c, left) && (j.Type == logical.RightOuterJoin || j.Type == logical.LeftSemiJoin):
				toLeft = append(toLeft, c)
			default:
				keep = append(keep, c)
			}
		}
	} else if j.Cond != nil {
		keep = []logical.Expr{j.Cond}
	}
	var n logical.Plan = &logical.Join{Left: pushFilter(j.Left, toLeft), Right: pushFilter(j.Right, toRight), Type: j.Type, Cond: logical.AndAll(keep)}
	n = pushSemiJoin(n.(*logical.Join))
	if len(above) == 0 {
		return n
	}
	return &logical.Filter{Input: n, Cond: logical.AndAll(above)}
}

// pushSemiJoin moves a semi or anti join (an IN, EXISTS or NOT IN
// subquery) below the inner joins on its left side, into the input whose
// columns its condition reads: whether a row is kept depends on those
// columns alone, so it filters that input before the join instead of the
// join's (larger) output after it.
func pushSemiJoin(j *logical.Join) logical.Plan {
	switch j.Type {
	case logical.LeftSemiJoin, logical.LeftAntiJoin, logical.NullAwareAntiJoin:
	default:
		return j
	}
	inner, ok := j.Left.(*logical.Join)
	if !ok || inner.Type != logical.InnerJoin || j.Cond == nil {
		return j
	}
	right := idSet(j.Right.Output())
	var leftRefs []logical.Expr
	logical.Walk(j.Cond, func(e logical.Expr) bool {
		if r, ok := e.(*logical.ColumnRef); ok && !right[r.Col.ID] {
			leftRefs = append(leftRefs, e)
		}
		return true
	})
	if len(leftRefs) == 0 {
		return j
	}
	readsOnly := func(set map[logical.ColumnID]bool) bool {
		for _, e := range leftRefs {
			if !set[e.(*logical.ColumnRef).Col.ID] {
				return false
			}
		}
		return true
	}
	switch {
	case readsOnly(idSet(inner.Left.Output())):
		semi := pushSemiJoin(&logical.Join{Left: inner.Left, Right: j.Right, Type: j.Type, Cond: j.Cond})
		return &logical.Join{Left: semi, Right: inner.Right, Type: logical.InnerJoin, Cond: inner.Cond}
	case readsOnly(idSet(inner.Right.Output())):
		semi := pushSemiJoin(&logical.Join{Left: inner.Right, Right: j.Right, Type: j.Type, Cond: j.Cond})
		return &logical.Join{Left: inner.Left, Right: semi, Type: logical.InnerJoin, Cond: inner.Cond}
	}
	return j
}

// reorderInner flattens a tree of inner joins with the conjuncts over it,
// pushes each conjunct that reads one input into it, and rebuilds the joins
// left-deep, each next input being the first (in FROM order) that a
// conjunct connects to those already joined, as Spark's ReorderJoin does
// (so that a comma-separated FROM list does not produce cartesian
// products). Conjuncts attach to the lowest join that has their columns.
func reorderInner(j *logical.Join, conds []logical.Expr) logical.Plan {
	var inputs []logical.Plan
	var flatten func(p logical.Plan)
	flatten = func(p logical.Plan) {
		if x, ok := p.(*logical.Join); ok && x.Type == logical.InnerJoin {
			flatten(x.Left)
			flatten(x.Right)
			if x.Cond != nil {
				conds = append(conds, logical.Conjuncts(x.Cond)...)
			}
			return
		}
		inputs = append(inputs, p)
	}
	flatten(j)
	sets := make([]map[logical.ColumnID]bool, len(inputs))
	for i, in := range inputs {
		sets[i] = idSet(in.Output())
	}
	// Common factors out of disjunctions, then each input's part of a
	// disjunction as an extra filter on that input.
	var factored []logical.Expr
	for _, c := range conds {
		factored = append(factored, logical.Conjuncts(factorOr(c))...)
	}
	conds = factored
	for _, c := range factored {
		if refsOnlyOne(c, sets) {
			continue
		}
		for i := range inputs {
			if sp := sidePredicate(c, sets[i]); sp != nil {
				conds = append(conds, sp)
			}
		}
	}
	// One-input conjuncts go into their input.
	perInput := make([][]logical.Expr, len(inputs))
	var multi []logical.Expr
	for _, c := range conds {
		placed := false
		if !logical.IsConstant(c) {
			for i := range inputs {
				if refsOnly(c, sets[i]) {
					perInput[i] = append(perInput[i], c)
					placed = true
					break
				}
			}
		}
		if !placed {
			multi = append(multi, c)
		}
	}
	for i := range inputs {
		inputs[i] = pushFilter(inputs[i], perInput[i])
	}
	used := make([]bool, len(inputs))
	joined := map[logical.ColumnID]bool{}
	applied := make([]bool, len(multi))
	add := func(i int) {
		used[i] = true
		for id := range sets[i] {
			joined[id] = true
		}
	}
	cur := inputs[0]
	add(0)
	for n := 1; n < len(inputs); n++ {
		next := -1
		for i := range inputs {
			if used[i] {
				continue
			}
			for k, c := range multi {
				if !applied[k] && touches(c, sets[i]) && touches(c, joined) && refsOnly(c, union(joined, sets[i])) {
					next = i
					break
				}
			}
			if next >= 0 {
				break
			}
		}
		if next < 0 {
			for i := range inputs {
				if !used[i] {
					next = i
					break
				}
			}
		}
		add(next)
		var jc []logical.Expr
		for k, c := range multi {
			if !applied[k] && !logical.IsConstant(c) && refsOnly(c, joined) {
				jc = append(jc, c)
				applied[k] = true
			}
		}
		cur = &logical.Join{Left: cur, Right: inputs[next], Type: logical.InnerJoin, Cond: logical.AndAll(jc)}
	}
	var rest []logical.Expr
	for k, c := range multi {
		if !applied[k] {
			rest = append(rest, c)
		}
	}
	if len(rest) == 0 {
		return cur
	}
	return &logical.Filter{Input: cur, Cond: logical.AndAll(rest)}
}

// touches reports whether e reads any column of set.
func touches(e logical.Expr, set map[logical.ColumnID]bool) bool {
	hit := false
	logical.Walk(e, func(x logical.Expr) bool {
		if r, ok := x.(*logical.ColumnRef); ok && set[r.Col.ID] {
			hit = true
		}
		return !hit
	})
	return hit
}

func union(a, b map[logical.ColumnID]bool) map[logical.ColumnID]bool {
	out := make(map[logical.ColumnID]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// factorOr rewrites (A AND B) OR (A AND C) into A AND (B OR C): conjuncts
// every disjunct shares come out of the disjunction, as Spark's
// BooleanSimplification does (TPC-H Q19's join key sits in every branch).
func factorOr(e logical.Expr) logical.Expr {
	return logical.Transform(e, func(x logical.Expr) logical.Expr {
		c, ok := x.(*logical.Call)
		if !ok || c.Op != logical.OpOr {
			return x
		}
		disjuncts := disjuncts(c)
		common := logical.Conjuncts(disjuncts[0])
		for _, d := range disjuncts[1:] {
			cs := logical.Conjuncts(d)
			var keep []logical.Expr
			for _, a := range common {
				for _, b := range cs {
					if logical.Equal(a, b) {
						keep = append(keep, a)
						break
					}
				}
			}
			common = keep
		}
		if len(common) == 0 {
			return x
		}
		var rest []logical.Expr
		for _, d := range disjuncts {
			var left []logical.Expr
			for _, b := range logical.Conjuncts(d) {
				shared := false
				for _, a := range common {
					if logical.Equal(a, b) {
						shared = true
						break
					}
				}
				if !shared {
					left = append(left, b)
				}
			}
			if len(left) == 0 {
				// A disjunct that is only the common part makes the rest
				// true.
				return logical.AndAll(common)
			}
			rest = append(rest, logical.AndAll(left))
		}
		return logical.AndAll(append(common, orAll(rest)))
	})
}

func disjuncts(e logical.Expr) []logical.Expr {
	if c, ok := e.(*logical.Call); ok && c.Op == logical.OpOr {
		return append(disjuncts(c.Args[0]), disjuncts(c.Args[1])...)
	}
	return []logical.Expr{e}
}

func orAll(es []logical.Expr) logical.Expr {
	out := es[0]
	for _, e := range es[1:] {
		out = &logical.Call{Op: logical.OpOr, Args: []logical.Expr{out, e}, Typ: out.Type()}
	}
	return out
}

// sidePredicate extracts from a disjunction a weaker predicate reading only
// the columns of set: the OR, over the disjuncts, of each disjunct's
// conjuncts that read only set (nil when a disjunct has none). Filtering a
// join's input with it early keeps the answer (the full disjunction still
// applies above), as Spark's predicate pushdown through disjunctions does.
func sidePredicate(e logical.Expr, set map[logical.ColumnID]bool) logical.Expr {
	c, ok := e.(*logical.Call)
	if !ok || c.Op != logical.OpOr {
		return nil
	}
	var parts []logical.Expr
	for _, d := range disjuncts(c) {
		var mine []logical.Expr
		for _, b := range logical.Conjuncts(d) {
			if !logical.IsConstant(b) && refsOnly(b, set) {
				mine = append(mine, b)
			}
		}
		if len(mine) == 0 {
			return nil
		}
		parts = append(parts, logical.AndAll(mine))
	}
	return orAll(parts)
}

// refsOnlyOne reports whether e reads the columns of a single input.
func refsOnlyOne(e logical.Expr, sets []map[logical.ColumnID]bool) bool {
	for _, s := range sets {
		if refsOnly(e, s) {
			return true
		}
	}
	return false
}
