package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/benchmarks/edgedata/slt"
	"github.com/gluten-go/gluten-go/engine"
)

// spillConf is a memory budget too small for the TPC-H SF0.1 queries'
// hash aggregates, sorts and joins (about 5 MB per task and pool), with
// two shuffle partitions so that each task has much to hold, and broadcast
// joins off so that the joins build hash tables per partition.
func spillConf(dir string) map[string]string {
	return map[string]string{
		"spark.local.dir":                      dir,
		"spark.memory.offHeap.size":            "8m",
		"spark.executor.memory":                "8m",
		"spark.sql.shuffle.partitions":         "2",
		"spark.sql.autoBroadcastJoinThreshold": "-1",
		"spark.sql.adaptive.enabled":           "false",
	}
}

// assertEmptyDir fails unless dir exists and holds nothing: every query's
// temporary directory (shuffle and spill files) must be gone.
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left behind in spark.local.dir: %s", filepath.Join(dir, e.Name()))
	}
}

// TestSpillTPCH runs TPC-H queries whose hash aggregates and joins do not
// fit their memory budget: they must spill (the operators' spill metrics
// say so), give DuckDB's answers, and leave no file behind.
func TestSpillTPCH(t *testing.T) {
	defer goleak.VerifyNone(t)
	if *tpchSF != 0.1 {
		t.Skip("the budget is sized for SF0.1")
	}
	recs, err := slt.ParseFile(filepath.Join("testdata", "tpch", "sf0.1", "tpch.slt"))
	if err != nil {
		t.Fatal(err)
	}
	tables := tpchTables(t, 0.1)
	// Which operators each query must have spilled from, columnar and
	// (Gluten disabled) as rows, whose state is charged to the heap pool.
	cases := []struct {
		label string
		rows  bool
		ops   []string
	}{
		{"q18", false, []string{"HashAggregateTransformer", "ShuffledHashJoinExecTransformer"}},
		{"q13", false, []string{"ShuffledHashJoinExecTransformer"}},
		{"q9", false, []string{"ShuffledHashJoinExecTransformer", "Exchange"}},
		{"q21", false, []string{"ShuffledHashJoinExecTransformer"}},
		{"q18", true, []string{"HashAggregate", "ShuffledHashJoin"}},
		{"q9", true, []string{"ShuffledHashJoin"}},
	}
	for _, c := range cases {
		i := slices.IndexFunc(recs, func(r slt.Record) bool { return r.Label == c.label })
		if i < 0 {
			t.Fatalf("no record %s", c.label)
		}
		rec, ops := &recs[i], c.ops
		name := c.label
		if c.rows {
			name += "_rows"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			conf := spillConf(dir)
			if c.rows {
				conf["spark.gluten.enabled"] = "false"
			}
			runRecord(t, rec, tables, conf)
			assertEmptyDir(t, dir)

			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			eng := openEngine(t, mem, tables, conf)
			defer eng.Close()
			a, err := eng.Analyze(context.Background(), rec.SQL)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range ops {
				if a.SpilledBytes[op] <= 0 {
					t.Errorf("%s did not spill (spilled: %v)", op, a.SpilledBytes)
				}
			}
			t.Logf("spilled: %v", a.SpilledBytes)
			assertEmptyDir(t, dir)
		})
	}
}

// TestSpillSort sorts all of lineitem at SF0.1 (600,000 rows) with a
// budget that holds a fraction of it: the external merge sort spills, and
// the result equals the unbounded sort's, in order.
func TestSpillSort(t *testing.T) {
	defer goleak.VerifyNone(t)
	if *tpchSF != 0.1 {
		t.Skip("the budget is sized for SF0.1")
	}
	tables := tpchTables(t, 0.1)
	const sql = "SELECT l_extendedprice, l_orderkey, l_linenumber, l_shipmode FROM lineitem ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber"
	run := func(conf map[string]string) ([]string, *engine.Analysis) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		eng := openEngine(t, mem, tables, conf)
		defer eng.Close()
		rows, _, err := runQuery(context.Background(), eng, sql)
		if err != nil {
			t.Fatal(err)
		}
		a, err := eng.Analyze(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		return rows, a
	}
	dir := t.TempDir()
	conf := spillConf(dir)
	// The merge's whole working set (a batch or two per run, the readers'
	// buffers, output batches on their way to the caller) is charged
	// exactly; 8m leaves it no room. 16m (a 9.6 MB pool) still holds only
	// a fraction of the 600,000 rows.
	conf["spark.memory.offHeap.size"] = "16m"
	got, a := run(conf)
	assertEmptyDir(t, dir)
	if a.SpilledBytes["SortExecTransformer"] <= 0 {
		t.Errorf("the sort did not spill (spilled: %v)", a.SpilledBytes)
	}
	ref, _ := run(map[string]string{"spark.sql.shuffle.partitions": "2"})
	if len(got) != len(ref) || len(got) == 0 {
		t.Fatalf("%d rows, the unbounded sort gave %d", len(got), len(ref))
	}
	if !slices.Equal(got, ref) {
		for i := range got {
			if got[i] != ref[i] {
				t.Fatalf("row %d: %q, the unbounded sort gave %q", i, got[i], ref[i])
			}
		}
	}
}

// TestSpillCleanupOnFailure checks that the query's temporary directory
// goes away when a query fails (out of memory: a budget too small even to
// spill) and when it is cancelled mid-run, and that nothing leaks.
func TestSpillCleanupOnFailure(t *testing.T) {
	defer goleak.VerifyNone(t)
	if *tpchSF != 0.1 {
		t.Skip("the budget is sized for SF0.1")
	}
	tables := tpchTables(t, 0.1)
	const sql = "SELECT l_orderkey, sum(l_quantity) s, count(*) c FROM lineitem GROUP BY l_orderkey ORDER BY s DESC, l_orderkey LIMIT 3"

	t.Run("out_of_memory", func(t *testing.T) {
		dir := t.TempDir()
		conf := spillConf(dir)
		conf["spark.memory.offHeap.size"] = "1m"
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		eng := openEngine(t, mem, tables, conf)
		defer eng.Close()
		_, _, err := runQuery(context.Background(), eng, sql)
		if err == nil || !strings.Contains(err.Error(), "out of memory:") {
			t.Fatalf("error %v; want an out-of-memory error", err)
		}
		assertEmptyDir(t, dir)
	})

	t.Run("cancelled", func(t *testing.T) {
		dir := t.TempDir()
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		eng := openEngine(t, mem, tables, spillConf(dir))
		defer eng.Close()
		// Cancel once the query's temporary directory holds files, so
		// that the cancellation lands while shuffle or spill files exist.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		seen := make(chan struct{})
		go func() {
			defer close(seen)
			for ctx.Err() == nil {
				if hasFiles(dir) {
					cancel()
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		_, _, err := runQuery(ctx, eng, sql)
		cancel() // the watcher stops even if no file was ever seen
		<-seen
		if err == nil {
			t.Skip("the query finished before any file was seen; nothing to cancel")
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v; want context.Canceled", err)
		}
		assertEmptyDir(t, dir)
	})
}

// hasFiles reports whether a regular file exists anywhere under dir.
func hasFiles(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
