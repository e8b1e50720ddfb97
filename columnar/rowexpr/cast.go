package rowexpr

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

const (
	microsPerSecond = int64(1_000_000)
	microsPerDay    = 86_400 * microsPerSecond
)

// convFn converts one non-NULL value; the result may be NULL. Byte results
// are built in c's arena.
type convFn func(c *Context, v Value) Value

type castNode struct {
	proto
	e Expr
	f convFn // nil: always NULL
}

func newCast(e Expr, to arrow.DataType) (Expr, error) {
	p, err := expr.Cast(shadowOf(e), to)
	if err != nil {
		return nil, err
	}
	return &castNode{proto: proto{p}, e: e, f: castFn(e.DataType(), to)}, nil
}

func (n *castNode) Children() []Expr { return []Expr{n.e} }

func (n *castNode) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	v, err := n.e.Eval(c, l, r)
	if err != nil || v.Null || n.f == nil {
		return Null, err
	}
	return n.f(c, v), nil
}

func identity(_ *Context, v Value) Value { return v }

// decOrNull makes a decimal result.
func decOrNull(d decimal128.Num, ok bool) Value {
	if !ok {
		return Null
	}
	return Value{D: d}
}

func intOrNull(i int64, ok bool) Value {
	if !ok {
		return Null
	}
	return Value{I: i}
}

// castFn returns the conversion from one type to another, following
// columnar/expr's castArray case by case (expr.CanCast(from, to) holds);
// nil means the result is always NULL.
func castFn(from, to arrow.DataType) convFn {
	if from.ID() == arrow.NULL {
		return nil
	}
	if arrow.TypeEqual(from, to) {
		return identity
	}
	f := from.ID()
	_, fs, _ := columnar.IsDecimal(from)
	switch to.ID() {
	case arrow.STRING:
		return castToString(from)
	case arrow.BINARY:
		switch f {
		case arrow.STRING:
			return identity
		case arrow.INT32:
			return func(c *Context, v Value) Value {
				return Value{B: c.commit(binary.BigEndian.AppendUint32(c.scratch(4), uint32(int32(v.I))))}
			}
		case arrow.INT64:
			return func(c *Context, v Value) Value {
				return Value{B: c.commit(binary.BigEndian.AppendUint64(c.scratch(8), uint64(v.I)))}
			}
		}
	case arrow.BOOL:
		switch f {
		case arrow.STRING:
			return func(_ *Context, v Value) Value {
				b, ok := expr.ParseBool(v.B)
				if !ok {
					return Null
				}
				return Bool(b)
			}
		case arrow.DATE32:
			return nil
		case arrow.INT32, arrow.INT64, arrow.TIMESTAMP:
			return func(_ *Context, v Value) Value { return Bool(v.I != 0) }
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value { return Bool(v.F != 0) }
		case arrow.DECIMAL128:
			return func(_ *Context, v Value) Value { return Bool(v.D != decimal128.Num{}) }
		}
	case arrow.DATE32:
		switch f {
		case arrow.STRING:
			return func(_ *Context, v Value) Value {
				d, ok := expr.ParseDate(v.B)
				return intOrNull(int64(d), ok)
			}
		case arrow.TIMESTAMP:
			return func(_ *Context, v Value) Value { return Value{I: int64(int32(expr.FloorDiv(v.I, microsPerDay)))} }
		}
	case arrow.TIMESTAMP:
		switch f {
		case arrow.STRING:
			return func(_ *Context, v Value) Value { return intOrNull(expr.ParseTimestamp(v.B)) }
		case arrow.DATE32:
			return func(_ *Context, v Value) Value { return Value{I: int64(int32(v.I)) * microsPerDay} }
		case arrow.TIMESTAMP:
			return identity
		case arrow.BOOL:
			return identity // 0 or 1 microseconds
		case arrow.INT32, arrow.INT64:
			return func(_ *Context, v Value) Value { return Value{I: expr.SecondsToMicros(v.I)} }
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value {
				if math.IsNaN(v.F) || math.IsInf(v.F, 0) {
					return Null
				}
				return Value{I: expr.DoubleToInt64(v.F * float64(microsPerSecond))}
			}
		case arrow.DECIMAL128:
			return func(_ *Context, v Value) Value { return Value{I: expr.DecimalToInt64(v.D, fs-6)} }
		}
	case arrow.INT32, arrow.INT64, arrow.FLOAT64:
		return castToNumber(from, to)
	case arrow.DECIMAL128:
		p, s, _ := columnar.IsDecimal(to)
		switch f {
		case arrow.DECIMAL128:
			delta := int(s - fs)
			return func(_ *Context, v Value) Value { return decOrNull(expr.RescaleDecimal(v.D, delta, p)) }
		case arrow.INT32, arrow.INT64, arrow.BOOL:
			return func(_ *Context, v Value) Value {
				return decOrNull(expr.RescaleDecimal(decimal128.FromI64(v.I), int(s), p))
			}
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value { return decOrNull(expr.DoubleToDecimal(v.F, p, s)) }
		case arrow.TIMESTAMP:
			return func(_ *Context, v Value) Value {
				return decOrNull(expr.DoubleToDecimal(float64(v.I)/float64(microsPerSecond), p, s))
			}
		case arrow.STRING:
			return func(_ *Context, v Value) Value { return decOrNull(expr.ParseDecimal(v.B, p, s)) }
		}
	}
	return nil
}

