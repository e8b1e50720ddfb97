// Package physical turns an optimized logical plan into a tree of physical
// operators. It chooses the aggregation phases and inserts exchanges where an
// operator needs its input distributed differently; it validates every
// operator against what the columnar engine supports and plans what fails as
// a row (fallback) operator, tagged with the reason; one rule places the
// ColumnarToRow and RowToColumnar transitions wherever the two kinds meet
// (and drops pairs that cancel); the fallback policy may run a whole stage
// or query as rows; and chains of columnar operators are grouped into
// whole-stage pipelines.
package physical

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
)

// Fallback is an operator that runs as rows, with the reason.
type Fallback struct {
	Node   operators.Node
	Reason string
}

// Function is a Go user-defined function an operator calls: a scalar UDF
// or an aggregate (UDAF); one of the two is set.
type Function struct {
	UDF  *rowexpr.UDF
	UDAF *rowagg.UDAF
}

// Name returns the function's name.
func (f Function) Name() string {
	if f.UDAF != nil {
		return f.UDAF.Name
	}
	if f.UDF != nil {
		return f.UDF.Name
	}
	return ""
}

// Result is a physical plan with what fell back.
type Result struct {
	origins map[operators.Node]origin
	Root    operators.Node
	// Fallbacks lists the row operators with the reason each fell back, in
	// the order they were planned (bottom-up).
	Fallbacks []Fallback
	// Functions maps each operator that calls Go user-defined functions
	// (in the expressions it evaluates, or as its aggregates) to them, each
	// once, in the order they appear. Per-stage steps read it to give a
	// stage the resource profiles of the functions its own plan calls.
	Functions map[operators.Node][]Function
	// ColumnarNodes, FallbackNodes and Transitions count the plan's
	// operators (whole-stage wrappers not counted).
	ColumnarNodes, FallbackNodes, Transitions int
}

// Reason returns why n fell back, or "".
func (r *Result) Reason(n operators.Node) string {
	for _, f := range r.Fallbacks {
		if f.Node == n {
			return f.Reason
		}
	}
	return ""
}

// origin identifies the logical node (and the part of it, for operators
// planned as several physical ones) a physical operator comes from, so that
// the fallback policy can plan it again as rows.
type origin struct {
	lp   logical.Plan
	part string
}

// Planner builds physical plans.
type Planner struct {
	ctx        context.Context
	cfg        *conf.Config
	log        *slog.Logger
	nextPlanID int
	nextStage  int
	nextColID  int64
	// force holds the operators the fallback policy runs as rows, with the
	// reason.
	force     map[origin]string
	origins   map[operators.Node]origin
	fallbacks []Fallback
	// calls are the Go functions the operator of each origin calls (noted
	// by decide and the aggregate planning); track moves them to functions,
	// by operator.
	calls     map[origin][]Function
	functions map[operators.Node][]Function
	// memo holds the stages adaptive execution has run (nil without it).
	memo *Memo
}

// Plan builds the physical plan of an optimized logical plan; names are the
// user-visible output column names.
func Plan(ctx context.Context, cfg *conf.Config, logger *slog.Logger, lp logical.Plan, names []string) (*Result, error) {
	return PlanWithMemo(ctx, cfg, logger, lp, names, nil)
}

// PlanWithMemo is Plan reusing the stages memo has materialized (adaptive
// execution plans the query again after each wave of stages).
func PlanWithMemo(ctx context.Context, cfg *conf.Config, logger *slog.Logger, lp logical.Plan, names []string, memo *Memo) (*Result, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := newPlanner(ctx, cfg, logger, lp, nil)
	p.memo = memo
	root, err := p.build(lp, names)
	if err != nil {
		return nil, err
	}
	if force := p.policy(root, lp, names); len(force) > 0 {
		p.discard(root)
		p = newPlanner(ctx, cfg, logger, lp, force)
		p.memo = memo
		if root, err = p.build(lp, names); err != nil {
			return nil, err
		}
	}
	p.logFallbacks()
	return p.result(root), nil
}

