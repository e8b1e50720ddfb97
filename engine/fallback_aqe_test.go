package engine_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"
)

// TestFallbackCountsUnderAdaptiveExecution: adaptive execution plans the
// rest of a query again after each stage, and the fallback report must
// still cover the stages that already ran (their row operators and
// reasons), not only the operators of the last planning round.
func TestFallbackCountsUnderAdaptiveExecution(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openTPCH(t, mem, map[string]string{"spark.gluten.enabled": "false", "spark.sql.shuffle.partitions": "4"})
	defer eng.Close()
	sql := "SELECT o_orderpriority, count(*) FROM orders JOIN lineitem ON o_orderkey = l_orderkey GROUP BY o_orderpriority ORDER BY 1"
	a, err := eng.Analyze(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Fallback
	// Everything runs as rows: scans, filters or projects, the join, both
	// aggregates, the sort and the exchanges, in stages that ran before the
	// last planning round.
	if f.FallbackNodes < 8 || f.FallbackNodes <= f.ColumnarNodes || len(f.Reasons) != f.FallbackNodes {
		t.Errorf("fallback %d, columnar %d, reasons %d: the stages that ran before the last re-planning are missing\n%s",
			f.FallbackNodes, f.ColumnarNodes, len(f.Reasons), a.Plan)
	}
}
