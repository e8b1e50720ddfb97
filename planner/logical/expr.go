// Package logical holds gluten-go's logical plan: relational operators over
// typed, resolved expressions, as the analyzer builds them from SQL and the
// optimizer rewrites them. Columns are identified by ColumnID, as Spark's
// attributes are by their expression id, and print as name#id.
package logical

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
)

// ColumnID identifies a column across the plan.
type ColumnID int64

// Column is an attribute: a named, typed column a plan node produces.
type Column struct {
	ID       ColumnID
	Name     string
	Type     arrow.DataType
	Nullable bool
}

// String renders the column as name#id.
func (c *Column) String() string { return c.Name + "#" + strconv.FormatInt(int64(c.ID), 10) }

// Expr is a resolved, typed scalar expression.
type Expr interface {
	// Type is the expression's result type.
	Type() arrow.DataType
	// Nullable reports whether the result may be NULL.
	Nullable() bool
	// String renders the expression as Spark prints it in plans, with
	// column ids (l_quantity#4).
	String() string
	// SQL renders the expression without ids, for naming output columns as
	// Spark does (sum(l_quantity)).
	SQL() string
	// Children returns the sub-expressions.
	Children() []Expr
	// WithChildren returns a copy with the children replaced.
	WithChildren(children []Expr) Expr
}

// ColumnRef reads a column.
type ColumnRef struct{ Col *Column }

// Ref returns a reference to c.
func Ref(c *Column) *ColumnRef { return &ColumnRef{Col: c} }

// Type implements Expr.
func (e *ColumnRef) Type() arrow.DataType { return e.Col.Type }

// Nullable implements Expr.
func (e *ColumnRef) Nullable() bool { return e.Col.Nullable }

// String implements Expr.
func (e *ColumnRef) String() string { return e.Col.String() }

// SQL implements Expr.
func (e *ColumnRef) SQL() string { return e.Col.Name }

// Children implements Expr.
func (e *ColumnRef) Children() []Expr { return nil }

// WithChildren implements Expr.
func (e *ColumnRef) WithChildren(c []Expr) Expr { return e }

// Literal is a constant. Value is in gluten-go's Go representation (see
// package columnar), nil for NULL.
type Literal struct {
	Value any
	Typ   arrow.DataType
}

// Lit returns a literal.
func Lit(v any, t arrow.DataType) *Literal { return &Literal{Value: v, Typ: t} }

// Type implements Expr.
func (e *Literal) Type() arrow.DataType { return e.Typ }

// Nullable implements Expr.
func (e *Literal) Nullable() bool { return e.Value == nil }

// Children implements Expr.
func (e *Literal) Children() []Expr { return nil }

// WithChildren implements Expr.
func (e *Literal) WithChildren(c []Expr) Expr { return e }

// String implements Expr.
func (e *Literal) String() string { return columnar.FormatValue(e.Value, e.Typ) }

// SQL implements Expr.
func (e *Literal) SQL() string {
	if e.Value == nil {
		return "NULL"
	}
	switch e.Typ.ID() {
	case arrow.STRING:
		return "'" + strings.ReplaceAll(e.Value.(string), "'", "\\'") + "'"
	case arrow.DATE32:
		return "DATE '" + columnar.FormatValue(e.Value, e.Typ) + "'"
	case arrow.TIMESTAMP:
		return "TIMESTAMP '" + columnar.FormatValue(e.Value, e.Typ) + "'"
	case arrow.INT64:
		return columnar.FormatValue(e.Value, e.Typ) + "L"
	}
	return columnar.FormatValue(e.Value, e.Typ)
}

// Op is the operator of a Call.
type Op int

// The operators of Call. Arithmetic and comparison follow columnar/expr's
// semantics; Func calls a scalar function by name.
const (
	OpAdd Op = iota
	OpSub
	OpMul
	OpDiv
	OpMod
	OpNeg
	OpEq
	OpNotEq
	OpLt
	OpLtEq
	OpGt
	OpGtEq
	OpEqNullSafe
	OpAnd
	OpOr
	OpNot
	OpIsNull
	OpIsNotNull
	OpCoalesce
	OpFunc
)

var opSymbols = map[Op]string{
	OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpMod: "%",
	OpEq: "=", OpNotEq: "<>", OpLt: "<", OpLtEq: "<=", OpGt: ">", OpGtEq: ">=", OpEqNullSafe: "<=>",
	OpAnd: "AND", OpOr: "OR",
}

// IsComparison reports whether op compares two values.
func (op Op) IsComparison() bool { return op >= OpEq && op <= OpEqNullSafe }

