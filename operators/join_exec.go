package operators

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/join"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/columnar/spill"
)

// The seed of the hash tables of columnar joins. The grace hash join's
// partitioning uses other seeds (partitionSeed), so the rows of one spill
// partition still spread over the whole table.
const joinTableSeed = 0x2545f4914f6cdd1d

// joinBatchRows returns the task's batch size, or a default.
func joinBatchRows(task *TaskContext) int {
	if task != nil && task.BatchSize > 0 {
		return task.BatchSize
	}
	return 8192
}

// colRelation is a materialized build side: all its rows as one batch and,
// for hash joins, the hash table of its keys. Once built it is read-only
// (a broadcast relation is shared by every probe task).
type colRelation struct {
	batch     arrow.RecordBatch
	table     *join.HashTable // nil for nested-loop joins
	dataBytes int64
}

// numRows returns the relation's row count.
func (r *colRelation) numRows() int { return int(r.batch.NumRows()) }

// bytes returns the memory the relation holds: its data and its table.
func (r *colRelation) bytes() int64 {
	n := r.dataBytes
	if r.table != nil {
		n += r.table.Bytes()
	}
	return n
}

func (r *colRelation) release() {
	if r == nil {
		return
	}
	if r.table != nil {
		r.table.Release()
		r.table = nil
	}
	if r.batch != nil {
		r.batch.Release()
		r.batch = nil
	}
}

// newColRelation builds a relation of batches of schema (taken over, also
// on error), hashed on the key columns keys (nil: not hashed).
func newColRelation(alloc memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch, keys []int) (*colRelation, error) {
	b, err := concatBatches(alloc, schema, batches)
	if err != nil {
		return nil, err
	}
	r := &colRelation{batch: b, dataBytes: spill.BatchBytes(b)}
	if keys != nil {
		cols := make([]arrow.Array, len(keys))
		for i, k := range keys {
			cols[i] = b.Column(k)
		}
		r.table, err = join.BuildTable(alloc, cols, joinTableSeed)
		if err != nil {
			b.Release()
			return nil, fmt.Errorf("building the join's hash table: %w", err)
		}
	}
	return r, nil
}

// concatBatches takes over batches of schema and returns one batch holding
// their rows. It concatenates column by column, releasing each input
// column as soon as it is copied, so the peak is the input plus one
// column.
func concatBatches(alloc memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	var nonEmpty []arrow.RecordBatch
	for _, b := range batches {
		if b.NumRows() > 0 {
			nonEmpty = append(nonEmpty, b)
		} else {
			b.Release()
		}
	}
	switch len(nonEmpty) {
	case 0:
		cols := make([]arrow.Array, schema.NumFields())
		for i, f := range schema.Fields() {
			cols[i] = join.NullArray(alloc, f.Type, 0)
		}
		out := array.NewRecordBatch(schema, cols, 0)
		releaseArrays(cols)
		return out, nil
	case 1:
		return withSchema(nonEmpty[0], schema), nil
	}
	// Hold each column separately so it can be freed once copied.
	src := make([][]arrow.Array, schema.NumFields())
	var rows int64
	for _, b := range nonEmpty {
		rows += b.NumRows()
		for c := range src {
			col := b.Column(c)
			col.Retain()
			src[c] = append(src[c], col)
		}
		b.Release()
	}
	out := make([]arrow.Array, len(src))
	for c := range src {
		a, err := sorting.ConcatArrays(alloc, schema.Field(c).Type, src[c])
		releaseArrays(src[c])
		src[c] = nil
		if err != nil {
			releaseArrays(out[:c])
			for _, rest := range src[c+1:] {
				releaseArrays(rest)
			}
			return nil, fmt.Errorf("concatenating the build side's column %q: %w", schema.Field(c).Name, err)
		}
		out[c] = a
	}
	b := array.NewRecordBatch(schema, out, rows)
	releaseArrays(out)
	return b, nil
}

func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

func releaseBatchList(bs []arrow.RecordBatch) {
	for _, b := range bs {
		if b != nil {
			b.Release()
		}
	}
}

