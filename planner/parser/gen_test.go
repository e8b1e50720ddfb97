package parser

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// gen builds random ASTs, for checking that Format renders every tree the
// parser can produce (and trees built by code in the same shapes) so that it
// parses back to the same tree.
type gen struct {
	r *rand.Rand
	t *testing.T
}

func (g *gen) pick(n int) int { return g.r.IntN(n) }

var (
	simpleNames = []string{"a", "b", "x1", "col_name", "T", "Mixed", "_u", "été", "y2k"}
	oddNames    = []string{"select", "from", "date", "a b", "1a", "x`y", "year", "values", "with\nnewline", "ü"}
	funcNames   = []string{"f", "sum", "count", "if", "left", "right", "date", "year", "trim", "position",
		"exists", "substring", "substr", "cast", "extract", "interval", "current_date", "my func", "case", "not"}
)

func (g *gen) name() string {
	if g.pick(4) == 0 {
		return oddNames[g.pick(len(oddNames))]
	}
	return simpleNames[g.pick(len(simpleNames))]
}

func (g *gen) names(n int) []string {
	out := make([]string, n)
	for k := range out {
		out[k] = g.name()
	}
	return out
}

func (g *gen) ident() *Ident {
	n := 1 + g.pick(3)
	id := &Ident{}
	for k := 0; k < n; k++ {
		if g.pick(3) == 0 {
			id.Parts = append(id.Parts, oddNames[g.pick(len(oddNames))])
			id.Quoted = append(id.Quoted, true)
		} else {
			id.Parts = append(id.Parts, simpleNames[g.pick(len(simpleNames))])
			id.Quoted = append(id.Quoted, false)
		}
	}
	return id
}

func (g *gen) str() string {
	const alphabet = "ab'\"\\%_\n\t\x00\x7fé😀 `"
	rs := []rune(alphabet)
	var sb strings.Builder
	for k := g.pick(6); k > 0; k-- {
		sb.WriteRune(rs[g.pick(len(rs))])
	}
	return sb.String()
}

func (g *gen) literal() *Literal {
	switch g.pick(13) {
	case 0:
		return &Literal{Kind: LitNull}
	case 1:
		return &Literal{Kind: LitBool, Value: g.pick(2) == 0}
	case 2:
		return &Literal{Kind: LitTinyInt, Value: int32(int8(g.r.Uint32()))}
	case 3:
		return &Literal{Kind: LitSmallInt, Value: int32(int16(g.r.Uint32()))}
	case 4:
		return &Literal{Kind: LitInt, Value: int32(g.r.Uint32())}
	case 5:
		v := int64(g.r.Uint64())
		if g.pick(2) == 0 {
			v = int64(g.pick(100)) - 50
		}
		return &Literal{Kind: LitBigInt, Value: v}
	case 6:
		return &Literal{Kind: LitFloat, Value: float64(float32(g.r.NormFloat64() * math.Pow(10, float64(g.pick(60)-30))))}
	case 7:
		return &Literal{Kind: LitDouble, Value: g.r.NormFloat64() * math.Pow(10, float64(g.pick(600)-300))}
	case 8:
		// Unscaled value with up to 38 digits and a scale.
		digits := 1 + g.pick(38)
		var sb strings.Builder
		for k := 0; k < digits; k++ {
			sb.WriteByte(byte('0' + g.pick(10)))
		}
		scale := g.pick(digits + 1)
		n, err := decimal128.FromString(sb.String(), 38, 0)
		if err != nil {
			g.t.Fatal(err)
		}
		if g.pick(2) == 0 {
			n = n.Negate()
		}
		sig := len(strings.TrimLeft(sb.String(), "0"))
		return &Literal{Kind: LitDecimal, Value: n, Precision: max(sig, 1, scale), Scale: scale}
	case 9:
		return &Literal{Kind: LitString, Value: g.str()}
	case 10:
		b := make([]byte, g.pick(4))
		for k := range b {
			b[k] = byte(g.r.Uint32())
		}
		return &Literal{Kind: LitBinary, Value: b}
	case 11:
		lo, hi := daysFromCivil(0, 1, 1), daysFromCivil(9999, 12, 31)
		return &Literal{Kind: LitDate, Value: arrow.Date32(lo + g.r.Int64N(hi-lo+1))}
	default:
		return &Literal{Kind: LitTimestamp, Value: arrow.Timestamp(minTimestamp + g.r.Int64N(maxTimestamp-minTimestamp+1))}
	}
}

var intervalTexts = []string{
	"INTERVAL '90' DAY", "INTERVAL 1 YEAR 2 MONTHS", "INTERVAL '1-2' YEAR TO MONTH",
	"INTERVAL '-1 10:30:15.25' DAY TO SECOND", "INTERVAL 1.5 SECONDS 3 MILLISECONDS",
}

func (g *gen) interval() Expr {
	stmt, err := Parse("SELECT " + intervalTexts[g.pick(len(intervalTexts))])
	if err != nil {
		g.t.Fatal(err)
	}
	return stmt.(*Query).Body.(*Select).Items[0].Expr
}

