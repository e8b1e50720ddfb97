package engine_test

// The correctness suite: the records of testdata/sql/*.slt (format: package
// benchmarks/edgedata/slt) run over TPC-H SF0.01 and the edge table, and are
// compared with the expected rows that benchmarks/duckdb's refgen computed
// with DuckDB. Run it with
//
//	go test ./engine -run TestSuite [-suite.run REGEXP] [-suite.conf KEY=VALUE,...]
//
// Records labelled bug_* show known engine bugs: they are meant to fail until
// the bug is fixed.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/benchmarks/edgedata"
	"github.com/gluten-go/gluten-go/benchmarks/edgedata/slt"
	"github.com/gluten-go/gluten-go/benchmarks/tpch"
	"github.com/gluten-go/gluten-go/engine"
)

var (
	suiteRun  = flag.String("suite.run", "", "run only the suite records whose name (file:line[:label]) matches this regexp")
	suiteConf = flag.String("suite.conf", "", "also run the suite under this configuration: comma-separated KEY=VALUE pairs (subtest \"custom\")")
)

// suiteTimeout bounds one record, so that a hanging query fails instead of
// stalling the test binary.
const suiteTimeout = 2 * time.Minute

// suiteConfig is a named engine configuration.
type suiteConfig struct {
	name string
	conf map[string]string
}

// suiteConfigs are the configurations the whole suite runs under; the
// answers must not depend on them.
//
// Beyond the columnar defaults and small batches, they cover every way of
// falling back to rows: Gluten disabled (everything as rows, the vanilla
// baseline), each columnar operator disabled in turn, and a row-only
// function in the middle of every pipeline (the testing key
// injectRowFunction puts one above every scan).
var suiteConfigs = []suiteConfig{
	{"default", nil},
	{"partitions1_batch7", map[string]string{
		"spark.sql.shuffle.partitions":           "1",
		"spark.gluten.sql.columnar.maxBatchSize": "7",
	}},
	{"gluten_disabled", map[string]string{"spark.gluten.enabled": "false"}},
	{"filter_off", map[string]string{"spark.gluten.sql.columnar.filter": "false"}},
	{"project_off", map[string]string{"spark.gluten.sql.columnar.project": "false"}},
	{"hashagg_off", map[string]string{"spark.gluten.sql.columnar.hashagg": "false"}},
	{"sort_off", map[string]string{"spark.gluten.sql.columnar.sort": "false"}},
	{"limit_off", map[string]string{"spark.gluten.sql.columnar.limit": "false"}},
	{"union_off", map[string]string{"spark.gluten.sql.columnar.union": "false"}},
	{"topn_off", map[string]string{"spark.gluten.sql.columnar.takeOrderedAndProject": "false"}},
	{"filescan_off", map[string]string{"spark.gluten.sql.columnar.filescan": "false"}},
	{"shuffledhashjoin_off", map[string]string{"spark.gluten.sql.columnar.shuffledhashjoin": "false"}},
	{"broadcastjoin_off", map[string]string{"spark.gluten.sql.columnar.broadcastJoin": "false"}},
	{"exchange_off", map[string]string{"spark.gluten.sql.columnar.exchange": "false"}},
	{"row_function_mid_pipeline", map[string]string{"spark.gluten.sql.columnar.testing.injectRowFunction": "true"}},
	{"stage_fallback_threshold", map[string]string{"spark.gluten.sql.columnar.wholeStage.fallback.threshold": "1",
		"spark.gluten.sql.columnar.fallback.preferColumnar": "false", "spark.gluten.sql.columnar.project": "false"}},
}

// suiteData is the dataset, generated once per test binary and removed by
// TestMain.
var suiteData struct {
	once   sync.Once
	dir    string
	tables map[string]string // table name -> path
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if suiteData.dir != "" {
		_ = os.RemoveAll(suiteData.dir)
	}
	if tpchData.dir != "" {
		_ = os.RemoveAll(tpchData.dir)
	}
	os.Exit(code)
}

// suiteTables generates the suite's dataset (edgedata.GenerateSuite: TPC-H
// SF0.01 and the edge table) into a temporary directory, once, and returns
// the tables' paths.
func suiteTables(t *testing.T) map[string]string {
	t.Helper()
	suiteData.once.Do(func() {
		dir, err := os.MkdirTemp("", "gluten-go-suite-")
		if err != nil {
			suiteData.err = err
			return
		}
		suiteData.dir = dir
		suiteData.tables, suiteData.err = edgedata.GenerateSuite(context.Background(), dir)
	})
	if suiteData.err != nil {
		t.Fatalf("generating the suite's data: %v", suiteData.err)
	}
	return suiteData.tables
}

