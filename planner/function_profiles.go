package planner

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/physical"
	"github.com/gluten-go/gluten-go/resource"
)

// FunctionProfiles gives each stage the resource profiles of the Go
// functions (UDFs and UDAFs) its own plan calls, the way Spark gives a
// stage the ResourceProfiles of its RDDs (RDD.withResources,
// DataFrame.mapInPandas(..., profile=...)) and merges them
// (DAGScheduler.mergeResourceProfilesForStage). For the operators of a
// stage (not those of the stages below it):
//   - no function carries a profile: the stage keeps the default profile
//     (unless the auto-adjust rule gives it one);
//   - the profiles carried are all equivalent: that profile;
//   - they differ: with spark.scheduler.resource.profileMergeConflicts=true
//     the maximum of each resource over them
//     (resource.ProfileManager.MergeStageProfiles), else the query fails
//     with an error naming both profiles and the functions carrying them.
//
// A stage given a profile other than the default gets an
// ApplyResourceProfile node on top of its plan (operators.SetStageProfile),
// the log line "Apply resource profile <profile> for plan <node name>", and
// its tasks run on executors of that profile; the auto-adjust rule, when
// on, adjusts starting from that profile. Executors of non-default profiles
// need dynamic allocation: Check fails a query calling such a function
// without it, before anything runs.
type FunctionProfiles struct {
	cfg      *conf.Config
	profiles *resource.ProfileManager
	of       func(physical.Function) *resource.Profile
	logger   *slog.Logger
}

// NewFunctionProfiles returns the step over an engine's profile manager.
// of returns the profile a function carries (nil: none); the profiles it
// returns must be registered with profiles.
func NewFunctionProfiles(cfg *conf.Config, profiles *resource.ProfileManager,
	of func(physical.Function) *resource.Profile, logger *slog.Logger) *FunctionProfiles {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &FunctionProfiles{cfg: cfg, profiles: profiles, of: of, logger: logger}
}

// carried is a function of a plan with the profile it carries.
type carried struct {
	fn      physical.Function
	profile *resource.Profile
}

// describe names the function as errors do: "UDF shout" or "UDAF hist".
func (c carried) describe() string {
	if c.fn.UDAF != nil {
		return "UDAF " + c.fn.Name()
	}
	return "UDF " + c.fn.Name()
}

