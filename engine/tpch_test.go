package engine_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/benchmarks/edgedata/slt"
	"github.com/gluten-go/gluten-go/benchmarks/tpch"
)

var tpchSF = flag.Float64("tpch.sf", 0.1, "scale factor of TestTPCH: 0.1 (with go test ./...) or 1 (.ci/run runs it once)")

// tpchData is the TPC-H dataset of TestTPCH, generated once.
var tpchData struct {
	once   sync.Once
	dir    string
	tables map[string]string
	err    error
}

func tpchTables(t *testing.T, sf float64) map[string]string {
	t.Helper()
	tpchData.once.Do(func() {
		dir, err := os.MkdirTemp("", "gluten-go-tpch-")
		if err != nil {
			tpchData.err = err
			return
		}
		tpchData.dir = dir
		data := filepath.Join(dir, "tpch")
		if tpchData.err = tpch.Generate(context.Background(), tpch.Options{SF: sf, Dir: data}); tpchData.err != nil {
			return
		}
		tpchData.tables = map[string]string{}
		for _, name := range tpch.Tables {
			tpchData.tables[name] = filepath.Join(data, name)
		}
	})
	if tpchData.err != nil {
		t.Fatalf("generating TPC-H SF%g: %v", sf, tpchData.err)
	}
	return tpchData.tables
}

// TestTPCH runs the 22 TPC-H queries at SF0.1 (or -tpch.sf=1) against
// DuckDB's answers (engine/testdata/tpch/sf*/tpch.slt), with adaptive
// execution on and off and with 1, 7 and 200 shuffle partitions; at SF0.1
// also with the joins, the exchange or everything running as rows.
func TestTPCH(t *testing.T) {
	defer goleak.VerifyNone(t)
	sf := *tpchSF
	dir := filepath.Join("testdata", "tpch", "sf"+strconv.FormatFloat(sf, 'f', -1, 64))
	recs, err := slt.ParseFile(filepath.Join(dir, "tpch.slt"))
	if err != nil {
		t.Fatalf("%v (answers exist for SF0.1 and SF1)", err)
	}
	if len(recs) != 22 {
		t.Fatalf("%d records, want the 22 queries", len(recs))
	}
	tables := tpchTables(t, sf)
	partitions := []string{"1", "7", "200"}
	adaptive := []string{"true", "false"}
	if raceEnabled {
		partitions, adaptive = []string{"7"}, []string{"true"}
	}
	// The joins and the exchange as rows, and everything as rows, give
	// the same answers (7 partitions, adaptive execution on).
	rowConfs := []struct{ name, key, value string }{
		{"shuffledhashjoin_off", "spark.gluten.sql.columnar.shuffledhashjoin", "false"},
		{"broadcastjoin_off", "spark.gluten.sql.columnar.broadcastJoin", "false"},
		{"exchange_off", "spark.gluten.sql.columnar.exchange", "false"},
		{"gluten_disabled", "spark.gluten.enabled", "false"},
	}
	if raceEnabled || sf > 0.1 {
		rowConfs = nil
	}
	for _, rc := range rowConfs {
		conf := map[string]string{"spark.sql.shuffle.partitions": "7", rc.key: rc.value}
		t.Run(rc.name, func(t *testing.T) {
			for i := range recs {
				rec := &recs[i]
				t.Run(rec.Label, func(t *testing.T) { runRecord(t, rec, tables, conf) })
			}
		})
	}
	for _, aqe := range adaptive {
		for _, n := range partitions {
			conf := map[string]string{"spark.sql.adaptive.enabled": aqe, "spark.sql.shuffle.partitions": n}
			t.Run(fmt.Sprintf("adaptive=%s/partitions=%s", aqe, n), func(t *testing.T) {
				for i := range recs {
					rec := &recs[i]
					t.Run(rec.Label, func(t *testing.T) { runRecord(t, rec, tables, conf) })
				}
			})
		}
	}
}
