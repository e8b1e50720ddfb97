package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/benchmarks/edgedata/slt"
	"github.com/gluten-go/gluten-go/engine"
	"github.com/gluten-go/gluten-go/resource"
)

// logRecord is one captured log line.
type logRecord struct {
	level slog.Level
	msg   string
	attrs string
}

// captureHandler keeps every log record.
type captureHandler struct {
	mu      sync.Mutex
	records []logRecord
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *captureHandler) WithGroup(string) slog.Handler            { return h }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, logRecord{r.Level, r.Message, b.String()})
	h.mu.Unlock()
	return nil
}

// find returns the records at level whose message contains s.
func (h *captureHandler) find(level slog.Level, s string) []logRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRecord
	for _, r := range h.records {
		if r.level == level && strings.Contains(r.msg, s) {
			out = append(out, r)
		}
	}
	return out
}

func openLogged(t *testing.T, mem memory.Allocator, conf map[string]string, tables map[string]string, opts ...engine.Option) (*engine.Engine, *captureHandler) {
	t.Helper()
	h := &captureHandler{}
	opts = append([]engine.Option{engine.WithAllocator(mem), engine.WithConfig(conf), engine.WithLogger(slog.New(h))}, opts...)
	eng, err := engine.Open(opts...)
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range tables {
		if err := eng.RegisterParquet(name, path); err != nil {
			t.Fatal(err)
		}
	}
	return eng, h
}

