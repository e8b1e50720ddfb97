package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/join"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// BroadcastMode says what a BroadcastExchange builds of its rows: a hash
// relation on key columns (for broadcast hash joins) or the rows as they
// are (for nested-loop joins).
type BroadcastMode struct {
	// Keys are the child's key columns of a hashed relation; nil for the
	// identity mode.
	Keys []int
	// Labels render the keys in EXPLAIN (Spark prints bound references such
	// as input[0, bigint, false]); nil: the child's field names.
	Labels []string
	// NullAware marks the relation of a null-aware anti join.
	NullAware bool
}

// String renders the mode as Spark does: HashedRelationBroadcastMode(List(k),false)
// or IdentityBroadcastMode.
func (m BroadcastMode) String() string {
	if m.Keys == nil {
		return "IdentityBroadcastMode"
	}
	return fmt.Sprintf("HashedRelationBroadcastMode(List(%s),%t)",
		joinStrings(m.Labels, func(s string) string { return s }), m.NullAware)
}

// broadcastConsumer is the kind of join that reads a broadcast relation:
// it fixes whether the relation is kept as Arrow batches or as rows.
type broadcastConsumer int

const (
	consumerColumnar broadcastConsumer = iota + 1
	consumerRows
)

// Spark's limits on a broadcast relation.
const (
	maxBroadcastRows  = 512_000_000
	maxBroadcastBytes = 8 << 30
)

// BroadcastExchange is a stage boundary that gathers every row of its child
// into one relation, once per query, which the tasks of the consuming
// broadcast joins share read-only: BroadcastExchange in EXPLAIN. Its map
// side runs every partition of the child (RunMapTask, concurrently, as the
// tasks of one stage); the last map task to finish builds the relation
// (and, in the hashed mode, its hash table) once; FinishMap then marks it
// materialized. Its child may be columnar or produce rows; the relation is
// kept in the forms its consumers need (Arrow batches and a columnar hash
// table for the columnar joins, rows and a row hash table for the row
// joins). The relation is never spilled: one that does not fit in the
// building task's memory budget is an error that names
// spark.sql.autoBroadcastJoinThreshold.
//
// BroadcastExchange implements the scheduler's map-side methods like
// Exchange (NumMapPartitions, RunMapTask, FinishMap, Materialized, Release)
// but is neither a ColumnarNode nor a RowNode: only the broadcast joins read
// it.
type BroadcastExchange struct {
	base
	mode   BroadcastMode
	planID int

	mu        sync.Mutex
	needCol   bool
	needRows  bool
	parts     []bcastPart // per map task
	committed int
	col       *colRelation
	row       *rowRelation
	// relRows and relBytes describe the materialized relation.
	relRows, relBytes int64
	materialized      bool
}

// bcastPart is one map task's rows: Arrow batches or rows.
type bcastPart struct {
	done    bool
	batches []arrow.RecordBatch
	rows    *rows.Buffer
	n       int64
	bytes   int64
}

func (p *bcastPart) release() {
	releaseBatchList(p.batches)
	*p = bcastPart{}
}

