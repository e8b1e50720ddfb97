package shuffle

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/sorting"
)

// PartitionKind is how a shuffle distributes rows over reduce partitions.
type PartitionKind int

// The partitionings.
const (
	// SinglePartition sends every row to partition 0.
	SinglePartition PartitionKind = iota
	// HashPartitioning sends a row to partition hash(keys) mod N, the hash
	// of columnar.HashColumns (rows.HashFields for rows).
	HashPartitioning
	// RoundRobinPartitioning deals rows to the partitions in turn, each map
	// task starting at its own partition.
	RoundRobinPartitioning
	// RangePartitioning sends a row to the partition its sort keys fall in
	// between the bounds.
	RangePartitioning
)

// String names the kind.
func (k PartitionKind) String() string {
	switch k {
	case SinglePartition:
		return "single"
	case HashPartitioning:
		return "hash"
	case RoundRobinPartitioning:
		return "round-robin"
	case RangePartitioning:
		return "range"
	}
	return fmt.Sprintf("PartitionKind(%d)", int(k))
}

// Partitioning says how a shuffle distributes rows over N reduce
// partitions.
type Partitioning struct {
	Kind PartitionKind
	// N is the number of reduce partitions (1 for SinglePartition).
	N int
	// Keys are the key columns of HashPartitioning.
	Keys []int
	// SortKeys order the rows of RangePartitioning (columns of the input).
	SortKeys []sorting.SortKey
	// Bounds are RangePartitioning's bounds: a batch with one column per
	// sort key (in SortKeys order, of the key columns' types) and at most
	// N-1 rows in ascending sort order. A row goes to the partition of the
	// first bound it does not sort after (N-1 if none). Borrowed: it must
	// stay valid while writers use it.
	Bounds arrow.RecordBatch
}

// validate checks the partitioning against the input schema.
func (p *Partitioning) validate(schema *arrow.Schema) error {
	if p.Kind == SinglePartition && p.N == 0 {
		p.N = 1
	}
	if p.N < 1 {
		return fmt.Errorf("shuffle: %s partitioning into %d partitions", p.Kind, p.N)
	}
	if p.Kind == SinglePartition && p.N != 1 {
		return fmt.Errorf("shuffle: single partitioning into %d partitions", p.N)
	}
	nf := schema.NumFields()
	switch p.Kind {
	case SinglePartition, RoundRobinPartitioning:
	case HashPartitioning:
		if len(p.Keys) == 0 {
			return fmt.Errorf("shuffle: hash partitioning without keys")
		}
		for _, k := range p.Keys {
			if k < 0 || k >= nf {
				return fmt.Errorf("shuffle: hash key column %d out of range [0, %d)", k, nf)
			}
		}
	case RangePartitioning:
		if len(p.SortKeys) == 0 {
			return fmt.Errorf("shuffle: range partitioning without sort keys")
		}
		for _, k := range p.SortKeys {
			if k.Column < 0 || k.Column >= nf {
				return fmt.Errorf("shuffle: sort key column %d out of range [0, %d)", k.Column, nf)
			}
		}
		if p.Bounds == nil {
			return fmt.Errorf("shuffle: range partitioning without bounds (the sampling pass has not run)")
		}
		if int(p.Bounds.NumCols()) != len(p.SortKeys) {
			return fmt.Errorf("shuffle: range bounds have %d columns for %d sort keys", p.Bounds.NumCols(), len(p.SortKeys))
		}
		if int(p.Bounds.NumRows()) > p.N-1 {
			return fmt.Errorf("shuffle: %d range bounds for %d partitions", p.Bounds.NumRows(), p.N)
		}
		for i, k := range p.SortKeys {
			if got, want := p.Bounds.Column(i).DataType(), schema.Field(k.Column).Type; !arrow.TypeEqual(got, want) {
				return fmt.Errorf("shuffle: range bound column %d has type %s, sort key column %d %s", i, got, k.Column, want)
			}
		}
	default:
		return fmt.Errorf("shuffle: unknown partitioning %d", int(p.Kind))
	}
	return nil
}

