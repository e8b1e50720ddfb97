// Package rowexpr evaluates gluten-go's expressions one row at a time over
// the binary row format of package columnar/rows: the expression engine of
// the row (fallback) operators, which run what the columnar engine cannot,
// as Gluten falls back to Spark's row operators.
//
// The constructors mirror package columnar/expr (same names, argument types
// and type rules), so the planner compiles one bound expression to either
// engine; every operator, cast and scalar function of columnar/expr gives
// the same answers here (Spark SQL with ANSI mode off: integer overflow
// wraps, x/0 and invalid casts are NULL, decimal results round HALF_UP and
// are NULL on overflow). On top of those, this package has functions with no
// columnar implementation at all (RowOnlyFunctions: regexp_extract, rlike,
// split, md5, ...) and Go user-defined functions (UDF, CallUDF, NewUDF1..3):
// the reasons a plan falls back to rows.
//
// # Values
//
// Eval returns a Value: one SQL value, unboxed. Which field holds it
// depends on the expression's static type (DataType):
//
//	BOOLEAN                  I (0 or 1)
//	INT, BIGINT              I (an INT is sign-extended)
//	DATE                     I (days since 1970-01-01)
//	TIMESTAMP                I (microseconds since the epoch, UTC)
//	DOUBLE                   F
//	DECIMAL (any precision)  D (the unscaled value)
//	STRING, BINARY           B
//	ARRAY                    B (the list encoding of package rows)
//	NULL                     Null is true (the other fields are zero)
//
// # Memory
//
// Byte results point into the input row or into the Context's scratch arena
// and stay valid until Context.Reset, which row operators call once per row
// (after copying what they keep, e.g. with WriteValue into a rows.Writer).
// In the steady state, operators, casts and functions allocate nothing per
// row, with these exceptions: regexp_extract, regexp_extract_all,
// regexp_replace and split (Go's regexp returns match positions in fresh
// slices), round/bround of a DOUBLE that must round (math/big, as in the
// columnar kernel), and typed UDFs with string arguments (a Go string is a
// copy).
//
// # Row-only functions
//
// RowOnlyFunctions lists them; IsRowOnly tells the planner which calls need
// a row operator. They follow Spark SQL with ANSI mode off:
//
//	rlike(str, regexp) (aliases regexp, regexp_like; prints as RLIKE(a, b))
//	regexp_extract(str, regexp[, idx]), regexp_extract_all(str, regexp[, idx])
//	regexp_replace(str, regexp, rep[, pos])   Java-style $n, ${name}, \ in rep
//	split(str, regexp[, limit])               ARRAY<STRING>
//	initcap, levenshtein(a, b[, threshold]), soundex, translate, repeat,
//	left, right, ascii, chr (char), format_number(x, d)
//	md5, sha1 (sha), sha2(bin, bits), crc32, base64, unbase64, hex, unhex
//	size (cardinality), element_at, array_contains   over ARRAY values
//
// Regular expressions are Go's (RE2 syntax) rather than Java's; see
// regex.go for the differences (no backreferences or lookaround, which are
// reported as errors; '.' and '$' treat only '\n' as a line terminator; an
// empty match right after a non-empty one is not reported).
//
// # Concurrency
//
// Expressions are immutable once built: one tree may be evaluated by several
// goroutines at once, each with its own Context.
package rowexpr

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// ErrType is wrapped by errors about argument types an expression does not
// accept. It is columnar/expr's ErrType, so one errors.Is test serves both
// engines.
var ErrType = expr.ErrType

// ErrInvalid is wrapped by errors about malformed expressions or inputs (an
// unknown function, a nil child, a column index out of range). It is
// columnar/expr's ErrInvalid.
var ErrInvalid = expr.ErrInvalid

// ErrUDF is wrapped by the error of a query whose user-defined function
// returned an error or panicked; the message names the function.
var ErrUDF = errors.New("user-defined function failed")

