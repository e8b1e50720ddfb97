package rowagg

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// numReader reads a numeric field as a double, as Spark casts the argument
// of the numeric row-only aggregates: INT and BIGINT exactly converted,
// DECIMAL to the nearest double.
type numReader struct {
	id    arrow.Type
	scale int32
}

func newNumReader(t arrow.DataType) numReader {
	r := numReader{id: t.ID()}
	if d, ok := t.(*arrow.Decimal128Type); ok {
		r.scale = d.Scale
	}
	return r
}

// read returns field col of r as a double.
func (n numReader) read(l *rows.Layout, r rows.Row, col int) float64 {
	switch n.id {
	case arrow.FLOAT64:
		return l.Float64(r, col)
	case arrow.DECIMAL128:
		return decToDouble(l.Decimal(r, col), n.scale)
	default: // INT, BIGINT
		return float64(l.Int64(r, col))
	}
}

// momentKind selects the statistic a momentAcc finishes with.
type momentKind uint8

const (
	varSamp momentKind = iota
	varPop
	stddevSamp
	stddevPop
	skewness
	kurtosis
)

// momentSlot is a group's count, mean and sums of the 2nd, 3rd and 4th
// powers of the deviations from the mean (Welford's update, as Spark's
// CentralMomentAgg; m3 and m4 only for skewness and kurtosis).
type momentSlot struct {
	n, avg, m2, m3, m4 float64
}

// momentAcc computes var_samp, var_pop, stddev_samp, stddev_pop, skewness
// and kurtosis exactly as Spark 3's CentralMomentAgg does: the argument cast
// to double, NULLs skipped, the update
//
//	n' = n + 1; delta = x - avg; deltaN = delta / n'
//	avg' = avg + deltaN; m2' = m2 + delta * (delta - deltaN)
//	m3' = m3 - 3 deltaN m2' + delta (delta^2 - deltaN^2)
//	m4' = m4 - 4 deltaN m3' - 6 deltaN^2 m2' + delta (delta^3 - deltaN^3)
//
// and the result NULL for no values; with
// spark.sql.legacy.statisticalAggregate=false (the default) also NULL where
// Spark would divide by zero (the sample statistics of one value, skewness
// and kurtosis when m2 is 0); else m2/n or m2/(n-1) (under a square root for
// the standard deviations), sqrt(n) m3 / sqrt(m2^3), n m4 / m2^2 - 3.
type momentAcc struct {
	name  string
	kind  momentKind
	order int  // the highest moment kept (2, 3 or 4)
	null  bool // the argument is an untyped NULL
	in    numReader
	slots []momentSlot
}

func makeMoment(name string, in arrow.DataType, params []any, _ []arrow.DataType) (Accumulator, error) {
	if len(params) != 0 {
		return nil, fmt.Errorf("%w: %s takes no constant parameters, got %d", ErrInvalid, name, len(params))
	}
	a := &momentAcc{name: name, order: 2, null: in.ID() == arrow.NULL, in: newNumReader(in)}
	switch name {
	case "var_samp":
		a.kind = varSamp
	case "var_pop":
		a.kind = varPop
	case "stddev_samp":
		a.kind = stddevSamp
	case "stddev_pop":
		a.kind = stddevPop
	case "skewness":
		a.kind, a.order = skewness, 3
	case "kurtosis":
		a.kind, a.order = kurtosis, 4
	default:
		return nil, fmt.Errorf("%w: aggregate function %s does not exist", ErrUnsupported, name)
	}
	return a, nil
}

func (a *momentAcc) Name() string                 { return a.name }
func (a *momentAcc) ResultType() arrow.DataType   { return arrow.PrimitiveTypes.Float64 }
func (a *momentAcc) StateTypes() []arrow.DataType { return nil }
func (a *momentAcc) Grow(n int) error             { a.slots = grow(a.slots, n); return nil }
func (a *momentAcc) NumGroups() int               { return len(a.slots) }

func (a *momentAcc) Update(g uint32, l *rows.Layout, r rows.Row, col int) error {
	if int(g) >= len(a.slots) {
		a.slots = grow(a.slots, int(g)+1)
	}
	if a.null || l.IsNull(r, col) {
		return nil
	}
	x := a.in.read(l, r, col)
	s := &a.slots[g]
	n := s.n + 1
	delta := x - s.avg
	deltaN := delta / n
	s.avg += deltaN
	s.m2 += delta * (delta - deltaN)
	s.n = n
	if a.order >= 3 {
		delta2, deltaN2 := delta*delta, deltaN*deltaN
		s.m3 = s.m3 - 3.0*deltaN*s.m2 + delta*(delta2-deltaN2)
		if a.order >= 4 {
			s.m4 = s.m4 - 4.0*deltaN*s.m3 - 6.0*deltaN2*s.m2 + delta*(delta*delta2-deltaN*deltaN2)
		}
	}
	return nil
}

func (a *momentAcc) Merge(uint32, *rows.Layout, rows.Row, int) error {
	return errNoPartial(a.name, "Merge")
}

func (a *momentAcc) WriteState(uint32, *rows.Writer, int) error {
	return errNoPartial(a.name, "WriteState")
}

func (a *momentAcc) WriteResult(g uint32, w *rows.Writer, col int) error {
	var s momentSlot
	if int(g) < len(a.slots) {
		s = a.slots[g]
	}
	if s.n == 0 {
		w.SetNull(col)
		return nil
	}
	var v float64
	switch a.kind {
	case varPop:
		v = s.m2 / s.n
	case stddevPop:
		v = math.Sqrt(s.m2 / s.n)
	case varSamp, stddevSamp:
		if s.n == 1 {
			w.SetNull(col)
			return nil
		}
		v = s.m2 / (s.n - 1)
		if a.kind == stddevSamp {
			v = math.Sqrt(v)
		}
	case skewness, kurtosis:
		if s.m2 == 0 {
			w.SetNull(col)
			return nil
		}
		if a.kind == skewness {
			v = math.Sqrt(s.n) * s.m3 / math.Sqrt(s.m2*s.m2*s.m2)
		} else {
			v = s.n*s.m4/(s.m2*s.m2) - 3.0
		}
	}
	w.SetFloat64(col, v)
	return nil
}

func (a *momentAcc) MemoryUsage() int64 { return int64(cap(a.slots)) * 40 }
func (a *momentAcc) Reset()             { a.slots = a.slots[:0] }
