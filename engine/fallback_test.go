package engine_test

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/engine"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden EXPLAIN files under testdata/explain")

// openTPCH opens an engine over the suite's dataset (TPC-H SF0.01 and the
// edge table).
func openTPCH(t *testing.T, mem memory.Allocator, conf map[string]string, opts ...engine.Option) *engine.Engine {
	t.Helper()
	return openEngine(t, mem, suiteTables(t), conf, opts...)
}

// openEngine opens an engine on mem with conf and opts and registers
// tables (name -> Parquet path).
func openEngine(t *testing.T, mem memory.Allocator, tables, conf map[string]string, opts ...engine.Option) *engine.Engine {
	t.Helper()
	eng, err := engine.Open(append([]engine.Option{engine.WithAllocator(mem), engine.WithConfig(conf)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range tables {
		if err := eng.RegisterParquet(name, path); err != nil {
			t.Fatal(err)
		}
	}
	return eng
}

func queryRows(t *testing.T, eng *engine.Engine, sql string) []string {
	t.Helper()
	rows, _, err := runQuery(context.Background(), eng, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

// TestUDF runs Go scalar UDFs, which fall back to rows in the middle of a
// columnar pipeline, and checks the reported reason.
func TestUDF(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openTPCH(t, mem, nil)
	defer eng.Close()
	shout, err := rowexpr.NewUDF1("shout", func(s string) string { return strings.ToUpper(s) + "!" })
	if err != nil {
		t.Fatal(err)
	}
	addTax, err := rowexpr.NewUDF2("add_tax", func(x float64, rate float64) float64 { return x * (1 + rate) })
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*rowexpr.UDF{shout, addTax} {
		if err := eng.RegisterUDF(u); err != nil {
			t.Fatal(err)
		}
	}
	got := queryRows(t, eng, "SELECT shout(r_name), add_tax(r_regionkey, 0.5) FROM region WHERE r_regionkey < 3 ORDER BY r_regionkey")
	want := []string{"AFRICA!\t0", "AMERICA!\t1.5", "ASIA!\t3"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("UDF results:\n got %q\nwant %q", got, want)
	}
	info, err := eng.Fallback(context.Background(), "SELECT shout(n_name) FROM nation WHERE n_regionkey = 1")
	if err != nil {
		t.Fatal(err)
	}
	if info.FallbackNodes != 1 || info.Transitions != 2 || len(info.Reasons) != 1 ||
		info.Reasons[0].Reason != "function shout is a Go UDF, which runs only as rows" {
		t.Errorf("fallback info: %+v", info)
	}
	if s := info.String(); !strings.HasPrefix(s, "fallback: 1 of ") || !strings.Contains(s, "Project (function shout is a Go UDF") {
		t.Errorf("summary line %q", s)
	}
	// A failing UDF fails the query with its name; a panicking one too.
	boom, _ := rowexpr.NewUDF1("boom", func(x int64) int64 { panic("kaboom") })
	if err := eng.RegisterUDF(boom); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runQuery(context.Background(), eng, "SELECT boom(n_nationkey) FROM nation"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking UDF: %v", err)
	}
}

// TestUDAF runs a Go aggregate, in one phase after the exchange.
func TestUDAF(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openTPCH(t, mem, nil)
	defer eng.Close()
	longest, err := rowagg.NewUDAF("longest_name",
		func() string { return "" },
		func(acc string, s string) string {
			if len(s) > len(acc) {
				return s
			}
			return acc
		},
		func(acc string) string { return acc })
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RegisterUDAF(longest); err != nil {
		t.Fatal(err)
	}
	got := queryRows(t, eng, "SELECT n_regionkey, longest_name(n_name), count(*) FROM nation GROUP BY n_regionkey ORDER BY n_regionkey")
	want := []string{"0\tMOZAMBIQUE\t5", "1\tUNITED STATES\t5", "2\tINDONESIA\t5", "3\tUNITED KINGDOM\t5", "4\tSAUDI ARABIA\t5"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("UDAF results:\n got %q\nwant %q", got, want)
	}
	info, err := eng.Fallback(context.Background(), "SELECT longest_name(n_name) FROM nation")
	if err != nil {
		t.Fatal(err)
	}
	if info.FallbackNodes != 1 || info.Reasons[0].Reason != "aggregate longest_name is a Go UDAF, which runs only as rows" {
		t.Errorf("fallback info: %+v", info)
	}
}

// TestFallbackLog checks the log line of each fallen node.
func TestFallbackLog(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eng := openTPCH(t, mem, map[string]string{"spark.gluten.sql.columnar.hashagg": "false"}, engine.WithLogger(logger))
	defer eng.Close()
	queryRows(t, eng, "SELECT count(*) FROM region")
	if !strings.Contains(buf.String(), `msg="Validation failed for plan: HashAggregate, due to: HashAggregate disabled by spark.gluten.sql.columnar.hashagg=false"`) {
		t.Errorf("log:\n%s", buf.String())
	}
}

// TestFallbackPolicy checks the whole-stage and whole-query thresholds and
// preferColumnar.
func TestFallbackPolicy(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// With the project off, Q6's first stage (scan, filter, project, partial
	// aggregate) has two transitions around the row Project.
	q := "SELECT sum(l_extendedprice * l_discount) FROM lineitem WHERE l_quantity < 24"
	base := openTPCH(t, mem, nil)
	want := queryRows(t, base, q)
	base.Close()
	tests := []struct {
		name          string
		conf          map[string]string
		fallbackNodes int
		transitions   int
		reason        string
	}{
		{"off", map[string]string{}, 1, 2, "Project disabled by spark.gluten.sql.columnar.project=false"},
		{"below threshold", map[string]string{"spark.gluten.sql.columnar.wholeStage.fallback.threshold": "3"}, 1, 2, ""},
		// The stage as rows needs a ColumnarToRow above the scan and a
		// RowToColumnar below the exchange: no fewer transitions, so
		// preferColumnar keeps the columnar plan.
		{"prefer columnar", map[string]string{"spark.gluten.sql.columnar.wholeStage.fallback.threshold": "2"}, 1, 2, ""},
		{"stage falls back", map[string]string{"spark.gluten.sql.columnar.wholeStage.fallback.threshold": "2",
			"spark.gluten.sql.columnar.fallback.preferColumnar": "false"}, 4, 2,
			"the whole stage fell back: 2 transitions reach spark.gluten.sql.columnar.wholeStage.fallback.threshold=2"},
		{"query threshold ignored with adaptive execution", map[string]string{"spark.gluten.sql.columnar.query.fallback.threshold": "1",
			"spark.gluten.sql.columnar.fallback.preferColumnar": "false"}, 1, 2, ""},
		{"query falls back", map[string]string{"spark.gluten.sql.columnar.query.fallback.threshold": "1", "spark.sql.adaptive.enabled": "false",
			"spark.gluten.sql.columnar.fallback.preferColumnar": "false"}, 5, 4,
			"the whole query fell back: 2 transitions reach spark.gluten.sql.columnar.query.fallback.threshold=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := map[string]string{"spark.gluten.sql.columnar.project": "false"}
			for k, v := range tc.conf {
				conf[k] = v
			}
			eng := openTPCH(t, mem, conf)
			defer eng.Close()
			info, err := eng.Fallback(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if info.FallbackNodes != tc.fallbackNodes || info.Transitions != tc.transitions {
				t.Errorf("%d fallback nodes and %d transitions, want %d and %d: %+v", info.FallbackNodes, info.Transitions, tc.fallbackNodes, tc.transitions, info)
			}
			if tc.reason != "" {
				found := false
				for _, r := range info.Reasons {
					found = found || r.Reason == tc.reason
				}
				if !found {
					t.Errorf("no node fell back with %q: %+v", tc.reason, info.Reasons)
				}
			}
			// Whatever the plan, the answer is the same.
			if got := queryRows(t, eng, q); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("result %q, want %q", got, want)
			}
		})
	}
}

// Timings, the executors a stage's tasks happened to run on, and the
// per-task peaks (which depend on how batches interleave) vary from run to
// run; EXPLAIN ANALYZE's golden files mask them and keep the layout, the
// row and batch counts and the profiles.
var (
	timeRe      = regexp.MustCompile(`\b(\w*[tT]ime)=[^ \]]+`)
	executorsRe = regexp.MustCompile(`executors \[[0-9 ]*\]`)
	peakRe      = regexp.MustCompile(`peak (heap|off-heap) [0-9.]+ [KMG]?i?B`)
	peakBytesRe = regexp.MustCompile(`\b(peakBytes|peakHeapBytes|heapBytes|hashTableBytes)=[0-9]+`)
)

func maskAnalyze(s string) string {
	s = timeRe.ReplaceAllString(s, "$1=<t>")
	s = executorsRe.ReplaceAllString(s, "executors [<e>]")
	s = peakRe.ReplaceAllString(s, "peak $1 <b>")
	return peakBytesRe.ReplaceAllString(s, "$1=<b>")
}

// locationRe masks the dataset's temporary path in plans.
var locationRe = regexp.MustCompile(`InMemoryFileIndex\(1 paths\)\[[^\]]*\]`)

// TestExplainGolden compares plans with the files under testdata/explain;
// go test ./engine -run TestExplainGolden -update rewrites them.
func TestExplainGolden(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	q1 := "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, avg(l_discount) AS avg_disc, count(*) AS n FROM lineitem " +
		"WHERE l_shipdate <= date '1998-12-01' - interval '90' day GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus"
	tests := []struct {
		name string
		conf map[string]string
		sql  string
	}{
		{"columnar", nil, q1},
		{"gluten_disabled", map[string]string{"spark.gluten.enabled": "false"}, q1},
		{"project_off", map[string]string{"spark.gluten.sql.columnar.project": "false"}, q1},
		{"hashagg_off", map[string]string{"spark.gluten.sql.columnar.hashagg": "false"}, q1},
		{"row_function_mid_pipeline", nil, "EXPLAIN FORMATTED SELECT o_orderpriority, regexp_extract(o_clerk, '#(\\\\d+)', 1) AS clerk, count(*) AS n " +
			"FROM orders WHERE o_totalprice > 100000 GROUP BY 1, 2 ORDER BY n DESC LIMIT 3"},
		{"row_only_aggregate", nil, "EXPLAIN FORMATTED SELECT n_regionkey, collect_list(n_name) AS names, percentile(n_nationkey, 0.5) AS mid " +
			"FROM nation GROUP BY n_regionkey ORDER BY n_regionkey"},
		{"union_and_sort_off", map[string]string{"spark.gluten.sql.columnar.union": "false", "spark.gluten.sql.columnar.sort": "false"},
			"EXPLAIN FORMATTED SELECT r_name AS name FROM region UNION ALL SELECT n_name FROM nation WHERE n_regionkey = 0 ORDER BY name"},
		{"stage_fallback_policy", map[string]string{"spark.gluten.sql.columnar.project": "false",
			"spark.gluten.sql.columnar.wholeStage.fallback.threshold": "2", "spark.gluten.sql.columnar.fallback.preferColumnar": "false"},
			"EXPLAIN FORMATTED SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem WHERE l_quantity < 24"},
	}
	tests = append(tests, []struct {
		name string
		conf map[string]string
		sql  string
	}{
		{"analyze_columnar", nil, "EXPLAIN ANALYZE " + q1},
		{"analyze_resource_rule", map[string]string{"spark.gluten.enabled": "false",
			"spark.gluten.auto.adjustStageResource.enabled":   "true",
			"spark.dynamicAllocation.schedulerBacklogTimeout": "10ms"}, "EXPLAIN ANALYZE " + q1},
	}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := map[string]string{"spark.sql.shuffle.partitions": "8", "spark.gluten.local.cores": "2"}
			for k, v := range tc.conf {
				conf[k] = v
			}
			eng := openTPCH(t, mem, conf)
			defer eng.Close()
			// Explain takes a query (simple EXPLAIN) or an EXPLAIN statement.
			text, err := eng.Explain(context.Background(), tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			text = "-- " + tc.sql + "\n" + locationRe.ReplaceAllString(text, "InMemoryFileIndex(1 paths)[<data>]")
			if strings.HasPrefix(tc.sql, "EXPLAIN ANALYZE") {
				text = maskAnalyze(text)
			}
			path := filepath.Join("testdata", "explain", tc.name+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(want) != text {
				t.Errorf("plan differs from %s (run with -update after checking the change):\n%s", path, text)
			}
		})
	}
}
