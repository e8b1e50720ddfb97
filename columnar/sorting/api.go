package sorting

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SortKey is one key of a sort: a column of the batch, its direction and
// where its NULLs go. The planner picks Spark's defaults (ASC NULLS FIRST,
// DESC NULLS LAST); the kernels take the flags as given.
type SortKey struct {
	// Column is the index of the key column in the batch.
	Column int
	// Descending sorts the column from greatest to least.
	Descending bool
	// NullsFirst places NULLs before all values (otherwise after).
	NullsFirst bool
}

// SortIndices returns the permutation that orders the rows of batch by keys:
// result[0] is the index of the first row in sort order, and so on. The sort
// is stable. With no keys the identity permutation is returned. The batch is
// borrowed.
func SortIndices(batch arrow.RecordBatch, keys []SortKey) ([]int32, error) {
	return sortIndices(batch, keys)
}

// SortBatch returns batch's rows ordered by keys (SortIndices then Take). The
// caller owns the result.
func SortBatch(alloc memory.Allocator, batch arrow.RecordBatch, keys []SortKey) (arrow.RecordBatch, error) {
	idx, err := sortIndices(batch, keys)
	if err != nil {
		return nil, err
	}
	return Take(alloc, batch, idx)
}

// Take returns a batch whose row i is row indices[i] of batch (indices may
// repeat and may be in any order; every index must be in [0, rows)). The
// caller owns the result; its buffers come from alloc.
func Take(alloc memory.Allocator, batch arrow.RecordBatch, indices []int32) (arrow.RecordBatch, error) {
	return take(alloc, batch, indices)
}

// TakeArray returns an array whose element i is element indices[i] of arr.
// The caller owns the result.
func TakeArray(alloc memory.Allocator, arr arrow.Array, indices []int32) (arrow.Array, error) {
	return takeArray(alloc, arr, indices)
}

// Concat returns one batch holding the rows of batches in order; every batch
// must have schema's column types. The caller owns the result; the batches
// are borrowed. No batches gives an empty batch of schema.
func Concat(alloc memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	return concat(alloc, schema, batches)
}

// ConcatArrays returns one array holding the elements of arrs in order; all
// must have type typ. The caller owns the result.
func ConcatArrays(alloc memory.Allocator, typ arrow.DataType, arrs []arrow.Array) (arrow.Array, error) {
	return concatArrays(alloc, typ, arrs)
}
