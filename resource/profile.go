package resource

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Names of the built-in resources of a Profile, as Spark's ResourceProfile
// names them (they appear in its printed form).
const (
	// ResourceCores is the executor's cores.
	ResourceCores = "cores"
	// ResourceHeap is the executor's heap ("memory" in Spark), in MiB.
	ResourceHeap = "memory"
	// ResourceOverhead is the executor's memory overhead, in MiB.
	ResourceOverhead = "memoryOverhead"
	// ResourceOffHeap is the executor's off-heap memory, in MiB.
	ResourceOffHeap = "offHeap"
	// ResourceCPUs is the cpus one task needs.
	ResourceCPUs = "cpus"
)

// UnknownProfileID is the id of a Profile no ProfileManager has registered
// (Spark's ResourceProfile.UNKNOWN_RESOURCE_PROFILE_ID).
const UnknownProfileID = -1

// DefaultProfileID is the id of the default profile (Spark's
// ResourceProfile.DEFAULT_RESOURCE_PROFILE_ID).
const DefaultProfileID = 0

// profileMiB is one MiB in bytes: Spark gives executor memory amounts in MiB.
const profileMiB = int64(1) << 20

// ErrInvalidProfile is wrapped by the errors of ProfileBuilder.Build.
var ErrInvalidProfile = errors.New("invalid resource profile")

// ExecutorResourceRequest is one resource an executor of a profile asks
// for, as Spark's ExecutorResourceRequest: an amount (cores, MiB of memory,
// or a count of a custom resource such as GPUs), and for custom resources
// the script that discovers them and their vendor.
type ExecutorResourceRequest struct {
	Name            string // "cores", "memory", "offHeap", "memoryOverhead" or a custom name
	Amount          int64  // cores, MiB of memory, or units of a custom resource
	DiscoveryScript string // custom resources: the script that finds them
	Vendor          string // custom resources: their vendor
}

// String prints the request as Spark does:
// "name: memory, amount: 2048, script: , vendor: ".
func (r ExecutorResourceRequest) String() string {
	return "name: " + r.Name + ", amount: " + strconv.FormatInt(r.Amount, 10) +
		", script: " + r.DiscoveryScript + ", vendor: " + r.Vendor
}

// TaskResourceRequest is one resource a task of a profile needs, as Spark's
// TaskResourceRequest; the amount may be fractional (0.5 cpus: two tasks
// share one core).
type TaskResourceRequest struct {
	Name   string  // "cpus" or a custom name
	Amount float64 // per task
}

// String prints the request as Spark does, the amount as a Scala Double:
// "name: cpus, amount: 1.0".
func (r TaskResourceRequest) String() string {
	return "name: " + r.Name + ", amount: " + formatScalaDouble(r.Amount)
}

// Profile is a resource profile, as Spark's ResourceProfile: what each
// executor of a stage has (cores, heap, off-heap, overhead, custom resources)
// and what each of its tasks needs (cpus, custom resources). A Profile is
// immutable; it gets its id when a ProfileManager registers it. Build one
// with NewProfileBuilder.
type Profile struct {
	id    int
	exec  []ExecutorResourceRequest // insertion order, for printing
	task  []TaskResourceRequest     // insertion order, for printing
	slots int
}

// ID returns the profile's id: 0 for the default profile, 1, 2, ... for the
// others in the order they were registered, UnknownProfileID if not
// registered.
func (p *Profile) ID() int { return p.id }

// ExecutorResources returns a copy of the executor resources in the order
// they were added.
func (p *Profile) ExecutorResources() []ExecutorResourceRequest {
	return append([]ExecutorResourceRequest(nil), p.exec...)
}

// TaskResources returns a copy of the task resources in the order they
// were added.
func (p *Profile) TaskResources() []TaskResourceRequest {
	return append([]TaskResourceRequest(nil), p.task...)
}

// ExecutorResource returns the executor resource named name, if the profile
// has it.
func (p *Profile) ExecutorResource(name string) (ExecutorResourceRequest, bool) {
	for _, r := range p.exec {
		if r.Name == name {
			return r, true
		}
	}
	return ExecutorResourceRequest{}, false
}

// TaskResource returns the task resource named name, if the profile has it.
func (p *Profile) TaskResource(name string) (TaskResourceRequest, bool) {
	for _, r := range p.task {
		if r.Name == name {
			return r, true
		}
	}
	return TaskResourceRequest{}, false
}

