package logical

import (
	"fmt"
	"strings"

	"github.com/gluten-go/gluten-go/operators"
)

// Plan is a logical plan node.
type Plan interface {
	// Output returns the columns the node produces, in order.
	Output() []*Column
	// Children returns the inputs.
	Children() []Plan
	// WithChildren returns a copy with the inputs replaced.
	WithChildren(children []Plan) Plan
	// String renders the node (without children) for plan dumps.
	String() string
}

// Table is a registered table as the planner sees it.
type Table struct {
	Name   string
	Source operators.TableSource
}

// Scan reads columns of a table.
type Scan struct {
	Table *Table
	// Cols are the output columns; Indices the matching column indices in
	// the table's schema.
	Cols    []*Column
	Indices []int
	// Filters are predicates over Cols pushed into the scan for pruning
	// (row groups whose statistics cannot match are skipped); a Filter
	// above still applies them row by row.
	Filters []Expr
}

// Output implements Plan.
func (p *Scan) Output() []*Column { return p.Cols }

// Children implements Plan.
func (p *Scan) Children() []Plan { return nil }

// WithChildren implements Plan.
func (p *Scan) WithChildren(c []Plan) Plan { return p }

// String implements Plan.
func (p *Scan) String() string {
	s := "Relation " + p.Table.Name + "[" + joinCols(p.Cols) + "]"
	if len(p.Filters) > 0 {
		s += " PushedFilters: [" + joinExprs(p.Filters, Expr.String) + "]"
	}
	return s
}

// OneRow produces a single row with no columns (SELECT without FROM).
type OneRow struct{}

// Output implements Plan.
func (p *OneRow) Output() []*Column { return nil }

// Children implements Plan.
func (p *OneRow) Children() []Plan { return nil }

// WithChildren implements Plan.
func (p *OneRow) WithChildren(c []Plan) Plan { return p }

// String implements Plan.
func (p *OneRow) String() string { return "OneRowRelation" }

// Filter keeps the rows where Cond is true.
type Filter struct {
	Input Plan
	Cond  Expr
}

// Output implements Plan.
func (p *Filter) Output() []*Column { return p.Input.Output() }

// Children implements Plan.
func (p *Filter) Children() []Plan { return []Plan{p.Input} }

// WithChildren implements Plan.
func (p *Filter) WithChildren(c []Plan) Plan {
	return &Filter{Input: c[0], Cond: p.Cond}
}

// String implements Plan.
func (p *Filter) String() string { return "Filter " + p.Cond.String() }

// Project computes Exprs[i] into Cols[i].
type Project struct {
	Input Plan
	Exprs []Expr
	Cols  []*Column
}

// Output implements Plan.
func (p *Project) Output() []*Column { return p.Cols }

// Children implements Plan.
func (p *Project) Children() []Plan { return []Plan{p.Input} }

// WithChildren implements Plan.
func (p *Project) WithChildren(c []Plan) Plan {
	return &Project{Input: c[0], Exprs: p.Exprs, Cols: p.Cols}
}

// String implements Plan.
func (p *Project) String() string { return "Project [" + NamedExprs(p.Exprs, p.Cols) + "]" }

// NamedExprs renders expressions with their output columns as Spark does:
// a#1, (b#2 + 1) AS c#3.
func NamedExprs(es []Expr, cols []*Column) string {
	return strings.Join(NamedExprList(es, cols), ", ")
}

// NamedExprList renders each expression with its output column: a#1,
// (b#2 + 1) AS c#3.
func NamedExprList(es []Expr, cols []*Column) []string {
	parts := make([]string, len(es))
	for i, e := range es {
		if r, ok := e.(*ColumnRef); ok && r.Col.ID == cols[i].ID {
			parts[i] = r.String()
		} else {
			parts[i] = e.String() + " AS " + cols[i].String()
		}
	}
	return parts
}

// Aggregate groups its input by Groups and computes Aggs per group. Output:
// GroupCols then AggCols.
type Aggregate struct {
	Input     Plan
	Groups    []Expr
	GroupCols []*Column
	Aggs      []*AggCall
	AggCols   []*Column
}

// Output implements Plan.
func (p *Aggregate) Output() []*Column {
	out := make([]*Column, 0, len(p.GroupCols)+len(p.AggCols))
	return append(append(out, p.GroupCols...), p.AggCols...)
}

// Children implements Plan.
func (p *Aggregate) Children() []Plan { return []Plan{p.Input} }

// WithChildren implements Plan.
func (p *Aggregate) WithChildren(c []Plan) Plan {
	n := *p
	n.Input = c[0]
	return &n
}

// String implements Plan.
func (p *Aggregate) String() string {
	aggs := make([]Expr, len(p.Aggs))
	for i, a := range p.Aggs {
		aggs[i] = a
	}
	return "Aggregate [" + joinExprs(p.Groups, Expr.String) + "], [" +
		NamedExprs(p.Groups, p.GroupCols) + sep(len(p.Groups) > 0 && len(aggs) > 0) + NamedExprs(aggs, p.AggCols) + "]"
}

func sep(b bool) string {
	if b {
		return ", "
	}
	return ""
}

// SortKey is one ORDER BY key over an input column.
type SortKey struct {
	Col        *Column
	Desc       bool
	NullsFirst bool
}

// String renders the key as Spark does: a#1 ASC NULLS FIRST.
func (k SortKey) String() string {
	d, n := "ASC", "NULLS LAST"
	if k.Desc {
		d = "DESC"
	}
	if k.NullsFirst {
		n = "NULLS FIRST"
	}
	return k.Col.String() + " " + d + " " + n
}

// Sort orders its input by Keys.
type Sort struct {
	Input Plan
	Keys  []SortKey
}

// Output implements Plan.
func (p *Sort) Output() []*Column { return p.Input.Output() }

