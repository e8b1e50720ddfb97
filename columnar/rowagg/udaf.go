package rowagg

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// UDAF is a user-defined aggregate function written in Go, as Spark's
// Aggregator[IN, BUF, OUT]: a state per group made by New, folded with each
// input value by Update, turned into the result by Finish. UDAFs run in
// complete mode only (the planner exchanges raw rows to them).
//
// Update receives every input value of its group, NULLs included (v.Null):
// it decides what a NULL does. Byte values passed to it point into the input
// row and are valid only during the call: copy what the state keeps. Finish
// returns a Value of ResultType (see rowexpr.Value for which field holds
// what; Null for SQL NULL); it is called for every group, also one that saw
// no rows (a global aggregate over no rows). An error returned by New,
// Update or Finish, or a panic in them, fails the query with an error naming
// the UDAF (wrapping ErrUDAF).
//
// The operator charges each group's state to the heap as a fixed estimate
// (udafStateEstimate bytes; memory the state references is not measured).
// The functions may be called from several goroutines at once, each on its
// own states.
type UDAF struct {
	// Name is the function's name, as queries call it and errors name it.
	Name string
	// ArgType is the type of the aggregated argument; ResultType the type of
	// the result. Both must be gluten-go types the row format holds.
	ArgType, ResultType arrow.DataType
	// New returns a group's initial state.
	New func() (any, error)
	// Update returns state with v folded in (it may modify and return
	// state, or return a new one).
	Update func(state any, v rowexpr.Value) (any, error)
	// Merge combines two partial states. It is optional (nil) and not used
	// today: UDAF states are not exchanged between tasks.
	Merge func(a, b any) (any, error)
	// Finish returns the group's result.
	Finish func(state any) (rowexpr.Value, error)

	// typed, set by NewUDAF, makes a typed accumulator that keeps the states
	// unboxed.
	typed func() Accumulator
}

// udafStateEstimate is the heap bytes charged per group of a UDAF made
// without NewUDAF, whose state size is unknown.
const udafStateEstimate = 64

// validate checks a UDAF before use.
func (u *UDAF) validate() error {
	if u.Name == "" {
		return fmt.Errorf("%w: a UDAF needs a name", ErrInvalid)
	}
	for _, t := range []struct {
		what string
		t    arrow.DataType
	}{{"argument", u.ArgType}, {"result", u.ResultType}} {
		if t.t == nil {
			return fmt.Errorf("%w: UDAF %s: no %s type", ErrInvalid, u.Name, t.what)
		}
		if _, err := rows.KindOf(t.t); err != nil {
			return fmt.Errorf("%w: UDAF %s: %s type: %v", ErrUnsupported, u.Name, t.what, err)
		}
	}
	if u.typed == nil && (u.New == nil || u.Update == nil || u.Finish == nil) {
		return fmt.Errorf("%w: UDAF %s: New, Update and Finish are required", ErrInvalid, u.Name)
	}
	return nil
}

func newUDAFAcc(u *UDAF) (Accumulator, error) {
	if err := u.validate(); err != nil {
		return nil, err
	}
	if u.typed != nil {
		return u.typed(), nil
	}
	return &udafAcc{u: u}, nil
}

// udafError is the error of a failing UDAF: it names the function and what
// it was doing, and wraps ErrUDAF and the function's own error.
type udafError struct {
	name, op string
	err      error
}

func (e *udafError) Error() string {
	return fmt.Sprintf("user-defined aggregate %s failed in %s: %v", e.name, e.op, e.err)
}

func (e *udafError) Unwrap() []error { return []error{ErrUDAF, e.err} }

// recovered turns a panic value into an error.
func recovered(p any) error {
	if err, ok := p.(error); ok {
		return fmt.Errorf("panic: %w", err)
	}
	return fmt.Errorf("panic: %v", p)
}

// udafAcc runs a UDAF given by its functions, with boxed states.
type udafAcc struct {
	u      *UDAF
	states []any
}

func (a *udafAcc) Name() string                 { return a.u.Name }
func (a *udafAcc) ResultType() arrow.DataType   { return a.u.ResultType }
func (a *udafAcc) StateTypes() []arrow.DataType { return nil }
func (a *udafAcc) NumGroups() int               { return len(a.states) }

