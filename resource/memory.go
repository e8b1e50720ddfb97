package resource

import (
	"fmt"
	"sort"
	"sync"
)

// PoolKind is a memory pool of an executor, as in Gluten: the heap holds Go
// objects (row operators' state, map statuses), the off-heap pool holds Arrow
// buffers (columnar operators).
type PoolKind int

// The two pools.
const (
	OffHeap PoolKind = iota
	Heap
)

func (k PoolKind) String() string {
	if k == Heap {
		return "heap"
	}
	return "off-heap"
}

// TaskMemory is a task's memory budget: large consumers (hash tables, sort
// buffers, shuffle buffers) reserve before they hold memory, and spill when
// a reservation fails. A nil *TaskMemory has no limits. It is safe for
// concurrent use.
type TaskMemory struct {
	mu    sync.Mutex
	limit [2]int64 // per pool; <= 0 means unlimited
	used  [2]int64
	peak  [2]int64
	resv  map[*Reservation]struct{}
}

// NewTaskMemory returns a budget of offHeap and heap bytes (<= 0:
// unlimited).
func NewTaskMemory(offHeap, heap int64) *TaskMemory {
	return &TaskMemory{limit: [2]int64{offHeap, heap}, resv: map[*Reservation]struct{}{}}
}

// Reservation is one consumer's share of a task's budget.
type Reservation struct {
	m    *TaskMemory
	name string
	pool PoolKind
	size int64
}

// NewReservation registers a consumer named name (for error messages) in
// one pool.
func (m *TaskMemory) NewReservation(name string, pool PoolKind) *Reservation {
	r := &Reservation{m: m, name: name, pool: pool}
	if m != nil {
		m.mu.Lock()
		m.resv[r] = struct{}{}
		m.mu.Unlock()
	}
	return r
}

// TryGrow reserves n more bytes; it reports false, reserving nothing, when
// that would pass the pool's limit (the consumer then spills and retries).
func (r *Reservation) TryGrow(n int64) bool {
	if r.m == nil {
		r.size += n
		return true
	}
	m := r.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if l := m.limit[r.pool]; l > 0 && m.used[r.pool]+n > l {
		return false
	}
	m.used[r.pool] += n
	m.peak[r.pool] = max(m.peak[r.pool], m.used[r.pool])
	r.size += n
	return true
}

// Grow reserves n more bytes or returns an out-of-memory error naming the
// pool, the request and the largest consumers.
func (r *Reservation) Grow(n int64) error {
	if r.TryGrow(n) {
		return nil
	}
	return r.m.oom(r, n)
}

// Shrink gives back n bytes.
func (r *Reservation) Shrink(n int64) {
	n = min(n, r.size)
	r.size -= n
	if r.m == nil {
		return
	}
	r.m.mu.Lock()
	r.m.used[r.pool] -= n
	r.m.mu.Unlock()
}

// Resize sets the reservation to n bytes (n may be smaller or larger); it
// fails like TryGrow when growing does not fit.
func (r *Reservation) Resize(n int64) bool {
	if n < r.size {
		r.Shrink(r.size - n)
		return true
	}
	return r.TryGrow(n - r.size)
}

// Size returns the bytes reserved.
func (r *Reservation) Size() int64 { return r.size }

// Free gives everything back and unregisters the consumer.
func (r *Reservation) Free() {
	r.Shrink(r.size)
	if r.m != nil {
		r.m.mu.Lock()
		delete(r.m.resv, r)
		r.m.mu.Unlock()
	}
}

// Peak returns the largest amount a pool has had reserved.
func (m *TaskMemory) Peak(pool PoolKind) int64 {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peak[pool]
}

// Used returns the bytes a pool has reserved now.
func (m *TaskMemory) Used(pool PoolKind) int64 {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used[pool]
}

// Limit returns a pool's limit (<= 0: unlimited).
func (m *TaskMemory) Limit(pool PoolKind) int64 {
	if m == nil {
		return 0
	}
	return m.limit[pool]
}

// OutOfMemoryError is a reservation that could not be met.
type OutOfMemoryError struct {
	Pool      PoolKind
	Requested int64
	Used      int64
	Limit     int64
	Consumer  string
	Largest   []string // "name: bytes" of the largest consumers
}

func (e *OutOfMemoryError) Error() string {
	return fmt.Sprintf("out of memory: %s pool: %s requested %d bytes with %d of %d in use; largest consumers: %v",
		e.Pool, e.Consumer, e.Requested, e.Used, e.Limit, e.Largest)
}

func (m *TaskMemory) oom(r *Reservation, n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cs []*Reservation
	for c := range m.resv {
		if c.pool == r.pool {
			cs = append(cs, c)
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].size > cs[j].size })
	e := &OutOfMemoryError{Pool: r.pool, Requested: n, Used: m.used[r.pool], Limit: m.limit[r.pool], Consumer: r.name}
	for i, c := range cs {
		if i == 3 {
			break
		}
		e.Largest = append(e.Largest, fmt.Sprintf("%s: %d", c.name, c.size))
	}
	return e
}
