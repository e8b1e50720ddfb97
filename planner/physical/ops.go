package physical

import (
	"fmt"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
)

func (p *Planner) plan(lp logical.Plan) (operators.Node, error) {
	switch x := lp.(type) {
	case *logical.Scan:
		return p.scan(x)
	case *logical.OneRow:
		return p.track(operators.NewOneRow(), origin{lp: x}, ""), nil
	case *logical.Filter:
		in, err := p.plan(x.Input)
		if err != nil {
			return nil, err
		}
		return p.filter(x, in, nil)
	case *logical.Project:
		return p.project(x)
	case *logical.Aggregate:
		return p.aggregate(x)
	case *logical.Sort:
		return p.sort(x)
	case *logical.TopN:
		return p.topN(x)
	case *logical.Limit:
		return p.limit(x)
	case *logical.Union:
		return p.union(x)
	case *logical.Join:
		return p.join(x)
	}
	return nil, fmt.Errorf("internal error: no physical plan for %T", lp)
}

// filter plans a filter over in (already planned); keep, when not nil, is
// the input columns a columnar filter passes on (a projection above reads
// only those).
func (p *Planner) filter(x *logical.Filter, in operators.Node, keep []int) (operators.Node, error) {
	o := origin{lp: x}
	reason := p.decide(o, "Filter", conf.ColumnarFilter, []logical.Expr{x.Cond}, schemaOf(x.Input.Output()))
	return p.place(o, reason, in, func(r operators.RowNode) (operators.Node, error) {
		cond, err := logical.CompileRow(x.Cond, x.Input.Output())
		if err != nil {
			return nil, err
		}
		return operators.NewRowFilter(r, cond)
	}, func(c operators.ColumnarNode) (operators.Node, error) {
		cond, err := logical.Compile(x.Cond, x.Input.Output())
		if err != nil {
			return nil, err
		}
		return operators.NewFilter(c, cond, keep)
	})
}

// place plans one operator over in: as rows when reason says why it falls
// back, else columnar, with the transition its input needs; and records
// where it came from.
func (p *Planner) place(o origin, reason string, in operators.Node,
	row func(operators.RowNode) (operators.Node, error), col func(operators.ColumnarNode) (operators.Node, error)) (operators.Node, error) {
	var n operators.Node
	if reason != "" {
		r, err := p.asRows(in)
		if err != nil {
			return nil, err
		}
		if n, err = row(r); err != nil {
			return nil, err
		}
	} else {
		c, err := p.asColumnar(in)
		if err != nil {
			return nil, err
		}
		if n, err = col(c); err != nil {
			return nil, err
		}
	}
	return p.track(n, o, reason), nil
}

func (p *Planner) project(x *logical.Project) (operators.Node, error) {
	o := origin{lp: x}
	reason := p.decide(o, "Project", conf.ColumnarProject, x.Exprs, schemaOf(x.Input.Output()))
	var in operators.Node
	inCols := x.Input.Output()
	var err error
	if f, ok := x.Input.(*logical.Filter); ok && reason == "" &&
		p.decide(origin{lp: f}, "Filter", conf.ColumnarFilter, []logical.Expr{f.Cond}, schemaOf(f.Input.Output())) == "" {
		// A columnar projection over a columnar filter makes the filter
		// output only the columns the projection reads.
		fin, err := p.plan(f.Input)
		if err != nil {
			return nil, err
		}
		used := map[logical.ColumnID]bool{}
		for _, e := range x.Exprs {
			logical.ColumnsOf(e, used)
		}
		var keep []int
		var kept []*logical.Column
		for i, c := range f.Input.Output() {
			if used[c.ID] {
				keep = append(keep, i)
				kept = append(kept, c)
			}
		}
		if len(keep) < len(f.Input.Output()) {
			inCols = kept
		} else {
			keep = nil
		}
		if in, err = p.filter(f, fin, keep); err != nil {
			return nil, err
		}
	} else if in, err = p.plan(x.Input); err != nil {
		return nil, err
	}
	schema := schemaOf(x.Cols)
	lbl := logical.NamedExprList(x.Exprs, x.Cols)
	return p.place(o, reason, in, func(r operators.RowNode) (operators.Node, error) {
		exprs, err := compileRowAll(x.Exprs, inCols)
		if err != nil {
			return nil, err
		}
		return operators.NewRowProject(r, exprs, schema, lbl)
	}, func(c operators.ColumnarNode) (operators.Node, error) {
		exprs, err := compileAll(x.Exprs, inCols)
		if err != nil {
			return nil, err
		}
		return operators.NewProject(c, exprs, schema, lbl)
	})
}

