package planner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"

	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/resource"
)

// mapStatusOverhead is the bytes a compressed MapStatus holds beyond its
// one byte per reduce partition (ARCHITECTURE.md: about N + 56 bytes).
const mapStatusOverhead = 56

// ResourceRule is the auto-adjust rule (Gluten's
// GlutenAutoAdjustStageResourceProfile, spark.gluten.auto.adjustStageResource.enabled):
// a per-stage hook of adaptive execution that gives each stage a resource
// profile fitted to it, starting from the profile the stage has (that of
// the Go functions it calls, see FunctionProfiles; else the default
// profile): the ratios below apply to that base. For the stage's own plan
// nodes (not those of the stages below):
//   - whole-stage fallback (no columnar node but ColumnarToRow): heap x
//     spark.gluten.auto.adjustStageResources.heap.ratio, off-heap / 10;
//   - fallen nodes / all nodes >= ...fallenNode.ratio.threshold: heap x
//     heap.ratio, off-heap x ...offheap.ratio;
//   - heavy shuffle read (beyond Gluten, which proposed it and never built
//     it): the sum of M x N over the shuffles the stage reads >=
//     ...shuffle.complexity.threshold: heap raised so that each task's share
//     of the executor's execution memory holds the map statuses its tasks
//     hold (M statuses of about N + 56 bytes per shuffle), twice over.
//
// Unlike Gluten it also adjusts the final stage and works with off-heap
// disabled (the off-heap amount then stays 0). The stage gets an
// ApplyResourceProfile node, the log line "Apply resource profile <profile>
// for plan <node name>", and its tasks run on executors of that profile.
// It needs adaptive execution and dynamic allocation; without them it
// logs why and does nothing.
type ResourceRule struct {
	cfg      *conf.Config
	profiles *resource.ProfileManager
	logger   *slog.Logger
	once     sync.Once
}

// NewResourceRule returns the rule over an engine's profile manager.
func NewResourceRule(cfg *conf.Config, profiles *resource.ProfileManager, logger *slog.Logger) *ResourceRule {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ResourceRule{cfg: cfg, profiles: profiles, logger: logger}
}

// StageShape is what the rule sees of a stage's own plan.
type StageShape struct {
	// Nodes counts the stage's plan nodes; Columnar those that run in the
	// columnar engine (ColumnarToRow included, as Gluten counts it);
	// Fallen the row operators.
	Nodes, Columnar, Fallen int
	// WholeStageFallback: no columnar node other than ColumnarToRow.
	WholeStageFallback bool
	// ShuffleComplexity is the sum of M x N over the shuffles it reads.
	ShuffleComplexity int64
	// StatusBytes estimates the bytes of map statuses a task holds.
	StatusBytes int64
}

