package resource

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// TestExecutorPoolNewMemory: each executor the pool starts gets a memory
// manager built from its profile, its tasks draw from it, and the pool drops
// it when it releases the executor.
func TestExecutorPoolNewMemory(t *testing.T) {
	defer goleak.VerifyNone(t)
	mgr, err := NewProfileManager(DefaultProfileConfig{ExecutorMemory: 64 << 20, OffHeapEnabled: true, OffHeapSize: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		built []*Profile
	)
	xp, err := NewExecutorPool(mgr, Capacity{Cores: 2, Memory: 1 << 30}, ExecutorPoolOptions{
		NewMemory: func(p *Profile) (*MemoryManager, error) {
			mu.Lock()
			built = append(built, p)
			mu.Unlock()
			return NewMemoryManager(MemoryConfig{HeapBytes: p.HeapBytes(), OffHeapBytes: p.OffHeapBytes(), Label: "profile 0"})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var (
		emu  sync.Mutex
		seen = map[*Executor]*MemoryManager{}
	)
	err = xp.RunTasks(context.Background(), nil, 8, func(ctx context.Context, ex *Executor, i int) error {
		mm := ex.Memory()
		if mm == nil {
			return errors.New("executor without a memory manager")
		}
		emu.Lock()
		if old, ok := seen[ex]; ok && old != mm {
			emu.Unlock()
			return errors.New("the executor's memory manager changed")
		}
		seen[ex] = mm
		emu.Unlock()
		tm := mm.NewTask(ctx)
		defer tm.Release()
		r := tm.NewReservation("test", OffHeap)
		defer r.Free()
		return r.Grow(1 << 20)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Errorf("tasks ran on %d executors, want 2", len(seen))
	}
	frac := DefaultMemoryFraction
	for _, mm := range seen {
		if mm.PoolSize(Heap) != int64(float64(64<<20)*frac) || mm.PoolSize(OffHeap) != int64(float64(32<<20)*frac) {
			t.Errorf("pools %d / %d", mm.PoolSize(Heap), mm.PoolSize(OffHeap))
		}
		if s := mm.Stats(); s.Tasks != 0 || s.Peak[OffHeap] != 1<<20 {
			t.Errorf("stats %+v", s)
		}
	}
	mu.Lock()
	// One for Check, one per executor.
	if len(built) != 3 {
		t.Errorf("NewMemory called %d times, want 3", len(built))
	}
	mu.Unlock()
	xp.Close()
	for ex := range seen {
		if ex.Memory() != nil {
			t.Errorf("%v keeps its memory manager after Close", ex)
		}
	}
}

// TestExecutorPoolNewMemoryError: a profile whose memory manager cannot be
// built fails Check and RunTasks at once, starting no executor.
func TestExecutorPoolNewMemoryError(t *testing.T) {
	defer goleak.VerifyNone(t)
	mgr, err := NewProfileManager(DefaultProfileConfig{})
	if err != nil {
		t.Fatal(err)
	}
	xp, err := NewExecutorPool(mgr, Capacity{Cores: 2}, ExecutorPoolOptions{
		DynamicAllocation: true,
		NewMemory: func(p *Profile) (*MemoryManager, error) {
			return NewMemoryManager(MemoryConfig{HeapBytes: p.HeapBytes(), MemoryFraction: 2})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer xp.Close()
	if err := xp.Check(nil); err == nil || !strings.Contains(err.Error(), "spark.memory.fraction") {
		t.Errorf("Check: %v", err)
	}
	ran := false
	err = xp.RunTasks(context.Background(), nil, 2, func(context.Context, *Executor, int) error {
		ran = true
		return nil
	})
	if err == nil || ran {
		t.Errorf("RunTasks: %v, ran %v", err, ran)
	}
	if st := xp.Stats(); len(st) != 0 {
		t.Errorf("stats %+v", st)
	}
}
