package tpch

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// CacheDir returns where the dataset of scale factor sf is kept by
// default, shared by the demo and the benchmarks: tpch-sf<sf> under
// $GLUTEN_GO_CACHE, else under gluten-go/ in the user's cache directory
// (the system's temporary directory when there is none).
func CacheDir(sf float64) string {
	base := os.Getenv("GLUTEN_GO_CACHE")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		base = filepath.Join(c, "gluten-go")
	}
	return filepath.Join(base, "tpch-sf"+strconv.FormatFloat(sf, 'f', -1, 64))
}

// Ensure generates the dataset of scale factor sf into dir unless a
// complete one is there (Exists), telling w (nil: nobody) which it did.
func Ensure(ctx context.Context, dir string, sf float64, w io.Writer) error {
	if w == nil {
		w = io.Discard
	}
	if sf <= 0 {
		return fmt.Errorf("scale factor %g: want a positive number", sf)
	}
	if Exists(dir, sf) {
		fmt.Fprintf(w, "Using the TPC-H SF%g dataset cached in %s\n", sf, dir)
		return nil
	}
	fmt.Fprintf(w, "Generating TPC-H SF%g into %s ...\n", sf, dir)
	start := time.Now()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := Generate(ctx, Options{SF: sf, Dir: dir}); err != nil {
		return err
	}
	fmt.Fprintf(w, "Generated in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
