package physical

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
)

// joinSide is one input of a join as planned: its operator, its columns
// (the logical input's, then any key columns a projection added), and the
// key columns.
type joinSide struct {
	node   operators.Node
	cols   []*logical.Column
	keys   []int
	labels []string
}

// splitKeys separates a join condition into equi-join key pairs (one side
// reading only left columns, the other only right ones) and the residual.
func splitKeys(cond logical.Expr, left, right []*logical.Column) (lk, rk []logical.Expr, residual []logical.Expr) {
	if cond == nil {
		return nil, nil, nil
	}
	lset, rset := idSet(left), idSet(right)
	for _, c := range logical.Conjuncts(cond) {
		if call, ok := c.(*logical.Call); ok && call.Op == logical.OpEq {
			a, b := call.Args[0], call.Args[1]
			switch {
			case readsOnly(a, lset) && readsOnly(b, rset):
				lk, rk = append(lk, a), append(rk, b)
				continue
			case readsOnly(a, rset) && readsOnly(b, lset):
				lk, rk = append(lk, b), append(rk, a)
				continue
			}
		}
		residual = append(residual, c)
	}
	return lk, rk, residual
}

func idSet(cols []*logical.Column) map[logical.ColumnID]bool {
	m := make(map[logical.ColumnID]bool, len(cols))
	for _, c := range cols {
		m[c.ID] = true
	}
	return m
}

// readsOnly reports whether e reads some column, all of them in set.
func readsOnly(e logical.Expr, set map[logical.ColumnID]bool) bool {
	ids := logical.ColumnsOf(e, nil)
	if len(ids) == 0 {
		return false
	}
	for id := range ids {
		if !set[id] {
			return false
		}
	}
	return true
}

// keySide makes a side's key columns: plain columns are used as they are;
// other key expressions (and keys whose type must change to match the other
// side) are computed by a projection appended to the side's columns.
func (p *Planner) keySide(x *logical.Join, part string, n operators.Node, cols []*logical.Column, keys []logical.Expr, types []arrow.DataType) (joinSide, error) {
	js := joinSide{node: n, cols: cols}
	var extra []logical.Expr
	var extraCols []*logical.Column
	for i, k := range keys {
		if !arrow.TypeEqual(k.Type(), types[i]) {
			k = &logical.Cast{Arg: k, To: types[i]}
		}
		if r, ok := k.(*logical.ColumnRef); ok {
			if idx := indexOf(cols, r.Col.ID); idx >= 0 {
				js.keys = append(js.keys, idx)
				js.labels = append(js.labels, r.Col.String())
				continue
			}
		}
		p.nextColID++
		c := &logical.Column{ID: logical.ColumnID(p.nextColID), Name: "_key", Type: k.Type(), Nullable: true}
		extra = append(extra, k)
		extraCols = append(extraCols, c)
		js.keys = append(js.keys, len(cols)+len(extra)-1)
		js.labels = append(js.labels, c.String())
	}
	if len(extra) == 0 {
		return js, nil
	}
	exprs := make([]logical.Expr, 0, len(cols)+len(extra))
	for _, c := range cols {
		exprs = append(exprs, logical.Ref(c))
	}
	exprs = append(exprs, extra...)
	outCols := append(append([]*logical.Column{}, cols...), extraCols...)
	proj, err := p.projectNode(origin{lp: x, part: part + "-keys"}, n, exprs, outCols, cols)
	if err != nil {
		return js, err
	}
	js.node, js.cols = proj, outCols
	return js, nil
}

