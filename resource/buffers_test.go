package resource_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/resource"
)

const mib = 1 << 20

// chargedAllocator returns a task allocator whose buffers tm's charge
// covers, with the charge.
func chargedAllocator(t *testing.T, tm *resource.TaskMemory, block int64) (*columnar.AccountingAllocator, *resource.BufferCharge, *memory.CheckedAllocator) {
	t.Helper()
	checked := memory.NewCheckedAllocator(memory.NewGoAllocator())
	alloc := columnar.NewAccountingAllocator(checked)
	c := tm.NewBufferCharge("Arrow buffers", block)
	alloc.SetListener(c)
	t.Cleanup(func() {
		alloc.SetListener(nil)
		c.Close()
		checked.AssertSize(t, 0)
	})
	return alloc, c, checked
}

func TestBufferChargeBlocks(t *testing.T) {
	tm := resource.NewTaskMemory(64*mib, 0)
	alloc, c, _ := chargedAllocator(t, tm, mib)
	a := alloc.Allocate(100)
	if got := c.Size(); got != mib {
		t.Fatalf("after 100 bytes the charge holds %d, want one block (%d)", got, mib)
	}
	b := alloc.Allocate(mib + 10) // 1 MiB + 110 in all: two blocks
	if got := c.Size(); got != 2*mib {
		t.Fatalf("charge %d, want 2 blocks", got)
	}
	if got := tm.Used(resource.OffHeap); got != 2*mib {
		t.Fatalf("off-heap pool used %d, want 2 MiB", got)
	}
	alloc.Free(b) // 100 bytes left: one block, and a block of slack is given back
	if got := c.Size(); got != mib {
		t.Fatalf("after freeing, charge %d, want 1 block", got)
	}
	alloc.Free(a)
	if got := c.Size(); got != 0 {
		t.Fatalf("nothing allocated, charge %d, want 0", got)
	}
	if p := tm.Peak(resource.OffHeap); p != 2*mib {
		t.Fatalf("peak %d, want 2 MiB", p)
	}
}

// An operator's own reservation covers the buffers it allocates: they are
// not counted twice.
func TestBufferChargeBesideReservations(t *testing.T) {
	tm := resource.NewTaskMemory(64*mib, 0)
	alloc, c, _ := chargedAllocator(t, tm, mib)
	r := tm.NewReservation("HashAggregate", resource.OffHeap)
	if err := r.Grow(10 * mib); err != nil {
		t.Fatal(err)
	}
	a := alloc.Allocate(6 * mib)
	if got := c.Size(); got != 0 {
		t.Fatalf("6 MiB under a 10 MiB reservation: charge %d, want 0", got)
	}
	b := alloc.Allocate(5 * mib) // 11 MiB: 1 MiB beyond
	if got := c.Size(); got != mib {
		t.Fatalf("charge %d, want 1 MiB", got)
	}
	r.Free() // the operator gave back its reservation but the buffers live on
	c2 := alloc.Allocate(1)
	if got := c.Size(); got != 12*mib {
		t.Fatalf("after the reservation's free, charge %d, want 12 MiB (all of 11 MiB + 1 byte, by blocks)", got)
	}
	for _, x := range [][]byte{a, b, c2} {
		alloc.Free(x)
	}
}

func TestBufferChargeFallsBackToExact(t *testing.T) {
	tm := resource.NewTaskMemory(3*mib/2, 0)
	alloc, c, _ := chargedAllocator(t, tm, mib)
	a := alloc.Allocate(mib + 1) // two blocks do not fit; the exact amount does
	if got := c.Size(); got != mib+1 {
		t.Fatalf("charge %d, want exactly %d", got, mib+1)
	}
	if err := tm.Check(); err != nil {
		t.Fatal(err)
	}
	alloc.Free(a)
}

