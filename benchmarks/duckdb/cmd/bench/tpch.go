package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gluten-go/gluten-go/benchmarks/duckdb/internal/duck"
	"github.com/gluten-go/gluten-go/benchmarks/tpch"
	gluten "github.com/gluten-go/gluten-go/engine"
)

// The engines a child process can run.
const (
	engineGluten = "gluten-go"
	engineDuckDB = "duckdb"
)

// childResult is what a child process prints, as one JSON line.
type childResult struct {
	Engine     string    `json:"engine"`
	Version    string    `json:"version,omitempty"`
	Query      int       `json:"query"`
	Rows       int64     `json:"rows"`
	Seconds    []float64 `json:"seconds"`
	PeakRSSKiB int64     `json:"peak_rss_kib"`
}

func runTPCH(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("tpch")
	sf := fs.Float64("sf", 1, "TPC-H scale factor")
	queryList := fs.String("queries", "1,6", "comma-separated TPC-H query numbers")
	runs := fs.Int("runs", 3, "timed runs per query and engine, after one warm-up run")
	out := fs.String("out", "", "also write the report to this file")
	dir := fs.String("dir", "", "dataset directory (default: the cache directory)")
	conf := confFlags{}
	fs.Var(conf, "conf", "gluten-go configuration KEY=VALUE (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *runs < 1 {
		return fmt.Errorf("--runs %d: want at least 1", *runs)
	}
	queries, err := parseQueries(*queryList)
	if err != nil {
		return err
	}
	ds := datasetDir(*dir, *sf)
	if err := ensureTPCH(ctx, ds, *sf); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}

	results := map[int]map[string]childResult{}
	var duckVersion string
	for _, q := range queries {
		results[q] = map[string]childResult{}
		for _, eng := range []string{engineGluten, engineDuckDB} {
			fmt.Fprintf(os.Stderr, "Q%d on %s ...\n", q, eng)
			res, err := runChildProcess(ctx, exe, eng, ds, q, *runs, conf)
			if err != nil {
				return fmt.Errorf("Q%d on %s: %w", q, eng, err)
			}
			if eng == engineDuckDB {
				duckVersion = res.Version
			}
			results[q][eng] = res
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "TPC-H SF%g, %d cores, median of %d runs after a warm-up run; peak RSS is the VmHWM of each engine's own process.\n", *sf, runtime.NumCPU(), *runs)
	fmt.Fprintf(&b, "gluten-go: engine API, default configuration%s; DuckDB %s over read_parquet views, threads = %d.\n\n", confText(conf), duckVersion, runtime.NumCPU())
	var rows [][]string
	var logTime, logRSS float64
	worst, worstQ := 0.0, 0
	for _, q := range queries {
		g, d := results[q][engineGluten], results[q][engineDuckDB]
		gs, dsec := median(g.Seconds), median(d.Seconds)
		gm, dm := float64(g.PeakRSSKiB)/1024, float64(d.PeakRSSKiB)/1024
		if dsec > 0 && dm > 0 {
			logTime += math.Log(gs / dsec)
			logRSS += math.Log(gm / dm)
			if gs/dsec > worst {
				worst, worstQ = gs/dsec, q
			}
		}
		rowCount := strconv.FormatInt(g.Rows, 10)
		if g.Rows != d.Rows {
			rowCount = fmt.Sprintf("%d (DuckDB: %d!)", g.Rows, d.Rows)
		}
		rows = append(rows, []string{
			fmt.Sprintf("Q%d", q), rowCount,
			secs(gs), secs(dsec), ratio(gs, dsec),
			strconv.FormatFloat(gm, 'f', 0, 64), strconv.FormatFloat(dm, 'f', 0, 64), ratio(gm, dm),
		})
	}
	if k := float64(len(queries)); k > 0 {
		rows = append(rows, []string{"geomean", "", "", "", strconv.FormatFloat(math.Exp(logTime/k), 'f', 2, 64), "", "", strconv.FormatFloat(math.Exp(logRSS/k), 'f', 2, 64)})
	}
	table(&b, []string{"query", "rows", "gluten-go s", "DuckDB s", "time gluten-go/DuckDB", "gluten-go peak RSS MiB", "DuckDB peak RSS MiB", "RSS gluten-go/DuckDB"}, rows)
	if worstQ > 0 {
		fmt.Fprintf(&b, "\nSlowest relative to DuckDB: Q%d at %.2fx.\n", worstQ, worst)
	}
	return output(stdout, *out, b.String())
}