// projectNode plans a projection of exprs (over inCols) into outCols, as
// rows or columnar.
func (p *Planner) projectNode(o origin, in operators.Node, exprs []logical.Expr, outCols, inCols []*logical.Column) (operators.Node, error) {
	schema := schemaOf(outCols)
	lbl := logical.NamedExprList(exprs, outCols)
	reason := p.decide(o, "Project", conf.ColumnarProject, exprs, schemaOf(inCols))
	return p.place(o, reason, in, func(r operators.RowNode) (operators.Node, error) {
		es, err := compileRowAll(exprs, inCols)
		if err != nil {
			return nil, err
		}
		return operators.NewRowProject(r, es, schema, lbl)
	}, func(c operators.ColumnarNode) (operators.Node, error) {
		es, err := compileAll(exprs, inCols)
		if err != nil {
			return nil, err
		}
		return operators.NewProject(c, es, schema, lbl)
	})
}

// join plans a join: a broadcast hash join when one side is small enough
// to broadcast (spark.sql.autoBroadcastJoinThreshold) and the join type
// allows broadcasting it; else a shuffled hash join over exchanges on the
// keys; a broadcast nested-loop join when there is no equi-join key.
func (p *Planner) join(x *logical.Join) (operators.Node, error) {
	left, err := p.plan(x.Left)
	if err != nil {
		return nil, err
	}
	right, err := p.plan(x.Right)
	if err != nil {
		return nil, err
	}
	lcols, rcols := x.Left.Output(), x.Right.Output()
	lk, rk, residual := splitKeys(x.Cond, lcols, rcols)
	if x.Type == logical.NullAwareAntiJoin && (len(lk) != 1 || len(residual) > 0) {
		return nil, fmt.Errorf("internal error: a null-aware anti join needs one equi-join key")
	}
	if len(lk) == 0 {
		return p.nestedLoopJoin(x, left, right, lcols, rcols)
	}
	types := make([]arrow.DataType, len(lk))
	for i := range lk {
		t, ok := expr.CommonType(lk[i].Type(), rk[i].Type())
		if !ok {
			return nil, fmt.Errorf("join keys %s and %s have incompatible types", lk[i], rk[i])
		}
		types[i] = t
	}
	ls, err := p.keySide(x, "left", left, lcols, lk, types)
	if err != nil {
		return nil, err
	}
	rs, err := p.keySide(x, "right", right, rcols, rk, types)
	if err != nil {
		return nil, err
	}
	threshold := p.cfg.Size(conf.AutoBroadcastJoinThreshold)
	canBroadcastRight := x.Type != logical.RightOuterJoin && x.Type != logical.FullOuterJoin
	canBroadcastLeft := x.Type == logical.InnerJoin || x.Type == logical.RightOuterJoin
	lsize, rsize := EstimateBytes(ls.node), EstimateBytes(rs.node)
	// Under adaptive execution, sides whose exchanges have run have real
	// sizes: a small one turns the shuffled join into a broadcast join.
	lm, rm := p.materialized(origin{lp: x, part: "left-exchange"}), p.materialized(origin{lp: x, part: "right-exchange"})
	if lm != nil {
		lsize = exchangeBytes(lm)
	}
	if rm != nil {
		rsize = exchangeBytes(rm)
	}
	// A semi or anti join whose left side is the smaller builds it in a
	// columnar shuffled hash join (streaming the right side) rather than
	// broadcasting the right side, once both exchanges have run: the
	// shuffled join then costs no extra shuffle, and its hash table holds
	// the smaller side instead of all of the right side.
	buildLeftSemi := (x.Type == logical.LeftSemiJoin || x.Type == logical.LeftAntiJoin) &&
		lm != nil && rm != nil && lsize < rsize &&
		p.decide(origin{lp: x}, "ShuffledHashJoin", conf.ColumnarShuffledHashJoin, residual, joinSchema(x, ls, rs)) == ""
	var n operators.Node
	switch {
	case x.Type == logical.NullAwareAntiJoin:
		// NOT IN must see the whole right side (is it empty? has it a
		// NULL?): only a broadcast does, as in Spark.
		n, err = p.broadcastHashJoin(x, p.stageSide(ls, lm), p.broadcastSide(rs, rm), residual, operators.BuildRight)
	case threshold >= 0 && canBroadcastRight && rsize <= threshold && (!canBroadcastLeft || rsize <= lsize || lsize > threshold) && !buildLeftSemi:
		n, err = p.broadcastHashJoin(x, p.stageSide(ls, lm), p.broadcastSide(rs, rm), residual, operators.BuildRight)
	case threshold >= 0 && canBroadcastLeft && lsize <= threshold:
		n, err = p.broadcastHashJoin(x, p.broadcastSide(ls, lm), p.stageSide(rs, rm), residual, operators.BuildLeft)
	default:
		n, err = p.shuffledHashJoin(x, ls, rs, residual, lsize, rsize)
	}
	if err != nil {
		return nil, err
	}
	// Drop the key columns projections added.
	out := append([]*logical.Column{}, ls.cols...)
	if x.Type.KeepsRightOutput() {
		out = append(out, rs.cols...)
	}
	want := x.Output()
	if len(out) == len(want) {
		return n, nil
	}
	exprs := make([]logical.Expr, len(want))
	for i, c := range want {
		exprs[i] = logical.Ref(c)
	}
	return p.projectNode(origin{lp: x, part: "out"}, n, exprs, want, out)
}

