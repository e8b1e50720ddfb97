package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/rowagg"
	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/operators"
	"github.com/gluten-go/gluten-go/planner/conf"
	"github.com/gluten-go/gluten-go/planner/logical"
	"github.com/gluten-go/gluten-go/planner/physical"
	"github.com/gluten-go/gluten-go/resource"
)

// testCatalog holds one empty table t(k BIGINT, s STRING) and functions.
type testCatalog struct {
	t     *logical.Table
	udfs  map[string]*rowexpr.UDF
	udafs map[string]*rowagg.UDAF
}

func (c *testCatalog) Table(name string) (*logical.Table, bool) {
	return c.t, strings.EqualFold(name, "t")
}
func (c *testCatalog) TableNames() []string { return []string{"t"} }
func (c *testCatalog) UDF(name string) (*rowexpr.UDF, bool) {
	u, ok := c.udfs[strings.ToLower(name)]
	return u, ok
}
func (c *testCatalog) UDAF(name string) (*rowagg.UDAF, bool) {
	u, ok := c.udafs[strings.ToLower(name)]
	return u, ok
}

func newTestCatalog(t *testing.T) *testCatalog {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	src, err := operators.NewMemSource(schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &testCatalog{t: &logical.Table{Name: "t", Source: src}, udfs: map[string]*rowexpr.UDF{}, udafs: map[string]*rowagg.UDAF{}}
	for _, name := range []string{"f", "g", "h"} {
		u, err := rowexpr.NewUDF1(name, func(s string) string { return s })
		if err != nil {
			t.Fatal(err)
		}
		c.udfs[name] = u
	}
	agg, err := rowagg.NewUDAF("agg", func() int64 { return 0 }, func(n int64, s string) int64 { return n + 1 }, func(n int64) int64 { return n })
	if err != nil {
		t.Fatal(err)
	}
	c.udafs["agg"] = agg
	return c
}

// TestFunctionProfilesPerStage: the physical plan records which operators
// call which functions, and each stage carries the profiles of the
// functions its own operators call: one, none, equivalent ones, or
// different ones (merged, or a conflict naming both).
func TestFunctionProfilesPerStage(t *testing.T) {
	cat := newTestCatalog(t)
	mgr, err := resource.NewProfileManager(resource.DefaultProfileConfig{ExecutorMemory: 1 << 30, OffHeapEnabled: true, OffHeapSize: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	build := func(b *resource.ProfileBuilder) *resource.Profile {
		p, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		p, err = resource.Complete(p, mgr.Default())
		if err != nil {
			t.Fatal(err)
		}
		return mgr.Add(p)
	}
	pf := build(resource.NewProfileBuilder().Memory(2048))
	pg := build(resource.NewProfileBuilder().Cores(4).Memory(1024))
	ph := build(resource.NewProfileBuilder().Memory(2048)) // f's, again
	if ph != pf {
		t.Fatalf("equivalent profiles registered twice: %v, %v", pf, ph)
	}
	of := map[string]*resource.Profile{"f": pf, "g": pg, "h": ph, "agg": pg}

	cases := []struct {
		name, sql string
		merge     bool
		// want is, per stage in SplitStages order, the heap MiB and cores
		// of its profile (0: none); err a text of the expected error.
		want [][2]int64
		err  string
	}{
		{name: "udf in the map stage", sql: "SELECT k, count(*) FROM (SELECT k, f(s) AS x FROM t WHERE f(s) <> '') q GROUP BY k",
			want: [][2]int64{{2048, 1}, {0, 0}}},
		{name: "udaf after the exchange", sql: "SELECT k, agg(s) FROM t GROUP BY k",
			want: [][2]int64{{0, 0}, {1024, 4}}},
		{name: "equivalent profiles", sql: "SELECT f(s), h(s) FROM t",
			want: [][2]int64{{2048, 1}}},
		{name: "conflict", sql: "SELECT f(s), g(s) FROM t",
			err: "one stage calls UDF f with resource profile 1 and UDF g with resource profile 2: multiple resource profiles"},
		// The UDAF's argument is computed before the exchange.
		{name: "udf under a udaf", sql: "SELECT k, agg(f(s)) FROM t GROUP BY k",
			want: [][2]int64{{2048, 1}, {1024, 4}}},
		{name: "udf over a udaf, merged", sql: "SELECT k, f(CAST(agg(s) AS STRING)) FROM t GROUP BY k",
			want: [][2]int64{{0, 0}, {2048, 4}}, merge: true},
		{name: "udf over a udaf, conflict", sql: "SELECT k, f(CAST(agg(s) AS STRING)) FROM t GROUP BY k",
			err: "one stage calls UDF f with resource profile 1 and UDAF agg with resource profile 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			settings := map[string]string{"spark.sql.shuffle.partitions": "2"}
			if c.merge {
				settings[conf.ProfileMergeConflicts] = "true"
			}
			cfg, err := conf.New(settings)
			if err != nil {
				t.Fatal(err)
			}
			pl, err := Plan(context.Background(), c.sql, cat, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer operators.ReleasePlan(pl.Physical)
			if len(pl.Fallback.Functions) == 0 {
				t.Fatalf("no operator calls a function:\n%s", operators.Explain(pl.Physical))
			}
			fp := NewFunctionProfiles(cfg, mgr, func(f physical.Function) *resource.Profile { return of[f.Name()] }, nil)
			stages := operators.SplitStages(pl.Physical)
			var got [][2]int64
			for _, st := range stages {
				p, err := fp.StageProfile(st, pl.Fallback)
				if err != nil {
					var ce *resource.ProfileConflictError
					if c.err == "" || !strings.Contains(err.Error(), c.err) || !errors.As(err, &ce) {
						t.Fatalf("stage %d: %v; want %q", st.ID, err, c.err)
					}
					return
				}
				if p == nil {
					got = append(got, [2]int64{})
				} else {
					got = append(got, [2]int64{p.HeapBytes() >> 20, int64(p.Cores())})
				}
			}
			if c.err != "" {
				t.Fatalf("no error; want %q", c.err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("profiles %v, want %v\n%s", got, c.want, operators.Explain(pl.Physical))
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("profiles %v, want %v\n%s", got, c.want, operators.Explain(pl.Physical))
				}
			}
		})
	}
}
