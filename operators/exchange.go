package operators

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/shuffle"
)

// PartitioningKind is how an exchange distributes rows.
type PartitioningKind int

// The partitionings.
const (
	// SinglePartition gathers every row into one partition.
	SinglePartition PartitioningKind = iota
	// HashPartitioning sends a row to the partition its key hash picks.
	HashPartitioning
	// RoundRobinPartitioning spreads batches evenly.
	RoundRobinPartitioning
)

// Partitioning says how an exchange distributes rows over N partitions.
type Partitioning struct {
	Kind PartitioningKind
	// Keys are the input columns hashed for HashPartitioning, Labels their
	// names for EXPLAIN.
	Keys   []int
	Labels []string
	N      int
}

// String renders the partitioning as Spark does: hashpartitioning(a#1, 200).
func (p Partitioning) String() string {
	switch p.Kind {
	case SinglePartition:
		return "SinglePartition"
	case HashPartitioning:
		return fmt.Sprintf("hashpartitioning(%s, %d)", joinStrings(p.Labels, func(s string) string { return s }), p.N)
	}
	return fmt.Sprintf("RoundRobinPartitioning(%d)", p.N)
}

// Exchange moves rows between stages: its child's partitions are the map
// side, run as the tasks of one stage; its own partitions are the reduce
// side, read by the tasks of the next. The map output is kept by a
// shuffle.MemoryStore.
type Exchange struct {
	base
	part   Partitioning
	planID int

	mu           sync.Mutex
	store        *shuffle.MemoryStore
	materialized bool
}

// NewExchange returns an exchange of child's rows by part; planID numbers it
// for EXPLAIN ([plan_id=N]).
func NewExchange(child Node, part Partitioning, planID int) (*Exchange, error) {
	if part.Kind == SinglePartition {
		part.N = 1
	}
	if part.N < 1 {
		return nil, fmt.Errorf("exchange: %d partitions", part.N)
	}
	for _, k := range part.Keys {
		if k < 0 || k >= child.Schema().NumFields() {
			return nil, fmt.Errorf("exchange: key column %d out of range", k)
		}
	}
	e := &Exchange{part: part, planID: planID}
	e.schema = child.Schema()
	e.children = []Node{child}
	e.metrics.Counter("dataSize")
	return e, nil
}

// Name implements Node.
func (e *Exchange) Name() string { return "Exchange" }

// Detail implements Node.
func (e *Exchange) Detail() string {
	return fmt.Sprintf(" %s, ENSURE_REQUIREMENTS, [plan_id=%d]", e.part, e.planID)
}

// Partitioning returns how the exchange distributes rows.
func (e *Exchange) Partitioning() Partitioning { return e.part }

// NumPartitions implements Node.
func (e *Exchange) NumPartitions() int { return e.part.N }

// NumMapPartitions returns the number of map tasks: the child's partitions.
func (e *Exchange) NumMapPartitions() int { return e.children[0].NumPartitions() }

// Materialized reports whether the map side has run.
func (e *Exchange) Materialized() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.materialized
}

func (e *Exchange) getStore() *shuffle.MemoryStore {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.store == nil {
		e.store = shuffle.NewMemoryStore(e.NumMapPartitions(), e.part.N)
	}
	return e.store
}

// RunMapTask runs map task m: it executes the child's partition m and keeps
// its output split by reduce partition. Map tasks may run concurrently.
func (e *Exchange) RunMapTask(ctx context.Context, m int, task *TaskContext) error {
	store := e.getStore()
	in, err := executeColumnar(e.children[0], ctx, m, task)
	if err != nil {
		return err
	}
	parts := make([][]arrow.RecordBatch, e.part.N)
	var splitter *shuffle.HashSplitter
	if e.part.Kind == HashPartitioning {
		splitter = shuffle.NewHashSplitter(e.part.Keys, e.part.N)
	}
	seq := 0
	var total int64
	err = Drain(ctx, in, func(b arrow.RecordBatch) error {
		switch e.part.Kind {
		case SinglePartition:
			b.Retain()
			parts[0] = append(parts[0], b)
		case RoundRobinPartitioning:
			b.Retain()
			r := (m + seq) % e.part.N
			seq++
			parts[r] = append(parts[r], b)
		case HashPartitioning:
			split, err := splitter.Split(task.Alloc, b)
			if err != nil {
				return err
			}
			for r, s := range split {
				if s != nil {
					parts[r] = append(parts[r], s)
				}
			}
		}
		return nil
	})
	if err != nil {
		for _, bs := range parts {
			for _, b := range bs {
				b.Release()
			}
		}
		return err
	}
	for _, bs := range parts {
		for _, b := range bs {
			total += shuffle.BatchBytes(b)
		}
	}
	if err := store.Commit(m, parts); err != nil {
		return err
	}
	e.metrics.Counter("dataSize").Add(total)
	return nil
}

// FinishMap marks the map side complete.
func (e *Exchange) FinishMap() {
	e.getStore()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.materialized = true
}

// PartitionSizes returns the rows and bytes of each reduce partition.
func (e *Exchange) PartitionSizes() (rows, bytes []int64) { return e.getStore().Sizes() }

// Execute implements Node: it reads reduce partition p of the materialized
// map output.
func (e *Exchange) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	if err := checkPartition("exchange", p, e.part.N); err != nil {
		return nil, err
	}
	if !e.Materialized() {
		return nil, fmt.Errorf("exchange [plan_id=%d] read before its map stage ran", e.planID)
	}
	bs, err := e.getStore().Read(p)
	if err != nil {
		return nil, err
	}
	return metered(&sliceStream{batches: bs}, &e.metrics), nil
}

// Release frees the map output.
func (e *Exchange) Release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.store != nil {
		e.store.Release()
		e.store = nil
	}
	e.materialized = false
}

// sliceStream returns batches it owns, one by one.
type sliceStream struct {
	batches []arrow.RecordBatch
	i       int
}

func (s *sliceStream) Next() (arrow.RecordBatch, error) {
	if s.i >= len(s.batches) {
		return nil, io.EOF
	}
	b := s.batches[s.i]
	s.batches[s.i] = nil
	s.i++
	return b, nil
}

func (s *sliceStream) Close() {
	for ; s.i < len(s.batches); s.i++ {
		s.batches[s.i].Release()
		s.batches[s.i] = nil
	}
}
