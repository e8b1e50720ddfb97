// Package engine is gluten-go's public face: open an Engine, register
// Parquet and in-memory Arrow tables, and run Spark SQL over them, getting
// Arrow record batches back.
//
//	eng, err := engine.Open(engine.WithConfig(map[string]string{"spark.sql.shuffle.partitions": "8"}))
//	...
//	defer eng.Close()
//	if err := eng.RegisterParquet("lineitem", "/data/tpch/lineitem"); err != nil { ... }
//	rdr, err := eng.Query(ctx, "SELECT l_returnflag, count(*) FROM lineitem GROUP BY l_returnflag")
//	...
//	defer rdr.Release()
//	for rdr.Next() { batch := rdr.RecordBatch(); ... }
//	if err := rdr.Err(); err != nil { ... }
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/engine/report"
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
	"github.com/gluten-go/gluten-go/planner/physical"
	"github.com/gluten-go/gluten-go/resource"
)

// Engine runs SQL over registered tables. It is safe for concurrent use;
// queries share its local executor pool: executors of the default resource
// profile (spark.executor.cores, spark.executor.memory,
// spark.memory.offHeap.size, ...) started within the capacity
// spark.gluten.local.cores / spark.gluten.local.memory, each with its own
// memory manager that its tasks draw from.
type Engine struct {
	cfg      *conf.Config
	alloc    memory.Allocator
	profiles *resource.ProfileManager
	pool     *resource.ExecutorPool
	logger   *slog.Logger

	// memLimit: Open set the Go runtime's memory limit
	// (WithProcessMemoryLimit), replacing prevMemLimit, which Close
	// restores.
	memLimit     bool
	prevMemLimit int64

	// stageHook runs before each stage (nil: none).
	stageHook planner.StageHook
	// retryStage decides whether a stage that failed runs again (nil:
	// never).
	retryStage func(st *operators.Stage, err error) bool
	// functionProfiles gives stages the resource profiles of the functions
	// they call (udfProfiles, udafProfiles).
	functionProfiles *planner.FunctionProfiles

	mu     sync.RWMutex
	tables map[string]*logical.Table
	udfs   map[string]*rowexpr.UDF
	udafs  map[string]*rowagg.UDAF
	// udfProfiles and udafProfiles hold the resource profiles of the
	// functions registered WithResources (registered with profiles).
	udfProfiles  map[*rowexpr.UDF]*resource.Profile
	udafProfiles map[*rowagg.UDAF]*resource.Profile
	closed       atomic.Bool

	// liveOnce makes live, the state behind Handler.
	liveOnce sync.Once
	live     atomic.Pointer[liveServer]
}

// Option configures Open.
type Option func(*options) error

type options struct {
	settings map[string]string
	alloc    memory.Allocator
	logger   *slog.Logger
	memLimit bool
}

// WithConfig sets configuration keys (Spark's and Gluten's names, see
// package conf). Later options override earlier ones.
func WithConfig(settings map[string]string) Option {
	return func(o *options) error {
		for k, v := range settings {
			o.settings[k] = v
		}
		return nil
	}
}

// WithConf sets one configuration key.
func WithConf(key, value string) Option {
	return func(o *options) error {
		o.settings[key] = value
		return nil
	}
}

// WithAllocator makes every Arrow buffer of every query come from alloc
// (tests pass a memory.CheckedAllocator). The default is a process-wide
// columnar.PoolAllocator, which recycles freed buffers.
func WithAllocator(alloc memory.Allocator) Option {
	return func(o *options) error {
		if alloc == nil {
			return errors.New("engine: nil allocator")
		}
		o.alloc = alloc
		return nil
	}
}

// WithLogger sets the logger (log/slog); the default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = l
		return nil
	}
}

// WithProcessMemoryLimit makes Open set the Go runtime's memory limit
// (debug.SetMemoryLimit) to the local executor pool's memory,
// spark.gluten.local.memory, so that the garbage collector keeps the whole
// process near the capacity its executors share; Close restores the limit
// it replaced. The limit is process-wide: a program embedding one engine
// may want it (the gluten-go command sets it), a library should not.
func WithProcessMemoryLimit() Option {
	return func(o *options) error {
		o.memLimit = true
		return nil
	}
}