// TestEngineExecutorPool: queries run on the local executor pool, by
// default executors of one core each, as many as the cores; EXPLAIN
// ANALYZE tells per stage its profile, executors and peak memory.
func TestEngineExecutorPool(t *testing.T) {
	defer goleak.VerifyNone(t)
	tables := tpchTables(t, *tpchSF)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng, h := openLogged(t, mem, map[string]string{"spark.gluten.local.cores": "2", "spark.sql.shuffle.partitions": "4"}, tables)
	a, err := eng.Analyze(context.Background(),
		"SELECT l_returnflag, l_linestatus, sum(l_quantity), count(*) FROM lineitem GROUP BY l_returnflag, l_linestatus ORDER BY 1, 2")
	if err != nil {
		eng.Close()
		t.Fatal(err)
	}
	if a.Rows != 4 || len(a.Stages) < 2 {
		t.Errorf("%d rows, %d stages", a.Rows, len(a.Stages))
	}
	var peak int64
	for i, s := range a.Stages {
		if s.ID != i || s.ProfileID != 0 || s.Tasks <= 0 || len(s.Executors) == 0 {
			t.Errorf("stage %+v", s)
		}
		for _, id := range s.Executors {
			if id != 1 && id != 2 {
				t.Errorf("stage %d ran on executor %d of two", s.ID, id)
			}
		}
		peak = max(peak, s.PeakOffHeap)
	}
	if peak <= 0 {
		t.Errorf("no stage reserved off-heap memory: %+v", a.Stages)
	}
	i := strings.Index(a.Plan, "== Stages ==\nStage 0: profile 0, executors [")
	if i < 0 || !strings.Contains(a.Plan[i:], ", peak heap ") || !strings.Contains(a.Plan[i:], ", peak off-heap ") {
		t.Errorf("no stages in the plan:\n%s", a.Plan)
	}
	st := eng.ExecutorStats()
	if len(st) != 1 || st[0].ProfileID != 0 || !slices.Equal(st[0].Started, []int{1, 2}) || st[0].Live != 2 {
		t.Errorf("executor stats %+v, want profile 0 on executors [1 2]", st)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if n, m := len(h.find(slog.LevelInfo, "executor added")), len(h.find(slog.LevelInfo, "executor removed")); n != 2 || m != 2 {
		t.Errorf("%d executors added, %d removed; want 2 and 2", n, m)
	}
	if errs := h.find(slog.LevelError, ""); len(errs) > 0 {
		t.Errorf("errors logged: %+v", errs)
	}
	if _, err := eng.Query(context.Background(), "SELECT 1"); err == nil {
		t.Error("query on a closed engine")
	}
}

// TestEngineTaskMemoryFromExecutor: with a small executor memory, each
// task's reservations stay within its executor's pools (memory x
// spark.memory.fraction), the operators spill, and every task frees what
// it reserved (a leak would be logged at ERROR).
func TestEngineTaskMemoryFromExecutor(t *testing.T) {
	defer goleak.VerifyNone(t)
	if *tpchSF != 0.1 {
		t.Skip("the budget is sized for SF0.1")
	}
	recs, err := slt.ParseFile(filepath.Join("testdata", "tpch", "sf0.1", "tpch.slt"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(recs, func(r slt.Record) bool { return r.Label == "q18" })
	if i < 0 {
		t.Fatal("no record q18")
	}
	tables := tpchTables(t, 0.1)
	for _, rows := range []bool{false, true} {
		t.Run(fmt.Sprintf("rows=%v", rows), func(t *testing.T) {
			dir := t.TempDir()
			conf := spillConf(dir)
			conf["spark.sql.adaptive.enabled"] = "true"
			if rows {
				conf["spark.gluten.enabled"] = "false"
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			eng, h := openLogged(t, mem, conf, tables)
			defer func() {
				eng.Close()
				if errs := h.find(slog.LevelError, ""); len(errs) > 0 {
					t.Errorf("errors logged: %+v", errs)
				}
			}()
			a, err := eng.Analyze(context.Background(), recs[i].SQL)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("spilled %v, stages %+v", a.SpilledBytes, a.Stages)
			if len(a.SpilledBytes) == 0 {
				t.Error("nothing spilled")
			}
			const pool = int64(8 << 20 * 6 / 10) // 8m x spark.memory.fraction
			for _, s := range a.Stages {
				if s.PeakHeap > pool || s.PeakOffHeap > pool {
					t.Errorf("stage %d: a task reserved more than its executor's pools of %d bytes: %+v", s.ID, pool, s)
				}
			}
			assertEmptyDir(t, dir)
		})
	}
}

// TestEngineDefaultProfileNeverFits: a default profile one executor of
// which exceeds the local capacity fails Open with a clear error.
func TestEngineDefaultProfileNeverFits(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, conf := range []map[string]string{
		{"spark.gluten.local.memory": "1g"}, // 1g heap + 1g off-heap
		{"spark.gluten.local.cores": "2", "spark.executor.cores": "3"},
	} {
		eng, err := engine.Open(engine.WithConfig(conf))
		if err == nil {
			eng.Close()
			t.Fatalf("%v: Open succeeded", conf)
		}
		if !errors.Is(err, resource.ErrProfileNeverFits) || !strings.Contains(err.Error(), "spark.gluten.local.memory") ||
			!strings.Contains(err.Error(), "default resource profile") {
			t.Errorf("%v: %v", conf, err)
		}
	}
	// Off-heap disabled: 1g of heap fits.
	eng, err := engine.Open(engine.WithConfig(map[string]string{"spark.gluten.local.memory": "1g", "spark.memory.offHeap.enabled": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	eng.Close()
}

// TestEngineDynamicOffHeapSizingWarning: with dynamic off-heap sizing, an
// off-heap size the user set is ignored, with one warning.
func TestEngineDynamicOffHeapSizingWarning(t *testing.T) {
	defer goleak.VerifyNone(t)
	tables := tpchTables(t, *tpchSF)
	nation := map[string]string{"nation": tables["nation"]}
	for _, set := range []bool{false, true} {
		conf := map[string]string{"spark.gluten.memory.dynamic.offHeap.sizing.enabled": "true", "spark.sql.shuffle.partitions": "3"}
		if set {
			conf["spark.memory.offHeap.size"] = "2g"
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		eng, h := openLogged(t, mem, conf, nation)
		for range 2 {
			rows, _, err := runQuery(context.Background(), eng, "SELECT n_regionkey, count(*) FROM nation GROUP BY n_regionkey")
			if err != nil || len(rows) != 5 {
				t.Errorf("%d rows, %v", len(rows), err)
			}
		}
		eng.Close()
		mem.AssertSize(t, 0)
		warns := h.find(slog.LevelWarn, "ignored")
		if want := map[bool]int{false: 0, true: 1}[set]; len(warns) != want {
			t.Errorf("off-heap size set %v: %d warnings, want %d: %+v", set, len(warns), want, warns)
		}
		if set && len(warns) == 1 && !strings.Contains(warns[0].msg, "spark.memory.offHeap.size") {
			t.Errorf("warning %q does not name spark.memory.offHeap.size", warns[0].msg)
		}
	}
}

// TestEngineProcessMemoryLimit: WithProcessMemoryLimit sets the Go
// runtime's memory limit to spark.gluten.local.memory while the engine is
// open; without it the engine leaves the limit alone.
func TestEngineProcessMemoryLimit(t *testing.T) {
	defer goleak.VerifyNone(t)
	before := debug.SetMemoryLimit(-1)
	eng, err := engine.Open(engine.WithConf("spark.gluten.local.memory", "3g"))
	if err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("the engine changed the memory limit to %d without WithProcessMemoryLimit", got)
	}
	eng.Close()
	eng, err = engine.Open(engine.WithConf("spark.gluten.local.memory", "3g"), engine.WithProcessMemoryLimit())
	if err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		t.Errorf("memory limit %d, want %d", got, int64(3<<30))
	}
	eng.Close()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("memory limit %d after Close, want %d restored", got, before)
	}
}
