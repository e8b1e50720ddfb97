package operators

import (
	"context"
	"errors"
	"fmt"
)

// PartitionSpec is a range of reduce partitions [Start, End) read as one
// partition (adaptive execution's coalescing).
type PartitionSpec struct{ Start, End int }

// ShuffleRead reads a materialized exchange's reduce partitions through
// partition specs: its partition i reads the exchange's partitions
// [specs[i].Start, specs[i].End), map task by map task: AQEShuffleRead in
// EXPLAIN ("coalesced" when a spec merges partitions). Its child is the
// exchange or the query stage showing it.
type ShuffleRead struct {
	base
	ex    *Exchange
	specs []PartitionSpec
}

// NewShuffleRead returns a read of ex through specs; child is what EXPLAIN
// shows under it (ex itself or its query stage).
func NewShuffleRead(child Node, ex *Exchange, specs []PartitionSpec) (*ShuffleRead, error) {
	if ex == nil {
		return nil, errors.New("AQEShuffleRead: nil exchange")
	}
	if child == nil {
		child = ex
	}
	if len(specs) == 0 {
		return nil, errors.New("AQEShuffleRead: no partition specs")
	}
	for i, s := range specs {
		if s.Start < 0 || s.End < s.Start || s.End > ex.NumPartitions() {
			return nil, fmt.Errorf("AQEShuffleRead: spec %d [%d, %d) out of range [0, %d)", i, s.Start, s.End, ex.NumPartitions())
		}
	}
	r := &ShuffleRead{ex: ex, specs: append([]PartitionSpec(nil), specs...)}
	r.schema = ex.Schema()
	r.children = []Node{child}
	r.metrics.Counter(ExchangeNumPartitionsMetric).Store(int64(len(specs)))
	return r, nil
}

// Name implements Node.
func (r *ShuffleRead) Name() string { return "AQEShuffleRead" }

// Detail implements Node: " coalesced" when a spec merges partitions (or is
// empty), as Spark prints.
func (r *ShuffleRead) Detail() string {
	if r.Coalesced() {
		return " coalesced"
	}
	return ""
}

// Coalesced reports whether a spec reads other than exactly one partition.
func (r *ShuffleRead) Coalesced() bool {
	for _, s := range r.specs {
		if s.End-s.Start != 1 {
			return true
		}
	}
	return false
}

// Specs returns the partition specs.
func (r *ShuffleRead) Specs() []PartitionSpec { return append([]PartitionSpec(nil), r.specs...) }

// Exchange returns the exchange read.
func (r *ShuffleRead) Exchange() *Exchange { return r.ex }

// NumPartitions implements Node.
func (r *ShuffleRead) NumPartitions() int { return len(r.specs) }

// Execute implements ColumnarNode: partition i reads the exchange's
// partitions [specs[i].Start, specs[i].End).
func (r *ShuffleRead) Execute(ctx context.Context, i int, task *TaskContext) (Stream, error) {
	if err := checkPartition("AQEShuffleRead", i, len(r.specs)); err != nil {
		return nil, err
	}
	s := r.specs[i]
	return r.ex.read(ctx, s.Start, s.End, task, &r.metrics)
}