// NewBroadcastExchange returns a broadcast of child's rows in mode; planID
// numbers it for EXPLAIN ([plan_id=N]).
func NewBroadcastExchange(child Node, mode BroadcastMode, planID int) (*BroadcastExchange, error) {
	if child == nil {
		return nil, fmt.Errorf("BroadcastExchange: nil child")
	}
	s := child.Schema()
	for i, k := range mode.Keys {
		if k < 0 || k >= s.NumFields() {
			return nil, fmt.Errorf("BroadcastExchange: key %d: column %d out of range (%d columns)", i, k, s.NumFields())
		}
		if !keyTypeOK(s.Field(k).Type) {
			return nil, fmt.Errorf("BroadcastExchange: key %d has type %s, which cannot be a join key", i, s.Field(k).Type)
		}
	}
	if mode.Keys != nil {
		mode.Keys = append([]int(nil), mode.Keys...)
		mode.Labels = keyLabels(mode.Labels, mode.Keys, s)
		if len(mode.Labels) != len(mode.Keys) {
			return nil, fmt.Errorf("BroadcastExchange: %d key labels for %d keys", len(mode.Labels), len(mode.Keys))
		}
	}
	if !IsColumnar(child) {
		if _, ok := child.(RowNode); !ok {
			return nil, fmt.Errorf("BroadcastExchange: child %s produces neither batches nor rows", child.Name())
		}
	}
	if _, err := rows.NewLayout(s); err != nil && !IsColumnar(child) {
		return nil, fmt.Errorf("BroadcastExchange: %w", err)
	}
	b := &BroadcastExchange{mode: mode, planID: planID}
	b.schema = s
	b.children = []Node{child}
	b.metrics.Counter("dataSize")
	b.metrics.Counter(JoinBuildRowsMetric)
	b.metrics.Counter("collectTime")
	b.metrics.Counter(JoinBuildTimeMetric)
	b.metrics.Counter(JoinHashTableBytesMetric)
	return b, nil
}

// Name implements Node.
func (b *BroadcastExchange) Name() string { return "BroadcastExchange" }

// Detail implements Node.
func (b *BroadcastExchange) Detail() string {
	return fmt.Sprintf(" %s, [plan_id=%d]", b.mode, b.planID)
}

// Mode returns the broadcast mode.
func (b *BroadcastExchange) Mode() BroadcastMode { return b.mode }

// PlanID returns the exchange's plan id.
func (b *BroadcastExchange) PlanID() int { return b.planID }

// NumPartitions implements Node: the relation is one partition, which every
// task of the consuming join reads whole.
func (b *BroadcastExchange) NumPartitions() int { return 1 }

// NumMapPartitions returns the number of map tasks: the child's partitions.
func (b *BroadcastExchange) NumMapPartitions() int { return b.children[0].NumPartitions() }

// setConsumer records the kind of join reading the relation.
func (b *BroadcastExchange) setConsumer(c broadcastConsumer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c == consumerColumnar {
		b.needCol = true
	} else {
		b.needRows = true
	}
}

// Materialized reports whether the relation has been built.
func (b *BroadcastExchange) Materialized() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.materialized
}

// RelationRows returns the rows of the materialized relation.
func (b *BroadcastExchange) RelationRows() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.relRows
}

// RelationBytes returns the bytes the materialized relation holds: its data
// plus its hash tables (Arrow buffers and, for row joins, Go heap).
func (b *BroadcastExchange) RelationBytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.relBytes
}

// tooBig returns the error of a relation that does not fit.
func (b *BroadcastExchange) tooBig(what string, err error) error {
	return fmt.Errorf("BroadcastExchange [plan_id=%d]: the broadcast relation does not fit in memory (%s); lower spark.sql.autoBroadcastJoinThreshold (or set it to -1) so the join is not broadcast, or give executors more memory: %w",
		b.planID, what, err)
}

// RunMapTask runs map task m: it executes the child's partition m and keeps
// its rows for the relation; the last map task to finish builds the
// relation. Map tasks may run concurrently; a map task that runs again
// replaces its earlier output.
func (b *BroadcastExchange) RunMapTask(ctx context.Context, m int, task *TaskContext) error {
	if err := checkPartition("broadcast exchange map", m, b.NumMapPartitions()); err != nil {
		return err
	}
	t := time.Now()
	part, err := b.collect(ctx, m, task)
	b.metrics.Counter("collectTime").Add(int64(time.Since(t)))
	if err != nil {
		return err
	}
	b.mu.Lock()
	if b.parts == nil {
		b.parts = make([]bcastPart, b.NumMapPartitions())
	}
	if b.parts[m].done {
		b.committed--
	}
	b.parts[m].release()
	b.parts[m] = part
	b.committed++
	var total, totalBytes int64
	for i := range b.parts {
		total += b.parts[i].n
		totalBytes += b.parts[i].bytes
	}
	last := b.committed == len(b.parts) && b.col == nil && b.row == nil
	b.mu.Unlock()
	b.metrics.Counter("dataSize").Add(part.bytes)
	if total > maxBroadcastRows {
		return b.tooBig(fmt.Sprintf("%d rows", total), fmt.Errorf("more than %d rows cannot be broadcast", maxBroadcastRows))
	}
	if totalBytes > maxBroadcastBytes {
		return b.tooBig(fmt.Sprintf("%d bytes", totalBytes), fmt.Errorf("more than 8 GiB cannot be broadcast"))
	}
	if !last {
		return nil
	}
	return b.build(task)
}