// Cores returns the cores per executor; 1 (Spark's default of
// spark.executor.cores) when the profile does not set them.
func (p *Profile) Cores() int {
	if r, ok := p.ExecutorResource(ResourceCores); ok {
		return int(r.Amount)
	}
	return 1
}

// TaskCPUs returns the cpus per task; 1 (Spark's default of spark.task.cpus)
// when the profile does not set them.
func (p *Profile) TaskCPUs() float64 {
	if r, ok := p.TaskResource(ResourceCPUs); ok {
		return r.Amount
	}
	return 1
}

func (p *Profile) mibBytes(name string) int64 {
	r, _ := p.ExecutorResource(name)
	return r.Amount * profileMiB
}

// HeapBytes returns the heap per executor in bytes (0 when not set).
func (p *Profile) HeapBytes() int64 { return p.mibBytes(ResourceHeap) }

// OffHeapBytes returns the off-heap memory per executor in bytes (0 when
// not set).
func (p *Profile) OffHeapBytes() int64 { return p.mibBytes(ResourceOffHeap) }

// OverheadBytes returns the memory overhead per executor in bytes (0 when
// not set).
func (p *Profile) OverheadBytes() int64 { return p.mibBytes(ResourceOverhead) }

// ExecutorBytes returns the memory one executor of the profile takes from
// the local capacity: heap + off-heap + overhead.
func (p *Profile) ExecutorBytes() int64 {
	return p.HeapBytes() + p.OffHeapBytes() + p.OverheadBytes()
}

// SlotsPerExecutor returns how many tasks one executor runs at a time:
// floor(cores / task cpus), further limited by each custom task resource
// (Spark's maxTasksPerExecutor). It is at least 1.
func (p *Profile) SlotsPerExecutor() int { return p.slots }

// Equivalent reports whether p and q ask for the same resources (same
// names, amounts, scripts and vendors), ignoring ids and order.
func (p *Profile) Equivalent(q *Profile) bool {
	if p == nil || q == nil {
		return p == q
	}
	if len(p.exec) != len(q.exec) || len(p.task) != len(q.task) {
		return false
	}
	for _, r := range p.exec {
		if s, ok := q.ExecutorResource(r.Name); !ok || s != r {
			return false
		}
	}
	for _, r := range p.task {
		if s, ok := q.TaskResource(r.Name); !ok || s != r {
			return false
		}
	}
	return true
}

// String prints the profile exactly as Spark prints a ResourceProfile:
//
//	Profile: id = 1, executor resources: cores -> name: cores, amount: 1, script: , vendor: ,memory -> ..., task resources: cpus -> name: cpus, amount: 1.0
func (p *Profile) String() string {
	var b strings.Builder
	b.WriteString("Profile: id = ")
	b.WriteString(strconv.Itoa(p.id))
	b.WriteString(", executor resources: ")
	for i, r := range p.exec {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.Name)
		b.WriteString(" -> ")
		b.WriteString(r.String())
	}
	b.WriteString(", task resources: ")
	for i, r := range p.task {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.Name)
		b.WriteString(" -> ")
		b.WriteString(r.String())
	}
	return b.String()
}

// summary is a short form for error messages: "profile 1 (cores 2, heap +
// off-heap + overhead 3.0 GiB)".
func (p *Profile) summary() string {
	return fmt.Sprintf("profile %d (cores %d, heap + off-heap + overhead %s)",
		p.id, p.Cores(), FormatBytes(p.ExecutorBytes()))
}

// Builder returns a builder holding p's resources (in p's order), to derive
// a new profile from p: p.Builder().Memory(2 * heapMiB).Build().
func (p *Profile) Builder() *ProfileBuilder {
	return &ProfileBuilder{
		exec: append([]ExecutorResourceRequest(nil), p.exec...),
		task: append([]TaskResourceRequest(nil), p.task...),
	}
}

// withID returns a copy of p with id id.
func (p *Profile) withID(id int) *Profile {
	q := *p
	q.id = id
	return &q
}

// Merge returns a profile (not registered: UnknownProfileID) with every
// resource of a and b at the larger of their two amounts, as Spark's
// DAGScheduler.mergeResourceProfiles; on equal amounts b's request (with its
// script and vendor) is kept. The order is a's resources, then b's others.
func Merge(a, b *Profile) *Profile {
	m := &Profile{id: UnknownProfileID}
	for _, r := range a.exec {
		if s, ok := b.ExecutorResource(r.Name); ok && s.Amount >= r.Amount {
			r = s
		}
		m.exec = append(m.exec, r)
	}
	for _, s := range b.exec {
		if _, ok := a.ExecutorResource(s.Name); !ok {
			m.exec = append(m.exec, s)
		}
	}
	for _, r := range a.task {
		if s, ok := b.TaskResource(r.Name); ok && s.Amount >= r.Amount {
			r = s
		}
		m.task = append(m.task, r)
	}
	for _, s := range b.task {
		if _, ok := a.TaskResource(s.Name); !ok {
			m.task = append(m.task, s)
		}
	}
	slots, err := m.computeSlots()
	if err != nil || slots < 1 {
		// Cannot happen for two valid profiles: each resource's maximum
		// covers the largest task demand for it.
		slots = 1
	}
	m.slots = slots
	return m
}

