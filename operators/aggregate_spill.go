package operators

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/sorting"
	"github.com/gluten-go/gluten-go/columnar/spill"
)

// aggSpillPartitions is the number of spill partitions of a hash
// aggregation (and of each re-partitioning of a partition too big to merge).
const aggSpillPartitions = 16

// aggMaxSpillDepth is how many times a spill partition may be partitioned
// again before the aggregation gives up with the out-of-memory error:
// 16^4 = 65536 partitions of the groups.
const aggMaxSpillDepth = 4

// aggSpillSeed is mixed into the key hash that picks a spill partition, so
// that it is independent of the shuffle's partitioning (which shares
// columnar.HashColumns): every row reaching one task has the same shuffle
// partition.
const aggSpillSeed = 0x2545F4914F6CDD1D

// spillPartition returns the spill partition of a key hash at a depth of
// re-partitioning (each depth hashes with another seed).
func spillPartition(h uint64, depth int) int {
	x := h ^ (aggSpillSeed + uint64(depth+1)*0x9E3779B97F4A7C15)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return int((x >> 32) * aggSpillPartitions >> 32)
}

// aggPartition is a spill file of (keys, states) batches whose keys share a
// partition, at a depth of re-partitioning.
type aggPartition struct {
	w     *spill.Writer
	depth int
}

// aggSpiller holds a columnar hash aggregation's spill partitions: while
// the input is read, the open writers of the first partitioning; then the
// partitions to merge, one after the other.
type aggSpiller struct {
	s       *aggStream
	writers []*spill.Writer // the partitions being written (nil: none yet)
	parts   []aggPartition  // the partitions left to merge, next first
	all     []*spill.Writer // every file, for removal
	hashes  []uint64
	idx     [][]int32
}

func newAggSpiller(s *aggStream) *aggSpiller {
	return &aggSpiller{s: s, writers: make([]*spill.Writer, aggSpillPartitions), idx: make([][]int32, aggSpillPartitions)}
}

// write splits a batch of stateSchema (borrowed) by the spill partition of
// its keys into writers, creating the files it needs.
func (p *aggSpiller) write(b arrow.RecordBatch) error {
	return p.split(b, p.writers, 0)
}

func (p *aggSpiller) split(b arrow.RecordBatch, writers []*spill.Writer, depth int) error {
	n := int(b.NumRows())
	if cap(p.hashes) < n {
		p.hashes = make([]uint64, n)
	}
	hs := p.hashes[:n]
	if err := columnar.HashColumns(b.Columns()[:len(p.s.h.keys)], hs); err != nil {
		return err
	}
	for i := range p.idx {
		p.idx[i] = p.idx[i][:0]
	}
	for i, h := range hs {
		q := spillPartition(h, depth)
		p.idx[q] = append(p.idx[q], int32(i))
	}
	for q, idx := range p.idx {
		if len(idx) == 0 {
			continue
		}
		if writers[q] == nil {
			w, err := spill.NewWriter(p.s.task.TempDir, p.s.h.stateSchema, spillCodec, spill.WithAllocator(p.s.task.Alloc))
			if err != nil {
				return err
			}
			writers[q] = w
			p.all = append(p.all, w)
			p.s.h.spill.created()
		}
		if len(idx) == n { // every row in one partition
			if err := writers[q].Write(b); err != nil {
				return err
			}
			continue
		}
		part, err := sorting.Take(p.s.task.Alloc, b, idx)
		if err != nil {
			return err
		}
		err = writers[q].Write(part)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// closeWriters finishes the files of a partitioning and returns them as
// partitions of depth.
func (p *aggSpiller) closeWriters(writers []*spill.Writer, depth int) ([]aggPartition, error) {
	var out []aggPartition
	for _, w := range writers {
		if w == nil {
			continue
		}
		n, err := w.Close()
		p.s.h.spill.written(n)
		if err != nil {
			return nil, err
		}
		out = append(out, aggPartition{w: w, depth: depth})
	}
	return out, nil
}

// finishInput closes the first partitioning's files: they are the
// partitions to merge.
func (p *aggSpiller) finishInput() error {
	parts, err := p.closeWriters(p.writers, 0)
	if err != nil {
		return err
	}
	p.writers = nil
	p.parts = parts
	return nil
}

// nextPartition merges the next partition that has groups and returns its
// result, or nil when none is left.
func (p *aggSpiller) nextPartition() (arrow.RecordBatch, error) {
	for len(p.parts) > 0 {
		part := p.parts[0]
		p.parts = p.parts[1:]
		out, err := p.merge(part)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
	}
	p.s.phase = aggDone
	return nil, nil
}

// merge reads a partition's states back into the (empty) table and returns
// the partition's result; when the groups do not fit it partitions the file
// again (returning nil).
func (p *aggSpiller) merge(part aggPartition) (arrow.RecordBatch, error) {
	s := p.s
	h := s.h
	r, err := spill.Open(part.w.Path(), s.task.Alloc)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	keys := make([]arrow.Array, len(h.keys))
	stateCols := h.stateCols()
	for {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		copy(keys, b.Columns()[:len(keys)])
		err = s.t.merge(b, keys, stateCols)
		b.Release()
		if err != nil {
			return nil, err
		}
		if s.res.Resize(s.t.memoryUsage()) {
			continue
		}
		need := s.t.memoryUsage()
		if err := s.t.reset(); err != nil {
			return nil, err
		}
		s.res.Resize(s.t.memoryUsage())
		if part.depth+1 >= aggMaxSpillDepth {
			if err := s.res.Grow(need); err != nil {
				return nil, fmt.Errorf("hash aggregate: a spill partition still does not fit after %d re-partitionings: %w", part.depth, err)
			}
			s.res.Shrink(need) // the budget grew meanwhile: merge the partition again
			p.parts = append([]aggPartition{part}, p.parts...)
			return nil, nil
		}
		r.Close()
		return nil, p.repartition(part)
	}
	out, err := s.t.output(h.schema, false)
	if rerr := s.t.reset(); err == nil && rerr != nil {
		if out != nil {
			out.Release()
		}
		out, err = nil, rerr
	}
	s.res.Resize(s.t.memoryUsage())
	part.w.Remove()
	return out, err
}

// repartition splits a partition's file into partitions of the next depth,
// merged next.
func (p *aggSpiller) repartition(part aggPartition) error {
	start := time.Now()
	defer p.s.h.spill.since(start)
	r, err := spill.Open(part.w.Path(), p.s.task.Alloc)
	if err != nil {
		return err
	}
	defer r.Close()
	writers := make([]*spill.Writer, aggSpillPartitions)
	for {
		if err := p.s.ctx.Err(); err != nil {
			return err
		}
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		err = p.split(b, writers, part.depth+1)
		b.Release()
		if err != nil {
			return err
		}
	}
	parts, err := p.closeWriters(writers, part.depth+1)
	if err != nil {
		return err
	}
	part.w.Remove()
	p.parts = append(parts, p.parts...)
	return nil
}

// release removes every spill file.
func (p *aggSpiller) release() {
	for _, w := range p.all {
		w.Remove()
	}
	p.all, p.writers, p.parts = nil, nil, nil
}
