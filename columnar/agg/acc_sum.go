package agg

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ---- count, count(*) ----

type countAcc struct {
	base
	star   bool
	counts []int64
}

func (a *countAcc) Update(ids []uint32, numGroups int, input arrow.Array) error {
	if a.star {
		if err := checkIDs("Update", a.kind, ids, numGroups, len(ids)); err != nil {
			return err
		}
		a.resize(numGroups)
		countRows(a.counts, ids, nil, 0, numGroups == 1)
		return nil
	}
	c, err := a.checkUpdate(ids, numGroups, input)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	if c.kind == kNull {
		return nil
	}
	countRows(a.counts, ids, c.valid, c.voff, numGroups == 1)
	return nil
}

// countRows adds one per valid row to its group's count.
func countRows(counts []int64, ids []uint32, valid []byte, voff int, single bool) {
	if valid == nil {
		if single {
			counts[0] += int64(len(ids))
			return
		}
		for _, g := range ids {
			counts[g]++
		}
		return
	}
	if single {
		counts[0] += int64(countSet(valid, voff, len(ids)))
		return
	}
	for i, g := range ids {
		if bitsSet(valid, voff+i) {
			counts[g]++
		}
	}
}

func (a *countAcc) Merge(ids []uint32, numGroups int, states []arrow.Array) error {
	v, err := a.checkMerge(ids, numGroups, states)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	c := &v[0]
	for i, g := range ids {
		if c.valid == nil || bitsSet(c.valid, c.voff+i) {
			a.counts[g] += c.i64[i]
		}
	}
	return nil
}

func (a *countAcc) resize(n int) {
	if n > a.n {
		a.counts = grow(a.counts, n)
		a.n = n
	}
}

func (a *countAcc) State(alloc memory.Allocator) ([]arrow.Array, error) {
	r, err := a.Result(alloc)
	if err != nil {
		return nil, err
	}
	return []arrow.Array{r}, nil
}

func (a *countAcc) Result(alloc memory.Allocator) (arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	return fixedArray(alloc, arrow.PrimitiveTypes.Int64, a.counts[:a.n], nil), nil
}

func (a *countAcc) MemoryUsage() int64 { return int64(cap(a.counts)) * 8 }
func (a *countAcc) Reset()             { a.counts, a.n = a.counts[:0], 0 }
func (a *countAcc) Release()           { a.counts, a.n = nil, 0 }

// ---- sum(int | bigint) ----

// sumSlot is a group's running sum and whether it saw a value, side by side
// so that a random group costs one cache miss.
type sumSlot[S int64 | float64] struct {
	sum  S
	seen bool
}

type sumIntAcc struct {
	base
	slots []sumSlot[int64]
}

func (a *sumIntAcc) resize(n int) {
	if n > a.n {
		a.slots = grow(a.slots, n)
		a.n = n
	}
}

func (a *sumIntAcc) Update(ids []uint32, numGroups int, input arrow.Array) error {
	c, err := a.checkUpdate(ids, numGroups, input)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	if c.kind == kInt32 {
		sumInto(a.slots, ids, c.i32, c.valid, c.voff, numGroups == 1)
	} else {
		sumInto(a.slots, ids, c.i64, c.valid, c.voff, numGroups == 1)
	}
	return nil
}

// sumInto adds every valid v[i] (converted to S) to sums[ids[i]] and marks
// the group seen. single: all ids are 0.
func sumInto[S int64 | float64, T int32 | int64 | float64](slots []sumSlot[S], ids []uint32, v []T, valid []byte, voff int, single bool) {
	if single {
		var s S
		any := false
		if valid == nil {
			for _, x := range v {
				s += S(x)
			}
			any = len(v) > 0
		} else {
			for i, x := range v {
				if bitsSet(valid, voff+i) {
					s += S(x)
					any = true
				}
			}
		}
		if any {
			slots[0].sum += s
			slots[0].seen = true
		}
		return
	}
	v = v[:len(ids)]
	if valid == nil {
		for i, g := range ids {
			sl := &slots[g]
			sl.sum += S(v[i])
			sl.seen = true
		}
		return
	}
	for i, g := range ids {
		if bitsSet(valid, voff+i) {
			sl := &slots[g]
			sl.sum += S(v[i])
			sl.seen = true
		}
	}
}

