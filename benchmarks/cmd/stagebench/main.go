// Command stagebench demonstrates stage-level resource profiles and
// dynamic off-heap sizing on TPC-H data, measuring each run in a process of
// its own (wall time, peak RSS):
//
//	go run ./benchmarks/cmd/stagebench [--sf 1] [--dir DIR]
//
// First TPC-H Q9 and Q18 (the queries with the largest peak RSS) under
// spark.gluten.local.memory=4g and under capacities of 512 and 256 MB (at
// SF1; two executors, each of a quarter of it as heap and a quarter as
// off-heap), where they may have to spill,
// with the process's peak RSS against the capacity (the child sets the
// Go runtime's memory limit from it, as the CLI does). Then, under one
// fixed local capacity (spark.gluten.local.cores=2,
// spark.gluten.local.memory=4g), it runs
//
//   - fallback_heavy: a row-only UDAF (a 64-byte histogram per group) over
//     every order, with Gluten disabled so that its stage runs wholly as
//     rows; the executor heap is too small for its buffers, which cannot
//     spill;
//   - heavy_shuffle: a stage reading a shuffle of 1000 map tasks x 1000
//     partitions, whose map statuses do not fit the executor heap;
//
// each with the auto-adjust rule off (they fail with the out-of-memory
// error) and on (they finish); and
//
//   - alternating: a query whose stages alternate off-heap-heavy work (a
//     columnar hash aggregate over every order) and heap-heavy work (the
//     row-only UDAF), with a static split (heap and off-heap pools of
//     equal size) against dynamic off-heap sizing (one quota of the same
//     total).
//
// The dataset is generated once into the cache directory
// ($GLUTEN_GO_CACHE or the user's cache directory, gluten-go/tpch-sf<N>),
// as the other benchmarks do.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gluten-go/gluten-go/benchmarks/tpch"
	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/engine"
)

// scenario is one query under one configuration.
type scenario struct {
	name, variant string
	sql           string
	conf          map[string]string
}

// result is what a child process reports.
type result struct {
	OK      bool    `json:"ok"`
	Err     string  `json:"err,omitempty"`
	Seconds float64 `json:"seconds"`
	Rows    string  `json:"rows"`
	Spilled int64   `json:"spilled"`
	Profile string  `json:"profiles"`
}

