package pqscan

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultBatchSize is the batch size ScanFile reads with.
const DefaultBatchSize = 8192

// ColumnIndexes maps column names to positions in Schema. A name that is not
// a readable column is an error naming it (and the reason when the column
// exists but is unsupported).
func (f *File) ColumnIndexes(names []string) ([]int, error) {
	idx := make([]int, len(names))
	for i, name := range names {
		idx[i] = f.ColumnIndex(name)
		if idx[i] >= 0 {
			continue
		}
		for _, u := range f.unsupported {
			if u.Name == name {
				return nil, fmt.Errorf("%w: %s: %s", ErrUnsupported, f.name, u.Reason)
			}
		}
		return nil, fmt.Errorf("%w: %s has no column %q", ErrInvalidArgument, f.name, name)
	}
	return idx, nil
}

// ScanFile reads the columns cols (by name; none for a row count) of every
// row group of the Parquet file at path with parallelism goroutines, and
// returns the number of rows read. Batches are released as soon as they are
// read: it measures and exercises the scan, for benchmarks and tools. When
// the file has fewer row groups than parallelism, the columns of each row
// group are also decoded in parallel. alloc must be safe for concurrent use.
func ScanFile(ctx context.Context, alloc memory.Allocator, path string, cols []string, parallelism int) (rows int64, err error) {
	f, err := Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	idx, err := f.ColumnIndexes(cols)
	if err != nil {
		return 0, err
	}
	return f.Scan(ctx, alloc, idx, DefaultBatchSize, parallelism)
}

// Scan reads the columns cols of every row group with parallelism
// goroutines, releasing each batch, and returns the number of rows read.
// See ScanFile.
func (f *File) Scan(ctx context.Context, alloc memory.Allocator, cols []int, batchSize, parallelism int) (int64, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nrg := f.NumRowGroups()
	workers := min(max(parallelism, 1), max(nrg, 1))
	colPar := max(parallelism/max(nrg, 1), 1)
	var (
		total    atomic.Int64
		next     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				rg := int(next.Add(1) - 1)
				if rg >= nrg || ctx.Err() != nil {
					return
				}
				r, err := f.ReadRowGroupParallel(ctx, alloc, rg, cols, batchSize, colPar)
				if err != nil {
					fail(err)
					return
				}
				for {
					rec, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						r.Close()
						fail(err)
						return
					}
					total.Add(rec.NumRows())
					rec.Release()
				}
				r.Close()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return total.Load(), firstErr
	}
	if err := ctx.Err(); err != nil {
		return total.Load(), err
	}
	return total.Load(), nil
}
