package resource

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
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

// String returns "heap" or "off-heap".
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
//
// A TaskMemory made by NewTaskMemory has fixed limits of its own. One made
// by MemoryManager.NewTask draws from its executor's pools instead, shares
// them fairly with the executor's other running tasks (Spark's
// ExecutionMemoryPool) and must be released with Release when the task
// ends.
//
// When a reservation cannot get what it asks, the task's other consumers
// in the same pool that registered a spill callback (SetSpiller) are asked
// to spill first, as in Spark's TaskMemoryManager; see Reservation.Grow.
type TaskMemory struct {
	// mu guards the fields below for a task without a manager; a task of a
	// MemoryManager is guarded by the manager's lock (see locker).
	mu     sync.Mutex
	mm     *MemoryManager
	ctx    context.Context // cancels waits for a fair share
	limit  [2]int64        // per pool, without a manager; <= 0 means unlimited
	used   [2]int64        // reserved now, including grants in flight
	peak   [2]int64        // largest used of a successful reservation
	resv   map[*Reservation]struct{}
	seq    int64 // registration counter, for a stable spill order
	closed bool
	// waiting counts the task's reservations waiting for a fair share
	// (guarded by the manager's lock).
	waiting int
	// spills and spilled count spill requests and the bytes they freed.
	spills, spilled int64
	// spillMu is held while the task asks its consumers to spill; a
	// reservation made from inside a spill callback does not spill again.
	spillMu sync.Mutex
	// charges are the task's BufferCharges, told when its other off-heap
	// reservations change; bufErr is the out-of-memory error of one that
	// could not be met (see Err).
	charges []*BufferCharge
	bufErr  error
}

// NewTaskMemory returns a budget of offHeap and heap bytes (<= 0:
// unlimited), not bound to any MemoryManager.
func NewTaskMemory(offHeap, heap int64) *TaskMemory {
	return &TaskMemory{limit: [2]int64{offHeap, heap}, resv: map[*Reservation]struct{}{}}
}

// errReleased is returned by reservations of a task after its Release.
var errReleased = errors.New("resource: the task's memory was already released")

// locker returns the mutex guarding the task's accounting.
func (m *TaskMemory) locker() *sync.Mutex {
	if m.mm != nil {
		return &m.mm.mu
	}
	return &m.mu
}

// Spiller is a consumer's spill callback: asked to free at least need
// bytes, it writes (part of) its state out, Shrinks its reservation and
// returns the bytes it freed. It is called without the memory manager's
// locks held, on the goroutine of the reservation that needs the memory,
// possibly while the consumer's own operator is further up the same call
// stack; it must cope with that (or free nothing and return 0). An error
// stops the spilling: Grow returns it (wrapped), TryGrow reports false, so
// the consumer should also remember it and fail on its next call.
type Spiller func(need int64) (freed int64, err error)

// Reservation is one consumer's share of a task's budget.
type Reservation struct {
	m     *TaskMemory
	name  string
	pool  PoolKind
	size  int64
	spill Spiller
	seq   int64
	// charge is set on a BufferCharge's own reservation.
	charge *BufferCharge
}

// NewReservation registers a consumer named name (for error messages) in
// one pool.
func (m *TaskMemory) NewReservation(name string, pool PoolKind) *Reservation {
	r := &Reservation{m: m, name: name, pool: pool}
	if m != nil {
		mu := m.locker()
		mu.Lock()
		m.seq++
		r.seq = m.seq
		m.resv[r] = struct{}{}
		mu.Unlock()
	}
	return r
}

// ChargeHeap charges size bytes, measured by the caller, of Go objects a
// task holds (the map statuses a reduce task reads, say) to the heap pool:
// it is a reservation named name in the Heap pool, grown to size, or the
// out-of-memory error. The caller Frees it when it drops the objects.
func (m *TaskMemory) ChargeHeap(name string, size int64) (*Reservation, error) {
	r := m.NewReservation(name, Heap)
	if err := r.Grow(size); err != nil {
		r.Free()
		return nil, err
	}
	return r, nil
}

// SetSpiller registers the consumer's spill callback (nil: none), which
// the task calls when another of its consumers in the same pool (or in the
// shared quota of dynamic off-heap sizing) needs memory, and when this
// consumer's own Grow cannot be met otherwise.
func (r *Reservation) SetSpiller(f Spiller) {
	if r.m == nil {
		r.spill = f
		return
	}
	mu := r.m.locker()
	mu.Lock()
	r.spill = f
	mu.Unlock()
}

