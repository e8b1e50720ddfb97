// Package planner turns SQL text into a physical plan: parse, analyze,
// optimize, plan physically. Sub-packages hold each step.
package planner

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/analyzer"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
	"github.com/gluten-go/gluten-go/planner/optimizer"
	"github.com/gluten-go/gluten-go/planner/parser"
	"github.com/gluten-go/gluten-go/planner/physical"
)

// ExplainMode is the variant of an EXPLAIN.
type ExplainMode int

// The EXPLAIN variants.
const (
	ExplainSimple ExplainMode = iota
	ExplainExtended
	ExplainFormatted
	ExplainAnalyze
)

// ExplainRequest marks a statement that was an EXPLAIN.
type ExplainRequest struct {
	Mode ExplainMode
}

// Planned is a statement carried through every planning step.
type Planned struct {
	// Explain is set when the statement was EXPLAIN ...
	Explain *ExplainRequest
	// Statement is the parsed query.
	Statement *parser.Query
	// Analyzed and Optimized are the logical plans before and after
	// optimization.
	Analyzed, Optimized logical.Plan
	// Physical is the physical plan.
	Physical operators.Node
	// Fallback describes what fell back to rows and why.
	Fallback *physical.Result
	// Names are the result's column names.
	Names []string
	// Executor is the executor that ran the query (set by Execute); EXPLAIN
	// ANALYZE prints what its stages did.
	Executor *operators.Executor
	// RetryStage (nil: none) is asked, when a map stage fails under
	// adaptive execution, whether to run it once more: it may change the
	// stage (its profile) and report true (see ResourceRule.RetryStage).
	RetryStage func(st *operators.Stage, err error) bool
	// FunctionProfiles (nil: none) gives each stage, before the stage hook
	// sees it, the resource profiles of the Go functions it calls.
	FunctionProfiles *FunctionProfiles
}

// WithRetry sets RetryStage and returns pl.
func (pl *Planned) WithRetry(f func(st *operators.Stage, err error) bool) *Planned {
	pl.RetryStage = f
	return pl
}

// WithFunctionProfiles sets FunctionProfiles and returns pl.
func (pl *Planned) WithFunctionProfiles(f *FunctionProfiles) *Planned {
	pl.FunctionProfiles = f
	return pl
}

// Plan parses, analyzes, optimizes and physically plans a statement.
// logger receives the planner's log lines (it may be nil).
func Plan(ctx context.Context, sql string, cat analyzer.Catalog, cfg *conf.Config, logger *slog.Logger) (*Planned, error) {
	stmt, err := parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	pl := &Planned{}
	var q *parser.Query
	switch s := stmt.(type) {
	case *parser.Query:
		q = s
	case *parser.Explain:
		mode := ExplainSimple
		switch s.Mode {
		case parser.ExplainExtended:
			mode = ExplainExtended
		case parser.ExplainFormatted:
			mode = ExplainFormatted
		case parser.ExplainAnalyze:
			mode = ExplainAnalyze
		case parser.ExplainCost, parser.ExplainCodegen:
			return nil, fmt.Errorf("EXPLAIN COST and EXPLAIN CODEGEN are not supported; use EXPLAIN, EXPLAIN EXTENDED, EXPLAIN FORMATTED or EXPLAIN ANALYZE")
		}
		pl.Explain = &ExplainRequest{Mode: mode}
		inner, ok := s.Stmt.(*parser.Query)
		if !ok {
			return nil, fmt.Errorf("EXPLAIN needs a query")
		}
		q = inner
	default:
		return nil, fmt.Errorf("unsupported statement")
	}
	pl.Statement = q
	res, err := analyzer.Analyze(q, cat, cfg)
	if err != nil {
		return nil, err
	}
	pl.Analyzed = res.Plan
	pl.Names = res.Names
	pl.Optimized = optimizer.Optimize(res.Plan)
	phys, err := physical.Plan(ctx, cfg, logger, pl.Optimized, res.Names)
	if err != nil {
		return nil, err
	}
	pl.Physical = phys.Root
	pl.Fallback = phys
	return pl, nil
}

// ExplainText renders a planned statement as its EXPLAIN mode asks (for
// ANALYZE, after the plan ran, with its metrics).
func ExplainText(pl *Planned) string {
	mode := ExplainSimple
	if pl.Explain != nil {
		mode = pl.Explain.Mode
	}
	var b strings.Builder
	switch mode {
	case ExplainExtended:
		b.WriteString("== Parsed Logical Plan ==\n")
		b.WriteString(pl.Statement.String() + "\n\n")
		b.WriteString("== Analyzed Logical Plan ==\n")
		b.WriteString(logical.Format(pl.Analyzed) + "\n")
		b.WriteString("== Optimized Logical Plan ==\n")
		b.WriteString(logical.Format(pl.Optimized) + "\n")
		b.WriteString("== Physical Plan ==\n")
		b.WriteString(operators.Explain(pl.Physical))
	case ExplainFormatted:
		b.WriteString("== Physical Plan ==\n")
		b.WriteString(operators.ExplainFormatted(pl.Physical, pl.Fallback.Reason))
		b.WriteString(FallbackSummary(pl.Fallback))
	case ExplainAnalyze:
		b.WriteString("== Physical Plan ==\n")
		b.WriteString(operators.ExplainAnalyze(pl.Physical))
		if pl.Executor != nil {
			b.WriteString(operators.ExplainStages(pl.Executor.StageRuns()))
		}
	default:
		b.WriteString("== Physical Plan ==\n")
		b.WriteString(operators.Explain(pl.Physical))
	}
	return b.String()
}

// FallbackSummary lists what fell back to rows and why, as EXPLAIN
// FORMATTED ends.
func FallbackSummary(r *physical.Result) string {
	var b strings.Builder
	b.WriteString("== Fallback Summary ==\n")
	fmt.Fprintf(&b, "Columnar nodes: %d, fallback nodes: %d, transitions: %d\n", r.ColumnarNodes, r.FallbackNodes, r.Transitions)
	for _, f := range r.Fallbacks {
		fmt.Fprintf(&b, "%s: %s\n", operators.Describe(f.Node), f.Reason)
	}
	return b.String()
}