func TestSuite(t *testing.T) {
	defer goleak.VerifyNone(t)
	var filter *regexp.Regexp
	if *suiteRun != "" {
		var err error
		if filter, err = regexp.Compile(*suiteRun); err != nil {
			t.Fatalf("-suite.run: %v", err)
		}
	}
	files, err := slt.Files(filepath.Join("testdata", "sql"))
	if err != nil {
		t.Fatal(err)
	}
	var recs []slt.Record
	for _, f := range files {
		rs, err := slt.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rs...)
	}
	configs := suiteConfigs
	if raceEnabled {
		configs = nil
		for _, c := range suiteConfigs {
			switch c.name {
			case "default", "gluten_disabled", "row_function_mid_pipeline":
				configs = append(configs, c)
			}
		}
	}
	if *suiteConf != "" {
		conf := map[string]string{}
		for _, kv := range strings.Split(*suiteConf, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok || k == "" {
				t.Fatalf("-suite.conf: %q is not KEY=VALUE", kv)
			}
			conf[k] = v
		}
		configs = append(slices.Clone(configs), suiteConfig{"custom", conf})
	}
	tables := suiteTables(t)
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			for i := range recs {
				rec := &recs[i]
				if filter != nil && !filter.MatchString(rec.Name()) {
					continue
				}
				t.Run(rec.Name(), func(t *testing.T) { runRecord(t, rec, tables, cfg.conf) })
			}
		})
	}
}

// runRecord runs one record on a fresh engine whose allocator must hold no
// bytes once the engine is closed.
func runRecord(t *testing.T, rec *slt.Record, tables map[string]string, conf map[string]string) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng, err := engine.Open(engine.WithAllocator(mem), engine.WithConfig(conf))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for name, path := range tables {
		if err := eng.RegisterParquet(name, path); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	rows, scales, err := runQuery(ctx, eng, rec.SQL)

	if rec.Kind == slt.Error {
		switch {
		case err == nil:
			t.Errorf("%s\nthe query succeeded with %d rows; want an error containing %q", rec.SQL, len(rows), rec.ErrorSubstr)
		case !strings.Contains(err.Error(), rec.ErrorSubstr):
			t.Errorf("%s\nerror %q does not contain %q", rec.SQL, err, rec.ErrorSubstr)
		}
		return
	}
	if err != nil {
		t.Errorf("%s\nerror: %v", rec.SQL, err)
		return
	}
	if !rec.HasExpected {
		t.Errorf("%s\nthe record has no expected rows: run refgen (benchmarks/duckdb)", rec.SQL)
		return
	}
	if msg := compareRows(rec.Expected, rows, scales, rec.Sort == slt.RowSort); msg != "" {
		t.Errorf("%s\n%s", rec.SQL, msg)
	}
}

// runQuery runs sql to the end and renders its rows; scales holds each
// column's decimal scale (-1 for non-decimal columns). A panic is reported as
// an error so that one bad record does not end the suite.
func runQuery(ctx context.Context, eng *engine.Engine, sql string) (rows []string, scales []int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	rdr, err := eng.Query(ctx, sql)
	if err != nil {
		return nil, nil, err
	}
	defer rdr.Release()
	schema := rdr.Schema()
	scales = make([]int, schema.NumFields())
	for i, f := range schema.Fields() {
		scales[i] = -1
		if dt, ok := f.Type.(*arrow.Decimal128Type); ok {
			scales[i] = int(dt.Scale)
		}
	}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		cells := make([][]string, rec.NumCols())
		for c, col := range rec.Columns() {
			if cells[c], err = renderColumn(col); err != nil {
				return nil, nil, fmt.Errorf("column %d (%s): %w", c+1, schema.Field(c).Name, err)
			}
		}
		row := make([]string, rec.NumCols())
		for r := range int(rec.NumRows()) {
			for c := range cells {
				row[c] = cells[c][r]
			}
			rows = append(rows, slt.JoinRow(row))
		}
	}
	if err := rdr.Err(); err != nil {
		return nil, nil, err
	}
	return rows, scales, nil
}

// renderColumn renders every value of col with the slt package's rules.
func renderColumn(col arrow.Array) ([]string, error) {
	out := make([]string, col.Len())
	for i := range out {
		if col.IsNull(i) {
			out[i] = slt.Null
			continue
		}
		switch a := col.(type) {
		case *array.Boolean:
			out[i] = slt.FormatBool(a.Value(i))
		case *array.Int32:
			out[i] = fmt.Sprint(a.Value(i))
		case *array.Int64:
			out[i] = fmt.Sprint(a.Value(i))
		case *array.Float64:
			out[i] = slt.FormatDouble(a.Value(i))
		case *array.Decimal128:
			out[i] = slt.FormatDecimal(a.Value(i).BigInt(), int(a.DataType().(*arrow.Decimal128Type).Scale))
		case *array.String:
			out[i] = slt.FormatString(a.Value(i))
		case *array.Binary:
			out[i] = slt.FormatBytes(a.Value(i))
		case *array.Date32:
			out[i] = slt.FormatDate(a.Value(i).ToTime())
		case *array.Timestamp:
			out[i] = slt.FormatTimestamp(time.UnixMicro(int64(a.Value(i))))
		default:
			return nil, fmt.Errorf("unexpected result type %s", col.DataType())
		}
	}
	return out, nil
}

