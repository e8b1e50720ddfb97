// Package shuffle moves rows between stages through local files, as
// Gluten's columnar shuffle (and Spark's sort-based shuffle) does.
//
// A map task's Writer splits its Arrow batches by reduce partition (single,
// hash, round-robin or range partitioning) into per-partition buffers,
// serializes and compresses them into blocks (codecs none, lz4, s2, zstd;
// see block.go for the format), spills under memory pressure, and at Commit
// writes one data file, the partitions' segments in partition order, and an
// index of their offsets. It reports a MapStatus: one byte per reduce
// partition (log base 1.1 of its compressed size), or, above
// spark.shuffle.minNumPartitionsToHighlyCompress partitions, the highly
// compressed form. A MapOutputTracker keeps a shuffle's statuses; adaptive
// execution plans with the partition sizes they estimate. A reduce task's
// Reader reads a range of partitions, map task by map task, charging the
// statuses it holds to its heap budget. RowWriter and RowReader do the same
// for the rows of the row fallback path.
package shuffle
