package resource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of the ExecutorPool; the errors it returns wrap them with details.
var (
	// ErrExecutorPoolClosed: the pool was closed.
	ErrExecutorPoolClosed = errors.New("executor pool closed")
	// ErrProfileNotRegistered: the profile is not registered with the pool's
	// ProfileManager.
	ErrProfileNotRegistered = errors.New("resource profile not registered")
	// ErrDynamicAllocationDisabled: a non-default profile needs dynamic
	// allocation.
	ErrDynamicAllocationDisabled = errors.New("resource profiles other than the default need dynamic allocation")
	// ErrProfileNeverFits: one executor of the profile needs more cores or
	// memory than the pool's whole capacity.
	ErrProfileNeverFits = errors.New("resource profile can never fit the executor pool's capacity")
)

// Default timeouts of dynamic allocation, as Spark's.
const (
	// DefaultExecutorIdleTimeout is spark.dynamicAllocation.executorIdleTimeout's default.
	DefaultExecutorIdleTimeout = 60 * time.Second
	// DefaultSchedulerBacklogTimeout is spark.dynamicAllocation.schedulerBacklogTimeout's default.
	DefaultSchedulerBacklogTimeout = time.Second
)

// Capacity is what the local executor pool shares among its executors
// (spark.gluten.local.cores and spark.gluten.local.memory).
type Capacity struct {
	// Cores is the number of cores; it must be positive.
	Cores int
	// Memory is the bytes of memory (heap + off-heap + overhead of every
	// live executor); <= 0 means unbounded.
	Memory int64
}

// String prints the capacity for people: "cores 4, memory 8.0 GiB".
func (c Capacity) String() string {
	if c.Memory <= 0 {
		return fmt.Sprintf("cores %d, memory unbounded", c.Cores)
	}
	return fmt.Sprintf("cores %d, memory %s", c.Cores, FormatBytes(c.Memory))
}

// ExecutorPoolOptions configures an ExecutorPool.
type ExecutorPoolOptions struct {
	// DynamicAllocation (spark.dynamicAllocation.enabled) starts and
	// releases executors per profile; without it only the default profile
	// runs, on executors started as needed up to the capacity and kept until
	// Close (MinExecutors, MaxExecutors and the timeouts are then unused).
	DynamicAllocation bool
	// MinExecutors (spark.dynamicAllocation.minExecutors) is how many
	// executors of each profile that was used the idle timeout keeps. A
	// backlog of another profile may still take them (else it could wait
	// forever on a fixed capacity).
	MinExecutors int
	// MaxExecutors (spark.dynamicAllocation.maxExecutors) bounds the
	// executors of each profile; 0 means bound only by the capacity.
	MaxExecutors int
	// ExecutorIdleTimeout (spark.dynamicAllocation.executorIdleTimeout)
	// releases an executor idle this long; 0 means
	// DefaultExecutorIdleTimeout.
	ExecutorIdleTimeout time.Duration
	// SchedulerBacklogTimeout
	// (spark.dynamicAllocation.schedulerBacklogTimeout): once tasks of a
	// profile have waited this long for capacity, idle executors of other
	// profiles are released to make room for them; 0 means
	// DefaultSchedulerBacklogTimeout.
	SchedulerBacklogTimeout time.Duration
	// Logger receives "executor added" and "executor removed" at INFO; nil
	// discards them.
	Logger *slog.Logger
	// NewMemory, when set, builds the memory manager of each executor the
	// pool starts, from the executor's profile (Executor.Memory); the pool
	// drops it when it releases the executor. Check (and so RunTasks)
	// calls it once per profile to report a profile whose memory manager
	// cannot be built, before any executor of it starts.
	NewMemory func(p *Profile) (*MemoryManager, error)
}

// Executor is one local executor: a share of the capacity (its profile's
// cores and heap + off-heap + overhead) that runs up to Slots tasks of its
// profile at a time. A task receives the Executor it runs on.
type Executor struct {
	id      int
	profile *Profile
	slots   int
	mem     *MemoryManager // nil without ExecutorPoolOptions.NewMemory

	// Guarded by the pool's mutex.
	running   int
	idleSince time.Time
}

// ID returns the executor's id: 1, 2, ... in the order the pool started
// executors.
func (e *Executor) ID() int { return e.id }