func main() {
	sf := flag.Float64("sf", 1, "TPC-H scale factor")
	dir := flag.String("dir", "", "dataset directory (default: the cache directory)")
	child := flag.String("child", "", "internal: run one scenario (name/variant) and print its result")
	flag.Parse()
	d := datasetDir(*dir, *sf)
	if *child != "" {
		if err := runChild(d, *sf, *child); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(d, *sf); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// mib scales a budget given for SF1 to sf, in MiB (at least 1).
func mib(sf float64, atSF1 float64) string {
	return strconv.Itoa(max(1, int(atSF1*sf+0.5))) + "m"
}

// scenarios returns the runs, in order.
func scenarios(sf float64) []scenario {
	capacity := map[string]string{
		"spark.gluten.local.cores":                        "2",
		"spark.gluten.local.memory":                       "4g",
		"spark.dynamicAllocation.schedulerBacklogTimeout": "10ms",
	}
	with := func(extra ...map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range capacity {
			m[k] = v
		}
		for _, e := range extra {
			for k, v := range e {
				m[k] = v
			}
		}
		return m
	}
	rule := map[string]string{"spark.gluten.auto.adjustStageResource.enabled": "true"}
	// 1.5M orders x 64 bytes of UDAF buffer (about 100 bytes a group with
	// the hash table) at SF1, in two tasks: a 96 MB executor (a 58 MB heap
	// pool) cannot hold a task's half; twice that can.
	udaf := "SELECT count(*), sum(h) FROM (SELECT l_orderkey, hist(l_linenumber) AS h FROM lineitem GROUP BY l_orderkey) t"
	fallback := map[string]string{
		"spark.gluten.enabled":         "false",
		"spark.executor.memory":        mib(sf, 96),
		"spark.sql.shuffle.partitions": "2",
	}
	shuffle := "SELECT count(*), sum(c) FROM (SELECT k, count(*) AS c FROM (SELECT o_orderkey % 997 AS k FROM orders GROUP BY o_orderkey) a GROUP BY k) b"
	heavy := map[string]string{
		"spark.executor.memory":                                               "1m",
		"spark.sql.shuffle.partitions":                                        "1000",
		"spark.sql.adaptive.coalescePartitions.enabled":                       "false",
		"spark.gluten.auto.adjustStageResources.shuffle.complexity.threshold": "1000000",
	}
	// Stage 2: a columnar final aggregate over every order (off-heap);
	// stage 3: the UDAF over every order again (heap). The static split
	// gives each pool 96 MB x 0.6; dynamic sizing one quota of 192 MB x 0.6
	// that either side may use.
	alternating := "SELECT count(*), sum(h) FROM (SELECT k, hist(c) AS h FROM (SELECT l_orderkey AS k, CAST(count(*) AS INT) AS c FROM lineitem GROUP BY l_orderkey) a GROUP BY k) b"
	static := map[string]string{
		"spark.executor.memory":        mib(sf, 96),
		"spark.memory.offHeap.size":    mib(sf, 96),
		"spark.sql.shuffle.partitions": "2",
	}
	dynamic := map[string]string{
		"spark.executor.memory":                                      mib(sf, 192),
		"spark.memory.offHeap.enabled":                               "false",
		"spark.gluten.memory.dynamic.offHeap.sizing.enabled":         "true",
		"spark.gluten.memory.dynamic.offHeap.sizing.memory.fraction": "0.6",
		"spark.sql.shuffle.partitions":                               "2",
	}
	// The budget against the process: the two heaviest TPC-H queries
	// under a small capacity (two executors of 128 MB heap + 128 MB
	// off-heap), where they must spill, and under the 4 GB one.
	q9, _ := tpch.Query(9)
	q18, _ := tpch.Query(18)
	small := func(capacity float64) map[string]string {
		return map[string]string{
			"spark.gluten.local.memory": mib(sf, capacity),
			"spark.executor.memory":     mib(sf, capacity/4),
			"spark.memory.offHeap.size": mib(sf, capacity/4),
		}
	}
	return []scenario{
		{"capacity Q9", "4g", q9, with()},
		{"capacity Q9", mib(sf, 512), q9, with(small(512))},
		{"capacity Q9", mib(sf, 256), q9, with(small(256))},
		{"capacity Q18", "4g", q18, with()},
		{"capacity Q18", mib(sf, 512), q18, with(small(512))},
		{"capacity Q18", mib(sf, 256), q18, with(small(256))},
		{"fallback_heavy", "rule off", udaf, with(fallback)},
		{"fallback_heavy", "rule on", udaf, with(fallback, rule)},
		{"heavy_shuffle", "rule off", shuffle, with(heavy)},
		{"heavy_shuffle", "rule on", shuffle, with(heavy, rule)},
		{"alternating", "static split", alternating, with(static)},
		{"alternating", "dynamic sizing", alternating, with(dynamic)},
	}
}

func run(dir string, sf float64) error {
	if err := tpch.Ensure(context.Background(), dir, sf, os.Stderr); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("Stage resources, TPC-H SF%g, capacity 2 cores / 4 GiB; one process per run.\n\n", sf)
	fmt.Println("| scenario | variant | key settings | outcome | s | peak RSS MiB | spilled MiB | profiles used |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, s := range scenarios(sf) {
		cmd := exec.Command(self, "-sf", strconv.FormatFloat(sf, 'f', -1, 64), "-dir", dir, "-child", s.name+"/"+s.variant)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s/%s: %w", s.name, s.variant, err)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			return fmt.Errorf("%s/%s: %w (%q)", s.name, s.variant, err, out)
		}
		rss := 0.0
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = float64(ru.Maxrss) / 1024 // KiB on Linux
		}
		outcome := "ok: " + r.Rows
		if !r.OK {
			outcome = "failed: " + shorten(r.Err)
		}
		if strings.HasPrefix(s.name, "capacity") {
			outcome += fmt.Sprintf(" (peak RSS / capacity %.2f)", rss*(1<<20)/float64(capacityBytes(s.conf)))
		}
		fmt.Printf("| %s | %s | %s | %s | %.2f | %.0f | %.1f | %s |\n", s.name, s.variant, settings(s.conf), outcome, r.Seconds, rss, float64(r.Spilled)/(1<<20), r.Profile)
	}
	return nil
}

