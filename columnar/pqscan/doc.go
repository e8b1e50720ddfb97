// Package pqscan is gluten-go's Parquet reader: it decodes the pages of
// flat Parquet columns into Arrow record batches of gluten-go's types.
//
// It is built on parquet-go's page-level API (the file footer and schema,
// row groups, column chunks, their page sequence, and each page's decoded
// values, definition levels and dictionary), copying values straight into
// Arrow buffers allocated from the caller's allocator. It does not use
// parquet-go's row or struct readers, nor arrow-go's Parquet reader.
//
// # Use
//
//	f, err := pqscan.Open(path)
//	...
//	defer f.Close()
//	r, err := f.ReadRowGroup(ctx, alloc, rg, []int{0, 3}, 8192)
//	defer r.Close()
//	for {
//		rec, err := r.Next() // io.EOF after the last batch
//		...
//		rec.Release()
//	}
//
// Row groups of one File may be read concurrently, one RowGroupReader per
// goroutine; ReadRowGroupParallel also decodes the columns of each batch in
// parallel. ColumnStats gives per-row-group statistics for pruning, and
// RowGroupByteSize the compressed size for split planning. ScanFile reads a
// whole file with a number of goroutines, for benchmarks.
//
// # Types
//
// Top-level primitive columns map to gluten-go's types (columnar.doc.go):
//
//	BOOLEAN                                   BOOLEAN
//	INT32, INT(8|16|32, signed)               INT (INT(8|16) narrowed as Arrow does)
//	INT(8|16, unsigned)                       INT
//	INT(32, unsigned)                         BIGINT
//	INT64, INT(64, signed)                    BIGINT
//	INT(64, unsigned)                         DECIMAL(20,0)
//	DATE                                      DATE
//	DECIMAL(p,s) on INT32, INT64, FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY
//	                                          DECIMAL(p,s), p <= 38 (above: unsupported)
//	TIMESTAMP(MILLIS|MICROS|NANOS), any isAdjustedToUTC, and INT96
//	                                          TIMESTAMP (microseconds, UTC); nanoseconds
//	                                          are floored to the microsecond, INT96 follows
//	                                          Spark (Julian day and nanos of day, nanos / 1000)
//	TIME(MILLIS|MICROS|NANOS)                 BIGINT, microseconds of the day (Spark has no
//	                                          TIME type; this keeps such columns usable)
//	FLOAT, FLOAT16, DOUBLE                    DOUBLE
//	BYTE_ARRAY STRING, ENUM, JSON             STRING (not validated as UTF-8, as in Spark)
//	other BYTE_ARRAY (incl. BSON, GEOMETRY)   BINARY
//	FIXED_LEN_BYTE_ARRAY (incl. UUID)         BINARY
//
// A field is nullable exactly when the column is OPTIONAL. Nested columns
// (LIST, MAP, groups), repeated fields, INTERVAL, the UNKNOWN (always null)
// logical type, decimals above 38 digits and logical types this reader does
// not know are left out of Schema and listed by Unsupported with the reason,
// so queries that do not touch them still work.
//
// # Statistics
//
// See ColumnStats: only bounds that hold in the engine's order are
// reported; legacy min/max of byte arrays, unsigned integers, decimals and
// INT96 are ignored, NaN bounds are ignored, and byte-array bounds are exact
// only when the file says so (writers truncate long values).
//
// # Robustness
//
// Malformed files give errors wrapping ErrCorrupt whose text names the file
// and, for data, the row group, column and page; encrypted files give
// ErrEncrypted; things this reader does not do give ErrUnsupported. Panics
// inside parquet-go are recovered at the API boundary. Before parquet-go sees
// any metadata or page header, a Thrift walker checks that every declared
// length fits in the input, and page headers are checked against the column
// chunk and against limits (1 GiB uncompressed, 2^28 values per page), so
// corrupt sizes cannot make the reader allocate without bound or loop.
//
// Page checksums (CRC32), when present, are verified: the parquet-testing
// files with corrupt checksums fail with a clear error.
//
// The reader decompresses pages itself and serves parquet-go a stream of
// uncompressed pages (see codec.go and chunk.go). This works around several
// defects of parquet-go v0.32 found while testing: its LZ4 decoder loops
// forever on corrupt input, its gzip, brotli and snappy decoders allocate
// whatever a corrupt stream asks for, it uses one codec per column for all
// row groups, and it fails on v2 pages whose compressed section is empty.
// It also adds the deprecated LZ4 codec (Hadoop framing), which parquet-go
// lacks. Other workarounds: RLE-encoded BOOLEAN pages are decoded by this
// package (parquet-go decodes RLE runs of booleans wrongly); PLAIN pages too
// short for their value count are rejected (parquet-go reads past them into
// stale buffer memory); footers whose key/value metadata lacks a value (valid
// Parquet) are repaired for parquet-go; column chunks of parquet-mr before
// 1.2.9 get Arrow's PARQUET-816 padding.
//
// # Memory
//
// Output buffers and the compressed column chunks being read are allocated
// from the caller's allocator. parquet-go decodes each page into its own
// pooled buffers, which the allocator does not see; they are bounded by one
// page per column being read.
package pqscan
