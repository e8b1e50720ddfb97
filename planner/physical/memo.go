package physical

import (
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
)

// Memo holds the stage outputs (exchanges, broadcasts) that adaptive
// execution has materialized, keyed by the logical operator they were
// planned for, so that planning the query again reuses them (with their
// real sizes) instead of planning their stages anew.
type Memo struct {
	outputs map[origin]operators.StageOutput
	ids     map[operators.StageOutput]int
}

// NewMemo returns an empty memo.
func NewMemo() *Memo {
	return &Memo{outputs: map[origin]operators.StageOutput{}, ids: map[operators.StageOutput]int{}}
}

// StageKey identifies the logical operator a stage output was planned for.
type StageKey struct{ o origin }

// Put records a materialized stage output under its key, numbered id (the
// N of "ShuffleQueryStage N").
func (m *Memo) Put(k StageKey, out operators.StageOutput, id int) {
	m.outputs[k.o] = out
	m.ids[out] = id
}

// Outputs returns every materialized stage output.
func (m *Memo) Outputs() []operators.StageOutput {
	out := make([]operators.StageOutput, 0, len(m.outputs))
	for _, o := range m.outputs {
		out = append(out, o)
	}
	return out
}

// Has reports whether out is in the memo.
func (m *Memo) Has(out operators.StageOutput) bool {
	_, ok := m.ids[out]
	return ok
}

func (m *Memo) get(o origin) operators.StageOutput {
	if m == nil {
		return nil
	}
	return m.outputs[o]
}

// StageKey returns the key of a stage output of this plan.
func (r *Result) StageKey(out operators.StageOutput) (StageKey, bool) {
	o, ok := r.origins[out]
	return StageKey{o}, ok
}

// discard forgets a subtree the planner built but does not use (the input
// of a stage the memo already has): its resources are released and it is
// not reported.
func (p *Planner) discard(n operators.Node) {
	if n == nil {
		return
	}
	gone := map[operators.Node]bool{}
	operators.Walk(n, func(x operators.Node) {
		if so, ok := x.(operators.StageOutput); ok && p.memo != nil && p.memo.Has(so) {
			return
		}
		gone[x] = true
		delete(p.origins, x)
	})
	kept := p.fallbacks[:0]
	for _, f := range p.fallbacks {
		if !gone[f.Node] {
			kept = append(kept, f)
		}
	}
	p.fallbacks = kept
	operators.ReleasePlanExcept(n, func(x operators.Node) bool {
		so, ok := x.(operators.StageOutput)
		return ok && p.memo != nil && p.memo.Has(so)
	})
}

// exchange distributes n's output by part: the exchange planned for o, or
// the one the memo has materialized for it (then n is discarded). A
// materialized hash exchange is read coalesced when coalesce is set and
// spark.sql.adaptive.coalescePartitions.enabled is on.
func (p *Planner) exchange(o origin, n operators.Node, part operators.Partitioning, coalesce bool) (operators.Node, error) {
	if m := p.memo.get(o); m != nil {
		p.discard(n)
		ex, ok := m.(*operators.Exchange)
		if !ok {
			return m, nil // a row exchange: read as it is
		}
		stage := operators.NewQueryStage(ex, p.memo.ids[m])
		if coalesce && (part.Kind == operators.HashPartitioning || part.Kind == operators.RangePartitioning) && p.cfg.Bool(conf.CoalescePartitionsEnabled) {
			_, bytes := ex.PartitionSizes()
			return p.coalesced(stage, ex, p.coalesceSpecs(bytes, nil))
		}
		return stage, nil
	}
	if reason := p.decide(o, "Exchange", conf.ColumnarExchange, nil, n.Schema()); reason != "" {
		r, err := p.asRows(n)
		if err != nil {
			return nil, err
		}
		p.nextPlanID++
		ex, err := operators.NewRowExchangeWithOptions(r, part, p.nextPlanID, p.exchangeOptions())
		if err != nil {
			return nil, err
		}
		return p.track(ex, o, reason), nil
	}
	c, err := p.asColumnar(n)
	if err != nil {
		return nil, err
	}
	p.nextPlanID++
	ex, err := operators.NewExchangeWithOptions(p.pipeline(c), part, p.nextPlanID, p.exchangeOptions())
	if err != nil {
		return nil, err
	}
	p.origins[ex] = o
	return ex, nil
}

