package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReport writes a query's HTML report with --report.
func TestReport(t *testing.T) {
	dir := tpchDir(t)
	out := filepath.Join(t.TempDir(), "r.html")
	code, stdout, errs := runCLI("query", "--data", dir, "--conf", "spark.gluten.sql.columnar.sort=false", "--report", out,
		"SELECT n_regionkey, count(*) AS c FROM nation GROUP BY n_regionkey ORDER BY n_regionkey")
	if code != 0 || stdout != "" || !strings.Contains(errs, "5 rows in ") || !strings.Contains(errs, "report written to "+out) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"<!DOCTYPE html>", `<svg id="plan"`, `<svg id="timeline"`, `class="task"`, `class="node row"`, ">Sort<", "</html>"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	code, _, errs = runCLI("query", "--data", dir, "--report", filepath.Join(t.TempDir(), "no", "such", "dir", "r.html"), "SELECT 1")
	if code != 1 || !strings.HasPrefix(errs, "error: --report: ") {
		t.Errorf("unwritable report: exit %d, stderr %q", code, errs)
	}
}