func (g *gen) typeName() TypeName {
	switch g.pick(5) {
	case 0:
		p := 1 + g.pick(38)
		return TypeName{Name: "decimal", Precision: p, Scale: g.pick(p + 1)}
	case 1:
		return TypeName{Name: "string", Length: 1 + g.pick(100)}
	}
	names := []string{"boolean", "tinyint", "smallint", "int", "bigint", "float", "double", "string", "binary", "date", "timestamp"}
	return TypeName{Name: names[g.pick(len(names))]}
}

func (g *gen) exprs(n, depth int) []Expr {
	out := make([]Expr, n)
	for k := range out {
		out[k] = g.expr(depth)
	}
	return out
}

func (g *gen) expr(depth int) Expr {
	if depth <= 0 {
		switch g.pick(3) {
		case 0:
			return g.ident()
		default:
			return g.literal()
		}
	}
	d := depth - 1
	switch g.pick(22) {
	case 0:
		return g.ident()
	case 1:
		return g.literal()
	case 2:
		return g.interval()
	case 3:
		x := g.expr(d)
		op := UnaryOp(1 + g.pick(4))
		if e, ok := x.(*Exists); ok && op == OpNot && !e.Not {
			// The parser folds NOT EXISTS into Exists.Not.
			e.Not = true
			return e
		}
		return &Unary{Op: op, X: x}
	case 4, 5, 6:
		return &Binary{Op: BinaryOp(1 + g.pick(19)), Left: g.expr(d), Right: g.expr(d)}
	case 7:
		return &IsNull{Expr: g.expr(d), Not: g.pick(2) == 0}
	case 8:
		return &IsBool{Expr: g.expr(d), Not: g.pick(2) == 0, Value: g.pick(2) == 0}
	case 9:
		in := &InList{Expr: g.expr(d), List: g.exprs(1+g.pick(3), d), Not: g.pick(2) == 0}
		if _, ok := in.List[0].(*ScalarSubquery); ok && len(in.List) == 1 {
			// x IN ((SELECT ...)) is an InSubquery; the parser never builds
			// this InList.
			in.List = append(in.List, g.literal())
		}
		return in
	case 10:
		return &InSubquery{Expr: g.expr(d), Query: g.query(d), Not: g.pick(2) == 0}
	case 11:
		return &Exists{Query: g.query(d), Not: g.pick(2) == 0}
	case 12:
		return &ScalarSubquery{Query: g.query(d)}
	case 13:
		return &Between{Expr: g.expr(d), Low: g.expr(d), High: g.expr(d), Not: g.pick(2) == 0}
	case 14:
		l := &Like{Kind: LikeKind(g.pick(3)), Expr: g.expr(d), Pattern: g.expr(d), Not: g.pick(2) == 0}
		if l.Kind != PatternRLike && g.pick(2) == 0 {
			l.Escape = &Literal{Kind: LitString, Value: g.str()}
		}
		return l
	case 15:
		c := &Case{Whens: make([]When, 1+g.pick(2))}
		if g.pick(2) == 0 {
			c.Operand = g.expr(d)
		}
		for k := range c.Whens {
			c.Whens[k] = When{Cond: g.expr(d), Result: g.expr(d)}
		}
		if g.pick(2) == 0 {
			c.Else = g.expr(d)
		}
		return c
	case 16:
		return &Cast{Expr: g.expr(d), Type: g.typeName(), Try: g.pick(2) == 0}
	case 17, 18:
		f := &FuncCall{Name: funcNames[g.pick(len(funcNames))]}
		switch g.pick(4) {
		case 0:
			f.Star = true
		case 1:
		default:
			f.Args = g.exprs(1+g.pick(3), d)
			f.Distinct = g.pick(3) == 0
		}
		if g.pick(4) == 0 {
			f.Filter = g.expr(d)
		}
		return f
	case 19:
		fields := []string{"YEAR", "MONTH", "DAY", "DOW", "HOUR", "FROM", "1A"}
		return &Extract{Field: fields[g.pick(len(fields))], Expr: g.expr(d)}
	default:
		return g.ident()
	}
}

func (g *gen) selectBlock(depth int) *Select {
	d := depth - 1
	s := &Select{Distinct: g.pick(4) == 0}
	for k := 1 + g.pick(3); k > 0; k-- {
		switch g.pick(6) {
		case 0:
			s.Items = append(s.Items, SelectItem{Star: true})
		case 1:
			s.Items = append(s.Items, SelectItem{Star: true, Qualifier: g.names(1 + g.pick(2))})
		default:
			it := SelectItem{Expr: g.expr(d)}
			if g.pick(2) == 0 {
				it.Alias = g.name()
			}
			s.Items = append(s.Items, it)
		}
	}
	if depth > 0 {
		for k := g.pick(3); k > 0; k-- {
			s.From = append(s.From, g.tableExpr(d))
		}
		if g.pick(2) == 0 {
			s.Where = g.expr(d)
		}
		if g.pick(3) == 0 {
			s.GroupBy = g.exprs(1+g.pick(2), d)
		}
		if g.pick(4) == 0 {
			s.Having = g.expr(d)
		}
	}
	return s
}