// Profile returns the executor's resource profile.
func (e *Executor) Profile() *Profile { return e.profile }

// Slots returns how many tasks the executor runs at a time.
func (e *Executor) Slots() int { return e.slots }

// Memory returns the executor's memory manager, built by
// ExecutorPoolOptions.NewMemory when the executor started; nil without
// that option. Tasks running on the executor draw their memory from it
// (MemoryManager.NewTask).
func (e *Executor) Memory() *MemoryManager { return e.mem }

// String prints "executor 3 (profile 1)".
func (e *Executor) String() string {
	return fmt.Sprintf("executor %d (profile %d)", e.id, e.profile.ID())
}

// ProfileExecutorStats is what the pool did for one profile.
type ProfileExecutorStats struct {
	// ProfileID is the profile's id.
	ProfileID int
	// Started holds the ids of every executor started for the profile, in
	// order.
	Started []int
	// Live is how many of them are running now.
	Live int
	// Tasks is how many tasks ran on them.
	Tasks int64
}

// execProfileStats is the pool's running record behind ProfileExecutorStats.
type execProfileStats struct {
	started []int
	tasks   atomic.Int64
}

// execJob is one RunTasks call.
type execJob struct {
	cancel   context.CancelCauseFunc
	assigned int // tasks given an executor slot; guarded by the pool's mutex
}

// execWaiter is one task of a job waiting for a slot.
type execWaiter struct {
	seq     uint64
	job     *execJob
	profile *Profile
	ch      chan *Executor // buffered: the scheduler never blocks; nil means closed
	ex      *Executor      // set when assigned
}

// ExecutorPool is the local executor pool: it starts executors per resource
// profile within a fixed Capacity and runs each stage's tasks on executors
// of the stage's profile. Several RunTasks calls (queries, profiles) may run
// at once and share the capacity.
//
// Dynamic allocation policy (ExecutorPoolOptions.DynamicAllocation):
//   - A task that finds no free slot on an executor of its profile starts a
//     new executor at once when the capacity has room and the profile has
//     fewer than MaxExecutors: starting a local executor costs nothing, so
//     no stage waits for a ramp-up, and a backlog gets the executors it
//     needs as fast as its tasks ask for slots. Tasks fill the busiest
//     executor of their profile first, so surplus executors go idle.
//   - An executor is idle when it runs no task and no running RunTasks
//     call has unstarted tasks of its profile (those are about to use it).
//     An executor idle for ExecutorIdleTimeout is released, keeping
//     MinExecutors per profile.
//   - When a profile's tasks have waited SchedulerBacklogTimeout for
//     capacity (its backlog; the clock restarts when it gets an executor),
//     or at once when the profile has no executor at all (a stage whose
//     profile differs from the stage before it), idle executors of other
//     profiles are released, oldest idle first (MinExecutors
//     notwithstanding), to start as many executors as its unstarted tasks
//     need. Until it gets one, other profiles start no
//     new executors if the capacity they hold would serve it, so it is not
//     starved; they keep using the executors they have.
//   - Without dynamic allocation only the default profile runs, on
//     executors started as its tasks need them, up to the capacity, and
//     kept until Close.
//   - A profile one executor of which exceeds the whole capacity fails at
//     once with ErrProfileNeverFits.
//
// Tasks must not call RunTasks on the same pool for a different profile:
// on a full capacity that may wait forever for the caller's own executor.
type ExecutorPool struct {
	mgr       *ProfileManager
	capacity  Capacity
	opts      ExecutorPoolOptions
	log       *slog.Logger
	closeOnce sync.Once
	jobsWG    sync.WaitGroup
	kick      chan struct{} // wakes the reaper; nil without dynamic allocation
	done      chan struct{} // closed by Close to stop the reaper
	reaped    chan struct{} // closed when the reaper returns

	mu           sync.Mutex
	closed       bool
	free         Capacity
	nextExecutor int
	nextSeq      uint64
	executors    map[int][]*Executor   // live executors by profile id, in start order
	queues       map[int][]*execWaiter // waiting tasks by profile id, FIFO
	pending      map[int]int           // tasks not yet given a slot, by profile id
	backlogSince map[int]time.Time     // when a profile first waited for capacity
	stats        map[int]*execProfileStats
	jobs         map[*execJob]struct{}
	memChecked   map[int]bool // profiles whose memory manager NewMemory built
}

