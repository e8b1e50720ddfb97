package pqscan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/gluten-go/gluten-go/columnar"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// convKind says how the values of a Parquet column become the values of its
// Arrow column.
type convKind uint8

const (
	kBool         convKind = iota // BOOLEAN -> Boolean
	kInt32                        // INT32 -> Int32 or Date32, as stored
	kInt8                         // INT32 INT(8,true) -> Int32, narrowed to 8 bits
	kInt16                        // INT32 INT(16,true) -> Int32, narrowed to 16 bits
	kUint8                        // INT32 INT(8,false) -> Int32, zero-extended from 8 bits
	kUint16                       // INT32 INT(16,false) -> Int32, zero-extended from 16 bits
	kUint32                       // INT32 INT(32,false) -> Int64, zero-extended
	kInt64                        // INT64 -> Int64, Timestamp(us) or TIME micros, as stored
	kInt64Millis                  // INT64 milliseconds -> microseconds
	kInt64Nanos                   // INT64 nanoseconds -> microseconds (floor)
	kTimeMillis                   // INT32 TIME(MILLIS) -> Int64 microseconds
	kUint64                       // INT64 INT(64,false) -> Decimal128(20,0)
	kInt32Decimal                 // INT32 DECIMAL -> Decimal128
	kInt64Decimal                 // INT64 DECIMAL -> Decimal128
	kFixedDecimal                 // FIXED_LEN_BYTE_ARRAY DECIMAL (big-endian) -> Decimal128
	kBytesDecimal                 // BYTE_ARRAY DECIMAL (big-endian) -> Decimal128
	kInt96                        // INT96 (nanos of day, Julian day) -> Timestamp(us)
	kFloat                        // FLOAT -> Float64
	kDouble                       // DOUBLE -> Float64
	kFloat16                      // FIXED_LEN_BYTE_ARRAY(2) FLOAT16 -> Float64
	kByteArray                    // BYTE_ARRAY -> String or Binary
	kFixedBinary                  // FIXED_LEN_BYTE_ARRAY -> Binary
)

// columnInfo describes one supported top-level column.
type columnInfo struct {
	field   arrow.Field
	leaf    int // index of the column chunk within a row group
	phys    format.Type
	typeLen int // FIXED_LEN_BYTE_ARRAY length
	conv    convKind
	maxDef  int  // 0 for REQUIRED, 1 for OPTIONAL
	typeDef bool // the footer declares TYPE_DEFINED_ORDER for the column
}

// UnsupportedColumn names a top-level column that the reader leaves out of
// the schema, with the reason.
type UnsupportedColumn struct {
	Name   string // the column name in the file
	Reason string // why it is not read, e.g. `column "a" has nested type LIST, ...`
}

// buildSchema maps the top-level fields of the Parquet schema. mirror may
// report, per schema element, whether a logical type annotation was unknown.
func buildSchema(name string, elems []format.SchemaElement, mirror *mFileMeta) ([]columnInfo, []UnsupportedColumn, int, error) {
	if len(elems) == 0 {
		return nil, nil, 0, corruptf(name, "the schema has no root element")
	}
	var typeDefined []bool
	if mirror != nil && mirror.ColumnOrders.Valid {
		for _, o := range mirror.ColumnOrders.V {
			typeDefined = append(typeDefined, o.TypeDefined.Valid)
		}
	}
	root := elems[0]
	numTop := 0
	if root.NumChildren.Valid {
		numTop = int(root.NumChildren.V)
	}
	for i := range elems {
		if e := &elems[i]; e.Type.Valid && (e.Type.V < format.Boolean || e.Type.V > format.FixedLenByteArray) {
			return nil, nil, 0, corruptf(name, "schema element %q has invalid physical type %d", e.Name, int32(e.Type.V))
		}
	}
	var cols []columnInfo
	var unsupported []UnsupportedColumn
	pos, leaf := 1, 0
	// subtree skips the subtree rooted at elems[pos] and returns its number
	// of leaves.
	var subtree func(depth int) (int, error)
	subtree = func(depth int) (int, error) {
		if pos >= len(elems) {
			return 0, corruptf(name, "schema element %d out of range (%d elements)", pos, len(elems))
		}
		if depth > 100 {
			return 0, corruptf(name, "schema nested deeper than 100 levels")
		}
		e := &elems[pos]
		pos++
		if e.Type.Valid {
			return 1, nil
		}
		n := 0
		if e.NumChildren.Valid {
			n = int(e.NumChildren.V)
		}
		if n < 0 || n > len(elems)-pos {
			return 0, corruptf(name, "schema element %q declares %d children", e.Name, n)
		}
		leaves := 0
		for i := 0; i < n; i++ {
			l, err := subtree(depth + 1)
			if err != nil {
				return 0, err
			}
			leaves += l
		}
		return leaves, nil
	}
	for i := 0; i < numTop; i++ {
		if pos >= len(elems) {
			return nil, nil, 0, corruptf(name, "schema root declares %d children but the schema ends after %d", numTop, i)
		}
		e := &elems[pos]
		ePos := pos
		if !e.Type.Valid {
			leaves, err := subtree(1)
			if err != nil {
				return nil, nil, 0, err
			}
			leaf += leaves
			unsupported = append(unsupported, UnsupportedColumn{Name: e.Name,
				Reason: fmt.Sprintf("column %q has nested type %s, which gluten-go does not read yet", e.Name, groupKind(e))})
			continue
		}
		pos++
		thisLeaf := leaf
		leaf++
		rep := format.Required
		if e.RepetitionType.Valid {
			rep = e.RepetitionType.V
		}
		if rep == format.Repeated {
			unsupported = append(unsupported, UnsupportedColumn{Name: e.Name,
				Reason: fmt.Sprintf("column %q is a repeated %s field (a list), which gluten-go does not read yet", e.Name, e.Type.V)})
			continue
		}
		var lt *mLogicalType
		if mirror != nil && ePos < len(mirror.Schema) && mirror.Schema[ePos].LogicalType.Valid {
			lt = &mirror.Schema[ePos].LogicalType.V
		}
		info, reason := mapColumn(e, lt)
		if reason != "" {
			unsupported = append(unsupported, UnsupportedColumn{Name: e.Name,
				Reason: fmt.Sprintf("column %q %s", e.Name, reason)})
			continue
		}
		info.leaf = thisLeaf
		info.field.Nullable = rep == format.Optional
		if info.field.Nullable {
			info.maxDef = 1
		}
		info.typeDef = thisLeaf < len(typeDefined) && typeDefined[thisLeaf]
		cols = append(cols, info)
	}
	return cols, unsupported, leaf, nil
}

