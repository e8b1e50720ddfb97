// Package expr holds gluten-go's physical expressions: vectorized nodes that
// the filter and project operators evaluate one Arrow record batch at a time.
//
// The planner binds SQL expressions, coerces their arguments (using the type
// rules exported here: ArithResultType, CommonType, WiderType, DecimalOf,
// CanCast, ResolveFunction / ResolveCall), folds constants (EvalConst), and
// then compiles each expression into a tree of Expr built by this package's
// constructors. Constructors validate argument types and return clear
// errors; Eval never reports SQL-level data problems as errors: as in Spark
// SQL with ANSI mode off, integer overflow wraps, division by zero, invalid
// casts and decimal overflow give NULL.
//
// # Memory and ownership
//
// Every output buffer is allocated from the Context's allocator, so the bytes
// a task holds are counted exactly. An array returned by Eval is owned by the
// caller; the batch passed to Eval is borrowed. A literal argument of a
// binary kernel is used as a scalar and never materialized.
//
// # Concurrency
//
// Expressions are immutable once built: one tree may be evaluated by several
// goroutines at once, each with its own Context.
//
// # Semantics worth knowing
//
//   - Decimal arithmetic follows Spark's DecimalPrecision with
//     allowPrecisionLoss=true; results are rounded HALF_UP once, from the
//     exact value (Spark's division rounds an intermediate to 38 digits
//     first, which can differ in the last digit in rare cases).
//   - Doubles compare with NaN = NaN, NaN above every other value and
//     -0.0 = 0.0, in comparisons, IN, greatest and least.
//   - Casts of strings trim whitespace and ISO control characters; strings
//     to timestamps accept the zone suffixes Z, UTC, GMT, UT and numeric
//     offsets, not region names (those give NULL). The session time zone is
//     UTC.
//   - Case mapping (upper, lower, ILIKE) maps code point by code point
//     (Go's unicode tables), without Java's special cases such as ß -> SS.
package expr

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// ErrType is wrapped by errors about argument types that an expression does
// not accept (test with errors.Is). The errors' messages are written for
// users and carry no prefix, e.g. "function upper cannot take (string, int)".
var ErrType = errors.New("type error")

// ErrInvalid is wrapped by errors about malformed expressions or inputs
// (an unknown function, a nil child, a column index out of range, a batch of
// the wrong shape).
var ErrInvalid = errors.New("invalid")

// Context carries what evaluation needs: the task's allocator, from which
// every output buffer is allocated.
type Context struct {
	Alloc memory.Allocator
}

// Expr is a physical expression evaluated a batch at a time.
type Expr interface {
	// DataType is the type of the arrays Eval returns.
	DataType() arrow.DataType
	// Eval evaluates the expression over all rows of batch and returns an
	// array of batch.NumRows() rows owned by the caller.
	Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error)
	// String renders the expression in Spark's plan syntax, e.g.
	// (l_quantity#4 * 2), isnotnull(x#1), cast(a#0 as bigint).
	String() string
	// Children returns the direct sub-expressions.
	Children() []Expr
}

// typeName is the Spark name of t, for error messages and String().
func typeName(t arrow.DataType) string {
	if t == nil {
		return "<nil>"
	}
	return columnar.TypeName(t)
}

// exprError is an error whose message is just msg and which wraps a
// sentinel kind.
type exprError struct {
	kind error
	msg  string
}

func (e *exprError) Error() string { return e.msg }
func (e *exprError) Unwrap() error { return e.kind }

func typeErr(format string, args ...any) error {
	return &exprError{kind: ErrType, msg: fmt.Sprintf(format, args...)}
}

func invalidErr(format string, args ...any) error {
	return &exprError{kind: ErrInvalid, msg: fmt.Sprintf(format, args...)}
}

func checkChild(what string, e Expr) error {
	if e == nil {
		return invalidErr("%s: nil argument", what)
	}
	return nil
}

// ColumnRef is a reference to a column of the input batch, made by Column.
type ColumnRef struct {
	index int
	name  string
	typ   arrow.DataType
}

// Column returns an expression that yields column index of the input batch.
// name is what String prints (the planner passes e.g. "l_quantity#4"); t is
// the column's type, which Eval checks against the batch.
func Column(index int, name string, t arrow.DataType) Expr {
	return &ColumnRef{index: index, name: name, typ: t}
}

// Index returns the column's position in the input batch.
func (c *ColumnRef) Index() int { return c.index }

// Name returns the column's display name.
func (c *ColumnRef) Name() string { return c.name }

// DataType implements Expr.
func (c *ColumnRef) DataType() arrow.DataType { return c.typ }

// String implements Expr.
func (c *ColumnRef) String() string { return c.name }

// Children implements Expr.
func (c *ColumnRef) Children() []Expr { return nil }

// Eval implements Expr: it returns the batch's column, Retained.
func (c *ColumnRef) Eval(_ *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	col, err := c.column(batch)
	if err != nil {
		return nil, err
	}
	col.Retain()
	return col, nil
}

// column returns the borrowed column, checked.
func (c *ColumnRef) column(batch arrow.RecordBatch) (arrow.Array, error) {
	if c.index < 0 || int64(c.index) >= batch.NumCols() {
		return nil, invalidErr("column %s: index %d out of range for a batch of %d columns", c.name, c.index, batch.NumCols())
	}
	col := batch.Column(c.index)
	if c.typ != nil && !arrow.TypeEqual(col.DataType(), c.typ) {
		return nil, typeErr("column %s: expected %s, batch has %s", c.name, typeName(c.typ), typeName(col.DataType()))
	}
	return col, nil
}