// batchesBytes sums spill.BatchBytes over batches.
func batchesBytes(bs []arrow.RecordBatch) int64 {
	var n int64
	for _, b := range bs {
		n += spill.BatchBytes(b)
	}
	return n
}

// colProbe joins probe batches with a relation: the vectorized core shared
// by the shuffled and broadcast hash joins and the nested-loop join. For
// each probe batch it enumerates candidate pairs (from the hash table, or
// every pair for a nested-loop join) in chunks of at most batchSize,
// evaluates the residual condition on them, gathers the output columns of
// the matching pairs, and then emits the probe batch's unmatched rows
// (outer joins) or selected rows (semi and anti joins). After the last
// probe batch, buildUnmatched emits the relation's unmatched rows for the
// joins that output them, or its matched (semi) or unmatched (anti) rows
// for semi and anti joins that build their left side.
type colProbe struct {
	d         *joinDef
	cond      expr.Expr
	ectx      *expr.Context
	alloc     memory.Allocator
	batchSize int
	rel       *colRelation // borrowed
	prober    *join.Prober // hash joins
	nested    bool

	// buildMatched has a bit per relation row (marksBuild only).
	buildMatched *memory.Buffer
	// skipAll: no probe row can qualify (a null-aware anti join whose
	// relation has a NULL key).
	skipAll bool

	cur          arrow.RecordBatch // the probe batch (owned)
	keys         []arrow.Array     // its key columns (borrowed from cur)
	probeMatched []bool
	phase        int
	rest         int // the next probe row of the rest phase
	nlRow, nlCol int // the nested-loop pair cursor

	pi, bi []int32
	sel    []int32
	// keyAlias maps a relation column that is a build key to the probe
	// column of the same key (-1: none): matched pairs have equal keys, so
	// the build side's key values are the probe side's (for every type but
	// DOUBLE, whose -0.0 and NaNs compare equal without being identical),
	// and gathering them from the probe batch (often a zero-copy slice) saves
	// a random gather from the relation.
	keyAlias     []int
	placeholders []arrow.Array // per joined column: NULLs of batchSize rows, for the columns the condition does not read
	condCol      []bool
	// buildPos is buildUnmatched's cursor.
	buildPos int
}

const (
	phaseIdle  = iota // no probe batch
	phasePairs        // enumerating pairs
	phaseRest         // emitting unmatched or selected probe rows
)

// newColProbe returns a probe of rel (borrowed) for join d.
func newColProbe(d *joinDef, cond expr.Expr, rel *colRelation, alloc memory.Allocator, batchSize int, nested bool) *colProbe {
	e := &colProbe{d: d, cond: cond, ectx: &expr.Context{Alloc: alloc}, alloc: alloc, batchSize: batchSize,
		rel: rel, nested: nested}
	if !nested {
		e.prober = rel.table.NewProber()
		e.keys = make([]arrow.Array, len(d.probeKeys()))
	}
	if d.typ == NullAwareAntiJoin && rel.numRows() > 0 && rel.table.NullKeyRows() > 0 {
		e.skipAll = true
	}
	if d.marksBuild() {
		n := int(bitutil.BytesForBits(int64(rel.numRows())))
		e.buildMatched = memory.NewResizableBuffer(alloc)
		e.buildMatched.Resize(n)
		clear(e.buildMatched.Bytes())
	}
	e.pi = make([]int32, batchSize)
	e.bi = make([]int32, batchSize)
	if !nested {
		e.keyAlias = make([]int, rel.batch.NumCols())
		for c := range e.keyAlias {
			e.keyAlias[c] = -1
		}
		pk := d.probeKeys()
		for k, c := range d.buildKeys() {
			if t := rel.batch.Schema().Field(c).Type.ID(); t != arrow.FLOAT64 && t != arrow.NULL {
				e.keyAlias[c] = pk[k]
			}
		}
	}
	if cond != nil {
		e.condCol = make([]bool, d.nLeft+d.nRight)
		for _, c := range d.condCols {
			e.condCol[c] = true
		}
		e.placeholders = make([]arrow.Array, d.nLeft+d.nRight)
	}
	return e
}