// KeySchema returns the schema of range bounds for sort keys over schema:
// the key columns, in key order.
func KeySchema(schema *arrow.Schema, keys []sorting.SortKey) *arrow.Schema {
	fields := make([]arrow.Field, len(keys))
	for i, k := range keys {
		fields[i] = schema.Field(k.Column)
		fields[i].Name = fmt.Sprintf("k%d", i)
		fields[i].Nullable = true
	}
	return arrow.NewSchema(fields, nil)
}

// KeyOrder returns the sort keys re-indexed onto a batch of KeySchema.
func KeyOrder(keys []sorting.SortKey) []sorting.SortKey {
	out := make([]sorting.SortKey, len(keys))
	for i, k := range keys {
		out[i] = sorting.SortKey{Column: i, Descending: k.Descending, NullsFirst: k.NullsFirst}
	}
	return out
}

// KeyBatch returns b's sort key columns as a batch of KeySchema (sharing
// b's arrays; the caller releases it).
func KeyBatch(keySchema *arrow.Schema, b arrow.RecordBatch, keys []sorting.SortKey) arrow.RecordBatch {
	cols := make([]arrow.Array, len(keys))
	for i, k := range keys {
		cols[i] = b.Column(k.Column)
	}
	return array.NewRecordBatch(keySchema, cols, b.NumRows())
}

// batchPartitioner computes the reduce partition of each row of a batch and
// groups the rows by partition. It reuses its scratch space; it is not safe
// for concurrent use.
type batchPartitioner struct {
	part   Partitioning
	rr     int // RoundRobin: the next row's partition
	hashes []uint64
	cols   []arrow.Array
	pids   []int32
	counts []int32
	// order holds the rows grouped by partition, ascending within each;
	// partition p's rows are order[starts[p]:starts[p+1]].
	order  []int32
	starts []int32
	// RangePartitioning
	keySchema *arrow.Schema
	cmp       *sorting.Comparator
	bounds    *sorting.KeyView
}

func newBatchPartitioner(schema *arrow.Schema, part Partitioning, mapIndex int) (*batchPartitioner, error) {
	if err := part.validate(schema); err != nil {
		return nil, err
	}
	bp := &batchPartitioner{part: part, starts: make([]int32, part.N+1), counts: make([]int32, part.N)}
	switch part.Kind {
	case HashPartitioning:
		bp.cols = make([]arrow.Array, len(part.Keys))
	case RoundRobinPartitioning:
		// Each map task starts at its own partition (Spark starts at a
		// random one seeded by the task's partition id).
		bp.rr = int((uint64(mapIndex)*0x9E3779B97F4A7C15)>>33) % part.N
	case RangePartitioning:
		bp.keySchema = KeySchema(schema, part.SortKeys)
		cmp, err := sorting.NewComparator(bp.keySchema, KeyOrder(part.SortKeys))
		if err != nil {
			return nil, fmt.Errorf("shuffle: range partitioning: %w", err)
		}
		bounds := array.NewRecordBatch(bp.keySchema, part.Bounds.Columns(), part.Bounds.NumRows())
		defer bounds.Release()
		if bp.bounds, err = cmp.Bind(bounds); err != nil {
			return nil, fmt.Errorf("shuffle: range bounds: %w", err)
		}
		bp.cmp = cmp
	}
	return bp, nil
}

// identity returns 0, 1, ..., n-1 (a view of scratch space).
func (bp *batchPartitioner) identity(n int) []int32 {
	if cap(bp.order) < n {
		bp.order = make([]int32, n)
	}
	bp.order = bp.order[:n]
	for i := range bp.order {
		bp.order[i] = int32(i)
	}
	return bp.order
}

