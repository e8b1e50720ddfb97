package report

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/resource"
)

// Plan drawing sizes, in pixels.
const (
	boxW, boxH   = 210, 46
	gapX, gapY   = 18, 34
	margin       = 20
	maxLabel     = 30  // characters of a name in a box
	maxDetail    = 400 // characters of a detail in the table
	maxTitle     = 300 // characters of a detail in a hover text
	timelineW    = 900
	laneH        = 18
	memH         = 70
	labelW       = 110
	maxEventsMem = 4000 // points per memory chart before thinning
)

// kindStyle is the fill and stroke of each node kind.
var kindStyle = [...][2]string{
	Columnar:   {"#c8e6c9", "#2e7d32"},
	Row:        {"#ffcdd2", "#c62828"},
	Transition: {"#fff59d", "#f9a825"},
	Exchange:   {"#bbdefb", "#1565c0"},
	Profile:    {"#e1bee7", "#6a1b9a"},
}

var kindLegend = [...]string{
	Columnar:   "columnar operator (a Transformer, AQEShuffleRead, ...)",
	Row:        "row operator (fell back to rows)",
	Transition: "transition (ColumnarToRow, RowToColumnar)",
	Exchange:   "exchange / query stage (a stage boundary)",
	Profile:    "ApplyResourceProfile (the stage's resource profile)",
}

// stagePalette colours stages (by StageRun.ID): frames in the plan, bars
// in the timeline.
var stagePalette = [...]string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

func stageColor(id int) string {
	if id < 0 {
		return "#999999"
	}
	return stagePalette[id%len(stagePalette)]
}

const css = `body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:20px;color:#222}
h1{font-size:20px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f7f7f7;padding:8px;font-size:12px;overflow:auto}
.scroll{overflow:auto;border:1px solid #eee}
svg text{font-family:system-ui,Helvetica,Arial,sans-serif}
.legend span.sw{display:inline-block;width:14px;height:14px;border:1px solid #555;vertical-align:middle;margin:0 4px 0 12px}
.small{font-size:12px;color:#555}
rect.task:hover,g.node:hover rect{stroke-width:3}
`

// Write writes the report of d to w as one self-contained HTML page.
func Write(w io.Writer, d *Data) error {
	bw := bufio.NewWriter(w)
	p := &page{w: bw}
	p.doc(d)
	if p.err != nil {
		return p.err
	}
	return bw.Flush()
}

type page struct {
	w   *bufio.Writer
	err error
}

func (p *page) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *page) s(s string) {
	if p.err == nil {
		_, p.err = p.w.WriteString(s)
	}
}

