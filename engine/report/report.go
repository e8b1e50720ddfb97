// Package report writes the self-contained HTML report of a query that ran
// to its end: the physical plan drawn as an inline SVG tree with its stages
// framed and its operators coloured by kind, each operator's metrics, what
// each stage did, the fallback reasons, a timeline of the tasks per
// executor and an estimate of each executor's reserved memory over time.
//
// The page uses no network resource, no script and no external style
// sheet: it opens offline. It is well-formed XML (XHTML syntax), so tools
// can parse it. Its size grows with the plan and the number of tasks, never
// with the data.
package report

import (
	"strings"
	"time"

	"github.com/gluten-go/gluten-go/operators"
)

// Kind is the kind of a plan node, which its colour tells.
type Kind int

// The node kinds.
const (
	// Columnar is an operator of the columnar engine (a Transformer,
	// AQEShuffleRead, ...).
	Columnar Kind = iota
	// Row is an operator that fell back to rows.
	Row
	// Transition is ColumnarToRow or RowToColumnar.
	Transition
	// Exchange is a stage boundary: Exchange, BroadcastExchange,
	// ShuffleQueryStage.
	Exchange
	// Profile is ApplyResourceProfile.
	Profile
)

var kindNames = [...]string{"columnar", "row", "transition", "exchange", "profile"}

// String returns the kind's name ("columnar", "row", ...).
func (k Kind) String() string { return kindNames[k] }

// Node is a snapshot of one plan operator and its metrics.
type Node struct {
	// Name and Detail are as EXPLAIN prints them.
	Name, Detail string
	// Kind is the operator's kind.
	Kind Kind
	// Stage is the StageRun.ID of the stage the operator ran in (-1:
	// unknown). An exchange belongs to the map stage it is the output of.
	Stage int
	// Rows, Batches and ElapsedNanos are the operator's metrics summed
	// over its tasks.
	Rows, Batches, ElapsedNanos int64
	// Extra are the operator's further counters.
	Extra []operators.NamedValue
	// Reason is why the operator fell back to rows ("" if it did not).
	Reason string
	// Children are the operator's inputs.
	Children []*Node
}

// Snapshot copies a plan that ran (root, as EXPLAIN shows it) with its
// metrics. reason (may be nil) tells why a node fell back; runs are the
// executor's stage records (operators.Executor.StageRuns), which place
// each node in its stage.
func Snapshot(root operators.Node, reason func(operators.Node) string, runs []operators.StageRun) *Node {
	byOutput := map[operators.Node]int{}
	result := -1
	for _, r := range runs {
		if r.Output != nil {
			byOutput[r.Output] = r.ID // a retry's run replaces the failed one
		} else {
			result = r.ID
		}
	}
	var snap func(n operators.Node, stage int) *Node
	snap = func(n operators.Node, stage int) *Node {
		n = operators.Visible(n)
		if id, ok := byOutput[n]; ok {
			stage = id
		}
		m := n.Metrics()
		s := &Node{Name: n.Name(), Detail: strings.TrimSpace(n.Detail()), Stage: stage,
			Rows: m.OutputRows.Load(), Batches: m.OutputBatches.Load(), ElapsedNanos: m.ElapsedNanos.Load(), Extra: m.Extra()}
		if reason != nil {
			s.Reason = reason(n)
		}
		s.Kind = kindOf(n, s.Reason)
		for _, c := range n.Children() {
			s.Children = append(s.Children, snap(c, stage))
		}
		return s
	}
	return snap(root, result)
}

func kindOf(n operators.Node, reason string) Kind {
	name := n.Name()
	switch {
	case name == "ColumnarToRow" || name == "RowToColumnar":
		return Transition
	case name == "ApplyResourceProfile":
		return Profile
	case name == "Exchange" || name == "BroadcastExchange" || name == "ShuffleQueryStage" || name == "BroadcastQueryStage":
		return Exchange
	case reason != "" || !operators.IsColumnar(n) || name == "FileScan":
		return Row
	}
	if _, ok := n.(operators.StageOutput); ok {
		return Exchange
	}
	return Columnar
}

// Reason is an operator that fell back to rows and why.
type Reason struct {
	// Node is the operator as EXPLAIN prints it (shortened).
	Node string
	// Reason says why it runs as rows.
	Reason string
}

// Data is what a report shows.
type Data struct {
	// Title heads the page.
	Title string
	// SQL is the query's text.
	SQL string
	// Plan is the query's EXPLAIN ANALYZE text (shown folded).
	Plan string
	// Root is the plan that ran, with metrics (see Snapshot).
	Root *Node
	// Stages are the executor's stage records, task runs included.
	Stages []operators.StageRun
	// ColumnarNodes, FallbackNodes and Transitions count the plan's
	// operators; Reasons lists the fallen ones.
	ColumnarNodes, FallbackNodes, Transitions int
	// Reasons lists each operator that fell back and why.
	Reasons []Reason
	// Rows is the number of result rows; Elapsed the query's wall time.
	Rows    int64
	Elapsed time.Duration
	// Created is when the report was made (zero: not shown).
	Created time.Time
}

func formatDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}