// collect runs the child's partition m and returns its rows.
func (b *BroadcastExchange) collect(ctx context.Context, m int, task *TaskContext) (bcastPart, error) {
	part := bcastPart{done: true}
	child := b.children[0]
	if IsColumnar(child) {
		res := task.Memory.NewReservation(fmt.Sprintf("BroadcastExchange [plan_id=%d] collect", b.planID), resource.OffHeap)
		defer res.Free()
		in, err := executeColumnar(child, ctx, m, task)
		if err != nil {
			return part, err
		}
		err = Drain(ctx, in, func(rb arrow.RecordBatch) error {
			if rb.NumRows() == 0 {
				return nil
			}
			n := spill.BatchBytes(rb)
			if err := res.Grow(n); err != nil {
				return b.tooBig(fmt.Sprintf("%d bytes collected by map task %d", part.bytes+n, m), err)
			}
			rb.Retain()
			part.batches = append(part.batches, rb)
			part.n += rb.NumRows()
			part.bytes += n
			return nil
		})
		if err != nil {
			part.release()
			return part, err
		}
		return part, nil
	}
	res := task.Memory.NewReservation(fmt.Sprintf("BroadcastExchange [plan_id=%d] collect", b.planID), resource.Heap)
	defer res.Free()
	in, err := executeRows(child, ctx, m, task)
	if err != nil {
		return part, err
	}
	defer in.Close()
	buf := rows.NewBuffer()
	var held int64
	n := 0
	for {
		if err := rowCanceled(ctx, &n); err != nil {
			return part, err
		}
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return part, err
		}
		buf.Append(r)
		if sz := buf.Bytes(); sz > held {
			if err := res.Grow(sz - held); err != nil {
				return part, b.tooBig(fmt.Sprintf("%d bytes of rows collected by map task %d", sz, m), err)
			}
			held = sz
		}
	}
	part.rows, part.n, part.bytes = buf, int64(buf.Len()), buf.Bytes()
	return part, nil
}

// build makes the relations the consumers need out of the collected parts,
// with the memory of task (the last map task).
func (b *BroadcastExchange) build(task *TaskContext) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := time.Now()
	defer func() { b.metrics.Counter(JoinBuildTimeMetric).Add(int64(time.Since(t))) }()
	needCol := b.needCol || !b.needRows
	var rowRel *rowRelation
	if b.needRows {
		r, err := b.buildRows(task)
		if err != nil {
			return err
		}
		rowRel = r
	}
	if needCol {
		c, err := b.buildCol(task)
		if err != nil {
			return err
		}
		b.col = c
	}
	b.row = rowRel
	for i := range b.parts {
		b.parts[i].release()
	}
	b.describe()
	return nil
}

// describe records the relation's size (under b.mu).
func (b *BroadcastExchange) describe() {
	var n, bytes, table int64
	if b.col != nil {
		n, bytes = int64(b.col.numRows()), b.col.bytes()
		if b.col.table != nil {
			table = b.col.table.Bytes()
		}
	}
	if b.row != nil {
		n = int64(b.row.numRows())
		bytes += b.row.bytes()
		if b.row.table != nil {
			table += b.row.table.bytes()
		}
	}
	b.relRows, b.relBytes = n, bytes
	b.metrics.Counter(JoinBuildRowsMetric).Store(n)
	b.metrics.Counter(JoinHashTableBytesMetric).Store(table)
}