// TryGrow reserves n more bytes; it reports false, reserving nothing, when
// that would pass the pool's limit (the consumer then spills and retries).
// Before it fails, the task's other consumers that have a spill callback
// are asked to spill; the consumer itself is not (it spills on false). With
// a MemoryManager it may wait for the task's fair share of the pool (it
// reports false when the task's context is cancelled meanwhile).
func (r *Reservation) TryGrow(n int64) bool {
	if r.m == nil {
		r.size += n
		return true
	}
	ok, _, err := r.m.reserve(r, n, false)
	return ok && err == nil
}

// Grow reserves n more bytes or returns an error: the *OutOfMemoryError
// naming the pool, the request and the largest consumers, or, with a
// MemoryManager, the task context's error when it was cancelled while
// waiting for its fair share. As in Spark's TaskMemoryManager, when the
// pool cannot give n bytes the task's other spillable consumers in the
// pool are asked to spill, the smallest one that holds at least what is
// still needed first, else the largest, until enough is free; then the
// consumer itself, if it has a spill callback; then (dynamic off-heap
// sizing) the garbage collector runs.
func (r *Reservation) Grow(n int64) error {
	if r.m == nil {
		r.size += n
		return nil
	}
	ok, detail, err := r.m.reserve(r, n, true)
	if err != nil {
		return err
	}
	if !ok {
		return r.m.oom(r, n, detail)
	}
	return nil
}

// Shrink gives back n bytes.
func (r *Reservation) Shrink(n int64) {
	if r.m == nil {
		r.size -= max(0, min(n, r.size))
		return
	}
	mu := r.m.locker()
	mu.Lock()
	defer mu.Unlock()
	n = min(n, r.size)
	if n <= 0 {
		return
	}
	r.size -= n
	r.m.giveBackLocked(r.pool, n)
}

// Resize sets the reservation to n bytes (n may be smaller or larger); it
// fails like TryGrow when growing does not fit.
func (r *Reservation) Resize(n int64) bool {
	s := r.Size()
	if n < s {
		r.Shrink(s - n)
		return true
	}
	return r.TryGrow(n - s)
}

// Size returns the bytes reserved.
func (r *Reservation) Size() int64 {
	if r.m == nil {
		return r.size
	}
	mu := r.m.locker()
	mu.Lock()
	defer mu.Unlock()
	return r.size
}

// Free gives everything back and unregisters the consumer.
func (r *Reservation) Free() {
	if r.m == nil {
		r.size = 0
		return
	}
	mu := r.m.locker()
	mu.Lock()
	defer mu.Unlock()
	if r.size > 0 {
		r.m.giveBackLocked(r.pool, r.size)
		r.size = 0
	}
	delete(r.m.resv, r)
}

// Peak returns the largest amount a pool has had reserved by the task.
func (m *TaskMemory) Peak(pool PoolKind) int64 {
	if m == nil {
		return 0
	}
	mu := m.locker()
	mu.Lock()
	defer mu.Unlock()
	return m.peak[pool]
}

// Used returns the bytes a pool has reserved for the task now.
func (m *TaskMemory) Used(pool PoolKind) int64 {
	if m == nil {
		return 0
	}
	mu := m.locker()
	mu.Lock()
	defer mu.Unlock()
	return m.used[pool]
}

// Limit returns the most the task may hold in a pool (<= 0: unlimited):
// the fixed limit of NewTaskMemory or, with a MemoryManager, the task's
// fair share now: the pool (the shared quota under dynamic off-heap
// sizing) divided by the number of active tasks in it, this one included.
// The share changes as tasks start and end.
func (m *TaskMemory) Limit(pool PoolKind) int64 {
	if m == nil {
		return 0
	}
	if m.mm == nil {
		return m.limit[pool]
	}
	return m.mm.shareOf(m, pool)
}

// Spills returns how many spill requests the task made of its consumers
// and the bytes they reported freed.
func (m *TaskMemory) Spills() (requests, freed int64) {
	if m == nil {
		return 0, 0
	}
	mu := m.locker()
	mu.Lock()
	defer mu.Unlock()
	return m.spills, m.spilled
}

// Release gives back everything the task still holds and, with a
// MemoryManager, makes it inactive in the executor's pools (the other
// tasks' fair shares grow, waiting tasks wake). It returns the bytes that
// were still reserved: non-zero means a consumer did not Free its
// reservation (a leak, which Spark warns about). Later reservations fail;
// Shrink and Free stay harmless. Release is idempotent.
func (m *TaskMemory) Release() int64 {
	if m == nil {
		return 0
	}
	mu := m.locker()
	mu.Lock()
	defer mu.Unlock()
	if m.closed {
		return 0
	}
	m.closed = true
	var leaked int64
	for r := range m.resv {
		leaked += r.size
		r.size = 0
	}
	if mm := m.mm; mm != nil {
		for p := range m.used {
			mm.used[p] -= m.used[p]
		}
		for _, a := range mm.arenas {
			if h, ok := a.tasks[m]; ok {
				a.used -= h
				delete(a.tasks, m)
			}
		}
		delete(mm.tasks, m)
		mm.notifyLocked()
	}
	m.used = [2]int64{}
	return leaked
}