// Value is one SQL value, unboxed. Which field holds it depends on the
// static type of the expression that produced it (see the package
// documentation): BOOLEAN, INT, BIGINT, DATE and TIMESTAMP in I (BOOLEAN as
// 0 or 1), DOUBLE in F, every DECIMAL in D (unscaled), STRING, BINARY and
// ARRAY in B. Null reports SQL NULL; the other fields of a NULL are zero.
type Value struct {
	Null bool
	I    int64
	F    float64
	D    decimal128.Num
	B    []byte
}

// Null is the NULL Value (read-only by convention, like io.EOF).
var Null = Value{Null: true}

// Bool returns the Value of a BOOLEAN.
func Bool(b bool) Value {
	if b {
		return Value{I: 1}
	}
	return Value{}
}

// Int returns the Value of an INT, BIGINT, DATE or TIMESTAMP.
func Int(i int64) Value { return Value{I: i} }

// Float returns the Value of a DOUBLE.
func Float(f float64) Value { return Value{F: f} }

// Dec returns the Value of a DECIMAL (its unscaled value).
func Dec(d decimal128.Num) Value { return Value{D: d} }

// Bytes returns the Value of a STRING, BINARY or ARRAY.
func Bytes(b []byte) Value { return Value{B: b} }

// Expr is a physical expression evaluated one row at a time.
type Expr interface {
	// DataType is the SQL type of the values Eval returns.
	DataType() arrow.DataType
	// Eval evaluates the expression over row r of layout l. Byte results
	// may point into r or into ctx's scratch arena: they are valid until
	// ctx.Reset. An error is an execution failure (a failing UDF, an
	// absurdly large result), never a SQL-level data problem, which gives
	// NULL as in Spark with ANSI mode off.
	Eval(ctx *Context, l *rows.Layout, r rows.Row) (Value, error)
	// String renders the expression in Spark's plan syntax, exactly as
	// columnar/expr does, e.g. (l_quantity#4 * 2), cast(a#0 as bigint).
	String() string
	// Children returns the direct sub-expressions.
	Children() []Expr
}

// Column returns an expression that yields field index of the input row.
// name is what String prints (e.g. "l_quantity#4"); t is the field's type.
func Column(index int, name string, t arrow.DataType) Expr { return newColumn(index, name, t) }

// Literal returns a constant of type t. value is the Go representation of
// the type, as in columnar/expr.Literal: bool, int32, int64, float64,
// decimal128.Num (fitting t's precision), string, []byte, arrow.Date32,
// arrow.Timestamp; nil is NULL of type t.
func Literal(value any, t arrow.DataType) (*Lit, error) { return newLiteral(value, t) }

// Arith returns l op r with columnar/expr.Arith's type rules
// (expr.ArithResultType) and semantics: integer arithmetic wraps, x/0 and
// x%0 are NULL, decimal results round HALF_UP and are NULL on overflow.
func Arith(op expr.ArithOp, l, r Expr) (Expr, error) { return newArith(op, l, r) }

// Negate returns -e for INT and BIGINT (wrapping), DOUBLE and DECIMAL.
func Negate(e Expr) (Expr, error) { return newNegate(e) }

// Compare returns l op r as a BOOLEAN, with columnar/expr.Compare's type
// rules: both sides of one type, except decimals of any precision and scale
// (compared exactly); NaN equals NaN and is above every other double; -0.0
// equals 0.0; strings and binaries compare bytewise. EqNullSafe is never
// NULL.
func Compare(op expr.CmpOp, l, r Expr) (Expr, error) { return newCompare(op, l, r) }

// And returns l AND r in SQL three-valued logic. r is evaluated only when l
// is not false.
func And(l, r Expr) (Expr, error) { return newLogic(true, l, r) }

// Or returns l OR r in SQL three-valued logic. r is evaluated only when l
// is not true.
func Or(l, r Expr) (Expr, error) { return newLogic(false, l, r) }

// Not returns NOT e; e is BOOLEAN.
func Not(e Expr) (Expr, error) { return newNot(e) }

// IsNull returns isnull(e), a BOOLEAN that is never NULL.
func IsNull(e Expr) (Expr, error) { return newIsNull(e, false) }

// IsNotNull returns isnotnull(e), a BOOLEAN that is never NULL.
func IsNotNull(e Expr) (Expr, error) { return newIsNull(e, true) }

