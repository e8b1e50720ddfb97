package columnar

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// MaxDecimalPrecision is the largest decimal precision gluten-go supports,
// as in Spark.
const MaxDecimalPrecision = 38

// The SQL types of gluten-go as Arrow types. Decimal types are made by
// Decimal.
var (
	Boolean   arrow.DataType = arrow.FixedWidthTypes.Boolean
	Int32     arrow.DataType = arrow.PrimitiveTypes.Int32
	Int64     arrow.DataType = arrow.PrimitiveTypes.Int64
	Float64   arrow.DataType = arrow.PrimitiveTypes.Float64
	String    arrow.DataType = arrow.BinaryTypes.String
	Binary    arrow.DataType = arrow.BinaryTypes.Binary
	Date      arrow.DataType = arrow.FixedWidthTypes.Date32
	Timestamp arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	Null      arrow.DataType = arrow.Null
)

// Decimal returns the DECIMAL(precision, scale) type. It does not validate
// its arguments; see ValidDecimal.
func Decimal(precision, scale int32) arrow.DataType {
	return &arrow.Decimal128Type{Precision: precision, Scale: scale}
}

// ValidDecimal reports an error when precision and scale do not form a valid
// DECIMAL type (1 <= precision <= 38, 0 <= scale <= precision).
func ValidDecimal(precision, scale int32) error {
	if precision < 1 || precision > MaxDecimalPrecision {
		return fmt.Errorf("decimal precision %d out of range [1, %d]", precision, MaxDecimalPrecision)
	}
	if scale < 0 || scale > precision {
		return fmt.Errorf("decimal scale %d out of range [0, %d]", scale, precision)
	}
	return nil
}

// IsDecimal reports whether t is a decimal type and returns its precision
// and scale.
func IsDecimal(t arrow.DataType) (precision, scale int32, ok bool) {
	if d, isDec := t.(*arrow.Decimal128Type); isDec {
		return d.Precision, d.Scale, true
	}
	return 0, 0, false
}

// IsNumeric reports whether t is INT, BIGINT, DOUBLE or DECIMAL.
func IsNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

// IsStringLike reports whether t is STRING or BINARY.
func IsStringLike(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.BINARY
}

// Supported reports whether t is one of gluten-go's SQL types.
func Supported(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128,
		arrow.STRING, arrow.BINARY, arrow.DATE32, arrow.NULL:
		return true
	case arrow.TIMESTAMP:
		ts := t.(*arrow.TimestampType)
		return ts.Unit == arrow.Microsecond
	}
	return false
}

// TypeName renders t the way Spark SQL names it: int, bigint, double,
// decimal(15,2), string, date, timestamp, ...
func TypeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.BOOL:
		return "boolean"
	case arrow.INT8:
		return "tinyint"
	case arrow.INT16:
		return "smallint"
	case arrow.INT32:
		return "int"
	case arrow.INT64:
		return "bigint"
	case arrow.FLOAT32:
		return "float"
	case arrow.FLOAT64:
		return "double"
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return fmt.Sprintf("decimal(%d,%d)", d.Precision, d.Scale)
	case arrow.STRING:
		return "string"
	case arrow.BINARY:
		return "binary"
	case arrow.DATE32:
		return "date"
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.NULL:
		return "void"
	}
	return strings.ToLower(t.String())
}

// StructString renders a schema as Spark's ReadSchema does:
// struct<a:int,b:string>.
func StructString(s *arrow.Schema) string {
	var b strings.Builder
	b.WriteString("struct<")
	for i, f := range s.Fields() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.Name)
		b.WriteByte(':')
		b.WriteString(TypeName(f.Type))
	}
	b.WriteByte('>')
	return b.String()
}

// CompareValues compares two Go values of the same SQL type (see the package
// doc) and returns -1, 0 or 1. ok is false when they cannot be compared
// (different representations, NULL, NaN).
func CompareValues(a, b any) (c int, ok bool) {
	switch x := a.(type) {
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 0, false
		}
		switch {
		case x == y:
			return 0, true
		case !x:
			return -1, true
		}
		return 1, true
	case int32:
		y, ok := b.(int32)
		return cmpOrdered(x, y), ok
	case int64:
		y, ok := b.(int64)
		return cmpOrdered(x, y), ok
	case float64:
		y, ok := b.(float64)
		if !ok || x != x || y != y {
			return 0, false
		}
		return cmpOrdered(x, y), true
	case decimal128.Num:
		y, ok := b.(decimal128.Num)
		if !ok {
			return 0, false
		}
		return x.Cmp(y), true
	case string:
		y, ok := b.(string)
		return cmpOrdered(x, y), ok
	case []byte:
		y, ok := b.([]byte)
		return bytes.Compare(x, y), ok
	case arrow.Date32:
		y, ok := b.(arrow.Date32)
		return cmpOrdered(x, y), ok
	case arrow.Timestamp:
		y, ok := b.(arrow.Timestamp)
		return cmpOrdered(x, y), ok
	}
	return 0, false
}

func cmpOrdered[T int32 | int64 | float64 | string | arrow.Date32 | arrow.Timestamp](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