// release frees what the probe holds (not the relation).
func (e *colProbe) release() {
	e.dropBatch()
	if e.buildMatched != nil {
		e.buildMatched.Release()
		e.buildMatched = nil
	}
	releaseArrays(e.placeholders)
	clear(e.placeholders)
}

func (e *colProbe) dropBatch() {
	if e.cur != nil {
		e.cur.Release()
		e.cur = nil
	}
	clear(e.keys)
	e.phase = phaseIdle
}

// needsPairs reports whether the join must enumerate pairs: to output them,
// to evaluate the condition on them, or to mark the build rows they match.
func (e *colProbe) needsPairs() bool {
	return e.d.typ.OutputsRight() || e.cond != nil || e.d.buildSemi()
}

// push starts a probe batch (taken over).
func (e *colProbe) push(b arrow.RecordBatch) error {
	e.dropBatch()
	e.cur = b
	n := int(b.NumRows())
	if cap(e.probeMatched) < n {
		e.probeMatched = make([]bool, n)
	}
	e.probeMatched = e.probeMatched[:n]
	clear(e.probeMatched)
	e.rest, e.nlRow, e.nlCol = 0, 0, 0
	relRows := e.rel.numRows()
	if e.nested {
		if e.cond == nil && relRows > 0 {
			for i := range e.probeMatched {
				e.probeMatched[i] = true
			}
		}
	} else {
		for i, k := range e.d.probeKeys() {
			e.keys[i] = b.Column(k)
		}
		if err := e.prober.Probe(e.keys); err != nil {
			return err
		}
		if e.cond == nil {
			for i := range e.probeMatched {
				e.probeMatched[i] = e.prober.HasMatch(i)
			}
		}
	}
	e.phase = phaseRest
	if e.needsPairs() && relRows > 0 {
		e.phase = phasePairs
	}
	return nil
}

// next returns the next output batch of the current probe batch, or nil
// when the batch is done.
func (e *colProbe) next() (arrow.RecordBatch, error) {
	for {
		switch e.phase {
		case phaseIdle:
			return nil, nil
		case phasePairs:
			k := e.pairs(e.pi, e.bi)
			if k == 0 {
				e.phase = phaseRest
				continue
			}
			pi, bi := e.pi[:k], e.bi[:k]
			if e.d.buildSemi() {
				// A build row already matched is decided: skip its pairs
				// (and their condition).
				pi, bi = e.unmarkedPairs(pi, bi)
				if len(pi) == 0 {
					continue
				}
			}
			if e.cond != nil {
				m, err := e.filterPairs(pi, bi)
				if err != nil {
					return nil, err
				}
				pi, bi = pi[:m], bi[:m]
			}
			if e.buildMatched != nil {
				bm := e.buildMatched.Bytes()
				for _, j := range bi {
					bitutil.SetBit(bm, int(j))
				}
			}
			if !e.d.typ.OutputsRight() || len(pi) == 0 {
				continue
			}
			return e.assemble(pi, bi, false, false)
		case phaseRest:
			out, err := e.restBatch()
			if out != nil || err != nil {
				return out, err
			}
			e.dropBatch()
			return nil, nil
		}
	}
}

// unmarkedPairs compacts the pairs to those whose build row is not marked
// matched yet.
func (e *colProbe) unmarkedPairs(pi, bi []int32) ([]int32, []int32) {
	bm := e.buildMatched.Bytes()
	out := 0
	for i, j := range bi {
		if !bitutil.BitIsSet(bm, int(j)) {
			pi[out], bi[out] = pi[i], j
			out++
		}
	}
	return pi[:out], bi[:out]
}

