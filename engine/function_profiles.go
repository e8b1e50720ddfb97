package engine

import (
	"errors"
	"fmt"

	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/physical"
	"github.com/gluten-go/gluten-go/resource"
)

// FunctionOption configures RegisterUDF and RegisterUDAF.
type FunctionOption func(*functionOptions) error

type functionOptions struct {
	profile *resource.Profile
}

// ProfileSpec is what WithResources takes: a built *resource.Profile or a
// *resource.ProfileBuilder (whose error, if any, the registration returns).
type ProfileSpec interface {
	*resource.Profile | *resource.ProfileBuilder
}

// WithResources registers a function with a resource profile, as Spark's
// RDD.withResources and DataFrame.mapInPandas(..., profile=...) do: every
// stage whose own plan calls the function runs its tasks on executors of
// that profile, with an ApplyResourceProfile node on top of its plan. E.g.
//
//	eng.RegisterUDAF(u, engine.WithResources(resource.NewProfileBuilder().Memory(4096)))
//
// Resources the profile leaves unset (cores, memory, memoryOverhead,
// offHeap, task cpus) are those of the default profile
// (spark.executor.cores, spark.executor.memory, ...), as in Spark. When one
// stage calls functions of different profiles, they are merged by taking
// the maximum of each resource if
// spark.scheduler.resource.profileMergeConflicts is true, else the query
// fails with an error naming both. With
// spark.gluten.auto.adjustStageResource.enabled the auto-adjust rule then
// starts from the stage's profile. Profiles other than the default need
// spark.dynamicAllocation.enabled: without it a query calling the function
// fails before it runs. Registration fails when the profile is invalid or,
// with dynamic allocation, when one executor of it can never fit the local
// capacity (spark.gluten.local.cores / spark.gluten.local.memory).
func WithResources[S ProfileSpec](spec S) FunctionOption {
	return func(o *functionOptions) error {
		var p *resource.Profile
		switch s := any(spec).(type) {
		case *resource.Profile:
			p = s
		case *resource.ProfileBuilder:
			if s != nil {
				var err error
				if p, err = s.Build(); err != nil {
					return err
				}
			}
		}
		if p == nil {
			return errors.New("WithResources: nil resource profile")
		}
		o.profile = p
		return nil
	}
}

// registerFunctionProfile applies opts of function name (a what: UDF or
// UDAF) and returns its profile, completed from the default profile and
// registered (nil: none).
func (e *Engine) registerFunctionProfile(what, name string, opts []FunctionOption) (*resource.Profile, error) {
	var o functionOptions
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("engine: %s %s: %w", what, name, err)
		}
	}
	if o.profile == nil {
		return nil, nil
	}
	full, err := resource.Complete(o.profile, e.profiles.Default())
	if err != nil {
		return nil, fmt.Errorf("engine: %s %s: %w", what, name, err)
	}
	p := e.profiles.Add(full)
	if p.ID() != resource.DefaultProfileID && e.cfg.Bool(conf.DynamicAllocationEnabled) {
		// Without dynamic allocation the queries calling it fail instead,
		// naming the key.
		if err := e.pool.Check(p); err != nil {
			return nil, fmt.Errorf("engine: %s %s: %w", what, name, err)
		}
	}
	return p, nil
}

// functionProfile returns the profile function f was registered with (nil:
// none).
func (e *Engine) functionProfile(f physical.Function) *resource.Profile {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if f.UDAF != nil {
		return e.udafProfiles[f.UDAF]
	}
	return e.udfProfiles[f.UDF]
}

// ResourceProfile returns the resource profile with id id (as
// StageRun.ProfileID and EXPLAIN name it): the default profile (0), the
// profiles of functions registered WithResources, their merges, and those
// the auto-adjust rule made.
func (e *Engine) ResourceProfile(id int) (*resource.Profile, bool) {
	return e.profiles.Get(id)
}
