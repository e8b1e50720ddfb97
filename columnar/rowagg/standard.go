package rowagg

import (
	"bytes"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar/agg"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// newStandard returns the row accumulator of a columnar/agg aggregate: the
// same result type, state types and results.
func newStandard(kind agg.AggKind, input arrow.DataType) (Accumulator, error) {
	// columnar/agg is the reference for typing: its accumulator tells the
	// result and state types (and rejects what it does not support).
	ref, err := agg.NewAccumulator(kind, input)
	if err != nil {
		return nil, err
	}
	b := stdBase{name: kind.String(), result: ref.ResultType(), states: ref.StateTypes()}
	ref.Release()
	switch kind {
	case agg.Count, agg.CountStar:
		return &countAcc{stdBase: b, star: kind == agg.CountStar, null: input != nil && input.ID() == arrow.NULL}, nil
	case agg.Sum:
		switch input.ID() {
		case arrow.INT32, arrow.INT64:
			return &sumIntAcc{stdBase: b}, nil
		case arrow.FLOAT64, arrow.NULL:
			return &sumF64Acc{stdBase: b, null: input.ID() == arrow.NULL}, nil
		case arrow.DECIMAL128:
			return &sumDecAcc{stdBase: b, prec: b.result.(*arrow.Decimal128Type).Precision}, nil
		}
	case agg.Avg:
		switch input.ID() {
		case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.NULL:
			return &avgF64Acc{stdBase: b, in: input.ID()}, nil
		case arrow.DECIMAL128:
			in := input.(*arrow.Decimal128Type)
			res := b.result.(*arrow.Decimal128Type)
			return &avgDecAcc{stdBase: b, sumPrec: b.states[0].(*arrow.Decimal128Type).Precision,
				up: res.Scale - in.Scale, resPrec: res.Precision}, nil
		}
	case agg.Min, agg.Max:
		return newMinMax(b, kind == agg.Max, input)
	}
	return nil, fmt.Errorf("%w: %s(%s)", ErrUnsupported, kind, typeName(input))
}

// stdBase holds what the standard accumulators share.
type stdBase struct {
	name   string
	result arrow.DataType
	states []arrow.DataType
}

func (b *stdBase) Name() string                 { return b.name }
func (b *stdBase) ResultType() arrow.DataType   { return b.result }
func (b *stdBase) StateTypes() []arrow.DataType { return b.states }

// ---- count, count(*) ----

type countAcc struct {
	stdBase
	star   bool
	null   bool // count(NULL): never counts
	counts []int64
}

func (a *countAcc) Grow(n int) error { a.counts = grow(a.counts, n); return nil }
func (a *countAcc) NumGroups() int   { return len(a.counts) }

func (a *countAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.counts) {
		a.counts = grow(a.counts, int(g)+1)
	}
	if a.star || (!a.null && !l.IsNull(r, col)) {
		a.counts[g]++
	}
	return nil
}

func (a *countAcc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.counts) {
		a.counts = grow(a.counts, int(g)+1)
	}
	if !l.IsNull(r, col) {
		a.counts[g] += l.Int64(r, col)
	}
	return nil
}

func (a *countAcc) WriteState(g uint32, w *rows.Writer, col int) error {
	return a.WriteResult(g, w, col)
}

func (a *countAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	var n int64
	if int(g) < len(a.counts) {
		n = a.counts[g]
	}
	w.SetInt64(col, n)
	return nil
}

func (a *countAcc) MemoryUsage() int64 { return int64(cap(a.counts)) * 8 }
func (a *countAcc) Reset()             { a.counts = a.counts[:0] }

// ---- sum(int | bigint) ----

// sumSlot is a group's running sum and whether it saw a value.
type sumSlot[T int64 | float64] struct {
	sum  T
	seen bool
}

type sumIntAcc struct {
	stdBase
	slots []sumSlot[int64]
}

func (a *sumIntAcc) Grow(n int) error { a.slots = grow(a.slots, n); return nil }
func (a *sumIntAcc) NumGroups() int   { return len(a.slots) }

func (a *sumIntAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if !l.IsNull(r, col) {
		s := &a.slots[g]
		s.sum += l.Int64(r, col) // wraps, as Spark with ANSI off
		s.seen = true
	}
	return nil
}