// Call is an operator or function applied to arguments.
type Call struct {
	Op   Op
	Name string // function name for OpFunc
	Args []Expr
	Typ  arrow.DataType
	// NonNull marks results that are never NULL (IS NULL, <=>, ...).
	NonNull bool
	// RowOnly marks a function with no columnar implementation (a row-only
	// built-in or a Go UDF): the operator evaluating it falls back to rows.
	RowOnly bool
	// UDF is the Go function of a user-defined function call.
	UDF *rowexpr.UDF
}

// Type implements Expr.
func (e *Call) Type() arrow.DataType { return e.Typ }

// Nullable implements Expr.
func (e *Call) Nullable() bool {
	if e.NonNull {
		return false
	}
	switch e.Op {
	case OpDiv, OpMod, OpFunc:
		return true
	case OpCoalesce:
		for _, a := range e.Args {
			if !a.Nullable() {
				return false
			}
		}
		return true
	}
	if _, _, dec := columnar.IsDecimal(e.Typ); dec {
		return true // decimal overflow gives NULL
	}
	for _, a := range e.Args {
		if a.Nullable() {
			return true
		}
	}
	return false
}

// Children implements Expr.
func (e *Call) Children() []Expr { return e.Args }

// WithChildren implements Expr.
func (e *Call) WithChildren(c []Expr) Expr {
	n := *e
	n.Args = c
	return &n
}

// String implements Expr.
func (e *Call) String() string { return e.render(Expr.String) }

// SQL implements Expr.
func (e *Call) SQL() string { return e.render(Expr.SQL) }

func (e *Call) render(f func(Expr) string) string {
	switch e.Op {
	case OpNeg:
		return "-" + f(e.Args[0])
	case OpNot:
		return "NOT " + f(e.Args[0])
	case OpIsNull:
		return "isnull(" + f(e.Args[0]) + ")"
	case OpIsNotNull:
		return "isnotnull(" + f(e.Args[0]) + ")"
	case OpNotEq:
		return "NOT (" + f(e.Args[0]) + " = " + f(e.Args[1]) + ")"
	case OpCoalesce:
		return "coalesce(" + joinExprs(e.Args, f) + ")"
	case OpFunc:
		return e.Name + "(" + joinExprs(e.Args, f) + ")"
	}
	if sym, ok := opSymbols[e.Op]; ok && len(e.Args) == 2 {
		return "(" + f(e.Args[0]) + " " + sym + " " + f(e.Args[1]) + ")"
	}
	return fmt.Sprintf("op%d(%s)", e.Op, joinExprs(e.Args, f))
}

func joinExprs(es []Expr, f func(Expr) string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = f(e)
	}
	return strings.Join(parts, ", ")
}

// Cast converts its argument to a type.
type Cast struct {
	Arg Expr
	To  arrow.DataType
}

// Type implements Expr.
func (e *Cast) Type() arrow.DataType { return e.To }

// Nullable implements Expr.
func (e *Cast) Nullable() bool { return true }

// Children implements Expr.
func (e *Cast) Children() []Expr { return []Expr{e.Arg} }

// WithChildren implements Expr.
func (e *Cast) WithChildren(c []Expr) Expr { return &Cast{Arg: c[0], To: e.To} }

// String implements Expr.
func (e *Cast) String() string {
	return "cast(" + e.Arg.String() + " as " + columnar.TypeName(e.To) + ")"
}

// SQL implements Expr.
func (e *Cast) SQL() string {
	return "CAST(" + e.Arg.SQL() + " AS " + strings.ToUpper(columnar.TypeName(e.To)) + ")"
}

// InList is Arg [NOT] IN (Values...) with constant values of Arg's type.
type InList struct {
	Arg     Expr
	Values  []any
	Negated bool
}

// Type implements Expr.
func (e *InList) Type() arrow.DataType { return columnar.Boolean }

// Nullable implements Expr.
func (e *InList) Nullable() bool { return true }

// Children implements Expr.
func (e *InList) Children() []Expr { return []Expr{e.Arg} }

// WithChildren implements Expr.
func (e *InList) WithChildren(c []Expr) Expr {
	n := *e
	n.Arg = c[0]
	return &n
}

// String implements Expr.
func (e *InList) String() string { return e.render(e.Arg.String()) }

// SQL implements Expr.
func (e *InList) SQL() string { return e.render(e.Arg.SQL()) }
func (e *InList) render(arg string) string {
	vals := make([]string, len(e.Values))
	for i, v := range e.Values {
		vals[i] = columnar.FormatValue(v, e.Arg.Type())
	}
	s := arg + " IN (" + strings.Join(vals, ",") + ")"
	if e.Negated {
		return "NOT " + s
	}
	return s
}

