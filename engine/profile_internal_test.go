package engine

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner"
	"github.com/gluten-go/gluten-go/resource"
)

// TestStageProfileRunsOnItsExecutors: a profile a per-stage rule gives a
// stage (here a hook giving every map stage a profile with more heap) is
// the one its tasks run with, on executors of that profile, with adaptive
// execution on and off; the result stage keeps the default profile.
func TestStageProfileRunsOnItsExecutors(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, adaptive := range []string{"true", "false"} {
		t.Run("adaptive="+adaptive, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			eng := openTest(t, mem, map[string]string{"spark.sql.adaptive.enabled": adaptive,
				"spark.sql.shuffle.partitions": "3", "spark.gluten.local.cores": "2",
				// The two cores go to the first profile's executors: the next takes
				// them once its tasks have waited this long.
				"spark.dynamicAllocation.schedulerBacklogTimeout": "10ms"})
			defer eng.Close()
			b, err := eng.profiles.Default().Builder().Memory(2048).Build()
			if err != nil {
				t.Fatal(err)
			}
			big := eng.profiles.Add(b)
			eng.stageHook = func(ctx context.Context, st *operators.Stage, _ []planner.StageStats) error {
				if st.Output != nil {
					st.Profile = big
				}
				return nil
			}
			a, err := eng.Analyze(context.Background(), "select k, count(*), sum(v) from t group by k order by k")
			if err != nil {
				t.Fatal(err)
			}
			if a.Rows != 3 || len(a.Stages) < 2 {
				t.Fatalf("%d rows, stages %+v", a.Rows, a.Stages)
			}
			last := len(a.Stages) - 1
			for i, s := range a.Stages {
				want := big.ID()
				if i == last {
					want = resource.DefaultProfileID
				}
				if s.ProfileID != want || len(s.Executors) == 0 {
					t.Errorf("stage %+v: want profile %d", s, want)
				}
			}
			var ran []int
			for _, s := range eng.ExecutorStats() {
				ran = append(ran, s.ProfileID)
				if len(s.Started) == 0 || s.Tasks == 0 {
					t.Errorf("executor stats %+v", s)
				}
			}
			if len(ran) != 2 || ran[0] != 0 || ran[1] != big.ID() {
				t.Errorf("profiles that ran: %v, want [0 %d]", ran, big.ID())
			}
		})
	}
}
