package resource

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// mmNew returns a manager or fails the test.
func mmNew(t *testing.T, cfg MemoryConfig) *MemoryManager {
	t.Helper()
	mm, err := NewMemoryManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mm
}

// mmWaiters waits until n tasks wait for their fair share.
func mmWaiters(t *testing.T, mm *MemoryManager, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mm.mu.Lock()
		w := mm.waiters
		mm.mu.Unlock()
		if w == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks wait, want %d", w, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// mmActivate makes a task active in pool p without holding memory.
func mmActivate(t *testing.T, m *TaskMemory, p PoolKind) {
	t.Helper()
	r := m.NewReservation("probe", p)
	if !r.TryGrow(1) {
		t.Fatal("cannot reserve 1 byte")
	}
	r.Free()
}

func TestMemoryManagerPoolSizes(t *testing.T) {
	for _, tc := range []struct {
		name              string
		cfg               MemoryConfig
		heap, off, quota  int64
		storage           int64 // of the heap pool
		shared, offIgnore bool
	}{
		{name: "defaults", cfg: MemoryConfig{HeapBytes: 1000, OffHeapBytes: 2000},
			heap: 600, off: 1200, storage: 300},
		{name: "fractions", cfg: MemoryConfig{HeapBytes: 1000, OffHeapBytes: 2000, MemoryFraction: 0.5, StorageFraction: 0.2},
			heap: 500, off: 1000, storage: 100},
		{name: "off-heap disabled: off-heap draws from the heap pool", cfg: MemoryConfig{HeapBytes: 1000},
			heap: 600, off: 600, storage: 300, shared: true},
		{name: "dynamic sizing ignores the off-heap size", cfg: MemoryConfig{HeapBytes: 1000, OffHeapBytes: 2000, DynamicOffHeapSizing: true},
			heap: 600, off: 600, quota: 600, storage: 300, shared: true, offIgnore: true},
		{name: "dynamic sizing with its fraction", cfg: MemoryConfig{HeapBytes: 1000, DynamicOffHeapSizing: true, DynamicOffHeapFraction: 0.8, MemoryFraction: 0.3},
			heap: 800, off: 800, quota: 800, storage: 400, shared: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.HeapInUse = func() int64 { return 0 } // the test binary's heap is larger than these quotas
			mm := mmNew(t, tc.cfg)
			if got := [3]int64{mm.PoolSize(Heap), mm.PoolSize(OffHeap), mm.Quota()}; got != [3]int64{tc.heap, tc.off, tc.quota} {
				t.Errorf("heap, off-heap, quota = %v, want %v", got, [3]int64{tc.heap, tc.off, tc.quota})
			}
			if s := mm.StorageRegion(Heap); s != tc.storage {
				t.Errorf("storage region %d, want %d", s, tc.storage)
			}
			if mm.OffHeapIgnored() != tc.offIgnore {
				t.Errorf("OffHeapIgnored = %v", mm.OffHeapIgnored())
			}
			// Execution may take the whole region, storage's part included.
			m := mm.NewTask(context.Background())
			defer m.Release()
			h := m.NewReservation("h", Heap)
			if !h.TryGrow(tc.heap) || h.TryGrow(1) {
				t.Errorf("the heap pool does not hold exactly %d bytes", tc.heap)
			}
			o := m.NewReservation("o", OffHeap)
			if ok := o.TryGrow(1); ok == tc.shared {
				t.Errorf("off-heap after a full heap pool: TryGrow = %v, shared pools %v", ok, tc.shared)
			}
			h.Free()
			o.Free()
			if !o.TryGrow(tc.off) || o.TryGrow(1) {
				t.Errorf("the off-heap pool does not hold exactly %d bytes", tc.off)
			}
		})
	}
}

