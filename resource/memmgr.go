package resource

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
)

// Defaults of MemoryConfig's fractions, as Spark's and Gluten's.
const (
	// DefaultMemoryFraction is spark.memory.fraction.
	DefaultMemoryFraction = 0.6
	// DefaultStorageFraction is spark.memory.storageFraction.
	DefaultStorageFraction = 0.5
	// DefaultDynamicOffHeapFraction is
	// spark.gluten.memory.dynamic.offHeap.sizing.memory.fraction.
	DefaultDynamicOffHeapFraction = 0.6
	// MaxForcedGCs is how many garbage collections a reservation under
	// dynamic off-heap sizing forces at most before it fails (Gluten's
	// DynamicOffHeapSizingMemoryTarget retries 3 times).
	MaxForcedGCs = 3
)

// MemoryConfig configures an executor's MemoryManager. Zero fractions take
// their defaults.
type MemoryConfig struct {
	// HeapBytes is the executor's heap (spark.executor.memory); it must be
	// positive.
	HeapBytes int64
	// OffHeapBytes is the executor's off-heap memory
	// (spark.memory.offHeap.size); 0 disables off-heap memory, and then
	// off-heap reservations draw from the heap pool (as Spark's Tungsten
	// memory mode falls back to the heap).
	OffHeapBytes int64
	// MemoryFraction (spark.memory.fraction, default 0.6) is the part of
	// each pool's bytes that execution and storage share.
	MemoryFraction float64
	// StorageFraction (spark.memory.storageFraction, default 0.5) is the
	// part of that region storage keeps safe from eviction. gluten-go has no
	// storage users (no cached blocks), so execution may use the whole
	// region, as Spark's UnifiedMemoryManager lets execution borrow
	// storage's free part; the value is only reported (StorageRegion). A
	// zero value takes the default, which changes nothing here.
	StorageFraction float64
	// Label names the executor's resource profile in error messages, e.g.
	// "profile 1".
	Label string
	// DynamicOffHeapSizing (spark.gluten.memory.dynamic.offHeap.sizing.enabled)
	// replaces the two pools by one quota of HeapBytes x
	// DynamicOffHeapFraction that heap and off-heap reservations share;
	// OffHeapBytes and MemoryFraction are ignored (OffHeapIgnored).
	DynamicOffHeapSizing bool
	// DynamicOffHeapFraction is the quota's fraction of HeapBytes (default
	// 0.6).
	DynamicOffHeapFraction float64
	// GC forces a garbage collection under dynamic off-heap sizing (nil:
	// runtime.GC). Tests inject their own.
	GC func()
	// HeapInUse returns the Go heap in use, in bytes, live and not yet
	// collected objects (nil: runtime/metrics'
	// /memory/classes/heap/objects:bytes, which is the whole process's).
	// Used only under dynamic off-heap sizing; it must not call into the
	// manager.
	HeapInUse func() int64
}

// MemoryManager is an executor's memory, Spark's unified memory model: a
// heap pool and an off-heap pool, each (bytes x spark.memory.fraction)
// shared by execution and storage (gluten-go has no storage users, so
// execution can use all of it), or, under dynamic off-heap sizing, one
// quota for both. Each task (NewTask) draws from the pools through its
// TaskMemory; with N tasks active in a pool, a task holds at most 1/N of
// it and waits for memory when it would otherwise be left with less than
// 1/2N (Spark's ExecutionMemoryPool). It is safe for concurrent use.
//
// Under dynamic off-heap sizing a reservation must fit twice. First the
// reservations of both pools together stay within the quota (with the fair
// shares above). Second the Go heap in use (HeapInUse) plus the request
// stays within it too: Gluten's check (JVM heap used + tracked off-heap +
// request <= quota) adapted to Go, where Arrow buffers live in the Go heap
// already, so there is no separate off-heap term; what the measure adds to
// the reservations is garbage not yet collected and objects nobody
// reserved (memory a consumer allocates before reserving it counts twice,
// which errs on the safe side). When a request does not fit, the task's
// consumers are asked to spill first (for at least the excess); then, if
// only the heap check still fails, a garbage collection is forced, up to
// MaxForcedGCs times while each one shrinks the heap; then the
// reservation fails. A shortfall of the reservations alone forces no GC:
// collecting frees no reservation. The default measure is the whole
// process's heap, right for one executor per process; with several
// executors in one process, pass a HeapInUse that attributes the heap to
// this one (or returns 0 to keep only the reservation check).
type MemoryManager struct {
	cfg       MemoryConfig
	dynamic   bool
	quota     int64 // the shared quota, under dynamic off-heap sizing
	gc        func()
	heapInUse func() int64
	gcMu      sync.Mutex // serializes forced GCs
	gcs       atomic.Int64

	mu      sync.Mutex // guards the fields below and the tasks' accounting
	arenas  []*arena   // one or two regions
	arenaOf [2]int     // by PoolKind: index in arenas
	tasks   map[*TaskMemory]struct{}
	waiters int           // tasks waiting for a fair share
	changed chan struct{} // closed and replaced when waiters should look again
	used    [2]int64      // by PoolKind
	peak    [2]int64
	peakTot int64
	spills  int64
	spilled int64
}