// Like is Arg LIKE Pattern with a constant pattern.
type Like struct {
	Arg             Expr
	Pattern         string
	Escape          rune
	CaseInsensitive bool
}

// Type implements Expr.
func (e *Like) Type() arrow.DataType { return columnar.Boolean }

// Nullable implements Expr.
func (e *Like) Nullable() bool { return e.Arg.Nullable() }

// Children implements Expr.
func (e *Like) Children() []Expr { return []Expr{e.Arg} }

// WithChildren implements Expr.
func (e *Like) WithChildren(c []Expr) Expr {
	n := *e
	n.Arg = c[0]
	return &n
}

// String implements Expr.
func (e *Like) String() string { return e.render(e.Arg.String()) }

// SQL implements Expr.
func (e *Like) SQL() string { return e.render(e.Arg.SQL()) }
func (e *Like) render(arg string) string {
	kw := " LIKE "
	if e.CaseInsensitive {
		kw = " ILIKE "
	}
	return arg + kw + e.Pattern
}

// Case is CASE WHEN Conds[i] THEN Results[i] ... ELSE Else END; Else may be
// nil (NULL).
type Case struct {
	Conds, Results []Expr
	Else           Expr
	Typ            arrow.DataType
}

// Type implements Expr.
func (e *Case) Type() arrow.DataType { return e.Typ }

// Nullable implements Expr.
func (e *Case) Nullable() bool {
	if e.Else == nil || e.Else.Nullable() {
		return true
	}
	for _, r := range e.Results {
		if r.Nullable() {
			return true
		}
	}
	return false
}

// Children implements Expr.
func (e *Case) Children() []Expr {
	out := make([]Expr, 0, 2*len(e.Conds)+1)
	for i := range e.Conds {
		out = append(out, e.Conds[i], e.Results[i])
	}
	if e.Else != nil {
		out = append(out, e.Else)
	}
	return out
}

// WithChildren implements Expr.
func (e *Case) WithChildren(c []Expr) Expr {
	n := &Case{Typ: e.Typ}
	for i := range e.Conds {
		n.Conds = append(n.Conds, c[2*i])
		n.Results = append(n.Results, c[2*i+1])
	}
	if e.Else != nil {
		n.Else = c[len(c)-1]
	}
	return n
}

// String implements Expr.
func (e *Case) String() string { return e.render(Expr.String) }

// SQL implements Expr.
func (e *Case) SQL() string { return e.render(Expr.SQL) }
func (e *Case) render(f func(Expr) string) string {
	var b strings.Builder
	b.WriteString("CASE")
	for i := range e.Conds {
		b.WriteString(" WHEN " + f(e.Conds[i]) + " THEN " + f(e.Results[i]))
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + f(e.Else))
	}
	b.WriteString(" END")
	return b.String()
}

// AggKind is an aggregate function.
type AggKind int

// The aggregate functions. AggOther is any other (row-only) aggregate,
// named by AggCall.Name, or a Go UDAF.
const (
	AggCountStar AggKind = iota
	AggCount
	AggSum
	AggAvg
	AggMin
	AggMax
	AggOther
)

var aggNames = [...]string{"count", "count", "sum", "avg", "min", "max", "other"}

// String returns the function's SQL name.
func (k AggKind) String() string { return aggNames[k] }

// Kernel returns the columnar/agg kind of a standard aggregate (AggOther
// has none and gives agg.Max; check RowOnly first).
func (k AggKind) Kernel() agg.AggKind {
	switch k {
	case AggCountStar:
		return agg.CountStar
	case AggCount:
		return agg.Count
	case AggSum:
		return agg.Sum
	case AggAvg:
		return agg.Avg
	case AggMin:
		return agg.Min
	}
	return agg.Max
}

// AggCall is an aggregate function call; it appears only in an Aggregate
// node's aggregate list.
type AggCall struct {
	Kind     AggKind
	Arg      Expr // nil for count(*)
	Distinct bool
	Typ      arrow.DataType
	// Name, Params and UDAF describe an AggOther: the function's name, its
	// constant parameters (percentile's fraction), and a Go UDAF.
	Name       string
	Params     []any
	ParamTypes []arrow.DataType
	UDAF       *rowagg.UDAF
}

// RowOnly reports whether the aggregate has no columnar implementation.
func (e *AggCall) RowOnly() bool { return e.Kind == AggOther }

// Type implements Expr.
func (e *AggCall) Type() arrow.DataType { return e.Typ }