func TestMemoryManagerConfigErrors(t *testing.T) {
	for _, cfg := range []MemoryConfig{
		{},
		{HeapBytes: -1},
		{HeapBytes: 1, OffHeapBytes: -1},
		{HeapBytes: 1, MemoryFraction: 1.5},
		{HeapBytes: 1, MemoryFraction: -0.1},
		{HeapBytes: 1, StorageFraction: 2},
		{HeapBytes: 1, DynamicOffHeapFraction: 1.1},
	} {
		if _, err := NewMemoryManager(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestFairShareAtMostOneNth(t *testing.T) {
	for _, n := range []int{2, 4} {
		t.Run(fmt.Sprint(n, " tasks"), func(t *testing.T) {
			mm := mmNew(t, MemoryConfig{HeapBytes: 1000, MemoryFraction: 1})
			tasks := make([]*TaskMemory, n)
			for i := range tasks {
				tasks[i] = mm.NewTask(context.Background())
				defer tasks[i].Release()
				mmActivate(t, tasks[i], Heap)
			}
			share := int64(1000 / n)
			if l := tasks[0].Limit(Heap); l != share {
				t.Errorf("Limit = %d, want %d", l, share)
			}
			r := tasks[0].NewReservation("r", Heap)
			if r.TryGrow(share + 1) {
				t.Errorf("a task took more than 1/%d", n)
			}
			if err := r.Grow(share + 1); !errors.As(err, new(*OutOfMemoryError)) ||
				!strings.Contains(err.Error(), fmt.Sprintf("at most 1/%d of the pool: %d", n, share)) {
				t.Errorf("Grow past the share: %v", err)
			}
			if !r.TryGrow(share) {
				t.Errorf("a task cannot take 1/%d", n)
			}
			if r.TryGrow(1) {
				t.Error("a task at its share took more")
			}
			// A task leaving grows the others' shares.
			tasks[n-1].Release()
			if l := tasks[0].Limit(Heap); l != int64(1000/(n-1)) {
				t.Errorf("after a task left: Limit = %d, want %d", l, 1000/(n-1))
			}
			if !r.TryGrow(int64(1000/(n-1)) - share) {
				t.Error("a task cannot take its grown share")
			}
			if u := mm.Stats().Used[Heap]; u != int64(1000/(n-1)) {
				t.Errorf("used %d", u)
			}
		})
	}
}

func TestFairShareWaitsBelowHalfShare(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, n := range []int{2, 4} {
		for _, how := range []string{"shrink", "release"} {
			t.Run(fmt.Sprint(n, " tasks, ", how), func(t *testing.T) {
				mm := mmNew(t, MemoryConfig{HeapBytes: 1000, MemoryFraction: 1})
				holder := mm.NewTask(context.Background())
				defer holder.Release()
				hr := holder.NewReservation("holder", Heap)
				if !hr.TryGrow(1000) { // alone: the whole pool
					t.Fatal("the only task cannot take the pool")
				}
				want := int64(1000 / (2 * n)) // 1/2N: what a waiting task is promised
				var wg sync.WaitGroup
				var done atomic.Int32
				errs := make(chan error, n)
				for i := 1; i < n; i++ {
					m := mm.NewTask(context.Background())
					defer m.Release()
					wg.Add(1)
					go func() {
						defer wg.Done()
						err := m.NewReservation(fmt.Sprint("waiter ", i), Heap).Grow(want)
						done.Add(1)
						errs <- err
					}()
				}
				mmWaiters(t, mm, n-1)
				// Freeing less than one request wakes them, and they wait again.
				hr.Shrink(want - 1)
				mmWaiters(t, mm, n-1)
				if d := done.Load(); d != 0 {
					t.Fatalf("%d tasks got memory below 1/2N", d)
				}
				if how == "shrink" {
					hr.Shrink(int64(n-1)*want - (want - 1))
				} else {
					holder.Release()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Error(err)
					}
				}
				if u := mm.Stats().Used[Heap]; how == "shrink" && u != 1000 {
					t.Errorf("used %d, want 1000", u)
				}
			})
		}
	}
}

func TestFairShareWaitCancelled(t *testing.T) {
	defer goleak.VerifyNone(t)
	mm := mmNew(t, MemoryConfig{HeapBytes: 1000, MemoryFraction: 1})
	holder := mm.NewTask(context.Background())
	defer holder.Release()
	if !holder.NewReservation("holder", Heap).TryGrow(1000) {
		t.Fatal("cannot take the pool")
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := mm.NewTask(ctx)
	defer m.Release()
	errc := make(chan error, 1)
	go func() { errc <- m.NewReservation("waiter", Heap).Grow(100) }()
	mmWaiters(t, mm, 1)
	start := time.Now()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Grow after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled wait did not return")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the cancelled wait took %v", d)
	}
	// TryGrow of a cancelled task that would wait reports false at once.
	if m.NewReservation("again", Heap).TryGrow(100) {
		t.Error("TryGrow of a cancelled task succeeded")
	}
	if u := mm.Stats().Used[Heap]; u != 1000 {
		t.Errorf("used %d after cancelled waits", u)
	}
}

// Two tasks each waiting for memory the other holds in the other pool
// would wait forever: the second one does not wait.
func TestFairShareNoCrossPoolDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	mm := mmNew(t, MemoryConfig{HeapBytes: 1000, OffHeapBytes: 1000, MemoryFraction: 1})
	a := mm.NewTask(context.Background())
	defer a.Release()
	b := mm.NewTask(context.Background())
	if !a.NewReservation("a rows", Heap).TryGrow(1000) || !b.NewReservation("b batches", OffHeap).TryGrow(1000) {
		t.Fatal("cannot fill the pools")
	}
	errc := make(chan error, 1)
	go func() { errc <- a.NewReservation("a batches", OffHeap).Grow(200) }()
	mmWaiters(t, mm, 1) // b runs: it may free off-heap memory
	err := b.NewReservation("b rows", Heap).Grow(200)
	if !errors.As(err, new(*OutOfMemoryError)) {
		t.Errorf("b waiting for a, which waits for b: %v", err)
	}
	b.Release()
	select {
	case err := <-errc:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a was not woken when b ended")
	}
}