// Children implements Plan.
func (p *Sort) Children() []Plan { return []Plan{p.Input} }

// WithChildren implements Plan.
func (p *Sort) WithChildren(c []Plan) Plan { return &Sort{Input: c[0], Keys: p.Keys} }

// String implements Plan.
func (p *Sort) String() string { return "Sort [" + joinKeys(p.Keys) + "]" }

func joinKeys(ks []SortKey) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = k.String()
	}
	return strings.Join(parts, ", ")
}

// Limit keeps the first N rows (after skipping Offset).
type Limit struct {
	Input  Plan
	N      int64
	Offset int64
}

// Output implements Plan.
func (p *Limit) Output() []*Column { return p.Input.Output() }

// Children implements Plan.
func (p *Limit) Children() []Plan { return []Plan{p.Input} }

// WithChildren implements Plan.
func (p *Limit) WithChildren(c []Plan) Plan {
	return &Limit{Input: c[0], N: p.N, Offset: p.Offset}
}

// String implements Plan.
func (p *Limit) String() string {
	if p.Offset > 0 {
		return fmt.Sprintf("Limit %d, offset %d", p.N, p.Offset)
	}
	return fmt.Sprintf("Limit %d", p.N)
}

// TopN is a Sort followed by a Limit, which the optimizer fuses.
type TopN struct {
	Input Plan
	Keys  []SortKey
	N     int64
}

// Output implements Plan.
func (p *TopN) Output() []*Column { return p.Input.Output() }

// Children implements Plan.
func (p *TopN) Children() []Plan { return []Plan{p.Input} }

// WithChildren implements Plan.
func (p *TopN) WithChildren(c []Plan) Plan { return &TopN{Input: c[0], Keys: p.Keys, N: p.N} }

// String implements Plan.
func (p *TopN) String() string {
	return fmt.Sprintf("TopN %d [%s]", p.N, joinKeys(p.Keys))
}

// Union concatenates its inputs (UNION ALL); input i's column j feeds
// Cols[j]. All inputs have the types of Cols (the analyzer casts).
type Union struct {
	Inputs []Plan
	Cols   []*Column
}

// Output implements Plan.
func (p *Union) Output() []*Column { return p.Cols }

// Children implements Plan.
func (p *Union) Children() []Plan { return p.Inputs }

// WithChildren implements Plan.
func (p *Union) WithChildren(c []Plan) Plan {
	return &Union{Inputs: c, Cols: p.Cols}
}

// String implements Plan.
func (p *Union) String() string { return "Union [" + joinCols(p.Cols) + "]" }

func joinCols(cs []*Column) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}

// Format renders a plan tree in Spark's style.
func Format(p Plan) string {
	var b strings.Builder
	var rec func(p Plan, prefix string, last bool, root bool)
	rec = func(p Plan, prefix string, last bool, root bool) {
		if root {
			b.WriteString(p.String() + "\n")
		} else {
			conn := ":- "
			if last {
				conn = "+- "
			}
			b.WriteString(prefix + conn + p.String() + "\n")
			if last {
				prefix += "   "
			} else {
				prefix += ":  "
			}
		}
		ch := p.Children()
		for i, c := range ch {
			rec(c, prefix, i == len(ch)-1, false)
		}
	}
	rec(p, "", true, true)
	return b.String()
}

// JoinType is the kind of a join.
type JoinType int

// The join types. NullAwareAnti is NOT IN's anti join: a NULL on the right
// side, or a NULL probe value against a non-empty right side, rules every
// row out.
const (
	InnerJoin JoinType = iota
	LeftOuterJoin
	RightOuterJoin
	FullOuterJoin
	LeftSemiJoin
	LeftAntiJoin
	NullAwareAntiJoin
)

var joinNames = [...]string{"Inner", "LeftOuter", "RightOuter", "FullOuter", "LeftSemi", "LeftAnti", "LeftAnti(NullAware)"}

// String names the join type as Spark prints it.
func (t JoinType) String() string { return joinNames[t] }

// KeepsRightOutput reports whether the join outputs the right side's
// columns (semi and anti joins do not).
func (t JoinType) KeepsRightOutput() bool { return t <= FullOuterJoin }

// Join joins two inputs on a condition (nil: every pair, a cross join for
// InnerJoin).
type Join struct {
	Left, Right Plan
	Type        JoinType
	Cond        Expr
}

// Output implements Plan.
func (p *Join) Output() []*Column {
	if !p.Type.KeepsRightOutput() {
		return p.Left.Output()
	}
	l, r := p.Left.Output(), p.Right.Output()
	out := make([]*Column, 0, len(l)+len(r))
	return append(append(out, l...), r...)
}

// Children implements Plan.
func (p *Join) Children() []Plan { return []Plan{p.Left, p.Right} }

// WithChildren implements Plan.
func (p *Join) WithChildren(c []Plan) Plan {
	return &Join{Left: c[0], Right: c[1], Type: p.Type, Cond: p.Cond}
}

// String implements Plan.
func (p *Join) String() string {
	s := "Join " + p.Type.String()
	if p.Cond != nil {
		s += ", " + p.Cond.String()
	}
	return s
}

// PlanExprs returns the expressions a node evaluates (not its children's).
func PlanExprs(p Plan) []Expr {
	switch x := p.(type) {
	case *Filter:
		return []Expr{x.Cond}
	case *Project:
		return x.Exprs
	case *Aggregate:
		out := append([]Expr{}, x.Groups...)
		for _, a := range x.Aggs {
			if a.Arg != nil {
				out = append(out, a.Arg)
			}
		}
		return out
	case *Join:
		if x.Cond != nil {
			return []Expr{x.Cond}
		}
	case *Scan:
		return x.Filters
	}
	return nil
}