// NewExecutorPool returns a pool of the given capacity for the profiles of
// mgr. With dynamic allocation it runs one background goroutine (idle and
// backlog timers) until Close.
func NewExecutorPool(mgr *ProfileManager, capacity Capacity, opts ExecutorPoolOptions) (*ExecutorPool, error) {
	switch {
	case mgr == nil:
		return nil, errors.New("executor pool: nil profile manager")
	case capacity.Cores <= 0:
		return nil, fmt.Errorf("executor pool: capacity cores must be positive, got %d", capacity.Cores)
	case opts.MinExecutors < 0 || opts.MaxExecutors < 0:
		return nil, fmt.Errorf("executor pool: min executors %d and max executors %d must not be negative",
			opts.MinExecutors, opts.MaxExecutors)
	case opts.MaxExecutors > 0 && opts.MinExecutors > opts.MaxExecutors:
		return nil, fmt.Errorf("executor pool: min executors %d exceed max executors %d",
			opts.MinExecutors, opts.MaxExecutors)
	case opts.ExecutorIdleTimeout < 0 || opts.SchedulerBacklogTimeout < 0:
		return nil, errors.New("executor pool: timeouts must not be negative")
	}
	if opts.ExecutorIdleTimeout == 0 {
		opts.ExecutorIdleTimeout = DefaultExecutorIdleTimeout
	}
	if opts.SchedulerBacklogTimeout == 0 {
		opts.SchedulerBacklogTimeout = DefaultSchedulerBacklogTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	xp := &ExecutorPool{
		mgr:          mgr,
		capacity:     capacity,
		opts:         opts,
		log:          log,
		free:         capacity,
		executors:    map[int][]*Executor{},
		queues:       map[int][]*execWaiter{},
		pending:      map[int]int{},
		backlogSince: map[int]time.Time{},
		stats:        map[int]*execProfileStats{},
		jobs:         map[*execJob]struct{}{},
		memChecked:   map[int]bool{},
	}
	if opts.DynamicAllocation {
		xp.kick = make(chan struct{}, 1)
		xp.done = make(chan struct{})
		xp.reaped = make(chan struct{})
		go xp.reap()
	}
	return xp, nil
}

// Capacity returns the pool's whole capacity.
func (xp *ExecutorPool) Capacity() Capacity { return xp.capacity }

// Available returns the capacity no live executor holds (its Memory stays
// <= 0 when the capacity's memory is unbounded).
func (xp *ExecutorPool) Available() Capacity {
	xp.mu.Lock()
	defer xp.mu.Unlock()
	return xp.free
}

// Stats returns, per profile that ran tasks or executors (ordered by id),
// the executors started for it and the tasks run.
func (xp *ExecutorPool) Stats() []ProfileExecutorStats {
	xp.mu.Lock()
	defer xp.mu.Unlock()
	out := make([]ProfileExecutorStats, 0, len(xp.stats))
	for id, s := range xp.stats {
		out = append(out, ProfileExecutorStats{
			ProfileID: id,
			Started:   slices.Clone(s.started),
			Live:      len(xp.executors[id]),
			Tasks:     s.tasks.Load(),
		})
	}
	slices.SortFunc(out, func(a, b ProfileExecutorStats) int { return a.ProfileID - b.ProfileID })
	return out
}

func (xp *ExecutorPool) statsLocked(id int) *execProfileStats {
	s := xp.stats[id]
	if s == nil {
		s = &execProfileStats{}
		xp.stats[id] = s
	}
	return s
}

// Check reports why tasks of p (nil: the default profile) cannot run on
// the pool, if they cannot: p is not registered with the pool's manager,
// is not the default profile without dynamic allocation, can never fit
// the capacity (ErrProfileNeverFits), or ExecutorPoolOptions.NewMemory
// cannot build its executors' memory manager. RunTasks fails at once with
// the same error.
func (xp *ExecutorPool) Check(p *Profile) error {
	if p == nil {
		p = xp.mgr.Default()
	}
	if err := xp.check(p); err != nil {
		return err
	}
	if xp.opts.NewMemory == nil {
		return nil
	}
	xp.mu.Lock()
	ok := xp.memChecked[p.ID()]
	xp.mu.Unlock()
	if ok {
		return nil
	}
	if _, err := xp.opts.NewMemory(p); err != nil {
		return fmt.Errorf("executors of %s: %w", p.summary(), err)
	}
	xp.mu.Lock()
	xp.memChecked[p.ID()] = true
	xp.mu.Unlock()
	return nil
}

// check reports why tasks of p cannot run on the pool, if they cannot.
func (xp *ExecutorPool) check(p *Profile) error {
	if !xp.mgr.registered(p) {
		return fmt.Errorf("%w: profile id = %d is not registered with the executor pool's profile manager (use ProfileManager.Add)",
			ErrProfileNotRegistered, p.ID())
	}
	if !xp.opts.DynamicAllocation && p.ID() != DefaultProfileID {
		return fmt.Errorf("%w: resource profile %d cannot run with spark.dynamicAllocation.enabled=false; only the default profile %d can",
			ErrDynamicAllocationDisabled, p.ID(), DefaultProfileID)
	}
	if p.Cores() > xp.capacity.Cores || (xp.capacity.Memory > 0 && p.ExecutorBytes() > xp.capacity.Memory) {
		return fmt.Errorf("%w: one executor of %s needs more than the pool's whole capacity (%s; spark.gluten.local.cores / spark.gluten.local.memory)",
			ErrProfileNeverFits, p.summary(), xp.capacity)
	}
	return nil
}

// RunTasks runs tasks 0..n-1 of a stage with profile p (nil: the default
// profile) on executors of p only, at most Slots tasks per executor at a
// time, starting them in index order; each task receives the executor it
// runs on. After the first error (or when ctx is done, or the pool closes)
// it starts no more tasks and cancels the context the running ones see; it
// returns once every started task has returned, with the first error. A
// panic in a task is recovered and returned as a *TaskPanicError. It fails
// at once, running nothing, when p is not registered with the pool's
// manager, is not the default profile without dynamic allocation, or can
// never fit the capacity.
func (xp *ExecutorPool) RunTasks(ctx context.Context, p *Profile, n int, task func(ctx context.Context, ex *Executor, i int) error) error {
	if p == nil {
		p = xp.mgr.Default()
	}
	if err := xp.Check(p); err != nil {
		return err
	}
	if n <= 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	job := &execJob{cancel: cancel}
	xp.mu.Lock()
	if xp.closed {
		xp.mu.Unlock()
		return ErrExecutorPoolClosed
	}
	xp.jobsWG.Add(1)
	xp.jobs[job] = struct{}{}
	xp.pending[p.ID()] += n
	stats := xp.statsLocked(p.ID())
	xp.mu.Unlock()
	defer xp.endJob(job, p, n)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		started  int
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel(err)
	}
	var stopErr error
	for i := 0; i < n; i++ {
		ex, err := xp.acquire(ctx, job, p)
		if err != nil {
			stopErr = err
			break
		}
		if ctx.Err() != nil {
			// A task failed or the caller cancelled: start no more.
			xp.release(ex)
			stopErr = context.Cause(ctx)
			break
		}
		started++
		stats.tasks.Add(1)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer xp.release(ex)
			defer func() {
				if r := recover(); r != nil {
					fail(&TaskPanicError{Value: r, Stack: debug.Stack()})
				}
			}()
			if err := task(ctx, ex, i); err != nil {
				fail(err)
			}
		}(i)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if firstErr != nil {
		return firstErr
	}
	if started < n {
		return stopErr
	}
	return nil
}