func compileAll(es []logical.Expr, input []*logical.Column) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		c, err := logical.Compile(e, input)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func compileRowAll(es []logical.Expr, input []*logical.Column) ([]rowexpr.Expr, error) {
	out := make([]rowexpr.Expr, len(es))
	for i, e := range es {
		c, err := logical.CompileRow(e, input)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// sortSpec is the keys of a sort in both kernels' forms.
type sortSpec struct {
	columnar []sorting.SortKey
	row      []rows.SortKey
	labels   []string
}

func sortKeys(keys []logical.SortKey, input []*logical.Column) (sortSpec, error) {
	var s sortSpec
	for _, k := range keys {
		idx := indexOf(input, k.Col.ID)
		if idx < 0 {
			return s, fmt.Errorf("internal error: sort key %s not in input", k.Col)
		}
		s.columnar = append(s.columnar, sorting.SortKey{Column: idx, Descending: k.Desc, NullsFirst: k.NullsFirst})
		s.row = append(s.row, rows.SortKey{Column: idx, Descending: k.Desc, NullsFirst: k.NullsFirst})
		s.labels = append(s.labels, k.String())
	}
	return s, nil
}

func (p *Planner) sort(x *logical.Sort) (operators.Node, error) {
	in, err := p.plan(x.Input)
	if err != nil {
		return nil, err
	}
	keys, err := sortKeys(x.Keys, x.Input.Output())
	if err != nil {
		return nil, err
	}
	if in.NumPartitions() > 1 {
		// A global sort, as Spark plans it: range-partition the rows by
		// the sort keys (bounds sampled from the input), sort each
		// partition, and read the partitions in order.
		part := operators.Partitioning{Kind: operators.RangePartitioning, SortKeys: keys.columnar,
			Labels: keys.labels, N: int(p.cfg.Int(conf.ShufflePartitions))}
		if in, err = p.exchange(origin{lp: x, part: "exchange"}, in, part, true); err != nil {
			return nil, err
		}
	}
	o := origin{lp: x}
	reason := p.decide(o, "Sort", conf.ColumnarSort, nil, schemaOf(x.Output()))
	return p.place(o, reason, in, func(r operators.RowNode) (operators.Node, error) {
		return operators.NewRowSort(r, keys.row, keys.labels, true)
	}, func(c operators.ColumnarNode) (operators.Node, error) {
		return operators.NewSort(c, keys.columnar, keys.labels, true)
	})
}

func (p *Planner) topN(x *logical.TopN) (operators.Node, error) {
	in, err := p.plan(x.Input)
	if err != nil {
		return nil, err
	}
	keys, err := sortKeys(x.Keys, x.Input.Output())
	if err != nil {
		return nil, err
	}
	out := labels(x.Output())
	schema := schemaOf(x.Output())
	make1 := func(in operators.Node, partial bool, part string) (operators.Node, error) {
		o := origin{lp: x, part: part}
		reason := p.decide(o, "TakeOrderedAndProject", conf.ColumnarTakeOrdered, nil, schema)
		return p.place(o, reason, in, func(r operators.RowNode) (operators.Node, error) {
			return operators.NewRowTopN(r, keys.row, keys.labels, x.N, partial, out)
		}, func(c operators.ColumnarNode) (operators.Node, error) {
			return operators.NewTopN(c, keys.columnar, keys.labels, x.N, partial, out)
		})
	}
	if in.NumPartitions() > 1 {
		if in, err = make1(in, true, "partial"); err != nil {
			return nil, err
		}
		if in, err = p.exchange(origin{lp: x, part: "exchange"}, in, operators.Partitioning{Kind: operators.SinglePartition}, false); err != nil {
			return nil, err
		}
	}
	return make1(in, false, "final")
}

func (p *Planner) limit(x *logical.Limit) (operators.Node, error) {
	in, err := p.plan(x.Input)
	if err != nil {
		return nil, err
	}
	schema := schemaOf(x.Output())
	make1 := func(in operators.Node, n, offset int64, global bool, part string) (operators.Node, error) {
		o := origin{lp: x, part: part}
		reason := p.decide(o, "Limit", conf.ColumnarLimit, nil, schema)
		return p.place(o, reason, in, func(r operators.RowNode) (operators.Node, error) {
			return operators.NewRowLimit(r, n, offset, global)
		}, func(c operators.ColumnarNode) (operators.Node, error) {
			return operators.NewLimit(c, n, offset, global)
		})
	}
	if in.NumPartitions() > 1 {
		if in, err = make1(in, x.N+x.Offset, 0, false, "local"); err != nil {
			return nil, err
		}
		if in, err = p.exchange(origin{lp: x, part: "exchange"}, in, operators.Partitioning{Kind: operators.SinglePartition}, false); err != nil {
			return nil, err
		}
	}
	return make1(in, x.N, x.Offset, true, "global")
}

func (p *Planner) union(x *logical.Union) (operators.Node, error) {
	children := make([]operators.Node, len(x.Inputs))
	for i, in := range x.Inputs {
		c, err := p.plan(in)
		if err != nil {
			return nil, err
		}
		children[i] = c
	}
	o := origin{lp: x}
	schema := schemaOf(x.Cols)
	if reason := p.decide(o, "Union", conf.ColumnarUnion, nil, schema); reason != "" {
		for i, c := range children {
			r, err := p.asRows(c)
			if err != nil {
				return nil, err
			}
			children[i] = r
		}
		n, err := operators.NewRowUnion(children, schema)
		if err != nil {
			return nil, err
		}
		return p.track(n, o, reason), nil
	}
	for i, c := range children {
		col, err := p.asColumnar(c)
		if err != nil {
			return nil, err
		}
		children[i] = p.pipeline(col)
	}
	n, err := operators.NewUnion(children, schema)
	if err != nil {
		return nil, err
	}
	return p.track(n, o, ""), nil
}
