package resource

import (
	"math"
	"sync"
	"sync/atomic"
)

// DefaultReservationBlockSize is spark.gluten.memory.reservationBlockSize's
// default: a BufferCharge grows and shrinks its reservation by blocks of
// this size, so that most allocations do not touch the memory manager.
const DefaultReservationBlockSize = 8 << 20

// BufferCharge charges a task's off-heap pool for the Arrow buffers the
// task's allocator holds, counted exactly by the allocator (it is the
// allocator's columnar.AllocationListener): Gluten's reservation listener,
// through which every Velox allocation reserves from Spark's
// TaskMemoryManager.
//
// Operators that hold large state (hash tables, sort buffers) reserve
// off-heap memory ahead of allocating it, as before; the charge covers
// what the allocator holds beyond those reservations, so a buffer is not
// counted twice and the task's off-heap use is at least what its Arrow
// buffers take. It grows by blocks (rounding up to the block when the
// block fits, else exactly), and gives memory back once it holds a block
// more than it needs; asked to spill, it gives back everything it holds
// beyond the allocator's count.
//
// An allocation cannot fail, so when the pool cannot cover what the
// allocator holds, even after the task's other consumers spilled, the
// charge falls behind (a shortfall) instead of failing at once: the
// task's next reservation in the same pool first tries again to cover it,
// and fails while it cannot (the consumer then spills itself, as when its
// own pool runs out; what it frees lowers the shortfall), and the task's
// operators check it after each batch (TaskMemory.Check), when the
// consumers waiting on that batch can spill. A shortfall still there at a
// check fails the task with the out-of-memory error (Velox throws at the
// allocation itself, after its arbitrator asked others to spill).
type BufferCharge struct {
	m     *TaskMemory
	r     *Reservation
	block int64

	// low and high bound the allocator counts that need no change: within
	// them the charge stands. high < 0 makes every call look.
	low, high atomic.Int64

	// mu is held while the reservation is resized. A change seen while
	// another call holds it (on another goroutine, or up this one's stack:
	// a consumer asked to spill frees buffers) is left in latest, with
	// dirty set, for the holder to apply before it lets go.
	mu     sync.Mutex
	dirty  atomic.Bool
	latest atomic.Int64
	// short is the bytes the reservation falls short of the allocator's
	// count after a resize that could not be met (0: none); while it is
	// not 0 allocations only record their count in latest.
	short    atomic.Int64
	closed   bool
	lastSeen int64 // the allocator's count at the last resize
}

// NewBufferCharge returns the charge for the task's Arrow buffers, a
// consumer named name in the off-heap pool that grows by blocks of block
// bytes (<= 0: DefaultReservationBlockSize). Set it as the listener of the
// task's allocator; Close it when the task ends, before Release.
func (m *TaskMemory) NewBufferCharge(name string, block int64) *BufferCharge {
	if block <= 0 {
		block = DefaultReservationBlockSize
	}
	c := &BufferCharge{m: m, block: block}
	c.high.Store(-1)
	if m == nil {
		return c
	}
	c.r = m.NewReservation(name, OffHeap)
	c.r.charge = c
	c.r.SetSpiller(c.spill)
	mu := m.locker()
	mu.Lock()
	m.charges = append(m.charges, c)
	mu.Unlock()
	return c
}

// AllocationChanged implements columnar.AllocationListener.
func (c *BufferCharge) AllocationChanged(allocated int64) {
	if allocated <= c.high.Load() && allocated >= c.low.Load() {
		return
	}
	if c.m == nil {
		return
	}
	c.latest.Store(allocated)
	if c.short.Load() > 0 {
		return // retried by the task's next reservation or check
	}
	c.dirty.Store(true)
	c.apply(false)
}

// apply resizes the reservation to the latest count while one is pending
// (dirty), then lets go of mu; with wait it waits for mu, else it leaves
// the work to the call holding it.
func (c *BufferCharge) apply(wait bool) {
	if wait {
		c.mu.Lock()
	} else if !c.mu.TryLock() {
		return
	}
	for {
		for c.dirty.Swap(false) && !c.closed {
			c.lastSeen = c.latest.Load()
			c.resizeLocked(c.lastSeen, false)
		}
		c.mu.Unlock()
		// A change recorded after the last Swap, while mu was held, is
		// still pending: take it unless another call has mu now.
		if !c.dirty.Load() || !c.mu.TryLock() {
			return
		}
	}
}