// Open returns an engine. Configuration errors (an unknown key under
// spark.gluten. or spark.sql., a malformed value, a default resource
// profile that is invalid or that can never fit the local capacity) are
// reported here.
func Open(opts ...Option) (*Engine, error) {
	o := &options{settings: map[string]string{}, alloc: defaultAllocator}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	cfg, err := conf.New(o.settings)
	if err != nil {
		return nil, err
	}
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for _, k := range cfg.Ignored() {
		logger.Debug("configuration key is not used by gluten-go", "key", k)
	}
	e := &Engine{
		cfg:    cfg,
		alloc:  o.alloc,
		logger: logger,
		tables: map[string]*logical.Table{},
		udfs:   map[string]*rowexpr.UDF{},
		udafs:  map[string]*rowagg.UDAF{},

		udfProfiles:  map[*rowexpr.UDF]*resource.Profile{},
		udafProfiles: map[*rowagg.UDAF]*resource.Profile{},
	}
	if err := e.openPool(); err != nil {
		return nil, err
	}
	if o.memLimit {
		e.memLimit = true
		e.prevMemLimit = debug.SetMemoryLimit(cfg.Size(conf.LocalMemory))
	}
	return e, nil
}

// openPool builds the profile manager with the default profile and the
// local executor pool, and checks that the default profile can run.
func (e *Engine) openPool() error {
	cfg := e.cfg
	dynamicSizing := cfg.Bool(conf.DynamicOffHeapSizing)
	offHeapEnabled := cfg.Bool(conf.OffHeapEnabled)
	if dynamicSizing {
		if cfg.IsSet(conf.OffHeapSize) || cfg.IsSet(conf.OffHeapEnabled) {
			e.logger.Warn("spark.memory.offHeap.enabled and spark.memory.offHeap.size are ignored: "+
				"with spark.gluten.memory.dynamic.offHeap.sizing.enabled=true heap and off-heap share one quota of "+
				"spark.executor.memory x spark.gluten.memory.dynamic.offHeap.sizing.memory.fraction",
				"offHeapSize", cfg.String(conf.OffHeapSize))
		}
		// The off-heap settings are not effective (as in Gluten): executors
		// have no off-heap memory of their own, so the capacity counts
		// only their heap (which holds the quota) and overhead.
		offHeapEnabled = false
	}
	profiles, err := resource.NewProfileManager(resource.DefaultProfileConfig{
		ExecutorCores:  int(cfg.Int(conf.ExecutorCores)),
		ExecutorMemory: cfg.Size(conf.ExecutorMemory),
		OffHeapEnabled: offHeapEnabled,
		OffHeapSize:    cfg.Size(conf.OffHeapSize),
		MemoryOverhead: cfg.Size(conf.ExecutorMemoryOverhead),
		TaskCPUs:       float64(cfg.Int(conf.TaskCPUs)),
	})
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	capacity := resource.Capacity{Cores: int(cfg.Int(conf.LocalCores)), Memory: cfg.Size(conf.LocalMemory)}
	pool, err := resource.NewExecutorPool(profiles, capacity, resource.ExecutorPoolOptions{
		DynamicAllocation:       cfg.Bool(conf.DynamicAllocationEnabled),
		MinExecutors:            int(cfg.Int(conf.DynMinExecutors)),
		MaxExecutors:            int(cfg.Int(conf.DynMaxExecutors)),
		ExecutorIdleTimeout:     cfg.Duration(conf.DynExecutorIdleTimeout),
		SchedulerBacklogTimeout: cfg.Duration(conf.DynBacklogTimeout),
		Logger:                  e.logger,
		NewMemory:               e.newMemory,
	})
	if err != nil {
		return fmt.Errorf("engine: %w (spark.dynamicAllocation.*)", err)
	}
	e.profiles, e.pool = profiles, pool
	if err := pool.Check(nil); err != nil {
		pool.Close()
		return fmt.Errorf("engine: default resource profile: %w", err)
	}
	e.functionProfiles = planner.NewFunctionProfiles(cfg, profiles, e.functionProfile, e.logger)
	if cfg.Bool(conf.AutoAdjustEnabled) {
		rule := planner.NewResourceRule(cfg, profiles, e.logger)
		e.stageHook = rule.Hook()
		e.retryStage = rule.RetryStage
	}
	return nil
}