type spillTestConsumer struct {
	name  string
	pool  PoolKind
	size  int64
	spill string // "all", "none" (returns 0), "err", "" (no spiller)
}

func TestSpillOrder(t *testing.T) {
	errSpill := errors.New("disk full")
	for _, tc := range []struct {
		name      string
		consumers []spillTestConsumer
		self      spillTestConsumer // the requester
		grow      bool              // Grow, else TryGrow
		n         int64
		calls     []string
		ok        bool
		err       error // for Grow: errors.Is target; nil and !ok: *OutOfMemoryError
	}{
		{name: "the smallest that covers the need",
			consumers: []spillTestConsumer{{"a", Heap, 100, "all"}, {"b", Heap, 300, "all"}, {"c", Heap, 500, "all"}},
			self:      spillTestConsumer{"r", Heap, 0, "all"}, n: 250,
			calls: []string{"b:150"}, ok: true},
		{name: "the largest when none covers it, then the best fit",
			consumers: []spillTestConsumer{{"a", Heap, 100, "all"}, {"b", Heap, 300, "all"}, {"c", Heap, 500, "all"}},
			self:      spillTestConsumer{"r", Heap, 0, "all"}, n: 700,
			calls: []string{"c:600", "a:100"}, ok: true},
		{name: "only spillable consumers of the same pool",
			consumers: []spillTestConsumer{{"a", Heap, 100, ""}, {"b", OffHeap, 300, "all"}, {"c", Heap, 500, "all"}},
			self:      spillTestConsumer{"r", Heap, 0, ""}, n: 500,
			calls: []string{"c:100"}, ok: true},
		{name: "Grow: the others, then the requester",
			consumers: []spillTestConsumer{{"a", Heap, 50, "all"}, {"b", Heap, 100, "all"}},
			self:      spillTestConsumer{"r", Heap, 800, "all"}, grow: true, n: 300,
			calls: []string{"b:250", "a:150", "r:100"}, ok: true},
		{name: "TryGrow: never the requester",
			consumers: []spillTestConsumer{{"a", Heap, 50, "all"}, {"b", Heap, 100, "all"}},
			self:      spillTestConsumer{"r", Heap, 800, "all"}, n: 300,
			calls: []string{"b:250", "a:150"}},
		{name: "a consumer freeing nothing is asked once",
			consumers: []spillTestConsumer{{"a", Heap, 400, "none"}, {"b", Heap, 500, "all"}},
			self:      spillTestConsumer{"r", Heap, 0, ""}, grow: true, n: 300,
			calls: []string{"a:200", "b:200"}, ok: true},
		{name: "Grow fails when nothing helps",
			consumers: []spillTestConsumer{{"a", Heap, 400, "none"}, {"b", Heap, 500, ""}},
			self:      spillTestConsumer{"r", Heap, 0, "none"}, grow: true, n: 300,
			calls: []string{"a:200", "r:200"}},
		{name: "a spill error stops Grow",
			consumers: []spillTestConsumer{{"a", Heap, 400, "err"}, {"b", Heap, 500, "all"}},
			self:      spillTestConsumer{"r", Heap, 0, ""}, grow: true, n: 300,
			calls: []string{"a:200"}, err: errSpill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One task alone: its share is the whole pool of 1000 bytes.
			mm := mmNew(t, MemoryConfig{HeapBytes: 1000, OffHeapBytes: 1000, MemoryFraction: 1})
			m := mm.NewTask(context.Background())
			defer m.Release()
			var calls []string
			add := func(c spillTestConsumer) *Reservation {
				r := m.NewReservation(c.name, c.pool)
				if !r.TryGrow(c.size) {
					t.Fatalf("cannot set up %s", c.name)
				}
				switch c.spill {
				case "all", "none", "err":
					r.SetSpiller(func(need int64) (int64, error) {
						calls = append(calls, fmt.Sprintf("%s:%d", c.name, need))
						switch c.spill {
						case "err":
							return 0, errSpill
						case "none":
							return 0, nil
						}
						s := r.Size()
						r.Shrink(s)
						return s, nil
					})
				}
				return r
			}
			for _, c := range tc.consumers {
				add(c)
			}
			r := add(tc.self)
			before := r.Size()
			var ok bool
			var err error
			if tc.grow {
				err = r.Grow(tc.n)
				ok = err == nil
			} else {
				ok = r.TryGrow(tc.n)
			}
			if fmt.Sprint(calls) != fmt.Sprint(tc.calls) {
				t.Errorf("spill calls %v, want %v", calls, tc.calls)
			}
			if ok != tc.ok {
				t.Fatalf("ok = %v (%v), want %v", ok, err, tc.ok)
			}
			switch {
			case ok:
				if r.Size() < tc.n {
					t.Errorf("the requester holds %d after growing by %d", r.Size(), tc.n)
				}
			case tc.grow && tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Errorf("Grow: %v, want %v", err, tc.err)
				}
			case tc.grow:
				if !errors.As(err, new(*OutOfMemoryError)) {
					t.Errorf("Grow: %v, want the out-of-memory error", err)
				}
			}
			if !ok && r.Size() != before && tc.self.spill != "all" {
				t.Errorf("a failed request changed the requester from %d to %d", before, r.Size())
			}
			st := mm.Stats()
			if st.Spills != int64(len(tc.calls)) {
				t.Errorf("%d spills counted, want %d", st.Spills, len(tc.calls))
			}
			if st.Used[Heap] != m.Used(Heap) || st.Used[Heap] > mm.PoolSize(Heap) {
				t.Errorf("used %d of the manager, %d of the task", st.Used[Heap], m.Used(Heap))
			}
		})
	}
}

