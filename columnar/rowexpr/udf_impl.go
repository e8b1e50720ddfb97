package rowexpr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// udfCall is a call of a UDF.
type udfCall struct {
	u    *UDF
	args []Expr
}

func newUDFCall(u *UDF, args []Expr) (Expr, error) {
	if u == nil {
		return nil, invalidErr("CallUDF: nil UDF")
	}
	if u.Name == "" {
		return nil, invalidErr("CallUDF: the UDF has no name")
	}
	if u.Fn == nil {
		return nil, invalidErr("udf %s: no function (Fn is nil)", u.Name)
	}
	if u.ResultType == nil || !rowType(u.ResultType) {
		return nil, typeErr("udf %s: unsupported result type %s", u.Name, typeName(u.ResultType))
	}
	if len(args) != len(u.ArgTypes) {
		return nil, typeErr("udf %s takes %d arguments, got %d", u.Name, len(u.ArgTypes), len(args))
	}
	for i, a := range args {
		if a == nil {
			return nil, invalidErr("udf %s: argument %d is nil", u.Name, i+1)
		}
		want := u.ArgTypes[i]
		if want == nil || !rowType(want) {
			return nil, typeErr("udf %s: unsupported type %s of argument %d", u.Name, typeName(want), i+1)
		}
		if !arrow.TypeEqual(a.DataType(), want) {
			return nil, typeErr("udf %s: argument %d (%s) is %s but must be %s; cast it first",
				u.Name, i+1, a, typeName(a.DataType()), typeName(want))
		}
	}
	return &udfCall{u: u, args: args}, nil
}

func (n *udfCall) DataType() arrow.DataType { return n.u.ResultType }
func (n *udfCall) Children() []Expr         { return n.args }
func (n *udfCall) String() string           { return callString(n.u.Name, n.args) }

// Eval evaluates the arguments onto the context's stack and calls the
// function, turning its errors and panics into errors naming it.
func (n *udfCall) Eval(c *Context, l *rows.Layout, r rows.Row) (Value, error) {
	base := len(c.stack)
	for _, a := range n.args {
		v, err := a.Eval(c, l, r)
		if err != nil {
			c.stack = c.stack[:base]
			return Null, err
		}
		c.stack = append(c.stack, v)
	}
	v, err := n.call(c.stack[base:len(c.stack):len(c.stack)])
	c.stack = c.stack[:base]
	return v, err
}

func (n *udfCall) call(args []Value) (v Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = Null, fmt.Errorf("%w: %s panicked: %v", ErrUDF, n.u.Name, p)
		}
	}()
	v, err = n.u.Fn(args)
	if err != nil {
		return Null, fmt.Errorf("%w: %s: %w", ErrUDF, n.u.Name, err)
	}
	return v, nil
}

// ---- typed adapters ----

// udfDecimal is the SQL type of decimal128.Num arguments and results of the
// typed adapters: Spark's type for java.math.BigDecimal.
var udfDecimal = columnar.Decimal(38, 18)

