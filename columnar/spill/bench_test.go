package spill

import (
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/rows"
)

// BenchmarkBatches writes and reads back 64 batches of 8192 rows of
// testSchema (about 25 MB) per codec; bytes/op is the data's size.
func BenchmarkBatches(b *testing.B) {
	alloc := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(9, 9))
	var batches []arrow.RecordBatch
	var size int64
	for i := 0; i < 64; i++ {
		bt := makeBatch(alloc, rng, 8192)
		size += BatchBytes(bt)
		batches = append(batches, bt)
	}
	defer func() {
		for _, bt := range batches {
			bt.Release()
		}
	}()
	for _, codec := range []Codec{None, S2, Zstd} {
		b.Run(codec.String(), func(b *testing.B) {
			b.SetBytes(size)
			var file int64
			for i := 0; i < b.N; i++ {
				w, err := NewWriter(b.TempDir(), testSchema, codec, WithAllocator(alloc))
				if err != nil {
					b.Fatal(err)
				}
				for _, bt := range batches {
					if err := w.Write(bt); err != nil {
						b.Fatal(err)
					}
				}
				if file, err = w.Close(); err != nil {
					b.Fatal(err)
				}
				r, err := Open(w.Path(), alloc)
				if err != nil {
					b.Fatal(err)
				}
				for {
					bt, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					bt.Release()
				}
				r.Close()
				w.Remove()
			}
			b.ReportMetric(float64(file)/float64(size), "ratio")
		})
	}
}

// BenchmarkRows writes and reads back 200,000 rows of 100 bytes per codec.
func BenchmarkRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(10, 10))
	data := make([]rows.Row, 200_000)
	for i := range data {
		r := make(rows.Row, 100)
		for j := range r {
			r[j] = byte('a' + rng.IntN(8))
		}
		data[i] = r
	}
	for _, codec := range []Codec{None, S2, Zstd} {
		b.Run(codec.String(), func(b *testing.B) {
			b.SetBytes(int64(len(data) * 100))
			for i := 0; i < b.N; i++ {
				w, err := NewRowWriter(b.TempDir(), codec)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range data {
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := w.Close(); err != nil {
					b.Fatal(err)
				}
				r, err := OpenRows(w.Path())
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					_, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != len(data) {
					b.Fatalf("%d rows", n)
				}
				r.Close()
				w.Remove()
			}
		})
	}
}
