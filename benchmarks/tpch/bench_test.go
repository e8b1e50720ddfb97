package tpch

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// benchmarkGenerate generates a whole dataset per iteration and reports the
// rows written per second (all tables).
func benchmarkGenerate(b *testing.B, sf float64, opts Options) {
	b.ReportAllocs()
	var rows int64
	for _, t := range Tables {
		rows += RowCount(t, sf)
	}
	dir := b.TempDir()
	i := 0
	for b.Loop() {
		opts.SF = sf
		opts.Dir = filepath.Join(dir, strconv.Itoa(i))
		if err := Generate(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkGenerateSF1 measures the generation of scale factor 1 (8.7
// million rows, about 350 MB of Snappy Parquet).
func BenchmarkGenerateSF1(b *testing.B) { benchmarkGenerate(b, 1, Options{}) }

// BenchmarkGenerateSF01 measures scale factor 0.1.
func BenchmarkGenerateSF01(b *testing.B) { benchmarkGenerate(b, 0.1, Options{}) }

// BenchmarkGenerateSF01Serial measures scale factor 0.1 on one worker.
func BenchmarkGenerateSF01Serial(b *testing.B) { benchmarkGenerate(b, 0.1, Options{Parallelism: 1}) }

// BenchmarkGenerateSF01Zstd measures scale factor 0.1 with zstd pages.
func BenchmarkGenerateSF01Zstd(b *testing.B) { benchmarkGenerate(b, 0.1, Options{Compression: "zstd"}) }

// BenchmarkTextPool measures building the text comments are cut from.
func BenchmarkTextPool(b *testing.B) {
	b.SetBytes(textPoolSize)
	for b.Loop() {
		_ = newTextPool(textPoolSize)
	}
}