// buildCol builds the columnar relation from the parts (under b.mu),
// taking over their batches.
func (b *BroadcastExchange) buildCol(task *TaskContext) (*colRelation, error) {
	alloc := task.Alloc
	var batches []arrow.RecordBatch
	var layout *rows.Layout
	for i := range b.parts {
		p := &b.parts[i]
		batches = append(batches, p.batches...)
		p.batches = nil
		if p.rows != nil && p.rows.Len() > 0 {
			if layout == nil {
				l, err := rows.NewLayout(b.schema)
				if err != nil {
					releaseBatchList(batches)
					return nil, fmt.Errorf("BroadcastExchange: %w", err)
				}
				layout = l
			}
			rb, err := rows.BufferToBatch(alloc, layout, p.rows, 0, p.rows.Len())
			if err != nil {
				releaseBatchList(batches)
				return nil, fmt.Errorf("BroadcastExchange: converting rows to batches: %w", err)
			}
			batches = append(batches, rb)
		}
	}
	return b.colRelationOf(task, batches)
}

// colRelationOf builds the columnar relation of batches (taken over),
// reserving its memory from task.
func (b *BroadcastExchange) colRelationOf(task *TaskContext, batches []arrow.RecordBatch) (*colRelation, error) {
	var n int64
	for _, rb := range batches {
		n += rb.NumRows()
	}
	need := batchesBytes(batches) + concatPeak(batches)
	if b.mode.Keys != nil {
		need += join.TableBytes(int(min(n, join.MaxBuildRows)))
	}
	res := task.Memory.NewReservation(fmt.Sprintf("BroadcastExchange [plan_id=%d] relation", b.planID), resource.OffHeap)
	defer res.Free()
	if err := res.Grow(need); err != nil {
		releaseBatchList(batches)
		return nil, b.tooBig(fmt.Sprintf("%d rows, %d bytes with its hash table", n, need), err)
	}
	rel, err := newColRelation(task.Alloc, b.schema, batches, b.mode.Keys)
	if err != nil {
		return nil, fmt.Errorf("BroadcastExchange [plan_id=%d]: %w", b.planID, err)
	}
	return rel, nil
}

// buildRows builds the row relation from the parts (under b.mu); the
// parts stay as they are.
func (b *BroadcastExchange) buildRows(task *TaskContext) (*rowRelation, error) {
	l, err := rows.NewLayout(b.schema)
	if err != nil {
		return nil, fmt.Errorf("BroadcastExchange: %w", err)
	}
	buf := rows.NewBuffer()
	for i := range b.parts {
		p := &b.parts[i]
		for _, rb := range p.batches {
			if err := rows.AppendBatch(l, rb, buf); err != nil {
				return nil, fmt.Errorf("BroadcastExchange: converting batches to rows: %w", err)
			}
		}
		if p.rows != nil {
			for j := 0; j < p.rows.Len(); j++ {
				buf.Append(p.rows.Row(j))
			}
		}
	}
	return b.rowRelationOf(task, l, buf)
}

// rowRelationOf builds the row relation of buf, reserving its heap from
// task.
func (b *BroadcastExchange) rowRelationOf(task *TaskContext, l *rows.Layout, buf *rows.Buffer) (*rowRelation, error) {
	res := task.Memory.NewReservation(fmt.Sprintf("BroadcastExchange [plan_id=%d] relation", b.planID), resource.Heap)
	defer res.Free()
	need := buf.Bytes()
	if b.mode.Keys != nil {
		need += rowTableBytes(buf.Len(), int64(buf.Len())*int64(8*len(b.mode.Keys)+8))
	}
	if err := res.Grow(need); err != nil {
		return nil, b.tooBig(fmt.Sprintf("%d rows, %d bytes of heap with its hash table", buf.Len(), need), err)
	}
	rel := &rowRelation{layout: l, buf: buf}
	if b.mode.Keys != nil {
		rel.table = buildRowHashTable(l, buf, b.mode.Keys)
	}
	return rel, nil
}