// capacityBytes returns spark.gluten.local.memory of a scenario ("4g",
// "512m") in bytes.
func capacityBytes(conf map[string]string) int64 {
	v := strings.ToLower(conf["spark.gluten.local.memory"])
	unit := int64(1)
	switch {
	case strings.HasSuffix(v, "g"):
		unit, v = 1<<30, strings.TrimSuffix(v, "g")
	case strings.HasSuffix(v, "m"):
		unit, v = 1<<20, strings.TrimSuffix(v, "m")
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return max(1, n*unit)
}

// settings lists the memory keys of a configuration, shortened.
func settings(conf map[string]string) string {
	var parts []string
	for _, k := range []string{"spark.gluten.local.memory", "spark.executor.memory", "spark.memory.offHeap.size", "spark.gluten.memory.dynamic.offHeap.sizing.enabled", "spark.sql.shuffle.partitions", "spark.gluten.enabled"} {
		if v, ok := conf[k]; ok {
			parts = append(parts, strings.TrimPrefix(strings.TrimPrefix(k, "spark."), "gluten.")+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// shorten keeps an error's "out of memory: ..." part, cut to a line.
func shorten(msg string) string {
	if i := strings.Index(msg, "out of memory:"); i >= 0 {
		msg = msg[i:]
	}
	if j := strings.Index(msg, "; largest"); j >= 0 {
		msg = msg[:j]
	}
	return strings.ReplaceAll(msg, "|", "/")
}

// histUDAF is the row-only aggregate of the scenarios: an 8-bucket
// histogram (64 bytes) per group, returning the count.
func histUDAF() (*rowagg.UDAF, error) {
	return rowagg.NewUDAF("hist",
		func() [8]int64 { return [8]int64{} },
		func(h [8]int64, v int32) [8]int64 { h[v&7]++; return h },
		func(h [8]int64) int64 {
			var n int64
			for _, c := range h {
				n += c
			}
			return n
		})
}

func runChild(dir string, sf float64, which string) error {
	var sc *scenario
	for _, s := range scenarios(sf) {
		if s.name+"/"+s.variant == which {
			sc = &s
			break
		}
	}
	if sc == nil {
		return fmt.Errorf("unknown scenario %q", which)
	}
	eng, err := engine.Open(engine.WithConfig(sc.conf), engine.WithProcessMemoryLimit())
	if err != nil {
		return err
	}
	defer eng.Close()
	u, err := histUDAF()
	if err != nil {
		return err
	}
	if err := eng.RegisterUDAF(u); err != nil {
		return err
	}
	for _, t := range tpch.Tables {
		if err := eng.RegisterParquet(t, filepath.Join(dir, t)); err != nil {
			return err
		}
	}
	start := time.Now()
	a, err := eng.Analyze(context.Background(), sc.sql)
	r := result{Seconds: time.Since(start).Seconds()}
	if err != nil {
		r.Err = err.Error()
	} else {
		r.OK = true
		rows, qerr := firstRow(eng, sc.sql)
		if qerr != nil {
			return qerr
		}
		r.Rows = rows
		for _, v := range a.SpilledBytes {
			r.Spilled += v
		}
		seen := map[int]bool{}
		var ids []string
		for _, st := range a.Stages {
			if !seen[st.ProfileID] {
				seen[st.ProfileID] = true
				ids = append(ids, strconv.Itoa(st.ProfileID))
			}
		}
		r.Profile = strings.Join(ids, ", ")
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// firstRow runs sql again and renders its first row (the scenarios return
// one), to show the answer.
func firstRow(eng *engine.Engine, sql string) (string, error) {
	rdr, err := eng.Query(context.Background(), sql)
	if err != nil {
		return "", err
	}
	defer rdr.Release()
	var cells []string
	for rdr.Next() {
		b := rdr.RecordBatch()
		if b.NumRows() == 0 || cells != nil {
			continue
		}
		for _, c := range b.Columns() {
			cells = append(cells, c.ValueStr(0))
		}
	}
	if err := rdr.Err(); err != nil {
		return "", err
	}
	return strings.Join(cells, ", "), nil
}

// datasetDir returns where the dataset of scale factor sf lives: dir when
// set, else tpch.CacheDir.
func datasetDir(dir string, sf float64) string {
	if dir != "" {
		return dir
	}
	return tpch.CacheDir(sf)
}
