// Package physical turns an optimized logical plan into a tree of physical
// operators: it chooses the aggregation phases, inserts exchanges where an
// operator needs its input distributed differently, converts pushed filters
// into Parquet pruning predicates, and groups chains of columnar operators
// into whole-stage pipelines.
package physical

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
)

// Planner builds physical plans.
type Planner struct {
	ctx        context.Context
	cfg        *conf.Config
	nextPlanID int
	nextStage  int
	nextColID  int64
}

// Plan builds the physical plan of an optimized logical plan; names are the
// user-visible output column names.
func Plan(ctx context.Context, cfg *conf.Config, lp logical.Plan, names []string) (operators.Node, error) {
	p := &Planner{ctx: ctx, cfg: cfg, nextColID: maxColumnID(lp) + 1}
	n, err := p.plan(lp)
	if err != nil {
		return nil, err
	}
	n = p.pipeline(n)
	// The result's field names are the user's.
	out := n.Schema()
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
			n = operators.NewRename(n, arrow.NewSchema(fields, nil))
		}
	}
	return n, nil
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

// pipeline wraps n as a whole-stage pipeline unless it is already the top
// of one, an exchange or a union.
func (p *Planner) pipeline(n operators.Node) operators.Node {
	switch n.(type) {
	case *operators.WholeStage, *operators.Exchange, *operators.Union:
		return n
	}
	p.nextStage++
	return operators.NewWholeStage(n, p.nextStage)
}

func (p *Planner) exchange(child operators.Node, part operators.Partitioning) (operators.Node, error) {
	p.nextPlanID++
	return operators.NewExchange(p.pipeline(child), part, p.nextPlanID)
}

