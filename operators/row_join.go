package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// rowExprColumnRefs lists the column references of a row expression.
func rowExprColumnRefs(e rowexpr.Expr) []colRef {
	var out []colRef
	var walk func(e rowexpr.Expr)
	walk = func(e rowexpr.Expr) {
		if e == nil {
			return
		}
		if c, ok := e.(*rowexpr.ColumnRef); ok {
			out = append(out, colRef{index: c.Index(), typ: c.DataType(), name: c.Name()})
		}
		for _, ch := range e.Children() {
			walk(ch)
		}
	}
	walk(e)
	return out
}

// rowJoinLayouts are the row layouts a row join works with.
type rowJoinLayouts struct {
	left, right, joined, out *rows.Layout
}

func newRowJoinLayouts(op string, d *joinDef, left, right Node) (*rowJoinLayouts, error) {
	var l rowJoinLayouts
	var err error
	if l.left, err = rowLayout(op, left.Schema()); err != nil {
		return nil, err
	}
	if l.right, err = rowLayout(op, right.Schema()); err != nil {
		return nil, err
	}
	if l.joined, err = rowLayout(op, d.joined); err != nil {
		return nil, err
	}
	if l.out, err = rowLayout(op, d.out); err != nil {
		return nil, err
	}
	return &l, nil
}

// RowShuffledHashJoin is the row (fallback) twin of ShuffledHashJoin:
// ShuffledHashJoin in EXPLAIN. Both children produce rows and are
// partitioned alike; its hash table and the build side's rows live on the
// Go heap, reserved from the task's heap budget, and spill to disk when
// they do not fit.
type RowShuffledHashJoin struct {
	base
	def     *joinDef
	cond    rowexpr.Expr
	layouts *rowJoinLayouts
	heap    rowHeapMetrics
}

// NewRowShuffledHashJoin returns a row hash join; the arguments are
// NewShuffledHashJoin's, with a row expression as the residual condition.
func NewRowShuffledHashJoin(left, right Node, typ JoinType, leftKeys, rightKeys []int, cond rowexpr.Expr,
	buildSide BuildSide, leftLabels, rightLabels []string, condLabel string, schema *arrow.Schema) (*RowShuffledHashJoin, error) {
	const op = "ShuffledHashJoin"
	o := joinOpts{op: op, left: left, right: right, typ: typ, leftKeys: leftKeys, rightKeys: rightKeys,
		buildSide: buildSide, leftLabels: leftLabels, rightLabels: rightLabels, schema: schema, hashed: true}
	if cond != nil {
		o.condType, o.condRefs, o.condLabel = cond.DataType(), rowExprColumnRefs(cond), condLabelOf(condLabel, cond)
	}
	d, err := newJoinDef(o)
	if err != nil {
		return nil, err
	}
	if left.NumPartitions() != right.NumPartitions() {
		return nil, fmt.Errorf("%s: the left side has %d partitions, the right side %d (both must be partitioned alike)", op, left.NumPartitions(), right.NumPartitions())
	}
	if typ == NullAwareAntiJoin && left.NumPartitions() != 1 {
		return nil, fmt.Errorf("%s: a null-aware anti join over %d partitions needs a broadcast build side (or a single partition)", op, left.NumPartitions())
	}
	lay, err := newRowJoinLayouts(op, d, left, right)
	if err != nil {
		return nil, err
	}
	j := &RowShuffledHashJoin{def: d, cond: cond, layouts: lay}
	j.schema = d.out
	j.children = []Node{left, right}
	registerHashJoinMetrics(&j.metrics, true)
	j.heap = newRowHeapMetrics(&j.metrics)
	return j, nil
}

// Name implements Node.
func (j *RowShuffledHashJoin) Name() string { return "ShuffledHashJoin" }

// Detail implements Node.
func (j *RowShuffledHashJoin) Detail() string { return j.def.detail(false) }

// NumPartitions implements Node.
func (j *RowShuffledHashJoin) NumPartitions() int { return j.children[0].NumPartitions() }