// arena is a region pools draw from: Spark's execution and storage pools
// of one memory mode.
type arena struct {
	size          int64 // execution + storage
	storageRegion int64 // size x storage fraction
	storageUsed   int64 // always 0: gluten-go stores no blocks
	used          int64 // execution memory granted
	tasks         map[*TaskMemory]int64
}

// maxExecution returns the most execution may use: everything except the
// storage region's used part (execution can take storage's free part; it
// cannot evict storage below the region).
func (a *arena) maxExecution() int64 {
	return a.size - min(a.storageUsed, a.storageRegion)
}

func newArena(size int64, storageFraction float64) *arena {
	return &arena{size: size, storageRegion: int64(float64(size) * storageFraction),
		tasks: map[*TaskMemory]int64{}}
}

// NewMemoryManager returns an executor's memory manager. Without dynamic
// off-heap sizing the heap pool is HeapBytes x MemoryFraction and the
// off-heap pool OffHeapBytes x MemoryFraction (Spark takes 300 MB off the
// heap first, for its own objects, and gives off-heap memory no fraction;
// gluten-go has no such objects and leaves the fraction for Go's
// unaccounted allocations in both). With it, both draw from one quota of
// HeapBytes x DynamicOffHeapFraction.
func NewMemoryManager(cfg MemoryConfig) (*MemoryManager, error) {
	if cfg.MemoryFraction == 0 {
		cfg.MemoryFraction = DefaultMemoryFraction
	}
	if cfg.StorageFraction == 0 {
		cfg.StorageFraction = DefaultStorageFraction
	}
	if cfg.DynamicOffHeapFraction == 0 {
		cfg.DynamicOffHeapFraction = DefaultDynamicOffHeapFraction
	}
	switch {
	case cfg.HeapBytes <= 0:
		return nil, fmt.Errorf("memory manager of %s: heap bytes must be positive, got %d", cfg.Label, cfg.HeapBytes)
	case cfg.OffHeapBytes < 0:
		return nil, fmt.Errorf("memory manager of %s: off-heap bytes must not be negative, got %d", cfg.Label, cfg.OffHeapBytes)
	case !(cfg.MemoryFraction > 0 && cfg.MemoryFraction <= 1):
		return nil, fmt.Errorf("memory manager of %s: spark.memory.fraction must be in (0, 1], got %v", cfg.Label, cfg.MemoryFraction)
	case !(cfg.StorageFraction >= 0 && cfg.StorageFraction <= 1):
		return nil, fmt.Errorf("memory manager of %s: spark.memory.storageFraction must be in [0, 1], got %v", cfg.Label, cfg.StorageFraction)
	case !(cfg.DynamicOffHeapFraction > 0 && cfg.DynamicOffHeapFraction <= 1):
		return nil, fmt.Errorf("memory manager of %s: the dynamic off-heap sizing fraction must be in (0, 1], got %v", cfg.Label, cfg.DynamicOffHeapFraction)
	}
	mm := &MemoryManager{cfg: cfg, dynamic: cfg.DynamicOffHeapSizing, gc: cfg.GC, heapInUse: cfg.HeapInUse,
		tasks: map[*TaskMemory]struct{}{}, changed: make(chan struct{})}
	if mm.gc == nil {
		mm.gc = runtime.GC
	}
	if mm.heapInUse == nil {
		mm.heapInUse = GoHeapInUse
	}
	heap := int64(float64(cfg.HeapBytes) * cfg.MemoryFraction)
	switch {
	case mm.dynamic:
		mm.quota = int64(float64(cfg.HeapBytes) * cfg.DynamicOffHeapFraction)
		mm.arenas = []*arena{newArena(mm.quota, cfg.StorageFraction)}
	case cfg.OffHeapBytes > 0:
		off := int64(float64(cfg.OffHeapBytes) * cfg.MemoryFraction)
		mm.arenas = []*arena{newArena(heap, cfg.StorageFraction), newArena(off, cfg.StorageFraction)}
		mm.arenaOf[OffHeap] = 1
	default:
		mm.arenas = []*arena{newArena(heap, cfg.StorageFraction)}
	}
	return mm, nil
}

