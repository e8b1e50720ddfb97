package rowexpr

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/expr"
)

// TestDiffRandomTrees builds random expression trees (arithmetic, casts,
// comparisons, logic, CASE, COALESCE, functions, nested) and checks that
// both engines agree on them, so that values flowing between nodes (arena
// strings, decimals of derived types, NULLs) are covered too.

// tnode is a random expression, decided once and built by both engines.
type tnode struct {
	kind string
	typ  arrow.DataType
	op   int
	col  int
	val  any
	name string
	kids []*tnode
}

// treeTypes are the column types of the input table.
var treeTypes = []arrow.DataType{tBool, tInt, tLong, tDbl, tDec(7, 2), tDec(22, 6), tStr, tDate, tTS, tBool, tStr, tDec(7, 2)}

type treeGen struct {
	r *rand.Rand
}

// leaf returns a column or literal of type t.
func (g *treeGen) leaf(t arrow.DataType) *tnode {
	var cols []int
	for i, ct := range treeTypes {
		if arrow.TypeEqual(ct, t) {
			cols = append(cols, i)
		}
	}
	if len(cols) > 0 && g.r.Intn(4) > 0 {
		return &tnode{kind: "col", typ: t, col: cols[g.r.Intn(len(cols))]}
	}
	return &tnode{kind: "lit", typ: t, val: genValue(g.r, t)}
}

// of returns an expression of type t.
func (g *treeGen) of(t arrow.DataType, depth int) *tnode {
	if depth <= 0 {
		return g.leaf(t)
	}
	switch g.r.Intn(6) {
	case 0:
		return g.leaf(t)
	case 1:
		return &tnode{kind: "case", typ: t, kids: []*tnode{g.of(tBool, depth-1), g.of(t, depth-1), g.of(t, depth-1)}}
	case 2:
		return &tnode{kind: "coalesce", typ: t, kids: []*tnode{g.of(t, depth-1), g.of(t, depth-1)}}
	case 3:
		// A cast from an expression of another type.
		from := g.any(depth - 1)
		if expr.CanCast(from.typ, t) {
			return &tnode{kind: "cast", typ: t, kids: []*tnode{from}}
		}
	}
	switch t.ID() {
	case arrow.BOOL:
		switch g.r.Intn(5) {
		case 0:
			return &tnode{kind: "and", typ: t, kids: []*tnode{g.of(tBool, depth-1), g.of(tBool, depth-1)}}
		case 1:
			return &tnode{kind: "or", typ: t, kids: []*tnode{g.of(tBool, depth-1), g.of(tBool, depth-1)}}
		case 2:
			return &tnode{kind: "not", typ: t, kids: []*tnode{g.of(tBool, depth-1)}}
		case 3:
			return &tnode{kind: "like", typ: t, val: []string{"%a%", "a%", "_b%", "%"}[g.r.Intn(4)], kids: []*tnode{g.of(tStr, depth-1)}}
		}
		a := g.any(depth - 1)
		b := g.of(a.typ, depth-1)
		return &tnode{kind: "cmp", typ: t, op: g.r.Intn(len(cmpOps)), kids: []*tnode{a, b}}
	case arrow.STRING:
		name := []string{"upper", "lower", "reverse", "trim", "concat", "substring", "replace", "lpad"}[g.r.Intn(8)]
		n := &tnode{kind: "fn", typ: t, name: name, kids: []*tnode{g.of(tStr, depth-1)}}
		switch name {
		case "concat", "replace":
			n.kids = append(n.kids, g.of(tStr, depth-1))
		case "substring":
			n.kids = append(n.kids, &tnode{kind: "lit", typ: tInt, val: int32(g.r.Intn(5) - 1)}, &tnode{kind: "lit", typ: tInt, val: int32(g.r.Intn(4))})
		case "lpad":
			n.kids = append(n.kids, &tnode{kind: "lit", typ: tInt, val: int32(g.r.Intn(8))}, g.of(tStr, depth-1))
		}
		return n
	case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
		if g.r.Intn(4) == 0 {
			return &tnode{kind: "neg", typ: t, kids: []*tnode{g.of(t, depth-1)}}
		}
		if t.ID() == arrow.DECIMAL128 {
			// A decimal of this exact type from arithmetic needs a cast.
			a, b := g.of(tDec(7, 2), depth-1), g.of([]arrow.DataType{tDec(7, 2), tDec(22, 6)}[g.r.Intn(2)], depth-1)
			op := arithOps[g.r.Intn(len(arithOps))]
			rt, err := expr.ArithResultType(op, a.typ, b.typ)
			if err != nil {
				return g.leaf(t)
			}
			ar := &tnode{kind: "arith", typ: rt, op: int(op), kids: []*tnode{a, b}}
			if arrow.TypeEqual(rt, t) {
				return ar
			}
			return &tnode{kind: "cast", typ: t, kids: []*tnode{ar}}
		}
		op := arithOps[g.r.Intn(len(arithOps))]
		if op == expr.Div && t.ID() != arrow.FLOAT64 {
			op = expr.Mod
		}
		return &tnode{kind: "arith", typ: t, op: int(op), kids: []*tnode{g.of(t, depth-1), g.of(t, depth-1)}}
	}
	return g.leaf(t)
}

// any returns an expression of a random type.
func (g *treeGen) any(depth int) *tnode {
	return g.of(treeTypes[g.r.Intn(len(treeTypes))], depth)
}

func (n *tnode) build(s side, cols []any) (any, error) {
	var kids []any
	for _, k := range n.kids {
		e, err := k.build(s, cols)
		if err != nil {
			return nil, err
		}
		kids = append(kids, e)
	}
	switch n.kind {
	case "col":
		return cols[n.col], nil
	case "lit":
		return s.literal(n.val, n.typ)
	case "case":
		return s.caseOf(kids[:1], kids[1:2], kids[2])
	case "coalesce":
		return s.coalesce(kids)
	case "cast":
		return s.cast(kids[0], n.typ)
	case "and":
		return s.and(kids[0], kids[1])
	case "or":
		return s.or(kids[0], kids[1])
	case "not":
		return s.not(kids[0])
	case "like":
		return s.like(kids[0], n.val.(string), '\\', false)
	case "cmp":
		return s.compare(cmpOps[n.op], kids[0], kids[1])
	case "fn":
		return s.function(n.name, kids)
	case "neg":
		return s.negate(kids[0])
	case "arith":
		return s.arith(expr.ArithOp(n.op), kids[0], kids[1])
	}
	return nil, fmt.Errorf("unknown node %s", n.kind)
}

func TestDiffRandomTrees(t *testing.T) {
	mem := newMem(t)
	r := testRand(11)
	tab := newTable(t, mem, r, treeTypes, 96)
	defer tab.release()
	g := &treeGen{r: r}
	built := 0
	for i := 0; i < 2000; i++ {
		n := g.any(1 + r.Intn(4))
		if checkDiff(t, mem, tab, fmt.Sprintf("tree %d", i), n.build) {
			built++
		}
	}
	if built < 1700 {
		t.Errorf("only %d of 2000 random trees built", built)
	}
}
