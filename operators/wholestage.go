package operators

import (
	"context"
	"fmt"
	"strings"
)

// WholeStage fuses a chain of columnar operators into one pipeline per task,
// as Gluten's WholeStageTransformer hands a subtree to Velox as one plan:
// batches flow from the source (a scan or an exchange read) through every
// fused operator into the sink on the task's goroutine, one batch at a time,
// without being materialized between operators. EXPLAIN does not print the
// node itself; it prefixes each fused operator with "*(id)".
type WholeStage struct {
	base
	id int
}

// NewWholeStage wraps the pipeline rooted at child as whole-stage id.
func NewWholeStage(child Node, id int) *WholeStage {
	w := &WholeStage{id: id}
	w.schema = child.Schema()
	w.children = []Node{child}
	return w
}

// Name implements Node.
func (w *WholeStage) Name() string { return "WholeStageTransformer" }

// Detail implements Node.
func (w *WholeStage) Detail() string { return fmt.Sprintf(" (%d)", w.id) }

// ID returns the whole-stage id.
func (w *WholeStage) ID() int { return w.id }

// NumPartitions implements Node.
func (w *WholeStage) NumPartitions() int { return w.children[0].NumPartitions() }

// Execute implements Node.
func (w *WholeStage) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	return executeColumnar(w.children[0], ctx, p, task)
}

// Explain renders a physical plan as Spark prints it: one operator a line,
// children under "+- " and ":- ", operators fused into a whole-stage
// pipeline prefixed with "*(id) ". Row operators, transitions and exchanges
// are not part of a pipeline and carry no id.
func Explain(root Node) string {
	var b strings.Builder
	var rec func(n Node, prefix string, conn string, stage int)
	rec = func(n Node, prefix string, conn string, stage int) {
		switch x := n.(type) {
		case *WholeStage:
			rec(x.children[0], prefix, conn, x.id)
			return
		case *Rename:
			rec(x.children[0], prefix, conn, stage)
			return
		}
		inPipeline := stage > 0 && inPipelineOp(n)
		line := n.Name() + n.Detail()
		if inPipeline {
			line = fmt.Sprintf("*(%d) %s", stage, line)
		}
		b.WriteString(prefix + conn + line + "\n")
		switch conn {
		case "+- ":
			prefix += "   "
		case ":- ":
			prefix += ":  "
		}
		childStage := 0
		if inPipeline {
			childStage = stage
		}
		ch := n.Children()
		for i, c := range ch {
			cc := ":- "
			if i == len(ch)-1 {
				cc = "+- "
			}
			rec(c, prefix, cc, childStage)
		}
	}
	rec(root, "", "", 0)
	return b.String()
}

// inPipelineOp reports whether n runs inside a whole-stage pipeline: a
// columnar operator other than an exchange or a RowToColumnar (which feed
// pipelines without being fused into them) or a vanilla FileScan (which
// fell back).
func inPipelineOp(n Node) bool {
	switch x := n.(type) {
	case *Exchange, *RowToColumnar, *ShuffleRead, *QueryStage, *RowExchange:
		return false
	case *Scan:
		return !x.Vanilla()
	}
	return IsColumnar(n)
}

// Walk calls f on n and its descendants, pre-order.
func Walk(n Node, f func(Node)) {
	f(n)
	for _, c := range n.Children() {
		Walk(c, f)
	}
}

// ReleasePlan frees what a plan's nodes hold (exchange buffers, references
// taken while planning scans). The plan must not run afterwards.
func ReleasePlan(root Node) {
	Walk(root, func(n Node) {
		if r, ok := n.(interface{ Release() }); ok {
			r.Release()
		}
	})
}