// settle tries again to cover a shortfall, waiting for mu or not, and
// returns what is still short.
func (c *BufferCharge) settle(wait bool) int64 {
	if c.short.Load() == 0 {
		return 0
	}
	c.dirty.Store(true)
	c.short.Store(0) // resizeLocked sets it again if it still falls short
	c.apply(wait)
	return c.short.Load()
}

// resizeLocked sets the reservation for an allocator count of allocated:
// grown to cover it (by a block when the block fits), shrunk when it holds
// a block or more beyond it (exact: to the count itself). Then it sets the
// band within which allocations need no call.
func (c *BufferCharge) resizeLocked(allocated int64, exact bool) {
	if c.m.Err() != nil {
		// Failed already: the task is ending; stop trying.
		c.low.Store(math.MinInt64)
		c.high.Store(math.MaxInt64)
		return
	}
	others, size := c.m.offHeapBeside(c.r)
	want := max(0, allocated-others)
	switch {
	case want > size:
		target := roundUp(want, c.block)
		if exact || !c.r.TryGrow(target-size) {
			if !c.r.TryGrow(want - size) {
				c.short.Store(want - c.r.Size())
				c.high.Store(-1) // every change records its count
				return
			}
		}
	case exact && want < size:
		c.r.Shrink(size - want)
	case want+c.block <= size:
		c.r.Shrink(size - roundUp(want, c.block))
	}
	c.short.Store(0)
	size = c.r.Size()
	c.low.Store(others + size - c.block + 1)
	c.high.Store(others + size)
}

// spill gives back what the charge holds beyond the allocator's count (the
// block rounding); it frees no buffer.
func (c *BufferCharge) spill(need int64) (int64, error) {
	if !c.mu.TryLock() {
		return 0, nil // resizing on another goroutine (or up this stack)
	}
	defer c.mu.Unlock()
	if c.closed {
		return 0, nil
	}
	before := c.r.Size()
	c.resizeLocked(c.lastSeen, true)
	return max(0, before-c.r.Size()), nil
}

// invalidate makes the next allocation look again: the task's other
// off-heap reservations changed, and with them what the charge must cover.
func (c *BufferCharge) invalidate() { c.high.Store(-1) }

// Size returns the bytes the charge holds.
func (c *BufferCharge) Size() int64 {
	if c.r == nil {
		return 0
	}
	return c.r.Size()
}

// Close stops charging and frees the reservation. Detach the charge from
// the allocator first (buffers that outlive the task, such as result
// batches handed to the caller, are no longer charged to it).
func (c *BufferCharge) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	c.low.Store(math.MinInt64)
	c.high.Store(math.MaxInt64)
	c.dirty.Store(false)
	if c.r != nil {
		c.r.Free()
	}
}

func roundUp(n, block int64) int64 { return (n + block - 1) / block * block }

// offHeapBeside returns the off-heap bytes the task's consumers other than
// r hold, and r's size.
func (m *TaskMemory) offHeapBeside(r *Reservation) (others, size int64) {
	mu := m.locker()
	mu.Lock()
	defer mu.Unlock()
	return m.used[OffHeap] - r.size, r.size
}

// settleCharges tries again to cover the shortfalls of the task's
// BufferCharges (waiting for a charge being resized elsewhere, or not) and
// returns the charge still falling short and by how much (nil: none).
func (m *TaskMemory) settleCharges(wait bool) (*BufferCharge, int64) {
	mu := m.locker()
	mu.Lock()
	charges := m.charges
	mu.Unlock()
	for _, c := range charges {
		if short := c.settle(wait); short > 0 {
			return c, short
		}
	}
	return nil, 0
}

// Check fails the task, returning the out-of-memory error, when its Arrow
// buffers take more of the off-heap pool than the pool gives even after
// trying once more (the consumers not busy now may spill); it returns the
// error again on every later call. Operators call it after each batch,
// the scheduler when the task ends.
func (m *TaskMemory) Check() error {
	if m == nil {
		return nil
	}
	if err := m.Err(); err != nil {
		return err
	}
	c, short := m.settleCharges(true)
	if c == nil {
		return nil
	}
	err := m.oom(c.r, short, "Arrow buffers the task's allocator holds beyond its operators' reservations")
	mu := m.locker()
	mu.Lock()
	if m.bufErr == nil {
		m.bufErr = err
	}
	err = m.bufErr
	mu.Unlock()
	return err
}

// Err returns the out-of-memory error Check failed the task with, else
// nil.
func (m *TaskMemory) Err() error {
	if m == nil {
		return nil
	}
	mu := m.locker()
	mu.Lock()
	defer mu.Unlock()
	return m.bufErr
}
