package resource

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// newTestManager returns a manager whose default profile is 1 core, 1 GiB
// heap, 1 GiB off-heap, 1 cpu per task.
func newTestManager(t *testing.T) *ProfileManager {
	t.Helper()
	m, err := NewProfileManager(DefaultProfileConfig{
		ExecutorCores: 1, ExecutorMemory: 1 << 30, OffHeapEnabled: true, OffHeapSize: 1 << 30, TaskCPUs: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDefaultProfile(t *testing.T) {
	tests := []struct {
		name string
		cfg  DefaultProfileConfig
		want string
	}{
		{
			name: "zero config: Spark's defaults, off-heap disabled",
			want: "Profile: id = 0, executor resources: cores -> name: cores, amount: 1, script: , vendor: ," +
				"memory -> name: memory, amount: 1024, script: , vendor: ," +
				"offHeap -> name: offHeap, amount: 0, script: , vendor: , " +
				"task resources: cpus -> name: cpus, amount: 1.0",
		},
		{
			name: "with overhead, sizes rounded up to MiB",
			cfg: DefaultProfileConfig{ExecutorCores: 4, ExecutorMemory: 2<<30 + 1, OffHeapEnabled: true,
				OffHeapSize: 512 << 20, MemoryOverhead: 384 << 20, TaskCPUs: 2},
			want: "Profile: id = 0, executor resources: cores -> name: cores, amount: 4, script: , vendor: ," +
				"memory -> name: memory, amount: 2049, script: , vendor: ," +
				"memoryOverhead -> name: memoryOverhead, amount: 384, script: , vendor: ," +
				"offHeap -> name: offHeap, amount: 512, script: , vendor: , " +
				"task resources: cpus -> name: cpus, amount: 2.0",
		},
		{
			name: "off-heap size ignored when disabled",
			cfg:  DefaultProfileConfig{ExecutorCores: 2, ExecutorMemory: 1 << 30, OffHeapSize: 1 << 30, TaskCPUs: 0.5},
			want: "Profile: id = 0, executor resources: cores -> name: cores, amount: 2, script: , vendor: ," +
				"memory -> name: memory, amount: 1024, script: , vendor: ," +
				"offHeap -> name: offHeap, amount: 0, script: , vendor: , " +
				"task resources: cpus -> name: cpus, amount: 0.5",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewProfileManager(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Default().String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDefaultProfileErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  DefaultProfileConfig
		want string
	}{
		{"off-heap enabled without size", DefaultProfileConfig{OffHeapEnabled: true}, "spark.memory.offHeap.size must be > 0"},
		{"task cpus above cores", DefaultProfileConfig{ExecutorCores: 1, TaskCPUs: 2}, "exceed the executor's cores"},
		{"negative memory", DefaultProfileConfig{ExecutorMemory: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewProfileManager(tt.cfg)
			if !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestProfileManagerAddReusesEquivalent(t *testing.T) {
	m := newTestManager(t)
	p1 := m.Add(mustBuildProfile(t, NewProfileBuilder().Cores(1).Memory(2048).OffHeap(1024).TaskCPUs(1)))
	p2 := m.Add(mustBuildProfile(t, NewProfileBuilder().Cores(1).Memory(1024).OffHeap(512).TaskCPUs(1)))
	again := m.Add(mustBuildProfile(t, NewProfileBuilder().OffHeap(1024).Memory(2048).Cores(1).TaskCPUs(1)))
	def := m.Add(mustBuildProfile(t, NewProfileBuilder().Cores(1).Memory(1024).OffHeap(1024).TaskCPUs(1)))
	if p1.ID() != 1 || p2.ID() != 2 {
		t.Errorf("ids %d, %d, want 1, 2", p1.ID(), p2.ID())
	}
	if again != p1 {
		t.Errorf("equivalent profile registered again as %d", again.ID())
	}
	if def != m.Default() || def.ID() != DefaultProfileID {
		t.Errorf("profile equivalent to the default registered as %d", def.ID())
	}
	if m.Add(nil) != m.Default() {
		t.Error("Add(nil) is not the default profile")
	}
	if got, ok := m.Get(2); !ok || got != p2 {
		t.Errorf("Get(2) = %v, %v", got, ok)
	}
	if _, ok := m.Get(3); ok {
		t.Error("Get(3) found an unregistered id")
	}
	all := m.All()
	if len(all) != 3 || all[0].ID() != 0 || all[1] != p1 || all[2] != p2 {
		t.Errorf("All = %v", all)
	}
}

func TestProfileManagerConcurrentAdd(t *testing.T) {
	m := newTestManager(t)
	var wg sync.WaitGroup
	ids := make([]int, 16)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := NewProfileBuilder().Cores(1 + i%2).Memory(2048).TaskCPUs(1).Build()
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = m.Add(p).ID()
		}()
	}
	wg.Wait()
	for i, id := range ids {
		if id != ids[i%2] || id < 1 || id > 2 {
			t.Fatalf("ids %v: equivalent profiles got different ids", ids)
		}
	}
	if len(m.All()) != 3 {
		t.Errorf("%d profiles registered, want 3", len(m.All()))
	}
}

func TestMergeStageProfiles(t *testing.T) {
	m := newTestManager(t)
	a := m.Add(mustBuildProfile(t, NewProfileBuilder().Cores(1).Memory(2048).OffHeap(1024).TaskCPUs(1)))
	aCopy := mustBuildProfile(t, NewProfileBuilder().Cores(1).Memory(2048).OffHeap(1024).TaskCPUs(1))
	b := m.Add(mustBuildProfile(t, NewProfileBuilder().Cores(2).Memory(1024).OffHeap(4096).TaskCPUs(1)))

	if p, err := m.MergeStageProfiles(nil, false); err != nil || p != m.Default() {
		t.Errorf("no profiles: %v, %v; want the default", p, err)
	}
	if p, err := m.MergeStageProfiles([]*Profile{nil, nil}, false); err != nil || p != m.Default() {
		t.Errorf("nil profiles: %v, %v; want the default", p, err)
	}
	if p, err := m.MergeStageProfiles([]*Profile{a, aCopy, a}, false); err != nil || p != a {
		t.Errorf("equivalent profiles: %v, %v; want profile 1", p, err)
	}

	_, err := m.MergeStageProfiles([]*Profile{a, b}, false)
	var ce *ProfileConflictError
	if !errors.As(err, &ce) || ce.A != a || ce.B != b {
		t.Fatalf("error %v, want a ProfileConflictError of profiles 1 and 2", err)
	}
	for _, s := range []string{"Profile: id = 1,", "amount: 2048", "Profile: id = 2,", "amount: 4096",
		"spark.scheduler.resource.profileMergeConflicts"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("conflict error %q does not contain %q", err, s)
		}
	}

	merged, err := m.MergeStageProfiles([]*Profile{a, b, nil}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := "Profile: id = 3, executor resources: cores -> name: cores, amount: 2, script: , vendor: ," +
		"memory -> name: memory, amount: 2048, script: , vendor: ," +
		"offHeap -> name: offHeap, amount: 4096, script: , vendor: , " +
		"task resources: cpus -> name: cpus, amount: 1.0"
	if merged.String() != want {
		t.Errorf("merged\n%s\nwant\n%s", merged, want)
	}
	if again, err := m.MergeStageProfiles([]*Profile{b, a}, true); err != nil || again != merged {
		t.Errorf("merging again: %v, %v; want profile 3 reused", again, err)
	}
}