// argConv returns how a Value of the SQL type of Go type A becomes an A:
// the SQL type, the conversion, and whether A sees NULLs (Nullable).
func argConv[A any]() (arrow.DataType, func(Value) A, bool, error) {
	var zero A
	var t arrow.DataType
	var f any
	nullable := false
	switch any(zero).(type) {
	case bool:
		t, f = columnar.Boolean, func(v Value) bool { return v.I != 0 }
	case int32:
		t, f = columnar.Int32, func(v Value) int32 { return int32(v.I) }
	case int64:
		t, f = columnar.Int64, func(v Value) int64 { return v.I }
	case float64:
		t, f = columnar.Float64, func(v Value) float64 { return v.F }
	case string:
		t, f = columnar.String, func(v Value) string { return string(v.B) }
	case []byte:
		t, f = columnar.Binary, func(v Value) []byte { return nonNil(v.B) }
	case decimal128.Num:
		t, f = udfDecimal, func(v Value) decimal128.Num { return v.D }
	case arrow.Date32:
		t, f = columnar.Date, func(v Value) arrow.Date32 { return arrow.Date32(v.I) }
	case arrow.Timestamp:
		t, f = columnar.Timestamp, func(v Value) arrow.Timestamp { return arrow.Timestamp(v.I) }
	case Nullable[bool]:
		t, f = columnar.Boolean, func(v Value) Nullable[bool] { return Nullable[bool]{V: v.I != 0, Valid: !v.Null} }
	case Nullable[int32]:
		t, f = columnar.Int32, func(v Value) Nullable[int32] { return Nullable[int32]{V: int32(v.I), Valid: !v.Null} }
	case Nullable[int64]:
		t, f = columnar.Int64, func(v Value) Nullable[int64] { return Nullable[int64]{V: v.I, Valid: !v.Null} }
	case Nullable[float64]:
		t, f = columnar.Float64, func(v Value) Nullable[float64] { return Nullable[float64]{V: v.F, Valid: !v.Null} }
	case Nullable[string]:
		t, f = columnar.String, func(v Value) Nullable[string] { return Nullable[string]{V: string(v.B), Valid: !v.Null} }
	case Nullable[[]byte]:
		t, f = columnar.Binary, func(v Value) Nullable[[]byte] {
			if v.Null {
				return Nullable[[]byte]{}
			}
			return Nullable[[]byte]{V: nonNil(v.B), Valid: true}
		}
	case Nullable[decimal128.Num]:
		t, f = udfDecimal, func(v Value) Nullable[decimal128.Num] { return Nullable[decimal128.Num]{V: v.D, Valid: !v.Null} }
	case Nullable[arrow.Date32]:
		t, f = columnar.Date, func(v Value) Nullable[arrow.Date32] {
			return Nullable[arrow.Date32]{V: arrow.Date32(v.I), Valid: !v.Null}
		}
	case Nullable[arrow.Timestamp]:
		t, f = columnar.Timestamp, func(v Value) Nullable[arrow.Timestamp] {
			return Nullable[arrow.Timestamp]{V: arrow.Timestamp(v.I), Valid: !v.Null}
		}
	default:
		return nil, nil, false, typeErr("Go type %T has no SQL type (use bool, int32, int64, float64, string, []byte, decimal128.Num, arrow.Date32, arrow.Timestamp or a Nullable of one)", zero)
	}
	switch any(zero).(type) {
	case Nullable[bool], Nullable[int32], Nullable[int64], Nullable[float64], Nullable[string],
		Nullable[[]byte], Nullable[decimal128.Num], Nullable[arrow.Date32], Nullable[arrow.Timestamp]:
		nullable = true
	}
	return t, f.(func(Value) A), nullable, nil
}

// resConv returns how a result of Go type R becomes a Value.
func resConv[R any]() (arrow.DataType, func(R) Value, error) {
	var zero R
	var t arrow.DataType
	var f any
	switch any(zero).(type) {
	case bool:
		t, f = columnar.Boolean, func(r bool) Value { return Bool(r) }
	case int32:
		t, f = columnar.Int32, func(r int32) Value { return Value{I: int64(r)} }
	case int64:
		t, f = columnar.Int64, func(r int64) Value { return Value{I: r} }
	case float64:
		t, f = columnar.Float64, func(r float64) Value { return Value{F: r} }
	case string:
		t, f = columnar.String, func(r string) Value { return Value{B: strBytes(r)} }
	case []byte:
		t, f = columnar.Binary, func(r []byte) Value { return Value{B: nonNil(r)} }
	case decimal128.Num:
		t, f = udfDecimal, func(r decimal128.Num) Value { return decResult(r) }
	case arrow.Date32:
		t, f = columnar.Date, func(r arrow.Date32) Value { return Value{I: int64(r)} }
	case arrow.Timestamp:
		t, f = columnar.Timestamp, func(r arrow.Timestamp) Value { return Value{I: int64(r)} }
	case Nullable[bool]:
		t, f = columnar.Boolean, nullableRes(func(r bool) Value { return Bool(r) })
	case Nullable[int32]:
		t, f = columnar.Int32, nullableRes(func(r int32) Value { return Value{I: int64(r)} })
	case Nullable[int64]:
		t, f = columnar.Int64, nullableRes(func(r int64) Value { return Value{I: r} })
	case Nullable[float64]:
		t, f = columnar.Float64, nullableRes(func(r float64) Value { return Value{F: r} })
	case Nullable[string]:
		t, f = columnar.String, nullableRes(func(r string) Value { return Value{B: strBytes(r)} })
	case Nullable[[]byte]:
		t, f = columnar.Binary, nullableRes(func(r []byte) Value { return Value{B: nonNil(r)} })
	case Nullable[decimal128.Num]:
		t, f = udfDecimal, nullableRes(decResult)
	case Nullable[arrow.Date32]:
		t, f = columnar.Date, nullableRes(func(r arrow.Date32) Value { return Value{I: int64(r)} })
	case Nullable[arrow.Timestamp]:
		t, f = columnar.Timestamp, nullableRes(func(r arrow.Timestamp) Value { return Value{I: int64(r)} })
	default:
		return nil, nil, typeErr("Go type %T has no SQL type (use bool, int32, int64, float64, string, []byte, decimal128.Num, arrow.Date32, arrow.Timestamp or a Nullable of one)", zero)
	}
	return t, f.(func(R) Value), nil
}