// Merge of a bigint partial sum is an Update with it.
func (a *sumIntAcc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	return a.Update(g, l, r, col)
}

func (a *sumIntAcc) WriteState(g uint32, w *rows.Writer, col int) error {
	return a.WriteResult(g, w, col)
}

func (a *sumIntAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.slots) || !a.slots[g].seen {
		w.SetNull(col)
		return nil
	}
	w.SetInt64(col, a.slots[g].sum)
	return nil
}

func (a *sumIntAcc) MemoryUsage() int64 { return int64(cap(a.slots)) * 16 }
func (a *sumIntAcc) Reset()             { a.slots = a.slots[:0] }

// ---- sum(double), sum(NULL) ----

type sumF64Acc struct {
	stdBase
	null  bool // sum(NULL): always NULL
	slots []sumSlot[float64]
}

func (a *sumF64Acc) Grow(n int) error { a.slots = grow(a.slots, n); return nil }
func (a *sumF64Acc) NumGroups() int   { return len(a.slots) }

func (a *sumF64Acc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if !a.null && !l.IsNull(r, col) {
		s := &a.slots[g]
		s.sum += l.Float64(r, col)
		s.seen = true
	}
	return nil
}

func (a *sumF64Acc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if !l.IsNull(r, col) {
		s := &a.slots[g]
		s.sum += l.Float64(r, col)
		s.seen = true
	}
	return nil
}

func (a *sumF64Acc) WriteState(g uint32, w *rows.Writer, col int) error {
	return a.WriteResult(g, w, col)
}

func (a *sumF64Acc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.slots) || !a.slots[g].seen {
		w.SetNull(col)
		return nil
	}
	w.SetFloat64(col, a.slots[g].sum)
	return nil
}

func (a *sumF64Acc) MemoryUsage() int64 { return int64(cap(a.slots)) * 16 }
func (a *sumF64Acc) Reset()             { a.slots = a.slots[:0] }

// ---- sum(decimal) ----

// decSlot is a group's exact decimal sum, its count of values, and whether
// a merged partial state had overflowed.
type decSlot struct {
	sum wide
	n   int64
	ovf bool
}

// sumDecAcc sums decimals exactly; a group's sum is NULL when it does not
// fit the result precision (Spark, ANSI off) or a merged partial state had
// overflowed. State: [sum (NULL after an overflow), isEmpty].
type sumDecAcc struct {
	stdBase
	prec  int32
	slots []decSlot
}

func (a *sumDecAcc) Grow(n int) error { a.slots = grow(a.slots, n); return nil }
func (a *sumDecAcc) NumGroups() int   { return len(a.slots) }

func (a *sumDecAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if l.IsNull(r, col) {
		return nil
	}
	s := &a.slots[g]
	if l.Kind(col) == rows.KindDec64 {
		s.sum.addI64(l.Int64(r, col))
	} else {
		s.sum.addDec(l.Decimal(r, col))
	}
	s.n++
	return nil
}

func (a *sumDecAcc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if l.IsNull(r, col+1) || l.Bool(r, col+1) { // isEmpty
		return nil
	}
	s := &a.slots[g]
	s.n++
	if l.IsNull(r, col) {
		s.ovf = true
		return nil
	}
	s.sum.addDec(l.Decimal(r, col))
	return nil
}

// value returns group g's sum and whether it is not NULL.
func (a *sumDecAcc) value(g uint32) (decimal128.Num, bool) {
	if int(g) >= len(a.slots) {
		return decimal128.Num{}, false
	}
	s := &a.slots[g]
	if s.n == 0 || s.ovf {
		return decimal128.Num{}, false
	}
	return s.sum.dec(a.prec)
}

func (a *sumDecAcc) WriteState(g uint32, w *rows.Writer, col int) error {
	empty := int(g) >= len(a.slots) || a.slots[g].n == 0
	if empty {
		w.SetDecimal(col, decimal128.Num{}) // an empty group's sum is 0, not NULL
	} else if d, ok := a.value(g); ok {
		w.SetDecimal(col, d)
	} else {
		w.SetNull(col)
	}
	w.SetBool(col+1, empty)
	return nil
}

func (a *sumDecAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if d, ok := a.value(g); ok {
		w.SetDecimal(col, d)
	} else {
		w.SetNull(col)
	}
	return nil
}

