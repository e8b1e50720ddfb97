package expr

// Calendar arithmetic on the proleptic Gregorian calendar, as Spark 3 uses,
// with days counted from 1970-01-01 (DATE) and microseconds from
// 1970-01-01 00:00:00 UTC (TIMESTAMP).

const (
	microsPerSecond = int64(1_000_000)
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
)

// daysFromCivil returns the day number of y-m-d (m in 1..12, d in 1..31).
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := int64((153*mp+2)/5 + d - 1)
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays returns the year, month (1..12) and day (1..31) of a day
// number.
func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func daysInMonth(y int64, m int) int {
	if m == 2 && isLeap(y) {
		return 29
	}
	return monthDays[m]
}

// floorDiv and floorMod divide rounding toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	m := a % b
	if m != 0 && ((m < 0) != (b < 0)) {
		m += b
	}
	return m
}

// dayOfYear returns the 1-based day of the year.
func dayOfYear(y int64, m, d int) int {
	doy := d
	for i := 1; i < m; i++ {
		doy += monthDays[i]
	}
	if m > 2 && isLeap(y) {
		doy++
	}
	return doy
}

// isoWeek returns the ISO-8601 week of the year of day number z (weeks start
// on Monday; week 1 holds the year's first Thursday), as Spark's weekofyear.
func isoWeek(z int64) int {
	// ISO weekday: 1 = Monday ... 7 = Sunday; 1970-01-01 was a Thursday.
	wd := int(floorMod(z+3, 7)) + 1
	thursday := z - int64(wd) + 4
	y, _, _ := civilFromDays(thursday)
	jan1 := daysFromCivil(y, 1, 1)
	return int((thursday-jan1)/7) + 1
}
