package expr

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// Narrow types and timestamp arithmetic.
//
// gluten-go holds TINYINT and SMALLINT values as INT and FLOAT values as
// DOUBLE. Spark's casts to those types change the value, so the planner
// turns CAST(x AS TINYINT) into tinyint(x), and so on: tinyint and smallint
// wrap the value into 8 or 16 bits as Spark's non-ANSI cast does (the
// argument is first cast to BIGINT), and float rounds a DOUBLE to the
// nearest float32. Arithmetic on the results is done in INT and DOUBLE.
//
// timestamp_add_interval(ts, months, micros) is ts + INTERVAL: months with
// add_months' end-of-month rule on the date, keeping the time of day, then
// micros.
func init() {
	i32, i64, f64, ts := columnar.Int32, columnar.Int64, columnar.Float64, columnar.Timestamp
	wrap := func(bits uint) kernelFunc {
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v, m := opValues[int64](ops[0])
			shift := 64 - bits
			return fixedResult(alloc, i32, n, valid, func(i int) (int32, bool) {
				return int32(v[i&m] << shift >> shift), true
			}), nil
		}
	}
	register(&fnSpec{name: "tinyint", resolve: fixedSig(i32, 1, i64), build: simpleBuild(wrap(8))})
	register(&fnSpec{name: "smallint", resolve: fixedSig(i32, 1, i64), build: simpleBuild(wrap(16))})
	register(&fnSpec{name: "float", resolve: fixedSig(f64, 1, f64),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v, m := opValues[float64](ops[0])
			return fixedResult(alloc, f64, n, valid, func(i int) (float64, bool) {
				return float64(float32(v[i&m])), true
			}), nil
		})}, "real")
	register(&fnSpec{name: "timestamp_add_interval", resolve: fixedSig(ts, 3, ts, i32, i64),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			t, tm := opValues[int64](ops[0])
			mo := intArgOf(ops[1])
			us, um := opValues[int64](ops[2])
			return fixedResult(alloc, ts, n, valid, func(i int) (int64, bool) {
				return timestampAddInterval(t[i&tm], int64(mo.at(i)), us[i&um])
			}), nil
		})})
}

// timestampAddInterval is x + INTERVAL months MONTHS + micros
// MICROSECONDS; ok=false on overflow.
func timestampAddInterval(x, months, micros int64) (int64, bool) {
	if months != 0 {
		days := floorDiv(x, microsPerDay)
		tod := x - days*microsPerDay
		days = addMonths(days, months)
		if days > math.MaxInt64/microsPerDay || days < math.MinInt64/microsPerDay {
			return 0, false
		}
		x = days*microsPerDay + tod
	}
	r := x + micros
	if (micros > 0 && r < x) || (micros < 0 && r > x) {
		return 0, false // overflow
	}
	return r, true
}
