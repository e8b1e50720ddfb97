package operators

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rows"
	"github.com/gluten-go/gluten-go/columnar/spill"
)

// rowAggPartition is a row spill file of (keys, states) rows whose keys
// share a partition, at a depth of re-partitioning.
type rowAggPartition struct {
	w     *spill.RowWriter
	depth int
}

// rowAggSpiller holds a row hash aggregation's spill partitions, the row
// twin of aggSpiller: rows of the aggregation's spill layout (the keys, then
// every aggregate's states), partitioned by the hash of the normalized key
// bytes.
type rowAggSpiller struct {
	s       *rowAggStream
	enc     *rows.KeyEncoder // the keys of spill rows
	w       *rows.Writer     // builds spill rows
	writers []*spill.RowWriter
	parts   []rowAggPartition
	all     []*spill.RowWriter // every file, for removal
}

func newRowAggSpiller(s *rowAggStream) *rowAggSpiller {
	l := s.h.spillL
	keys := make([]int, len(s.h.keys))
	for i := range keys {
		keys[i] = i
	}
	return &rowAggSpiller{s: s, enc: rows.NewKeyEncoder(l, keys), w: rows.NewWriter(l),
		writers: make([]*spill.RowWriter, aggSpillPartitions)}
}

// writeRow writes a spill row to partition q of writers, creating its file.
func (p *rowAggSpiller) writeRow(writers []*spill.RowWriter, q int, r rows.Row) error {
	if writers[q] == nil {
		w, err := spill.NewRowWriter(p.s.task.TempDir, spillCodec)
		if err != nil {
			return err
		}
		writers[q] = w
		p.all = append(p.all, w)
		p.s.h.spill.created()
	}
	return writers[q].Write(r)
}

// spill writes the groups' keys and states to the spill partitions and
// drops the groups.
func (s *rowAggStream) spill() error {
	if s.sp == nil {
		s.sp = newRowAggSpiller(s)
	}
	start := time.Now()
	defer s.h.spill.since(start)
	p := s.sp
	n := s.table.len()
	for _, a := range s.accs {
		if err := a.Grow(n); err != nil {
			return fmt.Errorf("row hash aggregate: %w", err)
		}
	}
	kl := s.enc.Layout()
	w := p.w
	cnt := 0
	for g := 0; g < n; g++ {
		if err := rowCanceled(s.ctx, &cnt); err != nil {
			return err
		}
		key := s.table.key(uint32(g))
		w.Reset()
		for i := range s.h.keys {
			w.CopyField(i, kl, key, i)
		}
		for i, a := range s.accs {
			if err := a.WriteState(uint32(g), w, s.h.spillAt[i]); err != nil {
				return fmt.Errorf("row hash aggregate: %w", err)
			}
		}
		if err := p.writeRow(p.writers, spillPartition(columnar.HashBytes(key), 0), w.Row()); err != nil {
			return err
		}
	}
	return s.resetGroups()
}

// closeWriters finishes the files of a partitioning and returns them as
// partitions of depth.
func (p *rowAggSpiller) closeWriters(writers []*spill.RowWriter, depth int) ([]rowAggPartition, error) {
	var out []rowAggPartition
	for _, w := range writers {
		if w == nil {
			continue
		}
		n, err := w.Close()
		p.s.h.spill.written(n)
		if err != nil {
			return nil, err
		}
		out = append(out, rowAggPartition{w: w, depth: depth})
	}
	return out, nil
}

// finishInput closes the first partitioning's files: they are the
// partitions to merge.
func (p *rowAggSpiller) finishInput() error {
	parts, err := p.closeWriters(p.writers, 0)
	if err != nil {
		return err
	}
	p.writers = nil
	p.parts = parts
	return nil
}

// nextPartition merges the next partition that has groups into the (empty)
// groups and starts emitting them; with none left it ends the stream.
func (p *rowAggSpiller) nextPartition() error {
	s := p.s
	for len(p.parts) > 0 {
		part := p.parts[0]
		p.parts = p.parts[1:]
		ok, err := p.merge(part)
		if err != nil {
			return err
		}
		if !ok {
			continue // partitioned again
		}
		part.w.Remove()
		if n := s.table.len(); n > 0 {
			return s.startEmit(n)
		}
	}
	s.phase = rowAggDone
	return nil
}

// merge reads a partition's states back into the groups; when they do not
// fit it partitions the file again and reports false.
func (p *rowAggSpiller) merge(part rowAggPartition) (bool, error) {
	s := p.s
	l := s.h.spillL
	r, err := spill.OpenRows(part.w.Path())
	if err != nil {
		return false, err
	}
	defer r.Close()
	// overflow gives up on the partition: it is partitioned again.
	overflow := func() error {
		need := s.heapBytes()
		if err := s.resetGroups(); err != nil {
			return err
		}
		if part.depth+1 >= aggMaxSpillDepth {
			if err := s.res.Grow(need); err != nil {
				return fmt.Errorf("row hash aggregate: a spill partition still does not fit after %d re-partitionings: %w", part.depth, err)
			}
			s.res.Shrink(need) // the budget grew meanwhile: merge the partition again
			p.parts = append([]rowAggPartition{part}, p.parts...)
			return nil
		}
		r.Close()
		return p.repartition(part)
	}
	cnt := 0
	for {
		if err := rowCanceled(s.ctx, &cnt); err != nil {
			return false, err
		}
		if cnt&255 == 0 && !s.reserve() {
			return false, overflow()
		}
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			if !s.reserve() {
				return false, overflow()
			}
			return true, nil
		}
		if err != nil {
			return false, err
		}
		g, err := s.table.group(p.enc.Encode(row))
		if err != nil {
			return false, err
		}
		for i, a := range s.accs {
			if err := a.Merge(g, l, row, s.h.spillAt[i]); err != nil {
				return false, fmt.Errorf("row hash aggregate: %w", err)
			}
		}
	}
}

// repartition splits a partition's file into partitions of the next depth,
// merged next.
func (p *rowAggSpiller) repartition(part rowAggPartition) error {
	s := p.s
	start := time.Now()
	defer s.h.spill.since(start)
	r, err := spill.OpenRows(part.w.Path())
	if err != nil {
		return err
	}
	defer r.Close()
	writers := make([]*spill.RowWriter, aggSpillPartitions)
	cnt := 0
	for {
		if err := rowCanceled(s.ctx, &cnt); err != nil {
			return err
		}
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		q := spillPartition(columnar.HashBytes(p.enc.Encode(row)), part.depth+1)
		if err := p.writeRow(writers, q, row); err != nil {
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
func (p *rowAggSpiller) release() {
	for _, w := range p.all {
		w.Remove()
	}
	p.all, p.writers, p.parts = nil, nil, nil
}
