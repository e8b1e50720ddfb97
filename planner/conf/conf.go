// Package conf holds gluten-go's configuration: the keys users know from
// Spark and Gluten, their defaults, their parsing, and their validation.
//
// A Config is immutable once built. Keys under spark.gluten. and spark.sql.
// that gluten-go does not know are rejected with an error naming the key;
// other spark.* keys that gluten-go does not use are accepted and ignored, as
// a Spark user's configuration carries many of them.
package conf

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a configuration value.
type Kind int

// The kinds of configuration values.
const (
	KindBool Kind = iota
	KindInt
	KindFloat
	KindSize     // bytes; accepts Spark's forms: 512m, 2g, 64MB, 1024
	KindDuration // accepts Spark's forms: 60s, 1s, 500ms, 2min, 1h; a bare number is seconds
	KindString
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindBool:
		return "boolean"
	case KindInt:
		return "integer"
	case KindFloat:
		return "number"
	case KindSize:
		return "size"
	case KindDuration:
		return "duration"
	}
	return "string"
}

// Key describes one configuration key.
type Key struct {
	Name    string
	Kind    Kind
	Default string // the default as text; "" with DefaultFunc set means computed
	Doc     string
	// DefaultFunc computes a machine-dependent default; nil for a fixed one.
	DefaultFunc func() string
	// Check validates a parsed value beyond its kind; nil accepts any.
	Check func(v string) error
	// SizeUnit is the unit a bare number of a KindSize key is in: 1 for
	// bytes, 1<<20 for MiB (spark.executor.memory is in MiB when bare).
	SizeUnit int64
}

// DefaultValue returns the default as text.
func (k Key) DefaultValue() string {
	if k.DefaultFunc != nil {
		return k.DefaultFunc()
	}
	return k.Default
}