// slotArray builds the result array of sum slots: NULL where nothing was
// seen.
func slotArray[S int64 | float64](alloc memory.Allocator, typ arrow.DataType, slots []sumSlot[S]) arrow.Array {
	vals := make([]S, len(slots))
	valid := make([]bool, len(slots))
	for g, sl := range slots {
		vals[g], valid[g] = sl.sum, sl.seen
	}
	return fixedArray(alloc, typ, vals, valid)
}

func (a *sumIntAcc) Merge(ids []uint32, numGroups int, states []arrow.Array) error {
	v, err := a.checkMerge(ids, numGroups, states)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	c := &v[0]
	sumInto(a.slots, ids, c.i64, c.valid, c.voff, numGroups == 1)
	return nil
}

func (a *sumIntAcc) State(alloc memory.Allocator) ([]arrow.Array, error) {
	r, err := a.Result(alloc)
	if err != nil {
		return nil, err
	}
	return []arrow.Array{r}, nil
}

func (a *sumIntAcc) Result(alloc memory.Allocator) (arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	return slotArray(alloc, a.result, a.slots[:a.n]), nil
}

func (a *sumIntAcc) MemoryUsage() int64 { return int64(cap(a.slots)) * 16 }
func (a *sumIntAcc) Reset()             { a.slots, a.n = a.slots[:0], 0 }
func (a *sumIntAcc) Release()           { a.slots, a.n = nil, 0 }

// ---- sum(double), sum(NULL) ----

type sumF64Acc struct {
	base
	slots []sumSlot[float64]
}

func (a *sumF64Acc) resize(n int) {
	if n > a.n {
		a.slots = grow(a.slots, n)
		a.n = n
	}
}

func (a *sumF64Acc) Update(ids []uint32, numGroups int, input arrow.Array) error {
	c, err := a.checkUpdate(ids, numGroups, input)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	if c.kind == kFloat64 {
		sumInto(a.slots, ids, c.f64, c.valid, c.voff, numGroups == 1)
	}
	return nil
}

func (a *sumF64Acc) Merge(ids []uint32, numGroups int, states []arrow.Array) error {
	v, err := a.checkMerge(ids, numGroups, states)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	c := &v[0]
	sumInto(a.slots, ids, c.f64, c.valid, c.voff, numGroups == 1)
	return nil
}

func (a *sumF64Acc) State(alloc memory.Allocator) ([]arrow.Array, error) {
	r, err := a.Result(alloc)
	if err != nil {
		return nil, err
	}
	return []arrow.Array{r}, nil
}

func (a *sumF64Acc) Result(alloc memory.Allocator) (arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	return slotArray(alloc, a.result, a.slots[:a.n]), nil
}

func (a *sumF64Acc) MemoryUsage() int64 { return int64(cap(a.slots)) * 16 }
func (a *sumF64Acc) Reset()             { a.slots, a.n = a.slots[:0], 0 }
func (a *sumF64Acc) Release()           { a.slots, a.n = nil, 0 }

// ---- sum(decimal) ----

// decSlot is a group's exact decimal sum and its count of values, in one
// 32-byte slot.
type decSlot struct {
	s i192
	n int64
}

// sumDecAcc sums decimals exactly in 192 bits; a group's sum is NULL when it
// does not fit the result precision (Spark, ANSI off), or when a merged
// partial state had overflowed.
type sumDecAcc struct {
	base
	prec  int32
	slots []decSlot
	ovf   []bool
}

func (a *sumDecAcc) resize(n int) {
	if n > a.n {
		a.slots, a.ovf = grow(a.slots, n), grow(a.ovf, n)
		a.n = n
	}
}

func (a *sumDecAcc) Update(ids []uint32, numGroups int, input arrow.Array) error {
	c, err := a.checkUpdate(ids, numGroups, input)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	sumDecInto(a.slots, ids, c.dec, c.valid, c.voff, numGroups == 1)
	return nil
}

// sumDecInto adds every valid v[i] to slots[ids[i]] and counts it.
func sumDecInto(slots []decSlot, ids []uint32, v []decimal128.Num, valid []byte, voff int, single bool) {
	if single {
		var s i192
		n := int64(0)
		if valid == nil {
			for _, x := range v {
				s.addDec(x)
			}
			n = int64(len(v))
		} else {
			for i, x := range v {
				if bitsSet(valid, voff+i) {
					s.addDec(x)
					n++
				}
			}
		}
		if n > 0 {
			slots[0].s.add(s)
			slots[0].n += n
		}
		return
	}
	v = v[:len(ids)]
	if valid == nil {
		for i, g := range ids {
			sl := &slots[g]
			sl.s.addDec(v[i])
			sl.n++
		}
		return
	}
	for i, g := range ids {
		if bitsSet(valid, voff+i) {
			sl := &slots[g]
			sl.s.addDec(v[i])
			sl.n++
		}
	}
}

