package resource

import (
	"errors"
	"strings"
	"testing"
)

func mustBuildProfile(t *testing.T, b *ProfileBuilder) *Profile {
	t.Helper()
	p, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProfileString(t *testing.T) {
	tests := []struct {
		name string
		b    *ProfileBuilder
		want string
	}{
		{
			name: "gluten example",
			b:    NewProfileBuilder().Cores(1).Memory(2048).OffHeap(1024).TaskCPUs(1),
			want: "Profile: id = 1, executor resources: cores -> name: cores, amount: 1, script: , vendor: ," +
				"memory -> name: memory, amount: 2048, script: , vendor: ," +
				"offHeap -> name: offHeap, amount: 1024, script: , vendor: , " +
				"task resources: cpus -> name: cpus, amount: 1.0",
		},
		{
			name: "custom resources and fractional cpus",
			b: NewProfileBuilder().Cores(4).Memory(4096).MemoryOverhead(512).OffHeap(2048).
				Resource("gpu", 2, "/opt/getGpus.sh", "nvidia.com").TaskCPUs(0.5).TaskResource("gpu", 0.5),
			want: "Profile: id = 1, executor resources: cores -> name: cores, amount: 4, script: , vendor: ," +
				"memory -> name: memory, amount: 4096, script: , vendor: ," +
				"memoryOverhead -> name: memoryOverhead, amount: 512, script: , vendor: ," +
				"offHeap -> name: offHeap, amount: 2048, script: , vendor: ," +
				"gpu -> name: gpu, amount: 2, script: /opt/getGpus.sh, vendor: nvidia.com, " +
				"task resources: cpus -> name: cpus, amount: 0.5,gpu -> name: gpu, amount: 0.5",
		},
		{
			name: "two cpus",
			b:    NewProfileBuilder().Cores(4).TaskCPUs(2),
			want: "Profile: id = 1, executor resources: cores -> name: cores, amount: 4, script: , vendor: , " +
				"task resources: cpus -> name: cpus, amount: 2.0",
		},
		{
			// Spark's ResourceProfileBuilder().build() (the seed prints it
			// with its trailing space trimmed).
			name: "empty",
			b:    NewProfileBuilder(),
			want: "Profile: id = 1, executor resources: , task resources: ",
		},
		{
			name: "setting again keeps the place",
			b:    NewProfileBuilder().Cores(1).Memory(1024).Cores(2).TaskCPUs(1),
			want: "Profile: id = 1, executor resources: cores -> name: cores, amount: 2, script: , vendor: ," +
				"memory -> name: memory, amount: 1024, script: , vendor: , " +
				"task resources: cpus -> name: cpus, amount: 1.0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestManager(t)
			p := mustBuildProfile(t, tt.b)
			if p.ID() != UnknownProfileID {
				t.Errorf("built profile has id %d, want %d", p.ID(), UnknownProfileID)
			}
			if got := m.Add(p).String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDefaultProfileStringAsGlutenSeed(t *testing.T) {
	// The default profile of Gluten's stage-resource doc.
	p, err := DefaultProfile(DefaultProfileConfig{
		ExecutorCores: 1, ExecutorMemory: 1 << 30, OffHeapEnabled: true, OffHeapSize: 2 << 30, TaskCPUs: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "Profile: id = 0, executor resources: cores -> name: cores, amount: 1, script: , vendor: ," +
		"memory -> name: memory, amount: 1024, script: , vendor: ," +
		"offHeap -> name: offHeap, amount: 2048, script: , vendor: , " +
		"task resources: cpus -> name: cpus, amount: 1.0"
	if got := p.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFormatScalaDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {0.5, "0.5"}, {2, "2.0"}, {0.25, "0.25"}, {1.5, "1.5"}, {100, "100.0"},
		{0.001, "0.001"}, {1e-4, "1.0E-4"}, {1e7, "1.0E7"}, {12345678.9, "1.23456789E7"},
		{0, "0.0"}, {-2, "-2.0"}, {0.1, "0.1"},
	}
	for _, tt := range tests {
		if got := formatScalaDouble(tt.in); got != tt.want {
			t.Errorf("formatScalaDouble(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestProfileBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		b    *ProfileBuilder
		want string
	}{
		{"task cpus above cores", NewProfileBuilder().Cores(1).TaskCPUs(2), "task cpus 2.0 exceed the executor's cores 1"},
		{"task cpus above default cores", NewProfileBuilder().TaskCPUs(1.5), "exceed the executor's cores 1"},
		{"zero cores", NewProfileBuilder().Cores(0), "cores must be positive"},
		{"zero cpus", NewProfileBuilder().TaskCPUs(0), "task cpus must be positive"},
		{"negative memory", NewProfileBuilder().Memory(-1), "must not be negative"},
		{"builtin as custom", NewProfileBuilder().Resource("cores", 1, "", ""), "built-in"},
		{"task resource missing on executor", NewProfileBuilder().TaskResource("gpu", 1), "do not include it"},
		{"too little custom resource", NewProfileBuilder().Resource("gpu", 1, "", "").TaskResource("gpu", 2), "each task needs 2.0 gpu"},
		{"fraction above one half", NewProfileBuilder().Resource("gpu", 1, "", "").TaskResource("gpu", 0.7), "<= 0.5, or a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.b.Build()
			if !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrInvalidProfile containing %q", err, tt.want)
			}
		})
	}
}

func TestProfileSlotsPerExecutor(t *testing.T) {
	tests := []struct {
		name string
		b    *ProfileBuilder
		want int
	}{
		{"one core", NewProfileBuilder().Cores(1).TaskCPUs(1), 1},
		{"four cores", NewProfileBuilder().Cores(4).TaskCPUs(1), 4},
		{"floor", NewProfileBuilder().Cores(4).TaskCPUs(3), 1},
		{"two cpus per task", NewProfileBuilder().Cores(8).TaskCPUs(2), 4},
		{"fractional cpus", NewProfileBuilder().Cores(1).TaskCPUs(0.5), 2},
		{"binary rounding", NewProfileBuilder().Cores(3).TaskCPUs(0.1), 30},
		{"unset: Spark's defaults", NewProfileBuilder(), 1},
		{"limited by gpus", NewProfileBuilder().Cores(8).TaskCPUs(1).Resource("gpu", 2, "", "").TaskResource("gpu", 1), 2},
		{"shared gpus", NewProfileBuilder().Cores(8).TaskCPUs(1).Resource("gpu", 1, "", "").TaskResource("gpu", 0.25), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustBuildProfile(t, tt.b).SlotsPerExecutor(); got != tt.want {
				t.Errorf("slots %d, want %d", got, tt.want)
			}
		})
	}
}

func TestProfileAccessors(t *testing.T) {
	p := mustBuildProfile(t, NewProfileBuilder().Cores(3).Memory(2048).OffHeap(1024).MemoryOverhead(256).TaskCPUs(1.5))
	const m = 1 << 20
	if p.Cores() != 3 || p.TaskCPUs() != 1.5 || p.HeapBytes() != 2048*m || p.OffHeapBytes() != 1024*m ||
		p.OverheadBytes() != 256*m || p.ExecutorBytes() != (2048+1024+256)*m || p.SlotsPerExecutor() != 2 {
		t.Errorf("accessors of %s: cores %d cpus %v heap %d offHeap %d overhead %d slots %d",
			p, p.Cores(), p.TaskCPUs(), p.HeapBytes(), p.OffHeapBytes(), p.OverheadBytes(), p.SlotsPerExecutor())
	}
	// Deriving a profile leaves the original alone.
	q := mustBuildProfile(t, p.Builder().Memory(4096))
	if p.HeapBytes() != 2048*m || q.HeapBytes() != 4096*m || q.OffHeapBytes() != 1024*m {
		t.Errorf("derived %s from %s", q, p)
	}
	// Returned slices are copies.
	p.ExecutorResources()[0].Amount = 99
	if p.Cores() != 3 {
		t.Error("ExecutorResources exposed the profile's slice")
	}
}

func TestProfileEquivalent(t *testing.T) {
	a := mustBuildProfile(t, NewProfileBuilder().Cores(1).Memory(2048).TaskCPUs(1))
	tests := []struct {
		name string
		b    *ProfileBuilder
		want bool
	}{
		{"same", NewProfileBuilder().Cores(1).Memory(2048).TaskCPUs(1), true},
		{"other order", NewProfileBuilder().TaskCPUs(1).Memory(2048).Cores(1), true},
		{"other amount", NewProfileBuilder().Cores(1).Memory(4096).TaskCPUs(1), false},
		{"extra resource", NewProfileBuilder().Cores(1).Memory(2048).OffHeap(0).TaskCPUs(1), false},
		{"no task cpus", NewProfileBuilder().Cores(1).Memory(2048), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Equivalent(mustBuildProfile(t, tt.b)); got != tt.want {
				t.Errorf("Equivalent = %v, want %v", got, tt.want)
			}
		})
	}
	s1 := mustBuildProfile(t, NewProfileBuilder().Resource("gpu", 1, "a.sh", ""))
	s2 := mustBuildProfile(t, NewProfileBuilder().Resource("gpu", 1, "b.sh", ""))
	if s1.Equivalent(s2) {
		t.Error("profiles with different discovery scripts are equivalent")
	}
}

func TestMergeTakesMaximum(t *testing.T) {
	a := mustBuildProfile(t, NewProfileBuilder().Cores(1).Memory(4096).OffHeap(1024).TaskCPUs(1))
	b := mustBuildProfile(t, NewProfileBuilder().Cores(2).Memory(2048).OffHeap(2048).
		Resource("gpu", 1, "gpu.sh", "nvidia.com").TaskCPUs(2).TaskResource("gpu", 0.5))
	m := Merge(a, b)
	want := "Profile: id = -1, executor resources: cores -> name: cores, amount: 2, script: , vendor: ," +
		"memory -> name: memory, amount: 4096, script: , vendor: ," +
		"offHeap -> name: offHeap, amount: 2048, script: , vendor: ," +
		"gpu -> name: gpu, amount: 1, script: gpu.sh, vendor: nvidia.com, " +
		"task resources: cpus -> name: cpus, amount: 2.0,gpu -> name: gpu, amount: 0.5"
	if got := m.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if m.SlotsPerExecutor() != 1 {
		t.Errorf("merged slots %d, want 1", m.SlotsPerExecutor())
	}
	if !Merge(b, a).Equivalent(m) {
		t.Error("Merge is not symmetric in its resources")
	}
}

func TestCompleteFromDefault(t *testing.T) {
	def, err := DefaultProfile(DefaultProfileConfig{ExecutorCores: 2, ExecutorMemory: 1 << 30,
		OffHeapEnabled: true, OffHeapSize: 512 << 20, TaskCPUs: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Only the heap and a GPU set: cores, off-heap and cpus come from the
	// default profile, in its order, the GPU last.
	p := mustBuildProfile(t, NewProfileBuilder().Memory(3072).Resource("gpu", 1, "", "").TaskResource("gpu", 0.5))
	c, err := Complete(p, def)
	if err != nil {
		t.Fatal(err)
	}
	want := "Profile: id = -1, executor resources: cores -> name: cores, amount: 2, script: , vendor: ," +
		"memory -> name: memory, amount: 3072, script: , vendor: ," +
		"offHeap -> name: offHeap, amount: 512, script: , vendor: ," +
		"gpu -> name: gpu, amount: 1, script: , vendor: , " +
		"task resources: cpus -> name: cpus, amount: 1.0,gpu -> name: gpu, amount: 0.5"
	if got := c.String(); got != want {
		t.Errorf("completed:\n got %s\nwant %s", got, want)
	}
	if c.ID() != UnknownProfileID || c.SlotsPerExecutor() != 2 || p.HeapBytes() != c.HeapBytes() {
		t.Errorf("id %d, slots %d, heap %d", c.ID(), c.SlotsPerExecutor(), c.HeapBytes())
	}
	// A full profile is kept as it is (memoryOverhead, absent from the
	// default, included).
	full := mustBuildProfile(t, NewProfileBuilder().Cores(4).Memory(1024).MemoryOverhead(256).OffHeap(64).TaskCPUs(2))
	if c, err := Complete(full, def); err != nil || !c.Equivalent(full) {
		t.Errorf("full profile completed to %v, %v", c, err)
	}
	// An empty profile is the default one.
	if c, err := Complete(mustBuildProfile(t, NewProfileBuilder()), def); err != nil || !c.Equivalent(def) {
		t.Errorf("empty profile completed to %v, %v", c, err)
	}
	// The default's task cpus above the profile's cores: no task can run.
	two, err := DefaultProfile(DefaultProfileConfig{ExecutorCores: 4, TaskCPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Complete(mustBuildProfile(t, NewProfileBuilder().Cores(1)), two); !errors.Is(err, ErrInvalidProfile) {
		t.Errorf("1 core, 2 default cpus: %v, want ErrInvalidProfile", err)
	}
	if c, err := Complete(mustBuildProfile(t, NewProfileBuilder().Cores(8)), two); err != nil || c.SlotsPerExecutor() != 4 {
		t.Errorf("8 cores, 2 default cpus: %v, %v; want 4 slots", c, err)
	}
}