func TestBufferChargeOutOfMemory(t *testing.T) {
	tm := resource.NewTaskMemory(4*mib, 0)
	alloc, _, _ := chargedAllocator(t, tm, mib)
	r := tm.NewReservation("Sort", resource.OffHeap)
	if err := r.Grow(3 * mib); err != nil {
		t.Fatal(err)
	}
	a := alloc.Allocate(4*mib + mib/2) // 1.5 MiB beyond the sort's own, 1 MiB free: no spiller
	// The shortfall is not an error yet: reservations in the pool fail
	// until it is covered (the consumer would spill itself), and the
	// task's next check fails it.
	if err := tm.Err(); err != nil {
		t.Fatalf("Err() = %v before any check", err)
	}
	if r.TryGrow(1) {
		t.Fatal("TryGrow succeeded while the buffers fall short")
	}
	var oom *resource.OutOfMemoryError
	if err := tm.Check(); !errors.As(err, &oom) {
		t.Fatalf("Check() = %v, want an out-of-memory error", err)
	}
	if err := tm.Err(); !errors.As(err, &oom) {
		t.Fatalf("Err() = %v after the check, want the out-of-memory error", err)
	}
	msg := tm.Err().Error()
	for _, want := range []string{"out of memory: off-heap pool", "Arrow buffers requested", "Sort: 3145728"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	// From then on the task's reservations fail with it.
	if err := r.Grow(1); !errors.As(err, &oom) {
		t.Errorf("Grow after the failure: %v, want the out-of-memory error", err)
	}
	if r.TryGrow(1) {
		t.Error("TryGrow after the failure succeeded")
	}
	alloc.Free(a)
	r.Free()
}

// The charge asks the task's other consumers to spill before it fails.
func TestBufferChargeSpillsOthersFirst(t *testing.T) {
	tm := resource.NewTaskMemory(4*mib, 0)
	alloc, c, _ := chargedAllocator(t, tm, mib)
	// An aggregate reserves 3 MiB and fills it with buffers.
	r := tm.NewReservation("HashAggregate", resource.OffHeap)
	if err := r.Grow(3 * mib); err != nil {
		t.Fatal(err)
	}
	table := alloc.Allocate(3 * mib)
	var asked int64
	r.SetSpiller(func(need int64) (int64, error) {
		// Writes its table out: the buffers and the reservation go.
		asked = need
		alloc.Free(table)
		table = nil
		sz := r.Size()
		r.Shrink(sz)
		return sz, nil
	})
	// Then a scan's batch needs 1.5 MiB more than the 1 MiB left.
	a := alloc.Allocate(3 * mib / 2)
	if err := tm.Check(); err != nil {
		t.Fatalf("the aggregate could have spilled: %v", err)
	}
	if asked == 0 || r.Size() != 0 || table != nil {
		t.Fatalf("spiller asked for %d, aggregate holds %d: want it asked and emptied", asked, r.Size())
	}
	if got := c.Size(); got != 2*mib {
		t.Fatalf("charge %d, want 2 MiB (1.5 MiB by blocks)", got)
	}
	alloc.Free(a)
	r.Free()
}

// Asked to spill, the charge gives back its block rounding.
func TestBufferChargeGivesBackSlack(t *testing.T) {
	tm := resource.NewTaskMemory(2*mib, 0)
	alloc, c, _ := chargedAllocator(t, tm, mib)
	a := alloc.Allocate(mib / 2)
	if c.Size() != mib {
		t.Fatalf("charge %d, want a block", c.Size())
	}
	r := tm.NewReservation("Sort", resource.OffHeap)
	if err := r.Grow(3 * mib / 2); err != nil {
		t.Fatalf("the charge's slack should have been given back: %v", err)
	}
	if c.Size() != mib/2 {
		t.Fatalf("charge %d after giving back its slack, want %d", c.Size(), mib/2)
	}
	r.Free()
	alloc.Free(a)
}

// With a memory manager the charge counts in the executor's pool and
// in its fair shares.
func TestBufferChargeWithManager(t *testing.T) {
	mm, err := resource.NewMemoryManager(resource.MemoryConfig{HeapBytes: 100 * mib, OffHeapBytes: 10 * mib, MemoryFraction: 1, Label: "profile 0"})
	if err != nil {
		t.Fatal(err)
	}
	tm := mm.NewTask(context.Background())
	defer tm.Release()
	alloc, _, _ := chargedAllocator(t, tm, mib)
	a := alloc.Allocate(5 * mib)
	if got := mm.Stats().Used[resource.OffHeap]; got != 5*mib {
		t.Fatalf("executor off-heap used %d, want 5 MiB", got)
	}
	b := alloc.Allocate(6 * mib) // 11 MiB > 10 MiB pool
	err = tm.Check()
	if err == nil || !strings.Contains(err.Error(), "off-heap pool of profile 0") {
		t.Fatalf("Err() = %v, want the executor's out-of-memory error", err)
	}
	alloc.Free(a)
	alloc.Free(b)
}

// Concurrent allocations and frees keep the charge consistent (run with
// -race).
func TestBufferChargeConcurrent(t *testing.T) {
	tm := resource.NewTaskMemory(0, 0)
	alloc, c, _ := chargedAllocator(t, tm, 64<<10)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var held [][]byte
			for i := 0; i < 500; i++ {
				held = append(held, alloc.Allocate(1000+g*37+i))
				if len(held) > 20 {
					alloc.Free(held[0])
					held = held[1:]
				}
			}
			for _, b := range held {
				alloc.Free(b)
			}
		}(g)
	}
	wg.Wait()
	alloc.Allocate(0)
	if got := alloc.Allocated(); got != 0 {
		t.Fatalf("allocator holds %d", got)
	}
	if c.Size() > 64<<10 {
		t.Fatalf("charge %d with nothing allocated, want at most one block", c.Size())
	}
	if err := tm.Check(); err != nil {
		t.Fatal(err)
	}
}

// A consumer that cannot reserve while the buffers fall short spills
// itself; what it frees covers the shortfall and the task goes on.
func TestBufferChargeShortfallCoveredBySelfSpill(t *testing.T) {
	tm := resource.NewTaskMemory(4*mib, 0)
	alloc, c, _ := chargedAllocator(t, tm, mib)
	r := tm.NewReservation("HashAggregate", resource.OffHeap)
	if err := r.Grow(2 * mib); err != nil {
		t.Fatal(err)
	}
	table := alloc.Allocate(2 * mib)
	// The aggregate's update allocates 3 MiB beyond its reservation, with
	// 2 MiB free: the charge falls short by 1 MiB.
	more := alloc.Allocate(3 * mib)
	if r.TryGrow(mib) {
		t.Fatal("the aggregate's next reservation succeeded while the buffers fall short")
	}
	// So it spills itself: its table and reservation go.
	alloc.Free(table)
	alloc.Free(more)
	r.Shrink(r.Size())
	if !r.TryGrow(mib) {
		t.Fatal("after spilling, the reservation still fails")
	}
	if err := tm.Check(); err != nil {
		t.Fatalf("Check after the spill: %v", err)
	}
	if c.Size() != 0 {
		t.Fatalf("charge %d with every buffer freed under reservations, want 0", c.Size())
	}
	r.Free()
}