// FinishMap marks the map side complete (building an empty relation when
// the child has no partitions).
func (b *BroadcastExchange) FinishMap() {
	b.mu.Lock()
	empty := b.col == nil && b.row == nil && b.NumMapPartitions() == 0
	b.mu.Unlock()
	if empty {
		// Nothing to reserve or count: zero rows.
		b.build(&TaskContext{Alloc: memory.DefaultAllocator})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.materialized = true
}

// colRelation returns the columnar relation, building it from the row
// relation with task's memory if no columnar join asked for it before the
// map side ran.
func (b *BroadcastExchange) colRelation(task *TaskContext) (*colRelation, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.materialized {
		return nil, fmt.Errorf("BroadcastExchange [plan_id=%d] read before its map stage ran", b.planID)
	}
	if b.col != nil {
		return b.col, nil
	}
	if b.row == nil {
		return nil, fmt.Errorf("BroadcastExchange [plan_id=%d]: no relation (released?)", b.planID)
	}
	rb, err := rows.BufferToBatch(task.Alloc, b.row.layout, b.row.buf, 0, b.row.numRows())
	if err != nil {
		return nil, fmt.Errorf("BroadcastExchange: converting rows to batches: %w", err)
	}
	c, err := b.colRelationOf(task, []arrow.RecordBatch{rb})
	if err != nil {
		return nil, err
	}
	b.col = c
	b.describe()
	return c, nil
}

// rowRelation returns the row relation, building it from the columnar
// relation if no row join asked for it before the map side ran.
func (b *BroadcastExchange) rowRelation(task *TaskContext) (*rowRelation, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.materialized {
		return nil, fmt.Errorf("BroadcastExchange [plan_id=%d] read before its map stage ran", b.planID)
	}
	if b.row != nil {
		return b.row, nil
	}
	if b.col == nil {
		return nil, fmt.Errorf("BroadcastExchange [plan_id=%d]: no relation (released?)", b.planID)
	}
	l, err := rows.NewLayout(b.schema)
	if err != nil {
		return nil, fmt.Errorf("BroadcastExchange: %w", err)
	}
	buf := rows.NewBuffer()
	if err := rows.AppendBatch(l, b.col.batch, buf); err != nil {
		return nil, fmt.Errorf("BroadcastExchange: converting batches to rows: %w", err)
	}
	r, err := b.rowRelationOf(task, l, buf)
	if err != nil {
		return nil, err
	}
	b.row = r
	b.describe()
	return r, nil
}

// Release frees the relation and whatever the map tasks collected. It is
// safe to call more than once.
func (b *BroadcastExchange) Release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.parts {
		b.parts[i].release()
	}
	b.parts = nil
	b.committed = 0
	b.col.release()
	b.col = nil
	b.row = nil
	b.materialized = false
}

// BroadcastHashJoin joins a streamed child with a broadcast relation whose
// hash table every task shares: BroadcastHashJoinExecTransformer in
// EXPLAIN. Its partitions are the streamed side's.
type BroadcastHashJoin struct {
	base
	def       *joinDef
	cond      expr.Expr
	broadcast *BroadcastExchange
}

