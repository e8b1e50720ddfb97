// Package rowagg holds gluten-go's row aggregate functions: the per-group
// accumulators of the row (fallback) hash aggregate, updated one row of the
// binary row format (package columnar/rows) at a time, as Spark's row-based
// HashAggregateExec updates its aggregation buffers.
//
// Three families live here:
//
//   - the standard aggregates count, count(*), sum, avg, min and max, with
//     results identical to package columnar/agg (Spark SQL with ANSI mode
//     off: integer sums wrap, decimal sums are exact and NULL past the
//     result precision, avg(decimal) rounds HALF_UP) and partial states of
//     exactly columnar/agg's StateTypes, so a partial aggregation in one
//     engine can feed a final aggregation in the other across an exchange;
//   - the row-only aggregates, which have no columnar implementation and run
//     in complete mode only (the planner exchanges raw rows to them):
//     collect_list, collect_set, percentile, the variance and standard
//     deviation family, first and last (RowOnlyAggregates);
//   - Go user-defined aggregates (UDAF, NewUDAF), Spark's Aggregator[IN,
//     BUF, OUT] in Go, also complete mode only.
//
// An operator makes one Accumulator per aggregate call (New), assigns dense
// group ids 0, 1, 2, ... to its groups, and calls Update (raw input) or
// Merge (partial states) with a group id and the input row, then
// WriteState or WriteResult per group into the output row. State lives on
// the Go heap; MemoryUsage reports its bytes.
package rowagg