// Nullable implements Expr.
func (e *AggCall) Nullable() bool { return e.Kind != AggCount && e.Kind != AggCountStar }

// Children implements Expr.
func (e *AggCall) Children() []Expr {
	if e.Arg == nil {
		return nil
	}
	return []Expr{e.Arg}
}

// WithChildren implements Expr.
func (e *AggCall) WithChildren(c []Expr) Expr {
	n := *e
	if len(c) > 0 {
		n.Arg = c[0]
	}
	return &n
}

// String implements Expr.
func (e *AggCall) String() string { return e.render(Expr.String) }

// SQL implements Expr.
func (e *AggCall) SQL() string { return e.render(Expr.SQL) }
func (e *AggCall) render(f func(Expr) string) string {
	if e.Kind == AggCountStar {
		return "count(1)"
	}
	d := ""
	if e.Distinct {
		d = "DISTINCT "
	}
	name := e.Kind.String()
	if e.Kind == AggOther {
		name = e.Name
	}
	args := f(e.Arg)
	for i, p := range e.Params {
		args += ", " + FormatParam(p, e.ParamTypes, i)
	}
	return name + "(" + d + args + ")"
}

// Transform rewrites e bottom-up: f sees each node after its children were
// rewritten and returns the node to use in its place.
func Transform(e Expr, f func(Expr) Expr) Expr {
	ch := e.Children()
	if len(ch) > 0 {
		nc := make([]Expr, len(ch))
		changed := false
		for i, c := range ch {
			nc[i] = Transform(c, f)
			if nc[i] != c {
				changed = true
			}
		}
		if changed {
			e = e.WithChildren(nc)
		}
	}
	return f(e)
}

// Walk calls f on e and its descendants, pre-order, while f returns true.
func Walk(e Expr, f func(Expr) bool) {
	if !f(e) {
		return
	}
	for _, c := range e.Children() {
		Walk(c, f)
	}
}

// ColumnsOf returns the ids of the columns e reads.
func ColumnsOf(e Expr, into map[ColumnID]bool) map[ColumnID]bool {
	if into == nil {
		into = map[ColumnID]bool{}
	}
	Walk(e, func(x Expr) bool {
		if r, ok := x.(*ColumnRef); ok {
			into[r.Col.ID] = true
		}
		return true
	})
	return into
}

// IsConstant reports whether e reads no column and holds no aggregate.
func IsConstant(e Expr) bool {
	c := true
	Walk(e, func(x Expr) bool {
		switch x.(type) {
		case *ColumnRef, *AggCall, *OuterRef:
			c = false
		}
		return c
	})
	return c
}

// Conjuncts splits e on AND.
func Conjuncts(e Expr) []Expr {
	if c, ok := e.(*Call); ok && c.Op == OpAnd {
		return append(Conjuncts(c.Args[0]), Conjuncts(c.Args[1])...)
	}
	return []Expr{e}
}

// AndAll joins predicates with AND; nil when there are none.
func AndAll(es []Expr) Expr {
	var out Expr
	for _, e := range es {
		if out == nil {
			out = e
		} else {
			out = &Call{Op: OpAnd, Args: []Expr{out, e}, Typ: columnar.Boolean}
		}
	}
	return out
}

// Equal reports whether two expressions are the same (structurally).
func Equal(a, b Expr) bool { return a.String() == b.String() && arrow.TypeEqual(a.Type(), b.Type()) }

// FormatParam renders constant parameter i of an aggregate.
func FormatParam(v any, types []arrow.DataType, i int) string {
	if i < len(types) {
		return columnar.FormatValue(v, types[i])
	}
	return fmt.Sprint(v)
}

// OuterRef reads a column of an enclosing query from inside a correlated
// subquery. The analyzer removes every OuterRef when it decorrelates the
// subquery into a join.
type OuterRef struct{ Col *Column }

// Type implements Expr.
func (e *OuterRef) Type() arrow.DataType { return e.Col.Type }

// Nullable implements Expr.
func (e *OuterRef) Nullable() bool { return e.Col.Nullable }

// String implements Expr.
func (e *OuterRef) String() string { return "outer(" + e.Col.String() + ")" }

// SQL implements Expr.
func (e *OuterRef) SQL() string { return e.Col.Name }

// Children implements Expr.
func (e *OuterRef) Children() []Expr { return nil }

// WithChildren implements Expr.
func (e *OuterRef) WithChildren(c []Expr) Expr { return e }

// HasOuterRef reports whether e reads a column of an enclosing query.
func HasOuterRef(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if _, ok := x.(*OuterRef); ok {
			found = true
		}
		return !found
	})
	return found
}
