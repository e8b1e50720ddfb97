package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits of the live page (Handler).
const (
	// MaxFinishedQueries is how many finished queries (and their reports)
	// the live page keeps; older ones are forgotten.
	MaxFinishedQueries = 50
	// MaxRunningQueries is how many queries submitted through the live
	// page may run at once; further submissions fail.
	MaxRunningQueries = 8
	// maxSQLBytes bounds a submitted statement.
	maxSQLBytes = 1 << 20
)

// Handler returns the engine's live page, an http.Handler that an
// embedding program mounts as it would net/http/pprof's, e.g.
//
//	mux.Handle("/gluten/", http.StripPrefix("/gluten", eng.Handler()))
//
// (the page's links are relative, so any prefix works when stripped). It
// serves:
//
//	GET  /                     the page: a form to submit SQL and the list of running and finished queries
//	POST /query                submit the form's "sql"; the query runs in the background; redirects to the page
//	GET  /query/{id}/progress  a running or finished query's progress as JSON (see QueryStatus)
//	GET  /query/{id}/report    a finished query's HTML report (Analysis.WriteReport)
//	POST /query/{id}/cancel    cancel a running query
//	GET  /queries              the list as JSON
//
// Queries run as Analyze does (to their end, rows counted, not kept); the
// page keeps the last MaxFinishedQueries finished queries with their
// reports in memory and runs at most MaxRunningQueries at once. Close
// cancels the running queries and waits for them. A POST from another
// origin (a browser's Origin header naming another host) is refused. The
// handler has no authentication: serve it on loopback only, or behind
// something that checks who connects.
func (e *Engine) Handler() http.Handler {
	e.liveOnce.Do(func() {
		ls := newLiveServer(e)
		if e.closed.Load() {
			ls.shutdown()
		}
		e.live.Store(ls)
	})
	return e.live.Load()
}

// QueryStatus is what the live page tells of one query (its JSON form is
// served at /query/{id}/progress).
type QueryStatus struct {
	// ID numbers the queries submitted, from 1.
	ID int `json:"id"`
	// SQL is the statement.
	SQL string `json:"sql"`
	// State is "running", "finished", "failed" or "canceled".
	State string `json:"state"`
	// Started is when the query was submitted; ElapsedMillis how long it
	// ran (so far, when running).
	Started       time.Time `json:"started"`
	ElapsedMillis int64     `json:"elapsedMillis"`
	// Rows is the number of result rows (when finished).
	Rows int64 `json:"rows"`
	// Error is the error the query failed with ("" if none).
	Error string `json:"error,omitempty"`
	// Progress is the query's progress; Text its one-line rendering.
	Progress Progress `json:"progress"`
	Text     string   `json:"text"`
	// Report tells whether the report is available (finished queries).
	Report bool `json:"report"`
}

// liveQuery is one query of the live page.
type liveQuery struct {
	id      int
	sql     string
	start   time.Time
	tracker *Tracker
	cancel  context.CancelFunc

	mu     sync.Mutex
	state  string
	end    time.Time
	rows   int64
	err    string
	report []byte
	final  Progress
}

func (q *liveQuery) status() QueryStatus {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := QueryStatus{ID: q.id, SQL: q.sql, State: q.state, Started: q.start, Rows: q.rows, Error: q.err, Report: q.report != nil}
	end := q.end
	if q.state == "running" {
		end = time.Now()
		s.Progress = q.tracker.Progress()
	} else {
		s.Progress = q.final
	}
	s.ElapsedMillis = end.Sub(q.start).Milliseconds()
	switch q.state {
	case "running":
		s.Text = s.Progress.String()
	case "finished":
		s.Text = fmt.Sprintf("%d stages, %s rows read", s.Progress.StagesDone, FormatCount(s.Progress.RowsRead))
	default:
		s.Text = q.state
	}
	return s
}

// liveServer is the state behind Handler.
type liveServer struct {
	e   *Engine
	mux *http.ServeMux

	ctx    context.Context // parent of the queries' contexts; cancelled by shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	nextID  int
	queries []*liveQuery // in submission order
}