func castToString(from arrow.DataType) convFn {
	switch from.ID() {
	case arrow.BINARY:
		return identity
	case arrow.BOOL:
		return func(_ *Context, v Value) Value {
			if v.I != 0 {
				return Value{B: strBytes("true")}
			}
			return Value{B: strBytes("false")}
		}
	case arrow.INT32, arrow.INT64:
		return func(c *Context, v Value) Value { return Value{B: c.commit(strconv.AppendInt(c.scratch(20), v.I, 10))} }
	case arrow.FLOAT64:
		return func(c *Context, v Value) Value { return Value{B: c.commit(expr.AppendDouble(c.scratch(32), v.F))} }
	case arrow.DECIMAL128:
		_, s, _ := columnar.IsDecimal(from)
		return func(c *Context, v Value) Value { return Value{B: c.commit(expr.AppendDecimal(c.scratch(48), v.D, s))} }
	case arrow.DATE32:
		return func(c *Context, v Value) Value {
			return Value{B: c.commit(expr.AppendDate(c.scratch(16), int32(v.I)))}
		}
	case arrow.TIMESTAMP:
		return func(c *Context, v Value) Value { return Value{B: c.commit(expr.AppendTimestamp(c.scratch(32), v.I))} }
	}
	return nil
}

func castToNumber(from, to arrow.DataType) convFn {
	tid := to.ID()
	switch from.ID() {
	case arrow.INT32:
		switch tid {
		case arrow.INT64:
			return identity
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value { return Value{F: float64(v.I)} }
		}
	case arrow.INT64:
		switch tid {
		case arrow.INT32:
			return func(_ *Context, v Value) Value { return Value{I: int64(int32(v.I))} }
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value { return Value{F: float64(v.I)} }
		}
	case arrow.FLOAT64:
		switch tid {
		case arrow.INT32:
			return func(_ *Context, v Value) Value { return Value{I: int64(expr.DoubleToInt32(v.F))} }
		case arrow.INT64:
			return func(_ *Context, v Value) Value { return Value{I: expr.DoubleToInt64(v.F)} }
		}
	case arrow.DECIMAL128:
		_, s, _ := columnar.IsDecimal(from)
		switch tid {
		case arrow.INT32:
			return func(_ *Context, v Value) Value { return Value{I: int64(int32(expr.DecimalToInt64(v.D, s)))} }
		case arrow.INT64:
			return func(_ *Context, v Value) Value { return Value{I: expr.DecimalToInt64(v.D, s)} }
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value { return Value{F: expr.DecimalToDouble(v.D, s)} }
		}
	case arrow.BOOL:
		switch tid {
		case arrow.INT32, arrow.INT64:
			return identity
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value { return Value{F: float64(v.I)} }
		}
	case arrow.TIMESTAMP:
		switch tid {
		case arrow.INT32:
			return func(_ *Context, v Value) Value {
				return Value{I: int64(int32(expr.FloorDiv(v.I, microsPerSecond)))}
			}
		case arrow.INT64:
			return func(_ *Context, v Value) Value { return Value{I: expr.FloorDiv(v.I, microsPerSecond)} }
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value { return Value{F: float64(v.I) / float64(microsPerSecond)} }
		}
	case arrow.STRING:
		switch tid {
		case arrow.INT32:
			return func(_ *Context, v Value) Value {
				i, ok := expr.ParseInt32(v.B)
				return intOrNull(int64(i), ok)
			}
		case arrow.INT64:
			return func(_ *Context, v Value) Value { return intOrNull(expr.ParseInt64(v.B)) }
		case arrow.FLOAT64:
			return func(_ *Context, v Value) Value {
				f, ok := expr.ParseDouble(v.B)
				if !ok {
					return Null
				}
				return Value{F: f}
			}
		}
	}
	// DATE to a number is NULL in Spark's non-ANSI mode.
	return nil
}
