package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/resource"
)

// StageOutput is a node whose child runs as a stage of its own (the map
// side): an exchange or a broadcast exchange.
type StageOutput interface {
	Node
	// NumMapPartitions is the number of map tasks: the child's partitions.
	NumMapPartitions() int
	// RunMapTask runs map task m; map tasks may run concurrently.
	RunMapTask(ctx context.Context, m int, task *TaskContext) error
	// FinishMap marks the map side complete.
	FinishMap()
	// Materialized reports whether the map side has run.
	Materialized() bool
}

// sampler is a stage output that needs a sampling pass over its child
// before the map tasks (range partitioning).
type sampler interface {
	NeedsSampling() bool
	RunSampleTask(ctx context.Context, m int, task *TaskContext) error
	FinishSampling() error
}

// Stage is a part of a physical plan between exchanges: its tasks, one per
// partition of Root, run the whole-stage pipelines of the stage. The map
// stage of an exchange has that exchange as Output; the result stage has
// none.
type Stage struct {
	ID     int
	Root   Node
	Output StageOutput
	// Inputs are the exchanges the stage reads.
	Inputs []StageOutput
	// Profile is the resource profile the stage's tasks run with (nil: the
	// default profile); the resource-profile rule sets it before the stage
	// runs.
	Profile *resource.Profile
}

// NumTasks returns the number of tasks of the stage.
func (s *Stage) NumTasks() int { return s.Root.NumPartitions() }

// SplitStages splits a plan into stages at its exchanges, in the order they
// must run: each map stage before the stages reading it, the result stage
// last.
func SplitStages(root Node) []*Stage {
	var stages []*Stage
	seen := map[StageOutput]bool{}
	var visit func(n Node, st *Stage)
	var build func(root Node, out StageOutput) *Stage
	build = func(r Node, out StageOutput) *Stage {
		st := &Stage{Root: r, Output: out}
		visit(r, st)
		st.ID = len(stages)
		stages = append(stages, st)
		return st
	}
	visit = func(n Node, st *Stage) {
		for _, c := range n.Children() {
			if ex, ok := c.(StageOutput); ok {
				st.Inputs = append(st.Inputs, ex)
				if !seen[ex] { // an exchange read twice runs once
					seen[ex] = true
					build(ex.Children()[0], ex)
				}
				continue
			}
			visit(c, st)
		}
	}
	if ex, ok := root.(StageOutput); ok {
		seen[ex] = true
		build(ex.Children()[0], ex)
		r := &Stage{Root: root, Inputs: []StageOutput{ex}}
		r.ID = len(stages)
		return append(stages, r)
	}
	build(root, nil)
	return stages
}

// TaskRunner runs the tasks of a stage on executors of a resource profile
// (nil: the default profile), as resource.ExecutorPool.RunTasks does: tasks
// 0..n-1, each told the executor it runs on; after the first error it
// starts no more and cancels the running ones, and returns once every
// started task has returned, with the first error.
type TaskRunner interface {
	RunTasks(ctx context.Context, p *resource.Profile, n int, task func(ctx context.Context, ex *resource.Executor, i int) error) error
}

// Executor runs plans on a TaskRunner (the engine's executor pool). Each
// task draws its memory from the memory manager of the executor it runs on
// (an executor without one gives its tasks unlimited memory) and releases
// it when it ends. An Executor runs one query; it records what each stage
// did (StageRuns).
type Executor struct {
	// Runner runs the stages' tasks.
	Runner TaskRunner
	// Alloc is the query's allocator; each task gets an accounting
	// allocator drawing from it.
	Alloc     memory.Allocator
	BatchSize int
	// ReservationBlock is the block by which each task's BufferCharge
	// reserves off-heap memory for the Arrow buffers its allocator holds
	// (spark.gluten.memory.reservationBlockSize; <= 0: the default).
	ReservationBlock int64
	// TempRoot is where a query's temporary directory is made (default:
	// the system's temporary directory).
	TempRoot string
	// TempDir is the query's temporary directory for shuffle and spill
	// files, set by Run (or by the caller before RunMapStage).
	TempDir string
	// Logger receives, at ERROR, the memory a task left reserved when it
	// ended (a bug of an operator; the query goes on). nil discards it.
	Logger *slog.Logger

	mu   sync.Mutex
	runs []*stageRun
	// pending are the stages of the latest plan (NoteStages) not yet
	// materialized when noted; begun marks the map stages (by output) and
	// resultBegun the result stage that have started since.
	pending     []*Stage
	begun       map[StageOutput]bool
	resultBegun bool
	// scanned counts what the query's scans read.
	scanned ScanCounter
}