// groupKind names the kind of a group schema element for messages.
func groupKind(e *format.SchemaElement) string {
	switch e.LogicalType.Value.(type) {
	case *format.ListType:
		return "LIST"
	case *format.MapType:
		return "MAP"
	case *format.VariantType:
		return "VARIANT"
	}
	if e.ConvertedType.Valid {
		switch e.ConvertedType.V {
		case deprecated.List:
			return "LIST"
		case deprecated.Map, deprecated.MapKeyValue:
			return "MAP"
		}
	}
	if e.RepetitionType.Valid && e.RepetitionType.V == format.Repeated {
		return "repeated group"
	}
	return "STRUCT"
}

// mapColumn maps one primitive, non-repeated schema element. On failure it
// returns a reason phrased to follow `column "x" `.
func mapColumn(e *format.SchemaElement, lt *mLogicalType) (columnInfo, string) {
	phys := e.Type.V
	info := columnInfo{phys: phys}
	info.field.Name = e.Name
	if e.TypeLength.Valid {
		info.typeLen = int(e.TypeLength.V)
	}
	set := func(t arrow.DataType, k convKind) (columnInfo, string) {
		info.field.Type = t
		info.conv = k
		return info, ""
	}
	bad := func() (columnInfo, string) {
		return info, fmt.Sprintf("has logical type %s on physical type %s, which is invalid", annotation(e), phys)
	}
	if phys == format.FixedLenByteArray && info.typeLen <= 0 {
		return info, fmt.Sprintf("is FIXED_LEN_BYTE_ARRAY with invalid length %d", info.typeLen)
	}
	if lt != nil && !lt.known() {
		return info, fmt.Sprintf("has a logical type annotation unknown to this reader (physical type %s)", phys)
	}
	decimal := func(precision, scale int32) (columnInfo, string) {
		if err := columnar.ValidDecimal(precision, scale); err != nil {
			return info, fmt.Sprintf("has type DECIMAL(%d,%d), which gluten-go does not support: %v", precision, scale, err)
		}
		t := columnar.Decimal(precision, scale)
		switch phys {
		case format.Int32:
			return set(t, kInt32Decimal)
		case format.Int64:
			return set(t, kInt64Decimal)
		case format.FixedLenByteArray:
			return set(t, kFixedDecimal)
		case format.ByteArray:
			return set(t, kBytesDecimal)
		}
		return bad()
	}
	intType := func(bits int, signed bool) (columnInfo, string) {
		switch {
		case phys == format.Int32 && signed && bits == 8:
			return set(columnar.Int32, kInt8)
		case phys == format.Int32 && signed && bits == 16:
			return set(columnar.Int32, kInt16)
		case phys == format.Int32 && signed && bits == 32:
			return set(columnar.Int32, kInt32)
		case phys == format.Int32 && !signed && bits == 8:
			return set(columnar.Int32, kUint8)
		case phys == format.Int32 && !signed && bits == 16:
			return set(columnar.Int32, kUint16)
		case phys == format.Int32 && !signed && bits == 32:
			return set(columnar.Int64, kUint32)
		case phys == format.Int64 && signed && bits == 64:
			return set(columnar.Int64, kInt64)
		case phys == format.Int64 && !signed && bits == 64:
			return set(columnar.Decimal(20, 0), kUint64)
		}
		return bad()
	}
	timestamp := func(unit string) (columnInfo, string) {
		if phys != format.Int64 {
			return bad()
		}
		switch unit {
		case "MILLIS":
			return set(columnar.Timestamp, kInt64Millis)
		case "MICROS":
			return set(columnar.Timestamp, kInt64)
		case "NANOS":
			return set(columnar.Timestamp, kInt64Nanos)
		}
		return bad()
	}
	timeOfDay := func(unit string) (columnInfo, string) {
		switch {
		case unit == "MILLIS" && phys == format.Int32:
			return set(columnar.Int64, kTimeMillis)
		case unit == "MICROS" && phys == format.Int64:
			return set(columnar.Int64, kInt64)
		case unit == "NANOS" && phys == format.Int64:
			return set(columnar.Int64, kInt64Nanos)
		}
		return bad()
	}
	stringLike := func(t arrow.DataType) (columnInfo, string) {
		if phys != format.ByteArray {
			return bad()
		}
		return set(t, kByteArray)
	}

	switch l := e.LogicalType.Value.(type) {
	case *format.StringType, *format.EnumType, *format.JsonType:
		return stringLike(columnar.String)
	case *format.BsonType, *format.GeometryType, *format.GeographyType:
		return stringLike(columnar.Binary)
	case *format.UUIDType:
		if phys != format.FixedLenByteArray {
			return bad()
		}
		return set(columnar.Binary, kFixedBinary)
	case *format.DecimalType:
		return decimal(l.Precision, l.Scale)
	case *format.DateType:
		if phys != format.Int32 {
			return bad()
		}
		return set(columnar.Date, kInt32)
	case *format.TimeType:
		return timeOfDay(l.Unit.String())
	case *format.TimestampType:
		return timestamp(l.Unit.String())
	case *format.IntType:
		return intType(int(l.BitWidth), l.IsSigned)
	case *format.Float16Type:
		if phys != format.FixedLenByteArray || info.typeLen != 2 {
			return bad()
		}
		return set(columnar.Float64, kFloat16)
	case *format.NullType:
		return info, "has logical type UNKNOWN (always null), which gluten-go does not read"
	case nil:
	default:
		return info, fmt.Sprintf("has logical type %s, which gluten-go does not read", annotation(e))
	}

	if e.ConvertedType.Valid {
		switch e.ConvertedType.V {
		case deprecated.UTF8, deprecated.Enum, deprecated.Json:
			return stringLike(columnar.String)
		case deprecated.Bson:
			return stringLike(columnar.Binary)
		case deprecated.Decimal:
			if !e.Precision.Valid {
				return info, "has converted type DECIMAL without a precision"
			}
			return decimal(e.Precision.V, e.Scale.V)
		case deprecated.Date:
			if phys != format.Int32 {
				return bad()
			}
			return set(columnar.Date, kInt32)
		case deprecated.TimeMillis:
			return timeOfDay("MILLIS")
		case deprecated.TimeMicros:
			return timeOfDay("MICROS")
		case deprecated.TimestampMillis:
			return timestamp("MILLIS")
		case deprecated.TimestampMicros:
			return timestamp("MICROS")
		case deprecated.Int8:
			return intType(8, true)
		case deprecated.Int16:
			return intType(16, true)
		case deprecated.Int32:
			return intType(32, true)
		case deprecated.Int64:
			return intType(64, true)
		case deprecated.Uint8:
			return intType(8, false)
		case deprecated.Uint16:
			return intType(16, false)
		case deprecated.Uint32:
			return intType(32, false)
		case deprecated.Uint64:
			return intType(64, false)
		case deprecated.Interval:
			return info, "has type INTERVAL, which gluten-go does not read"
		default:
			return info, fmt.Sprintf("has converted type %s on a primitive field, which gluten-go does not read", convertedName(e.ConvertedType.V))
		}
	}

	switch phys {
	case format.Boolean:
		return set(columnar.Boolean, kBool)
	case format.Int32:
		return set(columnar.Int32, kInt32)
	case format.Int64:
		return set(columnar.Int64, kInt64)
	case format.Int96:
		return set(columnar.Timestamp, kInt96)
	case format.Float:
		return set(columnar.Float64, kFloat)
	case format.Double:
		return set(columnar.Float64, kDouble)
	case format.ByteArray:
		return set(columnar.Binary, kByteArray)
	case format.FixedLenByteArray:
		return set(columnar.Binary, kFixedBinary)
	}
	return info, fmt.Sprintf("has invalid physical type %d", int32(phys))
}

// annotation renders the logical or converted type of e for messages.
func annotation(e *format.SchemaElement) string {
	if e.LogicalType.Value != nil {
		return e.LogicalType.Value.String()
	}
	if e.ConvertedType.Valid {
		return convertedName(e.ConvertedType.V)
	}
	return "none"
}

var convertedNames = [...]string{"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE",
	"TIME_MILLIS", "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16",
	"UINT_32", "UINT_64", "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"}

// convertedName renders a legacy converted type.
func convertedName(c deprecated.ConvertedType) string {
	if c >= 0 && int(c) < len(convertedNames) {
		return convertedNames[c]
	}
	return fmt.Sprintf("ConvertedType(%d)", int32(c))
}