func (a *sumDecAcc) Merge(ids []uint32, numGroups int, states []arrow.Array) error {
	v, err := a.checkMerge(ids, numGroups, states)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	sum, empty := &v[0], &v[1]
	for i, g := range ids {
		if empty.isNull(i) || empty.boolAt(i) {
			continue
		}
		a.slots[g].n++
		if sum.isNull(i) {
			a.ovf[g] = true
			continue
		}
		a.slots[g].s.addDec(sum.dec[i])
	}
	return nil
}

func (a *sumDecAcc) values() ([]decimal128.Num, []bool) {
	vals := make([]decimal128.Num, a.n)
	valid := make([]bool, a.n)
	for g := 0; g < a.n; g++ {
		if a.slots[g].n == 0 || a.ovf[g] {
			continue
		}
		d, ok := a.slots[g].s.toDec(a.prec)
		if ok {
			vals[g], valid[g] = d, true
		}
	}
	return vals, valid
}

func (a *sumDecAcc) State(alloc memory.Allocator) ([]arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	vals, valid := a.values()
	empty := make([]bool, a.n)
	for g := range empty {
		empty[g] = a.slots[g].n == 0
		if empty[g] {
			valid[g] = true // an empty group's sum is 0, not NULL
		}
	}
	return []arrow.Array{
		fixedArray(alloc, a.states[0], vals, valid),
		boolArray(alloc, empty, nil),
	}, nil
}

func (a *sumDecAcc) Result(alloc memory.Allocator) (arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	vals, valid := a.values()
	return fixedArray(alloc, a.result, vals, valid), nil
}

func (a *sumDecAcc) MemoryUsage() int64 { return int64(cap(a.slots))*32 + int64(cap(a.ovf)) }
func (a *sumDecAcc) Reset()             { a.slots, a.ovf, a.n = a.slots[:0], a.ovf[:0], 0 }
func (a *sumDecAcc) Release()           { a.slots, a.ovf, a.n = nil, nil, 0 }

// ---- avg(int | bigint | double | NULL) ----

// avgSlot is a group's running double sum and count.
type avgSlot struct {
	sum float64
	n   int64
}

// avgF64Acc averages in double, as Spark's Average does for non-decimal
// input: the sum of the inputs cast to double, divided by the count.
type avgF64Acc struct {
	base
	slots []avgSlot
}

func (a *avgF64Acc) resize(n int) {
	if n > a.n {
		a.slots = grow(a.slots, n)
		a.n = n
	}
}

func (a *avgF64Acc) Update(ids []uint32, numGroups int, input arrow.Array) error {
	c, err := a.checkUpdate(ids, numGroups, input)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	switch c.kind {
	case kInt32:
		avgInto(a.slots, ids, c.i32, c.valid, c.voff, numGroups == 1)
	case kInt64:
		avgInto(a.slots, ids, c.i64, c.valid, c.voff, numGroups == 1)
	case kFloat64:
		avgInto(a.slots, ids, c.f64, c.valid, c.voff, numGroups == 1)
	}
	return nil
}

func avgInto[T int32 | int64 | float64](slots []avgSlot, ids []uint32, v []T, valid []byte, voff int, single bool) {
	if single {
		var s float64
		n := int64(0)
		if valid == nil {
			for _, x := range v {
				s += float64(x)
			}
			n = int64(len(v))
		} else {
			for i, x := range v {
				if bitsSet(valid, voff+i) {
					s += float64(x)
					n++
				}
			}
		}
		slots[0].sum += s
		slots[0].n += n
		return
	}
	v = v[:len(ids)]
	if valid == nil {
		for i, g := range ids {
			sl := &slots[g]
			sl.sum += float64(v[i])
			sl.n++
		}
		return
	}
	for i, g := range ids {
		if bitsSet(valid, voff+i) {
			sl := &slots[g]
			sl.sum += float64(v[i])
			sl.n++
		}
	}
}

func (a *avgF64Acc) Merge(ids []uint32, numGroups int, states []arrow.Array) error {
	v, err := a.checkMerge(ids, numGroups, states)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	sum, cnt := &v[0], &v[1]
	for i, g := range ids {
		if cnt.isNull(i) || cnt.i64[i] == 0 {
			continue
		}
		a.slots[g].n += cnt.i64[i]
		if !sum.isNull(i) {
			a.slots[g].sum += sum.f64[i]
		}
	}
	return nil
}