// Names of the configuration keys gluten-go reads.
const (
	GlutenEnabled               = "spark.gluten.enabled"
	ColumnarFilter              = "spark.gluten.sql.columnar.filter"
	ColumnarProject             = "spark.gluten.sql.columnar.project"
	ColumnarHashAgg             = "spark.gluten.sql.columnar.hashagg"
	ColumnarSort                = "spark.gluten.sql.columnar.sort"
	ColumnarLimit               = "spark.gluten.sql.columnar.limit"
	ColumnarUnion               = "spark.gluten.sql.columnar.union"
	ColumnarShuffledHashJoin    = "spark.gluten.sql.columnar.shuffledhashjoin"
	ColumnarBroadcastJoin       = "spark.gluten.sql.columnar.broadcastJoin"
	ColumnarExchange            = "spark.gluten.sql.columnar.exchange"
	ColumnarFileScan            = "spark.gluten.sql.columnar.filescan"
	ColumnarTakeOrdered         = "spark.gluten.sql.columnar.takeOrderedAndProject"
	WholeStageFallbackThreshold = "spark.gluten.sql.columnar.wholeStage.fallback.threshold"
	QueryFallbackThreshold      = "spark.gluten.sql.columnar.query.fallback.threshold"
	FallbackPreferColumnar      = "spark.gluten.sql.columnar.fallback.preferColumnar"
	ShuffleCodec                = "spark.gluten.sql.columnar.shuffle.codec"
	MaxBatchSize                = "spark.gluten.sql.columnar.maxBatchSize"
	TestingInjectRowFunction    = "spark.gluten.sql.columnar.testing.injectRowFunction"

	AdaptiveEnabled            = "spark.sql.adaptive.enabled"
	CoalescePartitionsEnabled  = "spark.sql.adaptive.coalescePartitions.enabled"
	AdvisoryPartitionSize      = "spark.sql.adaptive.advisoryPartitionSizeInBytes"
	CoalesceParallelismFirst   = "spark.sql.adaptive.coalescePartitions.parallelismFirst"
	CoalesceMinPartitionSize   = "spark.sql.adaptive.coalescePartitions.minPartitionSize"
	AutoBroadcastJoinThreshold = "spark.sql.autoBroadcastJoinThreshold"
	ShufflePartitions          = "spark.sql.shuffle.partitions"
	FilesMaxPartitionBytes     = "spark.sql.files.maxPartitionBytes"
	FilesOpenCostInBytes       = "spark.sql.files.openCostInBytes"
	ParquetFilterPushdown      = "spark.sql.parquet.filterPushdown"
	CaseSensitive              = "spark.sql.caseSensitive"
	GroupByOrdinal             = "spark.sql.groupByOrdinal"
	OrderByOrdinal             = "spark.sql.orderByOrdinal"
	GroupByAliases             = "spark.sql.groupByAliases"

	MinPartitionsToHighlyCompress = "spark.shuffle.minNumPartitionsToHighlyCompress"
	DefaultParallelism            = "spark.default.parallelism"

	ExecutorCores          = "spark.executor.cores"
	TaskCPUs               = "spark.task.cpus"
	ExecutorMemory         = "spark.executor.memory"
	ExecutorMemoryOverhead = "spark.executor.memoryOverhead"
	OffHeapEnabled         = "spark.memory.offHeap.enabled"
	OffHeapSize            = "spark.memory.offHeap.size"
	MemoryFraction         = "spark.memory.fraction"
	StorageFraction        = "spark.memory.storageFraction"

	DynamicAllocationEnabled = "spark.dynamicAllocation.enabled"
	DynMinExecutors          = "spark.dynamicAllocation.minExecutors"
	DynMaxExecutors          = "spark.dynamicAllocation.maxExecutors"
	DynExecutorIdleTimeout   = "spark.dynamicAllocation.executorIdleTimeout"
	DynBacklogTimeout        = "spark.dynamicAllocation.schedulerBacklogTimeout"
	ProfileMergeConflicts    = "spark.scheduler.resource.profileMergeConflicts"

	LocalDir    = "spark.local.dir"
	LocalCores  = "spark.gluten.local.cores"
	LocalMemory = "spark.gluten.local.memory"

	AutoAdjustEnabled          = "spark.gluten.auto.adjustStageResource.enabled"
	AutoAdjustHeapRatio        = "spark.gluten.auto.adjustStageResources.heap.ratio"
	AutoAdjustOffHeapRatio     = "spark.gluten.auto.adjustStageResources.offheap.ratio"
	AutoAdjustFallenRatio      = "spark.gluten.auto.adjustStageResources.fallenNode.ratio.threshold"
	AutoAdjustShuffleThreshold = "spark.gluten.auto.adjustStageResources.shuffle.complexity.threshold"
	AutoAdjustRetryOnOOM       = "spark.gluten.auto.adjustStageResources.retryOnOOM"

	DynamicOffHeapSizing         = "spark.gluten.memory.dynamic.offHeap.sizing.enabled"
	DynamicOffHeapSizingFraction = "spark.gluten.memory.dynamic.offHeap.sizing.memory.fraction"
	ReservationBlockSize         = "spark.gluten.memory.reservationBlockSize"
)

func positive(v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return errors.New("must be positive")
	}
	return nil
}

func fraction(v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		return errors.New("must be between 0 and 1")
	}
	return nil
}

func thresholdCheck(v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < -1 {
		return errors.New("must be -1 (off) or a non-negative count")
	}
	return nil
}

