// Package spill holds gluten-go's spill files: what an operator writes to
// disk when its memory reservation fails (the runs of an external sort, the
// partitions of a hash aggregation or a hash join's build side) and reads
// back later.
//
// Two kinds of file, each written once and read once:
//
//   - batch files (NewWriter, Open): Arrow record batches of one schema, as
//     an Arrow IPC stream;
//   - row files (NewRowWriter, OpenRows): rows of gluten-go's row format
//     (package columnar/rows) of one layout, each length-prefixed.
//
// Either is compressed as a whole stream with a Codec (S2 by default: fast;
// Zstd: smaller; None). A file starts with an 8-byte header naming its kind
// and codec, so readers need not be told, and its compressed stream ends
// with a trailer counting what was written, so a truncated file is reported
// as such rather than read as a shorter one.
//
// Files are created under the directory given (the query's temporary
// directory, which the query removes when it ends, also on error) with
// unique names. Their owner removes each one once it has been read (Remove
// or os.Remove of Path); the query's cleanup is only the safety net.
//
// Memory: batches read back are allocated from the allocator given to Open,
// so they are counted like any other Arrow buffer. A writer or reader also
// holds a few Go-heap I/O buffers (Codec.FileOverhead bytes), which the
// operators reserve when they open many files at once (a merge).
package spill