// endJob forgets a finished RunTasks call and its unstarted tasks.
func (xp *ExecutorPool) endJob(job *execJob, p *Profile, n int) {
	xp.mu.Lock()
	delete(xp.jobs, job)
	id := p.ID()
	xp.pending[id] -= n - job.assigned
	if xp.pending[id] <= 0 {
		delete(xp.pending, id)
		delete(xp.backlogSince, id)
	}
	xp.scheduleLocked()
	xp.mu.Unlock()
	xp.jobsWG.Done()
}

// acquire waits for a slot on an executor of p.
func (xp *ExecutorPool) acquire(ctx context.Context, job *execJob, p *Profile) (*Executor, error) {
	xp.mu.Lock()
	if xp.closed {
		xp.mu.Unlock()
		return nil, ErrExecutorPoolClosed
	}
	w := &execWaiter{seq: xp.nextSeq, job: job, profile: p, ch: make(chan *Executor, 1)}
	xp.nextSeq++
	xp.queues[p.ID()] = append(xp.queues[p.ID()], w)
	xp.scheduleLocked()
	xp.mu.Unlock()
	select {
	case ex := <-w.ch:
		if ex == nil {
			return nil, ErrExecutorPoolClosed
		}
		return ex, nil
	case <-ctx.Done():
		xp.mu.Lock()
		defer xp.mu.Unlock()
		if w.ex != nil {
			// Assigned meanwhile: give the slot back.
			xp.releaseLocked(w.ex)
		} else if !xp.closed {
			q := xp.queues[p.ID()]
			if i := slices.Index(q, w); i >= 0 {
				xp.queues[p.ID()] = slices.Delete(q, i, i+1)
			}
		}
		return nil, context.Cause(ctx)
	}
}

