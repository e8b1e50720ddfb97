package operators

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/expr"
)

// JoinType is the kind of a join. The constants are in the order of
// planner/logical's join types, so one converts to the other.
type JoinType int

// The join types, with Spark SQL's semantics: equi-join keys never match
// when NULL; a residual condition is part of the match (for outer, semi and
// anti joins a pair matches only where it is true).
const (
	// InnerJoin outputs the matching pairs.
	InnerJoin JoinType = iota
	// LeftOuterJoin also outputs every unmatched left row, with NULL right
	// columns.
	LeftOuterJoin
	// RightOuterJoin also outputs every unmatched right row, with NULL left
	// columns.
	RightOuterJoin
	// FullOuterJoin outputs the unmatched rows of both sides too.
	FullOuterJoin
	// LeftSemiJoin outputs, once, each left row that has a match; only the
	// left columns.
	LeftSemiJoin
	// LeftAntiJoin outputs each left row that has no match (NULL keys
	// included); only the left columns.
	LeftAntiJoin
	// NullAwareAntiJoin is NOT IN's anti join (one key column, no residual
	// condition): if the right side has a NULL key, no row qualifies; a
	// left row with a NULL key qualifies only when the right side is empty;
	// otherwise as LeftAntiJoin.
	NullAwareAntiJoin
)

var joinTypeNames = [...]string{"Inner", "LeftOuter", "RightOuter", "FullOuter", "LeftSemi", "LeftAnti", "LeftAnti"}

// String names the join type as Spark prints it (a null-aware anti join is
// a LeftAnti whose null-awareness Spark prints separately).
func (t JoinType) String() string {
	if t < 0 || int(t) >= len(joinTypeNames) {
		return fmt.Sprintf("JoinType(%d)", int(t))
	}
	return joinTypeNames[t]
}

// OutputsRight reports whether the join outputs the right side's columns
// (semi and anti joins do not).
func (t JoinType) OutputsRight() bool { return t <= FullOuterJoin }

// valid reports whether t is one of the join types.
func (t JoinType) valid() bool { return t >= InnerJoin && t <= NullAwareAntiJoin }

// BuildSide is the side of a hash join whose rows go into the hash table;
// the other side streams through it.
type BuildSide int

// The build sides.
const (
	// BuildRight builds the hash table of the right side.
	BuildRight BuildSide = iota
	// BuildLeft builds the hash table of the left side.
	BuildLeft
)

// String names the build side as Spark prints it.
func (b BuildSide) String() string {
	if b == BuildLeft {
		return "BuildLeft"
	}
	return "BuildRight"
}

// joinDef is what every join node knows: its type, keys, sides and labels,
// and the schemas it works with. It is immutable once built.
type joinDef struct {
	typ       JoinType
	buildSide BuildSide
	leftKeys  []int
	rightKeys []int
	// leftLabels and rightLabels render the keys in EXPLAIN; condLabel the
	// residual condition ("" when there is none).
	leftLabels, rightLabels []string
	condLabel               string
	hasCond                 bool
	// nLeft and nRight are the children's column counts.
	nLeft, nRight int
	// joined is left ++ right, the schema the residual condition reads and
	// the schema of the joined pairs (the right columns nullable where an
	// outer join makes them so, and so on).
	joined *arrow.Schema
	// out is the node's output schema (joined, or the left columns for
	// semi and anti joins), with the planner's field names.
	out *arrow.Schema
	// condCols are the columns of joined that the condition reads.
	condCols []int
}

// joinOpts are the inputs newJoinDef validates.
type joinOpts struct {
	op                      string
	left, right             Node
	typ                     JoinType
	leftKeys, rightKeys     []int
	condType                arrow.DataType // nil: no condition
	condRefs                []colRef
	buildSide               BuildSide
	leftLabels, rightLabels []string
	condLabel               string
	schema                  *arrow.Schema
	// hashed: an equi-join (at least one key pair); otherwise a nested-loop
	// join without keys.
	hashed bool
	// semiBuildLeft: the node can build the left side of a semi or anti
	// join (it sees every row of both sides of a partition, so the build
	// rows' matches decide them: the columnar shuffled hash join).
	semiBuildLeft bool
}

// colRef is a column a condition reads: its index in left ++ right and the
// type the expression expects.
type colRef struct {
	index int
	typ   arrow.DataType
	name  string
}

// probeOuter reports whether the streamed (probe) side's unmatched rows
// are output.
func (d *joinDef) probeOuter() bool {
	switch d.typ {
	case LeftOuterJoin:
		return d.buildSide == BuildRight
	case RightOuterJoin:
		return d.buildSide == BuildLeft
	case FullOuterJoin:
		return true
	}
	return false
}

