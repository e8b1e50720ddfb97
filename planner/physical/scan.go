package physical

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
)

func (p *Planner) scan(x *logical.Scan) (operators.Node, error) {
	req := operators.ScanRequest{
		Columns:           x.Indices,
		Parallelism:       int(p.cfg.Int(conf.DefaultParallelism)),
		MaxPartitionBytes: p.cfg.Size(conf.FilesMaxPartitionBytes),
		OpenCostBytes:     p.cfg.Size(conf.FilesOpenCostInBytes),
	}
	var filters []string
	for _, f := range x.Filters {
		filters = append(filters, f.String())
		if p.cfg.Bool(conf.ParquetFilterPushdown) {
			if pp, ok := prunePredicate(f, x); ok {
				req.Prune = append(req.Prune, pp)
			}
		}
	}
	n, err := operators.NewScan(p.ctx, x.Table.Name, x.Table.Source, req, labels(x.Cols), filters)
	if err != nil {
		return nil, err
	}
	// A scan that falls back is vanilla Spark's FileScan: it still reads
	// Parquet into batches, which a ColumnarToRow turns into rows.
	o := origin{lp: x}
	reason := p.decide(o, "FileScan", conf.ColumnarFileScan, nil)
	n.SetVanilla(reason != "")
	p.track(n, o, reason)
	if p.cfg.Bool(conf.TestingInjectRowFunction) {
		return p.injectRowFunction(x, n)
	}
	return n, nil
}

// injectRowFunction puts above a scan a projection passing every column
// through a row-only identity function (the testing aid
// spark.gluten.sql.columnar.testing.injectRowFunction): the pipeline above
// the scan then falls back to rows in its middle, with a ColumnarToRow below
// the projection and a RowToColumnar above it when the next operator is
// columnar.
func (p *Planner) injectRowFunction(x *logical.Scan, n operators.Node) (operators.Node, error) {
	exprs := make([]rowexpr.Expr, len(x.Cols))
	lbl := make([]string, len(x.Cols))
	for i, c := range x.Cols {
		u := &rowexpr.UDF{Name: "testing_row_identity", ArgTypes: []arrow.DataType{c.Type}, ResultType: c.Type,
			Fn: func(args []rowexpr.Value) (rowexpr.Value, error) { return args[0], nil }}
		e, err := rowexpr.CallUDF(u, []rowexpr.Expr{rowexpr.Column(i, c.String(), c.Type)})
		if err != nil {
			return nil, err
		}
		exprs[i] = e
		lbl[i] = e.String() + " AS " + c.String()
	}
	r, err := p.asRows(n)
	if err != nil {
		return nil, err
	}
	proj, err := operators.NewRowProject(r, exprs, n.Schema(), lbl)
	if err != nil {
		return nil, err
	}
	return p.track(proj, origin{lp: x, part: "injected"},
		"function testing_row_identity has no columnar implementation ("+conf.TestingInjectRowFunction+"=true)"), nil
}

// prunePredicate converts "column op literal" (of the column's type) into a
// pruning predicate on the table's column.
func prunePredicate(e logical.Expr, s *logical.Scan) (operators.PrunePredicate, bool) {
	col := func(x logical.Expr) (int, arrow.DataType, bool) {
		r, ok := x.(*logical.ColumnRef)
		if !ok {
			return 0, nil, false
		}
		for i, c := range s.Cols {
			if c.ID == r.Col.ID {
				return s.Indices[i], c.Type, true
			}
		}
		return 0, nil, false
	}
	switch x := e.(type) {
	case *logical.Call:
		switch x.Op {
		case logical.OpIsNull, logical.OpIsNotNull:
			if idx, _, ok := col(x.Args[0]); ok {
				op := operators.PruneIsNull
				if x.Op == logical.OpIsNotNull {
					op = operators.PruneIsNotNull
				}
				return operators.PrunePredicate{Column: idx, Op: op}, true
			}
		case logical.OpEq, logical.OpLt, logical.OpLtEq, logical.OpGt, logical.OpGtEq:
			l, r := x.Args[0], x.Args[1]
			op := x.Op
			if _, isLit := l.(*logical.Literal); isLit {
				l, r = r, l
				op = flip(op)
			}
			idx, t, ok := col(l)
			lit, isLit := r.(*logical.Literal)
			if !ok || !isLit || lit.Value == nil || !arrow.TypeEqual(t, lit.Typ) {
				return operators.PrunePredicate{}, false
			}
			return operators.PrunePredicate{Column: idx, Op: pruneOp(op), Value: lit.Value}, true
		}
	case *logical.InList:
		idx, t, ok := col(x.Arg)
		if !ok || x.Negated || !arrow.TypeEqual(t, x.Arg.Type()) {
			return operators.PrunePredicate{}, false
		}
		return operators.PrunePredicate{Column: idx, Op: operators.PruneIn, Value: x.Values}, true
	}
	return operators.PrunePredicate{}, false
}

func flip(op logical.Op) logical.Op {
	switch op {
	case logical.OpLt:
		return logical.OpGt
	case logical.OpLtEq:
		return logical.OpGtEq
	case logical.OpGt:
		return logical.OpLt
	case logical.OpGtEq:
		return logical.OpLtEq
	}
	return op
}

func pruneOp(op logical.Op) operators.PruneOp {
	switch op {
	case logical.OpLt:
		return operators.PruneLt
	case logical.OpLtEq:
		return operators.PruneLtEq
	case logical.OpGt:
		return operators.PruneGt
	case logical.OpGtEq:
		return operators.PruneGtEq
	}
	return operators.PruneEq
}
