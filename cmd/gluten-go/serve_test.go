package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/engine"
)

func TestProgressLine(t *testing.T) {
	p := engine.Progress{Started: true, Stage: 3, StageTasks: 200, StageTasksDone: 12, RowsRead: 1_234_567, BytesRead: 45 << 20}
	if got, want := progressLine(p, 3500*time.Millisecond), "stage 3: 12/200 tasks, 1.2M rows, 45.0 MiB read (3s)"; got != want {
		t.Errorf("progressLine = %q, want %q", got, want)
	}
	p = engine.Progress{Started: true, Stage: -1, StagesDone: 2, StagesKnown: 5, RowsRead: 999, BytesRead: 1536}
	if got, want := progressLine(p, 0), "2/5 stages done, 999 rows, 1.5 KiB read (0s)"; got != want {
		t.Errorf("progressLine = %q, want %q", got, want)
	}
	p = engine.Progress{Started: true, Stage: 123456789, StageTasks: 1 << 40, StageTasksDone: 1 << 40, RowsRead: 1 << 60, BytesRead: 1 << 60}
	if got := progressLine(p, time.Hour); len([]rune(got)) > progressWidth {
		t.Errorf("progressLine is %d characters: %q", len(got), got)
	}
	if got := progressLine(engine.Progress{Stage: -1}, time.Second); got != "planning (1s)" {
		t.Errorf("planning: %q", got)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressPrinting(t *testing.T) {
	defer goleak.VerifyNone(t)
	// Not a terminal: nothing, and no goroutine.
	var buf bytes.Buffer
	stop := startProgress(&buf, engine.NewTracker())
	time.Sleep(10 * time.Millisecond)
	stop()
	if buf.Len() != 0 {
		t.Errorf("progress on a non-terminal: %q", buf.String())
	}
	if isTerminal(&buf) {
		t.Error("a buffer is a terminal")
	}
	// A terminal: lines rewritten in place, cleared at the end.
	var sb syncBuffer
	stop = runProgress(&sb, engine.NewTracker(), time.Millisecond, time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(sb.String(), clearLine) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop()
	stop()
	out := sb.String()
	if !strings.HasPrefix(out, clearLine+"planning (") || !strings.HasSuffix(out, clearLine) || strings.Contains(out, "\n") {
		t.Errorf("progress output %q", out)
	}
	// Stopped before the delay: nothing.
	var sb2 syncBuffer
	runProgress(&sb2, engine.NewTracker(), time.Hour, time.Millisecond)()
	if sb2.String() != "" {
		t.Errorf("progress stopped early printed %q", sb2.String())
	}
}

// TestQueryNoProgressWhenPiped: stderr not a terminal, no progress line.
func TestQueryNoProgressWhenPiped(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := tpchDir(t)
	code, out, errs := runCLI("query", "--data", dir, "--format", "csv", "SELECT count(*) AS n FROM lineitem")
	if code != 0 || !strings.HasPrefix(out, "n\n") || errs != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestServeRefusesRemote(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := tpchDir(t)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:4040", "example.com:80"} {
		code, _, errs := runCLI("serve", "--data", dir, "--addr", addr)
		if code != 1 || !strings.HasPrefix(errs, "error: --addr ") || !strings.Contains(errs, "--allow-remote") {
			t.Errorf("serve --addr %s: exit %d, stderr %q", addr, code, errs)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("checkLoopback(%s): %v", addr, err)
		}
	}
	if code, _, errs := runCLI("serve", "--data", dir, "SELECT 1"); code != 1 || !strings.Contains(errs, "serve takes no SQL") {
		t.Errorf("serve with SQL: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI("serve"); code != 1 || !strings.Contains(errs, "serve needs tables") {
		t.Errorf("serve without tables: exit %d, stderr %q", code, errs)
	}
}

// TestServe runs serve on a free loopback port, submits a query and stops
// it as a signal would.
func TestServe(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := tpchDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		errc <- serve(ctx, []string{"--data", dir, "--addr", "127.0.0.1:0"}, &stderr, func(a net.Addr) { addrc <- a })
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatalf("serve: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	base := "http://" + addr.String()
	resp, err := client.Post(base+"/query", "application/x-www-form-urlencoded", strings.NewReader("sql=SELECT+count(*)+FROM+nation"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "count(*) FROM nation") {
		t.Errorf("submit: status %d: %s", resp.StatusCode, body)
	}
	// A request naming another host (DNS rebinding) is refused.
	req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	req.Host = "evil.example"
	if resp, err := client.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("foreign Host: status %d", resp.StatusCode)
		}
	}
	client.CloseIdleConnections()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stderr.String(), "serving on http://127.0.0.1:") {
		t.Errorf("stderr %q", stderr.String())
	}
}
