// Package tpch generates the TPC-H benchmark dataset as Parquet files and
// holds the 22 TPC-H queries.
//
// # Data
//
// [Generate] writes one directory per table (region, nation, supplier,
// customer, part, partsupp, orders, lineitem) under Options.Dir, each holding
// part-00000.parquet, part-00001.parquet, ... The large tables are split into
// several files and every file into several row groups, so that scans have
// parallelism and row-group skipping; the small tables get one file. Files are
// written into a temporary sibling directory that is renamed into place only
// when everything, including the marker file, is complete, so an interrupted
// run never leaves a dataset that [Exists] accepts.
//
// The values follow the TPC-H specification v3, clause 4.2, the way the
// reference generator dbgen produces them: the same cardinalities, sparse
// order keys, key relationships, value domains, derived columns (prices,
// statuses, flags, dates) and comments cut from a pseudo-random text built
// with the specification's grammar and word lists. The bytes are not those of
// dbgen: the pseudo-random numbers come from this package's own generator.
//
// Generation is deterministic: every row's values are a pure function of the
// table, the scale factor and the row's number, so the same scale factor gives
// the same rows in the same order whatever Options.Parallelism,
// Options.FilesPerTable and Options.RowGroupRows are.
//
// # Types
//
// Keys are BIGINT (Parquet INT64) except the INT columns l_linenumber, p_size,
// ps_availqty and o_shippriority (INT32); money, quantities, discounts and
// taxes are DECIMAL(15,2) stored as INT64; the four dates are DATE; all other
// columns are STRING (UTF8). Every column is REQUIRED. [Schema] gives the
// columns of a table as an Arrow schema in gluten-go's type system.
//
// # Speed
//
// Each row's values are appended to typed column buffers (no per-value
// interface or reflection), which are handed to parquet-go's column writers
// one row group at a time; files are written in parallel. Scale factor 1 takes about 4.5 s on two cores
// (go test -run XXX -bench BenchmarkGenerateSF1 ./benchmarks/tpch).
//
// # Queries
//
// [Query] returns the text of query 1 to 22 with the specification's
// validation substitution parameters, written in SQL that Spark SQL and DuckDB
// both accept (Q15's view is a WITH clause).
package tpch