// Complete returns p with each built-in resource it does not set taken
// from base (the default profile, say): the executor's cores, memory,
// memoryOverhead and offHeap, and the task's cpus, as Spark takes a
// resource a ResourceProfile leaves unset from the application's
// configuration. p's own requests, custom resources included, are kept as
// they are; base's custom resources are not taken. The order is base's
// built-in resources, then p's others. The result is not registered
// (UnknownProfileID); the error wraps ErrInvalidProfile when the completed
// profile cannot run a task (p's task cpus above base's cores, say).
func Complete(p, base *Profile) (*Profile, error) {
	b := NewProfileBuilder()
	for _, r := range base.exec {
		if isBuiltinExecutorResource(r.Name) {
			b.setExec(r)
		}
	}
	if r, ok := base.TaskResource(ResourceCPUs); ok {
		b.setTask(r)
	}
	for _, r := range p.exec {
		b.setExec(r)
	}
	for _, r := range p.task {
		b.setTask(r)
	}
	return b.Build()
}

// ProfileBuilder builds a Profile, as Spark's ResourceProfileBuilder with
// its ExecutorResourceRequests and TaskResourceRequests. Setting a resource
// again replaces its amount and keeps its place in the printed order.
// Methods chain; the first invalid argument is reported by Build.
type ProfileBuilder struct {
	exec []ExecutorResourceRequest
	task []TaskResourceRequest
	err  error
}

// NewProfileBuilder returns an empty builder.
func NewProfileBuilder() *ProfileBuilder { return &ProfileBuilder{} }

func (b *ProfileBuilder) fail(format string, args ...any) *ProfileBuilder {
	if b.err == nil {
		b.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalidProfile}, args...)...)
	}
	return b
}

func (b *ProfileBuilder) setExec(r ExecutorResourceRequest) *ProfileBuilder {
	for i := range b.exec {
		if b.exec[i].Name == r.Name {
			b.exec[i] = r
			return b
		}
	}
	b.exec = append(b.exec, r)
	return b
}

func (b *ProfileBuilder) setTask(r TaskResourceRequest) *ProfileBuilder {
	for i := range b.task {
		if b.task[i].Name == r.Name {
			b.task[i] = r
			return b
		}
	}
	b.task = append(b.task, r)
	return b
}

// Cores sets the cores per executor (spark.executor.cores); it must be
// positive.
func (b *ProfileBuilder) Cores(n int) *ProfileBuilder {
	if n <= 0 {
		return b.fail("executor cores must be positive, got %d", n)
	}
	return b.setExec(ExecutorResourceRequest{Name: ResourceCores, Amount: int64(n)})
}

func (b *ProfileBuilder) memory(name string, mibs int64) *ProfileBuilder {
	if mibs < 0 {
		return b.fail("executor %s must not be negative, got %d MiB", name, mibs)
	}
	return b.setExec(ExecutorResourceRequest{Name: name, Amount: mibs})
}

// Memory sets the heap per executor in MiB (spark.executor.memory; Spark's
// "memory" resource).
func (b *ProfileBuilder) Memory(mibs int64) *ProfileBuilder { return b.memory(ResourceHeap, mibs) }

// OffHeap sets the off-heap memory per executor in MiB
// (spark.memory.offHeap.size; Spark's "offHeap" resource).
func (b *ProfileBuilder) OffHeap(mibs int64) *ProfileBuilder {
	return b.memory(ResourceOffHeap, mibs)
}

// MemoryOverhead sets the memory overhead per executor in MiB
// (spark.executor.memoryOverhead; Spark's "memoryOverhead" resource).
func (b *ProfileBuilder) MemoryOverhead(mibs int64) *ProfileBuilder {
	return b.memory(ResourceOverhead, mibs)
}

