package operators

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gluten-go/gluten-go/resource"
)

// visibleChildren returns the children EXPLAIN shows (whole-stage and
// rename wrappers are transparent).
func visible(n Node) Node {
	for {
		switch x := n.(type) {
		case *WholeStage:
			n = x.children[0]
		case *Rename:
			n = x.children[0]
		default:
			return n
		}
	}
}

// ExplainFormatted renders the plan as Spark's EXPLAIN FORMATTED does: an
// outline with node numbers, then each node's details; reason tells why a
// node fell back to rows ("" for a columnar one).
func ExplainFormatted(root Node, reason func(Node) string) string {
	var nodes []Node
	ids := map[Node]int{}
	var number func(n Node)
	number = func(n Node) {
		n = visible(n)
		for _, c := range n.Children() {
			number(c)
		}
		nodes = append(nodes, n)
		ids[n] = len(nodes)
	}
	number(root)
	var b strings.Builder
	var outline func(n Node, prefix, conn string)
	outline = func(n Node, prefix, conn string) {
		n = visible(n)
		fmt.Fprintf(&b, "%s%s%s (%d)\n", prefix, conn, n.Name(), ids[n])
		switch conn {
		case "+- ":
			prefix += "   "
		case ":- ":
			prefix += ":  "
		}
		ch := n.Children()
		for i, c := range ch {
			cc := ":- "
			if i == len(ch)-1 {
				cc = "+- "
			}
			outline(c, prefix, cc)
		}
	}
	outline(root, "", "")
	b.WriteString("\n")
	for i, n := range nodes {
		fmt.Fprintf(&b, "(%d) %s\n", i+1, n.Name())
		if d := strings.TrimSpace(n.Detail()); d != "" {
			fmt.Fprintf(&b, "Arguments: %s\n", d)
		}
		if reason != nil {
			if r := reason(n); r != "" {
				fmt.Fprintf(&b, "Fallback reason: %s\n", r)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// ExplainAnalyze renders the plan with each operator's metrics, after it
// ran.
func ExplainAnalyze(root Node) string {
	var b strings.Builder
	tree := Explain(root)
	lines := strings.Split(strings.TrimRight(tree, "\n"), "\n")
	var nodes []Node
	var collect func(n Node)
	collect = func(n Node) {
		n = visible(n)
		nodes = append(nodes, n)
		for _, c := range n.Children() {
			collect(c)
		}
	}
	collect(root)
	for i, line := range lines {
		b.WriteString(line)
		if i < len(nodes) {
			m := nodes[i].Metrics()
			fmt.Fprintf(&b, "  [rows=%d batches=%d time=%s", m.OutputRows.Load(), m.OutputBatches.Load(),
				time.Duration(m.ElapsedNanos.Load()).Round(time.Microsecond))
			for _, x := range m.Extra() {
				if strings.HasSuffix(x.Name, "Time") {
					fmt.Fprintf(&b, " %s=%s", x.Name, time.Duration(x.Value).Round(time.Microsecond))
				} else {
					fmt.Fprintf(&b, " %s=%d", x.Name, x.Value)
				}
			}
			b.WriteString("]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Describe names a node in one line: its name and detail, shortened.
func Describe(n Node) string {
	s := n.Name() + n.Detail()
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// ExplainStages renders what each stage of a query did, as EXPLAIN
// ANALYZE ends: one line a stage, in the order they ran, e.g.
//
//	Stage 0: profile 0, executors [1 2], tasks 8, peak heap 1.2 MiB, peak off-heap 35.0 MiB
//
// The peaks are the most one task of the stage had reserved in each pool.
func ExplainStages(runs []StageRun) string {
	var b strings.Builder
	b.WriteString("== Stages ==\n")
	for _, r := range runs {
		ids := make([]string, len(r.Executors))
		for i, id := range r.Executors {
			ids[i] = strconv.Itoa(id)
		}
		fmt.Fprintf(&b, "Stage %d: profile %d, executors [%s], tasks %d, peak heap %s, peak off-heap %s",
			r.ID, r.ProfileID, strings.Join(ids, " "), r.Tasks, resource.FormatBytes(r.PeakHeap), resource.FormatBytes(r.PeakOffHeap))
		if r.Failed != "" {
			msg := r.Failed
			if i := strings.Index(msg, "; largest consumers"); i > 0 {
				msg = msg[:i]
			}
			fmt.Fprintf(&b, ", failed: %s", msg)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Visible returns the node EXPLAIN shows for n: n itself, or what its
// whole-stage and rename wrappers (transparent in EXPLAIN) wrap.
func Visible(n Node) Node { return visible(n) }
