package resource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const xpGiB = int64(1) << 30

// xpWaitBound bounds every wait in these tests: generous, since a loaded
// machine may be slow; a correct pool is far quicker.
const xpWaitBound = 10 * time.Second

// poolLogRecord is one executor log line.
type poolLogRecord struct {
	msg       string
	executor  int64
	profile   int64
	reason    string
	attrCount int
}

// poolLogHandler keeps the pool's log records and signals each one.
type poolLogHandler struct {
	mu      sync.Mutex
	records []poolLogRecord
	notify  chan struct{}
}

func newPoolLogHandler() *poolLogHandler {
	return &poolLogHandler{notify: make(chan struct{}, 1)}
}

func (h *poolLogHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *poolLogHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *poolLogHandler) WithGroup(string) slog.Handler            { return h }
func (h *poolLogHandler) Handle(_ context.Context, r slog.Record) error {
	rec := poolLogRecord{msg: r.Message, executor: -1, profile: -1}
	if r.Level != slog.LevelInfo {
		rec.msg = r.Level.String() + " " + rec.msg
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrCount++
		switch a.Key {
		case "executor_id":
			rec.executor = a.Value.Int64()
		case "profile_id":
			rec.profile = a.Value.Int64()
		case "reason":
			rec.reason = a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, rec)
	h.mu.Unlock()
	select {
	case h.notify <- struct{}{}:
	default:
	}
	return nil
}

// removed returns the "executor removed" records.
func (h *poolLogHandler) removed() []poolLogRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []poolLogRecord
	for _, r := range h.records {
		if r.msg == "executor removed" {
			out = append(out, r)
		}
	}
	return out
}