// Shape describes stage st with the statistics of its inputs.
func Shape(st *operators.Stage, inputs []StageStats) StageShape {
	var s StageShape
	var columnarOps int
	var walk func(n operators.Node)
	walk = func(n operators.Node) {
		switch n.(type) {
		case *operators.QueryStage, operators.StageOutput:
			return // another stage's plan
		}
		s.Nodes++
		switch {
		case isColumnarToRow(n):
			s.Columnar++
		case isVanillaScan(n):
			s.Fallen++ // vanilla Spark's scan: batches, but not Gluten's
		case operators.IsColumnar(n):
			s.Columnar++
			columnarOps++
		default:
			s.Fallen++
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(st.Root)
	s.WholeStageFallback = s.Nodes > 0 && columnarOps == 0
	for _, in := range inputs {
		if in.Bytes == nil {
			continue
		}
		m, n := int64(in.NumMaps), int64(len(in.Bytes))
		s.ShuffleComplexity += m * n
		s.StatusBytes += m * (n + mapStatusOverhead)
	}
	return s
}

func isVanillaScan(n operators.Node) bool {
	sc, ok := n.(*operators.Scan)
	return ok && sc.Vanilla()
}

func isColumnarToRow(n operators.Node) bool {
	_, ok := n.(*operators.ColumnarToRow)
	return ok
}

// Hook returns the rule as adaptive execution's per-stage hook.
func (r *ResourceRule) Hook() StageHook {
	return func(ctx context.Context, st *operators.Stage, inputs []StageStats) error {
		return r.apply(st, inputs)
	}
}

func (r *ResourceRule) apply(st *operators.Stage, inputs []StageStats) error {
	if !r.cfg.Bool(conf.AutoAdjustEnabled) {
		return nil
	}
	if !r.cfg.Bool(conf.AdaptiveEnabled) || !r.cfg.Bool(conf.DynamicAllocationEnabled) {
		r.once.Do(func() {
			r.logger.Info("the auto-adjust stage resource rule does nothing: it needs spark.sql.adaptive.enabled and spark.dynamicAllocation.enabled (non-default profiles need executors started per profile)",
				"adaptive", r.cfg.Bool(conf.AdaptiveEnabled), "dynamicAllocation", r.cfg.Bool(conf.DynamicAllocationEnabled))
		})
		return nil
	}
	shape := Shape(st, inputs)
	if shape.Nodes == 0 {
		return nil
	}
	// The base is the profile the stage already has (that of the functions
	// it calls, see FunctionProfiles), else the default one.
	base := st.Profile
	if base == nil {
		base = r.profiles.Default()
	}
	heap, offHeap := base.HeapBytes(), base.OffHeapBytes()
	heapRatio := r.cfg.Float(conf.AutoAdjustHeapRatio)
	var reasons []string
	switch {
	case shape.WholeStageFallback:
		heap = scale(heap, heapRatio)
		offHeap /= 10
		reasons = append(reasons, "whole-stage fallback")
	case float64(shape.Fallen)/float64(shape.Nodes) >= r.cfg.Float(conf.AutoAdjustFallenRatio):
		heap = scale(heap, heapRatio)
		offHeap = scale(offHeap, r.cfg.Float(conf.AutoAdjustOffHeapRatio))
		reasons = append(reasons, fmt.Sprintf("%d of %d nodes fell back", shape.Fallen, shape.Nodes))
	}
	if shape.ShuffleComplexity >= r.cfg.Int(conf.AutoAdjustShuffleThreshold) {
		// Each task holds the statuses (twice over, for headroom), and a
		// task is sure of 1/(2 slots) of the executor's heap pool (heap x
		// spark.memory.fraction): the pool needs 2 x slots x 2 x statuses.
		slots := int64(base.SlotsPerExecutor())
		frac := r.cfg.Float(conf.MemoryFraction)
		need := int64(math.Ceil(float64(2*shape.StatusBytes*2*slots) / frac))
		heap = max(heap, base.HeapBytes()+need)
		reasons = append(reasons, fmt.Sprintf("shuffle read of complexity %d (M x N), about %d bytes of map statuses per task", shape.ShuffleComplexity, shape.StatusBytes))
	}
	if len(reasons) == 0 {
		return nil
	}
	b := base.Builder().Memory(ceilMiB(heap))
	if base.OffHeapBytes() > 0 {
		b = b.OffHeap(max(1, ceilMiB(offHeap)))
	}
	p, err := b.Build()
	if err != nil {
		return fmt.Errorf("resource profile of stage %d: %w", st.ID, err)
	}
	p = r.profiles.Add(p)
	if p.ID() == base.ID() {
		return nil
	}
	top := st.Root.Name()
	if err := operators.SetStageProfile(st, p); err != nil {
		return err
	}
	r.logger.Info(fmt.Sprintf("Apply resource profile %s for plan %s", p, top), "stage", st.ID, "reason", reasons)
	return nil
}

// scale multiplies bytes by f.
func scale(bytes int64, f float64) int64 { return int64(math.Ceil(float64(bytes) * f)) }

// ceilMiB converts bytes to MiB, rounding up.
func ceilMiB(bytes int64) int64 { return (bytes + (1<<20 - 1)) >> 20 }

// RetryStage implements spark.gluten.auto.adjustStageResources.retryOnOOM
// (beyond Gluten): when a map stage failed with the out-of-memory error, it
// gives the stage a profile escalated by heap.ratio for the pool that ran
// out (the heap under dynamic off-heap sizing, whose quota follows it),
// logs it at WARN, and reports true so that the stage runs once more; the
// failed run stays in EXPLAIN ANALYZE's stage list, marked failed. A
// result stage is not retried: its rows may already have been returned.
func (r *ResourceRule) RetryStage(st *operators.Stage, err error) bool {
	var oom *resource.OutOfMemoryError
	if !r.cfg.Bool(conf.AutoAdjustRetryOnOOM) || !errors.As(err, &oom) || st.Output == nil {
		return false
	}
	cur := st.Profile
	if cur == nil {
		cur = r.profiles.Default()
	}
	ratio := r.cfg.Float(conf.AutoAdjustHeapRatio)
	b := cur.Builder()
	if oom.Pool == resource.OffHeap && cur.OffHeapBytes() > 0 && !r.cfg.Bool(conf.DynamicOffHeapSizing) {
		b = b.OffHeap(ceilMiB(scale(cur.OffHeapBytes(), ratio)))
	} else {
		b = b.Memory(ceilMiB(scale(cur.HeapBytes(), ratio)))
	}
	p, berr := b.Build()
	if berr != nil {
		return false
	}
	p = r.profiles.Add(p)
	if p.ID() == cur.ID() {
		return false
	}
	if serr := operators.SetStageProfile(st, p); serr != nil {
		return false
	}
	r.logger.Warn(fmt.Sprintf("stage %d failed with an out-of-memory error; retrying it once with profile %s", st.ID, p), "error", err.Error())
	return true
}