// release gives a task's slot back.
func (xp *ExecutorPool) release(ex *Executor) {
	xp.mu.Lock()
	xp.releaseLocked(ex)
	xp.mu.Unlock()
}

func (xp *ExecutorPool) releaseLocked(ex *Executor) {
	ex.running--
	if ex.running == 0 {
		ex.idleSince = time.Now()
	}
	xp.scheduleLocked()
}

// scheduleLocked gives waiting tasks slots, starting executors where the
// capacity allows and releasing idle ones for a profile's backlog, then
// wakes the reaper to re-arm its timers.
func (xp *ExecutorPool) scheduleLocked() {
	if xp.closed {
		return
	}
	for {
		now := time.Now()
		xp.assignLocked(now)
		if !xp.opts.DynamicAllocation || !xp.backlogReleaseLocked(now) {
			break
		}
	}
	if xp.kick != nil {
		select {
		case xp.kick <- struct{}{}:
		default:
		}
	}
}

// assignLocked gives waiting tasks, oldest first, a slot on an executor of
// their profile, starting executors as the capacity allows.
func (xp *ExecutorPool) assignLocked(now time.Time) {
	ids := make([]int, 0, len(xp.queues))
	for id, q := range xp.queues {
		if len(q) > 0 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int) int {
		sa, sb := xp.queues[a][0].seq, xp.queues[b][0].seq
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	})
	starving := xp.starvingLocked(now)
	for _, id := range ids {
		q := xp.queues[id]
		for len(q) > 0 {
			w := q[0]
			ex := xp.freeSlotLocked(id)
			if ex == nil {
				if starving != nil && starving.ID() != id {
					break // the capacity is reserved for the starving profile
				}
				var full bool
				ex, full = xp.startLocked(w.profile, now)
				if ex == nil {
					if full && xp.opts.DynamicAllocation {
						if _, ok := xp.backlogSince[id]; !ok {
							xp.backlogSince[id] = now
						}
					}
					break
				}
			}
			q = q[1:]
			ex.running++
			w.ex = ex
			w.job.assigned++
			xp.pending[id]--
			w.ch <- ex
		}
		if len(q) == 0 {
			delete(xp.queues, id)
		} else {
			xp.queues[id] = q
		}
	}
}

// freeSlotLocked returns the busiest executor of profile id with a free
// slot, or nil.
func (xp *ExecutorPool) freeSlotLocked(id int) *Executor {
	var best *Executor
	for _, ex := range xp.executors[id] {
		if ex.running < ex.slots && (best == nil || ex.running > best.running) {
			best = ex
		}
	}
	return best
}

// fits reports whether one executor of p fits in free.
func (xp *ExecutorPool) fits(p *Profile, free Capacity) bool {
	return p.Cores() <= free.Cores && (xp.capacity.Memory <= 0 || p.ExecutorBytes() <= free.Memory)
}

