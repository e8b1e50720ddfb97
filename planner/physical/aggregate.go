package physical

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
)

// aggPlan is what the phases of an aggregation share.
type aggPlan struct {
	x         *logical.Aggregate
	keys      []int
	keyLabels []string
	argIdx    []int
	preCols   []*logical.Column
}

// aggregate plans partial aggregation, an exchange on the keys, and final
// aggregation, with a projection first when keys or arguments are
// expressions. With DISTINCT over several arguments, a row-only aggregate
// or a Go UDAF, the rows are exchanged as they are and aggregated in one
// phase.
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
	for i, e := range pre {
		if !identity {
			break
		}
		if r, ok := e.(*logical.ColumnRef); !ok || r.Col.ID != inCols[i].ID {
			identity = false
		}
	}
	if !identity {
		if in, err = p.preProject(x, in, pre, preCols, inCols); err != nil {
			return nil, err
		}
	}
	ap := &aggPlan{x: x, argIdx: argIdx, preCols: preCols, keyLabels: labels(x.GroupCols)}
	for i := range x.Groups {
		ap.keys = append(ap.keys, i)
	}
	for _, a := range x.Aggs {
		if a.Distinct || a.Kind == logical.AggOther {
			return p.completeAggregate(ap, in)
		}
	}
	return p.twoPhaseAggregate(ap, in)
}

func (p *Planner) preProject(x *logical.Aggregate, in operators.Node, pre []logical.Expr, preCols, inCols []*logical.Column) (operators.Node, error) {
	o := origin{lp: x, part: "pre"}
	schema := schemaOf(preCols)
	lbl := logical.NamedExprList(pre, preCols)
	reason := p.decide(o, "Project", conf.ColumnarProject, pre, schemaOf(inCols))
	return p.place(o, reason, in, func(r operators.RowNode) (operators.Node, error) {
		exprs, err := compileRowAll(pre, inCols)
		if err != nil {
			return nil, err
		}
		return operators.NewRowProject(r, exprs, schema, lbl)
	}, func(c operators.ColumnarNode) (operators.Node, error) {
		exprs, err := compileAll(pre, inCols)
		if err != nil {
			return nil, err
		}
		return operators.NewProject(c, exprs, schema, lbl)
	})
}

// argText is an aggregate's argument as EXPLAIN prints it.
func (ap *aggPlan) argText(i int) string {
	a := ap.x.Aggs[i]
	if a.Arg == nil {
		return "1"
	}
	if r, ok := a.Arg.(*logical.ColumnRef); ok {
		return r.Col.String()
	}
	return ap.preCols[ap.argIdx[i]].String()
}

func (ap *aggPlan) funcText(i int, prefix string) string {
	a := ap.x.Aggs[i]
	name := a.Kind.String()
	if a.Kind == logical.AggOther {
		name = a.Name
	}
	d := ""
	if a.Distinct {
		d = "distinct "
	}
	args := ap.argText(i)
	for j, pr := range a.Params {
		args += ", " + logical.FormatParam(pr, a.ParamTypes, j)
	}
	return prefix + name + "(" + d + args + ")"
}

func aggDetail(keyLabels, fns, out []string) string {
	return fmt.Sprintf("(keys=[%s], functions=[%s], isStreamingAgg=false, output=[%s])",
		strings.Join(keyLabels, ", "), strings.Join(fns, ", "), strings.Join(out, ", "))
}

func (p *Planner) twoPhaseAggregate(ap *aggPlan, in operators.Node) (operators.Node, error) {
	x := ap.x
	nk := len(ap.keys)
	funcs := make([]operators.AggFunc, len(x.Aggs))
	partialNames := names(x.GroupCols)
	partialLabels := append([]string{}, ap.keyLabels...)
	var partialFns, finalFns []string
	finalFuncs := make([]operators.AggFunc, len(x.Aggs))
	col := nk
	for i, a := range x.Aggs {
		var inType arrow.DataType
		if a.Arg != nil {
			inType = a.Arg.Type()
		}
		funcs[i] = operators.AggFunc{Kind: a.Kind.Kernel(), Input: ap.argIdx[i], InputType: inType}
		acc, err := agg.NewAccumulator(funcs[i].Kind, inType)
		if err != nil {
			return nil, fmt.Errorf("aggregate %s: %w", a, err)
		}
		nstates := len(acc.StateTypes())
		acc.Release()
		for _, s := range stateNames(a.Kind, nstates) {
			partialNames = append(partialNames, s)
			partialLabels = append(partialLabels, p.newLabel(s))
		}
		finalFuncs[i] = operators.AggFunc{Kind: funcs[i].Kind, Input: col, InputType: inType}
		col += nstates
		partialFns = append(partialFns, ap.funcText(i, "partial_"))
		finalFns = append(finalFns, ap.funcText(i, ""))
	}
	partial, err := p.hashAggregate(origin{lp: x, part: "partial"}, in, operators.AggPartial, ap.keys, funcs, partialNames,
		aggDetail(ap.keyLabels, partialFns, partialLabels), schemaOf(ap.preCols))
	if err != nil {
		return nil, err
	}
	ex, err := p.aggExchange(ap, partial)
	if err != nil {
		return nil, err
	}
	out := x.Output()
	return p.hashAggregate(origin{lp: x, part: "final"}, ex, operators.AggFinal, ap.keys, finalFuncs, names(out),
		aggDetail(ap.keyLabels, finalFns, labels(out)), schemaOf(out))
}

