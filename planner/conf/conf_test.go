package conf

import (
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c := Default()
	if !c.Bool(GlutenEnabled) || c.Int(ShufflePartitions) != 200 || c.Size(AdvisoryPartitionSize) != 64<<20 {
		t.Fatalf("defaults: enabled=%v partitions=%d advisory=%d", c.Bool(GlutenEnabled), c.Int(ShufflePartitions), c.Size(AdvisoryPartitionSize))
	}
	if c.Size(ExecutorMemory) != 1<<30 || c.Duration(DynExecutorIdleTimeout) != time.Minute {
		t.Fatalf("executor memory %d, idle timeout %s", c.Size(ExecutorMemory), c.Duration(DynExecutorIdleTimeout))
	}
	if c.Int(LocalCores) < 1 || c.Size(LocalMemory) <= 0 {
		t.Fatalf("machine defaults: cores %d memory %d", c.Int(LocalCores), c.Size(LocalMemory))
	}
	for _, k := range Keys() {
		if k.Doc == "" {
			t.Errorf("key %s has no documentation", k.Name)
		}
		if err := validate(k, k.DefaultValue()); err != nil {
			t.Errorf("key %s: default %q is invalid: %v", k.Name, k.DefaultValue(), err)
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		settings map[string]string
		wantErr  string
	}{
		{map[string]string{"spark.sql.shuffle.partitions": "7"}, ""},
		{map[string]string{"SPARK.SQL.SHUFFLE.PARTITIONS": "7"}, ""},
		{map[string]string{"spark.sql.shuffle.partitions": "seven"}, `invalid value "seven" for spark.sql.shuffle.partitions: not an integer`},
		{map[string]string{"spark.sql.shuffle.partitions": "0"}, "must be positive"},
		{map[string]string{"spark.sql.shufle.partitions": "7"}, `unknown configuration key "spark.sql.shufle.partitions" (did you mean "spark.sql.shuffle.partitions"?)`},
		{map[string]string{"spark.gluten.nonsense": "1"}, `unknown configuration key "spark.gluten.nonsense"`},
		{map[string]string{"spark.executor.instances": "4"}, ""}, // other spark.* keys are ignored
		{map[string]string{"spark.executor.memory": "2g"}, ""},
		{map[string]string{"spark.executor.memory": "2x"}, `unknown size unit "x"`},
		{map[string]string{"spark.gluten.enabled": "yes"}, "not a boolean"},
		{map[string]string{"spark.memory.fraction": "1.5"}, "must be between 0 and 1"},
		{map[string]string{"spark.gluten.sql.columnar.shuffle.codec": "gzip"}, "must be one of none, lz4, s2, zstd"},
		{map[string]string{"spark.gluten.sql.columnar.wholeStage.fallback.threshold": "-2"}, "must be -1 (off)"},
		{map[string]string{"spark.dynamicAllocation.executorIdleTimeout": "2min"}, ""},
	}
	for _, tc := range tests {
		_, err := New(tc.settings)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%v: unexpected error %v", tc.settings, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%v: error %v, want one containing %q", tc.settings, err, tc.wantErr)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		unit int64
		want int64
	}{
		{"512m", 1, 512 << 20}, {"2g", 1, 2 << 30}, {"64MB", 1, 64 << 20}, {"1024", 1, 1024},
		{"1024", 1 << 20, 1 << 30}, {"10b", 1 << 20, 10}, {"1.5k", 1, 1536}, {"-1", 1, -1},
	}
	for _, tc := range tests {
		got, err := ParseSize(tc.in, tc.unit)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q, %d) = %d, %v; want %d", tc.in, tc.unit, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "m", "12q", "-5"} {
		if _, err := ParseSize(bad, 1); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestWith(t *testing.T) {
	c, err := New(map[string]string{ShufflePartitions: "3"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.With(ColumnarFilter, "false")
	if err != nil {
		t.Fatal(err)
	}
	if d.Bool(ColumnarFilter) || !c.Bool(ColumnarFilter) || d.Int(ShufflePartitions) != 3 {
		t.Fatal("With must copy and not change the original")
	}
	if !d.IsSet(ColumnarFilter) || c.IsSet(ColumnarFilter) {
		t.Fatal("IsSet")
	}
}