// Resource sets a custom executor resource (a GPU, say): its amount per
// executor, the script that discovers it and its vendor (both may be empty).
func (b *ProfileBuilder) Resource(name string, amount int64, discoveryScript, vendor string) *ProfileBuilder {
	switch {
	case name == "":
		return b.fail("a custom executor resource needs a name")
	case isBuiltinExecutorResource(name):
		return b.fail("%q is a built-in executor resource: use its own method", name)
	case amount <= 0:
		return b.fail("executor resource %s must be positive, got %d", name, amount)
	}
	return b.setExec(ExecutorResourceRequest{Name: name, Amount: amount, DiscoveryScript: discoveryScript, Vendor: vendor})
}

// TaskCPUs sets the cpus per task (spark.task.cpus); it must be positive and
// may be fractional.
func (b *ProfileBuilder) TaskCPUs(cpus float64) *ProfileBuilder {
	if !(cpus > 0) || math.IsInf(cpus, 0) {
		return b.fail("task cpus must be positive, got %v", cpus)
	}
	return b.setTask(TaskResourceRequest{Name: ResourceCPUs, Amount: cpus})
}

// TaskResource sets the amount of a custom resource each task needs; as in
// Spark it is either at most 0.5 (tasks share one unit) or a whole number.
func (b *ProfileBuilder) TaskResource(name string, amount float64) *ProfileBuilder {
	switch {
	case name == "":
		return b.fail("a custom task resource needs a name")
	case name == ResourceCPUs:
		return b.fail("%q is a built-in task resource: use TaskCPUs", name)
	case !(amount > 0) || math.IsInf(amount, 0):
		return b.fail("task resource %s must be positive, got %v", name, amount)
	case amount > 0.5 && amount != math.Trunc(amount):
		return b.fail("task resource %s amount %v must be either <= 0.5, or a whole number", name, amount)
	}
	return b.setTask(TaskResourceRequest{Name: name, Amount: amount})
}

// Build returns the profile (id UnknownProfileID until a ProfileManager
// registers it), or an error wrapping ErrInvalidProfile when an argument was
// invalid or an executor cannot run even one task: task cpus above the
// executor's cores, or a custom task resource the executor lacks or has too
// little of.
func (b *ProfileBuilder) Build() (*Profile, error) {
	if b.err != nil {
		return nil, b.err
	}
	p := &Profile{
		id:   UnknownProfileID,
		exec: append([]ExecutorResourceRequest(nil), b.exec...),
		task: append([]TaskResourceRequest(nil), b.task...),
	}
	slots, err := p.computeSlots()
	if err != nil {
		return nil, err
	}
	p.slots = slots
	return p, nil
}

// computeSlots returns floor(cores / cpus), limited by each custom task
// resource, or an error when an executor cannot run one task.
func (p *Profile) computeSlots() (int, error) {
	cores, cpus := p.Cores(), p.TaskCPUs()
	if cpus > float64(cores) {
		return 0, fmt.Errorf("%w: task cpus %s exceed the executor's cores %d",
			ErrInvalidProfile, formatScalaDouble(cpus), cores)
	}
	slots := slotFloor(float64(cores), cpus)
	for _, t := range p.task {
		if t.Name == ResourceCPUs {
			continue
		}
		e, ok := p.ExecutorResource(t.Name)
		if !ok {
			return 0, fmt.Errorf("%w: tasks need resource %s but the executor resources do not include it",
				ErrInvalidProfile, t.Name)
		}
		var n int
		if t.Amount <= 1 {
			// Fractional: floor(1/amount) tasks share one unit.
			n = slotFloor(1, t.Amount) * int(e.Amount)
		} else {
			n = slotFloor(float64(e.Amount), t.Amount)
		}
		if n < 1 {
			return 0, fmt.Errorf("%w: each task needs %s %s but an executor has %d",
				ErrInvalidProfile, formatScalaDouble(t.Amount), t.Name, e.Amount)
		}
		slots = min(slots, n)
	}
	return max(slots, 1), nil
}

// slotFloor is floor(a/b), tolerant of binary rounding (3 / 0.1 is 30).
func slotFloor(a, b float64) int {
	return int(math.Floor(a/b + 1e-9))
}

func isBuiltinExecutorResource(name string) bool {
	switch name {
	case ResourceCores, ResourceHeap, ResourceOffHeap, ResourceOverhead:
		return true
	}
	return false
}

// formatScalaDouble prints f as Scala (Java's Double.toString) does: 1.0,
// 0.5, 2.0, 1.0E-4, 1.0E7.
func formatScalaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1e-04, 1.5e+07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// FormatBytes prints a byte count for people: 512 B, 64.0 MiB, 2.0 GiB.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