func newPlanner(ctx context.Context, cfg *conf.Config, logger *slog.Logger, lp logical.Plan, force map[origin]string) *Planner {
	return &Planner{ctx: ctx, cfg: cfg, log: logger, nextColID: maxColumnID(lp) + 1,
		force: force, origins: map[operators.Node]origin{},
		calls: map[origin][]Function{}, functions: map[operators.Node][]Function{}}
}

func (p *Planner) logFallbacks() {
	for _, f := range p.fallbacks {
		p.log.Debug(fmt.Sprintf("Validation failed for plan: %s, due to: %s", f.Node.Name(), f.Reason))
	}
}

func (p *Planner) result(root operators.Node) *Result {
	r := &Result{Root: root, Fallbacks: p.fallbacks, origins: p.origins, Functions: p.functions}
	r.count()
	return r
}

// Inherit adds the fallbacks (and Functions) of an earlier plan of the
// same query whose operators are still in r's tree (the materialized stages
// that adaptive execution keeps when it plans the rest again), and counts
// the operators again, so that r describes the whole plan.
func (r *Result) Inherit(prev *Result) {
	in := map[operators.Node]bool{}
	operators.Walk(r.Root, func(n operators.Node) { in[n] = true })
	seen := map[operators.Node]bool{}
	for _, f := range r.Fallbacks {
		seen[f.Node] = true
	}
	for n, fs := range prev.Functions {
		if _, ok := r.Functions[n]; in[n] && !ok {
			if r.Functions == nil {
				r.Functions = map[operators.Node][]Function{}
			}
			r.Functions[n] = fs
		}
	}
	var add []Fallback
	for _, f := range prev.Fallbacks {
		if in[f.Node] && !seen[f.Node] {
			add = append(add, f)
			seen[f.Node] = true
		}
	}
	if len(add) == 0 {
		return
	}
	r.Fallbacks = append(add, r.Fallbacks...)
	r.count()
}

// count counts r's operators by kind.
func (r *Result) count() {
	r.ColumnarNodes, r.FallbackNodes, r.Transitions = 0, 0, 0
	operators.Walk(r.Root, func(n operators.Node) {
		switch n.(type) {
		case *operators.WholeStage, *operators.Rename:
		case *operators.ColumnarToRow, *operators.RowToColumnar:
			r.Transitions++
		default:
			if r.Reason(n) != "" {
				r.FallbackNodes++
			} else {
				r.ColumnarNodes++
			}
		}
	})
}

// build plans lp with a columnar root and the user's column names.
func (p *Planner) build(lp logical.Plan, names []string) (operators.Node, error) {
	n, err := p.plan(lp)
	if err != nil {
		return nil, err
	}
	c, err := p.asColumnar(n)
	if err != nil {
		return nil, err
	}
	root := p.pipeline(c)
	// The result's field names are the user's.
	out := root.Schema()
	if len(names) == out.NumFields() {
		fields := make([]arrow.Field, len(names))
		rename := false
		for i, f := range out.Fields() {
			fields[i] = f
			if f.Name != names[i] {
				fields[i].Name = names[i]
				rename = true
			}
		}
		if rename {
			root = operators.NewRename(root, arrow.NewSchema(fields, nil))
		}
	}
	return root, nil
}

func maxColumnID(p logical.Plan) int64 {
	m := int64(0)
	for _, c := range p.Output() {
		m = max(m, int64(c.ID))
	}
	for _, c := range p.Children() {
		m = max(m, maxColumnID(c))
	}
	return m
}