// NewBroadcastHashJoin returns a hash join of stream with the relation of
// broadcast. buildSide says which side broadcast is (BuildRight: stream is
// the left side). The arguments are NewShuffledHashJoin's. Joins that output
// the build side's unmatched rows (RightOuter with BuildRight, LeftOuter
// with BuildLeft, FullOuter) are rejected: every task sees the whole build
// side, so those rows would repeat. The broadcast's mode must be hashed on
// the build side's keys.
func NewBroadcastHashJoin(stream Node, broadcast *BroadcastExchange, typ JoinType, leftKeys, rightKeys []int, cond expr.Expr,
	buildSide BuildSide, leftLabels, rightLabels []string, condLabel string, schema *arrow.Schema) (*BroadcastHashJoin, error) {
	const op = "BroadcastHashJoinExecTransformer"
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
		o.condType, o.condRefs, o.condLabel = cond.DataType(), exprColumnRefs(cond), condLabelOf(condLabel, cond)
	}
	d, err := newJoinDef(o)
	if err != nil {
		return nil, err
	}
	if err := checkBroadcastJoin(op, d, broadcast, true); err != nil {
		return nil, err
	}
	broadcast.setConsumer(consumerColumnar)
	j := &BroadcastHashJoin{def: d, cond: cond, broadcast: broadcast}
	j.schema = d.out
	j.children = []Node{left, right}
	registerHashJoinMetrics(&j.metrics, false)
	return j, nil
}

// checkBroadcastJoin checks that a join can read broadcast as its build
// side.
func checkBroadcastJoin(op string, d *joinDef, b *BroadcastExchange, hashed bool) error {
	if d.buildOuter() {
		return fmt.Errorf("%s: a %s join with %s outputs the build side's unmatched rows, which a broadcast build side would repeat in every task", op, d.typ, d.buildSide)
	}
	if !hashed {
		if b.mode.Keys != nil {
			return fmt.Errorf("%s: the broadcast [plan_id=%d] is hashed, a nested-loop join needs IdentityBroadcastMode", op, b.planID)
		}
		return nil
	}
	bk := d.buildKeys()
	if len(b.mode.Keys) != len(bk) {
		return fmt.Errorf("%s: the broadcast [plan_id=%d] is hashed on %d keys, the join has %d", op, b.planID, len(b.mode.Keys), len(bk))
	}
	for i, k := range bk {
		if b.mode.Keys[i] != k {
			return fmt.Errorf("%s: build key %d is column %d, the broadcast [plan_id=%d] hashes column %d", op, i, k, b.planID, b.mode.Keys[i])
		}
	}
	return nil
}

// Name implements Node.
func (j *BroadcastHashJoin) Name() string { return "BroadcastHashJoinExecTransformer" }

// Detail implements Node.
func (j *BroadcastHashJoin) Detail() string { return j.def.detail(true) }

// NumPartitions implements Node.
func (j *BroadcastHashJoin) NumPartitions() int { return j.streamChild().NumPartitions() }

// JoinType returns the join type.
func (j *BroadcastHashJoin) JoinType() JoinType { return j.def.typ }

// BuildSide returns the broadcast side.
func (j *BroadcastHashJoin) BuildSide() BuildSide { return j.def.buildSide }

// Broadcast returns the broadcast exchange the join reads.
func (j *BroadcastHashJoin) Broadcast() *BroadcastExchange { return j.broadcast }

func (j *BroadcastHashJoin) streamChild() Node {
	if j.def.buildSide == BuildRight {
		return j.children[0]
	}
	return j.children[1]
}

// Execute implements ColumnarNode.
func (j *BroadcastHashJoin) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("broadcast hash join", p, j.NumPartitions()); err != nil {
		return nil, err
	}
	return executeBroadcastJoin(ctx, p, task, j.def, j.cond, j.broadcast, j.streamChild(), &j.metrics, false)
}

// executeBroadcastJoin starts partition p of a columnar broadcast join.
func executeBroadcastJoin(ctx context.Context, p int, task *TaskContext, d *joinDef, cond expr.Expr,
	bx *BroadcastExchange, stream Node, m *Metrics, nested bool) (Stream, error) {
	rel, err := bx.colRelation(task)
	if err != nil {
		return nil, err
	}
	if !nested && rel.table == nil {
		return nil, fmt.Errorf("BroadcastExchange [plan_id=%d] has no hash table", bx.planID)
	}
	in, err := executeColumnar(stream, ctx, p, task)
	if err != nil {
		return nil, err
	}
	jm := newJoinMetrics(m)
	eng := newColProbe(d, cond, rel, task.Alloc, joinBatchRows(task), nested)
	return meteredTask(&broadcastJoinStream{in: in, eng: eng, m: jm}, m, task), nil
}