// invalidateChargesLocked tells the task's BufferCharges that its other
// off-heap reservations changed.
func (m *TaskMemory) invalidateChargesLocked() {
	for _, c := range m.charges {
		c.invalidate()
	}
}

// arenaIndex returns the region pool p draws from.
func (m *TaskMemory) arenaIndex(p PoolKind) int {
	if m.mm != nil {
		return m.mm.arenaOf[p]
	}
	return int(p)
}

// grant reserves up to n bytes of pool p for the task, uncommitted: with a
// manager as much as its fair share allows (possibly waiting); without one
// all or nothing, against the fixed limit.
func (m *TaskMemory) grant(p PoolKind, n int64) (int64, error) {
	if m.mm != nil {
		return m.mm.acquire(m, p, n)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, errReleased
	}
	if l := m.limit[p]; l > 0 && m.used[p]+n > l {
		return 0, nil
	}
	m.used[p] += n
	return n, nil
}

// giveBack returns n granted bytes of pool p.
func (m *TaskMemory) giveBack(p PoolKind, n int64) {
	if n <= 0 {
		return
	}
	mu := m.locker()
	mu.Lock()
	m.giveBackLocked(p, n)
	mu.Unlock()
}

func (m *TaskMemory) giveBackLocked(p PoolKind, n int64) {
	if m.closed {
		return // Release gave everything back
	}
	m.used[p] -= n
	if p == OffHeap {
		m.invalidateChargesLocked()
	}
	if mm := m.mm; mm != nil {
		mm.used[p] -= n
		a := mm.arenas[mm.arenaOf[p]]
		a.tasks[m] -= n
		a.used -= n
		mm.notifyLocked()
	}
}

// commit adds n granted bytes to r and updates the peaks.
func (m *TaskMemory) commit(r *Reservation, n int64) error {
	mu := m.locker()
	mu.Lock()
	defer mu.Unlock()
	if m.closed {
		return errReleased
	}
	r.size += n
	p := r.pool
	if p == OffHeap {
		m.invalidateChargesLocked()
	}
	m.peak[p] = max(m.peak[p], m.used[p])
	if mm := m.mm; mm != nil {
		mm.peak[p] = max(mm.peak[p], mm.used[p])
		mm.peakTot = max(mm.peakTot, mm.used[OffHeap]+mm.used[Heap])
	}
	return nil
}

// reserve grows r by n bytes (see Grow): ok false with a nil error means it
// does not fit; detail then says why when the reservations alone do not.
// selfSpill: the consumer's own spiller may be asked (Grow).
func (m *TaskMemory) reserve(r *Reservation, n int64, selfSpill bool) (ok bool, detail string, err error) {
	if n <= 0 {
		if n < 0 {
			r.Shrink(-n)
		}
		return true, "", nil
	}
	if err := m.Err(); err != nil {
		// The task's Arrow buffers ran out of memory: it is failing.
		return false, "", err
	}
	if r.charge == nil && m.arenaIndex(r.pool) == m.arenaIndex(OffHeap) {
		// Memory the task's buffers already use but could not reserve
		// comes first; the consumer spills itself when it cannot.
		if _, short := m.settleCharges(false); short > 0 {
			return false, fmt.Sprintf("the task's Arrow buffers already use %d bytes more than they could reserve", short), nil
		}
	}
	p := r.pool
	got, err := m.grant(p, n)
	if err != nil {
		return false, "", err
	}
	// Under dynamic off-heap sizing the Go heap in use must also leave room
	// for the request; over is by how much it does not.
	mm := m.mm
	dynamic := mm != nil && mm.dynamic
	var over, freed int64
	if dynamic {
		over = mm.heapInUse() + n - mm.quota
	}
	need := func() int64 { return max(n-got, over-freed) }
	if need() > 0 && m.spillMu.TryLock() {
		err = m.spillFor(r, n, &got, &freed, need, selfSpill)
		m.spillMu.Unlock()
	}
	if err == nil && got == n {
		fits := true
		if dynamic && over > 0 {
			fits, detail = mm.fitsHeap(n)
		}
		if fits {
			if err = m.commit(r, n); err == nil {
				return true, "", nil
			}
		}
	}
	m.giveBack(p, got)
	return false, detail, err
}

type spillCandidate struct {
	r    *Reservation
	f    Spiller
	size int64
	seq  int64
}

