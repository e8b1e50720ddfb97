// Package sorting holds gluten-go's sort kernels: SortIndices (a stable
// permutation ordering a batch by sort keys), Take (gather rows), Concat,
// TopN (the first n rows of a stream in sort order, in bounded memory),
// Merger (a k-way merge of sorted batch streams) and Comparator (compares rows
// of different batches on the sort keys).
//
// Ordering follows Spark SQL: each key sorts ascending or descending with
// NULLs first or last as its SortKey says; NaN is greater than every other
// double (and equal to NaN), -0.0 equals 0.0, strings and binaries compare
// bytewise (unsigned), false < true. Every sort is stable: rows with equal
// keys keep their input order.
package sorting