// residualLabel and compiled forms of a join's residual condition over
// left ++ right columns.
func (p *Planner) residual(residual []logical.Expr, cols []*logical.Column, row bool) (expr.Expr, any, string, error) {
	cond := logical.AndAll(residual)
	if cond == nil {
		return nil, nil, "", nil
	}
	if row {
		c, err := logical.CompileRow(cond, cols)
		return nil, c, cond.String(), err
	}
	c, err := logical.Compile(cond, cols)
	return c, nil, cond.String(), err
}

func joinSchema(x *logical.Join, ls, rs joinSide) *arrow.Schema {
	cols := append([]*logical.Column{}, ls.cols...)
	if x.Type.KeepsRightOutput() {
		cols = append(cols, rs.cols...)
	}
	return schemaOf(cols)
}

func (p *Planner) shuffledHashJoin(x *logical.Join, ls, rs joinSide, residual []logical.Expr, lsize, rsize int64) (operators.Node, error) {
	n := int(p.cfg.Int(conf.ShufflePartitions))
	lm, rm := p.materialized(origin{lp: x, part: "left-exchange"}), p.materialized(origin{lp: x, part: "right-exchange"})
	lex, err := p.exchange(origin{lp: x, part: "left-exchange"}, ls.node, operators.Partitioning{Kind: operators.HashPartitioning, Keys: ls.keys, Labels: ls.labels, N: n}, false)
	if err != nil {
		return nil, err
	}
	rex, err := p.exchange(origin{lp: x, part: "right-exchange"}, rs.node, operators.Partitioning{Kind: operators.HashPartitioning, Keys: rs.keys, Labels: rs.labels, N: n}, false)
	if err != nil {
		return nil, err
	}
	if lm != nil && rm != nil && p.cfg.Bool(conf.CoalescePartitionsEnabled) {
		// Both sides have run: read them coalesced alike.
		_, lb := lm.PartitionSizes()
		_, rb := rm.PartitionSizes()
		specs := p.coalesceSpecs(lb, rb)
		if lex, err = p.coalesced(lex, lm, specs); err != nil {
			return nil, err
		}
		if rex, err = p.coalesced(rex, rm, specs); err != nil {
			return nil, err
		}
	}
	build := operators.BuildRight
	switch x.Type {
	case logical.RightOuterJoin:
		build = operators.BuildLeft
	case logical.InnerJoin, logical.FullOuterJoin:
		if lsize < rsize {
			build = operators.BuildLeft
		}
	case logical.LeftSemiJoin, logical.LeftAntiJoin:
		// The columnar join can build the smaller left side, streaming the
		// right side and marking the left rows it matches (Velox's right
		// semi join); the row join always builds the right side.
		if lsize < rsize {
			build = operators.BuildLeft
		}
	}
	o := origin{lp: x}
	all := append(append([]*logical.Column{}, ls.cols...), rs.cols...)
	schema := joinSchema(x, ls, rs)
	reason := p.decide(o, "ShuffledHashJoin", conf.ColumnarShuffledHashJoin, residual, schema)
	typ := operators.JoinType(x.Type)
	if reason != "" {
		_, cond, label, err := p.residual(residual, all, true)
		if err != nil {
			return nil, err
		}
		l, err := p.asRows(lex)
		if err != nil {
			return nil, err
		}
		r, err := p.asRows(rex)
		if err != nil {
			return nil, err
		}
		var rc rowCond
		if cond != nil {
			rc = cond.(rowCond)
		}
		rowBuild := build
		if !typ.OutputsRight() {
			rowBuild = operators.BuildRight
		}
		j, err := operators.NewRowShuffledHashJoin(l, r, typ, ls.keys, rs.keys, rc, rowBuild, ls.labels, rs.labels, label, schema)
		if err != nil {
			return nil, err
		}
		return p.track(j, o, reason), nil
	}
	cond, _, label, err := p.residual(residual, all, false)
	if err != nil {
		return nil, err
	}
	j, err := operators.NewShuffledHashJoin(lex, rex, typ, ls.keys, rs.keys, cond, build, ls.labels, rs.labels, label, schema)
	if err != nil {
		return nil, err
	}
	return p.track(j, o, ""), nil
}

