package engine

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/resource"
)

// Progress is a snapshot of a running query (see Tracker).
type Progress struct {
	// Started reports whether the query began running (false while it is
	// parsed and planned).
	Started bool `json:"started"`
	// Stage is the id of the stage running, as the report and EXPLAIN
	// ANALYZE number them (the order stages ran, from 0); -1 when no stage
	// runs (before the first, between two).
	Stage int `json:"stage"`
	// StageTasks is the number of tasks of the running stage,
	// StageTasksDone the number that ended.
	StageTasks     int `json:"stageTasks"`
	StageTasksDone int `json:"stageTasksDone"`
	// StagesDone counts the stages that ended; StagesKnown adds those
	// running or still to run in the current plan (adaptive execution may
	// plan again after each stage, so it can change).
	StagesDone  int `json:"stagesDone"`
	StagesKnown int `json:"stagesKnown"`
	// RowsRead and BytesRead are what the query's scans read so far; bytes
	// are those of the decoded Arrow batches, not of the files.
	RowsRead  int64 `json:"rowsRead"`
	BytesRead int64 `json:"bytesRead"`
}

// String renders the progress on one line, e.g.
// "stage 3: 12/200 tasks, 1.2M rows, 45.0 MiB read".
func (p Progress) String() string {
	if !p.Started {
		return "planning"
	}
	var s string
	if p.Stage >= 0 {
		s = fmt.Sprintf("stage %d: %d/%d tasks", p.Stage, p.StageTasksDone, p.StageTasks)
	} else {
		s = fmt.Sprintf("%d/%d stages done", p.StagesDone, p.StagesKnown)
	}
	return s + ", " + FormatCount(p.RowsRead) + " rows, " + resource.FormatBytes(p.BytesRead) + " read"
}

// FormatCount renders a count shortly: 999, 12.3k, 1.2M, 3.4G.
func FormatCount(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 1_000_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	case n < 1_000_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1fG", float64(n)/1e9)
}

// Tracker observes the progress of a query while it runs. Attach it to the
// context the query runs with (WithTracker), then call Progress from any
// goroutine:
//
//	t := engine.NewTracker()
//	rdr, err := eng.Query(engine.WithTracker(ctx, t), sql)
//	... meanwhile, elsewhere: fmt.Println(t.Progress())
//
// It works with Query, Analyze, Report and Explain (of EXPLAIN ANALYZE). A
// Tracker follows one query; reused, it follows the latest.
type Tracker struct {
	x atomic.Pointer[operators.Executor]
}

// NewTracker returns a tracker of no query yet.
func NewTracker() *Tracker { return &Tracker{} }

type trackerKey struct{}

// WithTracker returns a context that makes the query run with it report
// its progress to t.
func WithTracker(ctx context.Context, t *Tracker) context.Context {
	return context.WithValue(ctx, trackerKey{}, t)
}

func trackerOf(ctx context.Context) *Tracker {
	t, _ := ctx.Value(trackerKey{}).(*Tracker)
	return t
}

// Progress returns a snapshot of the query's progress; cheap (a few
// atomic loads and short locks), it can be polled often.
func (t *Tracker) Progress() Progress {
	x := t.x.Load()
	if x == nil {
		return Progress{Stage: -1}
	}
	p := x.Progress()
	return Progress{Started: true, Stage: p.Stage, StageTasks: p.StageTasks, StageTasksDone: p.StageTasksDone,
		StagesDone: p.StagesDone, StagesKnown: p.StagesKnown, RowsRead: p.RowsRead, BytesRead: p.BytesRead}
}
