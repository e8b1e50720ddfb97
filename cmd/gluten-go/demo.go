package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gluten-go/gluten-go/benchmarks/tpch"
	"github.com/gluten-go/gluten-go/engine"
)

// demoSF is the demo's scale factor: 600 thousand lineitem rows, generated
// in a few seconds.
const demoSF = 0.1

// cacheDir is where the demo keeps its dataset (tpch.CacheDir).
func cacheDir(sf float64) (string, error) { return tpch.CacheDir(sf), nil }

func parseSF(s string) (float64, error) {
	sf, err := strconv.ParseFloat(s, 64)
	if err != nil || sf <= 0 {
		return 0, fmt.Errorf("--sf %q: want a positive number", s)
	}
	return sf, nil
}

// ensureTPCH generates the dataset unless a complete one is there.
func ensureTPCH(ctx context.Context, dir string, sf float64, stdout io.Writer) error {
	return tpch.Ensure(ctx, dir, sf, stdout)
}

type showcase struct {
	title, sql string
}

func demoQueries() ([]showcase, error) {
	q1, err := tpch.Query(1)
	if err != nil {
		return nil, err
	}
	q6, err := tpch.Query(6)
	if err != nil {
		return nil, err
	}
	return []showcase{
		{"TPC-H Q1: pricing summary report", q1},
		{"TPC-H Q6: forecasting revenue change", q6},
		{"The five most expensive orders (top-N)", `SELECT o_orderkey, o_orderdate, o_orderpriority, o_totalprice
FROM orders ORDER BY o_totalprice DESC LIMIT 5`},
		{"Brands with many mid-size parts (GROUP BY, HAVING, LIKE)", `SELECT p_brand, count(*) AS parts, round(avg(p_retailprice), 2) AS avg_price
FROM part WHERE p_size BETWEEN 10 AND 20 AND p_type LIKE '%BRASS'
GROUP BY p_brand HAVING count(*) > 10 ORDER BY parts DESC, p_brand LIMIT 5`},
		{"Orders per ship mode and year (count DISTINCT, EXTRACT, CASE)", `SELECT l_shipmode, extract(year FROM l_shipdate) AS year,
  count(DISTINCT l_orderkey) AS orders,
  sum(CASE WHEN l_returnflag = 'R' THEN 1 ELSE 0 END) AS returned_lines
FROM lineitem WHERE l_shipdate >= date '1997-01-01'
GROUP BY l_shipmode, extract(year FROM l_shipdate) ORDER BY l_shipmode, year`},
	}, nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sf := demoSF
	dir := ""
	for i := 0; i < len(args); i++ {
		name, val, has := strings.Cut(args[i], "=")
		next := func() (string, error) {
			if has {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag %s needs a value", name)
			}
			i++
			return args[i], nil
		}
		switch strings.TrimLeft(name, "-") {
		case "sf":
			v, err := next()
			if err != nil {
				return err
			}
			if sf, err = parseSF(v); err != nil {
				return err
			}
		case "dir":
			v, err := next()
			if err != nil {
				return err
			}
			dir = v
		default:
			return fmt.Errorf("%w: unknown demo flag %s", errUsage, args[i])
		}
	}
	if dir == "" {
		var err error
		if dir, err = cacheDir(sf); err != nil {
			return err
		}
	}
	if err := ensureTPCH(ctx, dir, sf, stdout); err != nil {
		return err
	}
	eng, err := engine.Open(engine.WithProcessMemoryLimit())
	if err != nil {
		return err
	}
	defer eng.Close()
	for _, t := range tpch.Tables {
		if err := eng.RegisterParquet(t, filepath.Join(dir, t)); err != nil {
			return err
		}
	}
	queries, err := demoQueries()
	if err != nil {
		return err
	}
	total := time.Duration(0)
	for i, q := range queries {
		fmt.Fprintf(stdout, "\n-- %d. %s\n%s\n\n", i+1, q.title, indent(q.sql))
		start := time.Now()
		rdr, err := eng.Query(ctx, q.sql)
		if err != nil {
			return fmt.Errorf("%s: %w", q.title, err)
		}
		_, err = writeResult(stdout, rdr, "table")
		rdr.Release()
		if err != nil {
			return fmt.Errorf("%s: %w", q.title, err)
		}
		el := time.Since(start)
		total += el
		fmt.Fprintf(stdout, "time: %s\n", el.Round(100*time.Microsecond))
	}
	fmt.Fprintf(stdout, "\n-- The physical plan of TPC-H Q1 (EXPLAIN)\n\n")
	plan, err := eng.Explain(ctx, queries[0].sql)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, plan)
	fmt.Fprintf(stdout, "\n%d queries in %s. Try your own:\n  go run ./cmd/gluten-go query --data %s \"SELECT count(*) FROM lineitem\"\n",
		len(queries), total.Round(time.Millisecond), dir)
	return nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "   " + strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n")
}

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "tpch" {
		return fmt.Errorf("%w: gen needs a dataset name: gen tpch --sf N --out DIR", errUsage)
	}
	opts := tpch.Options{}
	sfSet := false
	for i := 1; i < len(args); i++ {
		name, val, has := strings.Cut(args[i], "=")
		next := func() (string, error) {
			if has {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag %s needs a value", name)
			}
			i++
			return args[i], nil
		}
		v, err := next()
		if err != nil {
			return err
		}
		switch strings.TrimLeft(name, "-") {
		case "sf":
			if opts.SF, err = parseSF(v); err != nil {
				return err
			}
			sfSet = true
		case "out":
			opts.Dir = v
		case "files":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("--files %q: want a positive integer", v)
			}
			opts.FilesPerTable = n
		case "compression":
			opts.Compression = v
		case "parallelism":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("--parallelism %q: want a positive integer", v)
			}
			opts.Parallelism = n
		default:
			return fmt.Errorf("%w: unknown gen flag %s", errUsage, args[i])
		}
	}
	if !sfSet || opts.Dir == "" {
		return errors.Join(errUsage, errors.New("gen tpch needs --sf N and --out DIR"))
	}
	start := time.Now()
	if err := tpch.Generate(ctx, opts); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "TPC-H SF%g written to %s in %s\n", opts.SF, opts.Dir, time.Since(start).Round(time.Millisecond))
	return nil
}