func (a *sumDecAcc) MemoryUsage() int64 { return int64(cap(a.slots)) * 40 }
func (a *sumDecAcc) Reset()             { a.slots = a.slots[:0] }

// ---- avg(int | bigint | double | NULL) ----

// avgSlot is a group's running double sum and count.
type avgSlot struct {
	sum float64
	n   int64
}

// avgF64Acc averages in double, as Spark's Average does for non-decimal
// input. State: [double sum, bigint count].
type avgF64Acc struct {
	stdBase
	in    arrow.Type
	slots []avgSlot
}

func (a *avgF64Acc) Grow(n int) error { a.slots = grow(a.slots, n); return nil }
func (a *avgF64Acc) NumGroups() int   { return len(a.slots) }

func (a *avgF64Acc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if a.in == arrow.NULL || l.IsNull(r, col) {
		return nil
	}
	s := &a.slots[g]
	if a.in == arrow.FLOAT64 {
		s.sum += l.Float64(r, col)
	} else {
		s.sum += float64(l.Int64(r, col))
	}
	s.n++
	return nil
}

func (a *avgF64Acc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if l.IsNull(r, col+1) {
		return nil
	}
	n := l.Int64(r, col+1)
	if n == 0 {
		return nil
	}
	s := &a.slots[g]
	s.n += n
	if !l.IsNull(r, col) {
		s.sum += l.Float64(r, col)
	}
	return nil
}

func (a *avgF64Acc) WriteState(g uint32, w *rows.Writer, col int) error {
	var s avgSlot
	if int(g) < len(a.slots) {
		s = a.slots[g]
	}
	w.SetFloat64(col, s.sum)
	w.SetInt64(col+1, s.n)
	return nil
}

func (a *avgF64Acc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.slots) || a.slots[g].n <= 0 {
		w.SetNull(col)
		return nil
	}
	s := a.slots[g]
	w.SetFloat64(col, s.sum/float64(s.n))
	return nil
}

func (a *avgF64Acc) MemoryUsage() int64 { return int64(cap(a.slots)) * 16 }
func (a *avgF64Acc) Reset()             { a.slots = a.slots[:0] }

// ---- avg(decimal) ----

// avgDecAcc sums decimals exactly and divides by the count at the end,
// rounding HALF_UP to the result scale; NULL when the sum does not fit
// decimal(min(38,p+10), s), as in Spark. State: [sum, bigint count].
type avgDecAcc struct {
	stdBase
	sumPrec int32
	up      int32 // result scale - input scale
	resPrec int32
	slots   []decSlot
}

func (a *avgDecAcc) Grow(n int) error { a.slots = grow(a.slots, n); return nil }
func (a *avgDecAcc) NumGroups() int   { return len(a.slots) }

func (a *avgDecAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if l.IsNull(r, col) {
		return nil
	}
	s := &a.slots[g]
	if l.Kind(col) == rows.KindDec64 {
		s.sum.addI64(l.Int64(r, col))
	} else {
		s.sum.addDec(l.Decimal(r, col))
	}
	s.n++
	return nil
}

func (a *avgDecAcc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if l.IsNull(r, col+1) {
		return nil
	}
	n := l.Int64(r, col+1)
	if n == 0 {
		return nil
	}
	s := &a.slots[g]
	s.n += n
	if l.IsNull(r, col) {
		s.ovf = true
		return nil
	}
	s.sum.addDec(l.Decimal(r, col))
	return nil
}

func (a *avgDecAcc) WriteState(g uint32, w *rows.Writer, col int) error {
	var s decSlot
	if int(g) < len(a.slots) {
		s = a.slots[g]
	}
	if d, ok := s.sum.dec(a.sumPrec); ok && !s.ovf {
		w.SetDecimal(col, d)
	} else {
		w.SetNull(col)
	}
	w.SetInt64(col+1, s.n)
	return nil
}

func (a *avgDecAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.slots) {
		w.SetNull(col)
		return nil
	}
	s := &a.slots[g]
	if s.n <= 0 || s.ovf { // a negative count can only come from a corrupt state
		w.SetNull(col)
		return nil
	}
	if _, ok := s.sum.dec(a.sumPrec); !ok {
		w.SetNull(col)
		return nil
	}
	q, ok := s.sum.divHalfUp(a.up, s.n, a.resPrec)
	if !ok {
		w.SetNull(col)
		return nil
	}
	w.SetDecimal(col, q)
	return nil
}