// decide validates an operator: "" when it runs columnar, else why it falls
// back to rows. The checks, in order: the fallback policy's decision,
// spark.gluten.enabled, the operator's own key, the expressions it evaluates
// (a row-only function or a Go UDF), the types it handles (arrays).
//
// It also notes the Go UDFs exprs call as the functions of o's operator.
func (p *Planner) decide(o origin, op, key string, exprs []logical.Expr, schemas ...*arrow.Schema) string {
	for _, e := range exprs {
		if e == nil {
			continue
		}
		logical.Walk(e, func(x logical.Expr) bool {
			if c, ok := x.(*logical.Call); ok && c.UDF != nil {
				p.noteCall(o, Function{UDF: c.UDF})
			}
			return true
		})
	}
	if r, ok := p.force[o]; ok {
		return r
	}
	if !p.cfg.Bool(conf.GlutenEnabled) {
		return "Gluten is disabled (spark.gluten.enabled=false)"
	}
	if key != "" && !p.cfg.Bool(key) {
		return op + " disabled by " + key + "=false"
	}
	for _, e := range exprs {
		if e == nil {
			continue
		}
		if r := logical.RowOnly(e); r != "" {
			return r
		}
	}
	for _, s := range schemas {
		for _, f := range s.Fields() {
			if f.Type.ID() == arrow.LIST {
				return "type " + columnar.TypeName(f.Type) + " of column " + f.Name + " is not supported by the columnar " + op
			}
		}
	}
	return ""
}

// noteCall notes that the operator planned for o calls f.
func (p *Planner) noteCall(o origin, f Function) {
	for _, g := range p.calls[o] {
		if g == f {
			return
		}
	}
	p.calls[o] = append(p.calls[o], f)
}

// track records where a physical operator came from, the Go functions it
// calls and, for a row operator, why it fell back.
func (p *Planner) track(n operators.Node, o origin, reason string) operators.Node {
	p.origins[n] = o
	if fs := p.calls[o]; len(fs) > 0 {
		p.functions[n] = fs
	}
	if reason != "" {
		p.fallbacks = append(p.fallbacks, Fallback{Node: n, Reason: reason})
	}
	return n
}

// asColumnar returns n as a producer of batches: itself, the columnar input
// of a ColumnarToRow (the pair cancels), or n under a RowToColumnar.
func (p *Planner) asColumnar(n operators.Node) (operators.ColumnarNode, error) {
	if c2r, ok := n.(*operators.ColumnarToRow); ok {
		return c2r.Children()[0].(operators.ColumnarNode), nil
	}
	if c, ok := n.(operators.ColumnarNode); ok {
		return c, nil
	}
	r, ok := n.(operators.RowNode)
	if !ok {
		return nil, fmt.Errorf("internal error: %s is neither columnar nor row-based", n.Name())
	}
	return operators.NewRowToColumnar(r)
}

// asRows returns n as a producer of rows: itself, the row input of a
// RowToColumnar (the pair cancels), or n's pipeline under a ColumnarToRow.
func (p *Planner) asRows(n operators.Node) (operators.RowNode, error) {
	if r2c, ok := n.(*operators.RowToColumnar); ok {
		return r2c.Children()[0].(operators.RowNode), nil
	}
	if r, ok := n.(operators.RowNode); ok {
		return r, nil
	}
	c, ok := n.(operators.ColumnarNode)
	if !ok {
		return nil, fmt.Errorf("internal error: %s is neither columnar nor row-based", n.Name())
	}
	return operators.NewColumnarToRow(p.pipeline(c))
}

// pipeline wraps a columnar operator as the top of a whole-stage pipeline,
// unless it is one already, an exchange, a union or a RowToColumnar (which
// start pipelines but are not fused into them).
func (p *Planner) pipeline(n operators.ColumnarNode) operators.ColumnarNode {
	switch x := n.(type) {
	case *operators.WholeStage, *operators.Exchange, *operators.Union, *operators.RowToColumnar,
		*operators.ShuffleRead, *operators.QueryStage:
		return n
	case *operators.Scan:
		if x.Vanilla() {
			return n
		}
	}
	p.nextStage++
	return operators.NewWholeStage(n, p.nextStage)
}

func (p *Planner) newLabel(name string) string {
	p.nextColID++
	return name + "#" + strconv.FormatInt(p.nextColID, 10)
}

func labels(cols []*logical.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.String()
	}
	return out
}

func names(cols []*logical.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func schemaOf(cols []*logical.Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func indexOf(cols []*logical.Column, id logical.ColumnID) int {
	for i, c := range cols {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// rowCond is the row form of a join condition.
type rowCond = rowexpr.Expr
