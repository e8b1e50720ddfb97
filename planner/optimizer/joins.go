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
	if len(above) == 0 {
		return n
	}
	return &logical.Filter{Input: n, Cond: logical.AndAll(above)}
}

// pushSemiJoins applies pushSemiJoin bottom-up, once the filters are in
// place (so that the inner joins' estimates see their conditions).
func pushSemiJoins(p logical.Plan) logical.Plan {
	return transformUp(p, func(p logical.Plan) logical.Plan {
		if j, ok := p.(*logical.Join); ok {
			return pushSemiJoin(j)
		}
		return p
	})
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
	// Only where the inner join makes more rows than the input the semi
	// join would filter instead (a fact table's IN subquery, TPC-H Q18):
	// where the join's other inputs filter that input more (Q21), the
	// semi join is cheaper above.
	switch {
	case readsOnly(idSet(inner.Left.Output())) && estimate(inner).rows >= estimate(inner.Left).rows:
		semi := pushSemiJoin(&logical.Join{Left: inner.Left, Right: j.Right, Type: j.Type, Cond: j.Cond})
		return &logical.Join{Left: semi, Right: inner.Right, Type: logical.InnerJoin, Cond: inner.Cond}
	case readsOnly(idSet(inner.Right.Output())) && estimate(inner).rows >= estimate(inner.Right).rows:
		semi := pushSemiJoin(&logical.Join{Left: inner.Right, Right: j.Right, Type: j.Type, Cond: j.Cond})
		return &logical.Join{Left: inner.Left, Right: semi, Type: logical.InnerJoin, Cond: inner.Cond}
	}
	return j
}

// reorderInner flattens a tree of inner joins with the conjuncts over it,
// pushes each conjunct that reads one input into it, and rebuilds the joins
// left-deep in the order joinOrderer picks from estimated cardinalities (so
// that selective dimension tables filter the fact table early and a
// comma-separated FROM list does not produce cartesian products).
// Conjuncts attach to the lowest join that has their columns.
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
	cards := make([]card, len(inputs))
	for i, in := range inputs {
		cards[i] = estimate(in)
	}
	o := joinOrderer{conds: multi, sets: sets, cards: cards}
	o.ndv, o.base = keyDistinct(multi, sets, cards)
	seq := o.best()
	applied := make([]bool, len(multi))
	joined := map[logical.ColumnID]bool{}
	for id := range sets[seq[0]] {
		joined[id] = true
	}
	cur := inputs[seq[0]]
	for _, next := range seq[1:] {
		for id := range sets[next] {
			joined[id] = true
		}
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

// isEquality reports whether e is an equality (a join key, when its sides
// read different inputs).
func isEquality(e logical.Expr) bool {
	c, ok := e.(*logical.Call)
	return ok && c.Op == logical.OpEq
}

// hasJoinConjunct reports whether one of conds is an equality reading
// input i and another.
func hasJoinConjunct(conds []logical.Expr, sets []map[logical.ColumnID]bool, i int) bool {
	for _, c := range conds {
		if !isEquality(c) || !touches(c, sets[i]) {
			continue
		}
		for j := range sets {
			if j != i && touches(c, sets[j]) {
				return true
			}
		}
	}
	return false
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