// spillFor asks the task's consumers to spill while need() > 0, each at
// most once: first the others drawing from r's region, the one whose size
// best fits the need (the smallest holding at least need), else the
// largest; then r itself when selfSpill. After each spill that freed
// memory the rest of the request is granted again.
func (m *TaskMemory) spillFor(r *Reservation, n int64, got, freed *int64, need func() int64, selfSpill bool) error {
	var cands []spillCandidate
	mu := m.locker()
	mu.Lock()
	a := m.arenaIndex(r.pool)
	for c := range m.resv {
		if c != r && c.spill != nil && c.size > 0 && m.arenaIndex(c.pool) == a {
			cands = append(cands, spillCandidate{c, c.spill, c.size, c.seq})
		}
	}
	self := r.spill
	mu.Unlock()
	slices.SortFunc(cands, func(x, y spillCandidate) int {
		return cmp.Or(cmp.Compare(x.size, y.size), cmp.Compare(x.seq, y.seq))
	})
	for need() > 0 && len(cands) > 0 {
		want := need()
		i := sort.Search(len(cands), func(i int) bool { return cands[i].size >= want })
		if i == len(cands) {
			i--
		}
		c := cands[i]
		cands = slices.Delete(cands, i, i+1)
		if err := m.spillOne(c.r, c.f, want, r.pool, n, got, freed); err != nil {
			return err
		}
	}
	if selfSpill && self != nil && need() > 0 {
		return m.spillOne(r, self, need(), r.pool, n, got, freed)
	}
	return nil
}

// spillOne asks c to spill want bytes (no lock held) and, when it freed
// some, grants the rest of the request of n bytes of pool p.
func (m *TaskMemory) spillOne(c *Reservation, f Spiller, want int64, p PoolKind, n int64, got, freed *int64) error {
	fr, err := f(want)
	fr = max(fr, 0)
	*freed += fr
	mu := m.locker()
	mu.Lock()
	m.spills++
	m.spilled += fr
	if mm := m.mm; mm != nil {
		mm.spills++
		mm.spilled += fr
	}
	mu.Unlock()
	if err != nil {
		return fmt.Errorf("spilling %s: %w", c.name, err)
	}
	if fr > 0 && *got < n {
		g, err := m.grant(p, n-*got)
		*got += g
		return err
	}
	return nil
}

// OutOfMemoryError is a reservation that could not be met.
type OutOfMemoryError struct {
	// Pool is the requesting consumer's pool.
	Pool PoolKind
	// Profile labels the executor's resource profile ("profile 1"); empty
	// for a task without a MemoryManager.
	Profile string
	// Requested is the bytes asked for.
	Requested int64
	// Used and Limit are of the region the pool draws from: the task's own
	// pool without a MemoryManager, else the executor's pool (the shared
	// quota under dynamic off-heap sizing).
	Used  int64
	Limit int64
	// Consumer names the requesting consumer.
	Consumer string
	// Largest is "name: bytes" of the 3 largest consumers of the region
	// (of every task of the executor, with a MemoryManager).
	Largest []string
	// Detail says more when there is more to say: the task's fair share,
	// a shared quota, the Go heap in use after forced GCs.
	Detail string
}

// Error describes the failure; it starts with "out of memory:".
func (e *OutOfMemoryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "out of memory: %s pool", e.Pool)
	if e.Profile != "" {
		fmt.Fprintf(&b, " of %s", e.Profile)
	}
	largest := "none"
	if len(e.Largest) > 0 {
		largest = strings.Join(e.Largest, ", ")
	}
	fmt.Fprintf(&b, ": %s requested %d bytes with %d of %d in use; largest consumers: %s",
		e.Consumer, e.Requested, e.Used, e.Limit, largest)
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	return b.String()
}

// oom builds the error for r's failed request of n bytes.
func (m *TaskMemory) oom(r *Reservation, n int64, detail string) error {
	mu := m.locker()
	mu.Lock()
	defer mu.Unlock()
	e := &OutOfMemoryError{Pool: r.pool, Requested: n, Consumer: r.name}
	var cs []*Reservation
	if mm := m.mm; mm == nil {
		e.Used, e.Limit = m.used[r.pool], m.limit[r.pool]
		for c := range m.resv {
			if c.pool == r.pool {
				cs = append(cs, c)
			}
		}
		e.Detail = detail
	} else {
		ai := mm.arenaOf[r.pool]
		a := mm.arenas[ai]
		e.Profile = mm.cfg.Label
		e.Used, e.Limit = a.used, a.size
		for t := range mm.tasks {
			for c := range t.resv {
				if mm.arenaOf[c.pool] == ai {
					cs = append(cs, c)
				}
			}
		}
		e.Detail = mm.describeLocked(m, r.pool, detail)
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].size != cs[j].size {
			return cs[i].size > cs[j].size
		}
		return cs[i].name < cs[j].name
	})
	for i, c := range cs {
		if i == 3 {
			break
		}
		e.Largest = append(e.Largest, fmt.Sprintf("%s: %d", c.name, c.size))
	}
	return e
}
