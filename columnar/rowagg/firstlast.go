package rowagg

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// flSlot is a group's chosen value: whether one was seen, whether it is
// NULL, and the value (a slot, or a copy of variable-length bytes).
type flSlot struct {
	seen, null bool
	slot       uint64
	b          []byte
}

// firstLastAcc is Spark's first(x[, ignoreNulls]) and last(x[,
// ignoreNulls]): the group's first (last) value in input order, NULL
// included unless ignoreNulls (default false); NULL for a group without
// rows. As in Spark the result depends on the order rows arrive in.
type firstLastAcc struct {
	name        string
	typ         arrow.DataType
	last        bool
	ignoreNulls bool
	kind        rows.Kind
	slots       []flSlot
	bytes       int64
}

func makeFirstLast(name string, in arrow.DataType, params []any, _ []arrow.DataType) (Accumulator, error) {
	a := &firstLastAcc{name: name, typ: in, last: name == "last"}
	switch len(params) {
	case 0:
	case 1:
		b, ok := params[0].(bool)
		if !ok {
			return nil, fmt.Errorf("%w: %s: ignoreNulls must be a boolean constant, got %T", ErrInvalid, name, params[0])
		}
		a.ignoreNulls = b
	default:
		return nil, fmt.Errorf("%w: %s takes at most one constant parameter (ignoreNulls), got %d", ErrInvalid, name, len(params))
	}
	k, err := rows.KindOf(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnsupported, name, err)
	}
	a.kind = k
	return a, nil
}

func (a *firstLastAcc) Name() string                 { return a.name }
func (a *firstLastAcc) ResultType() arrow.DataType   { return a.typ }
func (a *firstLastAcc) StateTypes() []arrow.DataType { return nil }
func (a *firstLastAcc) Grow(n int) error             { a.slots = grow(a.slots, n); return nil }
func (a *firstLastAcc) NumGroups() int               { return len(a.slots) }

func (a *firstLastAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	s := &a.slots[g]
	if s.seen && !a.last {
		return nil
	}
	null := a.kind == rows.KindNull || l.IsNull(r, col)
	if null && a.ignoreNulls {
		return nil
	}
	s.seen, s.null = true, null
	if null {
		return nil
	}
	if a.kind.Variable() {
		old := cap(s.b)
		s.b = append(s.b[:0], l.Bytes(r, col)...)
		a.bytes += int64(cap(s.b) - old)
	} else {
		s.slot = l.Slot(r, col)
	}
	return nil
}

func (a *firstLastAcc) Merge(uint32, *rows.Layout, rows.Row, int) error {
	return errNoPartial(a.name, "Merge")
}

func (a *firstLastAcc) WriteState(uint32, *rows.Writer, int) error {
	return errNoPartial(a.name, "WriteState")
}

func (a *firstLastAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.slots) || !a.slots[g].seen || a.slots[g].null {
		w.SetNull(col)
		return nil
	}
	s := &a.slots[g]
	if a.kind.Variable() {
		w.SetBytes(col, s.b)
	} else {
		w.SetSlot(col, s.slot)
	}
	return nil
}

func (a *firstLastAcc) MemoryUsage() int64 { return int64(cap(a.slots))*48 + a.bytes }
func (a *firstLastAcc) Reset()             { a.slots, a.bytes = nil, 0 }
