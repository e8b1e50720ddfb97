package resource

import (
	"fmt"
	"sort"
	"sync"
)

// DefaultProfileConfig is what the default profile (id 0) is built from:
// plain values the engine reads from Spark's configuration keys.
type DefaultProfileConfig struct {
	// ExecutorCores is spark.executor.cores; 0 means 1.
	ExecutorCores int
	// ExecutorMemory is spark.executor.memory in bytes (the heap); 0 means
	// 1 GiB. It is rounded up to whole MiB, Spark's unit for it.
	ExecutorMemory int64
	// OffHeapEnabled is spark.memory.offHeap.enabled; when false the profile
	// asks for 0 MiB of off-heap, as Spark's default profile does.
	OffHeapEnabled bool
	// OffHeapSize is spark.memory.offHeap.size in bytes; it must be positive
	// when OffHeapEnabled. Rounded up to whole MiB.
	OffHeapSize int64
	// MemoryOverhead is spark.executor.memoryOverhead in bytes; 0 means not
	// set (the profile has no memoryOverhead resource). Rounded up to whole
	// MiB.
	MemoryOverhead int64
	// TaskCPUs is spark.task.cpus; 0 means 1.
	TaskCPUs float64
}

// profileBytesToMiB rounds n bytes up to whole MiB, so a small non-zero size never
// becomes 0.
func profileBytesToMiB(n int64) int64 { return (n + profileMiB - 1) / profileMiB }

// DefaultProfile builds the default profile from c, in Spark's order of
// resources: cores, memory, memoryOverhead (only when set), offHeap; task
// resources: cpus. Its id is DefaultProfileID.
func DefaultProfile(c DefaultProfileConfig) (*Profile, error) {
	cores := c.ExecutorCores
	if cores == 0 {
		cores = 1
	}
	heap := c.ExecutorMemory
	if heap == 0 {
		heap = 1 << 30
	}
	cpus := c.TaskCPUs
	if cpus == 0 {
		cpus = 1
	}
	if heap < 0 || c.MemoryOverhead < 0 || c.OffHeapSize < 0 {
		return nil, fmt.Errorf("%w: executor memory sizes must not be negative", ErrInvalidProfile)
	}
	var offHeap int64
	if c.OffHeapEnabled {
		if c.OffHeapSize <= 0 {
			return nil, fmt.Errorf("%w: spark.memory.offHeap.size must be > 0 when spark.memory.offHeap.enabled == true",
				ErrInvalidProfile)
		}
		offHeap = profileBytesToMiB(c.OffHeapSize)
	}
	b := NewProfileBuilder().Cores(cores).Memory(profileBytesToMiB(heap))
	if c.MemoryOverhead > 0 {
		b.MemoryOverhead(profileBytesToMiB(c.MemoryOverhead))
	}
	p, err := b.OffHeap(offHeap).TaskCPUs(cpus).Build()
	if err != nil {
		return nil, fmt.Errorf("default profile: %w", err)
	}
	return p.withID(DefaultProfileID), nil
}

// ProfileManager registers the resource profiles of an engine, as Spark's
// ResourceProfileManager: the default profile has id 0, every other profile
// gets the next id from 1, and a profile equivalent to a registered one is
// not registered again. It is safe for concurrent use.
type ProfileManager struct {
	mu       sync.Mutex
	profiles []*Profile // by id: profiles[i].ID() == i
}

// NewProfileManager returns a manager holding the default profile built
// from c.
func NewProfileManager(c DefaultProfileConfig) (*ProfileManager, error) {
	def, err := DefaultProfile(c)
	if err != nil {
		return nil, err
	}
	return &ProfileManager{profiles: []*Profile{def}}, nil
}

// Default returns the default profile (id 0).
func (m *ProfileManager) Default() *Profile {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.profiles[DefaultProfileID]
}

// Add registers p and returns the registered profile: a registered profile
// equivalent to p (the default one included) if there is one, else a copy
// of p with the next id. Use the returned profile; p itself is not changed.
// A nil p stands for the default profile.
func (m *ProfileManager) Add(p *Profile) *Profile {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addLocked(p)
}

func (m *ProfileManager) addLocked(p *Profile) *Profile {
	if p == nil {
		return m.profiles[DefaultProfileID]
	}
	for _, q := range m.profiles {
		if q.Equivalent(p) {
			return q
		}
	}
	q := p.withID(len(m.profiles))
	m.profiles = append(m.profiles, q)
	return q
}

// Get returns the profile with id id, if registered.
func (m *ProfileManager) Get(id int) (*Profile, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 0 || id >= len(m.profiles) {
		return nil, false
	}
	return m.profiles[id], true
}

// registered reports whether p is this manager's profile for its id.
func (m *ProfileManager) registered(p *Profile) bool {
	q, ok := m.Get(p.ID())
	return ok && (q == p || q.Equivalent(p))
}

// All returns the registered profiles ordered by id.
func (m *ProfileManager) All() []*Profile {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Profile(nil), m.profiles...)
}

// ProfileConflictError is returned by MergeStageProfiles when one stage has
// profiles that differ and merging them was not allowed.
type ProfileConflictError struct {
	// A and B are two of the stage's profiles that are not equivalent.
	A, B *Profile
}

// Error names both profiles with their resources, and the key that allows
// merging them.
func (e *ProfileConflictError) Error() string {
	return fmt.Sprintf("multiple resource profiles specified for one stage: %s and %s; "+
		"resolve the conflict or enable spark.scheduler.resource.profileMergeConflicts "+
		"to merge them by taking the maximum of each resource", e.A, e.B)
}

// MergeStageProfiles returns the one profile a stage runs with, given the
// profiles of its parts (nil entries stand for the default profile): the
// default profile when there are none; the (registered) profile when they
// are all equivalent; otherwise, if allowConflicts
// (spark.scheduler.resource.profileMergeConflicts), the maximum of every
// resource over all of them (Merge), registered through the manager; else a
// *ProfileConflictError naming two differing profiles.
func (m *ProfileManager) MergeStageProfiles(profiles []*Profile, allowConflicts bool) (*Profile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(profiles) == 0 {
		return m.profiles[DefaultProfileID], nil
	}
	// Register each, so that conflicts are reported with ids.
	reg := make([]*Profile, len(profiles))
	for i, p := range profiles {
		reg[i] = m.addLocked(p)
	}
	// Distinct registered profiles, by id, for a stable merge order.
	byID := map[int]*Profile{}
	for _, p := range reg {
		byID[p.ID()] = p
	}
	if len(byID) == 1 {
		return reg[0], nil
	}
	if !allowConflicts {
		for _, p := range reg[1:] {
			if p != reg[0] {
				return nil, &ProfileConflictError{A: reg[0], B: p}
			}
		}
	}
	ids := make([]int, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	merged := byID[ids[0]]
	for _, id := range ids[1:] {
		merged = Merge(merged, byID[id])
	}
	return m.addLocked(merged), nil
}