func (a *avgDecAcc) MemoryUsage() int64 { return int64(cap(a.slots)) * 40 }
func (a *avgDecAcc) Reset()             { a.slots = a.slots[:0] }

// ---- min, max ----

// newMinMax returns min or max over input. Min and max keep the first of
// equal values (for doubles -0.0 and 0.0 are equal); NaN is greater than
// every other double; strings and binaries compare bytewise; false < true.
// The partial state is the current value, so Merge is Update on it.
func newMinMax(b stdBase, isMax bool, input arrow.DataType) (Accumulator, error) {
	k, err := rows.KindOf(input)
	if err != nil {
		return nil, err
	}
	switch k {
	case rows.KindBool, rows.KindInt32, rows.KindInt64, rows.KindDec64:
		return &mmIntAcc{stdBase: b, isMax: isMax}, nil
	case rows.KindFloat64:
		return &mmF64Acc{stdBase: b, isMax: isMax}, nil
	case rows.KindDec128:
		return &mmDecAcc{stdBase: b, isMax: isMax}, nil
	case rows.KindBytes:
		return &mmBytesAcc{stdBase: b, isMax: isMax}, nil
	case rows.KindNull:
		return &mmNullAcc{stdBase: b}, nil
	}
	return nil, fmt.Errorf("%w: %s(%s)", ErrUnsupported, b.name, typeName(input))
}

// mmSlot is a group's current value and whether it has one.
type mmSlot[T any] struct {
	v    T
	seen bool
}

// mmIntAcc is min/max over values ordered as their int64 slot: BOOLEAN,
// INT, DATE, BIGINT, TIMESTAMP and DECIMAL(p<=18) (one scale per column).
type mmIntAcc struct {
	stdBase
	isMax bool
	slots []mmSlot[int64]
}

func (a *mmIntAcc) Grow(n int) error { a.slots = grow(a.slots, n); return nil }
func (a *mmIntAcc) NumGroups() int   { return len(a.slots) }

func (a *mmIntAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if l.IsNull(r, col) {
		return nil
	}
	x := l.Int64(r, col)
	s := &a.slots[g]
	if !s.seen || (a.isMax && x > s.v) || (!a.isMax && x < s.v) {
		s.v, s.seen = x, true
	}
	return nil
}

func (a *mmIntAcc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	return a.Update(g, l, r, col)
}

func (a *mmIntAcc) WriteState(g uint32, w *rows.Writer, col int) error {
	return a.WriteResult(g, w, col)
}

func (a *mmIntAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.slots) || !a.slots[g].seen {
		w.SetNull(col)
		return nil
	}
	w.SetInt64(col, a.slots[g].v)
	return nil
}

func (a *mmIntAcc) MemoryUsage() int64 { return int64(cap(a.slots)) * 16 }
func (a *mmIntAcc) Reset()             { a.slots = a.slots[:0] }

// f64Better reports whether x replaces cur in a min (or max): NaN is the
// greatest double, -0.0 equals 0.0, and equal values keep the first.
func f64Better(x, cur float64, isMax bool) bool {
	xn, cn := math.IsNaN(x), math.IsNaN(cur)
	if xn || cn {
		if xn && cn {
			return false
		}
		return xn == isMax
	}
	if isMax {
		return x > cur
	}
	return x < cur
}

type mmF64Acc struct {
	stdBase
	isMax bool
	slots []mmSlot[float64]
}

func (a *mmF64Acc) Grow(n int) error { a.slots = grow(a.slots, n); return nil }
func (a *mmF64Acc) NumGroups() int   { return len(a.slots) }

func (a *mmF64Acc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if l.IsNull(r, col) {
		return nil
	}
	x := l.Float64(r, col)
	s := &a.slots[g]
	if !s.seen || f64Better(x, s.v, a.isMax) {
		s.v, s.seen = x, true
	}
	return nil
}

func (a *mmF64Acc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	return a.Update(g, l, r, col)
}

func (a *mmF64Acc) WriteState(g uint32, w *rows.Writer, col int) error {
	return a.WriteResult(g, w, col)
}

func (a *mmF64Acc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.slots) || !a.slots[g].seen {
		w.SetNull(col)
		return nil
	}
	w.SetFloat64(col, a.slots[g].v)
	return nil
}

