package operators

import (
	"context"
	"fmt"
)

// QueryStage shows, under adaptive execution, an exchange whose map stage
// has run: ShuffleQueryStage N in EXPLAIN. It reads the exchange.
type QueryStage struct {
	base
	id int
}

// NewQueryStage wraps the materialized exchange ex as query stage id.
func NewQueryStage(ex Node, id int) *QueryStage {
	q := &QueryStage{id: id}
	q.schema = ex.Schema()
	q.children = []Node{ex}
	return q
}

// Name implements Node.
func (q *QueryStage) Name() string { return "ShuffleQueryStage" }

// Detail implements Node.
func (q *QueryStage) Detail() string { return fmt.Sprintf(" %d", q.id) }

// NumPartitions implements Node.
func (q *QueryStage) NumPartitions() int { return q.children[0].NumPartitions() }

// Exchange returns the exchange the stage reads.
func (q *QueryStage) Exchange() Node { return q.children[0] }

// Execute implements ColumnarNode.
func (q *QueryStage) Execute(ctx context.Context, p int, task *TaskContext) (Stream, error) {
	return executeColumnar(q.children[0], ctx, p, task)
}

// ReleasePlanExcept is ReleasePlan leaving alone the subtrees rooted at the
// nodes keep selects (the stages adaptive execution keeps between plans).
func ReleasePlanExcept(root Node, keep func(Node) bool) {
	var walk func(n Node)
	walk = func(n Node) {
		if keep(n) {
			return
		}
		if r, ok := n.(interface{ Release() }); ok {
			r.Release()
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(root)
}