// A task with fixed limits (NewTaskMemory) spills its other consumers too.
func TestSpillWithoutManager(t *testing.T) {
	m := NewTaskMemory(0, 1000)
	a := m.NewReservation("a", Heap)
	a.Grow(800)
	a.SetSpiller(func(int64) (int64, error) { a.Shrink(800); return 800, nil })
	r := m.NewReservation("r", Heap)
	if !r.TryGrow(500) || a.Size() != 0 || m.Used(Heap) != 500 || m.Peak(Heap) != 800 {
		t.Errorf("a %d, r %d, used %d, peak %d", a.Size(), r.Size(), m.Used(Heap), m.Peak(Heap))
	}
	if req, freed := m.Spills(); req != 1 || freed != 800 {
		t.Errorf("spills %d, %d bytes", req, freed)
	}
}

// A reservation made by a spill callback does not spill again.
func TestSpillNotReentrant(t *testing.T) {
	mm := mmNew(t, MemoryConfig{HeapBytes: 1000, MemoryFraction: 1})
	m := mm.NewTask(context.Background())
	defer m.Release()
	a := m.NewReservation("a", Heap)
	b := m.NewReservation("b", Heap)
	a.Grow(500)
	b.Grow(500)
	var calls int
	a.SetSpiller(func(int64) (int64, error) {
		calls++
		a.Shrink(500)
		if a.TryGrow(600) { // a spill buffer: would need b to spill
			t.Error("a nested reservation spilled")
		}
		return 500, nil
	})
	b.SetSpiller(func(int64) (int64, error) { calls++; b.Shrink(500); return 500, nil })
	r := m.NewReservation("r", Heap)
	if !r.TryGrow(300) || calls != 1 {
		t.Errorf("calls %d, r %d", calls, r.Size())
	}
}