// split groups b's rows by reduce partition into order and starts.
func (bp *batchPartitioner) split(b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if bp.part.N == 1 {
		bp.identity(n)
		bp.starts[0], bp.starts[1] = 0, int32(n)
		return nil
	}
	if cap(bp.pids) < n {
		bp.pids = make([]int32, n)
	}
	pids := bp.pids[:n]
	N := bp.part.N
	switch bp.part.Kind {
	case HashPartitioning:
		if cap(bp.hashes) < n {
			bp.hashes = make([]uint64, n)
		}
		h := bp.hashes[:n]
		for i, k := range bp.part.Keys {
			bp.cols[i] = b.Column(k)
		}
		if err := columnar.HashColumns(bp.cols, h); err != nil {
			return fmt.Errorf("shuffle: hash partitioning: %w", err)
		}
		un := uint64(N)
		for i, x := range h {
			pids[i] = int32(x % un)
		}
	case RoundRobinPartitioning:
		r := bp.rr
		for i := range pids {
			pids[i] = int32(r)
			if r++; r == N {
				r = 0
			}
		}
		bp.rr = r
	case RangePartitioning:
		kb := KeyBatch(bp.keySchema, b, bp.part.SortKeys)
		view, err := bp.cmp.Bind(kb)
		kb.Release()
		if err != nil {
			return fmt.Errorf("shuffle: range partitioning: %w", err)
		}
		nb := bp.bounds.Rows()
		for i := range pids {
			lo, hi := 0, nb
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if bp.cmp.Compare(view, i, bp.bounds, m) > 0 {
					lo = m + 1
				} else {
					hi = m
				}
			}
			pids[i] = int32(lo)
		}
	}
	// Counting sort of the rows by partition (stable: ascending rows).
	counts := bp.counts
	clear(counts)
	for _, p := range pids {
		counts[p]++
	}
	var s int32
	for p, c := range counts {
		bp.starts[p] = s
		counts[p] = s // the next slot of partition p
		s += c
	}
	bp.starts[N] = s
	if cap(bp.order) < n {
		bp.order = make([]int32, n)
	}
	order := bp.order[:n]
	for i, p := range pids {
		order[counts[p]] = int32(i)
		counts[p]++
	}
	bp.order = order
	return nil
}

// rows returns partition p's rows of the last split batch.
func (bp *batchPartitioner) rows(p int) []int32 { return bp.order[bp.starts[p]:bp.starts[p+1]] }

// BatchBytes is the size of a batch's buffers.
func BatchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		n += dataBytes(c.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}

// HashSplitter splits batches by the hash of key columns into n partitions,
// as the shuffle's hash partitioning does. It reuses its scratch space
// between batches; it is not safe for concurrent use.
type HashSplitter struct {
	bp *batchPartitioner
}

// NewHashSplitter returns a splitter on the key columns keys into n
// partitions.
func NewHashSplitter(keys []int, n int) *HashSplitter {
	return &HashSplitter{bp: &batchPartitioner{
		part:   Partitioning{Kind: HashPartitioning, N: n, Keys: keys},
		cols:   make([]arrow.Array, len(keys)),
		starts: make([]int32, n+1), counts: make([]int32, n),
	}}
}

// Split returns, per partition, the rows of b that hash to it (nil where
// none do). A partition that gets every row gets b itself, Retained.
func (h *HashSplitter) Split(alloc memory.Allocator, b arrow.RecordBatch) ([]arrow.RecordBatch, error) {
	for _, k := range h.bp.part.Keys {
		if k < 0 || k >= int(b.NumCols()) {
			return nil, fmt.Errorf("shuffle: hash key column %d out of range [0, %d)", k, b.NumCols())
		}
	}
	if err := h.bp.split(b); err != nil {
		return nil, err
	}
	rows := int(b.NumRows())
	out := make([]arrow.RecordBatch, h.bp.part.N)
	for r := range out {
		ix := h.bp.rows(r)
		switch len(ix) {
		case 0:
		case rows:
			b.Retain()
			out[r] = b
		default:
			t, err := sorting.Take(alloc, b, ix)
			if err != nil {
				for _, o := range out {
					if o != nil {
						o.Release()
					}
				}
				return nil, err
			}
			out[r] = t
		}
	}
	return out, nil
}
