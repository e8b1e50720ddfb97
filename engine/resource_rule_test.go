package engine_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/engine"
)

// syncBuffer is a log sink safe for the engine's concurrent loggers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// histUDAF is a row-only aggregate whose buffer is 512 bytes per group
// (a histogram of line numbers): many groups need much heap, and a UDAF's
// buffers cannot spill.
func histUDAF(t *testing.T) *rowagg.UDAF {
	u, err := rowagg.NewUDAF("hist",
		func() [64]int64 { return [64]int64{} },
		func(h [64]int64, v int32) [64]int64 { h[v%64]++; return h },
		func(h [64]int64) int64 {
			var n int64
			for _, c := range h {
				n += c
			}
			return n
		})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// ruleRun runs sql on a fresh engine with conf (and the UDAF), returning
// its rows, its EXPLAIN ANALYZE plan and its log.
func ruleRun(t *testing.T, tables map[string]string, conf map[string]string, sql string) (rows []string, plan, log string, err error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var sink syncBuffer
	eng := openEngine(t, mem, tables, conf,
		engine.WithLogger(slog.New(slog.NewTextHandler(&sink, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	defer eng.Close()
	if err := eng.RegisterUDAF(histUDAF(t)); err != nil {
		t.Fatal(err)
	}
	rows, _, err = runQuery(context.Background(), eng, sql)
	if err != nil {
		return nil, "", sink.String(), err
	}
	a, err := eng.Analyze(context.Background(), sql)
	if err != nil {
		return nil, "", sink.String(), err
	}
	return rows, a.Plan, sink.String(), nil
}

// TestResourceRuleAvoidsOOM is the auto-adjust rule's demonstration at
// small scale: under one fixed capacity, (a) a fallback-heavy stage (a
// row-only UDAF over many groups, Gluten disabled) and (b) a stage reading
// a heavy shuffle (800 map tasks x 800 partitions) fail with the
// out-of-memory error with the rule off and give the right answer with it
// on, with ApplyResourceProfile in the plan and the rule's log line.
func TestResourceRuleAvoidsOOM(t *testing.T) {
	defer goleak.VerifyNone(t)
	if raceEnabled {
		t.Skip("thousands of tasks: too slow under the race detector")
	}
	tables := suiteTables(t)
	capacity := map[string]string{
		"spark.gluten.local.cores":                                            "2",
		"spark.gluten.local.memory":                                           "4g",
		"spark.memory.offHeap.size":                                           "64m",
		"spark.dynamicAllocation.schedulerBacklogTimeout":                     "10ms",
		"spark.gluten.auto.adjustStageResources.shuffle.complexity.threshold": "500000",
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range capacity {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name, sql string
		conf      map[string]string
		want      string // the answer, from a different plan (columnar, no UDAF)
	}{
		{
			name: "fallback_heavy_udaf",
			sql:  "SELECT count(*), sum(h) FROM (SELECT l_orderkey, hist(l_linenumber) AS h FROM lineitem GROUP BY l_orderkey) t",
			conf: map[string]string{
				"spark.gluten.enabled":         "false",
				"spark.executor.memory":        "12m",
				"spark.sql.shuffle.partitions": "1",
			},
			want: "SELECT count(DISTINCT l_orderkey), count(*) FROM lineitem",
		},
		{
			name: "heavy_shuffle",
			sql:  "SELECT count(*), sum(c) FROM (SELECT k, count(*) AS c FROM (SELECT o_orderkey % 997 AS k FROM orders GROUP BY o_orderkey) a GROUP BY k) b",
			conf: map[string]string{
				"spark.executor.memory":                         "1m",
				"spark.sql.shuffle.partitions":                  "800",
				"spark.sql.adaptive.coalescePartitions.enabled": "false",
			},
			want: "SELECT count(DISTINCT o_orderkey % 997), count(*) FROM orders",
		},
	}
	t.Run("retry_on_oom", func(t *testing.T) {
		// The rule's shuffle threshold is not reached, so the stage
		// reading the 800 x 800 shuffle runs with the default profile,
		// fails with the out-of-memory error, and is retried once with
		// the heap doubled.
		c := cases[1]
		want, _, _, err := ruleRun(t, tables, with(nil), c.want)
		if err != nil {
			t.Fatal(err)
		}
		conf := with(c.conf)
		conf["spark.gluten.auto.adjustStageResource.enabled"] = "true"
		conf["spark.gluten.auto.adjustStageResources.retryOnOOM"] = "true"
		conf["spark.gluten.auto.adjustStageResources.shuffle.complexity.threshold"] = "10000000"
		got, plan, log, err := ruleRun(t, tables, conf, c.sql)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("rows %v, want %v", got, want)
		}
		if !strings.Contains(log, "failed with an out-of-memory error; retrying it once with profile Profile: id = 1") {
			t.Errorf("no retry log line:\n%s", log)
		}
		if !strings.Contains(plan, "failed: ") || !strings.Contains(plan, "ApplyResourceProfile Profile: id = 1") {
			t.Errorf("the plan does not show the failed run and the retry's profile:\n%s", plan)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, _, _, err := ruleRun(t, tables, with(nil), c.want)
			if err != nil {
				t.Fatal(err)
			}
			off := with(c.conf)
			_, _, _, err = ruleRun(t, tables, off, c.sql)
			if err == nil || !strings.Contains(err.Error(), "out of memory:") {
				t.Fatalf("rule off: error %v; want an out-of-memory error", err)
			}
			t.Logf("rule off: %v", err)
			on := with(c.conf)
			on["spark.gluten.auto.adjustStageResource.enabled"] = "true"
			got, plan, log, err := ruleRun(t, tables, on, c.sql)
			if err != nil {
				t.Fatalf("rule on: %v", err)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("rule on: rows %v, want %v", got, want)
			}
			if !strings.Contains(plan, "ApplyResourceProfile Profile: id = ") {
				t.Errorf("no ApplyResourceProfile in the plan:\n%s", plan)
			}
			if !strings.Contains(log, "Apply resource profile Profile: id = ") {
				t.Errorf("no \"Apply resource profile\" log line:\n%s", log)
			}
		})
	}
}