// startLocked starts an executor of p, or reports why not: full is true when
// the capacity lacks room, false when p is at MaxExecutors.
func (xp *ExecutorPool) startLocked(p *Profile, now time.Time) (ex *Executor, full bool) {
	id := p.ID()
	if xp.opts.DynamicAllocation && xp.opts.MaxExecutors > 0 && len(xp.executors[id]) >= xp.opts.MaxExecutors {
		delete(xp.backlogSince, id)
		return nil, false
	}
	if !xp.fits(p, xp.free) {
		return nil, true
	}
	delete(xp.backlogSince, id)
	xp.nextExecutor++
	ex = &Executor{id: xp.nextExecutor, profile: p, slots: p.SlotsPerExecutor(), idleSince: now}
	if xp.opts.NewMemory != nil {
		mem, err := xp.opts.NewMemory(p)
		if err != nil {
			// Check built one for p before: only a hook that fails
			// sometimes gets here. The executor's tasks run without a
			// memory manager rather than hang.
			xp.log.Error("executor memory manager", "executor_id", ex.id, "profile_id", id, "error", err)
		}
		ex.mem = mem
	}
	xp.free.Cores -= p.Cores()
	if xp.capacity.Memory > 0 {
		xp.free.Memory -= p.ExecutorBytes()
	}
	xp.executors[id] = append(xp.executors[id], ex)
	s := xp.statsLocked(id)
	s.started = append(s.started, ex.id)
	xp.log.Info("executor added", "executor_id", ex.id, "profile_id", id,
		"cores", p.Cores(), "memory", p.ExecutorBytes(), "slots", ex.slots)
	return ex, false
}

// removeLocked releases an idle executor, returning its capacity.
func (xp *ExecutorPool) removeLocked(ex *Executor, reason string) {
	id := ex.profile.ID()
	xp.executors[id] = slices.DeleteFunc(xp.executors[id], func(e *Executor) bool { return e == ex })
	if len(xp.executors[id]) == 0 {
		delete(xp.executors, id)
	}
	xp.free.Cores += ex.profile.Cores()
	if xp.capacity.Memory > 0 {
		xp.free.Memory += ex.profile.ExecutorBytes()
	}
	if mem := ex.mem; mem != nil {
		// Every task released its memory when it ended.
		if s := mem.Stats(); s.Tasks > 0 || s.Used != [2]int64{} {
			xp.log.Error("executor removed with memory still reserved", "executor_id", ex.id, "profile_id", id,
				"tasks", s.Tasks, "off_heap", s.Used[OffHeap], "heap", s.Used[Heap])
		}
		ex.mem = nil
	}
	xp.log.Info("executor removed", "executor_id", ex.id, "profile_id", id, "reason", reason)
}

// starvingLocked returns the profile whose tasks have waited longest, at
// least SchedulerBacklogTimeout, for capacity that executors of other
// profiles hold; nil if none.
func (xp *ExecutorPool) starvingLocked(now time.Time) *Profile {
	var (
		best      *Profile
		bestSince time.Time
	)
	for id, since := range xp.backlogSince {
		if len(xp.queues[id]) == 0 {
			continue
		}
		// A profile without a single executor cannot make progress at
		// all (a new stage's profile, after the previous stage's
		// executors went idle): it does not wait for the timeout.
		if now.Sub(since) < xp.opts.SchedulerBacklogTimeout && len(xp.executors[id]) > 0 {
			continue
		}
		if best != nil && !since.Before(bestSince) {
			continue
		}
		p := xp.queues[id][0].profile
		// Would the capacity others hold serve it?
		c := xp.free
		for other, list := range xp.executors {
			if other == id {
				continue
			}
			for _, ex := range list {
				c.Cores += ex.profile.Cores()
				c.Memory += ex.profile.ExecutorBytes()
			}
		}
		if xp.fits(p, c) {
			best, bestSince = p, since
		}
	}
	return best
}

// backlogReleaseLocked releases idle executors of other profiles for the
// starving profile and starts its executors in their place; it reports
// whether it did.
func (xp *ExecutorPool) backlogReleaseLocked(now time.Time) bool {
	p := xp.starvingLocked(now)
	if p == nil {
		return false
	}
	id := p.ID()
	if xp.fits(p, xp.free) {
		return false // the next assignment starts it
	}
	// Executors its unstarted tasks need.
	want := (xp.pending[id] + p.SlotsPerExecutor() - 1) / p.SlotsPerExecutor()
	if m := xp.opts.MaxExecutors; m > 0 {
		want = min(want, m-len(xp.executors[id]))
	}
	if want <= 0 {
		return false
	}
	var idle []*Executor
	for other, list := range xp.executors {
		if other == id || xp.pending[other] > 0 {
			continue // its unstarted tasks are about to use it
		}
		for _, ex := range list {
			if ex.running == 0 {
				idle = append(idle, ex)
			}
		}
	}
	slices.SortFunc(idle, func(a, b *Executor) int {
		if c := a.idleSince.Compare(b.idleSince); c != 0 {
			return c
		}
		return a.id - b.id
	})
	// The shortest prefix of idle executors giving the most executors of p.
	c := xp.free
	bestN, bestK := 0, 0
	for k, ex := range idle {
		c.Cores += ex.profile.Cores()
		c.Memory += ex.profile.ExecutorBytes()
		if n := xp.countFits(p, c); n > bestN {
			bestN, bestK = min(n, want), k+1
			if bestN == want {
				break
			}
		}
	}
	if bestN == 0 {
		return false
	}
	for _, ex := range idle[:bestK] {
		xp.removeLocked(ex, fmt.Sprintf("backlog of profile %d", id))
	}
	for range bestN {
		if ex, _ := xp.startLocked(p, now); ex == nil {
			break
		}
	}
	return true
}