// newMemory builds the memory manager of an executor of profile p.
func (e *Engine) newMemory(p *resource.Profile) (*resource.MemoryManager, error) {
	mc := resource.MemoryConfig{
		HeapBytes:              p.HeapBytes(),
		OffHeapBytes:           p.OffHeapBytes(),
		MemoryFraction:         e.cfg.Float(conf.MemoryFraction),
		StorageFraction:        e.cfg.Float(conf.StorageFraction),
		Label:                  fmt.Sprintf("profile %d", p.ID()),
		DynamicOffHeapSizing:   e.cfg.Bool(conf.DynamicOffHeapSizing),
		DynamicOffHeapFraction: e.cfg.Float(conf.DynamicOffHeapSizingFraction),
	}
	if mc.DynamicOffHeapSizing {
		mc.HeapInUse = e.heapShare(p)
	}
	return resource.NewMemoryManager(mc)
}

// heapShare attributes the process's Go heap in use to an executor of
// profile p, for dynamic off-heap sizing: the executors share one process,
// so each is charged the heap in proportion to its part of the memory the
// live executors hold (all of it when it is the only one).
func (e *Engine) heapShare(p *resource.Profile) func() int64 {
	return func() int64 {
		h := resource.GoHeapInUse()
		held := e.pool.Capacity().Memory - e.pool.Available().Memory
		if own := p.ExecutorBytes(); held > own && own > 0 {
			return int64(float64(h) * float64(own) / float64(held))
		}
		return h
	}
}

// Config returns the engine's configuration.
func (e *Engine) Config() *conf.Config { return e.cfg }

// ExecutorStats reports, per resource profile that ran tasks, the
// executors the local executor pool started for it and the tasks they ran.
func (e *Engine) ExecutorStats() []resource.ProfileExecutorStats { return e.pool.Stats() }

// Close cancels the queries the live page (Handler) runs and waits for
// them, releases the registered in-memory tables, then stops the executor
// pool, releasing its executors (and restores the Go runtime's memory
// limit, see WithProcessMemoryLimit). Queries run through Query must be
// released first.
func (e *Engine) Close() error {
	if !e.closed.CompareAndSwap(false, true) {
		return nil
	}
	if ls := e.live.Load(); ls != nil {
		ls.shutdown()
	}
	e.mu.Lock()
	for _, t := range e.tables {
		if m, ok := t.Source.(*operators.MemSource); ok {
			m.Release()
		}
	}
	e.tables = map[string]*logical.Table{}
	e.mu.Unlock()
	err := e.pool.Close()
	if e.memLimit {
		debug.SetMemoryLimit(e.prevMemLimit)
	}
	return err
}

var errClosed = errors.New("engine: closed")

func validTableName(name string) error {
	if name == "" {
		return errors.New("engine: empty table name")
	}
	for _, r := range name {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("engine: table name %q: use letters, digits and underscores", name)
		}
	}
	return nil
}