func (p *Planner) broadcastHashJoin(x *logical.Join, ls, rs joinSide, residual []logical.Expr, build operators.BuildSide) (operators.Node, error) {
	stream, bside := ls, rs
	if build == operators.BuildLeft {
		stream, bside = rs, ls
	}
	bx, err := p.broadcast(origin{lp: x, part: "broadcast-" + build.String()}, bside.node, operators.BroadcastMode{Keys: bside.keys, Labels: bside.labels,
		NullAware: x.Type == logical.NullAwareAntiJoin})
	if err != nil {
		return nil, err
	}
	o := origin{lp: x}
	all := append(append([]*logical.Column{}, ls.cols...), rs.cols...)
	schema := joinSchema(x, ls, rs)
	reason := p.decide(o, "BroadcastHashJoin", conf.ColumnarBroadcastJoin, residual, schema)
	typ := operators.JoinType(x.Type)
	if reason != "" {
		_, cond, label, err := p.residual(residual, all, true)
		if err != nil {
			return nil, err
		}
		s, err := p.asRows(stream.node)
		if err != nil {
			return nil, err
		}
		var rc rowCond
		if cond != nil {
			rc = cond.(rowCond)
		}
		j, err := operators.NewRowBroadcastHashJoin(s, bx, typ, ls.keys, rs.keys, rc, build, ls.labels, rs.labels, label, schema)
		if err != nil {
			return nil, err
		}
		return p.track(j, o, reason), nil
	}
	cond, _, label, err := p.residual(residual, all, false)
	if err != nil {
		return nil, err
	}
	s, err := p.asColumnar(stream.node)
	if err != nil {
		return nil, err
	}
	j, err := operators.NewBroadcastHashJoin(s, bx, typ, ls.keys, rs.keys, cond, build, ls.labels, rs.labels, label, schema)
	if err != nil {
		return nil, err
	}
	return p.track(j, o, ""), nil
}