// Progress is a snapshot of a running query, see Executor.Progress.
type Progress struct {
	// Stage is the StageRun.ID of the stage running (-1: none, e.g.
	// between stages or before the first).
	Stage int
	// StageTasks is the number of tasks of the running stage and
	// StageTasksDone the number that ended (a sampling pass's not
	// counted).
	StageTasks, StageTasksDone int
	// StagesDone counts the stages that ended (failed ones included);
	// StagesKnown adds those running or still to run in the latest plan
	// (under adaptive execution later plans may add or drop stages).
	StagesDone, StagesKnown int
	// RowsRead and BytesRead are what the query's scans have read so far
	// (bytes of the Arrow batches, see ScanCounter).
	RowsRead, BytesRead int64
}

// NoteStages records the stages of the plan about to run (RunStages does,
// and adaptive execution after each re-planning), for Progress.
func (x *Executor) NoteStages(stages []*Stage) {
	var pending []*Stage
	for _, st := range stages {
		if st.Output == nil || !st.Output.Materialized() {
			pending = append(pending, st)
		}
	}
	x.mu.Lock()
	x.pending = pending
	x.mu.Unlock()
}

// Progress returns a snapshot of what the query has done so far. It is
// cheap and safe to call from any goroutine while the query runs.
func (x *Executor) Progress() Progress {
	p := Progress{Stage: -1, RowsRead: x.scanned.Rows.Load(), BytesRead: x.scanned.Bytes.Load()}
	x.mu.Lock()
	runs := slices.Clone(x.runs)
	var waiting int
	for _, st := range x.pending {
		if st.Output == nil {
			if !x.resultBegun {
				waiting++
			}
		} else if !x.begun[st.Output] {
			waiting++
		}
	}
	x.mu.Unlock()
	for _, r := range runs {
		r.mu.Lock()
		if r.finished {
			p.StagesDone++
		} else {
			p.Stage, p.StageTasks, p.StageTasksDone = r.run.ID, r.total, r.run.Tasks
		}
		r.mu.Unlock()
	}
	p.StagesKnown = len(runs) + waiting
	return p
}

// StageRun is what running one stage did, as EXPLAIN ANALYZE prints it.
type StageRun struct {
	// ID numbers the stages the query ran, from 0 in the order they ran;
	// under adaptive execution a map stage's ID is its query stage's
	// (ShuffleQueryStage N).
	ID int
	// ProfileID is the id of the resource profile the tasks ran with.
	ProfileID int
	// Executors are the ids of the executors that ran its tasks, ascending.
	Executors []int
	// Tasks is the number of tasks that ran (a sampling pass's not
	// counted).
	Tasks int
	// PeakHeap and PeakOffHeap are the most any one of its tasks (a
	// sampling pass's included) had reserved in each pool.
	PeakHeap, PeakOffHeap int64
	// Failed is the error the stage failed with ("" when it did not); a
	// stage retried after an out-of-memory error shows as a failed run
	// followed by the retry's.
	Failed string
	// Output is the exchange the map stage filled (an Exchange or a
	// BroadcastExchange of the plan); nil for the result stage.
	Output Node
	// TaskRuns lists each task of the stage (a sampling pass's included)
	// in the order they ended: when and on which executor it ran and its
	// peak memory. The query report draws its timeline from them.
	TaskRuns []TaskRun
}

// TaskRun is what one task of a stage did.
type TaskRun struct {
	// Stage is the StageRun.ID of its stage; Partition its partition.
	Stage, Partition int
	// Executor is the id of the executor it ran on (-1: none).
	Executor int
	// Start and End are when the task began and ended.
	Start, End time.Time
	// PeakHeap and PeakOffHeap are the most the task had reserved in
	// each pool.
	PeakHeap, PeakOffHeap int64
	// Sampling marks a task of a range-partitioning sampling pass.
	Sampling bool
}

// stageRun is the running record behind a StageRun.
type stageRun struct {
	mu        sync.Mutex
	run       StageRun
	executors map[int]struct{}
	total     int  // tasks of the stage (a sampling pass's not counted)
	finished  bool // the stage ended
}

// finish marks the stage ended, with its error (nil: success).
func (r *stageRun) finish(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.run.Failed = err.Error()
	}
	r.finished = true
}

func (r *stageRun) record(ex *resource.Executor, t TaskRun, count bool) {
	heap, offHeap := t.PeakHeap, t.PeakOffHeap
	r.mu.Lock()
	defer r.mu.Unlock()
	if ex != nil {
		r.executors[ex.ID()] = struct{}{}
	}
	t.Stage, t.Sampling = r.run.ID, !count
	r.run.TaskRuns = append(r.run.TaskRuns, t)
	if count {
		r.run.Tasks++
	}
	r.run.PeakHeap = max(r.run.PeakHeap, heap)
	r.run.PeakOffHeap = max(r.run.PeakOffHeap, offHeap)
}

