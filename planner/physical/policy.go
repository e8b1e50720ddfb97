package physical

import (
	"fmt"

	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
)

// stage is the part of a physical plan between exchanges, as the fallback
// policy sees it.
type stage struct {
	origins     []origin
	transitions int
}

// stagesOf splits a plan at its exchanges and counts each stage's
// transitions.
func (p *Planner) stagesOf(root operators.Node) []*stage {
	var stages []*stage
	var walk func(n operators.Node, st *stage)
	walk = func(n operators.Node, st *stage) {
		switch n.(type) {
		case *operators.ColumnarToRow, *operators.RowToColumnar:
			st.transitions++
		}
		if o, ok := p.origins[n]; ok {
			st.origins = append(st.origins, o)
		}
		for _, c := range n.Children() {
			if ex, ok := c.(*operators.Exchange); ok {
				child := &stage{}
				stages = append(stages, child)
				walk(ex.Children()[0], child)
				continue
			}
			walk(c, st)
		}
	}
	top := &stage{}
	stages = append(stages, top)
	walk(root, top)
	return stages
}

// policy applies Gluten's fallback policy (ExpandFallbackPolicy) to a first
// plan: a stage (with adaptive execution) or the whole query (without) whose
// transitions reach the threshold runs entirely as rows, unless
// preferColumnar is set and the columnar plan needs no more transitions than
// the row plan would. It returns the operators to plan again as rows.
func (p *Planner) policy(root operators.Node, lp logical.Plan, names []string) map[origin]string {
	adaptive := p.cfg.Bool(conf.AdaptiveEnabled)
	key := conf.WholeStageFallbackThreshold
	if !adaptive {
		key = conf.QueryFallbackThreshold
	}
	threshold := p.cfg.Int(key)
	if threshold < 0 {
		return nil
	}
	stages := p.stagesOf(root)
	if !adaptive {
		all := &stage{}
		for _, s := range stages {
			all.origins = append(all.origins, s.origins...)
			all.transitions += s.transitions
		}
		stages = []*stage{all}
	}
	prefer := p.cfg.Bool(conf.FallbackPreferColumnar)
	force := map[origin]string{}
	for _, s := range stages {
		if int64(s.transitions) < threshold || len(s.origins) == 0 {
			continue
		}
		what := "stage"
		if !adaptive {
			what = "query"
		}
		reason := fmt.Sprintf("the whole %s fell back: %d transitions reach %s=%d", what, s.transitions, key, threshold)
		candidate := make(map[origin]string, len(force)+len(s.origins))
		for o, r := range force {
			candidate[o] = r
		}
		for _, o := range s.origins {
			candidate[o] = reason
		}
		if prefer && s.transitions <= p.rowCost(lp, names, candidate, s) {
			continue
		}
		force = candidate
	}
	return force
}

// rowCost plans the query with the candidate operators as rows and counts
// the transitions the stage then needs.
func (p *Planner) rowCost(lp logical.Plan, names []string, candidate map[origin]string, s *stage) int {
	trial := newPlanner(p.ctx, p.cfg, p.log, lp, candidate)
	trial.memo = p.memo
	root, err := trial.build(lp, names)
	if err != nil {
		return 1 << 30
	}
	defer trial.discard(root)
	in := map[origin]bool{}
	for _, o := range s.origins {
		in[o] = true
	}
	cost := 0
	for _, ts := range trial.stagesOf(root) {
		for _, o := range ts.origins {
			if in[o] {
				cost += ts.transitions
				break
			}
		}
	}
	return cost
}