func (a *udafAcc) Grow(n int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &udafError{name: a.u.Name, op: "New", err: recovered(p)}
		}
	}()
	for len(a.states) < n {
		s, err := a.u.New()
		if err != nil {
			return &udafError{name: a.u.Name, op: "New", err: err}
		}
		a.states = append(a.states, s)
	}
	return nil
}

func (a *udafAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) (err error) {
	if int(g) >= len(a.states) {
		if err := a.Grow(int(g) + 1); err != nil {
			return err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = &udafError{name: a.u.Name, op: "Update", err: recovered(p)}
		}
	}()
	s, err := a.u.Update(a.states[g], rowexpr.ReadValue(l, r, col))
	if err != nil {
		return &udafError{name: a.u.Name, op: "Update", err: err}
	}
	a.states[g] = s
	return nil
}

func (a *udafAcc) Merge(uint32, *rows.Layout, rows.Row, int) error {
	return errNoPartial(a.u.Name, "Merge")
}

func (a *udafAcc) WriteState(uint32, *rows.Writer, int) error {
	return errNoPartial(a.u.Name, "WriteState")
}

func (a *udafAcc) WriteResult(g uint32, w *rows.Writer, col int) (err error) {
	if int(g) >= len(a.states) {
		if err := a.Grow(int(g) + 1); err != nil {
			return err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = &udafError{name: a.u.Name, op: "Finish", err: recovered(p)}
		}
	}()
	v, err := a.u.Finish(a.states[g])
	if err != nil {
		return &udafError{name: a.u.Name, op: "Finish", err: err}
	}
	return writeResult(a.u, w, col, v)
}

// writeResult stores a UDAF's result value into field col.
func writeResult(u *UDAF, w *rows.Writer, col int, v rowexpr.Value) error {
	if v.Null {
		w.SetNull(col)
		return nil
	}
	rowexpr.WriteValue(w, col, u.ResultType, v)
	return nil
}

func (a *udafAcc) MemoryUsage() int64 {
	return int64(cap(a.states))*16 + int64(len(a.states))*udafStateEstimate
}
func (a *udafAcc) Reset() { a.states = nil }

// NewUDAF makes a UDAF from plain Go functions, as Spark's Aggregator[IN,
// BUF, OUT]: zero returns a group's initial buffer, reduce folds one input
// into it, finish turns it into the result. The Go types of IN and OUT fix
// the SQL types, as rowexpr's UDF adapters do: bool BOOLEAN, int32 INT,
// int64 BIGINT, float64 DOUBLE, string STRING, []byte BINARY, arrow.Date32
// DATE, arrow.Timestamp TIMESTAMP, and rowexpr.Nullable of any of those. A
// NULL input of a non-Nullable IN is skipped (reduce is not called), as the
// built-in aggregates skip NULLs; a Nullable IN sees NULLs. A Nullable OUT
// lets finish return NULL. BUF is any Go type; buffers are kept unboxed, one
// per group (the heap charged is BUF's size per group, not memory BUF
// references). []byte inputs are copies that reduce may keep. The type
// dispatch happens here, once; a panic in zero, reduce or finish becomes an
// error naming the UDAF.
func NewUDAF[IN, BUF, OUT any](name string, zero func() BUF, reduce func(BUF, IN) BUF, finish func(BUF) OUT) (*UDAF, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: a UDAF needs a name", ErrInvalid)
	}
	if zero == nil || reduce == nil || finish == nil {
		return nil, fmt.Errorf("%w: UDAF %s: zero, reduce and finish are required", ErrInvalid, name)
	}
	in, argType, inNullable, err := inputConv[IN]()
	if err != nil {
		return nil, fmt.Errorf("UDAF %s: input: %w", name, err)
	}
	out, resType, err := outputConv[OUT]()
	if err != nil {
		return nil, fmt.Errorf("UDAF %s: output: %w", name, err)
	}
	u := &UDAF{Name: name, ArgType: argType, ResultType: resType}
	// The boxed functions, for callers that use the UDAF's fields directly.
	u.New = func() (any, error) { return zero(), nil }
	u.Update = func(state any, v rowexpr.Value) (any, error) {
		if v.Null && !inNullable {
			return state, nil
		}
		b, ok := state.(BUF)
		if !ok {
			return nil, errors.New("state of the wrong type")
		}
		return reduce(b, in(v)), nil
	}
	u.Finish = func(state any) (rowexpr.Value, error) {
		b, ok := state.(BUF)
		if !ok {
			return rowexpr.Value{}, errors.New("state of the wrong type")
		}
		return out(finish(b)), nil
	}
	u.typed = func() Accumulator {
		return &typedUDAF[IN, BUF, OUT]{u: u, zero: zero, reduce: reduce, finish: finish,
			in: in, inNullable: inNullable, out: out}
	}
	return u, nil
}

