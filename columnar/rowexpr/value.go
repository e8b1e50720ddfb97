package rowexpr

import (
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

func readValue(l *rows.Layout, r rows.Row, i int) Value {
	if l.IsNull(r, i) {
		return Null
	}
	switch l.Kind(i) {
	case rows.KindBool:
		if l.Bool(r, i) {
			return Value{I: 1}
		}
		return Value{}
	case rows.KindInt32:
		return Value{I: int64(l.Int32(r, i))}
	case rows.KindInt64:
		return Value{I: l.Int64(r, i)}
	case rows.KindFloat64:
		return Value{F: l.Float64(r, i)}
	case rows.KindDec64, rows.KindDec128:
		return Value{D: l.Decimal(r, i)}
	case rows.KindBytes, rows.KindList:
		return Value{B: l.Bytes(r, i)}
	}
	return Null
}

func writeValue(w *rows.Writer, i int, _ arrow.DataType, v Value) {
	if v.Null {
		w.SetNull(i)
		return
	}
	switch w.Layout().Kind(i) {
	case rows.KindBool:
		w.SetBool(i, v.I != 0)
	case rows.KindInt32:
		w.SetInt64(i, int64(int32(v.I)))
	case rows.KindInt64:
		w.SetInt64(i, v.I)
	case rows.KindFloat64:
		w.SetFloat64(i, v.F)
	case rows.KindDec64, rows.KindDec128:
		w.SetDecimal(i, v.D)
	case rows.KindBytes, rows.KindList:
		w.SetBytes(i, v.B)
	default:
		w.SetNull(i)
	}
}

// valueOf converts a Go value of a literal (see Literal) to a Value. Strings
// are shared, not copied: Values are never written to.
func valueOf(v any) Value {
	switch x := v.(type) {
	case nil:
		return Null
	case bool:
		return Bool(x)
	case int32:
		return Value{I: int64(x)}
	case int64:
		return Value{I: x}
	case float64:
		return Value{F: x}
	case decimal128.Num:
		return Value{D: x}
	case string:
		return Value{B: strBytes(x)}
	case []byte:
		if x == nil {
			x = []byte{}
		}
		return Value{B: x}
	case arrow.Date32:
		return Value{I: int64(x)}
	case arrow.Timestamp:
		return Value{I: int64(x)}
	}
	return Null
}

// goValue converts a Value of type t back to its Go representation (see
// Literal), nil for NULL. Byte values are copied.
func goValue(v Value, t arrow.DataType) any {
	if v.Null {
		return nil
	}
	switch t.ID() {
	case arrow.BOOL:
		return v.I != 0
	case arrow.INT32:
		return int32(v.I)
	case arrow.INT64:
		return v.I
	case arrow.FLOAT64:
		return v.F
	case arrow.DECIMAL128:
		return v.D
	case arrow.STRING:
		return string(v.B)
	case arrow.BINARY, arrow.LIST:
		return append([]byte{}, v.B...)
	case arrow.DATE32:
		return arrow.Date32(int32(v.I))
	case arrow.TIMESTAMP:
		return arrow.Timestamp(v.I)
	}
	return nil
}

// strBytes returns the bytes of s without copying them. The result must
// never be written to.
func strBytes(s string) []byte {
	if len(s) == 0 {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// sameFloat is Spark's double equality: NaN equals NaN, -0.0 equals 0.0.
func sameFloat(x, y float64) bool { return x == y || (x != x && y != y) }

// lessFloat is Spark's double order: NaN above every other value.
func lessFloat(x, y float64) bool { return x < y || (x == x && y != y) }

// cmpFloat compares doubles in Spark's order.
func cmpFloat(x, y float64) int {
	switch {
	case sameFloat(x, y):
		return 0
	case lessFloat(x, y):
		return -1
	}
	return 1
}

// floatKey normalizes a double for hashing with Spark's equality.
func floatKey(v float64) uint64 {
	if v != v {
		return 0x7FF8000000000001
	}
	if v == 0 {
		return 0
	}
	return math.Float64bits(v)
}

// cmpInt compares integers.
func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// cmpNum compares two decimals of one scale.
func cmpNum(a, b decimal128.Num) int {
	ah, bh := a.HighBits(), b.HighBits()
	switch {
	case ah < bh:
		return -1
	case ah > bh:
		return 1
	}
	al, bl := a.LowBits(), b.LowBits()
	switch {
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}
