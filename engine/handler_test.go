package engine_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/engine"
)

// liveClient talks to an engine's live page mounted under /g/.
type liveClient struct {
	t   *testing.T
	srv *httptest.Server
}

func newLiveClient(t *testing.T, eng *engine.Engine) *liveClient {
	mux := http.NewServeMux()
	mux.Handle("/g/", http.StripPrefix("/g", eng.Handler()))
	return &liveClient{t: t, srv: httptest.NewServer(mux)}
}

func (c *liveClient) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.srv.Client().Get(c.srv.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// submit posts the form and returns the page it is redirected to.
func (c *liveClient) submit(sql string) string {
	c.t.Helper()
	resp, err := c.srv.Client().PostForm(c.srv.URL+"/g/query", url.Values{"sql": {sql}})
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/g/" {
		c.t.Fatalf("submit: status %d at %s: %s", resp.StatusCode, resp.Request.URL, b)
	}
	return string(b)
}

func (c *liveClient) status(id int) engine.QueryStatus {
	c.t.Helper()
	code, body := c.get("/g/query/" + itoa(id) + "/progress")
	if code != http.StatusOK {
		c.t.Fatalf("progress of query %d: status %d: %s", id, code, body)
	}
	var s engine.QueryStatus
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		c.t.Fatalf("progress of query %d: %v: %s", id, err, body)
	}
	return s
}

