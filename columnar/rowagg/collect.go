package rowagg

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// listGroup holds one group's collected elements: slots of fixed-width
// elements, or the concatenated bytes of variable-length elements (STRING,
// BINARY, DECIMAL(p>18)) with each element's end offset.
type listGroup struct {
	slots []uint64
	data  []byte
	ends  []uint32
}

// collectAcc is collect_list and collect_set: the group's non-NULL values,
// as Spark skips NULLs, in input order; collect_set keeps the first of
// equal values (SQL equality, as DISTINCT: -0.0 equals 0.0, NaN equals
// NaN), so its order is deterministic: first-seen. A group with no values
// gives an empty array, never NULL.
type collectAcc struct {
	name   string
	result arrow.DataType
	elem   rows.Kind
	set    bool
	groups []listGroup
	bytes  int64 // capacity of the groups' element slices
	// collect_set: the (group, value) pairs seen, as keys of the group id
	// followed by the value's normalized bytes.
	seen    map[string]struct{}
	seenLen int64 // total key bytes in seen
	key     []byte
	lb      *rows.ListBuilder
}

func makeCollect(name string, in arrow.DataType, params []any, _ []arrow.DataType) (Accumulator, error) {
	if len(params) != 0 {
		return nil, fmt.Errorf("%w: %s takes no constant parameters, got %d", ErrInvalid, name, len(params))
	}
	k, err := rows.KindOf(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnsupported, name, err)
	}
	a := &collectAcc{name: name, result: arrow.ListOf(in), elem: k, set: name == "collect_set",
		lb: rows.NewListBuilder(k)}
	if a.set {
		a.seen = make(map[string]struct{})
	}
	return a, nil
}

func (a *collectAcc) Name() string                 { return a.name }
func (a *collectAcc) ResultType() arrow.DataType   { return a.result }
func (a *collectAcc) StateTypes() []arrow.DataType { return nil }
func (a *collectAcc) Grow(n int) error             { a.groups = grow(a.groups, n); return nil }
func (a *collectAcc) NumGroups() int               { return len(a.groups) }

// variable reports whether elements are kept as bytes.
func (a *collectAcc) variable() bool { return a.elem.Variable() }

func (a *collectAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.groups) {
		a.groups = grow(a.groups, int(g)+1)
	}
	if a.elem == rows.KindNull || l.IsNull(r, col) {
		return nil
	}
	lg := &a.groups[g]
	if a.variable() {
		v := l.Bytes(r, col)
		if a.set && !a.firstSeen(g, 0, v) {
			return nil
		}
		if len(lg.data)+len(v) > math.MaxUint32 {
			return fmt.Errorf("%w: %s: a group's values exceed 4 GiB", ErrUnsupported, a.name)
		}
		oldD, oldE := cap(lg.data), cap(lg.ends)
		lg.data = append(lg.data, v...)
		lg.ends = append(lg.ends, uint32(len(lg.data)))
		a.bytes += int64(cap(lg.data)-oldD) + 4*int64(cap(lg.ends)-oldE)
		return nil
	}
	s := l.Slot(r, col)
	if a.set && !a.firstSeen(g, normSlot(a.elem, s), nil) {
		return nil
	}
	old := cap(lg.slots)
	lg.slots = append(lg.slots, s)
	a.bytes += 8 * int64(cap(lg.slots)-old)
	return nil
}

// normSlot returns a fixed-width slot normalized for equality: every NaN
// the same bits, -0.0 as 0.0.
func normSlot(k rows.Kind, s uint64) uint64 {
	if k == rows.KindFloat64 {
		f := math.Float64frombits(s)
		if f != f {
			return 0x7ff8000000000001
		}
		if f == 0 {
			return 0
		}
	}
	return s
}

// firstSeen records the value (slot s or bytes v) for group g and reports
// whether it is new.
func (a *collectAcc) firstSeen(g uint32, s uint64, v []byte) bool {
	a.key = binary.LittleEndian.AppendUint32(a.key[:0], g)
	if v != nil || a.variable() {
		a.key = append(a.key, v...)
	} else {
		a.key = binary.LittleEndian.AppendUint64(a.key, s)
	}
	if _, ok := a.seen[string(a.key)]; ok {
		return false
	}
	a.seen[string(a.key)] = struct{}{}
	a.seenLen += int64(len(a.key))
	return true
}

func (a *collectAcc) Merge(uint32, *rows.Layout, rows.Row, int) error {
	return errNoPartial(a.name, "Merge")
}

func (a *collectAcc) WriteState(uint32, *rows.Writer, int) error {
	return errNoPartial(a.name, "WriteState")
}

func (a *collectAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	a.lb.Reset()
	if int(g) < len(a.groups) {
		lg := &a.groups[g]
		if a.variable() {
			start := uint32(0)
			for _, end := range lg.ends {
				a.lb.AppendBytes(lg.data[start:end])
				start = end
			}
		} else {
			for _, s := range lg.slots {
				a.lb.AppendSlot(s)
			}
		}
	}
	w.SetBytes(col, a.lb.Bytes())
	return nil
}

// mapEntryOverhead estimates the bytes a Go map spends per entry besides the
// key bytes (string header, hash table slot, load factor).
const mapEntryOverhead = 48

func (a *collectAcc) MemoryUsage() int64 {
	return int64(cap(a.groups))*72 + a.bytes + a.seenLen + int64(len(a.seen))*mapEntryOverhead
}

func (a *collectAcc) Reset() {
	a.groups, a.bytes = nil, 0
	if a.set {
		a.seen, a.seenLen = make(map[string]struct{}), 0
	}
}