// pairs fills pi, bi with the next candidate pairs.
func (e *colProbe) pairs(pi, bi []int32) int {
	if !e.nested {
		return e.prober.Pairs(pi, bi)
	}
	n, m := int(e.cur.NumRows()), e.rel.numRows()
	semi := !e.d.typ.OutputsRight()
	k := 0
	for e.nlRow < n && k < len(pi) {
		if semi && e.nlCol == 0 && e.probeMatched[e.nlRow] {
			e.nlRow++
			continue
		}
		take := min(m-e.nlCol, len(pi)-k)
		row := int32(e.nlRow)
		for j := 0; j < take; j++ {
			pi[k+j] = row
			bi[k+j] = int32(e.nlCol + j)
		}
		k += take
		e.nlCol += take
		if e.nlCol == m {
			e.nlCol = 0
			e.nlRow++
		}
	}
	return k
}

// filterPairs evaluates the condition on the pairs and compacts them to
// those where it is true, marking their probe rows matched; it returns how
// many remain.
func (e *colProbe) filterPairs(pi, bi []int32) (int, error) {
	k := len(pi)
	cols := make([]arrow.Array, e.d.nLeft+e.d.nRight)
	defer releaseArrays(cols)
	for c := range cols {
		if !e.condCol[c] {
			ph, err := e.placeholder(c)
			if err != nil {
				return 0, err
			}
			cols[c] = array.NewSlice(ph, 0, int64(k))
			continue
		}
		a, err := e.gatherJoined(c, pi, bi)
		if err != nil {
			return 0, err
		}
		cols[c] = a
	}
	cb := array.NewRecordBatch(e.d.joined, cols, int64(k))
	defer cb.Release()
	m, err := e.cond.Eval(e.ectx, cb)
	if err != nil {
		return 0, err
	}
	defer m.Release()
	mask, ok := m.(*array.Boolean)
	if !ok {
		return 0, fmt.Errorf("join condition produced %s, not boolean", m.DataType())
	}
	out := 0
	for i := 0; i < k; i++ {
		if mask.IsValid(i) && mask.Value(i) {
			pi[out], bi[out] = pi[i], bi[i]
			e.probeMatched[pi[i]] = true
			out++
		}
	}
	return out, nil
}

// placeholder returns NULLs of batchSize rows of joined column c.
func (e *colProbe) placeholder(c int) (arrow.Array, error) {
	if e.placeholders[c] == nil {
		e.placeholders[c] = join.NullArray(e.alloc, e.d.joined.Field(c).Type, e.batchSize)
	}
	return e.placeholders[c], nil
}

// sideOf reports whether joined column c comes from the probe side, and
// its index there.
func (e *colProbe) sideOf(c int) (probe bool, idx int) {
	left := c < e.d.nLeft
	if !left {
		c -= e.d.nLeft
	}
	return left == (e.d.buildSide == BuildRight), c
}

// gatherJoined gathers joined column c for the (matching) pairs.
func (e *colProbe) gatherJoined(c int, pi, bi []int32) (arrow.Array, error) {
	probe, idx := e.sideOf(c)
	if probe {
		return gatherRows(e.alloc, e.cur.Column(idx), pi)
	}
	if e.keyAlias != nil && e.keyAlias[idx] >= 0 {
		return gatherRows(e.alloc, e.cur.Column(e.keyAlias[idx]), pi)
	}
	return join.Gather(e.alloc, e.rel.batch.Column(idx), bi)
}

// gatherRows gathers rows idx of col, as a zero-copy slice when they are
// consecutive.
func gatherRows(alloc memory.Allocator, col arrow.Array, idx []int32) (arrow.Array, error) {
	if n := len(idx); n > 0 && int(idx[n-1])-int(idx[0]) == n-1 {
		run := true
		for k := 1; k < n; k++ {
			if idx[k] != idx[k-1]+1 {
				run = false
				break
			}
		}
		if run {
			return array.NewSlice(col, int64(idx[0]), int64(idx[0])+int64(n)), nil
		}
	}
	return join.Gather(alloc, col, idx)
}

