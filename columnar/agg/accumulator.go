package agg

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// AggKind names an aggregate function.
type AggKind int

// The aggregate functions.
const (
	// Count is count(x): the number of non-NULL inputs; BIGINT, never NULL.
	Count AggKind = iota
	// CountStar is count(*): the number of rows; BIGINT, never NULL. Its
	// Update takes a nil input array.
	CountStar
	// Sum is sum(x) over INT, BIGINT (BIGINT result, wrapping on overflow),
	// DOUBLE and DECIMAL(p,s) (DECIMAL(min(38,p+10),s), NULL on overflow).
	Sum
	// Avg is avg(x): DOUBLE for INT, BIGINT and DOUBLE input;
	// DECIMAL(min(38,p+4),min(38,s+4)) for DECIMAL(p,s) input.
	Avg
	// Min is min(x) over any gluten-go type.
	Min
	// Max is max(x) over any gluten-go type.
	Max
)

// String returns the SQL name of the aggregate: count, count(*), sum, avg,
// min, max.
func (k AggKind) String() string {
	switch k {
	case Count:
		return "count"
	case CountStar:
		return "count(*)"
	case Sum:
		return "sum"
	case Avg:
		return "avg"
	case Min:
		return "min"
	case Max:
		return "max"
	}
	return fmt.Sprintf("AggKind(%d)", int(k))
}

// ResultType returns the type of kind's result over input of type input, as
// Spark SQL types it:
//
//	count, count(*)        bigint (never NULL)
//	sum(int | bigint)      bigint (wraps on overflow)
//	sum(double)            double
//	sum(decimal(p,s))      decimal(min(38,p+10), s)  (NULL on overflow)
//	avg(int|bigint|double) double
//	avg(decimal(p,s))      decimal(min(38,p+4), min(38,s+4))
//	min, max               the input type
//
// An untyped NULL input (arrow.Null) is typed as Spark types it: sum and avg
// of NULL are double, min and max of NULL are NULL. For CountStar the input
// type is ignored (it may be nil). Sum and avg of non-numeric types are an
// error wrapping ErrUnsupported.
func ResultType(kind AggKind, input arrow.DataType) (arrow.DataType, error) {
	return resultType(kind, input)
}

// Accumulator holds the per-group state of one aggregate function over one
// input column. Groups are dense ids 0..numGroups-1 (as a GroupTable assigns
// them); the state grows to the largest numGroups passed to Update or Merge.
// Accumulators keep their state on the Go heap (MemoryUsage reports it) and
// draw the arrays they return from the allocator passed to State and Result.
// An Accumulator is not safe for concurrent use.
type Accumulator interface {
	// Kind returns the aggregate function.
	Kind() AggKind
	// ResultType returns the type of Result's array (see ResultType).
	ResultType() arrow.DataType
	// StateTypes returns the types of the partial-aggregation state columns
	// that State returns and Merge consumes:
	//
	//	count, count(*)      [bigint count]
	//	sum (not decimal)    [sum] (NULL while no input)
	//	sum(decimal)         [decimal(min(38,p+10),s) sum, boolean isEmpty]
	//	                     (sum is NULL with isEmpty false after an overflow,
	//	                     as in Spark's Sum)
	//	avg (not decimal)    [double sum, bigint count]
	//	avg(decimal)         [decimal(min(38,p+10),s) sum, bigint count]
	//	                     (sum NULL with count > 0 after an overflow)
	//	min, max             [the input type] (NULL while no input)
	StateTypes() []arrow.DataType
	// Update folds raw input rows into the state: row i of input goes to
	// group groupIDs[i]. len(groupIDs) must equal input.Len(), and every id
	// must be below numGroups. CountStar takes a nil input and counts
	// len(groupIDs) rows. An empty groupIDs just grows the state to
	// numGroups groups (a global aggregation over no rows still has one
	// group). input is borrowed.
	Update(groupIDs []uint32, numGroups int, input arrow.Array) error
	// Merge folds partial states (arrays of the StateTypes, as State returned
	// them, possibly from other tasks) into the state: state row i goes to
	// group groupIDs[i]. The arrays are borrowed.
	Merge(groupIDs []uint32, numGroups int, states []arrow.Array) error
	// State returns the partial-aggregation state, one array per StateTypes
	// entry, with one row per group in id order. The caller owns the arrays.
	State(alloc memory.Allocator) ([]arrow.Array, error)
	// Result returns the final aggregate values, one row per group in id
	// order, of type ResultType. The caller owns the array.
	Result(alloc memory.Allocator) (arrow.Array, error)
	// NumGroups returns the number of groups the state holds.
	NumGroups() int
	// MemoryUsage returns the bytes of Go heap the state holds.
	MemoryUsage() int64
	// Reset drops all groups and their state; the accumulator stays usable.
	Reset()
	// Release frees the state. The accumulator must not be used afterwards.
	Release()
}

// NewAccumulator returns an empty accumulator of kind over input of type
// input (ignored for CountStar). It fails, wrapping ErrUnsupported, when the
// aggregate is not defined for the type (see ResultType).
func NewAccumulator(kind AggKind, input arrow.DataType) (Accumulator, error) {
	return newAccumulator(kind, input)
}
