package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ArithOp is a binary arithmetic operator.
type ArithOp int

// The arithmetic operators.
const (
	Add ArithOp = iota // +
	Sub                // -
	Mul                // *
	Div                // /
	Mod                // % (Spark's remainder: the sign of the dividend)
)

// String returns the operator's SQL symbol.
func (op ArithOp) String() string {
	switch op {
	case Add:
		return "+"
	case Sub:
		return "-"
	case Mul:
		return "*"
	case Div:
		return "/"
	case Mod:
		return "%"
	}
	return "?"
}

// CmpOp is a comparison operator.
type CmpOp int

// The comparison operators.
const (
	Eq         CmpOp = iota // =
	NotEq                   // <> (printed as Spark does: NOT (a = b))
	Lt                      // <
	LtEq                    // <=
	Gt                      // >
	GtEq                    // >=
	EqNullSafe              // <=> (never NULL)
)

// String returns the operator's SQL symbol.
func (op CmpOp) String() string {
	switch op {
	case Eq:
		return "="
	case NotEq:
		return "<>"
	case Lt:
		return "<"
	case LtEq:
		return "<="
	case Gt:
		return ">"
	case GtEq:
		return ">="
	case EqNullSafe:
		return "<=>"
	}
	return "?"
}

// Arith returns l op r. Both sides must be INT, both BIGINT, both DOUBLE, or
// both DECIMAL (any precision and scale each); the result type is
// ArithResultType(op, l, r). Integer arithmetic wraps; x/0 and x%0 are NULL;
// decimal results are rounded HALF_UP to the result scale and NULL when they
// do not fit the result precision. A literal operand is used as a scalar, not
// materialized.
func Arith(op ArithOp, l, r Expr) (Expr, error) { return newArith(op, l, r) }

// Negate returns -e for INT and BIGINT (wrapping), DOUBLE and DECIMAL.
func Negate(e Expr) (Expr, error) { return newNegate(e) }

// Compare returns l op r as a BOOLEAN. Both sides must have the same type,
// except decimals, which may differ in precision and scale and are compared
// exactly. Accepted types: BOOLEAN, INT, BIGINT, DOUBLE (NaN equals NaN and
// is greater than any other value; -0.0 = 0.0), DECIMAL, STRING and BINARY
// (bytewise), DATE, TIMESTAMP. EqNullSafe is never NULL.
func Compare(op CmpOp, l, r Expr) (Expr, error) { return newCompare(op, l, r) }

// And returns l AND r in SQL three-valued logic; both sides BOOLEAN.
func And(l, r Expr) (Expr, error) { return newLogic(true, l, r) }

// Or returns l OR r in SQL three-valued logic; both sides BOOLEAN.
func Or(l, r Expr) (Expr, error) { return newLogic(false, l, r) }

// Not returns NOT e; e is BOOLEAN.
func Not(e Expr) (Expr, error) { return newNot(e) }

// IsNull returns isnull(e), a BOOLEAN that is never NULL.
func IsNull(e Expr) (Expr, error) { return newIsNull(e, false) }

// IsNotNull returns isnotnull(e), a BOOLEAN that is never NULL.
func IsNotNull(e Expr) (Expr, error) { return newIsNull(e, true) }

// In returns e IN (values...) (or NOT IN when negated). values are Go values
// of e's type (see Literal; decimals are unscaled at e's scale) or nil. SQL semantics: a NULL input gives NULL; a
// value not found in a list that holds a NULL gives NULL.
func In(e Expr, values []any, negated bool) (Expr, error) { return newIn(e, values, negated) }

// Like returns e LIKE pattern (ILIKE when caseInsensitive) over STRING. The
// pattern is constant and compiled once; '%' matches any sequence of
// characters and '_' exactly one character (not byte); escape (Spark's
// default is '\\') makes the following character literal.
func Like(e Expr, pattern string, escape rune, caseInsensitive bool) (Expr, error) {
	return newLike(e, pattern, escape, caseInsensitive)
}

// Case returns CASE WHEN conds[0] THEN results[0] ... ELSE elseExpr END. The
// conditions are BOOLEAN (NULL counts as false); the results and elseExpr all
// have one type; a nil elseExpr means ELSE NULL.
func Case(conds []Expr, results []Expr, elseExpr Expr) (Expr, error) {
	return newCase(conds, results, elseExpr)
}

// Cast returns cast(e as to) with Spark's non-ANSI semantics (invalid input
// or overflow gives NULL, except integral narrowing which wraps and
// double-to-integral which saturates). CanCast tells which casts exist.
func Cast(e Expr, to arrow.DataType) (Expr, error) { return newCast(e, to) }

// CanCast reports whether Cast accepts a cast from one type to the other:
// Spark's explicit CAST matrix. Implicit coercion is narrower (Spark has no
// implicit cast from DATE to BOOLEAN, say): see ImplicitCast.
func CanCast(from, to arrow.DataType) bool { return canCast(from, to) }