func TestOutOfMemoryError(t *testing.T) {
	mm := mmNew(t, MemoryConfig{HeapBytes: 1000, OffHeapBytes: 1000, MemoryFraction: 1, Label: "profile 1"})
	m := mm.NewTask(context.Background())
	defer m.Release()
	for _, c := range []struct {
		name string
		size int64
	}{{"tiny", 50}, {"big", 500}, {"small", 100}, {"mid", 300}} {
		m.NewReservation(c.name, OffHeap).Grow(c.size)
	}
	m.NewReservation("heap consumer", Heap).Grow(900)
	err := m.NewReservation("HashAggregateTransformer", OffHeap).Grow(200)
	err = fmt.Errorf("task 3: %w", err)
	var oom *OutOfMemoryError
	if !errors.As(err, &oom) {
		t.Fatalf("%v is not an *OutOfMemoryError", err)
	}
	msg := oom.Error()
	if !strings.HasPrefix(msg, "out of memory:") {
		t.Errorf("%q does not start with \"out of memory:\"", msg)
	}
	for _, s := range []string{"off-heap pool", "profile 1", "HashAggregateTransformer requested 200 bytes",
		"with 950 of 1000 in use", "largest consumers: big: 500, mid: 300, small: 100"} {
		if !strings.Contains(msg, s) {
			t.Errorf("%q does not contain %q", msg, s)
		}
	}
	if strings.Contains(msg, "tiny") || strings.Contains(msg, "heap consumer") {
		t.Errorf("%q names more than the 3 largest consumers of the pool", msg)
	}
	if oom.Pool != OffHeap || oom.Profile != "profile 1" || oom.Requested != 200 || oom.Used != 950 || oom.Limit != 1000 {
		t.Errorf("%+v", oom)
	}

	// A task with fixed limits names no profile.
	tm := NewTaskMemory(0, 100)
	err = tm.NewReservation("sorter", Heap).Grow(101)
	if !errors.As(err, &oom) || !strings.HasPrefix(err.Error(), "out of memory: heap pool: sorter requested 101 bytes with 0 of 100 in use") {
		t.Errorf("%v", err)
	}
}

func TestDynamicSizingSharedQuota(t *testing.T) {
	var gcs atomic.Int32
	mm := mmNew(t, MemoryConfig{HeapBytes: 1000, OffHeapBytes: 5000, DynamicOffHeapSizing: true, DynamicOffHeapFraction: 0.5,
		Label: "profile 0", GC: func() { gcs.Add(1) }, HeapInUse: func() int64 { return 0 }})
	if !mm.OffHeapIgnored() || mm.Quota() != 500 {
		t.Fatalf("ignored %v, quota %d", mm.OffHeapIgnored(), mm.Quota())
	}
	m := mm.NewTask(context.Background())
	defer m.Release()
	h := m.NewReservation("rows", Heap)
	o := m.NewReservation("batches", OffHeap)
	if !h.TryGrow(300) {
		t.Fatal("heap 300 of 500")
	}
	if o.TryGrow(300) {
		t.Error("off-heap 300 fits next to heap 300 in a quota of 500")
	}
	if !o.TryGrow(200) {
		t.Error("off-heap 200 does not fit next to heap 300 in a quota of 500")
	}
	err := h.Grow(1)
	if !errors.As(err, new(*OutOfMemoryError)) || !strings.Contains(err.Error(), "share one quota of 500 bytes") ||
		!strings.Contains(err.Error(), "profile 0") {
		t.Errorf("%v", err)
	}
	if n := gcs.Load(); n != 0 {
		t.Errorf("%d GCs for a shortfall of reservations, which no GC frees", n)
	}
	// Consumers of the other pool spill for a request: they share the quota.
	o.SetSpiller(func(int64) (int64, error) { o.Shrink(200); return 200, nil })
	if !h.TryGrow(100) || o.Size() != 0 {
		t.Errorf("heap %d, off-heap %d", h.Size(), o.Size())
	}
	st := mm.Stats()
	if st.Used != [2]int64{0, 400} || st.Peak != [2]int64{200, 400} || st.PeakTotal != 500 || st.Spills != 1 || st.SpilledBytes != 200 {
		t.Errorf("%+v", st)
	}
}

