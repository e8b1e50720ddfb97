// Package shuffle moves rows between stages: it splits a map task's batches
// by reduce partition and keeps the map output until the reduce tasks have
// read it.
package shuffle

import (
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/sorting"
)

// MemoryStore holds the output of a shuffle's map tasks in memory, as Arrow
// batches per map task and reduce partition. Reduce partition r reads the
// batches of map task 0, then 1, and so on, so results do not depend on the
// order in which map tasks finish. It is safe for concurrent use.
type MemoryStore struct {
	mu          sync.Mutex
	numReduces  int
	out         [][][]arrow.RecordBatch // [map][reduce] -> batches
	rows, bytes []int64                 // per reduce partition
	released    bool
}

// NewMemoryStore returns a store for numMaps map tasks writing numReduces
// partitions.
func NewMemoryStore(numMaps, numReduces int) *MemoryStore {
	return &MemoryStore{
		numReduces: numReduces,
		out:        make([][][]arrow.RecordBatch, numMaps),
		rows:       make([]int64, numReduces),
		bytes:      make([]int64, numReduces),
	}
}

// Commit records map task m's output, one list of batches per reduce
// partition; the store takes over the batches (it releases them on error).
func (s *MemoryStore) Commit(m int, parts [][]arrow.RecordBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(err error) error {
		releaseAll(parts)
		return err
	}
	switch {
	case s.released:
		return fail(fmt.Errorf("shuffle: commit to a released store"))
	case m < 0 || m >= len(s.out):
		return fail(fmt.Errorf("shuffle: map task %d out of range", m))
	case len(parts) != s.numReduces:
		return fail(fmt.Errorf("shuffle: map task %d wrote %d partitions, want %d", m, len(parts), s.numReduces))
	case s.out[m] != nil:
		return fail(fmt.Errorf("shuffle: map task %d committed twice", m))
	}
	s.out[m] = parts
	for r, bs := range parts {
		for _, b := range bs {
			s.rows[r] += b.NumRows()
			s.bytes[r] += BatchBytes(b)
		}
	}
	return nil
}

// Read returns reduce partition r's batches in map order, each Retained for
// the caller.
func (s *MemoryStore) Read(r int) ([]arrow.RecordBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r < 0 || r >= s.numReduces {
		return nil, fmt.Errorf("shuffle: reduce partition %d out of range", r)
	}
	if s.released {
		return nil, fmt.Errorf("shuffle: read from a released store")
	}
	var bs []arrow.RecordBatch
	for _, parts := range s.out {
		if parts == nil {
			continue
		}
		for _, b := range parts[r] {
			b.Retain()
			bs = append(bs, b)
		}
	}
	return bs, nil
}

// Sizes returns the rows and bytes of each reduce partition.
func (s *MemoryStore) Sizes() (rows, bytes []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.rows...), append([]int64(nil), s.bytes...)
}

// Release frees every batch the store holds.
func (s *MemoryStore) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, parts := range s.out {
		releaseAll(parts)
	}
	s.out = nil
	s.released = true
}

func releaseAll(parts [][]arrow.RecordBatch) {
	for _, bs := range parts {
		for _, b := range bs {
			b.Release()
		}
	}
}

// BatchBytes is the size of a batch's buffers.
func BatchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		for _, buf := range c.Data().Buffers() {
			if buf != nil {
				n += int64(buf.Len())
			}
		}
	}
	return n
}

// HashSplitter splits batches by the hash of key columns into n partitions.
// It reuses its scratch space between batches; it is not safe for
// concurrent use.
type HashSplitter struct {
	keys   []int
	n      int
	hashes []uint64
	idx    [][]int32
	cols   []arrow.Array
}

// NewHashSplitter returns a splitter on the key columns keys into n
// partitions.
func NewHashSplitter(keys []int, n int) *HashSplitter {
	return &HashSplitter{keys: keys, n: n, idx: make([][]int32, n), cols: make([]arrow.Array, len(keys))}
}

// Split returns, per partition, the rows of b that hash to it (nil where
// none do). A partition that gets every row gets b itself, Retained.
func (h *HashSplitter) Split(alloc memory.Allocator, b arrow.RecordBatch) ([]arrow.RecordBatch, error) {
	rows := int(b.NumRows())
	if cap(h.hashes) < rows {
		h.hashes = make([]uint64, rows)
	}
	h.hashes = h.hashes[:rows]
	for i, k := range h.keys {
		h.cols[i] = b.Column(k)
	}
	if err := columnar.HashColumns(h.cols, h.hashes); err != nil {
		return nil, err
	}
	for r := range h.idx {
		h.idx[r] = h.idx[r][:0]
	}
	n := uint64(h.n)
	for i, x := range h.hashes {
		r := x % n
		h.idx[r] = append(h.idx[r], int32(i))
	}
	out := make([]arrow.RecordBatch, h.n)
	for r, ix := range h.idx {
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
