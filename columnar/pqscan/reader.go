package pqscan

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// RowGroupReader reads selected columns of one row group as Arrow record
// batches. It is not safe for concurrent use; use one reader per goroutine
// (readers of the same File may run concurrently).
//
// Memory: each column keeps its compressed column chunk (one read per
// column) and one decoded page at a time, plus the batch being built; so
// reading holds about one row group of the selected columns, compressed,
// and never the decoded row group.
type RowGroupReader struct {
	f           *File
	ctx         context.Context
	rg          int
	batchSize   int
	parallelism int
	schema      *arrow.Schema
	cols        []*columnReader
	numRows     int64
	done        int64
	err         error // sticky
	closed      bool
}

// ReadRowGroup returns a reader of the columns cols (positions in Schema, in
// the order wanted; a column may appear more than once) of row group rg, in
// batches of at most batchSize rows. With no columns the batches have no
// columns and carry only row counts (for count(*)).
//
// Output buffers are allocated from alloc, as are the compressed column
// chunks while they are read. ctx is checked before each batch and each
// page; once it is done Next returns ctx.Err().
func (f *File) ReadRowGroup(ctx context.Context, alloc memory.Allocator, rg int, cols []int, batchSize int) (*RowGroupReader, error) {
	return f.ReadRowGroupParallel(ctx, alloc, rg, cols, batchSize, 1)
}

// ReadRowGroupParallel is ReadRowGroup with the columns of each batch
// decoded by up to parallelism goroutines. alloc must then be safe for
// concurrent use (memory.GoAllocator, memory.CheckedAllocator and
// columnar.AccountingAllocator are). It pays off when one row group is read
// alone with cores to spare; when row groups are already read in parallel,
// parallelism 1 is as fast.
func (f *File) ReadRowGroupParallel(ctx context.Context, alloc memory.Allocator, rg int, cols []int, batchSize, parallelism int) (*RowGroupReader, error) {
	if f.closed.Load() {
		return nil, ErrClosed
	}
	if rg < 0 || rg >= len(f.meta.RowGroups) {
		return nil, fmt.Errorf("%w: %s: row group %d out of range [0, %d)", ErrInvalidArgument, f.name, rg, len(f.meta.RowGroups))
	}
	if batchSize <= 0 {
		return nil, fmt.Errorf("%w: batch size %d, want > 0", ErrInvalidArgument, batchSize)
	}
	if alloc == nil {
		return nil, fmt.Errorf("%w: nil allocator", ErrInvalidArgument)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	fields := make([]arrow.Field, len(cols))
	readers := make([]*columnReader, len(cols))
	for i, c := range cols {
		if c < 0 || c >= len(f.cols) {
			return nil, fmt.Errorf("%w: %s: column %d out of range [0, %d)", ErrInvalidArgument, f.name, c, len(f.cols))
		}
		fields[i] = f.cols[c].field
		readers[i] = newColumnReader(f, alloc, rg, &f.cols[c])
	}
	return &RowGroupReader{
		f:           f,
		ctx:         ctx,
		rg:          rg,
		batchSize:   batchSize,
		parallelism: max(parallelism, 1),
		schema:      arrow.NewSchema(fields, nil),
		cols:        readers,
		numRows:     f.meta.RowGroups[rg].NumRows,
	}, nil
}

// Schema returns the schema of the batches: the selected columns in order.
func (r *RowGroupReader) Schema() *arrow.Schema { return r.schema }

// NumRows returns the number of rows of the row group.
func (r *RowGroupReader) NumRows() int64 { return r.numRows }

// Next returns the next batch, owned by the caller, or io.EOF after the
// last. After an error other than io.EOF the reader is unusable and Next
// keeps returning that error.
func (r *RowGroupReader) Next() (rec arrow.RecordBatch, err error) {
	if r.closed {
		return nil, ErrClosed
	}
	if r.err != nil {
		return nil, r.err
	}
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, panicError(r.f.name, fmt.Sprintf("row group %d", r.rg), p)
		}
		if err != nil && err != io.EOF {
			r.err = err
			// Free the partial batch now; Close frees the rest.
			for _, c := range r.cols {
				c.sink.drop()
				c.dropValid()
			}
		}
	}()
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	if r.done >= r.numRows {
		return nil, io.EOF
	}
	n := int(min(int64(r.batchSize), r.numRows-r.done))
	arrs := make([]arrow.Array, len(r.cols))
	release := func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}
	if r.parallelism > 1 && len(r.cols) > 1 {
		err = r.readParallel(n, arrs)
	} else {
		for i, c := range r.cols {
			if arrs[i], err = c.read(r.ctx, n); err != nil {
				break
			}
		}
	}
	if err != nil {
		release()
		return nil, err
	}
	rec = array.NewRecordBatch(r.schema, arrs, int64(n))
	release()
	r.done += int64(n)
	return rec, nil
}

// readParallel reads the batch's columns with up to r.parallelism
// goroutines; each recovers its own panics.
func (r *RowGroupReader) readParallel(n int, arrs []arrow.Array) error {
	errs := make([]error, len(r.cols))
	var wg sync.WaitGroup
	next := make(chan int, len(r.cols))
	for i := range r.cols {
		next <- i
	}
	close(next)
	for w := 0; w < min(r.parallelism, len(r.cols)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				func() {
					defer func() {
						if p := recover(); p != nil {
							errs[i] = panicError(r.f.name, r.f.where(r.rg, r.cols[i].info), p)
						}
					}()
					arrs[i], errs[i] = r.cols[i].read(r.ctx, n)
				}()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Close releases the reader's buffers. It is safe to call more than once.
func (r *RowGroupReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	for _, c := range r.cols {
		func() {
			defer func() { _ = recover() }()
			c.close()
		}()
	}
	return nil
}