func TestDynamicSizingSpillThenGC(t *testing.T) {
	for _, tc := range []struct {
		name   string
		heap   int64   // Go heap in use before the request
		freed  []int64 // what each GC frees
		events string
		ok     bool
	}{
		{name: "fits: no spill, no GC", heap: 700, events: "", ok: true},
		{name: "a GC that frees nothing ends it", heap: 900, freed: []int64{0, 500}, events: "spill gc"},
		{name: "at most 3 GCs", heap: 900, freed: []int64{10, 10, 10, 500}, events: "spill gc gc gc"},
		{name: "the first GC frees enough", heap: 900, freed: []int64{150}, events: "spill gc", ok: true},
		{name: "the second GC frees enough", heap: 900, freed: []int64{50, 60}, events: "spill gc gc", ok: true},
	} {
		for _, grow := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, Grow %v", tc.name, grow), func(t *testing.T) {
				var heap atomic.Int64
				var events []string
				gcs := 0
				mm := mmNew(t, MemoryConfig{HeapBytes: 1000, DynamicOffHeapSizing: true, DynamicOffHeapFraction: 1,
					HeapInUse: heap.Load,
					GC: func() {
						events = append(events, "gc")
						if gcs < len(tc.freed) {
							heap.Add(-tc.freed[gcs])
						}
						gcs++
					}})
				m := mm.NewTask(context.Background())
				defer m.Release()
				old := m.NewReservation("old batches", OffHeap)
				if err := old.Grow(300); err != nil {
					t.Fatal(err)
				}
				heap.Store(tc.heap)
				old.SetSpiller(func(need int64) (int64, error) {
					events = append(events, "spill")
					old.Shrink(300) // garbage now, until a GC
					return 300, nil
				})
				r := m.NewReservation("new rows", Heap)
				var err error
				if grow {
					err = r.Grow(200)
				} else if !r.TryGrow(200) {
					err = errors.New("TryGrow: false")
				}
				if got := strings.Join(events, " "); got != tc.events {
					t.Errorf("events %q, want %q", got, tc.events)
				}
				if (err == nil) != tc.ok {
					t.Fatalf("err = %v, want ok %v", err, tc.ok)
				}
				if err == nil {
					if r.Size() != 200 {
						t.Errorf("reserved %d", r.Size())
					}
				} else if grow {
					gcs := strings.Count(tc.events, "gc")
					if !errors.As(err, new(*OutOfMemoryError)) || !strings.Contains(err.Error(), fmt.Sprintf("after %d forced GCs", gcs)) {
						t.Errorf("%v", err)
					}
				}
				if n := mm.Stats().ForcedGCs; n != int64(gcs) || gcs > MaxForcedGCs {
					t.Errorf("%d forced GCs counted", n)
				}
			})
		}
	}
}

func TestDynamicSizingDefaultHooks(t *testing.T) {
	if GoHeapInUse() <= 0 {
		t.Error("GoHeapInUse is not positive")
	}
	mm := mmNew(t, MemoryConfig{HeapBytes: 1 << 40, DynamicOffHeapSizing: true})
	m := mm.NewTask(context.Background())
	defer m.Release()
	if err := m.NewReservation("r", OffHeap).Grow(1 << 20); err != nil {
		t.Error(err)
	}
}

func TestMemoryMetrics(t *testing.T) {
	mm := mmNew(t, MemoryConfig{HeapBytes: 1000, OffHeapBytes: 2000, MemoryFraction: 1})
	a := mm.NewTask(context.Background())
	b := mm.NewTask(context.Background())
	ra := a.NewReservation("a", OffHeap)
	ra.Grow(600)
	ra.Shrink(400)
	a.NewReservation("a heap", Heap).Grow(100) // 2 tasks in the heap pool
	sp := b.NewReservation("spillable", Heap)
	sp.Grow(300)
	sp.SetSpiller(func(int64) (int64, error) { sp.Shrink(300); return 300, nil })
	rb := b.NewReservation("b", Heap)
	rb.Grow(100)
	rb.Grow(400) // b may hold 500 of 1000: gets 100, spills 300
	if p := [2]int64{a.Peak(OffHeap), b.Peak(Heap)}; p != [2]int64{600, 500} {
		t.Errorf("task peaks %v", p)
	}
	if req, freed := b.Spills(); req != 1 || freed != 300 {
		t.Errorf("task spills %d, %d bytes", req, freed)
	}
	st := mm.Stats()
	want := MemoryStats{Used: [2]int64{200, 600}, Peak: [2]int64{600, 600}, PeakTotal: 800, Spills: 1, SpilledBytes: 300, Tasks: 2}
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if l := a.Release(); l != 300 {
		t.Errorf("a released %d leaked bytes, want 300", l)
	}
	ra.Free() // after Release: harmless
	b.Release()
	if st := mm.Stats(); st.Used != [2]int64{} || st.Tasks != 0 || mm.ActiveTasks(Heap) != 0 || mm.ActiveTasks(OffHeap) != 0 {
		t.Errorf("after release: %+v", st)
	}
}