func (g *gen) tableExpr(depth int) TableExpr {
	d := depth - 1
	alias := func() (string, []string) {
		if g.pick(2) == 0 {
			return "", nil
		}
		var cols []string
		if g.pick(3) == 0 {
			cols = g.names(1 + g.pick(2))
		}
		return g.name(), cols
	}
	switch pick := g.pick(5); {
	case depth <= 0 || pick == 0:
		t := &TableName{Parts: g.names(1 + g.pick(2))}
		t.Alias, t.Columns = alias()
		return t
	case pick == 1:
		t := &SubqueryTable{Query: g.query(d)}
		t.Alias, t.Columns = alias()
		return t
	case pick == 2:
		// In a FROM list VALUES needs an alias to end before a next item.
		v := &Values{Rows: g.rows(d), Alias: g.name()}
		if g.pick(2) == 0 {
			v.Columns = g.names(len(v.Rows[0]))
		}
		return v
	default:
		// A parenthesized join that starts with VALUES reads as a query, so
		// the parser never builds a join whose left side is VALUES.
		left := g.tableExpr(d)
		for leftmost(left) {
			left = g.tableExpr(d)
		}
		j := &Join{Type: JoinType(g.pick(7)), Left: left, Right: g.tableExpr(d)}
		switch g.pick(3) {
		case 0:
			j.On = g.expr(d)
		case 1:
			j.Using = g.names(1 + g.pick(2))
		}
		return j
	}
}

// leftmost reports whether the leftmost leaf of t is VALUES.
func leftmost(t TableExpr) bool {
	for {
		switch x := t.(type) {
		case *Values:
			return true
		case *Join:
			t = x.Left
		default:
			return false
		}
	}
}

func (g *gen) rows(depth int) [][]Expr {
	n := 1 + g.pick(3)
	rows := make([][]Expr, 1+g.pick(3))
	for k := range rows {
		rows[k] = g.exprs(n, depth)
	}
	return rows
}

func (g *gen) setExpr(depth int) SetExpr {
	d := depth - 1
	switch pick := g.pick(6); {
	case depth <= 0 || pick <= 2:
		return g.selectBlock(depth)
	case pick == 3:
		return &ParenQuery{Query: g.query(d)}
	case pick == 4:
		return &Values{Rows: g.rows(d)}
	default:
		op := SetOpKind(g.pick(3))
		// Keep the tree in the shape the parser builds: left-associative,
		// INTERSECT binding tighter; other groupings are ParenQuery nodes.
		left, right := g.setExpr(d), g.setExpr(d)
		if l, ok := left.(*SetOp); ok && setPrec(l) < setPrec(&SetOp{Op: op}) {
			left = &ParenQuery{Query: &Query{Body: l}}
		}
		if r, ok := right.(*SetOp); ok && setPrec(r) <= setPrec(&SetOp{Op: op}) {
			right = &ParenQuery{Query: &Query{Body: r}}
		}
		return &SetOp{Op: op, All: g.pick(2) == 0, Left: left, Right: right}
	}
}

func (g *gen) query(depth int) *Query {
	q := &Query{Body: g.setExpr(depth - 1)}
	if depth > 1 && g.pick(4) == 0 {
		for k := 1 + g.pick(2); k > 0; k-- {
			c := CTE{Name: g.name(), Query: g.query(depth - 2)}
			if g.pick(3) == 0 {
				c.Columns = g.names(1 + g.pick(2))
			}
			q.With = append(q.With, c)
		}
	}
	if g.pick(3) == 0 {
		for k := 1 + g.pick(2); k > 0; k-- {
			o := OrderItem{Expr: g.expr(depth - 1), Desc: g.pick(2) == 0}
			if g.pick(2) == 0 {
				first := g.pick(2) == 0
				o.NullsFirst = &first
			}
			q.OrderBy = append(q.OrderBy, o)
		}
	}
	if g.pick(3) == 0 {
		q.Limit = g.expr(depth - 1)
	}
	if g.pick(4) == 0 {
		q.Offset = g.expr(depth - 1)
	}
	return q
}

// TestGeneratedRoundTrip renders random trees and checks they parse back to
// themselves.
func TestGeneratedRoundTrip(t *testing.T) {
	g := &gen{r: rand.New(rand.NewPCG(1, 2)), t: t}
	for k := 0; k < 3000; k++ {
		var stmt Statement = g.query(1 + k%5)
		if k%10 == 0 {
			stmt = &Explain{Mode: ExplainMode(g.pick(6)), Stmt: stmt}
		}
		out := Format(stmt)
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("tree %d: rendering does not parse: %v\n%s", k, err, out)
		}
		if d := diffTrees(stmt, again); d != "" {
			t.Fatalf("tree %d: round trip changed the tree: %s\nfirst:  %s\nsecond: %s", k, d, out, Format(again))
		}
	}
}
