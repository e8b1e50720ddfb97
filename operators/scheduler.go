package operators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

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

// Executor runs plans on a pool of task slots.
type Executor struct {
	Pool *resource.Pool
	// Alloc is the query's allocator; each task gets an accounting
	// allocator drawing from it.
	Alloc     memory.Allocator
	BatchSize int
	// TaskOffHeap and TaskHeap are each task's memory budget per pool
	// (<= 0: unlimited).
	TaskOffHeap, TaskHeap int64
	// TempRoot is where a query's temporary directory is made (default:
	// the system's temporary directory).
	TempRoot string
	// TempDir is the query's temporary directory for shuffle and spill
	// files, set by Run (or by the caller before RunMapStage).
	TempDir string
}

func (x *Executor) newTask(stage, p int) (*TaskContext, *columnar.AccountingAllocator) {
	acc := columnar.NewAccountingAllocator(x.Alloc)
	return &TaskContext{Stage: stage, Partition: p, Alloc: acc, BatchSize: x.BatchSize,
		Memory: resource.NewTaskMemory(x.TaskOffHeap, x.TaskHeap), TempDir: x.TempDir}, acc
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
	if smp, ok := ex.(sampler); ok && smp.NeedsSampling() {
		err := x.Pool.RunTasks(ctx, ex.NumMapPartitions(), func(ctx context.Context, m int) error {
			task, _ := x.newTask(st.ID, m)
			return smp.RunSampleTask(ctx, m, task)
		})
		if err != nil {
			return err
		}
		if err := smp.FinishSampling(); err != nil {
			return err
		}
	}
	err := x.Pool.RunTasks(ctx, ex.NumMapPartitions(), func(ctx context.Context, m int) error {
		task, _ := x.newTask(st.ID, m)
		return ex.RunMapTask(ctx, m, task)
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
	ctx, cancel := context.WithCancel(ctx)
	stages := SplitStages(root)
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
	var mu sync.Mutex
	return x.Pool.RunTasks(ctx, len(chans), func(ctx context.Context, p int) error {
		mu.Lock()
		started[p] = true
		mu.Unlock()
		defer close(chans[p])
		task, _ := x.newTask(result.ID, p)
		s, err := executeColumnar(result.Root, ctx, p, task)
		if err != nil {
			return err
		}
		defer s.Close()
		for {
			b, err := s.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			select {
			case chans[p] <- b:
			case <-ctx.Done():
				b.Release()
				return ctx.Err()
			}
		}
	})
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