// GoHeapInUse returns the bytes of the process's Go heap objects, live and
// not yet collected (runtime/metrics /memory/classes/heap/objects:bytes);
// cheap enough to call on every reservation, it does not stop the world.
func GoHeapInUse() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// Config returns the configuration, with defaults filled in.
func (mm *MemoryManager) Config() MemoryConfig { return mm.cfg }

// OffHeapIgnored reports whether dynamic off-heap sizing is on while an
// off-heap size was configured: that setting is ignored, which the engine
// should log as a warning (as Gluten does).
func (mm *MemoryManager) OffHeapIgnored() bool {
	return mm.dynamic && mm.cfg.OffHeapBytes > 0
}

// Quota returns the quota heap and off-heap share under dynamic off-heap
// sizing, else 0.
func (mm *MemoryManager) Quota() int64 { return mm.quota }

// PoolSize returns the bytes of the region pool p draws from: the pool
// itself, the heap pool for off-heap when off-heap memory is disabled, the
// shared quota under dynamic off-heap sizing.
func (mm *MemoryManager) PoolSize(p PoolKind) int64 {
	return mm.arenas[mm.arenaOf[p]].size
}

// StorageRegion returns the part of p's region that storage would keep
// (size x spark.memory.storageFraction); unused in gluten-go, which
// stores no blocks.
func (mm *MemoryManager) StorageRegion(p PoolKind) int64 {
	return mm.arenas[mm.arenaOf[p]].storageRegion
}

// ActiveTasks returns the number of tasks active in p's region: those that
// requested memory there and have not been released.
func (mm *MemoryManager) ActiveTasks(p PoolKind) int {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return len(mm.arenas[mm.arenaOf[p]].tasks)
}

// MemoryStats is a MemoryManager's report.
type MemoryStats struct {
	// Used and Peak are the bytes reserved now and at most, by PoolKind.
	Used, Peak [2]int64
	// PeakTotal is the most heap and off-heap held together (what the
	// quota of dynamic off-heap sizing bounds).
	PeakTotal int64
	// Spills counts spill requests made of consumers, SpilledBytes the
	// bytes they reported freed.
	Spills, SpilledBytes int64
	// ForcedGCs counts garbage collections forced by dynamic off-heap
	// sizing.
	ForcedGCs int64
	// Tasks is the number of tasks not yet released.
	Tasks int
}

// Stats returns the manager's report.
func (mm *MemoryManager) Stats() MemoryStats {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return MemoryStats{Used: mm.used, Peak: mm.peak, PeakTotal: mm.peakTot, Spills: mm.spills,
		SpilledBytes: mm.spilled, ForcedGCs: mm.gcs.Load(), Tasks: len(mm.tasks)}
}

// NewTask returns the memory of a task running on the executor. ctx is the
// task's context: cancelling it ends a wait for the task's fair share. The
// task becomes active in a pool when it first reserves there, and inactive
// when Release is called, which the caller must do when the task ends.
func (mm *MemoryManager) NewTask(ctx context.Context) *TaskMemory {
	if ctx == nil {
		ctx = context.Background()
	}
	m := &TaskMemory{mm: mm, ctx: ctx, resv: map[*Reservation]struct{}{}}
	mm.mu.Lock()
	mm.tasks[m] = struct{}{}
	mm.mu.Unlock()
	return m
}

