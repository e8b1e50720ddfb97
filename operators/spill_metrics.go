package operators

import (
	"sync/atomic"
	"time"

	"github.com/gluten-go/gluten-go/columnar/spill"
)

// Names of the spill metrics of the operators that spill (sorts and hash
// aggregations, columnar and row).
const (
	// SpilledBytesMetric is the bytes of spill files written (compressed, as
	// on disk).
	SpilledBytesMetric = "spilledBytes"
	// SpillCountMetric is the number of spill files written.
	SpillCountMetric = "spillCount"
	// SpillTimeMetric is the time spent spilling: sorting or partitioning
	// what is spilled and writing it (EXPLAIN ANALYZE prints it as a
	// duration).
	SpillTimeMetric = "spillTime"
)

// spillCodec is the codec operators spill with.
const spillCodec = spill.DefaultCodec

// spillMetrics are an operator's spill counters, registered in its
// constructor.
type spillMetrics struct {
	bytes, count, time *atomic.Int64
}

func newSpillMetrics(m *Metrics) spillMetrics {
	return spillMetrics{bytes: m.Counter(SpilledBytesMetric), count: m.Counter(SpillCountMetric), time: m.Counter(SpillTimeMetric)}
}

// created records a new spill file.
func (m spillMetrics) created() { m.count.Add(1) }

// written records the n bytes of a spill file closed.
func (m spillMetrics) written(n int64) { m.bytes.Add(n) }

// since adds the time since t to the spill time.
func (m spillMetrics) since(t time.Time) { m.time.Add(int64(time.Since(t))) }

// defaultBatchSize is the batch size when the task does not set one.
const defaultBatchSize = 8192

// taskBatchRows returns the task's batch size, or the default.
func taskBatchRows(task *TaskContext) int {
	if task.BatchSize > 0 {
		return task.BatchSize
	}
	return defaultBatchSize
}