// typedUDAF runs a UDAF made by NewUDAF with unboxed buffers.
type typedUDAF[IN, BUF, OUT any] struct {
	u          *UDAF
	zero       func() BUF
	reduce     func(BUF, IN) BUF
	finish     func(BUF) OUT
	in         func(rowexpr.Value) IN
	inNullable bool
	out        func(OUT) rowexpr.Value
	bufs       []BUF
}

func (a *typedUDAF[IN, BUF, OUT]) Name() string                 { return a.u.Name }
func (a *typedUDAF[IN, BUF, OUT]) ResultType() arrow.DataType   { return a.u.ResultType }
func (a *typedUDAF[IN, BUF, OUT]) StateTypes() []arrow.DataType { return nil }
func (a *typedUDAF[IN, BUF, OUT]) NumGroups() int               { return len(a.bufs) }

func (a *typedUDAF[IN, BUF, OUT]) Grow(n int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &udafError{name: a.u.Name, op: "zero", err: recovered(p)}
		}
	}()
	for len(a.bufs) < n {
		a.bufs = append(a.bufs, a.zero())
	}
	return nil
}

func (a *typedUDAF[IN, BUF, OUT]) Update(g uint32, l *rows.Layout, r rows.Row, col int) (err error) {
	if int(g) >= len(a.bufs) {
		if err := a.Grow(int(g) + 1); err != nil {
			return err
		}
	}
	v := rowexpr.ReadValue(l, r, col)
	if v.Null && !a.inNullable {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = &udafError{name: a.u.Name, op: "reduce", err: recovered(p)}
		}
	}()
	a.bufs[g] = a.reduce(a.bufs[g], a.in(v))
	return nil
}

func (a *typedUDAF[IN, BUF, OUT]) Merge(uint32, *rows.Layout, rows.Row, int) error {
	return errNoPartial(a.u.Name, "Merge")
}

func (a *typedUDAF[IN, BUF, OUT]) WriteState(uint32, *rows.Writer, int) error {
	return errNoPartial(a.u.Name, "WriteState")
}

func (a *typedUDAF[IN, BUF, OUT]) WriteResult(g uint32, w *rows.Writer, col int) (err error) {
	if int(g) >= len(a.bufs) {
		if err := a.Grow(int(g) + 1); err != nil {
			return err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = &udafError{name: a.u.Name, op: "finish", err: recovered(p)}
		}
	}()
	return writeResult(a.u, w, col, a.out(a.finish(a.bufs[g])))
}

func (a *typedUDAF[IN, BUF, OUT]) MemoryUsage() int64 {
	var z BUF
	return int64(cap(a.bufs)) * int64(unsafe.Sizeof(z))
}

func (a *typedUDAF[IN, BUF, OUT]) Reset() { a.bufs = nil }

// ---- Go type <-> SQL value conversions of the typed adapter ----

// conv is the pair of conversions of one Go type: from a Value of its SQL
// type, and back.
type conv[T any] struct {
	typ  arrow.DataType
	from func(rowexpr.Value) T
	to   func(T) rowexpr.Value
}