// nestedLoopJoin plans a join without equi-join keys: the right side is
// broadcast (a scalar subquery's single row, say) and every left row is
// checked against it.
func (p *Planner) nestedLoopJoin(x *logical.Join, left, right operators.Node, lcols, rcols []*logical.Column) (operators.Node, error) {
	switch x.Type {
	case logical.InnerJoin, logical.LeftOuterJoin, logical.LeftSemiJoin, logical.LeftAntiJoin:
	default:
		return nil, fmt.Errorf("a %s join without an equality between its sides is not supported yet", x.Type)
	}
	bx, err := p.broadcast(origin{lp: x, part: "broadcast"}, right, operators.BroadcastMode{})
	if err != nil {
		return nil, err
	}
	o := origin{lp: x}
	all := append(append([]*logical.Column{}, lcols...), rcols...)
	cols := append([]*logical.Column{}, lcols...)
	if x.Type.KeepsRightOutput() {
		cols = append(cols, rcols...)
	}
	schema := schemaOf(cols)
	var residual []logical.Expr
	if x.Cond != nil {
		residual = []logical.Expr{x.Cond}
	}
	reason := p.decide(o, "BroadcastNestedLoopJoin", conf.ColumnarBroadcastJoin, residual, schema)
	typ := operators.JoinType(x.Type)
	if reason != "" {
		_, cond, label, err := p.residual(residual, all, true)
		if err != nil {
			return nil, err
		}
		s, err := p.asRows(left)
		if err != nil {
			return nil, err
		}
		var rc rowCond
		if cond != nil {
			rc = cond.(rowCond)
		}
		j, err := operators.NewRowBroadcastNestedLoopJoin(s, bx, typ, rc, label, schema)
		if err != nil {
			return nil, err
		}
		return p.track(j, o, reason), nil
	}
	cond, _, label, err := p.residual(residual, all, false)
	if err != nil {
		return nil, err
	}
	s, err := p.asColumnar(left)
	if err != nil {
		return nil, err
	}
	j, err := operators.NewBroadcastNestedLoopJoin(s, bx, typ, cond, label, schema)
	if err != nil {
		return nil, err
	}
	return p.track(j, o, ""), nil
}

// stageSide replaces the streamed side of a broadcast join by its
// materialized exchange's output, when there is one: the side then streams
// from the shuffle files, its small partitions read coalesced (a broadcast
// join needs no partitioning of its streamed side).
func (p *Planner) stageSide(js joinSide, m *operators.Exchange) joinSide {
	if m == nil {
		return js
	}
	p.discard(js.node)
	stage := operators.NewQueryStage(m, p.memo.ids[m])
	js.node = stage
	if p.cfg.Bool(conf.CoalescePartitionsEnabled) {
		_, bytes := m.PartitionSizes()
		if read, err := p.coalesced(stage, m, p.coalesceSpecs(bytes, nil)); err == nil {
			js.node = read
		}
	}
	return js
}

// broadcastSide replaces a join side to broadcast by a read of all of its
// materialized exchange's partitions, when there is one.
func (p *Planner) broadcastSide(js joinSide, m *operators.Exchange) joinSide {
	if m == nil {
		return js
	}
	p.discard(js.node)
	stage := operators.NewQueryStage(m, p.memo.ids[m])
	read, err := operators.NewShuffleRead(stage, m, []operators.PartitionSpec{{Start: 0, End: m.NumPartitions()}})
	if err != nil {
		js.node = stage
		return js
	}
	js.node = read
	return js
}

func exchangeBytes(ex *operators.Exchange) int64 {
	_, bytes := ex.PartitionSizes()
	var t int64
	for _, b := range bytes {
		t += b
	}
	return t
}

// EstimateBytes estimates the size of a plan's output, as Spark does
// without statistics: a scan's bytes (scaled to the columns it reads), a
// materialized exchange's real size, and otherwise the inputs' sizes
// (filters and aggregates are not assumed to shrink anything).
func EstimateBytes(n operators.Node) int64 {
	switch x := n.(type) {
	case *operators.Scan:
		return x.EstimatedBytes()
	case *operators.OneRow:
		return 1
	case *operators.Exchange:
		if x.Materialized() {
			return exchangeBytes(x)
		}
	}
	var t int64
	for _, c := range n.Children() {
		t += EstimateBytes(c)
	}
	return t
}