func (e *Engine) register(name string, src operators.TableSource) error {
	if e.closed.Load() {
		return errClosed
	}
	if err := validTableName(name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	key := strings.ToLower(name)
	if old, ok := e.tables[key]; ok {
		if m, ok := old.Source.(*operators.MemSource); ok {
			m.Release()
		}
	}
	e.tables[key] = &logical.Table{Name: name, Source: src}
	return nil
}

// RegisterParquet registers a table stored as Parquet: path is a file, a
// directory of files, or a glob. The schema is read now; the files are
// listed again by each query.
func (e *Engine) RegisterParquet(name, path string) error {
	src, err := operators.NewParquetSource(path)
	if err != nil {
		return fmt.Errorf("table %s: %w", name, err)
	}
	return e.register(name, src)
}

// RegisterArrow registers an in-memory table of Arrow batches of the given
// schema. The engine Retains the batches until the table is replaced or the
// engine closed.
func (e *Engine) RegisterArrow(name string, schema *arrow.Schema, batches []arrow.RecordBatch) error {
	src, err := operators.NewMemSource(schema, batches)
	if err != nil {
		return fmt.Errorf("table %s: %w", name, err)
	}
	if err := e.register(name, src); err != nil {
		src.Release()
		return err
	}
	return nil
}

// Tables lists the registered tables' names, sorted.
func (e *Engine) Tables() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]string, 0, len(e.tables))
	for _, t := range e.tables {
		out = append(out, t.Name)
	}
	sort.Strings(out)
	return out
}

// TableSchema returns a registered table's schema.
func (e *Engine) TableSchema(name string) (*arrow.Schema, bool) {
	t, ok := e.Table(name)
	if !ok {
		return nil, false
	}
	return t.Source.Schema(), true
}

// Table implements the planner's catalog.
func (e *Engine) Table(name string) (*logical.Table, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, ok := e.tables[strings.ToLower(name)]
	return t, ok
}

// TableNames implements the planner's catalog.
func (e *Engine) TableNames() []string { return e.Tables() }

// RegisterUDF registers a Go scalar function, callable from SQL by its name
// (case-insensitive), replacing one of the same name. Build one with
// rowexpr.NewUDF1, NewUDF2 or NewUDF3 from a plain Go function, e.g.
//
//	u, err := rowexpr.NewUDF1("shout", func(s string) string { return strings.ToUpper(s) + "!" })
//
// As Spark UDFs do under Gluten, a UDF has no columnar implementation: the
// operator that calls it runs as rows, with transitions around it. With
// WithResources, the stages calling it run on executors of a resource
// profile of their own.
func (e *Engine) RegisterUDF(u *rowexpr.UDF, opts ...FunctionOption) error {
	if u == nil || u.Name == "" || u.Fn == nil || u.ResultType == nil {
		return errors.New("engine: incomplete UDF (a name, a result type and a function are needed)")
	}
	if err := validTableName(u.Name); err != nil {
		return fmt.Errorf("engine: UDF name %q: use letters, digits and underscores", u.Name)
	}
	p, err := e.registerFunctionProfile("UDF", u.Name, opts)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	key := strings.ToLower(u.Name)
	delete(e.udfProfiles, e.udfs[key])
	e.udfs[key] = u
	if p != nil {
		e.udfProfiles[u] = p
	}
	return nil
}

// RegisterUDAF registers a Go aggregate function (build one with
// rowagg.NewUDAF), callable from SQL by its name, replacing one of the
// same name. It runs as rows, in one aggregation phase after the rows are
// exchanged by the grouping keys. With WithResources, the stages calling
// it (those aggregating) run on executors of a resource profile of their
// own.
func (e *Engine) RegisterUDAF(u *rowagg.UDAF, opts ...FunctionOption) error {
	if u == nil || u.Name == "" {
		return errors.New("engine: incomplete UDAF")
	}
	if err := validTableName(u.Name); err != nil {
		return fmt.Errorf("engine: UDAF name %q: use letters, digits and underscores", u.Name)
	}
	p, err := e.registerFunctionProfile("UDAF", u.Name, opts)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	key := strings.ToLower(u.Name)
	delete(e.udafProfiles, e.udafs[key])
	e.udafs[key] = u
	if p != nil {
		e.udafProfiles[u] = p
	}
	return nil
}

// UDF implements the planner's catalog.
func (e *Engine) UDF(name string) (*rowexpr.UDF, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u, ok := e.udfs[strings.ToLower(name)]
	return u, ok
}

// UDAF implements the planner's catalog.
func (e *Engine) UDAF(name string) (*rowagg.UDAF, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u, ok := e.udafs[strings.ToLower(name)]
	return u, ok
}

