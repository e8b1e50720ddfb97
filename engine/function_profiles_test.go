package engine_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/engine"
	"github.com/gluten-go/gluten-go/resource"
)

// profileConf is a small local capacity with two cores, whose executors
// change profile quickly: an idle executor of one profile gives its cores
// to tasks of another once they have waited 10ms.
func profileConf(adaptive string, extra map[string]string) map[string]string {
	m := map[string]string{
		"spark.sql.adaptive.enabled":                      adaptive,
		"spark.sql.shuffle.partitions":                    "3",
		"spark.gluten.local.cores":                        "2",
		"spark.gluten.local.memory":                       "2g",
		"spark.executor.memory":                           "256m",
		"spark.memory.offHeap.size":                       "128m",
		"spark.dynamicAllocation.schedulerBacklogTimeout": "10ms",
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// shoutUDF is shout under another name: "SHOUT!" from "shout".
func shoutUDF(t *testing.T, name string) *rowexpr.UDF {
	t.Helper()
	u, err := rowexpr.NewUDF1(name, func(s string) string { return strings.ToUpper(s) + "!" })
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// stageProfiles returns the profile id of each stage the analysis ran.
func stageProfiles(a *engine.Analysis) []int {
	ids := make([]int, len(a.Stages))
	for i, s := range a.Stages {
		ids[i] = s.ProfileID
	}
	return ids
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func explainOf(t *testing.T, eng *engine.Engine, sql string) string {
	t.Helper()
	plan, err := eng.Explain(context.Background(), sql)
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	return plan
}

// TestFunctionProfile: a UDF (in the map stage) and a UDAF (in the stage
// after the exchange) registered WithResources make the stages calling
// them, and only those, run on executors of their profiles, completed from
// the default profile; EXPLAIN shows ApplyResourceProfile with the
// profile, EXPLAIN ANALYZE the stages' profiles; the answers are those of
// the same functions without profiles. With adaptive execution on and off.
func TestFunctionProfile(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, adaptive := range []string{"true", "false"} {
		t.Run("adaptive="+adaptive, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			eng := openTPCH(t, mem, profileConf(adaptive, nil))
			defer eng.Close()
			if err := eng.RegisterUDF(shoutUDF(t, "shout"), engine.WithResources(resource.NewProfileBuilder().Memory(512))); err != nil {
				t.Fatal(err)
			}
			if err := eng.RegisterUDF(shoutUDF(t, "plain_shout")); err != nil {
				t.Fatal(err)
			}
			big, err := resource.NewProfileBuilder().Memory(640).OffHeap(64).Build()
			if err != nil {
				t.Fatal(err)
			}
			if err := eng.RegisterUDAF(histUDAF(t), engine.WithResources(big)); err != nil {
				t.Fatal(err)
			}
			udfProfile, ok := eng.ResourceProfile(1)
			if !ok || udfProfile.HeapBytes() != 512<<20 || udfProfile.OffHeapBytes() != 128<<20 || udfProfile.Cores() != 1 {
				t.Fatalf("the UDF's profile %v: want 512 MiB of heap, the rest from the default profile", udfProfile)
			}
			udafProfile, ok := eng.ResourceProfile(2)
			if !ok || udafProfile.HeapBytes() != 640<<20 || udafProfile.OffHeapBytes() != 64<<20 {
				t.Fatalf("the UDAF's profile %v", udafProfile)
			}

			t.Run("udf", func(t *testing.T) {
				const q = "SELECT n_regionkey, count(*), max(%s(n_name)) FROM nation GROUP BY n_regionkey ORDER BY n_regionkey"
				sql, plainSQL := strings.Replace(q, "%s", "shout", 1), strings.Replace(q, "%s", "plain_shout", 1)
				want := queryRows(t, eng, plainSQL)
				if got := queryRows(t, eng, sql); strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != 5 {
					t.Errorf("rows %q, want %q", got, want)
				}
				plan := explainOf(t, eng, sql)
				if strings.Count(plan, "ApplyResourceProfile ") != 1 || !strings.Contains(plan, "ApplyResourceProfile "+udfProfile.String()) {
					t.Errorf("EXPLAIN does not show the UDF stage's profile once:\n%s", plan)
				}
				if plan := explainOf(t, eng, plainSQL); strings.Contains(plan, "ApplyResourceProfile") {
					t.Errorf("EXPLAIN of the query without profiles shows one:\n%s", plan)
				}
				a, err := eng.Analyze(context.Background(), sql)
				if err != nil {
					t.Fatal(err)
				}
				// The map stage calling shout first, then the final
				// aggregation and the sort, with the default profile.
				ids := stageProfiles(a)
				if len(ids) < 2 || ids[0] != udfProfile.ID() {
					t.Fatalf("stage profiles %v, want [%d 0 ...]\n%s", ids, udfProfile.ID(), a.Plan)
				}
				for _, id := range ids[1:] {
					if id != resource.DefaultProfileID {
						t.Errorf("stage profiles %v: only the first calls shout", ids)
					}
				}
				if len(a.Stages[0].Executors) == 0 || !strings.Contains(a.Plan, "Stage 0: profile 1, ") ||
					!strings.Contains(a.Plan, "ApplyResourceProfile "+udfProfile.String()) {
					t.Errorf("EXPLAIN ANALYZE:\n%s", a.Plan)
				}
			})

			t.Run("udaf", func(t *testing.T) {
				const sql = "SELECT count(*), sum(h) FROM (SELECT l_orderkey, hist(l_linenumber) AS h FROM lineitem GROUP BY l_orderkey) t"
				want := queryRows(t, eng, "SELECT count(DISTINCT l_orderkey), count(*) FROM lineitem")
				if got := queryRows(t, eng, sql); strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("rows %q, want %q", got, want)
				}
				if plan := explainOf(t, eng, sql); !strings.Contains(plan, "ApplyResourceProfile "+udafProfile.String()) {
					t.Errorf("EXPLAIN does not show the UDAF stage's profile:\n%s", plan)
				}
				a, err := eng.Analyze(context.Background(), sql)
				if err != nil {
					t.Fatal(err)
				}
				// Scan and exchange; the aggregation calling hist; the
				// global count.
				if ids, want := stageProfiles(a), []int{0, udafProfile.ID(), 0}; !sameInts(ids, want) {
					t.Errorf("stage profiles %v, want %v\n%s", ids, want, a.Plan)
				}
			})

			ran := map[int]bool{}
			for _, s := range eng.ExecutorStats() {
				if s.Tasks > 0 {
					ran[s.ProfileID] = true
				}
			}
			if !ran[0] || !ran[udfProfile.ID()] || !ran[udafProfile.ID()] {
				t.Errorf("profiles whose executors ran tasks: %v", ran)
			}
		})
	}
}

// TestFunctionProfileMerge: one stage calling two UDFs of different
// profiles fails, naming both profiles and both functions, unless
// spark.scheduler.resource.profileMergeConflicts merges them (the maximum
// of each resource); nothing leaks either way.
func TestFunctionProfileMerge(t *testing.T) {
	defer goleak.VerifyNone(t)
	const sql = "SELECT n_regionkey, max(heavy(n_name)), max(wide(n_comment)) FROM nation GROUP BY n_regionkey ORDER BY n_regionkey"
	const plainSQL = "SELECT n_regionkey, max(plain_shout(n_name)), max(plain_shout(n_comment)) FROM nation GROUP BY n_regionkey ORDER BY n_regionkey"
	for _, adaptive := range []string{"true", "false"} {
		for _, merge := range []string{"false", "true"} {
			t.Run("adaptive="+adaptive+"/merge="+merge, func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				eng := openTPCH(t, mem, profileConf(adaptive, map[string]string{"spark.scheduler.resource.profileMergeConflicts": merge}))
				defer eng.Close()
				// heavy: more heap; wide: more cores and off-heap, less heap.
				for _, r := range []struct {
					name string
					b    *resource.ProfileBuilder
				}{
					{"heavy", resource.NewProfileBuilder().Memory(512)},
					{"wide", resource.NewProfileBuilder().Cores(2).Memory(128).OffHeap(192)},
					{"plain_shout", nil},
				} {
					var opts []engine.FunctionOption
					if r.b != nil {
						opts = append(opts, engine.WithResources(r.b))
					}
					if err := eng.RegisterUDF(shoutUDF(t, r.name), opts...); err != nil {
						t.Fatal(err)
					}
				}
				heavy, _ := eng.ResourceProfile(1)
				wide, _ := eng.ResourceProfile(2)
				if merge == "false" {
					for what, run := range map[string]func() error{
						"query":   func() error { _, _, err := runQuery(context.Background(), eng, sql); return err },
						"analyze": func() error { _, err := eng.Analyze(context.Background(), sql); return err },
						"explain": func() error { _, err := eng.Explain(context.Background(), sql); return err },
					} {
						err := run()
						var ce *resource.ProfileConflictError
						if !errors.As(err, &ce) {
							t.Fatalf("%s: %v, want a ProfileConflictError", what, err)
						}
						msg := err.Error()
						for _, s := range []string{"UDF heavy with resource profile 1", "UDF wide with resource profile 2",
							heavy.String(), wide.String(), "spark.scheduler.resource.profileMergeConflicts"} {
							if !strings.Contains(msg, s) {
								t.Errorf("%s: error %q does not contain %q", what, msg, s)
							}
						}
					}
					return
				}
				want := queryRows(t, eng, plainSQL)
				if got := queryRows(t, eng, sql); strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != 5 {
					t.Errorf("rows %q, want %q", got, want)
				}
				a, err := eng.Analyze(context.Background(), sql)
				if err != nil {
					t.Fatal(err)
				}
				ids := stageProfiles(a)
				merged, ok := eng.ResourceProfile(ids[0])
				if !ok || merged.ID() <= wide.ID() {
					t.Fatalf("stage profiles %v: the first stage should run with a new, merged profile", ids)
				}
				if merged.Cores() != 2 || merged.HeapBytes() != 512<<20 || merged.OffHeapBytes() != 192<<20 ||
					merged.TaskCPUs() != 1 || merged.SlotsPerExecutor() != 2 {
					t.Errorf("merged profile %v: want 2 cores, 512 MiB heap, 192 MiB off-heap", merged)
				}
				for _, id := range ids[1:] {
					if id != resource.DefaultProfileID {
						t.Errorf("stage profiles %v", ids)
					}
				}
				if !strings.Contains(a.Plan, "ApplyResourceProfile "+merged.String()) {
					t.Errorf("EXPLAIN ANALYZE does not show the merged profile:\n%s", a.Plan)
				}
				if plan := explainOf(t, eng, sql); !strings.Contains(plan, "ApplyResourceProfile "+merged.String()) {
					t.Errorf("EXPLAIN does not show the merged profile:\n%s", plan)
				}
			})
		}
	}
}

// TestFunctionProfileNeedsDynamicAllocation: without dynamic allocation a
// query calling a function with a non-default profile fails before it
// runs, naming the function and the key; a profile equivalent to the
// default one needs no executors of its own. Invalid profiles fail the
// registration.
func TestFunctionProfileNeedsDynamicAllocation(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openTPCH(t, mem, profileConf("true", map[string]string{"spark.dynamicAllocation.enabled": "false"}))
	defer eng.Close()
	if err := eng.RegisterUDF(shoutUDF(t, "shout"), engine.WithResources(resource.NewProfileBuilder().Memory(512))); err != nil {
		t.Fatal(err)
	}
	// The default profile's heap, in a profile: the default profile.
	if err := eng.RegisterUDF(shoutUDF(t, "same"), engine.WithResources(resource.NewProfileBuilder().Memory(256))); err != nil {
		t.Fatal(err)
	}
	const sql = "SELECT n_regionkey, count(*), max(shout(n_name)) FROM nation GROUP BY n_regionkey"
	for what, run := range map[string]func() error{
		"query":   func() error { _, _, err := runQuery(context.Background(), eng, sql); return err },
		"analyze": func() error { _, err := eng.Analyze(context.Background(), sql); return err },
		"explain": func() error { _, err := eng.Explain(context.Background(), sql); return err },
	} {
		err := run()
		if !errors.Is(err, resource.ErrDynamicAllocationDisabled) ||
			!strings.Contains(err.Error(), "UDF shout") || !strings.Contains(err.Error(), "spark.dynamicAllocation.enabled") {
			t.Errorf("%s: %v; want ErrDynamicAllocationDisabled naming UDF shout and spark.dynamicAllocation.enabled", what, err)
		}
	}
	if len(eng.ExecutorStats()) != 0 {
		t.Errorf("tasks ran: %+v", eng.ExecutorStats())
	}
	if got := queryRows(t, eng, "SELECT same(r_name) FROM region WHERE r_regionkey = 1"); len(got) != 1 || got[0] != "AMERICA!" {
		t.Errorf("UDF with the default profile: %q", got)
	}

	// Invalid profiles.
	if err := eng.RegisterUDF(shoutUDF(t, "bad"), engine.WithResources(resource.NewProfileBuilder().Cores(0))); !errors.Is(err, resource.ErrInvalidProfile) {
		t.Errorf("zero cores: %v", err)
	}
	if err := eng.RegisterUDF(shoutUDF(t, "bad"), engine.WithResources((*resource.Profile)(nil))); err == nil {
		t.Error("nil profile registered")
	}
	if err := eng.RegisterUDAF(histUDAF(t), engine.WithResources(resource.NewProfileBuilder().TaskCPUs(2))); !errors.Is(err, resource.ErrInvalidProfile) {
		t.Errorf("2 task cpus on the default 1 core: %v", err)
	}
	if _, ok := eng.UDF("bad"); ok {
		t.Error("a UDF whose registration failed is registered")
	}
}

// TestFunctionProfileNeverFits: with dynamic allocation, a profile one
// executor of which exceeds the local capacity fails the registration.
func TestFunctionProfileNeverFits(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openTPCH(t, mem, profileConf("true", nil))
	defer eng.Close()
	err := eng.RegisterUDF(shoutUDF(t, "huge"), engine.WithResources(resource.NewProfileBuilder().Memory(64<<10)))
	if !errors.Is(err, resource.ErrProfileNeverFits) || !strings.Contains(err.Error(), "UDF huge") {
		t.Errorf("64 GiB heap on 2 GiB: %v", err)
	}
}

// TestResourceRuleFromFunctionProfile: the auto-adjust rule starts from
// the profile of the functions a stage calls: with every stage falling
// back (Gluten off), the stage calling the UDAF gets twice its profile's
// heap and a tenth of its off-heap, the others twice the default heap.
func TestResourceRuleFromFunctionProfile(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var sink syncBuffer
	eng := openTPCH(t, mem, profileConf("true", map[string]string{
		"spark.gluten.enabled":                          "false",
		"spark.gluten.auto.adjustStageResource.enabled": "true",
	}), engine.WithLogger(slog.New(slog.NewTextHandler(&sink, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	defer eng.Close()
	if err := eng.RegisterUDAF(histUDAF(t), engine.WithResources(resource.NewProfileBuilder().Memory(400).OffHeap(320))); err != nil {
		t.Fatal(err)
	}
	const sql = "SELECT count(*), sum(h) FROM (SELECT l_orderkey, hist(l_linenumber) AS h FROM lineitem GROUP BY l_orderkey) t"
	a, err := eng.Analyze(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	if a.Rows != 1 || len(a.Stages) != 3 {
		t.Fatalf("%d rows, stages %+v", a.Rows, a.Stages)
	}
	// The result stage's RowToColumnar is a columnar node: one of its two
	// nodes fell back, which takes off-heap x 0.5 instead of / 10.
	for i, want := range []struct{ heap, offHeap int64 }{{512, 13}, {800, 32}, {512, 64}} {
		p, ok := eng.ResourceProfile(a.Stages[i].ProfileID)
		if !ok || p.HeapBytes() != want.heap<<20 || p.OffHeapBytes() != want.offHeap<<20 {
			t.Errorf("stage %d: profile %v, want %d MiB heap and %d MiB off-heap", i, p, want.heap, want.offHeap)
		}
	}
	log := sink.String()
	if !strings.Contains(log, "Apply resource profile Profile: id = 1") || !strings.Contains(log, "UDAF hist") {
		t.Errorf("no log line applying the UDAF's profile:\n%s", log)
	}
}