// exchangeOptions are the shuffle settings of the configuration.
func (p *Planner) exchangeOptions() operators.ExchangeOptions {
	opts := operators.DefaultExchangeOptions()
	opts.Codec = p.cfg.String(conf.ShuffleCodec)
	opts.HighlyCompressThreshold = int(p.cfg.Int(conf.MinPartitionsToHighlyCompress))
	return opts
}

// coalesced reads a materialized exchange through specs (when they merge
// partitions).
func (p *Planner) coalesced(stage operators.Node, ex *operators.Exchange, specs []operators.PartitionSpec) (operators.Node, error) {
	if len(specs) == ex.NumPartitions() {
		return stage, nil
	}
	return operators.NewShuffleRead(stage, ex, specs)
}

// coalesceSpecs merges adjacent reduce partitions of one exchange, or of
// two read together (the sides of a join), as Spark's
// CoalesceShufflePartitions does: toward
// spark.sql.adaptive.advisoryPartitionSizeInBytes, but with
// spark.sql.adaptive.coalescePartitions.parallelismFirst no larger than
// would leave fewer than spark.default.parallelism partitions, nor smaller
// than spark.sql.adaptive.coalescePartitions.minPartitionSize.
func (p *Planner) coalesceSpecs(a, b []int64) []operators.PartitionSpec {
	target := p.cfg.Size(conf.AdvisoryPartitionSize)
	if p.cfg.Bool(conf.CoalesceParallelismFirst) {
		var total int64
		for i := range a {
			total += a[i]
			if b != nil {
				total += b[i]
			}
		}
		par := p.cfg.Int(conf.DefaultParallelism)
		target = min(target, (total+par-1)/par)
		target = max(target, p.cfg.Size(conf.CoalesceMinPartitionSize))
	}
	return coalesceSpecs(a, b, target)
}

// coalesceSpecs merges adjacent reduce partitions until each group holds
// about target bytes (summing the sizes of a and, when not nil, b).
func coalesceSpecs(a, b []int64, target int64) []operators.PartitionSpec {
	n := len(a)
	if target <= 0 {
		target = 64 << 20
	}
	var specs []operators.PartitionSpec
	start := 0
	var size int64
	for i := 0; i < n; i++ {
		s := a[i]
		if b != nil {
			s += b[i]
		}
		if i > start && size+s > target {
			specs = append(specs, operators.PartitionSpec{Start: start, End: i})
			start, size = i, 0
		}
		size += s
	}
	if n > 0 {
		specs = append(specs, operators.PartitionSpec{Start: start, End: n})
	}
	return specs
}

// broadcast gathers n's rows for a broadcast join: the broadcast planned
// for o, or the one the memo has materialized (then n is discarded).
func (p *Planner) broadcast(o origin, n operators.Node, mode operators.BroadcastMode) (*operators.BroadcastExchange, error) {
	if m := p.memo.get(o); m != nil {
		p.discard(n)
		return m.(*operators.BroadcastExchange), nil
	}
	if c, ok := n.(operators.ColumnarNode); ok {
		n = p.pipeline(c)
	}
	p.nextPlanID++
	bx, err := operators.NewBroadcastExchange(n, mode, p.nextPlanID)
	if err != nil {
		return nil, err
	}
	p.origins[bx] = o
	return bx, nil
}

// materialized returns the exchange the memo has for o, if any.
func (p *Planner) materialized(o origin) *operators.Exchange {
	if m := p.memo.get(o); m != nil {
		if ex, ok := m.(*operators.Exchange); ok {
			return ex
		}
	}
	return nil
}