func labels(cols []*logical.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.String()
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

func (p *Planner) plan(lp logical.Plan) (operators.Node, error) {
	switch x := lp.(type) {
	case *logical.Scan:
		return p.scan(x)
	case *logical.OneRow:
		return operators.NewOneRow(), nil
	case *logical.Filter:
		in, err := p.plan(x.Input)
		if err != nil {
			return nil, err
		}
		cond, err := logical.Compile(x.Cond, x.Input.Output())
		if err != nil {
			return nil, err
		}
		return operators.NewFilter(in, cond, nil)
	case *logical.Project:
		return p.project(x)
	case *logical.Aggregate:
		return p.aggregate(x)
	case *logical.Sort:
		in, err := p.plan(x.Input)
		if err != nil {
			return nil, err
		}
		keys, lbl, err := sortKeys(x.Keys, x.Input.Output())
		if err != nil {
			return nil, err
		}
		if in.NumPartitions() > 1 {
			if in, err = p.exchange(in, operators.Partitioning{Kind: operators.SinglePartition}); err != nil {
				return nil, err
			}
		}
		return operators.NewSort(in, keys, lbl, true)
	case *logical.TopN:
		in, err := p.plan(x.Input)
		if err != nil {
			return nil, err
		}
		keys, lbl, err := sortKeys(x.Keys, x.Input.Output())
		if err != nil {
			return nil, err
		}
		out := labels(x.Output())
		if in.NumPartitions() > 1 {
			if in, err = operators.NewTopN(in, keys, lbl, x.N, true, out); err != nil {
				return nil, err
			}
			if in, err = p.exchange(in, operators.Partitioning{Kind: operators.SinglePartition}); err != nil {
				return nil, err
			}
		}
		return operators.NewTopN(in, keys, lbl, x.N, false, out)
	case *logical.Limit:
		in, err := p.plan(x.Input)
		if err != nil {
			return nil, err
		}
		if in.NumPartitions() > 1 {
			if in, err = operators.NewLimit(in, x.N+x.Offset, 0, false); err != nil {
				return nil, err
			}
			if in, err = p.exchange(in, operators.Partitioning{Kind: operators.SinglePartition}); err != nil {
				return nil, err
			}
		}
		return operators.NewLimit(in, x.N, x.Offset, true)
	case *logical.Union:
		children := make([]operators.Node, len(x.Inputs))
		for i, in := range x.Inputs {
			c, err := p.plan(in)
			if err != nil {
				return nil, err
			}
			children[i] = p.pipeline(c)
		}
		return operators.NewUnion(children, schemaOf(x.Cols))
	}
	return nil, fmt.Errorf("internal error: no physical plan for %T", lp)
}

func sortKeys(keys []logical.SortKey, input []*logical.Column) ([]sorting.SortKey, []string, error) {
	out := make([]sorting.SortKey, len(keys))
	lbl := make([]string, len(keys))
	for i, k := range keys {
		idx := indexOf(input, k.Col.ID)
		if idx < 0 {
			return nil, nil, fmt.Errorf("internal error: sort key %s not in input", k.Col)
		}
		out[i] = sorting.SortKey{Column: idx, Descending: k.Desc, NullsFirst: k.NullsFirst}
		lbl[i] = k.String()
	}
	return out, lbl, nil
}

func indexOf(cols []*logical.Column, id logical.ColumnID) int {
	for i, c := range cols {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func (p *Planner) project(x *logical.Project) (operators.Node, error) {
	// A projection over a filter makes the filter output only the columns
	// the projection reads.
	var in operators.Node
	var inCols []*logical.Column
	if f, ok := x.Input.(*logical.Filter); ok {
		fin, err := p.plan(f.Input)
		if err != nil {
			return nil, err
		}
		cond, err := logical.Compile(f.Cond, f.Input.Output())
		if err != nil {
			return nil, err
		}
		used := map[logical.ColumnID]bool{}
		for _, e := range x.Exprs {
			logical.ColumnsOf(e, used)
		}
		var keep []int
		for i, c := range f.Input.Output() {
			if used[c.ID] {
				keep = append(keep, i)
				inCols = append(inCols, c)
			}
		}
		if len(keep) == len(f.Input.Output()) {
			keep = nil
		}
		if keep == nil {
			inCols = f.Input.Output()
		}
		if in, err = operators.NewFilter(fin, cond, keep); err != nil {
			return nil, err
		}
	} else {
		var err error
		if in, err = p.plan(x.Input); err != nil {
			return nil, err
		}
		inCols = x.Input.Output()
	}
	exprs := make([]any, 0)
	_ = exprs
	compiled, err := compileAll(x.Exprs, inCols)
	if err != nil {
		return nil, err
	}
	return operators.NewProject(in, compiled, schemaOf(x.Cols), strings.Split(logical.NamedExprs(x.Exprs, x.Cols), ", "))
}

func (p *Planner) newLabel(name string) string {
	p.nextColID++
	return name + "#" + strconv.FormatInt(p.nextColID, 10)
}

// aggregate plans partial aggregation, an exchange on the keys, and final
// aggregation, with a projection first when keys or arguments are
// expressions.
func (p *Planner) aggregate(x *logical.Aggregate) (operators.Node, error) {
	in, err := p.plan(x.Input)
	if err != nil {
		return nil, err
	}
	inCols := x.Input.Output()
	// Pre-projection: the keys, then each distinct argument.
	pre := append([]logical.Expr{}, x.Groups...)
	preCols := append([]*logical.Column{}, x.GroupCols...)
	argIdx := make([]int, len(x.Aggs))
	for i, a := range x.Aggs {
		argIdx[i] = -1
		if a.Arg == nil {
			continue
		}
		found := -1
		for j := len(x.Groups); j < len(pre); j++ {
			if logical.Equal(pre[j], a.Arg) {
				found = j
			}
		}
		if found < 0 {
			pre = append(pre, a.Arg)
			if r, ok := a.Arg.(*logical.ColumnRef); ok {
				preCols = append(preCols, r.Col)
			} else {
				p.nextColID++
				preCols = append(preCols, &logical.Column{ID: logical.ColumnID(p.nextColID), Name: "_arg", Type: a.Arg.Type(), Nullable: true})
			}
			found = len(pre) - 1
		}
		argIdx[i] = found
	}
	identity := len(pre) == len(inCols)
	if identity {
		for i, e := range pre {
			r, ok := e.(*logical.ColumnRef)
			if !ok || r.Col.ID != inCols[i].ID {
				identity = false
				break
			}
		}
	}
	if !identity {
		compiled, err := compileAll(pre, inCols)
		if err != nil {
			return nil, err
		}
		lbl := strings.Split(logical.NamedExprs(pre, preCols), ", ")
		if len(pre) == 0 {
			lbl = nil
		}
		if in, err = operators.NewProject(in, compiled, schemaOf(preCols), lbl); err != nil {
			return nil, err
		}
	}
	nk := len(x.Groups)
	keys := make([]int, nk)
	for i := range keys {
		keys[i] = i
	}
	keyLabels := labels(x.GroupCols)
	for _, a := range x.Aggs {
		if a.Distinct {
			return p.completeAggregate(x, in, keys, keyLabels, argIdx, preCols)
		}
	}
	funcs := make([]operators.AggFunc, len(x.Aggs))
	var partialNames, partialLabels, partialFns, finalFns []string
	partialNames = append(partialNames, names(x.GroupCols)...)
	partialLabels = append(partialLabels, keyLabels...)
	for i, a := range x.Aggs {
		var inType arrow.DataType
		if a.Arg != nil {
			inType = a.Arg.Type()
		}
		funcs[i] = operators.AggFunc{Kind: aggKind(a.Kind), Input: argIdx[i], InputType: inType}
		acc, err := agg.NewAccumulator(funcs[i].Kind, inType)
		if err != nil {
			return nil, fmt.Errorf("aggregate %s: %w", a, err)
		}
		for _, s := range stateNames(a.Kind, len(acc.StateTypes())) {
			l := p.newLabel(s)
			partialNames = append(partialNames, s)
			partialLabels = append(partialLabels, l)
		}
		acc.Release()
		argText := "1"
		if a.Arg != nil {
			argText = preCols[argIdx[i]].String()
			if r, ok := a.Arg.(*logical.ColumnRef); ok {
				argText = r.Col.String()
			}
		}
		d := ""
		if a.Distinct {
			d = "distinct "
		}
		partialFns = append(partialFns, "partial_"+a.Kind.String()+"("+d+argText+")")
		finalFns = append(finalFns, a.Kind.String()+"("+d+argText+")")
	}
	partial, err := operators.NewHashAggregate(in, operators.AggPartial, keys, funcs, partialNames,
		fmt.Sprintf("(keys=[%s], functions=[%s], isStreamingAgg=false, output=[%s])",
			strings.Join(keyLabels, ", "), strings.Join(partialFns, ", "), strings.Join(partialLabels, ", ")))
	if err != nil {
		return nil, err
	}
	var ex operators.Node
	if nk > 0 {
		n := int(p.cfg.Int(conf.ShufflePartitions))
		ex, err = p.exchange(partial, operators.Partitioning{Kind: operators.HashPartitioning, Keys: keys, Labels: keyLabels, N: n})
	} else {
		ex, err = p.exchange(partial, operators.Partitioning{Kind: operators.SinglePartition})
	}
	if err != nil {
		return nil, err
	}
	// Final: states start after the keys, in order.
	finalFuncs := make([]operators.AggFunc, len(funcs))
	col := nk
	for i, f := range funcs {
		acc, err := agg.NewAccumulator(f.Kind, f.InputType)
		if err != nil {
			return nil, err
		}
		finalFuncs[i] = operators.AggFunc{Kind: f.Kind, Input: col, InputType: f.InputType}
		col += len(acc.StateTypes())
		acc.Release()
	}
	out := x.Output()
	return operators.NewHashAggregate(ex, operators.AggFinal, keys, finalFuncs, names(out),
		fmt.Sprintf("(keys=[%s], functions=[%s], isStreamingAgg=false, output=[%s])",
			strings.Join(keyLabels, ", "), strings.Join(finalFns, ", "), strings.Join(labels(out), ", ")))
}

func names(cols []*logical.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func stateNames(k logical.AggKind, n int) []string {
	switch k {
	case logical.AggCount, logical.AggCountStar:
		return []string{"count"}
	case logical.AggAvg:
		return []string{"sum", "count"}
	case logical.AggSum:
		if n == 2 {
			return []string{"sum", "isEmpty"}
		}
		return []string{"sum"}
	case logical.AggMin:
		return []string{"min"}
	}
	return []string{"max"}
}

func aggKind(k logical.AggKind) agg.AggKind {
	switch k {
	case logical.AggCountStar:
		return agg.CountStar
	case logical.AggCount:
		return agg.Count
	case logical.AggSum:
		return agg.Sum
	case logical.AggAvg:
		return agg.Avg
	case logical.AggMin:
		return agg.Min
	}
	return agg.Max
}

// completeAggregate plans an aggregation with DISTINCT aggregates over
// several arguments: the rows are exchanged by the keys and aggregated in one
// phase, each distinct aggregate keeping a set of the values it has seen per
// group.
func (p *Planner) completeAggregate(x *logical.Aggregate, in operators.Node, keys []int, keyLabels []string, argIdx []int, preCols []*logical.Column) (operators.Node, error) {
	var ex operators.Node
	var err error
	if len(keys) > 0 {
		n := int(p.cfg.Int(conf.ShufflePartitions))
		ex, err = p.exchange(in, operators.Partitioning{Kind: operators.HashPartitioning, Keys: keys, Labels: keyLabels, N: n})
	} else {
		ex, err = p.exchange(in, operators.Partitioning{Kind: operators.SinglePartition})
	}
	if err != nil {
		return nil, err
	}
	funcs := make([]operators.AggFunc, len(x.Aggs))
	var fns []string
	for i, a := range x.Aggs {
		var inType arrow.DataType
		argText := "1"
		if a.Arg != nil {
			inType = a.Arg.Type()
			argText = preCols[argIdx[i]].String()
		}
		funcs[i] = operators.AggFunc{Kind: aggKind(a.Kind), Input: argIdx[i], InputType: inType, Distinct: a.Distinct}
		d := ""
		if a.Distinct {
			d = "distinct "
		}
		fns = append(fns, a.Kind.String()+"("+d+argText+")")
	}
	out := x.Output()
	return operators.NewHashAggregate(ex, operators.AggComplete, keys, funcs, names(out),
		fmt.Sprintf("(keys=[%s], functions=[%s], isStreamingAgg=false, output=[%s])",
			strings.Join(keyLabels, ", "), strings.Join(fns, ", "), strings.Join(labels(out), ", ")))
}