func oneOf(options ...string) func(string) error {
	return func(v string) error {
		for _, o := range options {
			if strings.EqualFold(v, o) {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(options, ", "))
	}
}

// machineMemory is the default local capacity: three quarters of the
// machine's RAM as reported by the OS, or 4g when that cannot be read.
func machineMemory() string {
	if b := totalRAM(); b > 0 {
		return strconv.FormatInt(b/4*3/(1<<20), 10) + "m"
	}
	return "4g"
}

func columnarKey(name, op string) Key {
	return Key{Name: name, Kind: KindBool, Default: "true",
		Doc: "false: " + op + " falls back to the row operator"}
}

var registry = func() map[string]Key {
	keys := []Key{
		{Name: GlutenEnabled, Kind: KindBool, Default: "true", Doc: "false: run every operator as rows (the vanilla baseline)"},
		columnarKey(ColumnarFilter, "Filter"),
		columnarKey(ColumnarProject, "Project"),
		columnarKey(ColumnarHashAgg, "HashAggregate"),
		columnarKey(ColumnarSort, "Sort"),
		columnarKey(ColumnarLimit, "Limit"),
		columnarKey(ColumnarUnion, "Union"),
		columnarKey(ColumnarShuffledHashJoin, "ShuffledHashJoin"),
		columnarKey(ColumnarBroadcastJoin, "BroadcastHashJoin"),
		columnarKey(ColumnarExchange, "Exchange"),
		columnarKey(ColumnarFileScan, "FileScan"),
		columnarKey(ColumnarTakeOrdered, "TakeOrderedAndProject"),
		{Name: WholeStageFallbackThreshold, Kind: KindInt, Default: "-1", Check: thresholdCheck,
			Doc: "transitions in one stage at which the whole stage falls back to rows; -1 off"},
		{Name: QueryFallbackThreshold, Kind: KindInt, Default: "-1", Check: thresholdCheck,
			Doc: "transitions in the whole query at which the query falls back to rows (used when adaptive execution is off); -1 off"},
		{Name: FallbackPreferColumnar, Kind: KindBool, Default: "true",
			Doc: "keep the columnar plan when its transition cost is no worse than the row plan's"},
		{Name: ShuffleCodec, Kind: KindString, Default: "lz4", Check: oneOf("none", "lz4", "s2", "zstd"),
			Doc: "shuffle compression codec: none, lz4, s2 or zstd"},
		{Name: TestingInjectRowFunction, Kind: KindBool, Default: "false",
			Doc: "testing aid: put a projection calling a row-only function above every scan, so that every pipeline falls back to rows in its middle"},
		{Name: MaxBatchSize, Kind: KindInt, Default: "32768", Check: positive,
			Doc: "rows per columnar batch (Gluten's default, 4096, suits Velox; Go's per-batch costs favour larger batches)"},

		{Name: AdaptiveEnabled, Kind: KindBool, Default: "true", Doc: "stage-by-stage execution with re-planning"},
		{Name: CoalescePartitionsEnabled, Kind: KindBool, Default: "true", Doc: "coalesce small shuffle partitions"},
		{Name: AdvisoryPartitionSize, Kind: KindSize, Default: "64MB", SizeUnit: 1, Check: positive, Doc: "target partition size when coalescing"},
		{Name: CoalesceParallelismFirst, Kind: KindBool, Default: "true",
			Doc: "when coalescing, keep at least spark.default.parallelism partitions (down to the minimum partition size) rather than reaching the advisory size"},
		{Name: CoalesceMinPartitionSize, Kind: KindSize, Default: "1MB", SizeUnit: 1, Check: positive, Doc: "smallest partition size coalescing aims for"},
		{Name: AutoBroadcastJoinThreshold, Kind: KindSize, Default: "10MB", SizeUnit: 1, Doc: "broadcast a join side up to this size; -1 disables"},
		{Name: ShufflePartitions, Kind: KindInt, Default: "200", Check: positive, Doc: "initial shuffle partition count"},
		{Name: FilesMaxPartitionBytes, Kind: KindSize, Default: "128MB", SizeUnit: 1, Check: positive, Doc: "largest number of bytes of Parquet row groups packed into one scan partition"},
		{Name: FilesOpenCostInBytes, Kind: KindSize, Default: "4MB", SizeUnit: 1, Doc: "estimated cost of opening a file, in bytes, when packing scan partitions"},
		{Name: ParquetFilterPushdown, Kind: KindBool, Default: "true", Doc: "skip Parquet row groups whose statistics cannot match the query's filters"},
		{Name: CaseSensitive, Kind: KindBool, Default: "false", Doc: "whether identifiers are matched case-sensitively"},
		{Name: GroupByOrdinal, Kind: KindBool, Default: "true", Doc: "GROUP BY 1 refers to the first select item"},
		{Name: OrderByOrdinal, Kind: KindBool, Default: "true", Doc: "ORDER BY 1 refers to the first select item"},
		{Name: GroupByAliases, Kind: KindBool, Default: "true", Doc: "GROUP BY may name select-list aliases"},

		{Name: MinPartitionsToHighlyCompress, Kind: KindInt, Default: "2000", Check: positive, Doc: "above this many partitions, MapStatus uses the highly-compressed form"},
		{Name: DefaultParallelism, Kind: KindInt, DefaultFunc: func() string { return strconv.Itoa(runtime.GOMAXPROCS(0)) }, Check: positive,
			Doc: "parallelism used to size scan partitions; default: the number of CPUs Go may use"},

		{Name: ExecutorCores, Kind: KindInt, Default: "1", Check: positive, Doc: "default profile: cores per executor"},
		{Name: TaskCPUs, Kind: KindInt, Default: "1", Check: positive, Doc: "default profile: cpus per task"},
		{Name: ExecutorMemory, Kind: KindSize, Default: "1g", SizeUnit: 1 << 20, Check: positive, Doc: "default profile: heap per executor (a bare number is MiB, as in Spark)"},
		{Name: ExecutorMemoryOverhead, Kind: KindSize, Default: "0", SizeUnit: 1 << 20, Doc: "default profile: memory overhead per executor (a bare number is MiB)"},
		{Name: OffHeapEnabled, Kind: KindBool, Default: "true", Doc: "default profile: whether executors have an off-heap pool (Arrow buffers)"},
		{Name: OffHeapSize, Kind: KindSize, Default: "1g", SizeUnit: 1, Doc: "default profile: off-heap per executor"},
		{Name: MemoryFraction, Kind: KindFloat, Default: "0.6", Check: fraction, Doc: "unified memory manager: share of the heap for execution and storage"},
		{Name: StorageFraction, Kind: KindFloat, Default: "0.5", Check: fraction, Doc: "unified memory manager: share of that protected for storage"},

		{Name: DynamicAllocationEnabled, Kind: KindBool, Default: "true", Doc: "executors started and released per resource profile"},
		{Name: DynMinExecutors, Kind: KindInt, Default: "0", Doc: "as Spark"},
		{Name: DynMaxExecutors, Kind: KindInt, Default: "0", Doc: "as Spark; 0 means bounded only by the local capacity"},
		{Name: DynExecutorIdleTimeout, Kind: KindDuration, Default: "60s", Doc: "release an executor idle this long"},
		{Name: DynBacklogTimeout, Kind: KindDuration, Default: "1s", Doc: "add executors when tasks have waited this long"},
		{Name: ProfileMergeConflicts, Kind: KindBool, Default: "false", Doc: "merge the different resource profiles of the functions one stage calls (engine.WithResources) by taking the maximum of each resource; false: such a query fails"},

		{Name: LocalDir, Kind: KindString, Default: "", Doc: "directory under which each query makes its temporary directory for shuffle and spill files (removed when the query ends); default: the system's temporary directory"},
		{Name: LocalCores, Kind: KindInt, DefaultFunc: func() string { return strconv.Itoa(runtime.NumCPU()) }, Check: positive,
			Doc: "the local executor pool's cores; default: the machine's CPUs"},
		{Name: LocalMemory, Kind: KindSize, DefaultFunc: machineMemory, SizeUnit: 1 << 20, Check: positive,
			Doc: "the local executor pool's memory; default: three quarters of the machine's RAM"},

		{Name: AutoAdjustEnabled, Kind: KindBool, Default: "false", Doc: "the per-stage resource-profile rule"},
		{Name: AutoAdjustHeapRatio, Kind: KindFloat, Default: "2.0", Check: positive, Doc: "heap multiplier when the rule fires"},
		{Name: AutoAdjustOffHeapRatio, Kind: KindFloat, Default: "0.5", Check: positive, Doc: "off-heap multiplier on partial fallback"},
		{Name: AutoAdjustFallenRatio, Kind: KindFloat, Default: "0.5", Check: fraction, Doc: "fallen nodes / all nodes of a stage at which the rule fires"},
		{Name: AutoAdjustShuffleThreshold, Kind: KindInt, Default: "10000000", Check: positive,
			Doc: "sum of M x N over a stage's input shuffles at which the rule fires (10 million map-status entries, about 10 MB of compressed map statuses)"},
		{Name: AutoAdjustRetryOnOOM, Kind: KindBool, Default: "false", Doc: "retry a stage that died of out-of-memory once with an escalated profile"},

		{Name: DynamicOffHeapSizing, Kind: KindBool, Default: "false", Doc: "one quota for heap and off-heap together"},
		{Name: DynamicOffHeapSizingFraction, Kind: KindFloat, Default: "0.6", Check: fraction, Doc: "the quota as a fraction of executor memory"},
		{Name: ReservationBlockSize, Kind: KindSize, Default: "8MB", SizeUnit: 1, Check: positive,
			Doc: "each task reserves off-heap memory for its Arrow buffers in blocks of this size"},
	}
	m := make(map[string]Key, len(keys))
	for _, k := range keys {
		m[strings.ToLower(k.Name)] = k
	}
	return m
}()

// Keys returns every known key, sorted by name.
func Keys() []Key {
	out := make([]Key, 0, len(registry))
	for _, k := range registry {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the key of that name (case-insensitive, as Spark's are not,
// but typing mistakes in case are common and harmless here).
func Lookup(name string) (Key, bool) {
	k, ok := registry[strings.ToLower(name)]
	return k, ok
}

// Config is a validated set of configuration values.
type Config struct {
	values map[string]string // canonical key name -> value text
}

// New validates settings and returns a Config. Keys are matched
// case-insensitively. An unknown key under spark.gluten. or spark.sql. is an
// error; other unknown keys are ignored (see Ignored).
func New(settings map[string]string) (*Config, error) {
	c := &Config{values: map[string]string{}}
	names := make([]string, 0, len(settings))
	for k := range settings {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := c.set(k, settings[k]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Default returns a Config with every key at its default.
func Default() *Config { return &Config{values: map[string]string{}} }

// With returns a copy of c with key set to value.
func (c *Config) With(key, value string) (*Config, error) {
	n := &Config{values: make(map[string]string, len(c.values)+1)}
	for k, v := range c.values {
		n.values[k] = v
	}
	if err := n.set(key, value); err != nil {
		return nil, err
	}
	return n, nil
}

func (c *Config) set(name, value string) error {
	name = strings.TrimSpace(name)
	value = strings.TrimSpace(value)
	k, ok := Lookup(name)
	if !ok {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "spark.gluten.") || strings.HasPrefix(lower, "spark.sql.") {
			msg := fmt.Sprintf("unknown configuration key %q", name)
			if s := suggest(lower); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return errors.New(msg)
		}
		c.values[name] = value
		return nil
	}
	if err := validate(k, value); err != nil {
		return fmt.Errorf("invalid value %q for %s: %w", value, k.Name, err)
	}
	c.values[k.Name] = value
	return nil
}

func suggest(lower string) string {
	best, bestD := "", 4
	for n, k := range registry {
		if d := editDistance(lower, n); d < bestD {
			best, bestD = k.Name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if abs(len(a)-len(b)) > 4 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func validate(k Key, v string) error {
	switch k.Kind {
	case KindBool:
		if _, err := parseBool(v); err != nil {
			return err
		}
	case KindInt:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return errors.New("not an integer")
		}
	case KindFloat:
		if f, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return errors.New("not a number")
		}
	case KindSize:
		if _, err := ParseSize(v, k.SizeUnit); err != nil {
			return err
		}
	case KindDuration:
		if _, err := ParseDuration(v); err != nil {
			return err
		}
	}
	if k.Check != nil {
		check := v
		if k.Kind == KindSize {
			n, _ := ParseSize(v, k.SizeUnit)
			check = strconv.FormatInt(n, 10)
		}
		return k.Check(check)
	}
	return nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("not a boolean (true or false)")
}

// ParseSize parses a size in Spark's forms: a bare number (in unit bytes),
// or a number with a suffix b, k/kb, m/mb, g/gb, t/tb (binary multiples, as
// Spark's JavaUtils.byteStringAs). -1 is accepted as "disabled".
func ParseSize(v string, unit int64) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	if s == "-1" {
		return -1, nil
	}
	if unit <= 0 {
		unit = 1
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, suffix := s[:i], strings.TrimSpace(s[i:])
	if num == "" {
		return 0, errors.New("not a size (examples: 512m, 2g, 64MB, 1048576)")
	}
	mult := unit
	switch suffix {
	case "":
	case "b":
		mult = 1
	case "k", "kb", "kib":
		mult = 1 << 10
	case "m", "mb", "mib":
		mult = 1 << 20
	case "g", "gb", "gib":
		mult = 1 << 30
	case "t", "tb", "tib":
		mult = 1 << 40
	default:
		return 0, fmt.Errorf("unknown size unit %q (use b, k, m, g or t)", suffix)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, errors.New("not a size (examples: 512m, 2g, 64MB, 1048576)")
	}
	r := f * float64(mult)
	if r > math.MaxInt64/2 {
		return 0, errors.New("size too large")
	}
	return int64(r), nil
}

// ParseDuration parses a duration in Spark's forms (60s, 500ms, 2min, 1h, 1d;
// a bare number is seconds).
func ParseDuration(v string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, suffix := s[:i], strings.TrimSpace(s[i:])
	f, err := strconv.ParseFloat(num, 64)
	if num == "" || err != nil || f < 0 {
		return 0, errors.New("not a duration (examples: 60s, 500ms, 2min)")
	}
	var unit time.Duration
	switch suffix {
	case "", "s", "sec", "secs":
		unit = time.Second
	case "ms":
		unit = time.Millisecond
	case "us":
		unit = time.Microsecond
	case "m", "min", "mins":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = 24 * time.Hour
	default:
		return 0, fmt.Errorf("unknown duration unit %q", suffix)
	}
	return time.Duration(f * float64(unit)), nil
}

func (c *Config) raw(name string) string {
	k, ok := Lookup(name)
	if !ok {
		panic("conf: unregistered key " + name) // programming error, not user input
	}
	if v, ok := c.values[k.Name]; ok {
		return v
	}
	return k.DefaultValue()
}

// IsSet reports whether the key was set explicitly.
func (c *Config) IsSet(name string) bool {
	k, ok := Lookup(name)
	if !ok {
		return false
	}
	_, set := c.values[k.Name]
	return set
}

// Bool returns a boolean key's value.
func (c *Config) Bool(name string) bool {
	b, _ := parseBool(c.raw(name))
	return b
}

// Int returns an integer key's value.
func (c *Config) Int(name string) int64 {
	n, _ := strconv.ParseInt(c.raw(name), 10, 64)
	return n
}

// Float returns a number key's value.
func (c *Config) Float(name string) float64 {
	f, _ := strconv.ParseFloat(c.raw(name), 64)
	return f
}

// Size returns a size key's value in bytes.
func (c *Config) Size(name string) int64 {
	k, _ := Lookup(name)
	n, _ := ParseSize(c.raw(name), k.SizeUnit)
	return n
}

// Duration returns a duration key's value.
func (c *Config) Duration(name string) time.Duration {
	d, _ := ParseDuration(c.raw(name))
	return d
}

// String returns a key's value as text.
func (c *Config) String(name string) string { return c.raw(name) }

// Settings returns the explicitly set values, including ignored unknown keys.
func (c *Config) Settings() map[string]string {
	out := make(map[string]string, len(c.values))
	for k, v := range c.values {
		out[k] = v
	}
	return out
}

// Ignored returns the explicitly set keys that gluten-go does not use.
func (c *Config) Ignored() []string {
	var out []string
	for k := range c.values {
		if _, ok := Lookup(k); !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
