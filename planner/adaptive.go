package planner

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/physical"
)

// StageStats are what a stage reads from one stage below it.
type StageStats struct {
	// Output is the stage output read (an exchange or a broadcast).
	Output operators.StageOutput
	// NumMaps is the number of map tasks that wrote it.
	NumMaps int
	// Bytes is the size of each reduce partition (from the map statuses);
	// nil for a broadcast.
	Bytes []int64
}

// StageHook is a per-stage rule: it runs once for each new stage, before the
// stage executes, with the stage's plan and the statistics of the stages it
// reads (adaptive execution only). The resource-profile rule plugs in here.
type StageHook func(ctx context.Context, st *operators.Stage, inputs []StageStats) error

func statsOf(st *operators.Stage) []StageStats {
	out := make([]StageStats, 0, len(st.Inputs))
	for _, in := range st.Inputs {
		s := StageStats{Output: in, NumMaps: in.NumMapPartitions()}
		if ps, ok := in.(interface{ PartitionSizes() (rows, bytes []int64) }); ok {
			_, s.Bytes = ps.PartitionSizes()
		}
		out = append(out, s)
	}
	return out
}

// Execute runs a planned query and returns its result stream. With
// adaptive execution (spark.sql.adaptive.enabled) it runs the stages
// bottom-up, one at a time (of the stages whose inputs are ready, the one
// with the smallest estimated input first), and plans the rest of the
// query again after each with the statistics of
// what ran: small partitions are read coalesced, a shuffled join whose side
// turned out small becomes a broadcast join; pl.Physical and pl.Fallback are
// then the final plan. Without it the plan is fixed up front. Before each
// stage runs, pl.FunctionProfiles (nil: none) gives it the profiles of the
// functions it calls, then hook (nil: none) sees it. The stream must be
// closed; it removes the query's temporary files.
func Execute(ctx context.Context, pl *Planned, cfg *conf.Config, logger *slog.Logger, x *operators.Executor, hook StageHook) (*operators.ResultStream, error) {
	pl.Executor = x
	if err := pl.FunctionProfiles.Check(pl.Fallback); err != nil {
		operators.ReleasePlan(pl.Physical)
		return nil, err
	}
	prepare := func(st *operators.Stage, res *physical.Result) error {
		if err := pl.FunctionProfiles.Apply(st, res); err != nil {
			return err
		}
		if hook != nil {
			return hook(ctx, st, statsOf(st))
		}
		return nil
	}
	if !cfg.Bool(conf.AdaptiveEnabled) {
		stages := operators.SplitStages(pl.Physical)
		for _, st := range stages {
			if err := prepare(st, pl.Fallback); err != nil {
				// The result stage's root holds the whole plan.
				operators.ReleasePlan(stages[len(stages)-1].Root)
				return nil, err
			}
		}
		// A profile may have put a node (ApplyResourceProfile) on top.
		pl.Physical = stages[len(stages)-1].Root
		return x.RunStages(ctx, stages), nil
	}
	if err := x.MakeTempDir(); err != nil {
		operators.ReleasePlan(pl.Physical)
		return nil, err
	}
	memo := physical.NewMemo()
	res := pl.Fallback
	fail := func(err error) (*operators.ResultStream, error) {
		operators.ReleasePlan(res.Root)
		for _, o := range memo.Outputs() {
			operators.ReleasePlan(o)
		}
		x.RemoveTempDir()
		return nil, err
	}
	nextID := 0
	for {
		stages := operators.SplitStages(res.Root)
		x.NoteStages(stages)
		var runnable []*operators.Stage
		for _, st := range stages[:len(stages)-1] {
			if st.Output.Materialized() {
				continue
			}
			ready := true
			for _, in := range st.Inputs {
				ready = ready && in.Materialized()
			}
			if ready {
				runnable = append(runnable, st)
			}
		}
		if len(runnable) == 0 {
			break
		}
		// One stage at a time, the smallest first: when it is one side of a
		// shuffled join and turns out small enough to broadcast, planning
		// again turns the join into a broadcast join and the other, larger
		// side is never shuffled.
		st := runnable[0]
		for _, r := range runnable[1:] {
			if physical.EstimateBytes(r.Root) < physical.EstimateBytes(st.Root) {
				st = r
			}
		}
		if err := prepare(st, res); err != nil {
			return fail(err)
		}
		if err := x.RunMapStage(ctx, st); err != nil {
			if pl.RetryStage == nil || !pl.RetryStage(st, err) {
				return fail(err)
			}
			if err := x.RunMapStage(ctx, st); err != nil {
				return fail(err)
			}
		}
		key, ok := res.StageKey(st.Output)
		if !ok {
			return fail(fmt.Errorf("internal error: stage %d has no origin", st.ID))
		}
		memo.Put(key, st.Output, nextID)
		nextID++
		next, err := physical.PlanWithMemo(ctx, cfg, logger, pl.Optimized, pl.Names, memo)
		if err != nil {
			return fail(err)
		}
		next.Inherit(res)
		operators.ReleasePlanExcept(res.Root, func(n operators.Node) bool {
			so, ok := n.(operators.StageOutput)
			return ok && memo.Has(so)
		})
		res = next
	}
	pl.Physical, pl.Fallback = res.Root, res
	stages := operators.SplitStages(res.Root)
	final := stages[len(stages)-1]
	if err := prepare(final, res); err != nil {
		// An ApplyResourceProfile on top holds nothing: res.Root is released.
		return fail(err)
	}
	// A profile may have put a node (ApplyResourceProfile) on top.
	pl.Physical = final.Root
	// Every map stage ran above (RunStages skips them): the final one runs.
	rs := x.RunStages(ctx, stages)
	rs.OnClose(func() {
		for _, o := range memo.Outputs() {
			operators.ReleasePlan(o)
		}
	})
	return rs, nil
}
