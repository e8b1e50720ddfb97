package shuffle

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/sorting"
)

// Range partitioning's bounds come from a sampling pass over the map side's
// input, as Spark's RangePartitioner runs a sampling job: each map task
// draws a uniform sample of its rows' sort keys (reservoir sampling), and
// RangeBounds picks the bounds as weighted quantiles of all samples, each
// sampled row weighing (rows seen / rows sampled) of its task.

// SampleSize returns the rows each of numMaps map tasks samples for n
// reduce partitions: Spark's sampleSizePerPartition, ceil(3 x min(20 x n,
// 1e6) / numMaps).
func SampleSize(n, numMaps int) int {
	numMaps = max(numMaps, 1)
	total := 3 * min(20*float64(n), 1e6)
	return int(math.Ceil(total / float64(numMaps)))
}

// Sampler draws a uniform random sample of up to k rows of a map task's
// input, keeping only the sort key columns (reservoir sampling, Li's
// Algorithm L: random numbers only for the rows it takes). It is not safe
// for concurrent use.
type Sampler struct {
	keys      []sorting.SortKey
	keySchema *arrow.Schema
	k         int
	rng       *rand.Rand
	seen      int64
	next      int64   // when full: index of the next row taken
	w         float64 // Algorithm L's W
	held      []arrow.RecordBatch
	heldRows  int
	slots     []slotRef // the reservoir
	picks     []pick
	takeIdx   []int32
}

type slotRef struct{ batch, row int32 }
type pick struct{ row, slot int32 }

// NewSampler returns a sampler of up to k rows' sort keys (columns of
// schema); seed makes the sample reproducible (use the map index).
func NewSampler(schema *arrow.Schema, keys []sorting.SortKey, k int, seed uint64) (*Sampler, error) {
	if k < 1 {
		return nil, fmt.Errorf("shuffle: sample of %d rows", k)
	}
	for _, key := range keys {
		if key.Column < 0 || key.Column >= schema.NumFields() {
			return nil, fmt.Errorf("shuffle: sort key column %d out of range [0, %d)", key.Column, schema.NumFields())
		}
	}
	return &Sampler{keys: keys, keySchema: KeySchema(schema, keys), k: k,
		rng: rand.New(rand.NewPCG(seed, 0x5DEECE66D))}, nil
}

// skip returns how many rows Algorithm L passes over before the next one it
// takes.
func (s *Sampler) skip() int64 {
	u := 1 - s.rng.Float64() // (0, 1]
	f := math.Floor(math.Log(u) / math.Log1p(-s.w))
	if f > 1<<53 || math.IsNaN(f) {
		return 1 << 53
	}
	return int64(f)
}

func (s *Sampler) advanceW() {
	s.w *= math.Exp(math.Log(1-s.rng.Float64()) / float64(s.k))
}

// Add samples the rows of b (borrowed); the sampled rows' keys are copied
// with alloc.
func (s *Sampler) Add(alloc memory.Allocator, b arrow.RecordBatch) error {
	n := int64(b.NumRows())
	if n == 0 {
		return nil
	}
	base := s.seen
	s.picks = s.picks[:0]
	for i := int64(0); i < n && base+i < int64(s.k); i++ {
		s.picks = append(s.picks, pick{row: int32(i), slot: int32(base + i)})
	}
	if base < int64(s.k) && base+n >= int64(s.k) {
		// The reservoir just filled up: start skipping.
		s.w = 1
		s.advanceW()
		s.next = int64(s.k) + s.skip()
	}
	if base+n > int64(s.k) {
		for s.next < base+n {
			s.picks = append(s.picks, pick{row: int32(s.next - base), slot: int32(s.rng.IntN(s.k))})
			s.advanceW()
			s.next += s.skip() + 1
		}
	}
	s.seen += n
	if len(s.picks) == 0 {
		return nil
	}
	// Gather the picked rows' keys (each once, in row order: picks are).
	s.takeIdx = s.takeIdx[:0]
	for _, p := range s.picks {
		if m := len(s.takeIdx); m == 0 || s.takeIdx[m-1] != p.row {
			s.takeIdx = append(s.takeIdx, p.row)
		}
	}
	kb := KeyBatch(s.keySchema, b, s.keys)
	taken, err := sorting.Take(alloc, kb, s.takeIdx)
	kb.Release()
	if err != nil {
		return fmt.Errorf("shuffle: sampling: %w", err)
	}
	bi := int32(len(s.held))
	s.held = append(s.held, taken)
	s.heldRows += len(s.takeIdx)
	j := int32(-1)
	prev := int32(-1)
	for _, p := range s.picks {
		if p.row != prev {
			j++
			prev = p.row
		}
		if int(p.slot) == len(s.slots) {
			s.slots = append(s.slots, slotRef{batch: bi, row: j})
		} else {
			s.slots[p.slot] = slotRef{batch: bi, row: j}
		}
	}
	if s.heldRows > 4*s.k+1024 {
		return s.compact(alloc)
	}
	return nil
}

// compact rebuilds the reservoir as one batch holding only its rows.
func (s *Sampler) compact(alloc memory.Allocator) error {
	out, pos, err := s.gather(alloc)
	if err != nil {
		return err
	}
	s.releaseHeld()
	s.held = append(s.held, out)
	s.heldRows = len(s.slots)
	for i := range s.slots {
		s.slots[i] = slotRef{batch: 0, row: pos[i]}
	}
	return nil
}