func (p *Planner) aggExchange(ap *aggPlan, in operators.Node) (operators.Node, error) {
	if len(ap.keys) > 0 {
		n := int(p.cfg.Int(conf.ShufflePartitions))
		return p.exchange(origin{lp: ap.x, part: "exchange"}, in, operators.Partitioning{Kind: operators.HashPartitioning, Keys: ap.keys, Labels: ap.keyLabels, N: n}, true)
	}
	return p.exchange(origin{lp: ap.x, part: "exchange"}, in, operators.Partitioning{Kind: operators.SinglePartition}, false)
}

// hashAggregate plans one phase of an aggregation as the columnar or the
// row operator.
func (p *Planner) hashAggregate(o origin, in operators.Node, mode operators.AggMode, keys []int, funcs []operators.AggFunc, outNames []string, detail string, schema *arrow.Schema) (operators.Node, error) {
	reason := p.decide(o, "HashAggregate", conf.ColumnarHashAgg, nil, schema)
	return p.place(o, reason, in, func(r operators.RowNode) (operators.Node, error) {
		rowFuncs := make([]operators.RowAggFunc, len(funcs))
		for i, f := range funcs {
			rowFuncs[i] = operators.RowAggFuncOf(f)
		}
		return operators.NewRowHashAggregate(r, mode, keys, rowFuncs, outNames, detail)
	}, func(c operators.ColumnarNode) (operators.Node, error) {
		return operators.NewHashAggregate(c, mode, keys, funcs, outNames, detail)
	})
}

// completeAggregate plans an aggregation in one phase: the rows are
// exchanged by the keys, then aggregated, DISTINCT aggregates keeping a set
// of the values each group has seen. Row-only aggregates and Go UDAFs make
// it a row operator.
func (p *Planner) completeAggregate(ap *aggPlan, in operators.Node) (operators.Node, error) {
	x := ap.x
	ex, err := p.aggExchange(ap, in)
	if err != nil {
		return nil, err
	}
	o := origin{lp: x, part: "complete"}
	out := x.Output()
	rowOnly := ""
	var fns []string
	funcs := make([]operators.AggFunc, len(x.Aggs))
	rowFuncs := make([]operators.RowAggFunc, len(x.Aggs))
	for i, a := range x.Aggs {
		var inType arrow.DataType
		if a.Arg != nil {
			inType = a.Arg.Type()
		}
		fns = append(fns, ap.funcText(i, ""))
		if a.Kind == logical.AggOther {
			if rowOnly == "" {
				if a.UDAF != nil {
					rowOnly = "aggregate " + a.Name + " is a Go UDAF, which runs only as rows"
				} else {
					rowOnly = "aggregate function " + a.Name + " has no columnar implementation"
				}
			}
			if a.UDAF != nil {
				p.noteCall(o, Function{UDAF: a.UDAF})
			}
			rowFuncs[i] = operators.RowAggFunc{Func: rowagg.Spec{Name: a.Name, InputType: inType, Params: a.Params, ParamTypes: a.ParamTypes, UDAF: a.UDAF},
				Input: ap.argIdx[i], Distinct: a.Distinct}
			continue
		}
		funcs[i] = operators.AggFunc{Kind: a.Kind.Kernel(), Input: ap.argIdx[i], InputType: inType, Distinct: a.Distinct}
		rowFuncs[i] = operators.RowAggFuncOf(funcs[i])
	}
	detail := aggDetail(ap.keyLabels, fns, labels(out))
	var reason string
	if rowOnly != "" {
		// The aggregate function decides; only the policy, Gluten being
		// off or the operator being disabled come first.
		if reason = p.decide(o, "HashAggregate", conf.ColumnarHashAgg, nil); reason == "" {
			reason = rowOnly
		}
	} else {
		reason = p.decide(o, "HashAggregate", conf.ColumnarHashAgg, nil, schemaOf(out))
	}
	return p.place(o, reason, ex, func(r operators.RowNode) (operators.Node, error) {
		return operators.NewRowHashAggregate(r, operators.AggComplete, ap.keys, rowFuncs, names(out), detail)
	}, func(c operators.ColumnarNode) (operators.Node, error) {
		return operators.NewHashAggregate(c, operators.AggComplete, ap.keys, funcs, names(out), detail)
	})
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