// collect returns the functions carrying a profile that the operators
// under root call, each once, in plan order; when own, the walk stays in
// root's stage (it enters neither exchanges nor query stages below).
func (f *FunctionProfiles) collect(root operators.Node, res *physical.Result, own bool) []carried {
	if res == nil || len(res.Functions) == 0 {
		return nil
	}
	var out []carried
	seen := map[physical.Function]bool{}
	var walk func(n operators.Node)
	walk = func(n operators.Node) {
		if own {
			switch n.(type) {
			case *operators.QueryStage, operators.StageOutput:
				return // another stage's plan
			}
		}
		for _, fn := range res.Functions[n] {
			if seen[fn] {
				continue
			}
			seen[fn] = true
			if p := f.of(fn); p != nil {
				out = append(out, carried{fn: fn, profile: p})
			}
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(root)
	return out
}

// Check reports, before a query runs, a function of its plan that carries
// a profile other than the default while spark.dynamicAllocation.enabled
// is false (executors of a non-default profile are started for it); the
// error wraps resource.ErrDynamicAllocationDisabled and names the function
// and the key.
func (f *FunctionProfiles) Check(res *physical.Result) error {
	if f == nil || res == nil || f.cfg.Bool(conf.DynamicAllocationEnabled) {
		return nil
	}
	for _, c := range f.collect(res.Root, res, false) {
		if c.profile.ID() != resource.DefaultProfileID {
			return fmt.Errorf("%w: %s is registered with resource profile %d, which needs %s=true "+
				"(executors of a non-default profile are started for its stages); enable it or register the function without a profile",
				resource.ErrDynamicAllocationDisabled, c.describe(), c.profile.ID(), conf.DynamicAllocationEnabled)
		}
	}
	return nil
}

// StageProfile returns the profile stage st carries through the functions
// its own plan calls (res is the plan st was split from): nil when none
// carries one; their one profile when they are equivalent; when they
// differ, their merge if spark.scheduler.resource.profileMergeConflicts,
// else an error wrapping the *resource.ProfileConflictError, naming the
// functions too.
func (f *FunctionProfiles) StageProfile(st *operators.Stage, res *physical.Result) (*resource.Profile, error) {
	p, _, err := f.stageProfile(st, res)
	return p, err
}

// stageProfile is StageProfile, also returning the functions carrying the
// profiles.
func (f *FunctionProfiles) stageProfile(st *operators.Stage, res *physical.Result) (*resource.Profile, []carried, error) {
	cs := f.collect(st.Root, res, true)
	if len(cs) == 0 {
		return nil, nil, nil
	}
	ps := make([]*resource.Profile, len(cs))
	for i, c := range cs {
		ps[i] = c.profile
	}
	allow := f.cfg.Bool(conf.ProfileMergeConflicts)
	p, err := f.profiles.MergeStageProfiles(ps, allow)
	if err != nil {
		var ce *resource.ProfileConflictError
		if errors.As(err, &ce) {
			return nil, nil, fmt.Errorf("one stage calls %s with resource profile %d and %s with resource profile %d: %w",
				carrierOf(cs, ce.A), ce.A.ID(), carrierOf(cs, ce.B), ce.B.ID(), err)
		}
		return nil, nil, err
	}
	if ids := distinctIDs(cs); len(ids) > 1 {
		f.logger.Info(fmt.Sprintf("Merged resource profiles %s of one stage into %s", strings.Join(ids, ", "), p),
			"key", conf.ProfileMergeConflicts, "functions", describeAll(cs))
	}
	return p, cs, nil
}

// carrierOf names the functions carrying profile p (by id).
func carrierOf(cs []carried, p *resource.Profile) string {
	var out []string
	for _, c := range cs {
		if c.profile.ID() == p.ID() {
			out = append(out, c.describe())
		}
	}
	if len(out) == 0 {
		return "a function"
	}
	return strings.Join(out, ", ")
}

func distinctIDs(cs []carried) []string {
	seen := map[int]bool{}
	var out []string
	for _, c := range cs {
		if id := c.profile.ID(); !seen[id] {
			seen[id] = true
			out = append(out, strconv.Itoa(id))
		}
	}
	return out
}

func describeAll(cs []carried) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.describe()
	}
	return strings.Join(out, ", ")
}

// Apply gives stage st the profile its functions carry (StageProfile),
// unless that is the default profile: it sets st.Profile and puts an
// ApplyResourceProfile node on top of the stage's plan.
func (f *FunctionProfiles) Apply(st *operators.Stage, res *physical.Result) error {
	if f == nil {
		return nil
	}
	p, cs, err := f.stageProfile(st, res)
	if err != nil || p == nil || p.ID() == resource.DefaultProfileID {
		return err
	}
	top := st.Root.Name()
	if err := operators.SetStageProfile(st, p); err != nil {
		return err
	}
	f.logger.Info(fmt.Sprintf("Apply resource profile %s for plan %s", p, top),
		"stage", st.ID, "reason", "calls "+describeAll(cs))
	return nil
}

// ApplyFunctionProfiles gives the stages of pl's plan as planned, before
// adaptive execution plans it again, the profiles of the functions they
// call (pl.FunctionProfiles; nothing when nil), so that EXPLAIN, which
// does not run the query, shows their ApplyResourceProfile nodes. It fails
// as running the query would: see FunctionProfiles.Check and StageProfile.
// pl.Physical stays the plan's root, to be released by the caller.
func ApplyFunctionProfiles(pl *Planned) error {
	f := pl.FunctionProfiles
	if f == nil {
		return nil
	}
	if err := f.Check(pl.Fallback); err != nil {
		return err
	}
	stages := operators.SplitStages(pl.Physical)
	for _, st := range stages {
		if err := f.Apply(st, pl.Fallback); err != nil {
			return err
		}
	}
	pl.Physical = stages[len(stages)-1].Root
	return nil
}