// compareRows compares expected and actual rows and returns a description
// of the first difference, or "".
func compareRows(want, got []string, scales []int, sortRows bool) string {
	if sortRows {
		want, got = slices.Clone(want), slices.Clone(got)
		slices.Sort(want)
		slices.Sort(got)
	}
	bad := -1
	for i := range min(len(want), len(got)) {
		if !slt.RowsEqual(want[i], got[i], scales) {
			bad = i
			break
		}
	}
	if bad < 0 && len(want) == len(got) {
		return ""
	}
	var b strings.Builder
	if bad >= 0 {
		fmt.Fprintf(&b, "row %d differs:\n  want %q\n  got  %q\n", bad+1, want[bad], got[bad])
	} else {
		fmt.Fprintf(&b, "want %d rows, got %d\n", len(want), len(got))
	}
	const show = 25
	list := func(title string, rows []string) {
		fmt.Fprintf(&b, "%s (%d rows):\n", title, len(rows))
		for i, r := range rows {
			if i == show {
				fmt.Fprintf(&b, "  ... %d more\n", len(rows)-show)
				break
			}
			fmt.Fprintf(&b, "  %s\n", r)
		}
	}
	list("want", want)
	list("got", got)
	return b.String()
}

// TestSuiteCompare checks the comparison the suite relies on.
func TestSuiteCompare(t *testing.T) {
	for _, tc := range []struct {
		name      string
		want, got []string
		scales    []int
		sort      bool
		ok        bool
	}{
		{"equal", []string{"a\t1"}, []string{"a\t1"}, []int{-1, -1}, false, true},
		{"order matters", []string{"a", "b"}, []string{"b", "a"}, []int{-1}, false, false},
		{"rowsort", []string{"a", "b"}, []string{"b", "a"}, []int{-1}, true, true},
		{"missing row", []string{"a", "b"}, []string{"a"}, []int{-1}, false, false},
		{"extra row", []string{"a"}, []string{"a", "a"}, []int{-1}, false, false},
		{"extra column", []string{"a"}, []string{"a\tb"}, []int{-1, -1}, false, false},
		{"float tolerance", []string{"0.30000000000000004"}, []string{"0.3"}, []int{-1}, false, true},
		{"float mismatch", []string{"0.3001"}, []string{"0.3"}, []int{-1}, false, false},
		{"decimal half ulp", []string{"25.5224014"}, []string{"25.522401"}, []int{6}, false, true},
		{"decimal beyond half ulp", []string{"25.5224020"}, []string{"25.522401"}, []int{6}, false, false},
		{"null is not zero", []string{"NULL"}, []string{"0"}, []int{-1}, false, false},
		{"text exact", []string{"abc "}, []string{"abc"}, []int{-1}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := compareRows(tc.want, tc.got, tc.scales, tc.sort)
			if (msg == "") != tc.ok {
				t.Errorf("compareRows(%q, %q) = %q, want ok=%v", tc.want, tc.got, msg, tc.ok)
			}
		})
	}
}

// TestSuiteRender checks the rendering of result values.
func TestSuiteRender(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng, err := engine.Open(engine.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	rows, scales, err := runQuery(context.Background(), eng,
		`SELECT true, CAST(7 AS INT), CAST(-8 AS BIGINT), 2.5D, CAST(-1.5 AS DECIMAL(10,3)), '', 'a'||'\t', DATE '1999-01-02', TIMESTAMP '2000-01-02 03:04:05.5', CAST(NULL AS INT)`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"true\t7\t-8\t2.5\t-1.500\t(empty)\ta\\t\t1999-01-02\t2000-01-02 03:04:05.5\tNULL"}
	if !slices.Equal(rows, want) {
		t.Errorf("got %q\nwant %q", rows, want)
	}
	if !slices.Equal(scales, []int{-1, -1, -1, -1, 3, -1, -1, -1, -1, -1}) {
		t.Errorf("scales %v", scales)
	}
	if _, _, err := runQuery(context.Background(), eng, "SELECT nosuchcolumn"); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("want an analysis error, got %v", err)
	}
}

// TestSuiteTPCHVerbatim checks that the suite's TPC-H queries are those of
// package tpch, character for character.
func TestSuiteTPCHVerbatim(t *testing.T) {
	recs, err := slt.ParseFile(filepath.Join("testdata", "sql", "tpch_queries.slt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 6} {
		want, err := tpch.Query(n)
		if err != nil {
			t.Fatal(err)
		}
		label := fmt.Sprintf("tpch_q%d", n)
		i := slices.IndexFunc(recs, func(r slt.Record) bool { return r.Label == label })
		if i < 0 {
			t.Errorf("tpch_queries.slt has no record labelled %s", label)
			continue
		}
		if recs[i].SQL != want || recs[i].DuckDB != "" {
			t.Errorf("%s differs from tpch.Query(%d):\n%s\nwant:\n%s", recs[i].Name(), n, recs[i].SQL, want)
		}
	}
}