var (
	convBool = conv[bool]{columnar.Boolean, func(v rowexpr.Value) bool { return v.I != 0 }, rowexpr.Bool}
	convI32  = conv[int32]{columnar.Int32, func(v rowexpr.Value) int32 { return int32(v.I) },
		func(x int32) rowexpr.Value { return rowexpr.Int(int64(x)) }}
	convI64 = conv[int64]{columnar.Int64, func(v rowexpr.Value) int64 { return v.I }, rowexpr.Int}
	convF64 = conv[float64]{columnar.Float64, func(v rowexpr.Value) float64 { return v.F }, rowexpr.Float}
	convStr = conv[string]{columnar.String, func(v rowexpr.Value) string { return string(v.B) },
		func(s string) rowexpr.Value { return rowexpr.Bytes([]byte(s)) }}
	convBin = conv[[]byte]{columnar.Binary, func(v rowexpr.Value) []byte { return bytes.Clone(v.B) },
		func(b []byte) rowexpr.Value {
			if b == nil {
				b = []byte{} // a nil slice is an empty BINARY, not NULL
			}
			return rowexpr.Bytes(b)
		}}
	convDate = conv[arrow.Date32]{columnar.Date, func(v rowexpr.Value) arrow.Date32 { return arrow.Date32(v.I) },
		func(d arrow.Date32) rowexpr.Value { return rowexpr.Int(int64(d)) }}
	convTS = conv[arrow.Timestamp]{columnar.Timestamp, func(v rowexpr.Value) arrow.Timestamp { return arrow.Timestamp(v.I) },
		func(t arrow.Timestamp) rowexpr.Value { return rowexpr.Int(int64(t)) }}
)

// nullable lifts a conversion to rowexpr.Nullable.
func nullable[T any](c conv[T]) conv[rowexpr.Nullable[T]] {
	return conv[rowexpr.Nullable[T]]{
		typ: c.typ,
		from: func(v rowexpr.Value) rowexpr.Nullable[T] {
			if v.Null {
				return rowexpr.Nullable[T]{}
			}
			return rowexpr.Some(c.from(v))
		},
		to: func(n rowexpr.Nullable[T]) rowexpr.Value {
			if !n.Valid {
				return rowexpr.Null
			}
			return c.to(n.V)
		},
	}
}

// convOf returns the conversions of Go type T as an any holding a conv[T],
// whether T is a Nullable, or an error for an unsupported type.
func convOf[T any]() (any, bool, error) {
	var z T
	switch any(z).(type) {
	case bool:
		return convBool, false, nil
	case int32:
		return convI32, false, nil
	case int64:
		return convI64, false, nil
	case float64:
		return convF64, false, nil
	case string:
		return convStr, false, nil
	case []byte:
		return convBin, false, nil
	case arrow.Date32:
		return convDate, false, nil
	case arrow.Timestamp:
		return convTS, false, nil
	case rowexpr.Nullable[bool]:
		return nullable(convBool), true, nil
	case rowexpr.Nullable[int32]:
		return nullable(convI32), true, nil
	case rowexpr.Nullable[int64]:
		return nullable(convI64), true, nil
	case rowexpr.Nullable[float64]:
		return nullable(convF64), true, nil
	case rowexpr.Nullable[string]:
		return nullable(convStr), true, nil
	case rowexpr.Nullable[[]byte]:
		return nullable(convBin), true, nil
	case rowexpr.Nullable[arrow.Date32]:
		return nullable(convDate), true, nil
	case rowexpr.Nullable[arrow.Timestamp]:
		return nullable(convTS), true, nil
	}
	return nil, false, fmt.Errorf("%w: Go type %v has no SQL type (use bool, int32, int64, float64, string, []byte, arrow.Date32, arrow.Timestamp or rowexpr.Nullable of one)", ErrUnsupported, reflect.TypeFor[T]())
}

func inputConv[IN any]() (func(rowexpr.Value) IN, arrow.DataType, bool, error) {
	c, isNullable, err := convOf[IN]()
	if err != nil {
		return nil, nil, false, err
	}
	cv := c.(conv[IN])
	return cv.from, cv.typ, isNullable, nil
}

func outputConv[OUT any]() (func(OUT) rowexpr.Value, arrow.DataType, error) {
	c, _, err := convOf[OUT]()
	if err != nil {
		return nil, nil, err
	}
	cv := c.(conv[OUT])
	return cv.to, cv.typ, nil
}
