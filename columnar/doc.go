// Package columnar holds the lowest layer of gluten-go's vectorized core: the
// SQL type system as Arrow types, Arrow batch utilities, and the accounting
// allocator that counts every Arrow buffer a task allocates.
//
// # Types
//
// gluten-go's SQL types map onto Arrow types one to one:
//
//	BOOLEAN        arrow.FixedWidthTypes.Boolean
//	INT            arrow.PrimitiveTypes.Int32
//	BIGINT         arrow.PrimitiveTypes.Int64
//	DOUBLE         arrow.PrimitiveTypes.Float64
//	DECIMAL(p, s)  *arrow.Decimal128Type (p <= 38), whatever the precision
//	STRING         arrow.BinaryTypes.String
//	BINARY         arrow.BinaryTypes.Binary
//	DATE           arrow.FixedWidthTypes.Date32
//	TIMESTAMP      *arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
//	NULL           arrow.Null (the type of an untyped NULL literal only)
//
// Readers widen narrower physical types (int8, int16, float32, ...) into this
// set, so every operator and kernel sees only these types.
//
// # Scalar values
//
// Where a single value is held outside an array (literals, statistics,
// aggregate results), it is a Go value of the type's natural representation:
// bool, int32, int64, float64, decimal128.Num, string, []byte, arrow.Date32,
// arrow.Timestamp, or nil for NULL.
//
// # Ownership
//
// An arrow.RecordBatch or arrow.Array returned by a function is owned by the
// caller, who must Release it exactly once. A batch passed as an argument is
// borrowed: the callee Retains it if it keeps it beyond the call.
package columnar