// decResult is a DECIMAL(38,18) result: NULL when it does not fit, as
// Spark's non-ANSI overflow.
func decResult(r decimal128.Num) Value {
	if !decFits38(r) {
		return Null
	}
	return Value{D: r}
}

func nullableRes[T any](f func(T) Value) func(Nullable[T]) Value {
	return func(r Nullable[T]) Value {
		if !r.Valid {
			return Null
		}
		return f(r.V)
	}
}

// decFits38 reports whether an unscaled value has at most 38 digits.
func decFits38(d decimal128.Num) bool {
	return d.FitsInPrecision(38)
}

func checkUDFName(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalidErr("a UDF needs a name")
	}
	return nil
}

func newUDF1[A, R any](name string, f func(A) R) (*UDF, error) {
	if err := checkUDFName(name); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, invalidErr("udf %s: nil function", name)
	}
	ta, ca, na, err := argConv[A]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: argument 1: %w", name, err)
	}
	tr, cr, err := resConv[R]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: result: %w", name, err)
	}
	return &UDF{Name: name, ArgTypes: []arrow.DataType{ta}, ResultType: tr,
		Fn: func(args []Value) (Value, error) {
			if args[0].Null && !na {
				return Null, nil
			}
			return cr(f(ca(args[0]))), nil
		}}, nil
}

func newUDF2[A, B, R any](name string, f func(A, B) R) (*UDF, error) {
	if err := checkUDFName(name); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, invalidErr("udf %s: nil function", name)
	}
	ta, ca, na, err := argConv[A]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: argument 1: %w", name, err)
	}
	tb, cb, nb, err := argConv[B]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: argument 2: %w", name, err)
	}
	tr, cr, err := resConv[R]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: result: %w", name, err)
	}
	return &UDF{Name: name, ArgTypes: []arrow.DataType{ta, tb}, ResultType: tr,
		Fn: func(args []Value) (Value, error) {
			if (args[0].Null && !na) || (args[1].Null && !nb) {
				return Null, nil
			}
			return cr(f(ca(args[0]), cb(args[1]))), nil
		}}, nil
}

func newUDF3[A, B, C, R any](name string, f func(A, B, C) R) (*UDF, error) {
	if err := checkUDFName(name); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, invalidErr("udf %s: nil function", name)
	}
	ta, ca, na, err := argConv[A]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: argument 1: %w", name, err)
	}
	tb, cb, nb, err := argConv[B]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: argument 2: %w", name, err)
	}
	tc, cc, nc, err := argConv[C]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: argument 3: %w", name, err)
	}
	tr, cr, err := resConv[R]()
	if err != nil {
		return nil, fmt.Errorf("udf %s: result: %w", name, err)
	}
	return &UDF{Name: name, ArgTypes: []arrow.DataType{ta, tb, tc}, ResultType: tr,
		Fn: func(args []Value) (Value, error) {
			if (args[0].Null && !na) || (args[1].Null && !nb) || (args[2].Null && !nc) {
				return Null, nil
			}
			return cr(f(ca(args[0]), cb(args[1]), cc(args[2]))), nil
		}}, nil
}
