package columnar

import (
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// AccountingAllocator is a memory.Allocator that counts the bytes it hands
// out. Every task allocates its Arrow buffers through one, so the bytes a task
// holds are known exactly; the memory manager builds its off-heap pool on
// these counts. It is safe for concurrent use.
//
// The count follows the buffers, not the task: a buffer allocated by one task
// and freed by another is subtracted from the allocator that allocated it.
type AccountingAllocator struct {
	parent    memory.Allocator
	allocated atomic.Int64
	peak      atomic.Int64
	total     atomic.Int64
	listener  atomic.Pointer[listenerBox]
}

// AllocationListener is told of every change of an AccountingAllocator's
// count: a task's memory charges its off-heap pool through one
// (resource.BufferCharge), as Gluten's Velox memory pools report to a
// reservation listener. It is called on the allocating goroutine, after the
// change, with the new count; it must be cheap when nothing needs doing and
// safe for concurrent use. It cannot fail the allocation (Arrow's
// allocators cannot): a charge that cannot be met is reported by the
// listener's owner at the task's next check.
type AllocationListener interface {
	AllocationChanged(allocated int64)
}

type listenerBox struct{ l AllocationListener }

// NewAccountingAllocator returns an allocator that draws from parent and
// counts what it hands out. If parent is itself an *AccountingAllocator, the
// bytes are counted at both levels (a task inside a query, say). A nil parent
// means memory.DefaultAllocator.
func NewAccountingAllocator(parent memory.Allocator) *AccountingAllocator {
	if parent == nil {
		parent = memory.DefaultAllocator
	}
	return &AccountingAllocator{parent: parent}
}

// SetListener makes l hear of every change of the count from now on (nil:
// none). Detach the listener before its owner goes away.
func (a *AccountingAllocator) SetListener(l AllocationListener) {
	if l == nil {
		a.listener.Store(nil)
		return
	}
	a.listener.Store(&listenerBox{l})
}

func (a *AccountingAllocator) grow(delta int64) {
	n := a.allocated.Add(delta)
	if b := a.listener.Load(); b != nil {
		b.l.AllocationChanged(n)
	}
	if delta > 0 {
		a.total.Add(delta)
		for {
			p := a.peak.Load()
			if n <= p || a.peak.CompareAndSwap(p, n) {
				break
			}
		}
	}
}

// Allocate implements memory.Allocator.
func (a *AccountingAllocator) Allocate(size int) []byte {
	b := a.parent.Allocate(size)
	a.grow(int64(len(b)))
	return b
}

// Reallocate implements memory.Allocator.
func (a *AccountingAllocator) Reallocate(size int, b []byte) []byte {
	old := len(b)
	nb := a.parent.Reallocate(size, b)
	a.grow(int64(len(nb) - old))
	return nb
}

// Free implements memory.Allocator.
func (a *AccountingAllocator) Free(b []byte) {
	n := len(b)
	a.parent.Free(b)
	a.grow(-int64(n))
}

// Allocated returns the bytes currently allocated and not yet freed.
func (a *AccountingAllocator) Allocated() int64 { return a.allocated.Load() }

// Peak returns the largest value Allocated has had.
func (a *AccountingAllocator) Peak() int64 { return a.peak.Load() }

// TotalAllocated returns the sum of all bytes ever allocated.
func (a *AccountingAllocator) TotalAllocated() int64 { return a.total.Load() }

// Parent returns the allocator this one draws from.
func (a *AccountingAllocator) Parent() memory.Allocator { return a.parent }