// assemble builds an output batch of the join (left ++ right columns) from
// probe rows pi and relation rows bi; probeNull (buildNull) makes the probe
// (relation) columns NULL instead, ignoring pi (bi).
func (e *colProbe) assemble(pi, bi []int32, probeNull, buildNull bool) (arrow.RecordBatch, error) {
	n := max(len(pi), len(bi))
	cols := make([]arrow.Array, e.d.nLeft+e.d.nRight)
	for c := range cols {
		probe, idx := e.sideOf(c)
		var a arrow.Array
		var err error
		switch {
		case probe && probeNull, !probe && buildNull:
			a = join.NullArray(e.alloc, e.d.joined.Field(c).Type, n)
		case probe:
			a, err = gatherRows(e.alloc, e.cur.Column(idx), pi)
		case probeNull:
			a, err = join.Gather(e.alloc, e.rel.batch.Column(idx), bi)
		default:
			a, err = e.gatherJoined(c, pi, bi)
		}
		if err != nil {
			releaseArrays(cols)
			return nil, err
		}
		cols[c] = a
	}
	out := array.NewRecordBatch(e.d.out, cols, int64(n))
	releaseArrays(cols)
	return out, nil
}

// restBatch returns the next batch of the probe batch's rest phase: its
// unmatched rows NULL-extended (outer joins that output the probe side's
// unmatched rows) or its selected rows (semi and anti joins that build the
// right side); nil at the end.
func (e *colProbe) restBatch() (arrow.RecordBatch, error) {
	var want bool
	switch {
	case e.d.buildSemi():
		return nil, nil // the probe rows only mark build rows
	case e.d.semiLike():
		want = e.d.typ == LeftSemiJoin
	case e.d.probeOuter():
		want = false
	default:
		return nil, nil
	}
	if e.skipAll {
		return nil, nil
	}
	n := len(e.probeMatched)
	naaj := e.d.typ == NullAwareAntiJoin && e.rel.numRows() > 0
	sel := e.sel[:0]
	start := e.rest
	for i := start; i < n && len(sel) < e.batchSize; i++ {
		if e.probeMatched[i] == want && !(naaj && e.prober.NullKey(i)) {
			sel = append(sel, int32(i))
		}
		e.rest = i + 1
	}
	e.sel = sel
	if len(sel) == 0 {
		return nil, nil
	}
	if e.d.semiLike() {
		if len(sel) == n {
			e.cur.Retain()
			return withSchema(e.cur, e.d.out), nil
		}
		cols := make([]arrow.Array, e.d.nLeft)
		for c := range cols {
			a, err := gatherRows(e.alloc, e.cur.Column(c), sel)
			if err != nil {
				releaseArrays(cols)
				return nil, err
			}
			cols[c] = a
		}
		out := array.NewRecordBatch(e.d.out, cols, int64(len(sel)))
		releaseArrays(cols)
		return out, nil
	}
	return e.assemble(sel, nil, false, true)
}

// buildUnmatched returns the next batch of the relation's unmatched rows,
// NULL-extended (joins that output them), or of its matched (semi) or
// unmatched (anti) rows as they are (semi and anti joins that build their
// left side); nil at the end.
func (e *colProbe) buildUnmatched() (arrow.RecordBatch, error) {
	if e.buildMatched == nil {
		return nil, nil
	}
	bm := e.buildMatched.Bytes()
	n := e.rel.numRows()
	want := e.d.buildSemi() && e.d.typ == LeftSemiJoin
	sel := e.sel[:0]
	for e.buildPos < n && len(sel) < e.batchSize {
		if bitutil.BitIsSet(bm, e.buildPos) == want {
			sel = append(sel, int32(e.buildPos))
		}
		e.buildPos++
	}
	e.sel = sel
	if len(sel) == 0 {
		return nil, nil
	}
	if e.d.buildSemi() {
		// Copied, not sliced: a slice would keep the whole relation alive
		// after the join frees it (and gives its memory back).
		cols := make([]arrow.Array, e.d.nLeft)
		for c := range cols {
			a, err := join.Gather(e.alloc, e.rel.batch.Column(c), sel)
			if err != nil {
				releaseArrays(cols)
				return nil, err
			}
			cols[c] = a
		}
		out := array.NewRecordBatch(e.d.out, cols, int64(len(sel)))
		releaseArrays(cols)
		return out, nil
	}
	return e.assemble(nil, sel, true, false)
}