// buildOuter reports whether the build side's unmatched rows are output
// (after the probe side is exhausted).
func (d *joinDef) buildOuter() bool {
	switch d.typ {
	case LeftOuterJoin:
		return d.buildSide == BuildLeft
	case RightOuterJoin:
		return d.buildSide == BuildRight
	case FullOuterJoin:
		return true
	}
	return false
}

// semiLike reports whether the join outputs the left rows only (semi,
// anti): the probe rows when it builds the right side, the build rows when
// it builds the left (buildSemi).
func (d *joinDef) semiLike() bool { return !d.typ.OutputsRight() }

// buildSemi reports whether the join is a semi or anti join that builds
// its left side (Velox's right semi join): the probe (right) rows only mark
// the build rows they match, and once the probe side is exhausted the
// marked build rows (semi) or the unmarked ones (anti) are output.
func (d *joinDef) buildSemi() bool {
	return (d.typ == LeftSemiJoin || d.typ == LeftAntiJoin) && d.buildSide == BuildLeft
}

// marksBuild reports whether the probe marks the build rows it matches:
// joins that output the build side's unmatched rows, and buildSemi.
func (d *joinDef) marksBuild() bool { return d.buildOuter() || d.buildSemi() }

// buildKeepsUnmatched reports whether build rows that match nothing (NULL
// keys, say) may be output: outer joins' build side, the left side of an
// anti join that builds it.
func (d *joinDef) buildKeepsUnmatched() bool {
	return d.buildOuter() || (d.buildSemi() && d.typ == LeftAntiJoin)
}

// probeKeys and buildKeys return the key columns of the two roles.
func (d *joinDef) probeKeys() []int {
	if d.buildSide == BuildRight {
		return d.leftKeys
	}
	return d.rightKeys
}

func (d *joinDef) buildKeys() []int {
	if d.buildSide == BuildRight {
		return d.rightKeys
	}
	return d.leftKeys
}

// detail renders " [leftKeys], [rightKeys], JoinType, BuildSide[, cond]" and,
// for broadcast hash joins, Spark's trailing null-awareness flag.
func (d *joinDef) detail(nullAwareFlag bool) string {
	s := fmt.Sprintf(" [%s], [%s], %s, %s",
		joinStrings(d.leftLabels, func(s string) string { return s }),
		joinStrings(d.rightLabels, func(s string) string { return s }),
		d.typ, d.buildSide)
	if d.hasCond {
		s += ", " + d.condLabel
	}
	if nullAwareFlag {
		s += fmt.Sprintf(", %t", d.typ == NullAwareAntiJoin)
	}
	return s
}

// nestedLoopDetail renders " BuildSide, JoinType[, cond]" as Spark prints a
// BroadcastNestedLoopJoin.
func (d *joinDef) nestedLoopDetail() string {
	s := fmt.Sprintf(" %s, %s", d.buildSide, d.typ)
	if d.hasCond {
		s += ", " + d.condLabel
	}
	return s
}

// keyTypeOK reports whether a key column of type t can be joined on.
func keyTypeOK(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128,
		arrow.STRING, arrow.BINARY, arrow.DATE32, arrow.TIMESTAMP, arrow.NULL:
		return true
	}
	return false
}