func (a *mmF64Acc) MemoryUsage() int64 { return int64(cap(a.slots)) * 16 }
func (a *mmF64Acc) Reset()             { a.slots = a.slots[:0] }

// mmDecAcc is min/max over DECIMAL(p>18).
type mmDecAcc struct {
	stdBase
	isMax bool
	slots []mmSlot[decimal128.Num]
}

func (a *mmDecAcc) Grow(n int) error { a.slots = grow(a.slots, n); return nil }
func (a *mmDecAcc) NumGroups() int   { return len(a.slots) }

func (a *mmDecAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if l.IsNull(r, col) {
		return nil
	}
	x := l.Decimal(r, col)
	s := &a.slots[g]
	if !s.seen {
		s.v, s.seen = x, true
		return nil
	}
	c := x.Cmp(s.v)
	if (a.isMax && c > 0) || (!a.isMax && c < 0) {
		s.v = x
	}
	return nil
}

func (a *mmDecAcc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	return a.Update(g, l, r, col)
}

func (a *mmDecAcc) WriteState(g uint32, w *rows.Writer, col int) error {
	return a.WriteResult(g, w, col)
}

func (a *mmDecAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.slots) || !a.slots[g].seen {
		w.SetNull(col)
		return nil
	}
	w.SetDecimal(col, a.slots[g].v)
	return nil
}

func (a *mmDecAcc) MemoryUsage() int64 { return int64(cap(a.slots)) * 24 }
func (a *mmDecAcc) Reset()             { a.slots = a.slots[:0] }

// mmBytesAcc is min/max over STRING and BINARY, bytewise; each group keeps
// a copy of its current value.
type mmBytesAcc struct {
	stdBase
	isMax bool
	seen  []bool
	vals  [][]byte
	bytes int64 // capacity of the copies
}

func (a *mmBytesAcc) Grow(n int) error {
	a.seen, a.vals = grow(a.seen, n), grow(a.vals, n)
	return nil
}

func (a *mmBytesAcc) NumGroups() int { return len(a.seen) }

func (a *mmBytesAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.seen) {
		a.Grow(int(g) + 1)
	}
	if l.IsNull(r, col) {
		return nil
	}
	x := l.Bytes(r, col)
	if a.seen[g] {
		c := bytes.Compare(x, a.vals[g])
		if (a.isMax && c <= 0) || (!a.isMax && c >= 0) {
			return nil
		}
	}
	old := cap(a.vals[g])
	a.vals[g] = append(a.vals[g][:0], x...)
	a.bytes += int64(cap(a.vals[g]) - old)
	a.seen[g] = true
	return nil
}

func (a *mmBytesAcc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	return a.Update(g, l, r, col)
}

func (a *mmBytesAcc) WriteState(g uint32, w *rows.Writer, col int) error {
	return a.WriteResult(g, w, col)
}

func (a *mmBytesAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.seen) || !a.seen[g] {
		w.SetNull(col)
		return nil
	}
	w.SetBytes(col, a.vals[g])
	return nil
}

func (a *mmBytesAcc) MemoryUsage() int64 {
	return int64(cap(a.seen)) + int64(cap(a.vals))*24 + a.bytes
}

func (a *mmBytesAcc) Reset() {
	a.seen, a.vals, a.bytes = a.seen[:0], nil, 0
}

// mmNullAcc is min/max of an untyped NULL: always NULL.
type mmNullAcc struct {
	stdBase
	n int
}

func (a *mmNullAcc) Grow(n int) error { a.n = max(a.n, n); return nil }
func (a *mmNullAcc) NumGroups() int   { return a.n }

func (a *mmNullAcc) Update(g uint32, _ *rows.Layout, _ rows.Row, _ int) error {
	return a.Grow(int(g) + 1)
}

func (a *mmNullAcc) Merge(g uint32, l *rows.Layout, r rows.Row, col int) error {
	return a.Update(g, l, r, col)
}

func (a *mmNullAcc) WriteState(g uint32, w *rows.Writer, col int) error {
	w.SetNull(col)
	return nil
}

func (a *mmNullAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	w.SetNull(col)
	return nil
}

func (a *mmNullAcc) MemoryUsage() int64 { return 0 }
func (a *mmNullAcc) Reset()             { a.n = 0 }
