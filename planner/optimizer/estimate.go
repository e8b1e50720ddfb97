package optimizer

import (
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/logical"
)

// card is a plan's estimated cardinality, for ordering inner joins: rows
// after its filters, and base, the rows of the relation those filters
// apply to (a scanned table's row count), so that rows/base is the share
// of the relation the plan keeps.
type card struct{ rows, base float64 }

// fraction is the share of its base relation a plan keeps.
func (c card) fraction() float64 {
	if c.base <= 0 {
		return 1
	}
	return min(1, c.rows/c.base)
}

// unknownRows stands for a table whose size is unknown.
const unknownRows = 1e6

// estimate returns a plan's cardinality from the tables' row counts
// (operators.RowCounter) and fixed selectivities for predicates: enough to
// tell a filtered dimension table from a fact table, which is all join
// ordering asks of it.
func estimate(p logical.Plan) card {
	switch x := p.(type) {
	case *logical.Scan:
		n := float64(unknownRows)
		if rc, ok := x.Table.Source.(operators.RowCounter); ok {
			if r, err := rc.RowCount(); err == nil {
				n = float64(r)
			}
		}
		return card{n, n}
	case *logical.OneRow:
		return card{1, 1}
	case *logical.Filter:
		c := estimate(x.Input)
		c.rows *= selectivity(x.Cond)
		return c
	case *logical.Limit:
		c := estimate(x.Input)
		c.rows = min(c.rows, float64(x.N))
		return c
	case *logical.TopN:
		c := estimate(x.Input)
		c.rows = min(c.rows, float64(x.N))
		return c
	case *logical.Aggregate:
		c := estimate(x.Input)
		if len(x.Groups) == 0 {
			return card{1, 1}
		}
		// A new relation: its groups are its base.
		n := max(1, c.rows/10)
		return card{n, n}
	case *logical.Union:
		var c card
		for _, in := range x.Inputs {
			e := estimate(in)
			c.rows += e.rows
			c.base += e.base
		}
		return c
	case *logical.Join:
		l, r := estimate(x.Left), estimate(x.Right)
		switch x.Type {
		case logical.InnerJoin:
			if x.Cond == nil {
				return card{l.rows * r.rows, l.base * r.base}
			}
			return joinCard([]card{l, r})
		case logical.LeftSemiJoin, logical.LeftAntiJoin, logical.NullAwareAntiJoin:
			l.rows /= 2
			return l
		case logical.LeftOuterJoin:
			return card{max(l.rows, joinCard([]card{l, r}).rows), l.base}
		case logical.RightOuterJoin:
			return card{max(r.rows, joinCard([]card{l, r}).rows), r.base}
		default:
			return card{l.rows + r.rows, l.base + r.base}
		}
	}
	// Projections, sorts and the like keep their input's rows.
	if cs := p.Children(); len(cs) == 1 {
		return estimate(cs[0])
	}
	return card{unknownRows, unknownRows}
}

// joinCard estimates an equi-join of inputs as a chain of key/foreign-key
// joins: the largest base relation's rows, times the share each input's
// filters keep.
func joinCard(inputs []card) card {
	var base float64
	frac := 1.0
	for _, c := range inputs {
		base = max(base, c.base)
		frac *= c.fraction()
	}
	return card{max(1, base*frac), base}
}

// selectivity guesses the share of rows a predicate keeps.
func selectivity(e logical.Expr) float64 {
	conj := logical.Conjuncts(e)
	if len(conj) > 1 {
		// Range comparisons on one column together (BETWEEN) keep a
		// quarter, not a third squared.
		ranges := map[logical.ColumnID]int{}
		s := 1.0
		for _, c := range conj {
			if col, ok := rangeColumn(c); ok {
				ranges[col]++
				continue
			}
			s *= selectivity(c)
		}
		for _, n := range ranges {
			if n == 1 {
				s *= 1.0 / 3
			} else {
				s *= 0.25
			}
		}
		return s
	}
	switch x := e.(type) {
	case *logical.Call:
		switch x.Op {
		case logical.OpOr:
			a, b := selectivity(x.Args[0]), selectivity(x.Args[1])
			return min(1, a+b-a*b)
		case logical.OpNot:
			return 1 - selectivity(x.Args[0])
		case logical.OpEq, logical.OpEqNullSafe:
			return 0.1
		case logical.OpNotEq:
			return 0.9
		case logical.OpLt, logical.OpLtEq, logical.OpGt, logical.OpGtEq:
			return 1.0 / 3
		case logical.OpIsNull:
			return 0.1
		case logical.OpIsNotNull:
			return 0.9
		}
	case *logical.InList:
		s := min(0.5, 0.1*float64(len(x.Values)))
		if x.Negated {
			return 1 - s
		}
		return s
	case *logical.Like:
		return 0.25
	case *logical.Literal:
		return 1
	}
	return 0.5
}

