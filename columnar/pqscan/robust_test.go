package pqscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
)

// readAllBytes reads every readable column of every row group of an
// in-memory file, returning the first error.
func readAllBytes(mem memory.Allocator, data []byte) error {
	f, err := OpenReaderAt(bytes.NewReader(data), int64(len(data)), "mutated.parquet")
	if err != nil {
		return err
	}
	defer f.Close()
	cols := make([]int, len(f.Schema().Fields()))
	for i := range cols {
		cols[i] = i
	}
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		for c := range cols {
			_ = f.ColumnStats(rg, c)
		}
		r, err := f.ReadRowGroupParallel(context.Background(), mem, rg, cols, 500, 1+rg%2)
		if err != nil {
			return err
		}
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				return err
			}
			rec.Release()
		}
		r.Close()
	}
	return nil
}

// TestMutatedFiles corrupts generated files at random and checks that
// reading them never panics, hangs or leaks, and that errors are ours.
func TestMutatedFiles(t *testing.T) {
	var cols []genCol
	for i, ts := range typeSpecs() {
		codec := testCodecs[i%len(testCodecs)]
		enc := ts.encs[i%len(ts.encs)]
		val := ts.val
		cols = append(cols, genCol{
			name: ts.name,
			node: parquet.Compressed(parquet.Encoded(ts.node, enc), codec),
			opt:  i%2 == 0,
			val: func(i int) (parquet.Value, any, bool) {
				v, w := val(i)
				return v, w, i%7 != 3
			},
		})
	}
	var files [][]byte
	for _, v := range []int{1, 2} {
		data, _ := writeParquetGo(t, cols, 300, parquet.DataPageVersion(v), parquet.PageBufferSize(512), parquet.MaxRowsPerRowGroup(200))
		files = append(files, data)
	}
	rnd := rand.New(rand.NewPCG(7, 11))
	iterations := 400
	if testing.Short() {
		iterations = 100
	}
	outcomes := map[string]int{}
	for it := 0; it < iterations; it++ {
		src := files[it%len(files)]
		data := bytes.Clone(src)
		// Mutate a few bytes, half the time inside the footer.
		for m := 0; m < 1+rnd.IntN(4); m++ {
			pos := rnd.IntN(len(data))
			if rnd.IntN(2) == 0 {
				footer := int(uint32(src[len(src)-8]) | uint32(src[len(src)-7])<<8 | uint32(src[len(src)-6])<<16)
				pos = len(data) - 8 - 1 - rnd.IntN(max(footer, 1))
			}
			switch rnd.IntN(3) {
			case 0:
				data[pos] ^= 1 << rnd.IntN(8)
			case 1:
				data[pos] = byte(rnd.IntN(256))
			default:
				data[pos] = 0xff
			}
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		done := make(chan error, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					done <- fmt.Errorf("PANIC: %v", p)
				}
			}()
			done <- readAllBytes(mem, data)
		}()
		select {
		case err := <-done:
			switch {
			case err == nil:
				outcomes["read"]++
			case errors.Is(err, ErrCorrupt), errors.Is(err, ErrUnsupported), errors.Is(err, ErrEncrypted):
				outcomes["error"]++
			default:
				t.Errorf("iteration %d: unexpected error %v", it, err)
			}
			if mem.CurrentAlloc() != 0 {
				t.Errorf("iteration %d: %d bytes leaked (err %v)", it, mem.CurrentAlloc(), err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("iteration %d: read did not finish in 20s", it)
		}
	}
	t.Logf("outcomes: %v", outcomes)
	if outcomes["error"] == 0 {
		t.Error("no mutation was detected as an error; the test is not corrupting anything")
	}
}
