package operators

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/resource"
)

// testRunner returns a local executor pool of 2 cores for the default
// profile (1 core, 1 GiB of heap) whose executors each have a memory
// manager (1 GiB heap and off-heap pools): tasks run as in the engine.
// Without dynamic allocation it runs no goroutine of its own.
func testRunner() *resource.ExecutorPool {
	mgr, err := resource.NewProfileManager(resource.DefaultProfileConfig{})
	if err != nil {
		panic(err)
	}
	xp, err := resource.NewExecutorPool(mgr, resource.Capacity{Cores: 2}, resource.ExecutorPoolOptions{
		NewMemory: func(p *resource.Profile) (*resource.MemoryManager, error) {
			return resource.NewMemoryManager(resource.MemoryConfig{HeapBytes: p.HeapBytes(), OffHeapBytes: 1 << 30,
				Label: "profile 0"})
		},
	})
	if err != nil {
		panic(err)
	}
	return xp
}

// recordingRunner runs tasks one at a time, on no executor, recording the
// profiles it was asked for.
type recordingRunner struct {
	mu       sync.Mutex
	profiles []*resource.Profile
}

func (r *recordingRunner) RunTasks(ctx context.Context, p *resource.Profile, n int, task func(ctx context.Context, ex *resource.Executor, i int) error) error {
	r.mu.Lock()
	r.profiles = append(r.profiles, p)
	r.mu.Unlock()
	for i := range n {
		if err := task(ctx, nil, i); err != nil {
			return err
		}
	}
	return nil
}

// TestExecutorStageProfilesAndRuns: each stage's tasks run with the
// stage's profile, and the executor records what each stage did; a runner
// without executors gives tasks unlimited memory.
func TestExecutorStageProfilesAndRuns(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input := exInput(mem, 3, 2, 100)
	defer exRelease(input)
	src := newRowTestBatchNode(exSchema, input)
	defer src.release()
	ex, err := NewExchange(src, Partitioning{Kind: HashPartitioning, Keys: []int{1}, Labels: []string{"k#1"}, N: 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := resource.NewProfileManager(resource.DefaultProfileConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := resource.NewProfileBuilder().Cores(1).Memory(2048).TaskCPUs(1).Build()
	if err != nil {
		t.Fatal(err)
	}
	p = mgr.Add(p)
	stages := SplitStages(ex)
	stages[0].Profile = p
	runner := &recordingRunner{}
	x := &Executor{Runner: runner, Alloc: mem, BatchSize: 64, TempRoot: t.TempDir()}
	rs := x.RunStages(context.Background(), stages)
	rows := 0
	for {
		b, err := rs.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			rs.Close()
			t.Fatal(err)
		}
		rows += int(b.NumRows())
		b.Release()
	}
	rs.Close()
	if rows != 600 {
		t.Errorf("%d rows, want 600", rows)
	}
	if len(runner.profiles) != 2 || runner.profiles[0] != p || runner.profiles[1] != nil {
		t.Errorf("profiles %v, want [%v <nil>]", runner.profiles, p)
	}
	runs := x.StageRuns()
	if len(runs) != 2 || runs[0].ID != 0 || runs[0].ProfileID != 1 || runs[0].Tasks != 3 ||
		runs[1].ID != 1 || runs[1].ProfileID != 0 || runs[1].Tasks != 4 || len(runs[0].Executors) != 0 {
		t.Errorf("stage runs %+v", runs)
	}
	if runs[0].PeakOffHeap <= 0 {
		t.Errorf("the map stage reserved no off-heap memory: %+v", runs[0])
	}
	text := ExplainStages(runs)
	if !strings.HasPrefix(text, "== Stages ==\nStage 0: profile 1, executors [], tasks 3, peak heap ") ||
		!strings.Contains(text, "\nStage 1: profile 0, executors [], tasks 4, ") {
		t.Errorf("ExplainStages:\n%s", text)
	}
}

func TestExplainStagesFormat(t *testing.T) {
	got := ExplainStages([]StageRun{{ID: 3, ProfileID: 0, Executors: []int{1, 2}, Tasks: 8, PeakHeap: 1258291, PeakOffHeap: 35 << 20}})
	want := "== Stages ==\nStage 3: profile 0, executors [1 2], tasks 8, peak heap 1.2 MiB, peak off-heap 35.0 MiB\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