// JoinType returns the join type.
func (j *RowShuffledHashJoin) JoinType() JoinType { return j.def.typ }

// BuildSide returns the side the hash table is built of.
func (j *RowShuffledHashJoin) BuildSide() BuildSide { return j.def.buildSide }

// ExecuteRows implements RowNode.
func (j *RowShuffledHashJoin) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	if err := checkPartition("row shuffled hash join", p, j.NumPartitions()); err != nil {
		return nil, err
	}
	s := &rowShjStream{j: j, ctx: ctx, task: task, part: p, files: spillFiles{}, m: newJoinMetrics(&j.metrics),
		gauge: rowHeapGauge{m: j.heap}}
	return meteredRowStream(s, &j.metrics), nil
}

// RowBroadcastHashJoin is the row (fallback) twin of BroadcastHashJoin:
// BroadcastHashJoin in EXPLAIN. The broadcast relation is kept as rows with
// a row hash table, built once and shared by every task.
type RowBroadcastHashJoin struct {
	base
	def       *joinDef
	cond      rowexpr.Expr
	broadcast *BroadcastExchange
	layouts   *rowJoinLayouts
	heap      rowHeapMetrics
}

// NewRowBroadcastHashJoin returns a row broadcast hash join; the arguments
// are NewBroadcastHashJoin's, with a row expression as the residual
// condition.
func NewRowBroadcastHashJoin(stream Node, broadcast *BroadcastExchange, typ JoinType, leftKeys, rightKeys []int, cond rowexpr.Expr,
	buildSide BuildSide, leftLabels, rightLabels []string, condLabel string, schema *arrow.Schema) (*RowBroadcastHashJoin, error) {
	const op = "BroadcastHashJoin"
	if broadcast == nil || stream == nil {
		return nil, fmt.Errorf("%s: nil child", op)
	}
	left, right := stream, Node(broadcast)
	if buildSide == BuildLeft {
		left, right = right, left
	}
	o := joinOpts{op: op, left: left, right: right, typ: typ, leftKeys: leftKeys, rightKeys: rightKeys,
		buildSide: buildSide, leftLabels: leftLabels, rightLabels: rightLabels, schema: schema, hashed: true}
	if cond != nil {
		o.condType, o.condRefs, o.condLabel = cond.DataType(), rowExprColumnRefs(cond), condLabelOf(condLabel, cond)
	}
	d, err := newJoinDef(o)
	if err != nil {
		return nil, err
	}
	if err := checkBroadcastJoin(op, d, broadcast, true); err != nil {
		return nil, err
	}
	lay, err := newRowJoinLayouts(op, d, left, right)
	if err != nil {
		return nil, err
	}
	broadcast.setConsumer(consumerRows)
	j := &RowBroadcastHashJoin{def: d, cond: cond, broadcast: broadcast, layouts: lay}
	j.schema = d.out
	j.children = []Node{left, right}
	registerHashJoinMetrics(&j.metrics, false)
	j.heap = newRowHeapMetrics(&j.metrics)
	return j, nil
}

// Name implements Node.
func (j *RowBroadcastHashJoin) Name() string { return "BroadcastHashJoin" }

// Detail implements Node.
func (j *RowBroadcastHashJoin) Detail() string { return j.def.detail(true) }

// NumPartitions implements Node.
func (j *RowBroadcastHashJoin) NumPartitions() int { return j.streamChild().NumPartitions() }

// JoinType returns the join type.
func (j *RowBroadcastHashJoin) JoinType() JoinType { return j.def.typ }

// BuildSide returns the broadcast side.
func (j *RowBroadcastHashJoin) BuildSide() BuildSide { return j.def.buildSide }

// Broadcast returns the broadcast exchange the join reads.
func (j *RowBroadcastHashJoin) Broadcast() *BroadcastExchange { return j.broadcast }

