package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"
)

// TestArrowBuffersCharged: a scan-only query, whose operators reserve
// nothing of their own, still charges its Arrow buffers to the off-heap
// pool (the stage's peak off-heap is at least a batch), and fails with the
// out-of-memory error naming them when the pool cannot hold a batch.
func TestArrowBuffersCharged(t *testing.T) {
	defer goleak.VerifyNone(t)
	if *tpchSF != 0.1 {
		t.Skip("the budget is sized for SF0.1")
	}
	tables := tpchTables(t, 0.1)
	const sql = "SELECT l_orderkey, l_comment FROM lineitem WHERE l_quantity > 10"
	run := func(conf map[string]string) error {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		eng := openEngine(t, mem, tables, conf)
		defer eng.Close()
		a, err := eng.Analyze(context.Background(), sql)
		if err != nil {
			return err
		}
		if len(a.Stages) != 1 {
			t.Fatalf("stages %+v, want one", a.Stages)
		}
		// A batch of 4096 rows of an 8-byte key and a comment of about
		// 27 bytes takes well over 64 KiB.
		if p := a.Stages[0].PeakOffHeap; p < 64<<10 {
			t.Errorf("peak off-heap %d bytes: the scan's batches were not charged", p)
		}
		return nil
	}
	if err := run(map[string]string{"spark.gluten.memory.reservationBlockSize": "64k"}); err != nil {
		t.Fatal(err)
	}
	err := run(map[string]string{"spark.memory.offHeap.size": "100k"})
	if err == nil || !strings.Contains(err.Error(), "out of memory: off-heap pool of profile 0: Arrow buffers requested") {
		t.Fatalf("error %v, want the out-of-memory error of the Arrow buffers", err)
	}
}