func newLiveServer(e *Engine) *liveServer {
	ls := &liveServer{e: e, mux: http.NewServeMux(), nextID: 1}
	ls.ctx, ls.cancel = context.WithCancel(context.Background())
	ls.mux.HandleFunc("GET /{$}", ls.page)
	ls.mux.HandleFunc("POST /query", ls.submit)
	ls.mux.HandleFunc("GET /queries", ls.list)
	ls.mux.HandleFunc("GET /query/{id}/progress", ls.progress)
	ls.mux.HandleFunc("GET /query/{id}/report", ls.report)
	ls.mux.HandleFunc("POST /query/{id}/cancel", ls.cancelQuery)
	return ls
}

// ServeHTTP implements http.Handler.
func (ls *liveServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && !sameOrigin(r) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	ls.mux.ServeHTTP(w, r)
}

// sameOrigin reports whether a request has no Origin header or one naming
// the host it was sent to.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// shutdown refuses new queries, cancels the running ones and waits for
// them to end.
func (ls *liveServer) shutdown() {
	ls.mu.Lock()
	ls.closed = true
	ls.mu.Unlock()
	ls.cancel()
	ls.wg.Wait()
}

// start registers and starts a query; an error (closed, too many running)
// is recorded as the query's.
func (ls *liveServer) start(sql string) *liveQuery {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	q := &liveQuery{id: ls.nextID, sql: sql, start: time.Now(), tracker: NewTracker(), state: "running"}
	ls.nextID++
	running := 0
	for _, o := range ls.queries {
		o.mu.Lock()
		if o.state == "running" {
			running++
		}
		o.mu.Unlock()
	}
	ls.queries = append(ls.queries, q)
	ls.trim()
	switch {
	case ls.closed:
		q.fail(errClosed)
		return q
	case running >= MaxRunningQueries:
		q.fail(fmt.Errorf("too many running queries (at most %d): wait for one to end", MaxRunningQueries))
		return q
	}
	ctx, cancel := context.WithCancel(ls.ctx)
	q.cancel = cancel
	ls.wg.Add(1)
	go func() {
		defer ls.wg.Done()
		defer cancel()
		ls.run(ctx, q)
	}()
	return q
}

// trim forgets the oldest finished queries beyond MaxFinishedQueries
// (ls.mu held).
func (ls *liveServer) trim() {
	finished := 0
	for _, q := range ls.queries {
		q.mu.Lock()
		if q.state != "running" {
			finished++
		}
		q.mu.Unlock()
	}
	if finished <= MaxFinishedQueries {
		return
	}
	drop := finished - MaxFinishedQueries
	kept := ls.queries[:0]
	for _, q := range ls.queries {
		q.mu.Lock()
		done := q.state != "running"
		q.mu.Unlock()
		if done && drop > 0 {
			drop--
			continue
		}
		kept = append(kept, q)
	}
	clear(ls.queries[len(kept):])
	ls.queries = kept
}

func (q *liveQuery) fail(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.state, q.err, q.end = "failed", oneLine(err.Error()), time.Now()
}

// run runs q to its end and records the outcome; a panic becomes the
// query's error.
func (ls *liveServer) run(ctx context.Context, q *liveQuery) {
	var (
		a   *Analysis
		err error
		buf bytes.Buffer
	)
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("internal error: %v", r)
			}
		}()
		a, err = ls.e.Analyze(WithTracker(ctx, q.tracker), q.sql)
		if err == nil {
			err = a.WriteReport(&buf)
		}
	}()
	final := q.tracker.Progress()
	final.Stage, final.StageTasks, final.StageTasksDone = -1, 0, 0
	q.mu.Lock()
	q.end, q.final = time.Now(), final
	switch {
	case err == nil:
		q.state, q.rows, q.report = "finished", a.Rows, buf.Bytes()
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		q.state, q.err = "canceled", "canceled"
	default:
		q.state, q.err = "failed", oneLine(err.Error())
	}
	q.mu.Unlock()
	ls.mu.Lock()
	ls.trim()
	ls.mu.Unlock()
}

// oneLine folds a multi-line message into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func (ls *liveServer) find(r *http.Request) *liveQuery {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return nil
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, q := range ls.queries {
		if q.id == id {
			return q
		}
	}
	return nil
}

func (ls *liveServer) statuses() []QueryStatus {
	ls.mu.Lock()
	qs := append([]*liveQuery(nil), ls.queries...)
	ls.mu.Unlock()
	out := make([]QueryStatus, 0, len(qs))
	for i := len(qs) - 1; i >= 0; i-- { // newest first
		out = append(out, qs[i].status())
	}
	return out
}