func (j *RowBroadcastHashJoin) streamChild() Node {
	if j.def.buildSide == BuildRight {
		return j.children[0]
	}
	return j.children[1]
}

// ExecuteRows implements RowNode.
func (j *RowBroadcastHashJoin) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	if err := checkPartition("row broadcast hash join", p, j.NumPartitions()); err != nil {
		return nil, err
	}
	return executeRowBroadcastJoin(ctx, p, task, j.def, j.cond, j.layouts, j.broadcast, j.streamChild(), &j.metrics, j.heap, false)
}

// RowBroadcastNestedLoopJoin is the row (fallback) twin of
// BroadcastNestedLoopJoin: BroadcastNestedLoopJoin in EXPLAIN.
type RowBroadcastNestedLoopJoin struct {
	base
	def       *joinDef
	cond      rowexpr.Expr
	broadcast *BroadcastExchange
	layouts   *rowJoinLayouts
	heap      rowHeapMetrics
}

// NewRowBroadcastNestedLoopJoin returns a row nested-loop join; the
// arguments are NewBroadcastNestedLoopJoin's, with a row expression as the
// condition.
func NewRowBroadcastNestedLoopJoin(stream Node, broadcast *BroadcastExchange, typ JoinType, cond rowexpr.Expr,
	condLabel string, schema *arrow.Schema) (*RowBroadcastNestedLoopJoin, error) {
	const op = "BroadcastNestedLoopJoin"
	if broadcast == nil || stream == nil {
		return nil, fmt.Errorf("%s: nil child", op)
	}
	switch typ {
	case InnerJoin, LeftOuterJoin, LeftSemiJoin, LeftAntiJoin:
	default:
		return nil, fmt.Errorf("%s: join type %s is not supported with the broadcast side on the right", op, typ)
	}
	o := joinOpts{op: op, left: stream, right: broadcast, typ: typ, buildSide: BuildRight, schema: schema}
	if cond != nil {
		o.condType, o.condRefs, o.condLabel = cond.DataType(), rowExprColumnRefs(cond), condLabelOf(condLabel, cond)
	}
	d, err := newJoinDef(o)
	if err != nil {
		return nil, err
	}
	if err := checkBroadcastJoin(op, d, broadcast, false); err != nil {
		return nil, err
	}
	lay, err := newRowJoinLayouts(op, d, stream, broadcast)
	if err != nil {
		return nil, err
	}
	broadcast.setConsumer(consumerRows)
	j := &RowBroadcastNestedLoopJoin{def: d, cond: cond, broadcast: broadcast, layouts: lay}
	j.schema = d.out
	j.children = []Node{stream, broadcast}
	registerHashJoinMetrics(&j.metrics, false)
	j.heap = newRowHeapMetrics(&j.metrics)
	return j, nil
}

// Name implements Node.
func (j *RowBroadcastNestedLoopJoin) Name() string { return "BroadcastNestedLoopJoin" }

// Detail implements Node.
func (j *RowBroadcastNestedLoopJoin) Detail() string { return j.def.nestedLoopDetail() }

// NumPartitions implements Node.
func (j *RowBroadcastNestedLoopJoin) NumPartitions() int { return j.children[0].NumPartitions() }

// JoinType returns the join type.
func (j *RowBroadcastNestedLoopJoin) JoinType() JoinType { return j.def.typ }

// Broadcast returns the broadcast exchange the join reads.
func (j *RowBroadcastNestedLoopJoin) Broadcast() *BroadcastExchange { return j.broadcast }

// ExecuteRows implements RowNode.
func (j *RowBroadcastNestedLoopJoin) ExecuteRows(ctx context.Context, p int, task *TaskContext) (RowStream, error) {
	if err := checkPartition("row broadcast nested loop join", p, j.NumPartitions()); err != nil {
		return nil, err
	}
	return executeRowBroadcastJoin(ctx, p, task, j.def, j.cond, j.layouts, j.broadcast, j.children[0], &j.metrics, j.heap, true)
}