// beginStage starts the record of stage st, which runs tasks tasks.
func (x *Executor) beginStage(st *Stage, tasks int) *stageRun {
	id := resource.DefaultProfileID
	if st.Profile != nil {
		id = st.Profile.ID()
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	r := &stageRun{run: StageRun{ID: len(x.runs), ProfileID: id}, executors: map[int]struct{}{}, total: tasks}
	if st.Output != nil {
		r.run.Output = st.Output
		if x.begun == nil {
			x.begun = map[StageOutput]bool{}
		}
		x.begun[st.Output] = true
	} else {
		x.resultBegun = true
	}
	x.runs = append(x.runs, r)
	return r
}

// StageRuns returns what each stage the executor ran did, in the order
// they ran.
func (x *Executor) StageRuns() []StageRun {
	x.mu.Lock()
	runs := slices.Clone(x.runs)
	x.mu.Unlock()
	out := make([]StageRun, len(runs))
	for i, r := range runs {
		r.mu.Lock()
		out[i] = r.run
		out[i].TaskRuns = slices.Clone(r.run.TaskRuns)
		out[i].Executors = make([]int, 0, len(r.executors))
		for id := range r.executors {
			out[i].Executors = append(out[i].Executors, id)
		}
		r.mu.Unlock()
		slices.Sort(out[i].Executors)
	}
	return out
}

// newTask returns the context of task p of stage st running on ex (with
// its ctx) and the function to call when the task ends: it records the
// task in run (counted unless a sampling task) and releases its memory.
func (x *Executor) newTask(ctx context.Context, run *stageRun, st *Stage, p int, ex *resource.Executor, count bool) (*TaskContext, func()) {
	var (
		tm    *resource.TaskMemory
		mm    *resource.MemoryManager
		exID  = -1
		start = time.Now()
	)
	if ex != nil {
		mm, exID = ex.Memory(), ex.ID()
	}
	if mm != nil {
		tm = mm.NewTask(ctx)
	} else {
		tm = resource.NewTaskMemory(0, 0) // unlimited; keeps the peaks
	}
	alloc := columnar.NewAccountingAllocator(x.Alloc)
	charge := tm.NewBufferCharge("Arrow buffers", x.ReservationBlock)
	alloc.SetListener(charge)
	task := &TaskContext{Stage: st.ID, Partition: p, Alloc: alloc,
		BatchSize: x.BatchSize, Memory: tm, TempDir: x.TempDir, Scanned: &x.scanned}
	return task, func() {
		// Buffers that outlive the task (result batches on their way to
		// the caller, a broadcast relation) are not charged to it.
		alloc.SetListener(nil)
		charge.Close()
		run.record(ex, TaskRun{Partition: p, Executor: exID, Start: start, End: time.Now(),
			PeakHeap: tm.Peak(resource.Heap), PeakOffHeap: tm.Peak(resource.OffHeap)}, count)
		if leaked := tm.Release(); leaked != 0 && x.Logger != nil {
			x.Logger.Error("task memory leaked: a consumer did not free its reservation",
				"stage", st.ID, "partition", p, "executor_id", exID, "bytes", leaked)
		}
	}
}

// RemoveTempDir removes the query's temporary directory and what it holds.
func (x *Executor) RemoveTempDir() {
	if x.TempDir != "" {
		os.RemoveAll(x.TempDir)
	}
}

// MakeTempDir creates the query's temporary directory.
func (x *Executor) MakeTempDir() error {
	dir, err := os.MkdirTemp(x.TempRoot, "gluten-go-query-")
	if err != nil {
		return fmt.Errorf("creating the query's temporary directory: %w", err)
	}
	x.TempDir = dir
	return nil
}

// RunMapStage runs the tasks of a map stage, filling its exchange.
func (x *Executor) RunMapStage(ctx context.Context, st *Stage) error {
	if st.Output == nil {
		return errors.New("executor: not a map stage")
	}
	ex := st.Output
	if ex.Materialized() {
		return nil
	}
	run := x.beginStage(st, ex.NumMapPartitions())
	var err error
	defer func() { run.finish(err) }()
	if smp, ok := ex.(sampler); ok && smp.NeedsSampling() {
		err = x.Runner.RunTasks(ctx, st.Profile, ex.NumMapPartitions(), func(ctx context.Context, rex *resource.Executor, m int) error {
			task, done := x.newTask(ctx, run, st, m, rex, false)
			defer done()
			return task.finish(smp.RunSampleTask(ctx, m, task))
		})
		if err != nil {
			return err
		}
		if err = smp.FinishSampling(); err != nil {
			return err
		}
	}
	err = x.Runner.RunTasks(ctx, st.Profile, ex.NumMapPartitions(), func(ctx context.Context, rex *resource.Executor, m int) error {
		task, done := x.newTask(ctx, run, st, m, rex, true)
		defer done()
		return task.finish(ex.RunMapTask(ctx, m, task))
	})
	if err != nil {
		return err
	}
	ex.FinishMap()
	return nil
}

// Run executes a plan: every map stage in order, then the result stage,
// whose partitions the returned stream yields in partition order. Closing
// the stream cancels whatever still runs and frees everything; no goroutine
// outlives it.
func (x *Executor) Run(ctx context.Context, root Node) *ResultStream {
	return x.RunStages(ctx, SplitStages(root))
}

// RunStages is Run of a plan already split by SplitStages (whose stages
// per-stage rules may have given profiles): the map stages not yet
// materialized, in order, then the last, the result stage.
func (x *Executor) RunStages(ctx context.Context, stages []*Stage) *ResultStream {
	ctx, cancel := context.WithCancel(ctx)
	rs := &ResultStream{cancel: cancel, stages: stages, done: make(chan struct{})}
	if x.TempDir == "" {
		if err := x.MakeTempDir(); err != nil {
			rs.err = err
			close(rs.done)
			rs.chans = nil
			return rs
		}
	}
	rs.tempDir = x.TempDir
	x.NoteStages(stages)
	result := stages[len(stages)-1]
	n := result.NumTasks()
	rs.chans = make([]chan arrow.RecordBatch, n)
	for i := range rs.chans {
		rs.chans[i] = make(chan arrow.RecordBatch, 2)
	}
	go func() {
		defer close(rs.done)
		err := x.run(ctx, stages, rs.chans)
		rs.mu.Lock()
		rs.err = err
		rs.mu.Unlock()
	}()
	return rs
}

func (x *Executor) run(ctx context.Context, stages []*Stage, chans []chan arrow.RecordBatch) error {
	started := make([]bool, len(chans))
	defer func() {
		for i, c := range chans {
			if !started[i] {
				close(c)
			}
		}
	}()
	for _, st := range stages[:len(stages)-1] {
		if err := x.RunMapStage(ctx, st); err != nil {
			return err
		}
	}
	result := stages[len(stages)-1]
	run := x.beginStage(result, len(chans))
	var mu sync.Mutex
	err := x.Runner.RunTasks(ctx, result.Profile, len(chans), func(ctx context.Context, rex *resource.Executor, p int) error {
		mu.Lock()
		started[p] = true
		mu.Unlock()
		defer close(chans[p])
		task, done := x.newTask(ctx, run, result, p, rex, true)
		defer done()
		s, err := executeColumnar(result.Root, ctx, p, task)
		if err != nil {
			return task.finish(err)
		}
		defer s.Close()
		for {
			b, err := s.Next()
			if errors.Is(err, io.EOF) {
				return task.finish(nil)
			}
			if err != nil {
				return task.finish(err)
			}
			select {
			case chans[p] <- b:
			case <-ctx.Done():
				b.Release()
				return ctx.Err()
			}
		}
	})
	run.finish(nil) // as before: a result stage's error is the query's, not recorded here
	return err
}

// ResultStream yields the result stage's batches in partition order.
type ResultStream struct {
	cancel  context.CancelFunc
	stages  []*Stage
	chans   []chan arrow.RecordBatch
	cur     int
	done    chan struct{}
	mu      sync.Mutex
	err     error
	closed  bool
	tempDir string // removed by Close
	onClose []func()
}

// OnClose registers f to run when the stream closes (after the plan is
// released, before the temporary directory is removed).
func (r *ResultStream) OnClose(f func()) { r.onClose = append(r.onClose, f) }

// Next returns the next batch (owned by the caller) or io.EOF at the end.
func (r *ResultStream) Next() (arrow.RecordBatch, error) {
	for r.cur < len(r.chans) {
		b, ok := <-r.chans[r.cur]
		if ok {
			return b, nil
		}
		r.cur++
	}
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	return nil, io.EOF
}

// Close stops the query and frees everything it holds.
func (r *ResultStream) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.cancel()
	for _, c := range r.chans[r.cur:] {
		for b := range c {
			b.Release()
		}
	}
	r.cur = len(r.chans)
	<-r.done
	ReleasePlan(r.stages[len(r.stages)-1].Root)
	for _, f := range r.onClose {
		f()
	}
	if r.tempDir != "" {
		os.RemoveAll(r.tempDir)
	}
}

// Stages returns the stages of the plan, in execution order.
func (r *ResultStream) Stages() []*Stage { return r.stages }

// String describes a stage.
func (s *Stage) String() string {
	return fmt.Sprintf("stage %d (%d tasks)", s.ID, s.NumTasks())
}