// gather returns the reservoir's rows as one batch, and each slot's row in
// it.
func (s *Sampler) gather(alloc memory.Allocator) (arrow.RecordBatch, []int32, error) {
	parts := make([]arrow.RecordBatch, 0, len(s.held))
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	// Take each held batch's live rows, then concatenate.
	per := make([][]int32, len(s.held))
	within := make([]int32, len(s.slots))
	for i, ref := range s.slots {
		within[i] = int32(len(per[ref.batch]))
		per[ref.batch] = append(per[ref.batch], ref.row)
	}
	start := make([]int32, len(s.held))
	var at int32
	for bi, rows := range per {
		start[bi] = at
		at += int32(len(rows))
		if len(rows) == 0 {
			continue
		}
		t, err := sorting.Take(alloc, s.held[bi], rows)
		if err != nil {
			return nil, nil, fmt.Errorf("shuffle: sampling: %w", err)
		}
		parts = append(parts, t)
	}
	out, err := sorting.Concat(alloc, s.keySchema, parts)
	if err != nil {
		return nil, nil, fmt.Errorf("shuffle: sampling: %w", err)
	}
	for i, ref := range s.slots {
		within[i] += start[ref.batch]
	}
	return out, within, nil
}

func (s *Sampler) releaseHeld() {
	for _, b := range s.held {
		b.Release()
	}
	s.held = s.held[:0]
	s.heldRows = 0
}

// Seen returns the number of rows sampled from.
func (s *Sampler) Seen() int64 { return s.seen }

// Result returns the sample (the sort key columns, in KeySchema; owned by
// the caller) and the number of rows it was drawn from. The sampler is
// empty afterwards.
func (s *Sampler) Result(alloc memory.Allocator) (arrow.RecordBatch, int64, error) {
	out, _, err := s.gather(alloc)
	if err != nil {
		return nil, 0, err
	}
	seen := s.seen
	s.Release()
	return out, seen, nil
}

// Release frees the sample.
func (s *Sampler) Release() {
	s.releaseHeld()
	s.slots = s.slots[:0]
	s.seen = 0
}

// Sample is one map task's sample for RangeBounds.
type Sample struct {
	// Keys are the sampled rows' sort keys (KeySchema); borrowed.
	Keys arrow.RecordBatch
	// Seen is the number of rows the sample was drawn from.
	Seen int64
}

// RangeBounds returns up to n-1 bounds for range partitioning into n
// partitions by keys (over the input schema) from the map tasks' samples,
// as Spark's RangePartitioner.determineBounds: the samples sorted, each
// row weighing its task's Seen / sampled rows, a bound taken each time the
// cumulated weight passes another 1/n of the total, skipping duplicates.
// The result (KeySchema, owned by the caller) has no rows when there is no
// input.
func RangeBounds(alloc memory.Allocator, schema *arrow.Schema, keys []sorting.SortKey, samples []Sample, n int) (arrow.RecordBatch, error) {
	if n < 1 {
		return nil, fmt.Errorf("shuffle: range bounds for %d partitions", n)
	}
	keySchema := KeySchema(schema, keys)
	order := KeyOrder(keys)
	var parts []arrow.RecordBatch
	var weights []float64
	for i, s := range samples {
		if s.Keys == nil || s.Keys.NumRows() == 0 {
			continue
		}
		if int(s.Keys.NumCols()) != len(keys) {
			return nil, fmt.Errorf("shuffle: sample %d has %d columns for %d sort keys", i, s.Keys.NumCols(), len(keys))
		}
		parts = append(parts, s.Keys)
		w := float64(s.Seen) / float64(s.Keys.NumRows())
		for j := int64(0); j < s.Keys.NumRows(); j++ {
			weights = append(weights, w)
		}
	}
	all, err := sorting.Concat(alloc, keySchema, parts)
	if err != nil {
		return nil, fmt.Errorf("shuffle: range bounds: %w", err)
	}
	defer all.Release()
	if all.NumRows() == 0 || n == 1 {
		return sorting.Take(alloc, all, nil)
	}
	idx, err := sorting.SortIndices(all, order)
	if err != nil {
		return nil, fmt.Errorf("shuffle: range bounds: %w", err)
	}
	cmp, err := sorting.NewComparator(keySchema, order)
	if err != nil {
		return nil, fmt.Errorf("shuffle: range bounds: %w", err)
	}
	view, err := cmp.Bind(all)
	if err != nil {
		return nil, fmt.Errorf("shuffle: range bounds: %w", err)
	}
	var sum float64
	for _, w := range weights {
		sum += w
	}
	step := sum / float64(n)
	cum, target := 0.0, step
	var bounds []int32
	for _, i := range idx {
		if len(bounds) >= n-1 {
			break
		}
		cum += weights[i]
		if cum >= target {
			if len(bounds) == 0 || cmp.Compare(view, int(i), view, int(bounds[len(bounds)-1])) > 0 {
				bounds = append(bounds, i)
				target += step
			}
		}
	}
	out, err := sorting.Take(alloc, all, bounds)
	if err != nil {
		return nil, fmt.Errorf("shuffle: range bounds: %w", err)
	}
	return out, nil
}
