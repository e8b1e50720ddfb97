// Package agg holds gluten-go's aggregation kernels: the vectorized group-by
// hash table (GroupTable) that maps key tuples to dense group ids, and the
// aggregate accumulators (count, sum, avg, min, max) that update per-group
// state from those ids. The hash-aggregate operator combines the two:
//
//	ids := make([]uint32, batch.NumRows())
//	err := table.Insert(keyColumns, ids)
//	err = acc.Update(ids, table.NumGroups(), inputColumn)
//	...
//	keys, err := table.Keys()       // one row per group, in id order
//	result, err := acc.Result(alloc) // the same rows, in id order
//
// Semantics follow Spark SQL 3.x with ANSI mode off; see ResultType and
// NewAccumulator for the details.
package agg
