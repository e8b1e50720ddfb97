package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/join"
	"github.com/gluten-go/gluten-go/columnar/spill"
	"github.com/gluten-go/gluten-go/resource"
)

// The grace hash join: when a hash join's build side does not fit in its
// reservation, both sides are split by the hash of their keys into
// graceFanout spill partitions, which are then joined one at a time; a
// partition whose build side still does not fit is split again, with
// another hash seed, up to graceMaxLevel levels.
const (
	graceFanoutBits = 3
	graceFanout     = 1 << graceFanoutBits
	graceMaxLevel   = 6
)

// partitionSeed is the hash seed of the grace partitioning at a level.
func partitionSeed(level int) uint64 {
	return (0x9e3779b97f4a7c15 * uint64(level+1)) ^ 0xd6e8feb86659fd93
}

// partitionOf returns the spill partition of a key hash.
func partitionOf(h uint64) int { return int(h >> (64 - graceFanoutBits)) }

// spillFile is one spill partition of one side.
type spillFile struct {
	path  string // "" when the partition is empty
	rows  int64
	bytes int64
}

// gracePart is a spill partition of both sides, to be joined.
type gracePart struct {
	build, probe spillFile
	level        int
}

// spillFiles tracks the spill files of a task, to remove every one of them
// when the task ends however it ends.
type spillFiles map[string]struct{}

func (f spillFiles) add(path string) { f[path] = struct{}{} }

// remove deletes a file and forgets it.
func (f spillFiles) remove(path string) {
	if path == "" {
		return
	}
	os.Remove(path)
	delete(f, path)
}

// removeAll deletes every file still tracked.
func (f spillFiles) removeAll() {
	for p := range f {
		os.Remove(p)
		delete(f, p)
	}
}

// batchPartitioner writes the rows of batches into graceFanout spill files
// by the hash of their key columns.
type batchPartitioner struct {
	dir    string
	schema *arrow.Schema
	keys   []int
	alloc  memory.Allocator
	seed   uint64
	files  spillFiles
	w      [graceFanout]*spill.Writer
	idx    [graceFanout][]int32
	// nullW receives the rows with a NULL key when they are kept (they
	// match nothing, so they skip the partitions: NULL keys all hash alike
	// and would make one partition that no split can shrink).
	nullW   *spill.Writer
	nullIdx []int32
	hashes  []uint64
	nulls   []bool
	keyCols []arrow.Array
	// rows counts the rows added, nullRows those with a NULL key.
	rows, nullRows int64
}

func newBatchPartitioner(dir string, schema *arrow.Schema, keys []int, alloc memory.Allocator, level int, files spillFiles) *batchPartitioner {
	return &batchPartitioner{dir: dir, schema: schema, keys: keys, alloc: alloc, seed: partitionSeed(level),
		files: files, keyCols: make([]arrow.Array, len(keys))}
}

// add writes b's rows (b is borrowed) to their partitions. Rows with a NULL
// key go to the partitioner's NULL file, or are dropped when dropNull is
// set; rows of a partition p with keep != nil and !keep[p] are dropped.
func (bp *batchPartitioner) add(b arrow.RecordBatch, dropNull bool, keep *[graceFanout]bool) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	if cap(bp.hashes) < n {
		bp.hashes = make([]uint64, n)
		bp.nulls = make([]bool, n)
	}
	hashes, nulls := bp.hashes[:n], bp.nulls[:n]
	for i, k := range bp.keys {
		bp.keyCols[i] = b.Column(k)
	}
	anyNull, err := join.HashKeys(bp.keyCols, bp.seed, hashes, nulls)
	clear(bp.keyCols)
	if err != nil {
		return err
	}
	for p := range bp.idx {
		bp.idx[p] = bp.idx[p][:0]
	}
	bp.nullIdx = bp.nullIdx[:0]
	for i, h := range hashes {
		if anyNull && nulls[i] {
			bp.nullRows++
			if !dropNull {
				bp.nullIdx = append(bp.nullIdx, int32(i))
			}
			continue
		}
		p := partitionOf(h)
		if keep != nil && !keep[p] {
			continue
		}
		bp.idx[p] = append(bp.idx[p], int32(i))
	}
	bp.rows += int64(n)
	for p, idx := range bp.idx {
		if err := bp.write(&bp.w[p], b, idx); err != nil {
			return err
		}
	}
	return bp.write(&bp.nullW, b, bp.nullIdx)
}

// write writes rows idx of b to *w, creating the file on first use.
func (bp *batchPartitioner) write(w **spill.Writer, b arrow.RecordBatch, idx []int32) error {
	if len(idx) == 0 {
		return nil
	}
	if *w == nil {
		nw, err := spill.NewWriter(bp.dir, bp.schema, spill.DefaultCodec, spill.WithAllocator(bp.alloc))
		if err != nil {
			return fmt.Errorf("creating a join spill file: %w", err)
		}
		*w = nw
		bp.files.add(nw.Path())
	}
	var err error
	if len(idx) == int(b.NumRows()) {
		err = (*w).Write(b)
	} else {
		var part arrow.RecordBatch
		part, err = join.GatherBatch(bp.alloc, bp.schema, b, idx)
		if err == nil {
			err = (*w).Write(part)
			part.Release()
		}
	}
	if err != nil {
		return fmt.Errorf("writing a join spill file: %w", err)
	}
	return nil
}

// finish closes the files and returns the partitions, the NULL-key file
// and the bytes written.
func (bp *batchPartitioner) finish() ([graceFanout]spillFile, spillFile, int64, error) {
	var out [graceFanout]spillFile
	var null spillFile
	var total int64
	var firstErr error
	closeOne := func(w *spill.Writer) spillFile {
		if w == nil {
			return spillFile{}
		}
		n, err := w.Close()
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("closing a join spill file: %w", err)
		}
		total += n
		return spillFile{path: w.Path(), rows: w.Rows(), bytes: n}
	}
	for p, w := range bp.w {
		out[p] = closeOne(w)
	}
	null = closeOne(bp.nullW)
	return out, null, total, firstErr
}

// spillStream reads a spill file's batches as a Stream and removes the
// file when closed.
type spillStream struct {
	ctx   context.Context
	r     *spill.Reader
	path  string
	files spillFiles
}

func openSpillStream(ctx context.Context, f spillFile, alloc memory.Allocator, files spillFiles) (Stream, error) {
	if f.path == "" {
		return emptyStream{}, nil
	}
	r, err := spill.Open(f.path, alloc)
	if err != nil {
		return nil, fmt.Errorf("reading a join spill file: %w", err)
	}
	return &spillStream{ctx: ctx, r: r, path: f.path, files: files}, nil
}

func (s *spillStream) Next() (arrow.RecordBatch, error) {
	if s.r == nil {
		return nil, io.EOF
	}
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.r.Next()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading a join spill file: %w", err)
	}
	return b, err
}

func (s *spillStream) Close() {
	if s.r != nil {
		s.r.Close()
		s.r = nil
		s.files.remove(s.path)
	}
}

// joinOOM returns the out-of-memory error of a build side that cannot be
// split further (one key's rows do not fit), with the reservation's typed
// error when it reports one.
func joinOOM(op string, res *resource.Reservation, need, rows int64) error {
	err := res.Grow(need)
	if err == nil {
		// The memory came free meanwhile; the partition still cannot be
		// split, so report it all the same.
		res.Shrink(need)
		err = fmt.Errorf("out of memory: %d bytes needed", need)
	}
	return fmt.Errorf("%s: the build rows of one join key (%d rows) do not fit in memory even after spilling: %w", op, rows, err)
}
