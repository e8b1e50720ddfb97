package expr

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// Lit is a constant, made by Literal.
type Lit struct {
	value any
	typ   arrow.DataType
}

// Literal returns a constant of type t. value is the Go representation of
// the type: bool, int32, int64, float64, decimal128.Num (with a decimal t;
// it must fit t's precision), string, []byte, arrow.Date32, arrow.Timestamp;
// nil is NULL of type t.
func Literal(value any, t arrow.DataType) (*Lit, error) {
	if t == nil {
		return nil, invalidErr("literal %v: nil type", value)
	}
	if !columnar.Supported(t) {
		return nil, typeErr("literal %v: unsupported type %s", value, typeName(t))
	}
	if p, s, ok := columnar.IsDecimal(t); ok {
		if err := columnar.ValidDecimal(p, s); err != nil {
			return nil, typeErr("literal of type %s: %v", typeName(t), err)
		}
	}
	if value == nil {
		return &Lit{typ: t}, nil
	}
	ok := false
	switch v := value.(type) {
	case bool:
		ok = t.ID() == arrow.BOOL
	case int32:
		ok = t.ID() == arrow.INT32
	case int64:
		ok = t.ID() == arrow.INT64
	case float64:
		ok = t.ID() == arrow.FLOAT64
	case decimal128.Num:
		if t.ID() == arrow.DECIMAL128 {
			p, s, _ := columnar.IsDecimal(t)
			if !fitsPrecision(fromNum(v), p) {
				return nil, typeErr("literal %s does not fit %s", formatDecimal(fromNum(v), s), typeName(t))
			}
			ok = true
		}
	case string:
		ok = t.ID() == arrow.STRING
	case []byte:
		if t.ID() == arrow.BINARY {
			value = append([]byte{}, v...)
			ok = true
		}
	case arrow.Date32:
		ok = t.ID() == arrow.DATE32
	case arrow.Timestamp:
		ok = t.ID() == arrow.TIMESTAMP
	}
	if !ok {
		return nil, typeErr("literal of type %s cannot hold a Go %T", typeName(t), value)
	}
	return &Lit{value: value, typ: t}, nil
}

// Value returns the literal's Go value (nil for NULL).
func (l *Lit) Value() any { return l.value }

// IsNull reports whether the literal is NULL.
func (l *Lit) IsNull() bool { return l.value == nil }

// DataType implements Expr.
func (l *Lit) DataType() arrow.DataType { return l.typ }

// Children implements Expr.
func (l *Lit) Children() []Expr { return nil }

// String implements Expr, printing the value as Spark's Literal.toString
// does: strings unquoted, dates as yyyy-MM-dd, NULL as null.
func (l *Lit) String() string { return formatValue(l.value, l.typ) }

// formatValue renders a Go value of type t as Spark's Literal.toString.
func formatValue(v any, t arrow.DataType) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatDouble(x)
	case decimal128.Num:
		_, s, _ := columnar.IsDecimal(t)
		return formatDecimal(fromNum(x), s)
	case string:
		return x
	case []byte:
		return formatHex(x)
	case arrow.Date32:
		return formatDate(int64(x))
	case arrow.Timestamp:
		return formatTimestamp(int64(x))
	}
	return fmt.Sprint(v)
}

// Eval implements Expr: it materializes the constant over the batch's rows.
func (l *Lit) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	return constArray(ctx.Alloc, l.value, l.typ, int(batch.NumRows()))
}

// constArray returns an array of n copies of v (a Go value of type t).
func constArray(alloc memory.Allocator, v any, t arrow.DataType, n int) (arrow.Array, error) {
	switch x := v.(type) {
	case string:
		return repeatString(alloc, t, n, []byte(x))
	case []byte:
		return repeatString(alloc, t, n, x)
	}
	return constFixed(alloc, v, t, n), nil
}

// constFixed is constArray for values of fixed-width types.
func constFixed(alloc memory.Allocator, v any, t arrow.DataType, n int) arrow.Array {
	if v == nil {
		return nullArray(alloc, t, n)
	}
	switch x := v.(type) {
	case bool:
		b := newBuf(alloc, bitmapLen(n))
		if x {
			setAll(b.Bytes())
		} else {
			clear(b.Bytes())
		}
		return makeArray(t, n, []*memory.Buffer{nil, b}, 0)
	case int32:
		return fillFixed(alloc, t, n, x)
	case arrow.Date32:
		return fillFixed(alloc, t, n, x)
	case int64:
		return fillFixed(alloc, t, n, x)
	case arrow.Timestamp:
		return fillFixed(alloc, t, n, x)
	case float64:
		return fillFixed(alloc, t, n, x)
	case decimal128.Num:
		return fillFixed(alloc, t, n, fromNum(x))
	}
	return nullArray(alloc, t, n)
}

func fillFixed[T any](alloc memory.Allocator, t arrow.DataType, n int, v T) arrow.Array {
	b := newBuf(alloc, n*fixedWidth(t))
	vals := sliceOf[T](b.Bytes())
	for i := range vals {
		vals[i] = v
	}
	return makeArray(t, n, []*memory.Buffer{nil, b}, 0)
}

func repeatString(alloc memory.Allocator, t arrow.DataType, n int, s []byte) (arrow.Array, error) {
	if int64(n)*int64(len(s)) > math.MaxInt32 {
		return nil, invalidErr("a %s of %d rows of %d bytes each exceeds the 2 GiB limit of an array", typeName(t), n, len(s))
	}
	off := newBuf(alloc, 4*(n+1))
	offs := sliceOf[int32](off.Bytes())
	data := newBuf(alloc, n*len(s))
	d := data.Bytes()
	for i := 0; i < n; i++ {
		offs[i] = int32(i * len(s))
		copy(d[i*len(s):], s)
	}
	offs[n] = int32(n * len(s))
	return makeArray(t, n, []*memory.Buffer{nil, off, data}, 0), nil
}

func valueAt(arr arrow.Array, i int) (any, error) {
	if i < 0 || i >= arr.Len() {
		return nil, invalidErr("value index %d out of range for an array of %d", i, arr.Len())
	}
	if arr.DataType().ID() == arrow.NULL || arr.IsNull(i) {
		return nil, nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Int32:
		return a.Value(i), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.Decimal128:
		return a.Value(i), nil
	case *array.String:
		return a.Value(i), nil
	case *array.Binary:
		return append([]byte{}, a.Value(i)...), nil
	case *array.Date32:
		return a.Value(i), nil
	case *array.Timestamp:
		return a.Value(i), nil
	}
	return nil, typeErr("no Go value for an array of type %s", typeName(arr.DataType()))
}

func evalConst(alloc memory.Allocator, e Expr) (any, error) {
	if e == nil {
		return nil, invalidErr("EvalConst: nil expression")
	}
	if l, ok := e.(*Lit); ok {
		return l.value, nil
	}
	schema := arrow.NewSchema(nil, nil)
	batch := array.NewRecordBatch(schema, nil, 1)
	defer batch.Release()
	a, err := e.Eval(&Context{Alloc: alloc}, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return valueAt(a, 0)
}