func confText(conf confFlags) string {
	if len(conf) == 0 {
		return ""
	}
	keys := make([]string, 0, len(conf))
	for k := range conf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + conf[k]
	}
	return " plus " + strings.Join(parts, ", ")
}

// runChildProcess runs one engine on one query in a child process of exe and
// returns what it reports.
func runChildProcess(ctx context.Context, exe, eng, dir string, q, runs int, conf confFlags) (childResult, error) {
	args := []string{"child", "--engine", eng, "--dir", dir, "--query", strconv.Itoa(q), "--runs", strconv.Itoa(runs)}
	for k, v := range conf {
		args = append(args, "--conf", k+"="+v)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return childResult{}, fmt.Errorf("child process: %w", err)
	}
	var res childResult
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		return childResult{}, fmt.Errorf("child process output %q: %w", stdout.String(), err)
	}
	if len(res.Seconds) != runs {
		return childResult{}, fmt.Errorf("child process reported %d runs, want %d", len(res.Seconds), runs)
	}
	return res, nil
}

// runChild is the child process: it runs one query on one engine and prints
// a childResult.
func runChild(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("child")
	eng := fs.String("engine", "", "gluten-go or duckdb")
	dir := fs.String("dir", "", "dataset directory")
	q := fs.Int("query", 0, "TPC-H query number")
	runs := fs.Int("runs", 1, "timed runs")
	conf := confFlags{}
	fs.Var(conf, "conf", "gluten-go configuration KEY=VALUE")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sql, err := tpch.Query(*q)
	if err != nil {
		return err
	}
	res := childResult{Engine: *eng, Query: *q}
	var once func() (int64, error)
	switch *eng {
	case engineGluten:
		e, err := gluten.Open(gluten.WithConfig(conf))
		if err != nil {
			return err
		}
		defer e.Close()
		for name, path := range tables(*dir) {
			if err := e.RegisterParquet(name, path); err != nil {
				return err
			}
		}
		once = func() (int64, error) { return runGluten(ctx, e, sql) }
	case engineDuckDB:
		s, err := duck.Open(ctx, runtime.NumCPU())
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.RegisterViews(ctx, tables(*dir)); err != nil {
			return err
		}
		if rows, err := s.Rows(ctx, "SELECT version()"); err == nil && len(rows) == 1 {
			res.Version = rows[0]
		}
		once = func() (int64, error) { return runDuckDB(ctx, s, sql) }
	default:
		return fmt.Errorf("--engine %q: want %s or %s", *eng, engineGluten, engineDuckDB)
	}
	if _, err := once(); err != nil { // warm-up
		return err
	}
	for range *runs {
		start := time.Now()
		n, err := once()
		if err != nil {
			return err
		}
		res.Seconds = append(res.Seconds, time.Since(start).Seconds())
		res.Rows = n
	}
	if res.PeakRSSKiB, err = peakRSSKiB(); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// runGluten runs sql on gluten-go and drains the result.
func runGluten(ctx context.Context, e *gluten.Engine, sql string) (int64, error) {
	rdr, err := e.Query(ctx, sql)
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	return n, rdr.Err()
}

// runDuckDB runs sql on DuckDB and drains the result.
func runDuckDB(ctx context.Context, s *duck.Session, sql string) (int64, error) {
	rows, err := s.Query(ctx, sql)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}