// esc escapes text for HTML and XML alike.
func esc(s string) string { return html.EscapeString(s) }

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (p *page) doc(d *Data) {
	title := d.Title
	if title == "" {
		title = "gluten-go query report"
	}
	p.s("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
	p.f("<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", esc(title), css)
	p.f("<h1>%s</h1>\n", esc(title))
	p.f("<p>%d result rows in %s; %d stages, %d tasks", d.Rows, formatDur(d.Elapsed), len(d.Stages), countTasks(d.Stages))
	if !d.Created.IsZero() {
		p.f("; report made %s", esc(d.Created.Format(time.RFC3339)))
	}
	p.s(".</p>\n")
	if d.SQL != "" {
		p.f("<pre>%s</pre>\n", esc(strings.TrimSpace(d.SQL)))
	}
	p.s("<h2>Physical plan</h2>\n")
	p.legend(d)
	if d.Root != nil {
		p.planSVG(d)
	}
	p.fallback(d)
	p.stages(d)
	p.timeline(d)
	p.memory(d)
	if d.Root != nil {
		p.nodeTable(d)
	}
	if d.Plan != "" {
		p.f("<details><summary>EXPLAIN ANALYZE text</summary>\n<pre>%s</pre>\n</details>\n", esc(d.Plan))
	}
	p.s("</body>\n</html>\n")
}

func countTasks(runs []operators.StageRun) int {
	n := 0
	for _, r := range runs {
		n += len(r.TaskRuns)
	}
	return n
}

func (p *page) legend(d *Data) {
	p.s("<div class=\"legend small\" id=\"legend\">Legend:")
	for k := range kindStyle {
		p.f("<span class=\"sw\" style=\"background:%s;border-color:%s\"></span>%s", kindStyle[k][0], kindStyle[k][1], esc(kindLegend[k]))
	}
	p.s("<br/>Stages are the framed, tinted groups (stage colours as in the timeline); stages split at exchanges, and an exchange belongs to the map stage it is the output of. Hover a box for its metrics; the table below lists them all.</div>\n")
}

// layout places the plan's nodes: a top-down tree, leaves side by side,
// each parent centred over its children.
type placed struct {
	n      *Node
	id     int
	x, y   int // top-left corner
	parent int // -1 for the root
}

func layout(root *Node) []placed {
	var out []placed
	nextSlot := 0
	var rec func(n *Node, depth, parent int) (center int)
	rec = func(n *Node, depth, parent int) int {
		i := len(out)
		out = append(out, placed{n: n, id: i, y: margin + 24 + depth*(boxH+gapY), parent: parent})
		var cx int
		if len(n.Children) == 0 {
			cx = margin + nextSlot*(boxW+gapX) + boxW/2
			nextSlot++
		} else {
			first, last := 0, 0
			for j, c := range n.Children {
				c := rec(c, depth+1, i)
				if j == 0 {
					first = c
				}
				last = c
			}
			cx = (first + last) / 2
		}
		out[i].x = cx - boxW/2
		return cx
	}
	rec(root, 0, -1)
	return out
}

func (p *page) planSVG(d *Data) {
	nodes := layout(d.Root)
	w, h := 0, 0
	for _, n := range nodes {
		w, h = max(w, n.x+boxW+margin), max(h, n.y+boxH+margin)
	}
	p.f("<div class=\"scroll\"><svg id=\"plan\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", w, h, w, h)
	// Stage frames: the bounding box of each stage's nodes, outer
	// (result) stages first so that inner ones draw on top.
	type frame struct {
		stage, depth, x0, y0, x1, y1 int
	}
	frames := map[int]*frame{}
	var order []int
	for _, n := range nodes {
		f, ok := frames[n.n.Stage]
		if !ok {
			f = &frame{stage: n.n.Stage, depth: n.y, x0: n.x, y0: n.y, x1: n.x + boxW, y1: n.y + boxH}
			frames[n.n.Stage] = f
			order = append(order, n.n.Stage)
		}
		f.x0, f.y0 = min(f.x0, n.x), min(f.y0, n.y)
		f.x1, f.y1 = max(f.x1, n.x+boxW), max(f.y1, n.y+boxH)
	}
	slices.SortStableFunc(order, func(a, b int) int { return frames[a].depth - frames[b].depth })
	profiles := map[int]int{}
	for _, r := range d.Stages {
		profiles[r.ID] = r.ProfileID
	}
	for _, s := range order {
		f := frames[s]
		c := stageColor(s)
		label := "stage ?"
		if s >= 0 {
			label = fmt.Sprintf("Stage %d (profile %d)", s, profiles[s])
		}
		p.f("<g class=\"stage\" data-stage=\"%d\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\" fill=\"%s\" fill-opacity=\"0.12\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>", s, f.x0-8, f.y0-20, f.x1-f.x0+16, f.y1-f.y0+28, c, c)
		p.f("<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\" font-weight=\"bold\">%s</text></g>\n", f.x0-4, f.y0-7, c, esc(label))
	}
	// Edges.
	for _, n := range nodes {
		if n.parent < 0 {
			continue
		}
		pa := nodes[n.parent]
		x1, y1 := pa.x+boxW/2, pa.y+boxH
		x2, y2 := n.x+boxW/2, n.y
		p.f("<path d=\"M%d %d C%d %d %d %d %d %d\" fill=\"none\" stroke=\"#777\" stroke-width=\"1.5\"/>\n", x1, y1, x1, (y1+y2)/2, x2, (y1+y2)/2, x2, y2)
	}
	// Boxes.
	for _, n := range nodes {
		k := n.n.Kind
		p.f("<a href=\"#op%d\"><g class=\"node %s\" data-stage=\"%d\">", n.id, k, n.n.Stage)
		p.f("<title>%s</title>", esc(nodeTitle(n.n)))
		p.f("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"/>", n.x, n.y, boxW, boxH, kindStyle[k][0], kindStyle[k][1])
		p.f("<rect x=\"%d\" y=\"%d\" width=\"5\" height=\"%d\" fill=\"%s\"/>", n.x, n.y, boxH, stageColor(n.n.Stage))
		p.f("<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">%s</text>", n.x+10, n.y+17, esc(shorten(n.n.Name, maxLabel)))
		p.f("<text x=\"%d\" y=\"%d\" font-size=\"10.5\" fill=\"#333\">%s</text></g></a>\n", n.x+10, n.y+35, esc(shorten(boxLine(n.n), 36)))
	}
	p.s("</svg></div>\n")
}

// boxLine is a box's second line: the profile of an ApplyResourceProfile,
// the rows and time of other operators.
func boxLine(n *Node) string {
	if n.Kind == Profile {
		if i := strings.Index(n.Detail, "id = "); i >= 0 {
			s := n.Detail[i:]
			if j := strings.Index(s, ","); j > 0 {
				s = s[:j]
			}
			return "profile " + s + " (hover)"
		}
	}
	return fmt.Sprintf("rows %d · %s", n.Rows, formatDur(time.Duration(n.ElapsedNanos)))
}

func nodeTitle(n *Node) string {
	var b strings.Builder
	b.WriteString(n.Name)
	if n.Detail != "" {
		b.WriteString(" " + shorten(n.Detail, maxTitle))
	}
	fmt.Fprintf(&b, "\nstage %d, %s\nrows %d, batches %d, time %s", n.Stage, n.Kind, n.Rows, n.Batches, formatDur(time.Duration(n.ElapsedNanos)))
	for _, x := range n.Extra {
		b.WriteString("\n" + x.Name + " " + metricValue(x))
	}
	if n.Reason != "" {
		b.WriteString("\nfallback: " + n.Reason)
	}
	return b.String()
}

func metricValue(x operators.NamedValue) string {
	switch {
	case strings.HasSuffix(x.Name, "Time"):
		return formatDur(time.Duration(x.Value))
	case strings.HasSuffix(strings.ToLower(x.Name), "bytes") || strings.HasSuffix(x.Name, "Spilled"):
		return resource.FormatBytes(x.Value)
	}
	return fmt.Sprint(x.Value)
}

func (p *page) fallback(d *Data) {
	p.s("<h2>Fallback</h2>\n")
	p.f("<p id=\"fallback\">%d of %d operators run as rows, %d transitions.</p>\n", d.FallbackNodes, d.FallbackNodes+d.ColumnarNodes, d.Transitions)
	if len(d.Reasons) == 0 {
		return
	}
	p.s("<table><tr><th>operator</th><th>reason</th></tr>\n")
	for _, r := range d.Reasons {
		p.f("<tr><td>%s</td><td>%s</td></tr>\n", esc(r.Node), esc(r.Reason))
	}
	p.s("</table>\n")
}

// span returns the first start and last end of tasks.
func span(tasks []operators.TaskRun) (time.Time, time.Time) {
	var t0, t1 time.Time
	for _, t := range tasks {
		if t0.IsZero() || t.Start.Before(t0) {
			t0 = t.Start
		}
		if t.End.After(t1) {
			t1 = t.End
		}
	}
	return t0, t1
}

// stageRows returns the rows a stage produced: the output of its top
// operator (under the exchange for a map stage), -1 when unknown.
func stageRows(root *Node, stage int) int64 {
	rows := int64(-1)
	var rec func(n *Node, parent *Node)
	rec = func(n *Node, parent *Node) {
		if rows >= 0 {
			return
		}
		if n.Stage == stage && n.Kind != Exchange && (parent == nil || parent.Stage != stage || parent.Kind == Exchange) {
			rows = n.Rows
			return
		}
		for _, c := range n.Children {
			rec(c, n)
		}
	}
	if root != nil {
		rec(root, nil)
	}
	return rows
}

func (p *page) stages(d *Data) {
	p.s("<h2>Stages</h2>\n<table id=\"stages\"><tr><th>stage</th><th>profile</th><th>executors</th><th>tasks</th><th>start</th><th>duration</th><th>output rows</th><th>peak heap</th><th>peak off-heap</th><th>status</th></tr>\n")
	var all []operators.TaskRun
	for _, r := range d.Stages {
		all = append(all, r.TaskRuns...)
	}
	q0, _ := span(all)
	for _, r := range d.Stages {
		t0, t1 := span(r.TaskRuns)
		ex := make([]string, len(r.Executors))
		for i, id := range r.Executors {
			ex[i] = fmt.Sprint(id)
		}
		start, dur := "", ""
		if !t0.IsZero() {
			start, dur = "+"+formatDur(t0.Sub(q0)), formatDur(t1.Sub(t0))
		}
		rows := ""
		if n := stageRows(d.Root, r.ID); n >= 0 {
			rows = fmt.Sprint(n)
		}
		status := "ok"
		if r.Failed != "" {
			status = "failed: " + shorten(r.Failed, 200)
		}
		p.f("<tr><td><span style=\"color:%s\">■</span> %d</td><td class=\"n\">%d</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>%s</td></tr>\n",
			stageColor(r.ID), r.ID, r.ProfileID, esc(strings.Join(ex, " ")), r.Tasks, start, dur, rows, resource.FormatBytes(r.PeakHeap), resource.FormatBytes(r.PeakOffHeap), esc(status))
	}
	p.s("</table>\n<p class=\"small\">Peaks are the most one task of the stage had reserved in each pool; start is relative to the first task of the query; tasks does not count a sampling pass's.</p>\n")
}

// executorsOf returns the executor ids of the tasks, ascending.
func executorsOf(tasks []operators.TaskRun) []int {
	var ids []int
	for _, t := range tasks {
		if !slices.Contains(ids, t.Executor) {
			ids = append(ids, t.Executor)
		}
	}
	slices.Sort(ids)
	return ids
}

func exLabel(id int) string {
	if id < 0 {
		return "no executor"
	}
	return fmt.Sprintf("executor %d", id)
}

func (p *page) timeline(d *Data) {
	var all []operators.TaskRun
	for _, r := range d.Stages {
		all = append(all, r.TaskRuns...)
	}
	p.s("<h2>Task timeline</h2>\n")
	if len(all) == 0 {
		p.s("<p>No tasks ran.</p>\n")
		return
	}
	t0, t1 := span(all)
	total := max(t1.Sub(t0), time.Microsecond)
	xOf := func(t time.Time) float64 { return labelW + float64(t.Sub(t0))/float64(total)*timelineW }
	ids := executorsOf(all)
	// Lanes: an executor runs several tasks at once when it has several
	// slots, so each executor gets as many lanes as it needed.
	type lane struct{ end time.Time }
	lanesOf := map[int][]lane{}
	laneOfTask := make([]int, len(all))
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return all[a].Start.Compare(all[b].Start) })
	for _, i := range order {
		t := all[i]
		ls := lanesOf[t.Executor]
		l := -1
		for j := range ls {
			if !ls[j].end.After(t.Start) {
				l = j
				break
			}
		}
		if l < 0 {
			ls = append(ls, lane{})
			l = len(ls) - 1
		}
		ls[l].end = t.End
		lanesOf[t.Executor] = ls
		laneOfTask[i] = l
	}
	rowY := map[int]int{}
	y := 30
	for _, id := range ids {
		rowY[id] = y
		y += len(lanesOf[id])*laneH + 8
	}
	h := y + 10
	w := labelW + timelineW + margin
	p.f("<div class=\"scroll\"><svg id=\"timeline\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", w, h, w, h)
	for i := 0; i <= 10; i++ {
		x := labelW + i*timelineW/10
		p.f("<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/><text x=\"%d\" y=\"14\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n", x, x, h-8, x, formatDur(total*time.Duration(i)/10))
	}
	for _, id := range ids {
		y := rowY[id]
		p.f("<text x=\"4\" y=\"%d\" font-size=\"11\">%s</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n", y+12, exLabel(id), labelW, y+len(lanesOf[id])*laneH+3, labelW+timelineW, y+len(lanesOf[id])*laneH+3)
	}
	for i, t := range all {
		x0, x1 := xOf(t.Start), xOf(t.End)
		kind := ""
		if t.Sampling {
			kind = " sampling"
		}
		p.f("<rect class=\"task%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\"", kind, x0, rowY[t.Executor]+laneOfTask[i]*laneH, max(x1-x0, 1), laneH-3, stageColor(t.Stage))
		if t.Sampling {
			p.s(" fill-opacity=\"0.45\"")
		}
		p.f("><title>stage %d, partition %d%s, %s: %s (+%s to +%s), peak heap %s, off-heap %s</title></rect>\n",
			t.Stage, t.Partition, kind, exLabel(t.Executor), formatDur(t.End.Sub(t.Start)), formatDur(t.Start.Sub(t0)), formatDur(t.End.Sub(t0)), resource.FormatBytes(t.PeakHeap), resource.FormatBytes(t.PeakOffHeap))
	}
	p.s("</svg></div>\n<p class=\"small\">One bar per task, from its start to its end, on the executor that ran it, coloured by stage:")
	for _, r := range d.Stages {
		p.f(" <span style=\"color:%s\">■</span> stage %d", stageColor(r.ID), r.ID)
	}
	p.s(". Pale bars are a range-partitioning sampling pass. Hover a bar for its partition, duration and peak memory.</p>\n")
}

// memory draws, per executor, the bytes its tasks had reserved over time,
// estimated from the task intervals: each task counts with its peak for
// the whole time it ran (the scheduler records a task's peak at its end,
// not a series), so the curve is an upper bound of what was reserved.
func (p *page) memory(d *Data) {
	var all []operators.TaskRun
	for _, r := range d.Stages {
		all = append(all, r.TaskRuns...)
	}
	if len(all) == 0 {
		return
	}
	p.s("<h2>Memory per executor</h2>\n")
	t0, t1 := span(all)
	total := max(t1.Sub(t0), time.Microsecond)
	xOf := func(t time.Time) float64 { return labelW + float64(t.Sub(t0))/float64(total)*timelineW }
	ids := executorsOf(all)
	type event struct {
		at            time.Time
		heap, offHeap int64
	}
	series := map[int][]event{}
	var top int64 = 1
	for _, id := range ids {
		var ev []event
		for _, t := range all {
			if t.Executor == id {
				ev = append(ev, event{t.Start, t.PeakHeap, t.PeakOffHeap}, event{t.End, -t.PeakHeap, -t.PeakOffHeap})
			}
		}
		slices.SortStableFunc(ev, func(a, b event) int { return a.at.Compare(b.at) })
		var h, o int64
		for i := range ev {
			h += ev[i].heap
			o += ev[i].offHeap
			ev[i].heap, ev[i].offHeap = h, o
			top = max(top, h, o)
		}
		series[id] = ev
	}
	h := len(ids)*(memH+14) + 20
	w := labelW + timelineW + margin
	p.f("<div class=\"scroll\"><svg id=\"memory\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", w, h, w, h)
	for i, id := range ids {
		base := 10 + i*(memH+14) + memH
		yOf := func(v int64) float64 { return float64(base) - float64(v)/float64(top)*float64(memH-6) }
		p.f("<text x=\"4\" y=\"%d\" font-size=\"11\">%s</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n", base-memH/2, exLabel(id), labelW, base, labelW+timelineW, base)
		ev := series[id]
		for _, pool := range []struct {
			name, color string
			get         func(event) int64
		}{{"heap", "#e15759", func(e event) int64 { return e.heap }}, {"off-heap", "#4e79a7", func(e event) int64 { return e.offHeap }}} {
			var b strings.Builder
			fmt.Fprintf(&b, "M%.1f %.1f", float64(labelW), yOf(0))
			var peak int64
			step := max(1, len(ev)/maxEventsMem)
			for j := 0; j < len(ev); j += step {
				v := pool.get(ev[j])
				peak = max(peak, v)
				fmt.Fprintf(&b, " H%.1f V%.1f", xOf(ev[j].at), yOf(v))
			}
			fmt.Fprintf(&b, " H%d", labelW+timelineW)
			p.f("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"><title>%s, %s: at most %s reserved at once (estimate)</title></path>\n", b.String(), pool.color, exLabel(id), pool.name, resource.FormatBytes(peak))
		}
	}
	p.s("</svg></div>\n")
	p.f("<p class=\"small\"><span style=\"color:#e15759\">━</span> heap, <span style=\"color:#4e79a7\">━</span> off-heap; shared scale, top = %s. An estimate from the task intervals: the scheduler records each task's peak reservation in each pool when the task ends, and the chart counts every running task with its peak for its whole run, so it is an upper bound of what the executor's pools had reserved (the real reservation rises and falls within a task).</p>\n", resource.FormatBytes(top))
}

func (p *page) nodeTable(d *Data) {
	p.s("<h2>Operators</h2>\n<table id=\"operators\"><tr><th>#</th><th>stage</th><th>kind</th><th>operator</th><th>rows</th><th>batches</th><th>time</th><th>other metrics</th></tr>\n")
	for _, n := range layout(d.Root) {
		x := n.n
		var extra []string
		for _, v := range x.Extra {
			extra = append(extra, v.Name+"="+metricValue(v))
		}
		op := "<b>" + esc(x.Name) + "</b>"
		if x.Detail != "" {
			op += " " + esc(shorten(x.Detail, maxDetail))
		}
		if x.Reason != "" {
			op += "<br/><i>fallback: " + esc(x.Reason) + "</i>"
		}
		p.f("<tr id=\"op%d\"><td class=\"n\">%d</td><td><span style=\"color:%s\">■</span> %d</td><td style=\"background:%s\">%s</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td>%s</td></tr>\n",
			n.id, n.id, stageColor(x.Stage), x.Stage, kindStyle[x.Kind][0], x.Kind, op, x.Rows, x.Batches, formatDur(time.Duration(x.ElapsedNanos)), esc(strings.Join(extra, ", ")))
	}
	p.s("</table>\n<p class=\"small\">Time is spent in the operator's Next calls summed over its tasks, its children's included.</p>\n")
}