// FallbackInfo tells how a query's physical plan splits between the
// columnar engine and row fallback.
type FallbackInfo struct {
	// ColumnarNodes and FallbackNodes count the plan's operators;
	// Transitions counts its ColumnarToRow and RowToColumnar nodes.
	ColumnarNodes, FallbackNodes, Transitions int
	// Reasons lists each fallen operator with the reason, in plan order
	// (bottom-up).
	Reasons []NodeReason
}

// NodeReason is an operator that fell back to rows and why.
type NodeReason struct {
	// Node is the operator as EXPLAIN prints it (shortened).
	Node string
	// Reason says why it runs as rows.
	Reason string
}

// String is the one-line summary the CLI prints with --verbose.
func (f *FallbackInfo) String() string {
	s := fmt.Sprintf("fallback: %d of %d operators run as rows, %d transitions", f.FallbackNodes, f.FallbackNodes+f.ColumnarNodes, f.Transitions)
	for i, r := range f.Reasons {
		if i == 0 {
			s += ": "
		} else {
			s += "; "
		}
		name := r.Node
		if j := strings.IndexAny(name, " ("); j > 0 {
			name = name[:j]
		}
		s += name + " (" + r.Reason + ")"
	}
	return s
}

// Fallback plans a query (without running it) and reports which operators
// fall back to rows and why.
func (e *Engine) Fallback(ctx context.Context, sql string) (*FallbackInfo, error) {
	if e.closed.Load() {
		return nil, errClosed
	}
	pl, err := planner.Plan(ctx, sql, e, e.cfg, e.logger)
	if err != nil {
		return nil, err
	}
	defer operators.ReleasePlan(pl.Physical)
	info := fallbackInfo(pl.Fallback)
	return &info, nil
}

func fallbackInfo(r *physical.Result) FallbackInfo {
	info := FallbackInfo{ColumnarNodes: r.ColumnarNodes, FallbackNodes: r.FallbackNodes, Transitions: r.Transitions}
	for _, f := range r.Fallbacks {
		info.Reasons = append(info.Reasons, NodeReason{Node: operators.Describe(f.Node), Reason: f.Reason})
	}
	return info
}

// Query runs a SQL statement and returns its result as a stream of Arrow
// batches. Parse, analysis and planning errors are returned here; errors
// while running are reported by the reader's Err. The reader must be
// Released; releasing it early cancels the query. An EXPLAIN statement
// returns one row with one string column, "plan". Cancelling ctx stops the
// query.
func (e *Engine) Query(ctx context.Context, sql string) (array.RecordReader, error) {
	if e.closed.Load() {
		return nil, errClosed
	}
	pl, err := planner.Plan(ctx, sql, e, e.cfg, e.logger)
	if err != nil {
		return nil, err
	}
	if pl.Explain != nil {
		text, err := e.explainText(ctx, pl)
		if err != nil {
			return nil, err
		}
		return textResult(e.alloc, "plan", text)
	}
	schema := pl.Physical.Schema()
	rs, err := e.execute(ctx, pl)
	if err != nil {
		return nil, err
	}
	return newReader(schema, rs), nil
}

// Analysis is what running a query with its metrics tells.
type Analysis struct {
	// Plan is the plan with each operator's metrics, as EXPLAIN ANALYZE
	// prints it.
	Plan string
	// Rows is the number of result rows (discarded).
	Rows int64
	// Elapsed is the wall time of the run, planning included.
	Elapsed time.Duration
	// Fallback tells what ran as rows.
	Fallback FallbackInfo
	// TransitionTime is the time the ColumnarToRow and RowToColumnar
	// operators spent converting (summed over tasks, so it can exceed the
	// wall time when tasks run in parallel).
	TransitionTime time.Duration
	// SpilledBytes sums, by operator name (as EXPLAIN prints it, e.g.
	// "ShuffledHashJoinExecTransformer"), the bytes the operators spilled
	// to disk under memory pressure; operators that spilled nothing are
	// absent.
	SpilledBytes map[string]int64
	// Stages tells, per stage in the order they ran, its resource
	// profile, the executors that ran its tasks and their peak memory (as
	// EXPLAIN ANALYZE ends).
	Stages []StageRun

	report *report.Data // what WriteReport draws
}