// wait polls until query id is no longer running.
func (c *liveClient) wait(id int) engine.QueryStatus {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := c.status(id)
		if s.State != "running" {
			return s
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("query %d still running: %+v", id, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestHandlerQueries(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openReportEngine(t, mem, map[string]string{"spark.sql.shuffle.partitions": "4"})
	defer eng.Close()
	c := newLiveClient(t, eng)
	defer c.srv.Close()

	code, page := c.get("/g/")
	if code != http.StatusOK || !strings.Contains(page, `<form method="post" action="query">`) || !strings.Contains(page, "lineitem") {
		t.Fatalf("empty page: status %d:\n%s", code, page)
	}
	sql := "SELECT l_returnflag, count(*) AS n FROM lineitem GROUP BY l_returnflag ORDER BY l_returnflag"
	c.submit(sql)
	s := c.wait(1)
	if s.State != "finished" || s.Error != "" || s.Rows != 3 || !s.Report || s.SQL != sql {
		t.Fatalf("query 1: %+v", s)
	}
	if s.Progress.StagesDone < 2 || s.Progress.RowsRead == 0 || s.Progress.BytesRead == 0 {
		t.Errorf("query 1's final progress: %+v", s.Progress)
	}
	code, rep := c.get("/g/query/1/report")
	if code != http.StatusOK || !strings.HasPrefix(rep, "<!DOCTYPE html>") || !strings.Contains(rep, `<svg id="plan"`) {
		t.Fatalf("report: status %d, %.200s", code, rep)
	}
	_, page = c.get("/g/")
	for _, want := range []string{`<tr id="q1">`, html.EscapeString(sql), `class="finished"`, `href="query/1/report"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}

	// Bad SQL: its error on the page, no report.
	c.submit("SELEC nonsense FROM")
	c.submit("SELECT no_such_column FROM lineitem")
	for _, id := range []int{2, 3} {
		s := c.wait(id)
		if s.State != "failed" || s.Error == "" || s.Report {
			t.Errorf("bad query %d: %+v", id, s)
		}
		if code, _ := c.get("/g/query/" + itoa(id) + "/report"); code != http.StatusNotFound {
			t.Errorf("report of bad query %d: status %d", id, code)
		}
		_, page = c.get("/g/")
		if !strings.Contains(page, html.EscapeString(s.Error)) {
			t.Errorf("page lacks the error %q", s.Error)
		}
	}
	var list []engine.QueryStatus
	_, body := c.get("/g/queries")
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list) != 3 || list[0].ID != 3 {
		t.Errorf("list: %v: %s", err, body)
	}
	if code, _ := c.get("/g/query/99/progress"); code != http.StatusNotFound {
		t.Errorf("unknown query: status %d", code)
	}
	// A POST from another origin is refused.
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/g/query", strings.NewReader("sql=SELECT+1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST: status %d", resp.StatusCode)
	}
}

// TestHandlerProgress checks the progress of a running query: a UDF holds
// its tasks until the test lets them go.
func TestHandlerProgress(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openReportEngine(t, mem, map[string]string{"spark.sql.shuffle.partitions": "4"})
	defer eng.Close()
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	gate, err := rowexpr.NewUDF1("gate", func(x int64) int64 {
		select {
		case <-release:
		case <-time.After(30 * time.Second):
		}
		return x
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RegisterUDF(gate); err != nil {
		t.Fatal(err)
	}
	c := newLiveClient(t, eng)
	defer c.srv.Close()
	defer open() // before Close, also when the test fails
	c.submit("SELECT l_returnflag, sum(gate(l_orderkey)) AS s FROM lineitem GROUP BY l_returnflag")
	deadline := time.Now().Add(30 * time.Second)
	var s engine.QueryStatus
	for {
		s = c.status(1)
		if s.State != "running" {
			t.Fatalf("query ended before its gate opened: %+v", s)
		}
		if s.Progress.Started && s.Progress.Stage >= 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stage started: %+v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p := s.Progress
	if p.StageTasks <= 0 || p.StageTasksDone < 0 || p.StageTasksDone > p.StageTasks || p.StagesKnown < p.StagesDone+1 ||
		p.RowsRead < 0 || p.BytesRead < 0 || s.ElapsedMillis < 0 || !strings.HasPrefix(s.Text, "stage ") {
		t.Errorf("running query's progress: %+v", s)
	}
	_, page := c.get("/g/")
	if !strings.Contains(page, `class="running"`) || !strings.Contains(page, `action="query/1/cancel"`) || !strings.Contains(page, "<script>") {
		t.Errorf("page of a running query:\n%s", page)
	}
	open()
	s = c.wait(1)
	if s.State != "finished" || s.Rows != 3 || s.Progress.RowsRead == 0 || s.Progress.StagesDone != s.Progress.StagesKnown {
		t.Errorf("finished query: %+v", s)
	}
}

// TestHandlerCloseCancels checks that Close cancels a query the live page
// runs and waits for it.
func TestHandlerCloseCancels(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openReportEngine(t, mem, map[string]string{"spark.sql.shuffle.partitions": "2", "spark.gluten.sql.columnar.maxBatchSize": "16"})
	defer eng.Close()
	slow, err := rowexpr.NewUDF1("slow", func(x int64) int64 { time.Sleep(time.Millisecond); return x })
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.RegisterUDF(slow); err != nil {
		t.Fatal(err)
	}
	c := newLiveClient(t, eng)
	defer c.srv.Close()
	c.submit("SELECT sum(slow(a.l_orderkey)) FROM lineitem a CROSS JOIN lineitem b")
	deadline := time.Now().Add(30 * time.Second)
	for s := c.status(1); s.Progress.RowsRead == 0; s = c.status(1) {
		if s.State != "running" || time.Now().After(deadline) {
			t.Fatalf("query: %+v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Close took %s", d)
	}
	if s := c.status(1); s.State != "canceled" {
		t.Errorf("after Close: %+v", s)
	}
	c.submit("SELECT 1")
	if s := c.status(2); s.State != "failed" || !strings.Contains(s.Error, "closed") {
		t.Errorf("query after Close: %+v", s)
	}
}

// TestTrackerQuery follows a query run through Query.
func TestTrackerQuery(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openReportEngine(t, mem, map[string]string{"spark.sql.shuffle.partitions": "3"})
	defer eng.Close()
	tr := engine.NewTracker()
	if p := tr.Progress(); p.Started || p.Stage != -1 || p.String() != "planning" {
		t.Errorf("tracker of no query: %+v %q", p, p)
	}
	rdr, err := eng.Query(engine.WithTracker(context.Background(), tr), "SELECT o_orderstatus, count(*) FROM orders GROUP BY o_orderstatus")
	if err != nil {
		t.Fatal(err)
	}
	for rdr.Next() {
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	p := tr.Progress()
	if !p.Started || p.Stage != -1 || p.StagesDone != p.StagesKnown || p.StagesDone < 2 || p.RowsRead == 0 || p.BytesRead == 0 {
		t.Errorf("progress of a finished query: %+v", p)
	}
	p = engine.Progress{Started: true, Stage: 3, StageTasks: 200, StageTasksDone: 12, RowsRead: 1_234_567, BytesRead: 45 << 20}
	if got, want := p.String(), "stage 3: 12/200 tasks, 1.2M rows, 45.0 MiB read"; got != want {
		t.Errorf("Progress.String() = %q, want %q", got, want)
	}
}
