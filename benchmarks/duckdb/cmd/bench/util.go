package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gluten-go/gluten-go/benchmarks/tpch"
)

// datasetDir returns where the dataset of scale factor sf lives: dir when
// set, else tpch.CacheDir (shared with the demo).
func datasetDir(dir string, sf float64) string {
	if dir != "" {
		return dir
	}
	return tpch.CacheDir(sf)
}

// ensureTPCH generates the dataset unless a complete one is there; progress
// goes to stderr so that stdout holds only the report.
func ensureTPCH(ctx context.Context, dir string, sf float64) error {
	return tpch.Ensure(ctx, dir, sf, os.Stderr)
}

// tables returns the path of every TPC-H table of the dataset in dir.
func tables(dir string) map[string]string {
	m := make(map[string]string, len(tpch.Tables))
	for _, t := range tpch.Tables {
		m[t] = filepath.Join(dir, t)
	}
	return m
}

// parseQueries parses a comma-separated list of TPC-H query numbers.
func parseQueries(s string) ([]int, error) {
	var qs []int
	if s == "all" {
		for q := 1; q <= tpch.QueryCount; q++ {
			qs = append(qs, q)
		}
		return qs, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		n, err := strconv.Atoi(part)
		if err != nil || n < 1 || n > tpch.QueryCount {
			return nil, fmt.Errorf("--queries: %q is not a query number 1..%d", part, tpch.QueryCount)
		}
		qs = append(qs, n)
	}
	return qs, nil
}

// median returns the median of xs (the mean of the middle two for an even
// count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// peakRSSKiB returns the process's peak resident set size (VmHWM) in KiB.
func peakRSSKiB() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				break
			}
			return strconv.ParseInt(fields[0], 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM line in /proc/self/status")
}

// table renders a Markdown table.
func table(w io.Writer, header []string, rows [][]string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
}

// output writes the report to stdout and, when out is set, to that file.
func output(stdout io.Writer, out string, report string) error {
	if _, err := io.WriteString(stdout, report); err != nil {
		return err
	}
	if out != "" {
		if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}

func secs(d float64) string { return strconv.FormatFloat(d, 'f', 3, 64) }

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64)
}