// waitForPool waits, up to xpWaitBound, until cond holds, re-checking at each
// log record and every few milliseconds.
func waitForPool(t *testing.T, h *poolLogHandler, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(xpWaitBound)
	for !cond() {
		select {
		case <-h.notify:
		case <-time.After(5 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

type xpSetup struct {
	capacity Capacity
	opts     ExecutorPoolOptions
	def      DefaultProfileConfig
}

func newTestExecutorPool(t *testing.T, s xpSetup) (*ExecutorPool, *ProfileManager, *poolLogHandler) {
	t.Helper()
	if s.def == (DefaultProfileConfig{}) {
		s.def = DefaultProfileConfig{ExecutorCores: 1, ExecutorMemory: xpGiB, OffHeapEnabled: true, OffHeapSize: xpGiB, TaskCPUs: 1}
	}
	m, err := NewProfileManager(s.def)
	if err != nil {
		t.Fatal(err)
	}
	h := newPoolLogHandler()
	s.opts.Logger = slog.New(h)
	xp, err := NewExecutorPool(m, s.capacity, s.opts)
	if err != nil {
		t.Fatal(err)
	}
	return xp, m, h
}

func addTestProfile(t *testing.T, m *ProfileManager, b *ProfileBuilder) *Profile {
	t.Helper()
	return m.Add(mustBuildProfile(t, b))
}

// taskBarrier lets n tasks through only once all n are running, so a test can
// force n tasks to run at once; it fails instead of hanging.
type taskBarrier struct {
	n       int32
	arrived atomic.Int32
	all     chan struct{}
}

func newTaskBarrier(n int) *taskBarrier { return &taskBarrier{n: int32(n), all: make(chan struct{})} }

func (b *taskBarrier) wait(ctx context.Context) error {
	if b.arrived.Add(1) == b.n {
		close(b.all)
	}
	select {
	case <-b.all:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(xpWaitBound):
		return fmt.Errorf("taskBarrier: only %d of %d tasks ran at once", b.arrived.Load(), b.n)
	}
}

// execTracker tracks tasks running at once, overall and per executor, and
// that every task runs on an executor of the expected profile.
type execTracker struct {
	mu        sync.Mutex
	running   int
	peak      int
	perExec   map[*Executor]int
	wrongProf []string
	executors map[int]bool
}

func newExecTracker() *execTracker {
	return &execTracker{perExec: map[*Executor]int{}, executors: map[int]bool{}}
}

func (c *execTracker) enter(t *testing.T, ex *Executor, want *Profile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ex.Profile().ID() != want.ID() {
		c.wrongProf = append(c.wrongProf, fmt.Sprintf("%s ran a task of profile %d", ex, want.ID()))
	}
	c.running++
	c.peak = max(c.peak, c.running)
	c.perExec[ex]++
	if c.perExec[ex] > ex.Slots() {
		t.Errorf("%s runs %d tasks at once with %d slots", ex, c.perExec[ex], ex.Slots())
	}
	c.executors[ex.ID()] = true
}

func (c *execTracker) leave(ex *Executor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running--
	c.perExec[ex]--
}

func TestExecutorPoolStaticDefaultProfile(t *testing.T) {
	defer goleak.VerifyNone(t)
	// Executors of 2 cores, 2 GiB, 2 slots: two fit 4 cores, 8 GiB.
	xp, m, h := newTestExecutorPool(t, xpSetup{
		capacity: Capacity{Cores: 4, Memory: 8 * xpGiB},
		def:      DefaultProfileConfig{ExecutorCores: 2, ExecutorMemory: xpGiB, OffHeapEnabled: true, OffHeapSize: xpGiB, TaskCPUs: 1},
	})
	c := newExecTracker()
	b := newTaskBarrier(4)
	err := xp.RunTasks(context.Background(), nil, 40, func(ctx context.Context, ex *Executor, i int) error {
		c.enter(t, ex, m.Default())
		defer c.leave(ex)
		if i < 4 {
			return b.wait(ctx) // the first four run at once: both executors are full
		}
		time.Sleep(100 * time.Microsecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.peak != 4 || len(c.executors) != 2 || len(c.wrongProf) > 0 {
		t.Errorf("peak %d tasks on %d executors (want 4 on 2); %v", c.peak, len(c.executors), c.wrongProf)
	}
	st := xp.Stats()
	if len(st) != 1 || st[0].ProfileID != 0 || len(st[0].Started) != 2 || st[0].Live != 2 || st[0].Tasks != 40 {
		t.Errorf("stats %+v", st)
	}
	if got := xp.Available(); got != (Capacity{Cores: 0, Memory: 4 * xpGiB}) {
		t.Errorf("available %v while two executors live", got)
	}
	xp.Close()
	if got := xp.Available(); got != xp.Capacity() {
		t.Errorf("available %v after Close, want %v", got, xp.Capacity())
	}
	if n := len(h.removed()); n != 2 {
		t.Errorf("%d executors removed at Close, want 2", n)
	}
}

func TestExecutorPoolRejects(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name    string
		dynamic bool
		b       *ProfileBuilder // registered unless unregistered
		unreg   bool
		wantErr error
		want    []string
	}{
		{"non-default profile without dynamic allocation", false, NewProfileBuilder().Cores(2).Memory(1024).TaskCPUs(1), false,
			ErrDynamicAllocationDisabled, []string{"resource profile 1", "spark.dynamicAllocation.enabled=false"}},
		{"too many cores", true, NewProfileBuilder().Cores(8).Memory(1024).TaskCPUs(1), false,
			ErrProfileNeverFits, []string{"profile 1 (cores 8, heap + off-heap + overhead 1.0 GiB)", "cores 4, memory 4.0 GiB"}},
		{"too much memory", true, NewProfileBuilder().Cores(1).Memory(2048).OffHeap(2048).MemoryOverhead(1), false,
			ErrProfileNeverFits, []string{"profile 1 (cores 1, heap + off-heap + overhead 4.0 GiB)", "cores 4, memory 4.0 GiB"}},
		{"unregistered profile", true, NewProfileBuilder().Cores(1), true,
			ErrProfileNotRegistered, []string{"profile id = -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xp, m, _ := newTestExecutorPool(t, xpSetup{
				capacity: Capacity{Cores: 4, Memory: 4 * xpGiB},
				opts:     ExecutorPoolOptions{DynamicAllocation: tt.dynamic},
			})
			defer xp.Close()
			p := mustBuildProfile(t, tt.b)
			if !tt.unreg {
				p = m.Add(p)
			}
			var ran atomic.Bool
			err := xp.RunTasks(context.Background(), p, 3, func(context.Context, *Executor, int) error {
				ran.Store(true)
				return nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if ran.Load() || len(xp.Stats()) != 0 {
				t.Errorf("tasks ran or executors started: %+v", xp.Stats())
			}
		})
	}
}

func TestExecutorPoolIdleTimeout(t *testing.T) {
	tests := []struct {
		name string
		min  int
	}{
		{"all released", 0},
		{"min executors kept", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			xp, m, h := newTestExecutorPool(t, xpSetup{
				capacity: Capacity{Cores: 4, Memory: 16 * xpGiB},
				opts: ExecutorPoolOptions{DynamicAllocation: true, MinExecutors: tt.min,
					ExecutorIdleTimeout: 20 * time.Millisecond, SchedulerBacklogTimeout: time.Hour},
			})
			defer xp.Close()
			b := newTaskBarrier(3)
			// Three tasks at once on 1-slot executors: three executors.
			if err := xp.RunTasks(context.Background(), m.Default(), 3, func(ctx context.Context, ex *Executor, i int) error {
				return b.wait(ctx)
			}); err != nil {
				t.Fatal(err)
			}
			if st := xp.Stats(); len(st) != 1 || len(st[0].Started) != 3 {
				t.Fatalf("stats %+v, want 3 executors started", st)
			}
			waitForPool(t, h, "idle executors are released", func() bool { return xp.Stats()[0].Live == tt.min })
			for _, r := range h.removed() {
				if r.reason != "idle timeout" || r.profile != 0 || r.executor < 1 {
					t.Errorf("removed record %+v", r)
				}
			}
			// Well past the timeout, MinExecutors are still there.
			time.Sleep(100 * time.Millisecond)
			if live := xp.Stats()[0].Live; live != tt.min {
				t.Errorf("%d executors live, want %d", live, tt.min)
			}
			wantFree := Capacity{Cores: 4 - tt.min, Memory: (16 - 2*int64(tt.min)) * xpGiB}
			if got := xp.Available(); got != wantFree {
				t.Errorf("available %v, want %v", got, wantFree)
			}
		})
	}
}

// TestExecutorPoolBacklogTakesIdleCapacity: a second profile gets the
// capacity idle executors of the first hold once its tasks waited
// SchedulerBacklogTimeout, long before their idle timeout.
func TestExecutorPoolBacklogTakesIdleCapacity(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, m, h := newTestExecutorPool(t, xpSetup{
		capacity: Capacity{Cores: 2, Memory: 4 * xpGiB},
		def:      DefaultProfileConfig{ExecutorCores: 2, ExecutorMemory: xpGiB, OffHeapEnabled: true, OffHeapSize: xpGiB, TaskCPUs: 1},
		opts: ExecutorPoolOptions{DynamicAllocation: true, MinExecutors: 1,
			ExecutorIdleTimeout: time.Hour, SchedulerBacklogTimeout: 10 * time.Millisecond},
	})
	defer xp.Close()
	def := m.Default()
	big := addTestProfile(t, m, NewProfileBuilder().Cores(2).Memory(2048).OffHeap(1024).TaskCPUs(2))
	c := newExecTracker()
	run := func(p *Profile, n int) error {
		ctx, cancel := context.WithTimeout(context.Background(), xpWaitBound)
		defer cancel()
		return xp.RunTasks(ctx, p, n, func(ctx context.Context, ex *Executor, i int) error {
			c.enter(t, ex, p)
			defer c.leave(ex)
			return nil
		})
	}
	if err := run(def, 4); err != nil {
		t.Fatal(err)
	}
	if err := run(big, 3); err != nil {
		t.Fatal(err)
	}
	if err := run(def, 2); err != nil {
		t.Fatal(err)
	}
	if len(c.wrongProf) > 0 {
		t.Error(c.wrongProf)
	}
	st := xp.Stats()
	if len(st) != 2 || len(st[0].Started) != 2 || len(st[1].Started) != 1 || st[0].Tasks != 6 || st[1].Tasks != 3 {
		t.Errorf("stats %+v, want the default profile's executor started twice and one of profile 1", st)
	}
	removed := h.removed()
	if len(removed) != 2 || removed[0].profile != 0 || removed[0].reason != "backlog of profile 1" ||
		removed[1].profile != 1 || removed[1].reason != "backlog of profile 0" {
		t.Errorf("removed %+v", removed)
	}
}

// TestExecutorPoolSecondProfileAfterRelease: profile 1 waits while busy
// executors of the default profile hold the capacity, and runs once they
// are released; each task runs on an executor of its own profile.
func TestExecutorPoolSecondProfileAfterRelease(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, m, h := newTestExecutorPool(t, xpSetup{
		capacity: Capacity{Cores: 3, Memory: 8 * xpGiB},
		opts: ExecutorPoolOptions{DynamicAllocation: true,
			ExecutorIdleTimeout: time.Hour, SchedulerBacklogTimeout: 5 * time.Millisecond},
	})
	defer xp.Close()
	def := m.Default()
	p1 := addTestProfile(t, m, NewProfileBuilder().Cores(2).Memory(2048).OffHeap(2048).TaskCPUs(1))
	c := newExecTracker()
	firstRunning := newTaskBarrier(3)
	releaseFirst := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs[0] = xp.RunTasks(context.Background(), def, 6, func(ctx context.Context, ex *Executor, i int) error {
			c.enter(t, ex, def)
			defer c.leave(ex)
			if i < 3 {
				if err := firstRunning.wait(ctx); err != nil {
					return err
				}
				<-releaseFirst
			}
			return nil
		})
	}()
	// All three cores are busy with the default profile.
	select {
	case <-firstRunning.all:
	case <-time.After(xpWaitBound):
		t.Fatal("the default profile's tasks did not start")
	}
	var secondRan atomic.Int32
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs[1] = xp.RunTasks(context.Background(), p1, 4, func(ctx context.Context, ex *Executor, i int) error {
			c.enter(t, ex, p1)
			defer c.leave(ex)
			secondRan.Add(1)
			return nil
		})
	}()
	time.Sleep(20 * time.Millisecond) // past the backlog timeout, nothing idle to take
	if n := secondRan.Load(); n != 0 {
		t.Errorf("%d tasks of profile 1 ran while the capacity was busy", n)
	}
	close(releaseFirst)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if secondRan.Load() != 4 || len(c.wrongProf) > 0 {
		t.Errorf("%d tasks of profile 1 ran; %v", secondRan.Load(), c.wrongProf)
	}
	st := xp.Stats()
	// The default profile's last tasks may take the capacity back (their
	// backlog is old), so it may start more than three executors.
	if len(st) != 2 || len(st[0].Started) < 3 || len(st[1].Started) != 1 || st[0].Tasks != 6 || st[1].Tasks != 4 {
		t.Errorf("stats %+v", st)
	}
	if removed := h.removed(); len(removed) < 2 {
		t.Errorf("removed %+v: at least two of the default profile's executors must make room", removed)
	}
}

func TestExecutorPoolMaxExecutors(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, m, _ := newTestExecutorPool(t, xpSetup{
		capacity: Capacity{Cores: 8, Memory: 64 * xpGiB},
		opts:     ExecutorPoolOptions{DynamicAllocation: true, MaxExecutors: 2, ExecutorIdleTimeout: time.Hour},
	})
	defer xp.Close()
	c := newExecTracker()
	b := newTaskBarrier(2)
	err := xp.RunTasks(context.Background(), m.Default(), 30, func(ctx context.Context, ex *Executor, i int) error {
		c.enter(t, ex, m.Default())
		defer c.leave(ex)
		if i < 2 {
			return b.wait(ctx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.peak != 2 || len(c.executors) != 2 {
		t.Errorf("peak %d tasks on %d executors, want 2 on 2", c.peak, len(c.executors))
	}
}

// TestExecutorPoolConcurrentProfiles runs several queries of three profiles
// at once with short timeouts, so executors churn: every task runs on its
// profile's executors and the capacity is never overcommitted.
func TestExecutorPoolConcurrentProfiles(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, m, _ := newTestExecutorPool(t, xpSetup{
		capacity: Capacity{Cores: 4, Memory: 8 * xpGiB},
		opts: ExecutorPoolOptions{DynamicAllocation: true,
			ExecutorIdleTimeout: time.Millisecond, SchedulerBacklogTimeout: time.Millisecond},
	})
	profiles := []*Profile{
		m.Default(),
		addTestProfile(t, m, NewProfileBuilder().Cores(2).Memory(2048).OffHeap(1024).TaskCPUs(1)),
		addTestProfile(t, m, NewProfileBuilder().Cores(4).Memory(4096).TaskCPUs(0.5)),
	}
	var wrong, overcommit atomic.Int32
	var wg sync.WaitGroup
	for q := range 9 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := profiles[q%len(profiles)]
			ctx, cancel := context.WithTimeout(context.Background(), xpWaitBound)
			defer cancel()
			err := xp.RunTasks(ctx, p, 20, func(ctx context.Context, ex *Executor, i int) error {
				if ex.Profile().ID() != p.ID() {
					wrong.Add(1)
				}
				if a := xp.Available(); a.Cores < 0 || a.Memory < 0 {
					overcommit.Add(1)
				}
				time.Sleep(50 * time.Microsecond)
				return nil
			})
			if err != nil {
				t.Errorf("query %d: %v", q, err)
			}
		}()
	}
	wg.Wait()
	if wrong.Load() > 0 || overcommit.Load() > 0 {
		t.Errorf("%d tasks on another profile's executor, %d saw the capacity overcommitted", wrong.Load(), overcommit.Load())
	}
	var tasks int64
	for _, s := range xp.Stats() {
		tasks += s.Tasks
	}
	if tasks != 180 {
		t.Errorf("%d tasks ran, want 180", tasks)
	}
	xp.Close()
	if got := xp.Available(); got != xp.Capacity() {
		t.Errorf("available %v after Close", got)
	}
}

func TestExecutorPoolFirstError(t *testing.T) {
	for _, dynamic := range []bool{false, true} {
		t.Run(fmt.Sprintf("dynamic=%v", dynamic), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			xp, m, _ := newTestExecutorPool(t, xpSetup{
				capacity: Capacity{Cores: 2, Memory: 8 * xpGiB},
				opts:     ExecutorPoolOptions{DynamicAllocation: dynamic},
			})
			defer xp.Close()
			boom := errors.New("boom")
			var started atomic.Int32
			err := xp.RunTasks(context.Background(), m.Default(), 100, func(ctx context.Context, ex *Executor, i int) error {
				started.Add(1)
				if i == 3 {
					return boom
				}
				if i > 3 {
					<-ctx.Done() // tasks after the failure stop when it cancels them
					return ctx.Err()
				}
				return nil
			})
			if !errors.Is(err, boom) {
				t.Fatalf("error %v, want boom", err)
			}
			if started.Load() >= 100 {
				t.Errorf("all %d tasks started after a failure", started.Load())
			}
			// Every slot is free again.
			if err := xp.RunTasks(context.Background(), nil, 4, func(context.Context, *Executor, int) error { return nil }); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestExecutorPoolPanic(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, _, _ := newTestExecutorPool(t, xpSetup{capacity: Capacity{Cores: 2}, opts: ExecutorPoolOptions{DynamicAllocation: true}})
	defer xp.Close()
	err := xp.RunTasks(context.Background(), nil, 4, func(ctx context.Context, ex *Executor, i int) error {
		if i == 1 {
			panic("bad operator")
		}
		return nil
	})
	var pe *TaskPanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "bad operator") {
		t.Fatalf("error %v, want a TaskPanicError", err)
	}
}

func TestExecutorPoolCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, _, _ := newTestExecutorPool(t, xpSetup{capacity: Capacity{Cores: 1, Memory: 4 * xpGiB}, opts: ExecutorPoolOptions{DynamicAllocation: true}})
	defer xp.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int32
	err := xp.RunTasks(ctx, nil, 10, func(ctx context.Context, ex *Executor, i int) error {
		started.Add(1)
		if i == 0 {
			cancel()
		}
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) || started.Load() != 1 {
		t.Fatalf("error %v after %d tasks, want context.Canceled after 1", err, started.Load())
	}
	// Cancelled while waiting for a slot: the waiting call returns, the
	// slot is not lost.
	hold := make(chan struct{})
	holding := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = xp.RunTasks(context.Background(), nil, 1, func(context.Context, *Executor, int) error {
			close(holding)
			<-hold
			return nil
		})
	}()
	<-holding
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- xp.RunTasks(ctx2, nil, 1, func(context.Context, *Executor, int) error { return nil })
	}()
	cancel2()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(xpWaitBound):
		t.Fatal("a cancelled waiting RunTasks did not return")
	}
	close(hold)
	wg.Wait()
	if err := xp.RunTasks(context.Background(), nil, 3, func(context.Context, *Executor, int) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestExecutorPoolClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, m, h := newTestExecutorPool(t, xpSetup{
		capacity: Capacity{Cores: 1, Memory: 4 * xpGiB},
		opts:     ExecutorPoolOptions{DynamicAllocation: true, ExecutorIdleTimeout: time.Hour},
	})
	p1 := addTestProfile(t, m, NewProfileBuilder().Cores(1).Memory(512).TaskCPUs(1))
	running := make(chan struct{})
	errs := make(chan error, 2)
	go func() {
		errs <- xp.RunTasks(context.Background(), nil, 5, func(ctx context.Context, ex *Executor, i int) error {
			close(running)
			<-ctx.Done()
			return context.Cause(ctx)
		})
	}()
	<-running
	go func() { // waits for the capacity the running task holds
		errs <- xp.RunTasks(context.Background(), p1, 1, func(context.Context, *Executor, int) error { return nil })
	}()
	xp.Close()
	for range 2 {
		if err := <-errs; !errors.Is(err, ErrExecutorPoolClosed) {
			t.Errorf("error %v, want ErrExecutorPoolClosed", err)
		}
	}
	if err := xp.RunTasks(context.Background(), nil, 1, func(context.Context, *Executor, int) error { return nil }); !errors.Is(err, ErrExecutorPoolClosed) {
		t.Errorf("RunTasks after Close: %v", err)
	}
	if got := xp.Available(); got != xp.Capacity() {
		t.Errorf("available %v after Close", got)
	}
	removed := h.removed()
	if len(removed) != 1 || removed[0].reason != "pool closed" {
		t.Errorf("removed %+v", removed)
	}
	xp.Close() // idempotent
}

func TestExecutorPoolLogAttributes(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, m, h := newTestExecutorPool(t, xpSetup{capacity: Capacity{Cores: 2}, opts: ExecutorPoolOptions{DynamicAllocation: true}})
	p1 := addTestProfile(t, m, NewProfileBuilder().Cores(1).Memory(512).TaskCPUs(1))
	var ids []int
	var mu sync.Mutex
	if err := xp.RunTasks(context.Background(), p1, 1, func(_ context.Context, ex *Executor, _ int) error {
		mu.Lock()
		ids = append(ids, ex.ID())
		mu.Unlock()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	xp.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.records) != 2 {
		t.Fatalf("records %+v, want one added and one removed", h.records)
	}
	for i, msg := range []string{"executor added", "executor removed"} {
		r := h.records[i]
		if r.msg != msg || r.executor != int64(ids[0]) || r.profile != 1 {
			t.Errorf("record %+v, want %q of executor %d, profile 1", r, msg, ids[0])
		}
	}
}

// TestExecutorPoolNewProfileTakesIdleCapacityAtOnce: a profile with no
// executor at all gets the capacity idle executors of another profile
// hold without waiting for SchedulerBacklogTimeout (an hour here), as a
// stage with a new profile does after the stage before it ended.
func TestExecutorPoolNewProfileTakesIdleCapacityAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	xp, m, h := newTestExecutorPool(t, xpSetup{
		capacity: Capacity{Cores: 2, Memory: 4 * xpGiB},
		def:      DefaultProfileConfig{ExecutorCores: 2, ExecutorMemory: xpGiB, OffHeapEnabled: true, OffHeapSize: xpGiB, TaskCPUs: 1},
		opts: ExecutorPoolOptions{DynamicAllocation: true,
			ExecutorIdleTimeout: time.Hour, SchedulerBacklogTimeout: time.Hour},
	})
	defer xp.Close()
	big := addTestProfile(t, m, NewProfileBuilder().Cores(2).Memory(2048).OffHeap(1024).TaskCPUs(2))
	run := func(p *Profile, n int) error {
		ctx, cancel := context.WithTimeout(context.Background(), xpWaitBound)
		defer cancel()
		return xp.RunTasks(ctx, p, n, func(ctx context.Context, ex *Executor, i int) error {
			if ex.Profile() != p {
				t.Errorf("task of profile %d on %v", p.ID(), ex)
			}
			return nil
		})
	}
	if err := run(m.Default(), 2); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := run(big, 2); err != nil {
		t.Fatalf("profile 1 did not get the idle capacity: %v", err)
	}
	if d := time.Since(start); d > xpWaitBound/2 {
		t.Errorf("profile 1 took %v to start", d)
	}
	if removed := h.removed(); len(removed) != 1 || removed[0].reason != "backlog of profile 1" {
		t.Errorf("removed %+v, want the default profile's executor released for profile 1", removed)
	}
	// Now both profiles have held an executor; the default one has none
	// again, so it too takes the idle capacity at once.
	if err := run(m.Default(), 1); err != nil {
		t.Fatal(err)
	}
}
