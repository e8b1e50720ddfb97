package expr

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// addMonths is Spark 3's add_months: the day of month is kept, clamped to
// the end of the target month (2019-01-31 + 1 month = 2019-02-28).
func addMonths(days int64, months int64) int64 {
	y, m, d := civilFromDays(days)
	total := y*12 + int64(m-1) + months
	ny := floorDiv(total, 12)
	nm := int(floorMod(total, 12)) + 1
	return daysFromCivil(ny, nm, min(d, daysInMonth(ny, nm)))
}

// dateFields are the functions of a DATE giving an INT field.
var dateFields = []struct {
	name  string
	alias []string
	f     func(days int64) int32
}{
	{"year", nil, func(d int64) int32 { y, _, _ := civilFromDays(d); return int32(y) }},
	{"month", nil, func(d int64) int32 { _, m, _ := civilFromDays(d); return int32(m) }},
	{"day", []string{"dayofmonth"}, func(d int64) int32 { _, _, dd := civilFromDays(d); return int32(dd) }},
	{"quarter", nil, func(d int64) int32 { _, m, _ := civilFromDays(d); return int32((m-1)/3 + 1) }},
	// 1 = Sunday ... 7 = Saturday; 1970-01-01 was a Thursday (5).
	{"dayofweek", nil, func(d int64) int32 { return int32(floorMod(d+4, 7)) + 1 }},
	{"dayofyear", nil, func(d int64) int32 { y, m, dd := civilFromDays(d); return int32(dayOfYear(y, m, dd)) }},
	{"weekofyear", nil, func(d int64) int32 { return int32(isoWeek(d)) }},
}

// timeFields are the functions of a TIMESTAMP giving a field of the time of
// day: (micros of the day / unit) % mod.
var timeFields = []struct {
	name      string
	unit, mod int64
}{
	{"hour", microsPerHour, 24},
	{"minute", microsPerMinute, 60},
	{"second", microsPerSecond, 60},
}

func timeOfDayField(us, unit, mod int64) int32 { return int32(floorMod(us, microsPerDay) / unit % mod) }

func fitsDate(d int64) bool { return d >= math.MinInt32 && d <= math.MaxInt32 }

func registerDateFunctions() {
	date, ts, i32 := columnar.Date, columnar.Timestamp, columnar.Int32

	dateField := func(f func(days int64) int32) kernelFunc {
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v := intArgOf(ops[0])
			return fixedResult(alloc, i32, n, valid, func(i int) (int32, bool) { return f(int64(v.at(i))), true }), nil
		}
	}
	for _, fd := range dateFields {
		register(&fnSpec{name: fd.name, resolve: fixedSig(i32, 1, date), build: simpleBuild(dateField(fd.f))}, fd.alias...)
	}

	timeField := func(unit, mod int64) kernelFunc {
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			v, m := opValues[int64](ops[0])
			return fixedResult(alloc, i32, n, valid, func(i int) (int32, bool) {
				return timeOfDayField(v[i&m], unit, mod), true
			}), nil
		}
	}
	for _, tf := range timeFields {
		register(&fnSpec{name: tf.name, resolve: fixedSig(i32, 1, ts), build: simpleBuild(timeField(tf.unit, tf.mod))})
	}

	dateArith := func(f func(d, k int64) int64) kernelFunc {
		return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			a, b := intArgOf(ops[0]), intArgOf(ops[1])
			return fixedResult(alloc, date, n, valid, func(i int) (int32, bool) {
				r := f(int64(a.at(i)), int64(b.at(i)))
				return int32(r), fitsDate(r)
			}), nil
		}
	}
	register(&fnSpec{name: "date_add", resolve: fixedSig(date, 2, date, i32), build: simpleBuild(dateArith(func(d, k int64) int64 { return d + k }))})
	register(&fnSpec{name: "date_sub", resolve: fixedSig(date, 2, date, i32), build: simpleBuild(dateArith(func(d, k int64) int64 { return d - k }))})
	register(&fnSpec{name: "add_months", resolve: fixedSig(date, 2, date, i32), build: simpleBuild(dateArith(addMonths))})
	register(&fnSpec{name: "datediff", resolve: fixedSig(i32, 2, date, date),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			a, b := intArgOf(ops[0]), intArgOf(ops[1])
			return fixedResult(alloc, i32, n, valid, func(i int) (int32, bool) { return a.at(i) - b.at(i), true }), nil
		})})
	register(&fnSpec{name: "last_day", resolve: fixedSig(date, 1, date),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			a := intArgOf(ops[0])
			return fixedResult(alloc, date, n, valid, func(i int) (int32, bool) { return lastDay(a.at(i)) }), nil
		})})
	// to_date(x): a string, timestamp or date as a date (formats are not
	// supported).
	register(&fnSpec{name: "to_date", resolve: fixedSig(date, 1, date),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			a := intArgOf(ops[0])
			return fixedResult(alloc, date, n, valid, func(i int) (int32, bool) { return a.at(i), true }), nil
		})})
	register(&fnSpec{name: "make_date", resolve: fixedSig(date, 3, i32, i32, i32),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			y, m, d := intArgOf(ops[0]), intArgOf(ops[1]), intArgOf(ops[2])
			return fixedResult(alloc, date, n, valid, func(i int) (int32, bool) {
				return makeDate(y.at(i), m.at(i), d.at(i))
			}), nil
		})})
}

// makeDate is make_date(y, m, d): NULL for an invalid date.
func makeDate(y, m, d int32) (int32, bool) {
	yy, mm, dd := int64(y), int(m), int(d)
	if mm < 1 || mm > 12 || dd < 1 || dd > daysInMonth(yy, mm) || yy < -290000 || yy > 290000 {
		return 0, false
	}
	return int32(daysFromCivil(yy, mm, dd)), true
}

// lastDay is last_day(d): the last day of d's month.
func lastDay(d int32) (int32, bool) {
	y, m, _ := civilFromDays(int64(d))
	r := daysFromCivil(y, m, daysInMonth(y, m))
	return int32(r), fitsDate(r)
}