// ImplicitCast reports whether the planner may insert a cast from one type
// to the other on its own where an operator or function expects type to:
// Spark's ImplicitTypeCasts with ANSI mode off. The same type and NULL
// always qualify; any type to STRING; STRING to the numeric, date,
// timestamp and binary types (not to BOOLEAN); numeric to numeric; DATE to
// TIMESTAMP and back.
func ImplicitCast(from, to arrow.DataType) bool {
	return from != nil && to != nil && coerce(from, to) != nil
}

// Coalesce returns the first non-NULL argument, row by row; all arguments
// have one type.
func Coalesce(args ...Expr) (Expr, error) { return newCoalesce(args) }

// FuncSignature is a resolved scalar function: the types each argument must
// be cast to before calling Function, and the result type.
type FuncSignature struct {
	Name       string           // canonical name (aliases resolve to it)
	ArgTypes   []arrow.DataType // one per argument
	ResultType arrow.DataType
}

// ResolveFunction resolves a scalar function call by name
// (case-insensitive) and argument types, as Spark's implicit casts would. It
// fails with "function foo does not exist" for an unknown name and
// "function substring cannot take (int, string)" for arguments it cannot
// coerce.
func ResolveFunction(name string, argTypes []arrow.DataType) (FuncSignature, error) {
	return resolveFunction(name, argTypes)
}

// ResolveCall is ResolveFunction for a call whose arguments are known: it
// also uses the values of literal arguments where the result type depends
// on them (the scale of round and bround over decimals:
// round(decimal(p,s), d) is decimal(min(p-s+1+min(s,d), 38), min(s,d)) for
// d >= 0). ResolveFunction, which sees only types, assumes d = 0 there.
func ResolveCall(name string, args []Expr) (FuncSignature, error) { return resolveCall(name, args) }

// Function builds a call to the scalar function name; args must already have
// the types ResolveFunction returned.
func Function(name string, args []Expr) (Expr, error) { return newFunction(name, args) }

// FunctionNames returns the names (aliases included) of every registered
// scalar function, sorted.
func FunctionNames() []string { return functionNames() }

// FilterRecord returns the rows of batch where mask is true (NULL counts as
// false). When every row is selected it returns batch itself, Retained; when
// none is, an empty batch. mask must have batch.NumRows() rows.
func FilterRecord(alloc memory.Allocator, batch arrow.RecordBatch, mask *array.Boolean) (arrow.RecordBatch, error) {
	return filterRecord(alloc, batch, mask, nil)
}

// FilterColumns is FilterRecord keeping only the columns cols (in that order;
// an index may repeat), for a fused filter and project.
func FilterColumns(alloc memory.Allocator, batch arrow.RecordBatch, mask *array.Boolean, cols []int) (arrow.RecordBatch, error) {
	if cols == nil {
		cols = []int{}
	}
	return filterRecord(alloc, batch, mask, cols)
}

// FilterArray returns the elements of arr where mask is true (NULL counts
// as false); mask must have arr.Len() rows.
func FilterArray(alloc memory.Allocator, arr arrow.Array, mask *array.Boolean) (arrow.Array, error) {
	return filterArray(alloc, arr, mask)
}

// ArithResultType returns the type of l op r for argument types the
// planner has already coerced: INT and BIGINT keep their type, DOUBLE stays
// DOUBLE, and decimals follow Spark's DecimalPrecision with
// allowPrecisionLoss=true. Div is not defined for integers (the planner casts
// them to double).
func ArithResultType(op ArithOp, lt, rt arrow.DataType) (arrow.DataType, error) {
	return arithResultType(op, lt, rt)
}

// CommonType returns the type both sides of a comparison are cast to,
// following Spark's implicit widening with ANSI mode off: NULL with anything
// is that thing; int < bigint < double; an integer with a decimal is a
// decimal wide enough for both (int is decimal(10,0), bigint decimal(20,0),
// then the wider of the two decimals, capped at 38 digits); a decimal with a
// double is double; a date with a timestamp is timestamp. A string meeting
// another type is compared as that type (Spark's
// findCommonTypeForBinaryComparison): string with date is date, with
// timestamp timestamp, with int int, with bigint bigint, with boolean
// boolean, and with double or decimal double. CASE / IF / COALESCE branches
// and UNION columns promote a string meeting a number to string instead: use
// WiderType for those. ok is false when there is no such type.
func CommonType(a, b arrow.DataType) (t arrow.DataType, ok bool) { return commonType(a, b) }

// DecimalOf returns the decimal type that holds every value of t: INT is
// decimal(10,0), BIGINT decimal(20,0), a decimal is itself. Other types
// return nil.
func DecimalOf(t arrow.DataType) arrow.DataType { return decimalOf(t) }

// EvalConst evaluates an expression that reads no column (a constant
// expression, for constant folding) and returns its value as a Go value (see
// Literal), nil for NULL.
func EvalConst(alloc memory.Allocator, e Expr) (any, error) { return evalConst(alloc, e) }

// ValueAt returns element i of arr as a Go value (see Literal), nil when it
// is NULL.
func ValueAt(arr arrow.Array, i int) (any, error) { return valueAt(arr, i) }