// WriteReport writes the query's report to w: one self-contained HTML
// page (no network resources, no scripts; it opens offline) with the
// physical plan drawn as a tree of operators coloured by kind and framed
// by stage, each operator's metrics, the stages' profiles, executors and
// peak memory, the fallback reasons, a timeline of the tasks per executor
// and an estimate of each executor's reserved memory over time. See
// package engine/report.
func (a *Analysis) WriteReport(w io.Writer) error {
	if a.report == nil {
		return errors.New("engine: no report data (the Analysis was not made by Engine.Analyze)")
	}
	return report.Write(w, a.report)
}

// Report runs a query to its end as Analyze does and writes its HTML
// report (see Analysis.WriteReport) to w.
func (e *Engine) Report(ctx context.Context, sql string, w io.Writer) (*Analysis, error) {
	a, err := e.Analyze(ctx, sql)
	if err != nil {
		return nil, err
	}
	return a, a.WriteReport(w)
}

// StageRun is what running one stage of a query did.
type StageRun = operators.StageRun

// Analyze runs a query to its end, discarding the rows, and returns its
// plan with metrics (as EXPLAIN ANALYZE) and a summary.
func (e *Engine) Analyze(ctx context.Context, sql string) (*Analysis, error) {
	if e.closed.Load() {
		return nil, errClosed
	}
	start := time.Now()
	pl, err := planner.Plan(ctx, sql, e, e.cfg, e.logger)
	if err != nil {
		return nil, err
	}
	pl.Explain = &planner.ExplainRequest{Mode: planner.ExplainAnalyze}
	rs, err := e.execute(ctx, pl)
	if err != nil {
		return nil, err
	}
	a := &Analysis{Fallback: fallbackInfo(pl.Fallback)}
	for {
		b, err := rs.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			rs.Close()
			return nil, err
		}
		a.Rows += b.NumRows()
		b.Release()
	}
	a.Elapsed = time.Since(start)
	operators.Walk(pl.Physical, func(n operators.Node) {
		switch n.(type) {
		case *operators.ColumnarToRow, *operators.RowToColumnar:
			a.TransitionTime += time.Duration(n.Metrics().Counter("convertTime").Load())
		}
		for _, v := range n.Metrics().Extra() {
			if (v.Name == operators.SpilledBytesMetric || v.Name == operators.ExchangeBytesSpilledMetric) && v.Value > 0 {
				if a.SpilledBytes == nil {
					a.SpilledBytes = map[string]int64{}
				}
				a.SpilledBytes[n.Name()] += v.Value
			}
		}
	})
	a.Plan = planner.ExplainText(pl)
	if pl.Executor != nil {
		a.Stages = pl.Executor.StageRuns()
	}
	a.report = &report.Data{SQL: sql, Plan: a.Plan, Root: report.Snapshot(pl.Physical, pl.Fallback.Reason, a.Stages),
		Stages: a.Stages, ColumnarNodes: a.Fallback.ColumnarNodes, FallbackNodes: a.Fallback.FallbackNodes,
		Transitions: a.Fallback.Transitions, Rows: a.Rows, Elapsed: a.Elapsed, Created: time.Now()}
	for _, r := range a.Fallback.Reasons {
		a.report.Reasons = append(a.report.Reasons, report.Reason{Node: r.Node, Reason: r.Reason})
	}
	rs.Close()
	return a, nil
}

// Explain returns the physical plan of a query as EXPLAIN prints it. sql may
// also be an EXPLAIN statement (EXPLAIN EXTENDED, FORMATTED or ANALYZE ...),
// whose mode is then used.
func (e *Engine) Explain(ctx context.Context, sql string) (string, error) {
	if e.closed.Load() {
		return "", errClosed
	}
	pl, err := planner.Plan(ctx, sql, e, e.cfg, e.logger)
	if err != nil {
		return "", err
	}
	if pl.Explain == nil {
		pl.Explain = &planner.ExplainRequest{Mode: planner.ExplainSimple}
	}
	return e.explainText(ctx, pl)
}