// In returns e IN (values...) (NOT IN when negated). values are Go values of
// e's type (see Literal) or nil. A NULL input gives NULL; a value not found
// in a list holding a NULL gives NULL.
func In(e Expr, values []any, negated bool) (Expr, error) { return newIn(e, values, negated) }

// Like returns e LIKE pattern (ILIKE when caseInsensitive) over STRING, with
// columnar/expr.Like's pattern syntax: '%' any sequence, '_' one character,
// escape making the following '%', '_' or itself literal.
func Like(e Expr, pattern string, escape rune, caseInsensitive bool) (Expr, error) {
	return newLike(e, pattern, escape, caseInsensitive)
}

// Case returns CASE WHEN conds[0] THEN results[0] ... ELSE elseExpr END,
// evaluating conditions in order and only the chosen result. Conditions are
// BOOLEAN (NULL counts as false); results and elseExpr have one type (or
// NULL); a nil elseExpr means ELSE NULL.
func Case(conds []Expr, results []Expr, elseExpr Expr) (Expr, error) {
	return newCase(conds, results, elseExpr)
}

// Cast returns cast(e as to) with Spark's non-ANSI semantics, exactly as
// columnar/expr.Cast; expr.CanCast tells which casts exist.
func Cast(e Expr, to arrow.DataType) (Expr, error) { return newCast(e, to) }

// Coalesce returns the first non-NULL argument, evaluating the arguments in
// order only until one is not NULL; all arguments have one type (or NULL).
func Coalesce(args ...Expr) (Expr, error) { return newCoalesce(args) }

// Function builds a call to the scalar function name (case-insensitive):
// any function of columnar/expr's registry, or a row-only one
// (RowOnlyFunctions). args must already have the types ResolveFunction
// returned.
func Function(name string, args []Expr) (Expr, error) { return newFunction(name, args) }

// ResolveFunction resolves a call by name (case-insensitive) and argument
// types, as columnar/expr.ResolveFunction does, for the functions of both
// engines and the row-only functions. Unknown names fail with "function foo
// does not exist", uncoercible arguments with "function f cannot take
// (int, string)".
func ResolveFunction(name string, argTypes []arrow.DataType) (expr.FuncSignature, error) {
	return resolveFunction(name, argTypes)
}

// ResolveCall is ResolveFunction for a call whose arguments are known; it
// also uses literal arguments where the result type depends on them (the
// scale of round over decimals), as columnar/expr.ResolveCall.
func ResolveCall(name string, args []Expr) (expr.FuncSignature, error) {
	return resolveCall(name, args)
}

// FunctionNames returns the names (aliases included) of every scalar
// function available in rows, sorted: columnar/expr's and the row-only
// ones.
func FunctionNames() []string { return functionNames() }

// RowOnlyFunctions returns the names (aliases included) of the functions
// that have no columnar implementation, sorted. A plan that calls one must
// evaluate that expression in a row operator.
func RowOnlyFunctions() []string { return rowOnlyNames() }

// IsRowOnly reports whether the function name (case-insensitive, aliases
// resolved) exists only here, not in columnar/expr, so the planner can
// report e.g. "function regexp_extract has no columnar implementation".
func IsRowOnly(name string) bool { return isRowOnly(name) }

// WriteValue stores v, a value of type t, into field i of the row being
// built by w (SetNull for a NULL). t must be field i's type.
func WriteValue(w *rows.Writer, i int, t arrow.DataType, v Value) { writeValue(w, i, t, v) }

// ReadValue returns field i of row r of layout l as a Value. Byte values
// point into r.
func ReadValue(l *rows.Layout, r rows.Row, i int) Value { return readValue(l, r, i) }

// opError is an error whose message is just msg and which wraps a sentinel
// kind.
type opError struct {
	kind error
	msg  string
}

func (e *opError) Error() string { return e.msg }
func (e *opError) Unwrap() error { return e.kind }

func typeErr(format string, args ...any) error {
	return &opError{kind: ErrType, msg: fmt.Sprintf(format, args...)}
}

func invalidErr(format string, args ...any) error {
	return &opError{kind: ErrInvalid, msg: fmt.Sprintf(format, args...)}
}
