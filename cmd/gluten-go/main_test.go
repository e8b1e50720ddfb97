package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gluten-go/gluten-go/benchmarks/tpch"
)

var (
	dataOnce sync.Once
	dataDir  string
	dataErr  error
)

// tpchDir generates TPC-H SF0.01 once for the package's tests.
func tpchDir(t *testing.T) string {
	t.Helper()
	dataOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gluten-go-cli-test")
		if err != nil {
			dataErr = err
			return
		}
		dataDir = filepath.Join(dir, "tpch")
		dataErr = tpch.Generate(context.Background(), tpch.Options{SF: 0.01, Dir: dataDir})
	})
	if dataErr != nil {
		t.Fatal(dataErr)
	}
	return dataDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dataDir != "" {
		os.RemoveAll(filepath.Dir(dataDir))
	}
	os.Exit(code)
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestQueryFormats(t *testing.T) {
	dir := tpchDir(t)
	sql := "SELECT n_nationkey, n_name, n_regionkey * 1.5 AS x FROM nation WHERE n_nationkey < 3 ORDER BY n_nationkey"
	code, out, errs := runCLI("query", "--data", dir, "--format", "csv", sql)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "n_nationkey,n_name,x\n0,ALGERIA,0.0\n1,ARGENTINA,1.5\n2,BRAZIL,1.5\n"
	if out != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out, want)
	}
	code, out, errs = runCLI("query", "--table", "nation="+filepath.Join(dir, "nation"), "--format=json", sql)
	if code != 0 || !strings.HasPrefix(out, `{"n_nationkey":0,"n_name":"ALGERIA","x":"0.0"}`) {
		t.Errorf("json: exit %d, %q %q", code, out, errs)
	}
	code, out, _ = runCLI("query", "--data", dir, sql)
	if code != 0 || !strings.Contains(out, "| ARGENTINA |") || !strings.Contains(out, "(3 rows)") {
		t.Errorf("table: exit %d:\n%s", code, out)
	}
	f := filepath.Join(t.TempDir(), "q.sql")
	os.WriteFile(f, []byte("select count(*) as n from region;\n"), 0o644)
	code, out, errs = runCLI("query", "--data", dir, "--format", "csv", "-f", f)
	if code != 0 || out != "n\n5\n" {
		t.Errorf("-f: exit %d %q %q", code, out, errs)
	}
}

func TestExplain(t *testing.T) {
	dir := tpchDir(t)
	code, out, errs := runCLI("explain", "--data", dir, "SELECT r_name FROM region ORDER BY r_name")
	if code != 0 || !strings.HasPrefix(out, "== Physical Plan ==\n") || !strings.Contains(out, "SortExecTransformer") {
		t.Errorf("explain: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI("query", "--data", dir, "--format", "csv", "EXPLAIN SELECT r_name FROM region")
	if code != 0 || !strings.Contains(out, "FileScanTransformer parquet region") {
		t.Errorf("EXPLAIN through query: exit %d\n%s", code, out)
	}
}

// TestErrors checks the error contract: one "error: " line on stderr and
// exit status 1, never a panic trace.
func TestErrors(t *testing.T) {
	dir := tpchDir(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"query", "--data", dir, "SELECT FROM"}, "error: syntax error at line 1, column"},
		{[]string{"query", "--data", dir, "SELECT nope FROM region"}, "error: analysis error at line 1, column 8: column `nope` cannot be resolved"},
		{[]string{"query", "--table", "t=/does/not/exist", "SELECT 1"}, "error: table t: table path /does/not/exist: no such file or directory"},
		{[]string{"query", "--conf", "spark.sql.bogus=1", "SELECT 1"}, `error: unknown configuration key "spark.sql.bogus"`},
		{[]string{"query", "--format", "xml", "SELECT 1"}, `error: unknown --format "xml"`},
		{[]string{"query"}, "error: usage: no SQL given"},
		{[]string{"frobnicate"}, `error: unknown command "frobnicate"`},
		{[]string{"query", "--table", "bad=" + filepath.Join("..", "..", "..", "shared", "parquet-testing", "bad_data", "PARQUET-1481.parquet"), "SELECT * FROM bad"}, "error: "},
		{[]string{"gen", "tpch", "--sf", "x", "--out", t.TempDir()}, `error: --sf "x": want a positive number`},
	}
	for _, tc := range tests {
		code, out, errs := runCLI(tc.args...)
		lines := strings.Split(strings.TrimSpace(errs), "\n")
		last := lines[len(lines)-1]
		if code != 1 || !strings.HasPrefix(last, tc.want) || strings.Contains(errs, "goroutine ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.args, code, out, errs, tc.want)
		}
		if strings.Count(errs, "error: ") != 1 {
			t.Errorf("%v: want exactly one error line, got %q", tc.args, errs)
		}
	}
}

// TestVerboseFallback checks the one-line fallback summary of --verbose.
func TestVerboseFallback(t *testing.T) {
	dir := tpchDir(t)
	code, out, errs := runCLI("query", "--data", dir, "--verbose", "--format", "csv",
		"SELECT regexp_replace(r_name, 'A', 'a') AS n FROM region WHERE r_regionkey = 0")
	if code != 0 || out != "n\naFRICa\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if !strings.Contains(errs, "fallback: 1 of 3 operators run as rows, 2 transitions: Project (function regexp_replace has no columnar implementation)") {
		t.Errorf("stderr %q", errs)
	}
	code, _, errs = runCLI("query", "--data", dir, "--verbose", "--conf", "spark.gluten.enabled=false", "SELECT count(*) FROM region")
	if code != 0 || !strings.Contains(errs, "fallback: 4 of 4 operators run as rows, 2 transitions: FileScan (Gluten is disabled (spark.gluten.enabled=false))") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}
