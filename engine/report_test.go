package engine_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"html"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/engine"
)

// openReportEngine opens an engine over the suite's dataset.
func openReportEngine(t *testing.T, mem memory.Allocator, conf map[string]string) *engine.Engine {
	t.Helper()
	eng, err := engine.Open(engine.WithAllocator(mem), engine.WithConfig(conf))
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range suiteTables(t) {
		if err := eng.RegisterParquet(name, path); err != nil {
			t.Fatal(err)
		}
	}
	return eng
}

// checkReportPage checks what every report must be: well-formed (XHTML
// syntax), self-contained, with the plan, legend, stages and one timeline
// bar per task.
func checkReportPage(t *testing.T, page string, a *engine.Analysis) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(page))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	bars := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("report is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, at := range se.Attr {
				switch at.Name.Local {
				case "src", "href":
					if !strings.HasPrefix(at.Value, "#") {
						t.Errorf("report refers to a resource: <%s %s=%q>", se.Name.Local, at.Name.Local, at.Value)
					}
				case "class":
					if se.Name.Local == "rect" && strings.Fields(at.Value)[0] == "task" {
						bars++
					}
				}
			}
			switch se.Name.Local {
			case "script", "link", "img", "iframe", "object":
				t.Errorf("report has a <%s> element", se.Name.Local)
			}
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "url(") {
		t.Errorf("report mentions a network address")
	}
	tasks := 0
	for _, r := range a.Stages {
		tasks += len(r.TaskRuns)
		for _, tr := range r.TaskRuns {
			if tr.End.Before(tr.Start) || tr.Stage != r.ID {
				t.Errorf("stage %d: bad task record %+v", r.ID, tr)
			}
		}
		if len(r.TaskRuns) < r.Tasks {
			t.Errorf("stage %d: %d task records for %d tasks", r.ID, len(r.TaskRuns), r.Tasks)
		}
	}
	if tasks == 0 || bars != tasks {
		t.Errorf("timeline has %d bars for %d tasks", bars, tasks)
	}
	for _, want := range []string{`id="legend"`, "row operator (fell back to rows)", "transition (ColumnarToRow, RowToColumnar)",
		`<svg id="plan"`, `<svg id="timeline"`, `<svg id="memory"`, `id="stages"`, `id="operators"`, "upper bound"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`<tr><td><span style="color:#[0-9a-f]+">■</span> \d+</td>`).FindAllString(page, -1)); n != len(a.Stages) {
		t.Errorf("stage table has %d rows for %d stages", n, len(a.Stages))
	}
}

func TestReportFallback(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openReportEngine(t, mem, map[string]string{
		"spark.gluten.sql.columnar.hashagg": "false",
		"spark.sql.shuffle.partitions":      "4",
	})
	defer eng.Close()
	var buf bytes.Buffer
	a, err := eng.Report(context.Background(), "SELECT l_returnflag, count(*) AS n FROM lineitem GROUP BY l_returnflag ORDER BY l_returnflag", &buf)
	if err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	checkReportPage(t, page, a)
	if a.Rows != 3 || a.Fallback.FallbackNodes == 0 || len(a.Fallback.Reasons) == 0 {
		t.Fatalf("rows %d, fallback %+v", a.Rows, a.Fallback)
	}
	for _, r := range a.Fallback.Reasons {
		if !strings.Contains(page, html.EscapeString(r.Reason)) {
			t.Errorf("report lacks the fallback reason %q", r.Reason)
		}
	}
	for _, want := range []string{`class="node row"`, ">HashAggregate<", `class="node transition"`, `class="node exchange"`, `class="node columnar"`} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if len(page) > 200<<10 {
		t.Errorf("report of a small query is %d bytes", len(page))
	}
}

func TestReportResourceProfile(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openReportEngine(t, mem, map[string]string{
		"spark.gluten.enabled":                          "false",
		"spark.gluten.auto.adjustStageResource.enabled": "true",
		"spark.sql.shuffle.partitions":                  "3",
	})
	defer eng.Close()
	var buf bytes.Buffer
	a, err := eng.Report(context.Background(), "SELECT o_orderstatus, sum(o_totalprice) AS s FROM orders GROUP BY o_orderstatus", &buf)
	if err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	checkReportPage(t, page, a)
	i := strings.Index(a.Plan, "ApplyResourceProfile ")
	if i < 0 {
		t.Fatalf("no ApplyResourceProfile in the plan:\n%s", a.Plan)
	}
	line, _, _ := strings.Cut(a.Plan[i:], "\n")
	line, _, _ = strings.Cut(line, "  [rows=")
	if !strings.Contains(page, html.EscapeString(line)) {
		t.Errorf("report lacks the profile text %q", line)
	}
	if !strings.Contains(page, `class="node profile"`) {
		t.Errorf("report draws no ApplyResourceProfile node")
	}
	profiled := false
	for _, r := range a.Stages {
		profiled = profiled || r.ProfileID != 0
	}
	if !profiled {
		t.Errorf("no stage ran with a profile of its own: %+v", a.Stages)
	}
}

// TestReportNotAnalyzed checks WriteReport of an Analysis not made by
// Analyze.
func TestReportNotAnalyzed(t *testing.T) {
	var a engine.Analysis
	if err := a.WriteReport(io.Discard); err == nil {
		t.Error("WriteReport of an empty Analysis: no error")
	}
}