func TestReleasedTask(t *testing.T) {
	mm := mmNew(t, MemoryConfig{HeapBytes: 1000})
	m := mm.NewTask(context.Background())
	r := m.NewReservation("r", Heap)
	r.Grow(100)
	if m.Release() != 100 || m.Release() != 0 {
		t.Error("Release is not idempotent")
	}
	if r.Size() != 0 || m.Used(Heap) != 0 {
		t.Errorf("size %d, used %d", r.Size(), m.Used(Heap))
	}
	if r.TryGrow(1) {
		t.Error("TryGrow after Release")
	}
	if err := r.Grow(1); err == nil || errors.As(err, new(*OutOfMemoryError)) {
		t.Errorf("Grow after Release: %v", err)
	}
	r.Shrink(10)
	r.Free()
}

func TestChargeHeap(t *testing.T) {
	mm := mmNew(t, MemoryConfig{HeapBytes: 1000, MemoryFraction: 1, Label: "profile 2"})
	m := mm.NewTask(context.Background())
	defer m.Release()
	r, err := m.ChargeHeap("map statuses of shuffle 3", 700)
	if err != nil || m.Used(Heap) != 700 {
		t.Fatalf("%v, used %d", err, m.Used(Heap))
	}
	if _, err := m.ChargeHeap("map statuses of shuffle 4", 400); !errors.As(err, new(*OutOfMemoryError)) ||
		!strings.Contains(err.Error(), "map statuses of shuffle 4 requested 400 bytes") ||
		!strings.Contains(err.Error(), "map statuses of shuffle 3: 700") {
		t.Errorf("%v", err)
	}
	r.Free()
	if m.Used(Heap) != 0 || len(m.resv) != 0 {
		t.Errorf("used %d, %d consumers", m.Used(Heap), len(m.resv))
	}
	var none *TaskMemory
	if r, err := none.ChargeHeap("x", 1<<40); err != nil || r.Size() != 1<<40 {
		t.Errorf("nil task memory: %v", err)
	}
}

// Tasks growing, shrinking and spilling concurrently keep the pool's
// accounting exact and within its size.
func TestMemoryManagerConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	mm := mmNew(t, MemoryConfig{HeapBytes: 10000, OffHeapBytes: 10000, MemoryFraction: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var over atomic.Bool
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := mm.NewTask(ctx)
			defer m.Release()
			rng := rand.New(rand.NewSource(int64(i)))
			var rs []*Reservation
			for j := range 4 {
				r := m.NewReservation(fmt.Sprint("c", j), PoolKind(j%2))
				r.SetSpiller(func(int64) (int64, error) { s := r.Size(); r.Shrink(s); return s, nil })
				rs = append(rs, r)
			}
			for range 2000 {
				r := rs[rng.Intn(len(rs))]
				switch n := int64(rng.Intn(1500)); rng.Intn(3) {
				case 0:
					r.TryGrow(n)
				case 1:
					if err := r.Grow(n); err != nil && !errors.As(err, new(*OutOfMemoryError)) {
						t.Error(err)
						return
					}
				default:
					r.Shrink(n)
				}
				st := mm.Stats()
				if st.Used[Heap] > 10000 || st.Used[OffHeap] > 10000 || st.Used[Heap] < 0 || st.Used[OffHeap] < 0 {
					over.Store(true)
				}
			}
			for _, r := range rs {
				r.Free()
			}
		}()
	}
	wg.Wait()
	if over.Load() {
		t.Error("a pool's use left [0, size]")
	}
	t.Logf("%+v", mm.Stats())
	if st := mm.Stats(); st.Used != [2]int64{} || st.Tasks != 0 || ctx.Err() != nil {
		t.Errorf("%+v, %v", st, ctx.Err())
	}
}