// rangeColumn reports the column a range comparison with a constant bounds.
func rangeColumn(e logical.Expr) (logical.ColumnID, bool) {
	c, ok := e.(*logical.Call)
	if !ok || len(c.Args) != 2 {
		return 0, false
	}
	switch c.Op {
	case logical.OpLt, logical.OpLtEq, logical.OpGt, logical.OpGtEq:
	default:
		return 0, false
	}
	for i, a := range c.Args {
		if r, ok := a.(*logical.ColumnRef); ok && logical.IsConstant(c.Args[1-i]) {
			return r.Col.ID, true
		}
	}
	return 0, false
}

// keyDistinct estimates the number of distinct values of each column that
// an equality between two inputs' columns reads: columns that equalities
// chain together share their values, so each gets the smallest base row
// count of the inputs in its chain (a nation key has at most 25 values
// whether read from nation, supplier or customer).
func keyDistinct(conds []logical.Expr, sets []map[logical.ColumnID]bool, cards []card) (ndv, base map[logical.ColumnID]float64) {
	parent := map[logical.ColumnID]logical.ColumnID{}
	var find func(x logical.ColumnID) logical.ColumnID
	find = func(x logical.ColumnID) logical.ColumnID {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	baseOf := func(id logical.ColumnID) float64 {
		for i, set := range sets {
			if set[id] {
				return max(1, cards[i].base)
			}
		}
		return unknownRows
	}
	for _, c := range conds {
		a, b, ok := columnEquality(c)
		if ok {
			parent[find(a)] = find(b)
		}
	}
	least := map[logical.ColumnID]float64{}
	for id := range parent {
		r := find(id)
		if v, ok := least[r]; !ok || baseOf(id) < v {
			least[r] = baseOf(id)
		}
	}
	ndv = make(map[logical.ColumnID]float64, len(parent))
	base = make(map[logical.ColumnID]float64, len(parent))
	for id := range parent {
		ndv[id] = least[find(id)]
		base[id] = baseOf(id)
	}
	return ndv, base
}

// columnEquality returns the columns of an equality between two columns.
func columnEquality(e logical.Expr) (a, b logical.ColumnID, ok bool) {
	c, isCall := e.(*logical.Call)
	if !isCall || c.Op != logical.OpEq {
		return 0, 0, false
	}
	l, lok := c.Args[0].(*logical.ColumnRef)
	r, rok := c.Args[1].(*logical.ColumnRef)
	if !lok || !rok {
		return 0, 0, false
	}
	return l.Col.ID, r.Col.ID, true
}

// joinRows estimates the rows of joining cur rows (the inputs joined so
// far, whose columns are joined) with an input of rows rows and columns
// set, as the textbook estimate |R JOIN S| = |R| |S| / V does, V being the
// distinct values of the join key: the product of the key columns'
// distinct values (ndv), but no more than either side's base relation
// holds (a composite key is as selective as the key it forms, not as the
// product of its parts).
func joinRows(cur, rows float64, conds []logical.Expr, applied []bool, joined, set map[logical.ColumnID]bool, ndv, base map[logical.ColumnID]float64) float64 {
	v := 1.0
	var setBase, joinedBase float64
	any := false
	for k, c := range conds {
		if applied[k] {
			continue
		}
		a, b, ok := columnEquality(c)
		if !ok {
			continue
		}
		if set[a] && joined[b] {
			a, b = b, a
		}
		if !(joined[a] && set[b]) {
			continue
		}
		any = true
		v *= max(1, ndv[a], ndv[b])
		joinedBase = max(joinedBase, base[a])
		setBase = max(setBase, base[b])
	}
	if any {
		v = min(v, max(1, min(joinedBase, setBase)))
	}
	return max(1, cur*rows/v)
}

// broadcastRows is the estimated size (rows) up to which the cost model of
// joinOrderer takes a join side to be broadcast rather than shuffled:
// spark.sql.autoBroadcastJoinThreshold's 10 MB at some 50 bytes a row.
const broadcastRows = 200_000

// joinOrderer picks the order of a left-deep tree of inner joins. It builds
// two greedy orders, each adding next the input, among those an equality
// connects to the inputs joined so far, that keeps the estimated
// intermediate result smallest (ties: FROM order):
//   - fact first: from the largest input, so that it is read once and the
//     most selective dimensions filter it first (TPC-H Q9);
//   - smallest pair first: from the pair of inputs whose join is smallest,
//     so that a chain of small tables (nation, supplier) forms one filter
//     before the fact table meets it (Q7, Q21);
//
// and keeps the cheaper by a cost model that counts the rows each join
// reads and writes, doubled for sides too big to broadcast (they are
// shuffled). Inputs that no equality connects come last, in FROM order.
type joinOrderer struct {
	conds     []logical.Expr
	sets      []map[logical.ColumnID]bool
	cards     []card
	ndv, base map[logical.ColumnID]float64
}

// best returns the chosen order as input indices.
func (o *joinOrderer) best() []int {
	n := len(o.sets)
	if n <= 2 {
		seq := make([]int, n)
		for i := range seq {
			seq[i] = i
		}
		return seq
	}
	// Fact first.
	fact := -1
	for i := range o.sets {
		if o.connected(i) && (fact < 0 || o.cards[i].rows > o.cards[fact].rows) {
			fact = i
		}
	}
	if fact < 0 {
		return o.greedy([]int{0})
	}
	a := o.greedy([]int{fact})
	// Smallest pair first.
	var pair []int
	var least float64
	for i := range o.sets {
		for j := i + 1; j < n; j++ {
			if !o.linked(o.sets[i], j) {
				continue
			}
			est := joinRows(o.cards[i].rows, o.cards[j].rows, o.conds, make([]bool, len(o.conds)), o.sets[i], o.sets[j], o.ndv, o.base)
			if pair == nil || est < least {
				least = est
				if o.cards[j].rows < o.cards[i].rows {
					pair = []int{j, i}
				} else {
					pair = []int{i, j}
				}
			}
		}
	}
	b := o.greedy(pair)
	if o.cost(b) < o.cost(a) {
		return b
	}
	return a
}

// connected reports whether an equality joins input i to another.
func (o *joinOrderer) connected(i int) bool { return hasJoinConjunct(o.conds, o.sets, i) }

// linked reports whether an equality joins the columns joined to input i.
func (o *joinOrderer) linked(joined map[logical.ColumnID]bool, i int) bool {
	for _, c := range o.conds {
		if isEquality(c) && touches(c, o.sets[i]) && touches(c, joined) && refsOnly(c, union(joined, o.sets[i])) {
			return true
		}
	}
	return false
}

// greedy extends the order start to all inputs.
func (o *joinOrderer) greedy(start []int) []int {
	used := make([]bool, len(o.sets))
	joined := map[logical.ColumnID]bool{}
	seq := append([]int{}, start...)
	for _, i := range start {
		used[i] = true
		for id := range o.sets[i] {
			joined[id] = true
		}
	}
	cur := o.rowsOf(start)
	none := make([]bool, len(o.conds))
	for len(seq) < len(o.sets) {
		next := -1
		var best float64
		for i := range o.sets {
			if used[i] || !o.linked(joined, i) {
				continue
			}
			est := joinRows(cur, o.cards[i].rows, o.conds, none, joined, o.sets[i], o.ndv, o.base)
			if next < 0 || est < best {
				next, best = i, est
			}
		}
		if next < 0 {
			for i := range o.sets {
				if !used[i] {
					next = i
					break
				}
			}
			best = cur * o.cards[next].rows
		}
		cur = best
		used[next] = true
		for id := range o.sets[next] {
			joined[id] = true
		}
		seq = append(seq, next)
	}
	return seq
}

// rowsOf estimates the rows of joining the inputs of seq in that order.
func (o *joinOrderer) rowsOf(seq []int) float64 {
	_, rows := o.walk(seq)
	return rows
}

// cost is the cost model's figure for joining the inputs in the order seq.
func (o *joinOrderer) cost(seq []int) float64 {
	c, _ := o.walk(seq)
	return c
}

// walk joins seq's inputs in order, returning the cost and the rows.
func (o *joinOrderer) walk(seq []int) (cost, rows float64) {
	none := make([]bool, len(o.conds))
	joined := map[logical.ColumnID]bool{}
	for k, i := range seq {
		in := o.cards[i].rows
		if k == 0 {
			rows = in
		} else {
			out := in * rows
			if o.linked(joined, i) {
				out = joinRows(rows, in, o.conds, none, joined, o.sets[i], o.ndv, o.base)
			}
			if min(rows, in) <= broadcastRows {
				cost += max(rows, in) + out
			} else {
				cost += 2*(rows+in) + out
			}
			rows = out
		}
		for id := range o.sets[i] {
			joined[id] = true
		}
	}
	return cost, rows
}