// newJoinDef validates a join's arguments and derives its schemas.
func newJoinDef(o joinOpts) (*joinDef, error) {
	op := o.op
	if o.left == nil || o.right == nil {
		return nil, fmt.Errorf("%s: nil child", op)
	}
	if !o.typ.valid() {
		return nil, fmt.Errorf("%s: unknown join type %d", op, int(o.typ))
	}
	if o.buildSide != BuildLeft && o.buildSide != BuildRight {
		return nil, fmt.Errorf("%s: unknown build side %d", op, int(o.buildSide))
	}
	if !o.typ.OutputsRight() && o.buildSide != BuildRight &&
		!(o.semiBuildLeft && o.hashed && (o.typ == LeftSemiJoin || o.typ == LeftAntiJoin)) {
		return nil, fmt.Errorf("%s: a %s join builds its right side, not its left", op, o.typ)
	}
	ls, rs := o.left.Schema(), o.right.Schema()
	if len(o.leftKeys) != len(o.rightKeys) {
		return nil, fmt.Errorf("%s: %d left keys but %d right keys", op, len(o.leftKeys), len(o.rightKeys))
	}
	if o.hashed && len(o.leftKeys) == 0 {
		return nil, fmt.Errorf("%s: a hash join needs at least one key pair", op)
	}
	if !o.hashed && len(o.leftKeys) != 0 {
		return nil, fmt.Errorf("%s: a nested-loop join takes no keys", op)
	}
	for i := range o.leftKeys {
		lk, rk := o.leftKeys[i], o.rightKeys[i]
		if lk < 0 || lk >= ls.NumFields() {
			return nil, fmt.Errorf("%s: left key %d: column %d out of range (%d columns)", op, i, lk, ls.NumFields())
		}
		if rk < 0 || rk >= rs.NumFields() {
			return nil, fmt.Errorf("%s: right key %d: column %d out of range (%d columns)", op, i, rk, rs.NumFields())
		}
		lt, rt := ls.Field(lk).Type, rs.Field(rk).Type
		if !arrow.TypeEqual(lt, rt) {
			return nil, fmt.Errorf("%s: key %d has type %s on the left and %s on the right (the planner must cast them to one type)", op, i, lt, rt)
		}
		if !keyTypeOK(lt) {
			return nil, fmt.Errorf("%s: key %d has type %s, which cannot be a join key", op, i, lt)
		}
	}
	if o.typ == NullAwareAntiJoin {
		if len(o.leftKeys) != 1 {
			return nil, fmt.Errorf("%s: a null-aware anti join takes exactly one key, not %d", op, len(o.leftKeys))
		}
		if o.condType != nil {
			return nil, fmt.Errorf("%s: a null-aware anti join takes no residual condition", op)
		}
	}
	if o.condType != nil && o.condType.ID() != arrow.BOOL {
		return nil, fmt.Errorf("%s: join condition %s has type %s, not boolean", op, o.condLabel, o.condType)
	}
	d := &joinDef{typ: o.typ, buildSide: o.buildSide, leftKeys: append([]int(nil), o.leftKeys...),
		rightKeys: append([]int(nil), o.rightKeys...), hasCond: o.condType != nil,
		nLeft: ls.NumFields(), nRight: rs.NumFields(), condLabel: o.condLabel}
	d.leftLabels = keyLabels(o.leftLabels, o.leftKeys, ls)
	d.rightLabels = keyLabels(o.rightLabels, o.rightKeys, rs)
	if len(d.leftLabels) != len(o.leftKeys) || len(d.rightLabels) != len(o.rightKeys) {
		return nil, fmt.Errorf("%s: %d/%d key labels for %d keys", op, len(o.leftLabels), len(o.rightLabels), len(o.leftKeys))
	}

	nullLeft := o.typ == RightOuterJoin || o.typ == FullOuterJoin
	nullRight := o.typ == LeftOuterJoin || o.typ == FullOuterJoin
	fields := make([]arrow.Field, 0, d.nLeft+d.nRight)
	for _, f := range ls.Fields() {
		f.Nullable = f.Nullable || nullLeft
		fields = append(fields, f)
	}
	for _, f := range rs.Fields() {
		f.Nullable = f.Nullable || nullRight
		fields = append(fields, f)
	}
	d.joined = arrow.NewSchema(fields, nil)
	outFields := fields
	if !o.typ.OutputsRight() {
		outFields = fields[:d.nLeft]
	}
	if o.schema != nil {
		if o.schema.NumFields() != len(outFields) {
			return nil, fmt.Errorf("%s: output schema has %d fields, the join outputs %d", op, o.schema.NumFields(), len(outFields))
		}
		for i, f := range o.schema.Fields() {
			if !arrow.TypeEqual(f.Type, outFields[i].Type) {
				return nil, fmt.Errorf("%s: output field %d (%q) has type %s, the join outputs %s", op, i, f.Name, f.Type, outFields[i].Type)
			}
		}
		d.out = o.schema
	} else {
		d.out = arrow.NewSchema(outFields, nil)
	}
	seen := map[int]bool{}
	for _, c := range o.condRefs {
		if c.index < 0 || c.index >= len(fields) {
			return nil, fmt.Errorf("%s: condition column %s: index %d out of range (%d columns)", op, c.name, c.index, len(fields))
		}
		if c.typ != nil && !arrow.TypeEqual(c.typ, fields[c.index].Type) {
			return nil, fmt.Errorf("%s: condition column %s has type %s, column %d is %s", op, c.name, c.typ, c.index, fields[c.index].Type)
		}
		if !seen[c.index] {
			seen[c.index] = true
			d.condCols = append(d.condCols, c.index)
		}
	}
	return d, nil
}

// keyLabels returns labels, or names made from the schema when nil.
func keyLabels(labels []string, keys []int, s *arrow.Schema) []string {
	if labels != nil {
		return append([]string(nil), labels...)
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		if k >= 0 && k < s.NumFields() {
			out[i] = s.Field(k).Name
		}
	}
	return out
}

// exprColumnRefs lists the column references of a columnar expression.
func exprColumnRefs(e expr.Expr) []colRef {
	var out []colRef
	var walk func(e expr.Expr)
	walk = func(e expr.Expr) {
		if e == nil {
			return
		}
		if c, ok := e.(*expr.ColumnRef); ok {
			out = append(out, colRef{index: c.Index(), typ: c.DataType(), name: c.Name()})
		}
		for _, ch := range e.Children() {
			walk(ch)
		}
	}
	walk(e)
	return out
}