func (a *avgF64Acc) State(alloc memory.Allocator) ([]arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	sums := make([]float64, a.n)
	counts := make([]int64, a.n)
	for g := range sums {
		sums[g], counts[g] = a.slots[g].sum, a.slots[g].n
	}
	return []arrow.Array{
		fixedArray(alloc, arrow.PrimitiveTypes.Float64, sums, nil),
		fixedArray(alloc, arrow.PrimitiveTypes.Int64, counts, nil),
	}, nil
}

func (a *avgF64Acc) Result(alloc memory.Allocator) (arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	vals := make([]float64, a.n)
	valid := make([]bool, a.n)
	for g := range vals {
		if sl := a.slots[g]; sl.n > 0 {
			vals[g] = sl.sum / float64(sl.n)
			valid[g] = true
		}
	}
	return fixedArray(alloc, a.result, vals, valid), nil
}

func (a *avgF64Acc) MemoryUsage() int64 { return int64(cap(a.slots)) * 16 }
func (a *avgF64Acc) Reset()             { a.slots, a.n = a.slots[:0], 0 }
func (a *avgF64Acc) Release()           { a.slots, a.n = nil, 0 }

// ---- avg(decimal) ----

// avgDecAcc sums decimals exactly and divides by the count at the end,
// rounding HALF_UP to the result scale. The sum is NULL (and so the average)
// when it does not fit decimal(min(38,p+10), s), as in Spark.
type avgDecAcc struct {
	base
	sumPrec int32
	scaleUp int32 // result scale - input scale
	resPrec int32
	slots   []decSlot
	ovf     []bool
}

func (a *avgDecAcc) resize(n int) {
	if n > a.n {
		a.slots, a.ovf = grow(a.slots, n), grow(a.ovf, n)
		a.n = n
	}
}

func (a *avgDecAcc) Update(ids []uint32, numGroups int, input arrow.Array) error {
	c, err := a.checkUpdate(ids, numGroups, input)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	sumDecInto(a.slots, ids, c.dec, c.valid, c.voff, numGroups == 1)
	return nil
}

func (a *avgDecAcc) Merge(ids []uint32, numGroups int, states []arrow.Array) error {
	v, err := a.checkMerge(ids, numGroups, states)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	sum, cnt := &v[0], &v[1]
	for i, g := range ids {
		if cnt.isNull(i) || cnt.i64[i] == 0 {
			continue
		}
		a.slots[g].n += cnt.i64[i]
		if sum.isNull(i) {
			a.ovf[g] = true
			continue
		}
		a.slots[g].s.addDec(sum.dec[i])
	}
	return nil
}

func (a *avgDecAcc) State(alloc memory.Allocator) ([]arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	vals := make([]decimal128.Num, a.n)
	valid := make([]bool, a.n)
	counts := make([]int64, a.n)
	for g := range vals {
		counts[g] = a.slots[g].n
		if a.ovf[g] {
			continue
		}
		if d, ok := a.slots[g].s.toDec(a.sumPrec); ok {
			vals[g], valid[g] = d, true
		}
	}
	return []arrow.Array{
		fixedArray(alloc, a.states[0], vals, valid),
		fixedArray(alloc, arrow.PrimitiveTypes.Int64, counts, nil),
	}, nil
}

func (a *avgDecAcc) Result(alloc memory.Allocator) (arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	vals := make([]decimal128.Num, a.n)
	valid := make([]bool, a.n)
	for g := range vals {
		sl := &a.slots[g]
		if sl.n <= 0 || a.ovf[g] { // a negative count can only come from a corrupt state
			continue
		}
		if _, ok := sl.s.toDec(a.sumPrec); !ok {
			continue
		}
		if q, ok := sl.s.divRoundHalfUp(a.scaleUp, sl.n, a.resPrec); ok {
			vals[g], valid[g] = q, true
		}
	}
	return fixedArray(alloc, a.result, vals, valid), nil
}

func (a *avgDecAcc) MemoryUsage() int64 { return int64(cap(a.slots))*32 + int64(cap(a.ovf)) }
func (a *avgDecAcc) Reset()             { a.slots, a.ovf, a.n = a.slots[:0], a.ovf[:0], 0 }
func (a *avgDecAcc) Release()           { a.slots, a.ovf, a.n = nil, nil, 0 }