func (ls *liveServer) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSQLBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	sql := strings.TrimSpace(r.PostForm.Get("sql"))
	if sql == "" {
		seeOther(w, "./")
		return
	}
	q := ls.start(sql)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, q.status())
		return
	}
	seeOther(w, "./")
}

func (ls *liveServer) cancelQuery(w http.ResponseWriter, r *http.Request) {
	q := ls.find(r)
	if q == nil {
		http.NotFound(w, r)
		return
	}
	if q.cancel != nil {
		q.cancel()
	}
	seeOther(w, "../../")
}

func (ls *liveServer) progress(w http.ResponseWriter, r *http.Request) {
	q := ls.find(r)
	if q == nil {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, q.status())
}

func (ls *liveServer) list(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, ls.statuses())
}

func (ls *liveServer) report(w http.ResponseWriter, r *http.Request) {
	q := ls.find(r)
	if q == nil {
		http.NotFound(w, r)
		return
	}
	q.mu.Lock()
	rep := q.report
	q.mu.Unlock()
	if rep == nil {
		http.Error(w, "no report: the query has not finished well", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(rep)
}

// seeOther redirects to a URL relative to the request's: unlike
// http.Redirect, which resolves it against the path the handler sees, the
// client resolves it, so that it works under a stripped prefix.
func seeOther(w http.ResponseWriter, rel string) {
	w.Header().Set("Location", rel)
	w.WriteHeader(http.StatusSeeOther)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

func (ls *liveServer) page(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Tables  []string
		Queries []QueryStatus
	}{ls.e.Tables(), ls.statuses()}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"short": func(s string) string {
		s = oneLine(s)
		if r := []rune(s); len(r) > 120 {
			return string(r[:119]) + "…"
		}
		return s
	},
	"dur": func(ms int64) string { return (time.Duration(ms) * time.Millisecond).String() },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>gluten-go</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
textarea{width:100%;font:13px monospace}
table{border-collapse:collapse;margin-top:1em;width:100%}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
td.sql{font:12px monospace}
.running{color:#05c}.finished{color:#080}.failed,.err{color:#c00}.canceled{color:#888}
</style></head><body>
<h1>gluten-go</h1>
<form method="post" action="query">
<textarea name="sql" rows="5" placeholder="SELECT ..."></textarea><br/>
<button type="submit">Run</button> tables: {{range $i, $t := .Tables}}{{if $i}}, {{end}}{{$t}}{{end}}
</form>
<table id="queries"><tr><th>id</th><th>SQL</th><th>state</th><th>duration</th><th>rows</th><th>progress / error</th><th></th></tr>
{{range .Queries}}<tr id="q{{.ID}}"><td>{{.ID}}</td><td class="sql" title="{{.SQL}}">{{short .SQL}}</td><td class="{{.State}}">{{.State}}</td>
<td class="dur">{{dur .ElapsedMillis}}</td><td>{{if eq .State "finished"}}{{.Rows}}{{end}}</td>
<td class="{{if .Error}}err{{else}}progress{{end}}">{{if .Error}}{{.Error}}{{else}}{{.Text}}{{end}}</td>
<td>{{if .Report}}<a href="query/{{.ID}}/report">report</a>{{else if eq .State "running"}}<form method="post" action="query/{{.ID}}/cancel"><button type="submit">cancel</button></form>{{end}}</td></tr>
{{end}}</table>
<script>
(function(){
  var rows = document.querySelectorAll("#queries tr");
  var running = [];
  for (var i = 0; i < rows.length; i++) {
    var st = rows[i].querySelector("td.running");
    if (st) running.push(rows[i].id.slice(1));
  }
  if (!running.length) return;
  function poll() {
    var left = running.length, reload = false;
    running.forEach(function(id){
      fetch("query/" + id + "/progress", {cache: "no-store"}).then(function(r){ return r.json(); }).then(function(s){
        var tr = document.getElementById("q" + id);
        if (s.state !== "running") { reload = true; return; }
        tr.querySelector("td.dur").textContent = (s.elapsedMillis / 1000).toFixed(1) + "s";
        tr.querySelector("td.progress").textContent = s.text;
      }).catch(function(){}).finally(function(){
        if (--left === 0) { if (reload) location.reload(); else setTimeout(poll, 500); }
      });
    });
  }
  setTimeout(poll, 500);
})();
</script>
</body></html>
`))