// condLabelOf returns label, or the condition's own rendering.
func condLabelOf(label string, s fmt.Stringer) string {
	if label != "" || s == nil {
		return label
	}
	return s.String()
}

// ShuffledHashJoin joins two children partitioned alike (the planner puts
// exchanges on the keys with the same partition count under both):
// partition p joins left partition p with right partition p, building a
// hash table of the build side's rows and streaming the other side through
// it: ShuffledHashJoinExecTransformer in EXPLAIN. When the build side does
// not fit in the task's off-heap budget, it spills (a grace hash join).
type ShuffledHashJoin struct {
	base
	def  *joinDef
	cond expr.Expr
}

// NewShuffledHashJoin returns a hash join of left and right, both columnar
// with the same number of partitions. leftKeys[i] = rightKeys[i] (columns
// of the same type) are the equi-join keys; cond (nil: none) is a residual
// BOOLEAN condition over left ++ right columns; buildSide picks the side
// hashed (a null-aware anti join builds the right side; a semi or anti join
// that builds its left side streams the right side, marking the left rows
// it matches, and outputs the marked (semi) or unmarked (anti) left rows at
// the end of each partition); leftLabels,
// rightLabels and condLabel are EXPLAIN's renderings (nil / "": from the
// schemas / cond.String()); schema (nil: derived) is the output schema: the
// left then the right columns (right nullable for LeftOuter, left for
// RightOuter, both for FullOuter), or only the left columns for semi and
// anti joins.
func NewShuffledHashJoin(left, right Node, typ JoinType, leftKeys, rightKeys []int, cond expr.Expr,
	buildSide BuildSide, leftLabels, rightLabels []string, condLabel string, schema *arrow.Schema) (*ShuffledHashJoin, error) {
	const op = "ShuffledHashJoinExecTransformer"
	o := joinOpts{op: op, left: left, right: right, typ: typ, leftKeys: leftKeys, rightKeys: rightKeys,
		buildSide: buildSide, leftLabels: leftLabels, rightLabels: rightLabels, schema: schema, hashed: true,
		semiBuildLeft: true}
	if cond != nil {
		o.condType, o.condRefs, o.condLabel = cond.DataType(), exprColumnRefs(cond), condLabelOf(condLabel, cond)
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
	j := &ShuffledHashJoin{def: d, cond: cond}
	j.schema = d.out
	j.children = []Node{left, right}
	registerHashJoinMetrics(&j.metrics, true)
	return j, nil
}

// Name implements Node.
func (j *ShuffledHashJoin) Name() string { return "ShuffledHashJoinExecTransformer" }

// Detail implements Node.
func (j *ShuffledHashJoin) Detail() string { return j.def.detail(false) }

// NumPartitions implements Node.
func (j *ShuffledHashJoin) NumPartitions() int { return j.children[0].NumPartitions() }

// JoinType returns the join type.
func (j *ShuffledHashJoin) JoinType() JoinType { return j.def.typ }

// BuildSide returns the side the hash table is built of.
func (j *ShuffledHashJoin) BuildSide() BuildSide { return j.def.buildSide }

// Condition returns the residual condition (nil: none).
func (j *ShuffledHashJoin) Condition() expr.Expr { return j.cond }

// Execute implements ColumnarNode.
func (j *ShuffledHashJoin) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("shuffled hash join", p, j.NumPartitions()); err != nil {
		return nil, err
	}
	s := &shjStream{j: j, ctx: ctx, task: task, part: p, alloc: task.Alloc, batchSize: joinBatchRows(task),
		files: spillFiles{}, m: newJoinMetrics(&j.metrics)}
	return meteredTask(s, &j.metrics, task), nil
}

// Names of the join metrics.
const (
	JoinBuildRowsMetric       = "buildRows"
	JoinBuildTimeMetric       = "buildTime"
	JoinProbeTimeMetric       = "probeTime"
	JoinHashTableBytesMetric  = "hashTableBytes"
	JoinSpilledBytesMetric    = "spilledBytes"
	JoinSpillPartitionsMetric = "spillPartitions"
)

// registerHashJoinMetrics registers a join's counters: a shuffled join
// (builds) has them all, a broadcast join (whose exchange builds) only the
// probe time. The output rows are Metrics.OutputRows (Spark's
// numOutputRows).
func registerHashJoinMetrics(m *Metrics, shuffled bool) {
	if shuffled {
		m.Counter(JoinBuildRowsMetric)
		m.Counter(JoinBuildTimeMetric)
	}
	m.Counter(JoinProbeTimeMetric)
	if shuffled {
		m.Counter(JoinHashTableBytesMetric)
		m.Counter(JoinSpilledBytesMetric)
		m.Counter(JoinSpillPartitionsMetric)
	}
}
