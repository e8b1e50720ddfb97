package agg

import (
	"bytes"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// minMaxAcc is min or max over any type. Min and max keep the first of
// equal values (for doubles -0.0 and 0.0 are equal); NaN is greater than
// every other double; strings and binaries compare bytewise; false < true.
// The partial state is the current value, so Merge is Update on it.
type minMaxAcc struct {
	base
	isMax bool
	k     kind
	i32   []mmSlot[int32] // also booleans (0/1)
	i64   []mmSlot[int64]
	f64   []mmSlot[float64]
	dec   []mmSlot[decimal128.Num]
	seen  []bool // kBytes
	bin   [][]byte
	binSz int64
}

// mmSlot is a group's current value and whether it has one.
type mmSlot[T any] struct {
	v    T
	seen bool
}

// slotValues splits slots into values and validity.
func slotValues[T any](slots []mmSlot[T]) ([]T, []bool) {
	vals := make([]T, len(slots))
	valid := make([]bool, len(slots))
	for g := range slots {
		vals[g], valid[g] = slots[g].v, slots[g].seen
	}
	return vals, valid
}

func newMinMax(b base, isMax bool) (Accumulator, error) {
	k, err := kindOf(b.input)
	if err != nil {
		return nil, err
	}
	return &minMaxAcc{base: b, isMax: isMax, k: k}, nil
}

func (a *minMaxAcc) resize(n int) {
	if n <= a.n {
		return
	}
	switch a.k {
	case kBool, kInt32:
		a.i32 = grow(a.i32, n)
	case kInt64:
		a.i64 = grow(a.i64, n)
	case kFloat64:
		a.f64 = grow(a.f64, n)
	case kDecimal:
		a.dec = grow(a.dec, n)
	case kBytes:
		a.bin = grow(a.bin, n)
		a.seen = grow(a.seen, n)
	}
	a.n = n
}

func (a *minMaxAcc) Update(ids []uint32, numGroups int, input arrow.Array) error {
	c, err := a.checkUpdate(ids, numGroups, input)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	a.fold(ids, &c, numGroups == 1)
	return nil
}

func (a *minMaxAcc) Merge(ids []uint32, numGroups int, states []arrow.Array) error {
	v, err := a.checkMerge(ids, numGroups, states)
	if err != nil {
		return err
	}
	a.resize(numGroups)
	a.fold(ids, &v[0], numGroups == 1)
	return nil
}

func (a *minMaxAcc) fold(ids []uint32, c *colData, single bool) {
	switch a.k {
	case kNull:
	case kBool:
		for i, g := range ids {
			if c.valid != nil && !bitsSet(c.valid, c.voff+i) {
				continue
			}
			x := int32(0)
			if c.boolAt(i) {
				x = 1
			}
			sl := &a.i32[g]
			if !sl.seen || (a.isMax && x > sl.v) || (!a.isMax && x < sl.v) {
				sl.v, sl.seen = x, true
			}
		}
	case kInt32:
		foldOrdered(a.i32, ids, c.i32, c.valid, c.voff, a.isMax, single)
	case kInt64:
		foldOrdered(a.i64, ids, c.i64, c.valid, c.voff, a.isMax, single)
	case kFloat64:
		a.foldF64(ids, c, single)
	case kDecimal:
		for i, g := range ids {
			if c.valid != nil && !bitsSet(c.valid, c.voff+i) {
				continue
			}
			x := c.dec[i]
			sl := &a.dec[g]
			if !sl.seen {
				sl.v, sl.seen = x, true
				continue
			}
			cmp := x.Cmp(sl.v)
			if (a.isMax && cmp > 0) || (!a.isMax && cmp < 0) {
				sl.v = x
			}
		}
	case kBytes:
		for i, g := range ids {
			if c.valid != nil && !bitsSet(c.valid, c.voff+i) {
				continue
			}
			x := c.bytesAt(i)
			if a.seen[g] {
				cmp := bytes.Compare(x, a.bin[g])
				if (a.isMax && cmp <= 0) || (!a.isMax && cmp >= 0) {
					continue
				}
			}
			old := cap(a.bin[g])
			a.bin[g] = append(a.bin[g][:0], x...)
			a.binSz += int64(cap(a.bin[g]) - old)
			a.seen[g] = true
		}
	}
}

// foldOrdered folds valid v[i] into vals[ids[i]] keeping the least (or
// greatest) value.
func foldOrdered[T int32 | int64](slots []mmSlot[T], ids []uint32, v []T, valid []byte, voff int, isMax, single bool) {
	if single && valid == nil && len(v) > 0 {
		m := v[0]
		if isMax {
			for _, x := range v[1:] {
				m = max(m, x)
			}
		} else {
			for _, x := range v[1:] {
				m = min(m, x)
			}
		}
		sl := &slots[0]
		if !sl.seen || (isMax && m > sl.v) || (!isMax && m < sl.v) {
			sl.v, sl.seen = m, true
		}
		return
	}
	v = v[:len(ids)]
	for i, g := range ids {
		if valid != nil && !bitsSet(valid, voff+i) {
			continue
		}
		x := v[i]
		sl := &slots[g]
		if !sl.seen {
			sl.v, sl.seen = x, true
		} else if isMax {
			if x > sl.v {
				sl.v = x
			}
		} else if x < sl.v {
			sl.v = x
		}
	}
}

// f64Better reports whether x replaces cur: NaN greatest, -0.0 = 0.0.
func f64Better(x, cur float64, isMax bool) bool {
	xn, cn := math.IsNaN(x), math.IsNaN(cur)
	if xn || cn {
		if xn && cn {
			return false
		}
		return xn == isMax // a NaN wins a max and loses a min
	}
	if isMax {
		return x > cur
	}
	return x < cur
}

func (a *minMaxAcc) foldF64(ids []uint32, c *colData, single bool) {
	v := c.f64[:len(ids)]
	for i, g := range ids {
		if c.valid != nil && !bitsSet(c.valid, c.voff+i) {
			continue
		}
		x := v[i]
		sl := &a.f64[g]
		if !sl.seen || f64Better(x, sl.v, a.isMax) {
			sl.v, sl.seen = x, true
		}
	}
}

func (a *minMaxAcc) State(alloc memory.Allocator) ([]arrow.Array, error) {
	r, err := a.Result(alloc)
	if err != nil {
		return nil, err
	}
	return []arrow.Array{r}, nil
}

func (a *minMaxAcc) Result(alloc memory.Allocator) (arrow.Array, error) {
	if alloc == nil {
		return nil, fmt.Errorf("%w: %s: nil allocator", ErrInvalid, a.kind)
	}
	n := a.n
	switch a.k {
	case kNull:
		return array.NewNull(n), nil
	case kBool:
		v, valid := slotValues(a.i32[:n])
		vals := make([]bool, n)
		for g := range vals {
			vals[g] = v[g] != 0
		}
		return boolArray(alloc, vals, valid), nil
	case kInt32:
		v, valid := slotValues(a.i32[:n])
		return fixedArray(alloc, a.result, v, valid), nil
	case kInt64:
		v, valid := slotValues(a.i64[:n])
		return fixedArray(alloc, a.result, v, valid), nil
	case kFloat64:
		v, valid := slotValues(a.f64[:n])
		return fixedArray(alloc, a.result, v, valid), nil
	case kDecimal:
		v, valid := slotValues(a.dec[:n])
		return fixedArray(alloc, a.result, v, valid), nil
	case kBytes:
		seen := a.seen[:n]
		total := 0
		for g := 0; g < n; g++ {
			total += len(a.bin[g])
		}
		if total > math.MaxInt32 {
			return nil, fmt.Errorf("%w: %s result of %d bytes exceeds 2 GiB", ErrUnsupported, a.kind, total)
		}
		vb, nulls := validBuffer(alloc, seen)
		ob := memory.NewResizableBuffer(alloc)
		ob.Resize((n + 1) * 4)
		offs := castSlice[int32](ob.Bytes())[:n+1]
		db := memory.NewResizableBuffer(alloc)
		db.Resize(total)
		data := db.Bytes()
		pos := 0
		offs[0] = 0
		for g := 0; g < n; g++ {
			pos += copy(data[pos:], a.bin[g])
			offs[g+1] = int32(pos)
		}
		return makeArray(a.result, n, []*memory.Buffer{vb, ob, db}, nulls), nil
	}
	return nil, fmt.Errorf("%w: %s(%s)", ErrUnsupported, a.kind, a.input)
}

func (a *minMaxAcc) MemoryUsage() int64 {
	return int64(cap(a.seen)) + int64(cap(a.i32))*8 + int64(cap(a.i64))*16 + int64(cap(a.f64))*16 +
		int64(cap(a.dec))*24 + int64(cap(a.bin))*24 + a.binSz
}

func (a *minMaxAcc) Reset() {
	a.seen, a.i32, a.i64, a.f64, a.dec = a.seen[:0], a.i32[:0], a.i64[:0], a.f64[:0], a.dec[:0]
	a.bin, a.binSz, a.n = nil, 0, 0
}

func (a *minMaxAcc) Release() {
	a.seen, a.i32, a.i64, a.f64, a.dec, a.bin = nil, nil, nil, nil, nil, nil
	a.binSz, a.n = 0, 0
}