// countFits returns how many executors of p fit in c.
func (xp *ExecutorPool) countFits(p *Profile, c Capacity) int {
	n := c.Cores / p.Cores()
	if b := p.ExecutorBytes(); xp.capacity.Memory > 0 && b > 0 {
		n = min(n, int(c.Memory/b))
	}
	return max(n, 0)
}

// idleReleaseLocked releases executors idle for ExecutorIdleTimeout,
// keeping MinExecutors per profile, and returns the next time one would
// expire (zero if none).
func (xp *ExecutorPool) idleReleaseLocked(now time.Time) (next time.Time) {
	for id, list := range xp.executors {
		if xp.pending[id] > 0 {
			continue // its unstarted tasks are about to use it
		}
		removable := len(list) - xp.opts.MinExecutors
		var idle []*Executor
		for _, ex := range list {
			if ex.running == 0 {
				idle = append(idle, ex)
			}
		}
		slices.SortFunc(idle, func(a, b *Executor) int { return a.idleSince.Compare(b.idleSince) })
		for _, ex := range idle {
			if removable <= 0 {
				break
			}
			deadline := ex.idleSince.Add(xp.opts.ExecutorIdleTimeout)
			if deadline.After(now) {
				if next.IsZero() || deadline.Before(next) {
					next = deadline
				}
				break // the others expire later
			}
			xp.removeLocked(ex, "idle timeout")
			removable--
		}
	}
	return next
}

// reap runs the timers of dynamic allocation: it releases idle executors
// and serves backlogs when their timeouts pass, and re-arms whenever the
// pool's state changes.
func (xp *ExecutorPool) reap() {
	defer close(xp.reaped)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		xp.mu.Lock()
		now := time.Now()
		next := xp.idleReleaseLocked(now)
		xp.scheduleLocked()
		// Executors that went idle in scheduling: re-read their deadlines.
		if n := xp.idleReleaseLocked(now); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
		for _, since := range xp.backlogSince {
			if d := since.Add(xp.opts.SchedulerBacklogTimeout); d.After(now) && (next.IsZero() || d.Before(next)) {
				next = d
			}
		}
		// Kicks sent so far are covered by this pass.
		select {
		case <-xp.kick:
		default:
		}
		xp.mu.Unlock()
		if next.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(max(next.Sub(now), 0))
		}
		select {
		case <-xp.done:
			return
		case <-xp.kick:
		case <-timer.C:
		}
	}
}

// Close stops the pool: running tasks see their context cancelled with
// ErrExecutorPoolClosed, Close waits for every RunTasks call to return,
// stops the timers and releases every executor. Later RunTasks calls fail
// with ErrExecutorPoolClosed. Close is idempotent.
func (xp *ExecutorPool) Close() error {
	xp.closeOnce.Do(func() {
		xp.mu.Lock()
		xp.closed = true
		for job := range xp.jobs {
			job.cancel(ErrExecutorPoolClosed)
		}
		for _, q := range xp.queues {
			for _, w := range q {
				w.ch <- nil
			}
		}
		clear(xp.queues)
		xp.mu.Unlock()
		xp.jobsWG.Wait()
		if xp.done != nil {
			close(xp.done)
			<-xp.reaped
		}
		xp.mu.Lock()
		var all []*Executor
		for _, list := range xp.executors {
			all = append(all, list...)
		}
		slices.SortFunc(all, func(a, b *Executor) int { return a.id - b.id })
		for _, ex := range all {
			xp.removeLocked(ex, "pool closed")
		}
		xp.mu.Unlock()
	})
	return nil
}