// broadcastJoinStream streams one partition of the streamed side through a
// broadcast relation.
type broadcastJoinStream struct {
	in  Stream
	eng *colProbe
	m   joinMetrics
	err error
}

func (s *broadcastJoinStream) Next() (arrow.RecordBatch, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.eng == nil || s.eng.skipAll {
		return nil, io.EOF
	}
	for {
		t := time.Now()
		out, err := s.eng.next()
		s.m.probeTime.Add(int64(time.Since(t)))
		if err != nil {
			s.err = err
			return nil, err
		}
		if out != nil {
			return out, nil
		}
		b, err := s.in.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			return nil, err
		}
		t = time.Now()
		err = s.eng.push(b)
		s.m.probeTime.Add(int64(time.Since(t)))
		if err != nil {
			s.err = err
			return nil, err
		}
	}
}

func (s *broadcastJoinStream) Close() {
	if s.in != nil {
		s.in.Close()
		s.in = nil
	}
	if s.eng != nil {
		s.eng.release()
		s.eng = nil
	}
}

// BroadcastNestedLoopJoin joins a streamed left child with a broadcast right
// relation by evaluating a condition on every pair (a cross join when there
// is none): BroadcastNestedLoopJoinExecTransformer in EXPLAIN. For joins
// without equi-join keys and a small broadcast side.
type BroadcastNestedLoopJoin struct {
	base
	def       *joinDef
	cond      expr.Expr
	broadcast *BroadcastExchange
}

// NewBroadcastNestedLoopJoin returns a nested-loop join of stream (the left
// side) with broadcast (the right side, in IdentityBroadcastMode). typ is
// InnerJoin, LeftOuterJoin, LeftSemiJoin or LeftAntiJoin; cond (nil: none)
// is a BOOLEAN condition over left ++ right columns; condLabel and schema
// are as for NewShuffledHashJoin.
func NewBroadcastNestedLoopJoin(stream Node, broadcast *BroadcastExchange, typ JoinType, cond expr.Expr,
	condLabel string, schema *arrow.Schema) (*BroadcastNestedLoopJoin, error) {
	const op = "BroadcastNestedLoopJoinExecTransformer"
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
		o.condType, o.condRefs, o.condLabel = cond.DataType(), exprColumnRefs(cond), condLabelOf(condLabel, cond)
	}
	d, err := newJoinDef(o)
	if err != nil {
		return nil, err
	}
	if err := checkBroadcastJoin(op, d, broadcast, false); err != nil {
		return nil, err
	}
	broadcast.setConsumer(consumerColumnar)
	j := &BroadcastNestedLoopJoin{def: d, cond: cond, broadcast: broadcast}
	j.schema = d.out
	j.children = []Node{stream, broadcast}
	registerHashJoinMetrics(&j.metrics, false)
	return j, nil
}

// Name implements Node.
func (j *BroadcastNestedLoopJoin) Name() string { return "BroadcastNestedLoopJoinExecTransformer" }

// Detail implements Node.
func (j *BroadcastNestedLoopJoin) Detail() string { return j.def.nestedLoopDetail() }

// NumPartitions implements Node.
func (j *BroadcastNestedLoopJoin) NumPartitions() int { return j.children[0].NumPartitions() }

// JoinType returns the join type.
func (j *BroadcastNestedLoopJoin) JoinType() JoinType { return j.def.typ }

// Broadcast returns the broadcast exchange the join reads.
func (j *BroadcastNestedLoopJoin) Broadcast() *BroadcastExchange { return j.broadcast }

// Execute implements ColumnarNode.
func (j *BroadcastNestedLoopJoin) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("broadcast nested loop join", p, j.NumPartitions()); err != nil {
		return nil, err
	}
	return executeBroadcastJoin(ctx, p, task, j.def, j.cond, j.broadcast, j.children[0], &j.metrics, true)
}