func (e *Engine) explainText(ctx context.Context, pl *planner.Planned) (string, error) {
	if pl.Explain.Mode == planner.ExplainAnalyze {
		// Run the query to the end, discarding its rows, so that the
		// operators' metrics are complete.
		rs, err := e.execute(ctx, pl)
		if err != nil {
			return "", err
		}
		defer rs.Close()
		for {
			b, err := rs.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return "", err
			}
			b.Release()
		}
	} else {
		defer func() { operators.ReleasePlan(pl.Physical) }()
		// Show the ApplyResourceProfile nodes of the stages calling
		// functions registered WithResources.
		if err := planner.ApplyFunctionProfiles(pl.WithFunctionProfiles(e.functionProfiles)); err != nil {
			return "", err
		}
	}
	return planner.ExplainText(pl), nil
}

// execute runs a planned query with the engine's per-stage steps: the
// profiles of the functions a stage calls, the stage hook (the auto-adjust
// rule) and the retry of a stage that ran out of memory.
func (e *Engine) execute(ctx context.Context, pl *planner.Planned) (*operators.ResultStream, error) {
	pl.WithRetry(e.retryStage).WithFunctionProfiles(e.functionProfiles)
	return planner.Execute(ctx, pl, e.cfg, e.logger, e.executor(ctx), e.stageHook)
}

// executor returns the executor of one query: its tasks run on the local
// executor pool and draw their memory from their executor's memory manager
// (Spark's unified model: each pool's bytes x spark.memory.fraction, shared
// fairly by the executor's running tasks; one task per executor by
// default), off-heap for columnar operators, heap for row operators.
//
// A Tracker in ctx (WithTracker) follows the executor.
func (e *Engine) executor(ctx context.Context) *operators.Executor {
	x := &operators.Executor{Runner: e.pool, Alloc: e.alloc, BatchSize: int(e.cfg.Int(conf.MaxBatchSize)),
		ReservationBlock: e.cfg.Size(conf.ReservationBlockSize),
		TempRoot:         e.cfg.String(conf.LocalDir), Logger: e.logger}
	if t := trackerOf(ctx); t != nil {
		t.x.Store(x)
	}
	return x
}

// textResult returns a one-column, one-row string result.
func textResult(alloc memory.Allocator, name, text string) (array.RecordReader, error) {
	b := array.NewStringBuilder(alloc)
	defer b.Release()
	b.Append(text)
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: columnar.String}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 1)
	defer rec.Release()
	return array.NewRecordReader(schema, []arrow.RecordBatch{rec})
}

// reader adapts the executor's result stream to array.RecordReader.
type reader struct {
	refs   atomic.Int64
	schema *arrow.Schema
	rs     *operators.ResultStream
	cur    arrow.RecordBatch
	err    error
	done   bool
}

func newReader(schema *arrow.Schema, rs *operators.ResultStream) *reader {
	r := &reader{schema: schema, rs: rs}
	r.refs.Store(1)
	return r
}

func (r *reader) Retain() { r.refs.Add(1) }

func (r *reader) Release() {
	if r.refs.Add(-1) == 0 {
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		r.rs.Close()
	}
}

func (r *reader) Schema() *arrow.Schema { return r.schema }

func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	b, err := r.rs.Next()
	if err != nil {
		r.done = true
		if !errors.Is(err, io.EOF) {
			r.err = err
		}
		r.rs.Close()
		return false
	}
	if !b.Schema().Equal(r.schema) {
		nb := array.NewRecordBatch(r.schema, b.Columns(), b.NumRows())
		b.Release()
		b = nb
	}
	r.cur = b
	return true
}

func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.cur }

func (r *reader) Err() error { return r.err }

// defaultAllocator is shared by engines opened without WithAllocator: a
// pool that recycles freed Arrow buffers.
var defaultAllocator memory.Allocator = columnar.NewPoolAllocator()