// acquire grants task m up to n bytes of pool p, as Spark's
// ExecutionMemoryPool.acquireMemory: with N active tasks in p's region it
// keeps the task's holding at most 1/N of the region and gives what is
// free up to that; when that would leave the task below 1/2N it waits
// until memory is freed or tasks come and go (or m's context is done).
//
// A task uses both pools, so two tasks could each wait for memory the
// other holds in the other pool. To avoid that, a task waits only while
// some other task holding memory in the region is not waiting itself (it
// runs, so it may free); else it takes what it can get at once, as when
// it is above 1/2N, and its consumers spill or fail. In Spark's one-pool
// case the guard never fires: waiters hold less than half the pool.
func (mm *MemoryManager) acquire(m *TaskMemory, p PoolKind, n int64) (int64, error) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	a := mm.arenas[mm.arenaOf[p]]
	waited := false
	defer func() { // runs before the unlock
		if waited {
			m.waiting--
		}
	}()
	for {
		if m.closed {
			return 0, errReleased
		}
		cur, active := a.tasks[m]
		if !active {
			a.tasks[m] = 0
			mm.notifyLocked() // waiting tasks' shares shrink
		}
		tasks := int64(len(a.tasks))
		pool := a.maxExecution()
		maxPerTask, minPerTask := pool/tasks, pool/(2*tasks)
		grant := min(n, max(0, maxPerTask-cur), max(0, pool-a.used))
		if grant < n && cur+grant < minPerTask && mm.canFreeLocked(a, m) {
			if !waited {
				waited = true
				m.waiting++
				mm.notifyLocked() // waiters counting on m to free look again
			}
			if err := mm.waitLocked(m.ctx); err != nil {
				return 0, err
			}
			continue
		}
		if grant > 0 {
			a.tasks[m] += grant
			a.used += grant
			m.used[p] += grant
			mm.used[p] += grant
		}
		return grant, nil
	}
}

// waitLocked waits, with mm.mu released, until notifyLocked is called or
// ctx is done.
func (mm *MemoryManager) waitLocked(ctx context.Context) error {
	ch := mm.changed
	mm.waiters++
	mm.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
	}
	mm.mu.Lock()
	mm.waiters--
	return ctx.Err()
}

// canFreeLocked reports whether a task other than m holds memory in a and
// is not waiting for memory itself.
func (mm *MemoryManager) canFreeLocked(a *arena, m *TaskMemory) bool {
	for t, held := range a.tasks {
		if t != m && held > 0 && t.waiting == 0 {
			return true
		}
	}
	return false
}

// notifyLocked wakes the waiting tasks.
func (mm *MemoryManager) notifyLocked() {
	if mm.waiters > 0 {
		close(mm.changed)
		mm.changed = make(chan struct{})
	}
}

// shareOf returns the most task m may hold in pool p now (TaskMemory.Limit).
func (mm *MemoryManager) shareOf(m *TaskMemory, p PoolKind) int64 {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	a := mm.arenas[mm.arenaOf[p]]
	tasks := int64(len(a.tasks))
	if _, ok := a.tasks[m]; !ok {
		tasks++
	}
	return a.maxExecution() / tasks
}

// fitsHeap reports whether the Go heap in use leaves room for n more bytes
// within the quota, forcing up to MaxForcedGCs garbage collections while
// it does not and each one frees something; else it says what it saw.
func (mm *MemoryManager) fitsHeap(n int64) (bool, string) {
	mm.gcMu.Lock()
	defer mm.gcMu.Unlock()
	h := mm.heapInUse() // another task's GC may have helped meanwhile
	gcs := 0
	for h+n > mm.quota && gcs < MaxForcedGCs {
		mm.gc()
		gcs++
		mm.gcs.Add(1)
		after := mm.heapInUse()
		freed := after < h
		h = after
		if !freed {
			break
		}
	}
	if h+n <= mm.quota {
		return true, ""
	}
	return false, fmt.Sprintf("Go heap in use %d bytes after %d forced GCs", h, gcs)
}

// describeLocked returns the detail of an out-of-memory error of task m in
// pool p.
func (mm *MemoryManager) describeLocked(m *TaskMemory, p PoolKind, detail string) string {
	var parts []string
	switch {
	case mm.dynamic:
		parts = append(parts, fmt.Sprintf("dynamic off-heap sizing: heap and off-heap share one quota of %d bytes", mm.quota))
	case p == OffHeap && mm.arenaOf[OffHeap] == mm.arenaOf[Heap]:
		parts = append(parts, "off-heap memory disabled: off-heap reservations draw from the heap pool")
	}
	a := mm.arenas[mm.arenaOf[p]]
	if tasks := int64(len(a.tasks)); tasks > 1 {
		parts = append(parts, fmt.Sprintf("the task holds %d bytes, at most 1/%d of the pool: %d", a.tasks[m], tasks, a.maxExecution()/tasks))
	}
	if detail != "" {
		parts = append(parts, detail)
	}
	return strings.Join(parts, "; ")
}
