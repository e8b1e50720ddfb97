package rowexpr

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// UDF is a scalar user-defined function written in Go. Rows-only: a plan
// that calls a UDF evaluates that expression in a row operator.
//
// Fn receives one Value per argument, each of the corresponding ArgTypes
// (NULL arguments included: Fn decides what NULL gives), and returns a
// Value of ResultType. Byte values passed to Fn are valid only during the
// call; byte values it returns must stay valid until the next call (return
// fresh memory or memory Fn owns). An error returned by Fn, or a panic in
// it, fails the query with an error naming the function (wrapping ErrUDF).
// Fn may be called from several goroutines at once.
type UDF struct {
	Name       string
	ArgTypes   []arrow.DataType
	ResultType arrow.DataType
	Fn         func(args []Value) (Value, error)
}

// CallUDF returns a call of u. args must already have u.ArgTypes (the
// planner casts them; expr.ImplicitCast tells which casts it may insert).
// String prints name(arg, ...), as Spark prints a ScalaUDF.
func CallUDF(u *UDF, args []Expr) (Expr, error) { return newUDFCall(u, args) }

// Nullable is an argument or result type of the typed UDF adapters for
// functions that want to see NULLs: Valid is false for NULL. As an argument
// type it makes the adapter pass NULL inputs to the function (instead of
// returning NULL without calling it); as a result type it lets the
// function return NULL.
type Nullable[T any] struct {
	V     T
	Valid bool
}

// Some returns a valid Nullable holding v.
func Some[T any](v T) Nullable[T] { return Nullable[T]{V: v, Valid: true} }

// NewUDF1 makes a UDF of one argument from a plain Go function. The Go types
// fix the SQL types: bool BOOLEAN, int32 INT, int64 BIGINT, float64 DOUBLE,
// string STRING, []byte BINARY, arrow.Date32 DATE, arrow.Timestamp
// TIMESTAMP (microseconds, UTC), and Nullable of any of those. A NULL
// argument of a non-Nullable type gives a NULL result without calling f, as
// Spark does for primitive-typed Scala UDFs. The type dispatch is done here,
// once: calling the UDF involves no reflection. A panic in f becomes an
// error naming the UDF. A string argument is a copy f may keep; a []byte
// argument shares the row's memory: f must neither modify it nor keep it
// after returning. decimal128.Num stands for DECIMAL(38,18) (Spark's type
// for java.math.BigDecimal); a result that does not fit it is NULL.
func NewUDF1[A, R any](name string, f func(A) R) (*UDF, error) {
	return newUDF1(name, f)
}

// NewUDF2 is NewUDF1 for functions of two arguments.
func NewUDF2[A, B, R any](name string, f func(A, B) R) (*UDF, error) {
	return newUDF2(name, f)
}

// NewUDF3 is NewUDF1 for functions of three arguments.
func NewUDF3[A, B, C, R any](name string, f func(A, B, C) R) (*UDF, error) {
	return newUDF3(name, f)
}
