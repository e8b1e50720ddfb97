package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"
)

// findChromium returns the browser to drive: $CHROME, else the first of
// chromium, chromium-browser, google-chrome, google-chrome-stable in PATH
// ("" if none).
func findChromium() string {
	if c := os.Getenv("CHROME"); c != "" {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// renderedReport is what the test reads from the report's DOM once the
// browser has rendered it.
type renderedReport struct {
	URL   string `json:"url"`
	Text  string `json:"text"` // document.body.innerText
	Nodes []struct {
		Class string  `json:"class"` // "node row", "node profile", ...
		Label string  `json:"label"` // the box's <text> lines
		Title string  `json:"title"` // the hover <title>
		Width float64 `json:"width"`
	} `json:"nodes"`
	Tasks      int      `json:"tasks"`      // the timeline's task bars
	TaskWidth  float64  `json:"taskWidth"`  // their rendered width, summed
	TaskTitles []string `json:"taskTitles"` // the first few bars' titles
}

const collectReportJS = `(() => {
  const svgText = (el, sel) => Array.from(el.querySelectorAll(sel)).map(t => t.textContent).join(" | ");
  const nodes = Array.from(document.querySelectorAll("svg#plan g.node")).map(g => ({
    class: g.getAttribute("class"),
    label: svgText(g, "text"),
    title: svgText(g, "title"),
    width: g.getBoundingClientRect().width,
  }));
  const bars = Array.from(document.querySelectorAll("svg#timeline rect.task"));
  return {
    url: location.href,
    text: document.body.innerText,
    nodes: nodes,
    tasks: bars.length,
    taskWidth: bars.reduce((s, r) => s + r.getBoundingClientRect().width, 0),
    taskTitles: bars.slice(0, 3).map(r => svgText(r, "title")),
  };
})()`

// TestBrowserReport drives headless Chromium against gluten-go serve: it
// submits a query through the page's form with the auto-adjust rule on and
// Gluten off (every operator falls back to rows), waits for the report link,
// opens the report and checks in the rendered DOM that the
// ApplyResourceProfile node with its profile, the row operators and the
// task timeline are shown; it saves a screenshot.
func TestBrowserReport(t *testing.T) {
	chrome := findChromium()
	if chrome == "" {
		t.Skip("browser not found: no $CHROME and no chromium, chromium-browser, google-chrome or google-chrome-stable in PATH; skipping the browser test")
	}
	defer goleak.VerifyNone(t)
	dir := tpchDir(t)
	tmp := t.TempDir()

	// The server, in-process on a free loopback port.
	sctx, stopServe := context.WithCancel(context.Background())
	defer stopServe()
	addrc := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		errc <- serve(sctx, []string{"--data", dir, "--addr", "127.0.0.1:0",
			"--conf", "spark.gluten.enabled=false",
			"--conf", "spark.gluten.auto.adjustStageResource.enabled=true",
			"--conf", "spark.dynamicAllocation.schedulerBacklogTimeout=10ms",
		}, &stderr, func(a net.Addr) { addrc <- a })
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a.String() + "/"
	case err := <-errc:
		t.Fatalf("serve: %v", err)
	}
	defer func() {
		stopServe()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()

	// The browser: the whole session is bounded; on timeout chromedp kills
	// the browser. Cancelling the allocator waits for the process to exit.
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chrome),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-dev-shm-usage", true), // containers' /dev/shm is often tiny
			chromedp.WindowSize(1280, 1000),
			chromedp.UserDataDir(filepath.Join(tmp, "chromium-profile")),
		)...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()
	// A browser that is installed but cannot start here (no display
	// libraries, a locked-down container) is reported as a skip, like a
	// missing one; everything after it starting is a test.
	if err := chromedp.Do(bctx); err != nil {
		t.Skipf("the browser %s did not start (%v); skipping the browser test", chrome, err)
	}

	const sql = "SELECT l_returnflag, count(*) FROM lineitem GROUP BY l_returnflag ORDER BY 1"
	start := time.Now()
	// Submit the query through the form, then wait for the page (which
	// polls and reloads itself) to link the finished query's report.
	err := chromedp.Do(bctx,
		chromedp.Navigate(base),
		chromedp.WaitVisible(chromedp.CSS(`textarea[name="sql"]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="sql"]`), sql),
		chromedp.Click(chromedp.CSS(`form[action="query"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#queries tr#q1 a[href="query/1/report"]`)),
	)
	if err != nil {
		t.Fatalf("submitting the query on %s: %v (server log: %s)", base, err, stderr.String())
	}
	state, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`#queries tr#q1 td.finished`)))
	if err != nil || state != "finished" {
		t.Fatalf("query state %q, %v", state, err)
	}
	t.Logf("query finished and its report linked after %v", time.Since(start).Round(time.Millisecond))

	// Open the report by its link.
	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`#queries tr#q1 a[href="query/1/report"]`)),
		chromedp.WaitVisible(chromedp.CSS(`svg#timeline rect.task`)),
		chromedp.WaitVisible(chromedp.CSS(`svg#plan g.node`)),
	)
	if err != nil {
		t.Fatalf("opening the report: %v", err)
	}
	r, err := chromedp.Run(bctx, chromedp.Evaluate[renderedReport](collectReportJS))
	if err != nil {
		t.Fatalf("reading the rendered report: %v", err)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// The screenshot goes to the test's temp dir, or to
	// $GLUTEN_SCREENSHOT_DIR to keep it.
	shotDir := tmp
	if d := os.Getenv("GLUTEN_SCREENSHOT_DIR"); d != "" {
		shotDir = d
	}
	shot := filepath.Join(shotDir, "report.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("report %s rendered: %d plan nodes, %d task bars; screenshot %s (%d bytes)", r.URL, len(r.Nodes), r.Tasks, shot, len(png))
	if !strings.HasSuffix(r.URL, "/query/1/report") {
		t.Errorf("the browser is on %s, not the report", r.URL)
	}
	if !strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n") {
		t.Errorf("the screenshot is not a PNG")
	}

	// The ApplyResourceProfile node, shown with its profile.
	var profiles, rows int
	var rowNames []string
	for _, n := range r.Nodes {
		if n.Width <= 0 {
			t.Errorf("plan node %q is not rendered (width %v)", n.Label, n.Width)
		}
		switch n.Class {
		case "node profile":
			if !strings.Contains(n.Label, "ApplyResourceProfile") || !strings.Contains(n.Label, "profile id = ") {
				t.Errorf("profile node shows %q", n.Label)
			}
			if !strings.Contains(n.Title, "ApplyResourceProfile") || !strings.Contains(n.Title, "Profile: id = ") {
				t.Errorf("profile node's hover title is %q", n.Title)
			}
			profiles++
		case "node row":
			rows++
			rowNames = append(rowNames, strings.SplitN(n.Label, " | ", 2)[0])
		}
	}
	if profiles == 0 {
		t.Errorf("no ApplyResourceProfile node rendered; nodes: %+v", r.Nodes)
	}
	// The fallback: row operators in the plan, the legend and the summary.
	if rows == 0 {
		t.Errorf("no row (fallback) operator rendered; nodes: %+v", r.Nodes)
	}
	t.Logf("%d ApplyResourceProfile nodes; %d row operators: %s", profiles, rows, strings.Join(rowNames, ", "))
	for _, want := range []string{
		"row operator (fell back to rows)",
		"ApplyResourceProfile (the stage's resource profile)",
		" operators run as rows, ",
		"Task timeline",
		"One bar per task",
	} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the rendered page does not show %q", want)
		}
	}
	// The stage timeline: visible bars, one per task, titled by stage.
	if r.Tasks == 0 || r.TaskWidth <= 0 {
		t.Errorf("timeline: %d task bars, %.1f px wide in all", r.Tasks, r.TaskWidth)
	}
	for _, title := range r.TaskTitles {
		if !strings.HasPrefix(title, "stage ") || !strings.Contains(title, "partition ") {
			t.Errorf("task bar title %q", title)
		}
	}

	// Stop the browser (waits for the process to exit), then the server
	// (deferred).
	cancelBrowser()
	cancelAlloc()
	if ctx.Err() != nil {
		t.Errorf("the browser session hit its timeout")
	}
}
