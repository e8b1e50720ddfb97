// Package join holds the vectorized kernels of gluten-go's hash joins: a
// hash table over the key columns of a build relation (HashTable), the
// per-task probe that finds the build rows matching each row of a probe
// batch and enumerates the matching pairs in bounded chunks (Prober), key
// hashing for partitioning rows (HashKeys, for the grace hash join's
// spill partitions) and a gather kernel whose negative indices produce
// NULLs (Gather, for the NULL-extended rows of outer joins).
//
// # Key semantics
//
// Equi-join keys follow Spark SQL: a row with a NULL in any key column
// matches nothing (it is never inserted into the table and never found);
// -0.0 equals 0.0 and every NaN equals every NaN (Spark normalizes
// floating-point join keys); strings and binaries compare bytewise;
// decimals compare their unscaled values (both sides have one type, the
// planner casts them).
//
// # Hash table
//
// Build rows are grouped by distinct key: an open-addressing table (linear
// probing, at most half full) holds per distinct key its 64-bit hash and
// the first and last build row of the key's chain; a per-row next array
// links the rows of one key in build order. A probe therefore compares keys
// once per distinct key, not once per duplicate. When the key is a single
// integer-like column (BOOLEAN, INT, DATE, BIGINT, TIMESTAMP, DOUBLE), the
// hash is a bijection of the value, so equal hashes mean equal keys and no
// key is compared at all; otherwise hash matches are confirmed column by
// column in typed, vectorized loops. All of the table's memory (slots, chain
// links, build scratch) is drawn from the allocator given to BuildTable, so
// an accounting allocator counts it; TableBytes bounds it before building,
// for reservations.
//
// A HashTable is immutable once built: any number of Probers (one per task
// or goroutine) may read it concurrently, as a broadcast relation's table
// is shared by every probe task.
package join
