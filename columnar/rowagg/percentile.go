package rowagg

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// percentileAcc is Spark's exact percentile(x, p): the group's non-NULL
// values in x's order, and at position (n-1)*p the value there or the linear
// interpolation between its two neighbours, as a DOUBLE; NULL for a group
// without values. Each group keeps all its values (Spark keeps a count per
// distinct value; the result is the same).
type percentileAcc[T any] struct {
	name   string
	p      float64
	groups [][]T
	bytes  int64 // capacity of the groups' value slices
	read   func(l *rows.Layout, r rows.Row, col int) T
	cmp    func(a, b T) int
	double func(T) float64
}

func makePercentile(name string, in arrow.DataType, params []any, types []arrow.DataType) (Accumulator, error) {
	if len(params) != 1 {
		return nil, fmt.Errorf("%w: %s needs one constant parameter, the percentage; got %d", ErrInvalid, name, len(params))
	}
	var p float64
	switch v := params[0].(type) {
	case float64:
		p = v
	case int32:
		p = float64(v)
	case int64:
		p = float64(v)
	case decimal128.Num:
		var dt *arrow.Decimal128Type
		if len(types) == 1 {
			dt, _ = types[0].(*arrow.Decimal128Type)
		}
		if dt == nil {
			return nil, fmt.Errorf("%w: %s: a DECIMAL percentage needs its type in ParamTypes", ErrInvalid, name)
		}
		p = decToDouble(v, dt.Scale) // as Spark casts the percentage to DOUBLE
	default:
		return nil, fmt.Errorf("%w: %s: the percentage must be a numeric constant, got %T", ErrInvalid, name, params[0])
	}
	if !(p >= 0 && p <= 1) {
		return nil, fmt.Errorf("%w: %s: the percentage must be between 0.0 and 1.0, got %v", ErrInvalid, name, p)
	}
	switch in.ID() {
	case arrow.INT32, arrow.INT64:
		return &percentileAcc[int64]{name: name, p: p, read: (*rows.Layout).Int64, cmp: cmp.Compare[int64],
			double: func(x int64) float64 { return float64(x) }}, nil
	case arrow.FLOAT64:
		return &percentileAcc[float64]{name: name, p: p, read: (*rows.Layout).Float64, cmp: cmpDouble,
			double: func(x float64) float64 { return x }}, nil
	case arrow.DECIMAL128:
		scale := in.(*arrow.Decimal128Type).Scale
		return &percentileAcc[decimal128.Num]{name: name, p: p, read: (*rows.Layout).Decimal,
			cmp:    func(a, b decimal128.Num) int { return a.Cmp(b) },
			double: func(x decimal128.Num) float64 { return decToDouble(x, scale) }}, nil
	}
	return nil, fmt.Errorf("%w: function %s cannot take (%s): it needs a numeric argument", ErrUnsupported, name, typeName(in))
}

// cmpDouble orders doubles as Spark does: -0.0 equals 0.0, NaN equals NaN
// and is greater than every other value.
func cmpDouble(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	// At least one NaN.
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	}
	return -1
}

func (a *percentileAcc[T]) Name() string                 { return a.name }
func (a *percentileAcc[T]) ResultType() arrow.DataType   { return arrow.PrimitiveTypes.Float64 }
func (a *percentileAcc[T]) StateTypes() []arrow.DataType { return nil }
func (a *percentileAcc[T]) Grow(n int) error             { a.groups = grow(a.groups, n); return nil }
func (a *percentileAcc[T]) NumGroups() int               { return len(a.groups) }

func (a *percentileAcc[T]) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.groups) {
		a.groups = grow(a.groups, int(g)+1)
	}
	if l.IsNull(r, col) {
		return nil
	}
	vs := a.groups[g]
	old := cap(vs)
	vs = append(vs, a.read(l, r, col))
	a.groups[g] = vs
	var z T
	a.bytes += int64(cap(vs)-old) * int64(unsafe.Sizeof(z))
	return nil
}

func (a *percentileAcc[T]) Merge(uint32, *rows.Layout, rows.Row, int) error {
	return errNoPartial(a.name, "Merge")
}

func (a *percentileAcc[T]) WriteState(uint32, *rows.Writer, int) error {
	return errNoPartial(a.name, "WriteState")
}

func (a *percentileAcc[T]) WriteResult(g uint32, w *rows.Writer, col int) error {
	if int(g) >= len(a.groups) || len(a.groups[g]) == 0 {
		w.SetNull(col)
		return nil
	}
	vs := a.groups[g]
	slices.SortFunc(vs, a.cmp)
	pos := float64(len(vs)-1) * a.p
	lower, higher := math.Floor(pos), math.Ceil(pos)
	lo := vs[int(lower)]
	if lower == higher {
		w.SetFloat64(col, a.double(lo))
		return nil
	}
	hi := vs[int(higher)]
	if a.cmp(lo, hi) == 0 {
		w.SetFloat64(col, a.double(lo))
		return nil
	}
	w.SetFloat64(col, (higher-pos)*a.double(lo)+(pos-lower)*a.double(hi))
	return nil
}

func (a *percentileAcc[T]) MemoryUsage() int64 { return int64(cap(a.groups))*24 + a.bytes }
func (a *percentileAcc[T]) Reset()             { a.groups, a.bytes = nil, 0 }
