package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gluten-go/gluten-go/benchmarks/tpch"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	gluten "github.com/gluten-go/gluten-go/engine"
)

// runFallback is the "fallback-heavy stages" benchmark: TPC-H queries all
// columnar against all rows (spark.gluten.enabled=false), and the cost of
// one, two and three row fallbacks in the middle of a stage, with the share
// of the query's CPU time the transitions take. gluten-go only, in this
// process (no DuckDB).
func runFallback(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("fallback")
	sf := fs.Float64("sf", 1, "TPC-H scale factor")
	runs := fs.Int("runs", 3, "timed runs per variant, after one warm-up run")
	out := fs.String("out", "", "also write the report to this file")
	dir := fs.String("dir", "", "dataset directory (default: the cache directory)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *runs < 1 {
		return fmt.Errorf("--runs must be at least 1")
	}
	ds := datasetDir(*dir, *sf)
	if err := ensureTPCH(ctx, ds, *sf); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "gluten-go, TPC-H SF%g, %d cores; median of %d runs after a warm-up run; CPU time is the process's user+system time during the runs.\n\n", *sf, numCPU(), *runs)

	// 1. All columnar against all rows, for every TPC-H query that runs.
	var rowsTable [][]string
	var logSum float64
	var counted int
	for q := 1; q <= tpch.QueryCount; q++ {
		sql, err := tpch.Query(q)
		if err != nil {
			return err
		}
		col, err := measure(ctx, ds, nil, nil, sql, *runs)
		if err != nil {
			if strings.Contains(err.Error(), "not supported yet") {
				continue // a query gluten-go cannot run yet (joins, subqueries)
			}
			return fmt.Errorf("Q%d columnar: %w", q, err)
		}
		row, err := measure(ctx, ds, map[string]string{"spark.gluten.enabled": "false"}, nil, sql, *runs)
		if err != nil {
			return fmt.Errorf("Q%d rows: %w", q, err)
		}
		speedup := row.seconds / col.seconds
		logSum += math.Log(speedup)
		counted++
		rowsTable = append(rowsTable, []string{fmt.Sprintf("Q%d", q), secs(col.seconds), secs(row.seconds),
			fmt.Sprintf("%.2f", speedup), fmt.Sprint(row.transitions), secs(row.transitionSecs)})
		fmt.Fprintf(os.Stderr, "Q%d: columnar %.3fs, rows %.3fs\n", q, col.seconds, row.seconds)
	}
	b.WriteString("All columnar against all rows (spark.gluten.enabled=false: every operator a row operator, the Parquet scan a vanilla FileScan under a ColumnarToRow, the exchanges and joins row versions, a RowToColumnar at the top for the result):\n\n")
	var tb strings.Builder
	table(&tb, []string{"query", "columnar s", "rows s", "rows/columnar", "row plan transitions", "row plan transition s"}, rowsTable)
	b.WriteString(tb.String())
	if counted > 0 {
		fmt.Fprintf(&b, "\nGeometric mean of rows/columnar over %d of the %d queries: %.2f.\n\n", counted, tpch.QueryCount, math.Exp(logSum/float64(counted)))
	}

	// 2. One, two and three fallbacks in the middle of Q1's first stage.
	ident, err := rowexpr.NewUDF1("ident", func(s string) string { return s })
	if err != nil {
		return err
	}
	var midTable [][]string
	var base float64
	for k := 0; k <= 3; k++ {
		sql := q1WithFallbacks(k, 3)
		m, err := measure(ctx, ds, nil, ident, sql, *runs)
		if err != nil {
			return fmt.Errorf("Q1 with %d fallbacks: %w", k, err)
		}
		if k == 0 {
			base = m.seconds
		}
		share := 0.0
		if m.cpuSecs > 0 {
			share = m.transitionSecs / m.cpuSecs
		}
		midTable = append(midTable, []string{fmt.Sprint(k), fmt.Sprint(m.fallbackNodes), fmt.Sprint(m.transitions), secs(m.seconds),
			fmt.Sprintf("%.2f", m.seconds/base), secs(m.cpuSecs), secs(m.transitionSecs), fmt.Sprintf("%.1f%%", 100*share)})
		fmt.Fprintf(os.Stderr, "Q1 with %d fallbacks: %.3fs\n", k, m.seconds)
	}
	b.WriteString("Fallbacks in the middle of a stage: TPC-H Q1 whose first stage passes l_returnflag through three projection levels, each followed by a columnar upper(); in k of the levels the projection calls a Go UDF (ident, so it runs as rows, with a ColumnarToRow below and a RowToColumnar above), in the others the columnar trim():\n\n")
	tb.Reset()
	table(&tb, []string{"fallbacks", "row operators", "transitions", "s", "vs 0", "CPU s", "transition s", "transitions' share of CPU"}, midTable)
	b.WriteString(tb.String())
	return output(stdout, *out, b.String())
}

// q1WithFallbacks is Q1 over a stage with `levels` projection levels, the
// first k of them falling back to rows.
func q1WithFallbacks(k, levels int) string {
	from := "(SELECT l_returnflag, l_linestatus, l_quantity, l_extendedprice, l_discount, l_tax FROM lineitem WHERE l_shipdate <= date '1998-12-01' - interval '90' day)"
	for i := 0; i < levels; i++ {
		fn := "trim"
		if i < k {
			fn = "ident"
		}
		from = fmt.Sprintf("(SELECT upper(f) AS l_returnflag, l_linestatus, l_quantity, l_extendedprice, l_discount, l_tax FROM "+
			"(SELECT %s(l_returnflag) AS f, l_linestatus, l_quantity, l_extendedprice, l_discount, l_tax FROM %s t%d) u%d)", fn, from, i, i)
	}
	return `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
	sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
	avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
FROM ` + from + ` q GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`
}

type measurement struct {
	seconds, cpuSecs, transitionSecs float64
	transitions, fallbackNodes       int
}

// measure runs sql on a fresh engine (warm-up, then runs times) and returns
// the medians.
func measure(ctx context.Context, ds string, conf map[string]string, udf *rowexpr.UDF, sql string, runs int) (measurement, error) {
	e, err := gluten.Open(gluten.WithConfig(conf))
	if err != nil {
		return measurement{}, err
	}
	defer e.Close()
	for _, t := range tpch.Tables {
		if err := e.RegisterParquet(t, filepath.Join(ds, t)); err != nil {
			return measurement{}, err
		}
	}
	if udf != nil {
		if err := e.RegisterUDF(udf); err != nil {
			return measurement{}, err
		}
	}
	var secsList, cpuList, transList []float64
	var m measurement
	for i := 0; i <= runs; i++ {
		cpu0 := cpuTime()
		a, err := e.Analyze(ctx, sql)
		if err != nil {
			return measurement{}, err
		}
		cpu := cpuTime() - cpu0
		if i == 0 {
			continue // warm-up
		}
		secsList = append(secsList, a.Elapsed.Seconds())
		cpuList = append(cpuList, cpu.Seconds())
		transList = append(transList, a.TransitionTime.Seconds())
		m.transitions, m.fallbackNodes = a.Fallback.Transitions, a.Fallback.FallbackNodes
	}
	m.seconds, m.cpuSecs, m.transitionSecs = median(secsList), median(cpuList), median(transList)
	return m, nil
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func numCPU() int { return runtime.NumCPU() }
