package parser

import (
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// maxDecimalPrecision is the largest precision of a DECIMAL, as in Spark.
const maxDecimalPrecision = 38

// numberLiteral types a numeric literal the way Spark does. raw is the
// source text of the literal (with the sign if neg), text the number token.
func (p *parser) numberLiteral(at Pos, raw, text string, neg bool) *Literal {
	lit := &Literal{At: at, Raw: raw}
	body, suffix := splitNumberSuffix(text)
	hasDot := strings.IndexByte(body, '.') >= 0
	hasExp := strings.IndexAny(body, "eE") >= 0
	sign := ""
	if neg {
		sign = "-"
	}
	switch suffix {
	case "":
		if hasExp {
			lit.Kind, lit.Value = LitDouble, p.parseFloat(at, raw, sign+body, 64)
			return lit
		}
		if hasDot {
			p.decimalLiteral(lit, body, neg)
			return lit
		}
		v, err := strconv.ParseInt(sign+body, 10, 64)
		switch {
		case err != nil:
			// Too big for BIGINT: a DECIMAL(p, 0) as in Spark.
			p.decimalLiteral(lit, body, neg)
		case v >= math.MinInt32 && v <= math.MaxInt32:
			lit.Kind, lit.Value = LitInt, int32(v)
		default:
			lit.Kind, lit.Value = LitBigInt, v
		}
		return lit
	case "l", "s", "y":
		if hasDot || hasExp {
			p.fail(at, "invalid number literal '%s'", raw)
		}
		v, err := strconv.ParseInt(sign+body, 10, 64)
		switch suffix {
		case "l":
			if err != nil {
				p.fail(at, "number literal %s out of range for BIGINT", raw)
			}
			lit.Kind, lit.Value = LitBigInt, v
		case "s":
			if err != nil || v < math.MinInt16 || v > math.MaxInt16 {
				p.fail(at, "number literal %s out of range for SMALLINT", raw)
			}
			lit.Kind, lit.Value = LitSmallInt, int32(v)
		case "y":
			if err != nil || v < math.MinInt8 || v > math.MaxInt8 {
				p.fail(at, "number literal %s out of range for TINYINT", raw)
			}
			lit.Kind, lit.Value = LitTinyInt, int32(v)
		}
		return lit
	case "d":
		lit.Kind, lit.Value = LitDouble, p.parseFloat(at, raw, sign+body, 64)
	case "f":
		lit.Kind, lit.Value = LitFloat, p.parseFloat(at, raw, sign+body, 32)
	case "bd":
		p.decimalLiteral(lit, body, neg)
	}
	return lit
}

// splitNumberSuffix splits a number token into its digits and its lower-case
// type suffix ("", "l", "s", "y", "d", "f" or "bd").
func splitNumberSuffix(text string) (string, string) {
	n := len(text)
	if n >= 2 {
		if s := strings.ToLower(text[n-2:]); s == "bd" {
			return text[:n-2], s
		}
	}
	switch c := text[n-1]; c {
	case 'l', 'L', 's', 'S', 'y', 'Y', 'd', 'D', 'f', 'F':
		return text[:n-1], string(c | 0x20)
	}
	return text, ""
}

func (p *parser) parseFloat(at Pos, raw, s string, bits int) float64 {
	v, err := strconv.ParseFloat(s, bits)
	if err != nil {
		// strconv only fails here on overflow; the lexer validated the syntax.
		typ := "DOUBLE"
		if bits == 32 {
			typ = "FLOAT"
		}
		p.fail(at, "number literal %s out of range for %s", raw, typ)
	}
	return v
}

// decimalLiteral fills lit with the DECIMAL value of body (digits with an
// optional point and, for BD literals, an optional exponent). Following
// Spark (Java's BigDecimal), precision is the number of significant digits
// of the unscaled value (at least 1) and at least the scale.
func (p *parser) decimalLiteral(lit *Literal, body string, neg bool) {
	mantissa, exp := body, 0
	if k := strings.IndexAny(body, "eE"); k >= 0 {
		mantissa = body[:k]
		e, err := strconv.Atoi(body[k+1:])
		if err != nil || e > 1000 || e < -1000 {
			p.fail(lit.At, "decimal literal %s out of range", lit.Raw)
		}
		exp = e
	}
	scale := 0
	digits := mantissa
	if k := strings.IndexByte(mantissa, '.'); k >= 0 {
		scale = len(mantissa) - k - 1
		digits = mantissa[:k] + mantissa[k+1:]
	}
	scale -= exp
	digits = strings.TrimLeft(digits, "0")
	if scale < 0 {
		if digits != "" {
			digits += strings.Repeat("0", -scale)
		}
		scale = 0
	}
	precision := max(len(digits), 1, scale)
	if precision > maxDecimalPrecision {
		p.fail(lit.At, "number literal %s exceeds the maximum decimal precision %d", lit.Raw, maxDecimalPrecision)
	}
	var n decimal128.Num
	ten := decimal128.FromU64(10)
	for k := 0; k < len(digits); k++ {
		n = n.Mul(ten).Add(decimal128.FromU64(uint64(digits[k] - '0')))
	}
	if neg {
		n = n.Negate()
	}
	lit.Kind, lit.Value, lit.Precision, lit.Scale = LitDecimal, n, precision, scale
}

// parseStringLiteral parses one or more adjacent string literals, which
// concatenate ('a' 'b' is 'ab').
func (p *parser) parseStringLiteral() *Literal {
	t := p.tok()
	p.i++
	val := t.str
	end := t.end
	if p.tok().kind == tString {
		var sb strings.Builder
		sb.WriteString(val)
		for p.tok().kind == tString {
			sb.WriteString(p.tok().str)
			end = p.tok().end
			p.i++
		}
		val = sb.String()
	}
	return &Literal{At: t.pos, Kind: LitString, Raw: p.src[t.pos.Offset:end], Value: val}
}

// binaryLiteral decodes X'0AFF'; an odd number of digits gets a leading 0.
func binaryLiteral(t *token) *Literal {
	digits := t.str
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	b := make([]byte, len(digits)/2)
	for k := range b {
		b[k] = byte(hexVal(digits[2*k])<<4 | hexVal(digits[2*k+1]))
	}
	return &Literal{At: t.pos, Kind: LitBinary, Raw: t.text, Value: b}
}

// parseTypedLiteral parses DATE 'yyyy-mm-dd' and TIMESTAMP '...'.
func (p *parser) parseTypedLiteral() *Literal {
	kw := p.tok()
	p.i++
	st := p.tok()
	s := p.parseStringLiteral()
	s.At, s.Raw = kw.pos, p.src[kw.pos.Offset:p.toks[p.i-1].end]
	text := strings.TrimSpace(s.Value.(string))
	if kw.kw == "DATE" {
		days, ok := parseDate(text)
		if !ok {
			p.fail(st.pos, "invalid DATE literal '%s': expected 'yyyy-mm-dd'", s.Value)
		}
		s.Kind, s.Value = LitDate, arrow.Date32(days)
		return s
	}
	micros, ok := parseTimestamp(text)
	if ok && (micros < minTimestamp || micros > maxTimestamp) {
		p.fail(st.pos, "TIMESTAMP literal '%s' out of range [0000-01-01, 9999-12-31 23:59:59.999999] UTC", s.Value)
	}
	if !ok {
		p.fail(st.pos, "invalid TIMESTAMP literal '%s': expected 'yyyy-mm-dd[ hh:mm:ss[.ffffff]]'", s.Value)
	}
	s.Kind, s.Value = LitTimestamp, arrow.Timestamp(micros)
	return s
}

// The TIMESTAMP range in microseconds since the epoch: years 0000 to 9999.
var (
	minTimestamp = daysFromCivil(0, 1, 1) * 86_400_000_000
	maxTimestamp = (daysFromCivil(10000, 1, 1))*86_400_000_000 - 1
)

// digitsAt reads between minN and maxN decimal digits at s[i:].
func digitsAt(s string, i, minN, maxN int) (v, next int, ok bool) {
	j := i
	for j < len(s) && j-i < maxN && isDigit(s[j]) {
		v = v*10 + int(s[j]-'0')
		j++
	}
	return v, j, j-i >= minN
}

// parseDateAt parses yyyy-m[m]-d[d] at the start of s and returns the day
// number since 1970-01-01 and the offset after it.
func parseDateAt(s string) (days int64, next int, ok bool) {
	y, i, ok := digitsAt(s, 0, 4, 4)
	if !ok || i >= len(s) || s[i] != '-' {
		return 0, 0, false
	}
	m, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || i >= len(s) || s[i] != '-' {
		return 0, 0, false
	}
	d, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return 0, 0, false
	}
	return daysFromCivil(int64(y), int64(m), int64(d)), i, true
}

func parseDate(s string) (int32, bool) {
	days, next, ok := parseDateAt(s)
	if !ok || next != len(s) {
		return 0, false
	}
	return int32(days), true
}

// parseTimestamp parses yyyy-mm-dd[( |T)hh:mm[:ss[.fraction]]][zone] where
// zone is Z, UTC or +hh[:mm] / -hh[:mm]; a timestamp without zone is UTC.
// Fractions beyond microseconds are truncated.
func parseTimestamp(s string) (int64, bool) {
	days, i, ok := parseDateAt(s)
	if !ok {
		return 0, false
	}
	micros := days * 86_400_000_000
	if i == len(s) {
		return micros, true
	}
	if s[i] != ' ' && s[i] != 'T' {
		return 0, false
	}
	h, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || h > 23 || i >= len(s) || s[i] != ':' {
		return 0, false
	}
	mi, i, ok := digitsAt(s, i+1, 1, 2)
	if !ok || mi > 59 {
		return 0, false
	}
	sec, frac := 0, 0
	if i < len(s) && s[i] == ':' {
		sec, i, ok = digitsAt(s, i+1, 1, 2)
		if !ok || sec > 59 {
			return 0, false
		}
		if i < len(s) && s[i] == '.' {
			var f, j int
			f, j, ok = digitsAt(s, i+1, 1, 9)
			if !ok {
				return 0, false
			}
			n := j - (i + 1)
			for ; n < 6; n++ {
				f *= 10
			}
			for ; n > 6; n-- {
				f /= 10
			}
			frac, i = f, j
		}
	}
	micros += int64(h)*3_600_000_000 + int64(mi)*60_000_000 + int64(sec)*1_000_000 + int64(frac)
	zone := strings.TrimSpace(s[i:])
	switch {
	case zone == "" || zone == "Z" || strings.EqualFold(zone, "UTC"):
		return micros, true
	case zone[0] == '+' || zone[0] == '-':
		zh, j, ok := digitsAt(zone, 1, 2, 2)
		if !ok || zh > 18 {
			return 0, false
		}
		zm := 0
		if j < len(zone) {
			if zone[j] == ':' {
				j++
			}
			zm, j, ok = digitsAt(zone, j, 2, 2)
			if !ok || zm > 59 {
				return 0, false
			}
		}
		if j != len(zone) {
			return 0, false
		}
		off := int64(zh)*3_600_000_000 + int64(zm)*60_000_000
		if zone[0] == '+' {
			return micros - off, true
		}
		return micros + off, true
	}
	return 0, false
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// ---------------------------------------------------------------------------
// INTERVAL

var unitWords = map[string]IntervalUnit{
	"YEAR": UnitYear, "YEARS": UnitYear, "MONTH": UnitMonth, "MONTHS": UnitMonth,
	"WEEK": UnitWeek, "WEEKS": UnitWeek, "DAY": UnitDay, "DAYS": UnitDay,
	"HOUR": UnitHour, "HOURS": UnitHour, "MINUTE": UnitMinute, "MINUTES": UnitMinute,
	"SECOND": UnitSecond, "SECONDS": UnitSecond, "MILLISECOND": UnitMillisecond,
	"MILLISECONDS": UnitMillisecond, "MICROSECOND": UnitMicrosecond, "MICROSECONDS": UnitMicrosecond,
}

func tokUnit(t *token) IntervalUnit {
	if t.kind != tWord {
		return UnitNone
	}
	return unitWords[t.kw]
}

// intervalValueLen returns the number of tokens of an interval value at
// offset k from the current token ([+|-] number|string), or 0.
func (p *parser) intervalValueLen(k int) int {
	t := p.peek(k)
	n := 0
	if t.isOp("-") || t.isOp("+") {
		n = 1
		t = p.peek(k + 1)
	}
	if t.kind == tNumber || t.kind == tString {
		return n + 1
	}
	return 0
}

// startsInterval decides whether the INTERVAL keyword at the current token
// starts an interval literal (INTERVAL may also be a column name): it does
// when a value follows, and the value is a string or is followed by a unit
// or is unsigned.
func (p *parser) startsInterval() bool {
	n := p.intervalValueLen(1)
	if n == 0 {
		return false
	}
	if p.peek(n).kind == tString || tokUnit(p.peek(n+1)) != UnitNone {
		return true
	}
	return n == 1
}

// parseInterval parses INTERVAL value unit [value unit ...], a unit-to-unit
// form, or INTERVAL 'value unit ...'.
func (p *parser) parseInterval() Expr {
	iv := &Interval{At: p.tok().pos}
	p.i++ // INTERVAL
	acc := intervalAcc{}
	for {
		n := p.intervalValueLen(0)
		if n == 0 || len(iv.Parts) > 0 && tokUnit(p.peek(n)) == UnitNone {
			break
		}
		vt := p.tok()
		neg := vt.isOp("-")
		p.i += n - 1
		valTok := p.tok()
		p.i++
		value := valTok.text
		if valTok.kind == tString {
			value = strings.TrimSpace(valTok.str)
		}
		if neg {
			value = negateText(value)
		}
		ut := p.tok()
		unit := tokUnit(ut)
		if unit == UnitNone {
			if valTok.kind == tString && len(iv.Parts) == 0 {
				// INTERVAL '1 day 2 hours'
				parts, ok := splitIntervalString(value)
				if !ok {
					p.fail(valTok.pos, "invalid interval string '%s': expected 'value unit [value unit ...]'", valTok.str)
				}
				for _, part := range parts {
					if msg := acc.add(part); msg != "" {
						p.fail(valTok.pos, "%s", msg)
					}
				}
				iv.Parts = parts
				break
			}
			p.failExpected("an interval unit (YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND)")
		}
		p.i++
		part := IntervalPart{Value: value, Unit: unit}
		if p.isKw("TO") {
			p.i++
			part.To = tokUnit(p.tok())
			if part.To == UnitNone {
				p.failExpected("an interval unit after TO")
			}
			p.i++
			if valTok.kind != tString {
				p.fail(valTok.pos, "the value of an interval %s TO %s must be a string", unitName(part.Unit), unitName(part.To))
			}
		}
		if msg := acc.add(part); msg != "" {
			p.fail(valTok.pos, "%s", msg)
		}
		iv.Parts = append(iv.Parts, part)
	}
	iv.Months, iv.Days, iv.Micros = int32(acc.months), int32(acc.days), acc.micros
	return iv
}

// negateText puts a minus sign in front of a value text, cancelling one
// that is already there.
func negateText(v string) string {
	switch {
	case strings.HasPrefix(v, "-"):
		return v[1:]
	case strings.HasPrefix(v, "+"):
		return "-" + v[1:]
	}
	return "-" + v
}

// splitIntervalString splits '[interval] v unit v unit ...'.
func splitIntervalString(s string) ([]IntervalPart, bool) {
	f := strings.Fields(s)
	if len(f) > 0 && strings.EqualFold(f[0], "interval") {
		f = f[1:]
	}
	if len(f) == 0 || len(f)%2 != 0 {
		return nil, false
	}
	parts := make([]IntervalPart, 0, len(f)/2)
	for k := 0; k < len(f); k += 2 {
		u := unitWords[strings.ToUpper(f[k+1])]
		if u == UnitNone {
			return nil, false
		}
		parts = append(parts, IntervalPart{Value: f[k], Unit: u})
	}
	return parts, true
}

func unitName(u IntervalUnit) string {
	switch u {
	case UnitYear:
		return "YEAR"
	case UnitMonth:
		return "MONTH"
	case UnitWeek:
		return "WEEK"
	case UnitDay:
		return "DAY"
	case UnitHour:
		return "HOUR"
	case UnitMinute:
		return "MINUTE"
	case UnitSecond:
		return "SECOND"
	case UnitMillisecond:
		return "MILLISECOND"
	case UnitMicrosecond:
		return "MICROSECOND"
	}
	return "?"
}

// intervalAcc accumulates interval parts into Spark's CalendarInterval
// fields, checking ranges.
type intervalAcc struct {
	months, days, micros int64
}

const microsPerSecond = 1_000_000

var unitMicros = map[IntervalUnit]int64{
	UnitHour: 3600 * microsPerSecond, UnitMinute: 60 * microsPerSecond,
	UnitSecond: microsPerSecond, UnitMillisecond: 1000, UnitMicrosecond: 1,
}

// add adds one part and returns an error message, or "".
func (a *intervalAcc) add(part IntervalPart) string {
	if part.To != UnitNone {
		return a.addRange(part)
	}
	neg, intPart, frac, ok := splitSignedDecimal(part.Value)
	if !ok {
		return "invalid interval value '" + part.Value + "' for " + unitName(part.Unit)
	}
	if frac != "" && part.Unit != UnitSecond {
		return "invalid interval value '" + part.Value + "' for " + unitName(part.Unit) + ": only SECOND may have a fraction"
	}
	v, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return "interval value '" + part.Value + "' out of range"
	}
	var okAdd bool
	switch part.Unit {
	case UnitYear:
		okAdd = a.addTo(&a.months, v, 12, neg)
	case UnitMonth:
		okAdd = a.addTo(&a.months, v, 1, neg)
	case UnitWeek:
		okAdd = a.addTo(&a.days, v, 7, neg)
	case UnitDay:
		okAdd = a.addTo(&a.days, v, 1, neg)
	default:
		okAdd = a.addTo(&a.micros, v, unitMicros[part.Unit], neg)
		if okAdd && frac != "" {
			okAdd = a.addTo(&a.micros, fractionMicros(frac), 1, neg)
		}
	}
	if !okAdd {
		return "interval value '" + part.Value + "' " + unitName(part.Unit) + " out of range"
	}
	return ""
}

// fractionMicros converts fraction digits to microseconds, truncating.
func fractionMicros(frac string) int64 {
	var f int64
	for k := 0; k < 6; k++ {
		f *= 10
		if k < len(frac) {
			f += int64(frac[k] - '0')
		}
	}
	return f
}

// addTo adds ±v*mul to *dst, keeping months and days within int32 and
// micros within int64.
func (a *intervalAcc) addTo(dst *int64, v, mul int64, neg bool) bool {
	if v != 0 && mul > math.MaxInt64/v {
		return false
	}
	d := v * mul
	if neg {
		d = -d
	}
	sum := *dst + d
	if (d > 0 && sum < *dst) || (d < 0 && sum > *dst) {
		return false
	}
	if dst != &a.micros && (sum > math.MaxInt32 || sum < math.MinInt32) {
		return false
	}
	*dst = sum
	return true
}

// splitSignedDecimal splits [+|-]digits[.digits].
func splitSignedDecimal(s string) (neg bool, intPart, frac string, ok bool) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart = s
	if k := strings.IndexByte(s, '.'); k >= 0 {
		intPart, frac = s[:k], s[k+1:]
		if frac == "" {
			return false, "", "", false
		}
	}
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return false, "", "", false
	}
	return neg, intPart, frac, true
}

func allDigits(s string) bool {
	for k := 0; k < len(s); k++ {
		if !isDigit(s[k]) {
			return false
		}
	}
	return true
}

// addRange adds a unit-to-unit part: '[+|-]y-m' YEAR TO MONTH, '[+|-]d h'
// DAY TO HOUR, 'd h:m' DAY TO MINUTE, 'd h:m:s[.f]' DAY TO SECOND, 'h:m'
// HOUR TO MINUTE, 'h:m:s[.f]' HOUR TO SECOND, 'm:s[.f]' MINUTE TO SECOND.
func (a *intervalAcc) addRange(part IntervalPart) string {
	bad := "invalid interval value '" + part.Value + "' for " + unitName(part.Unit) + " TO " + unitName(part.To)
	s := part.Value
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	from, to := part.Unit, part.To
	if from == UnitYear && to == UnitMonth {
		k := strings.IndexByte(s, '-')
		if k < 0 || !allDigits(s[:k]) || !allDigits(s[k+1:]) || k == 0 || k == len(s)-1 {
			return bad
		}
		y, err1 := strconv.ParseInt(s[:k], 10, 64)
		m, err2 := strconv.ParseInt(s[k+1:], 10, 64)
		if err1 != nil || err2 != nil || m > 11 {
			return bad
		}
		if !a.addTo(&a.months, y, 12, neg) || !a.addTo(&a.months, m, 1, neg) {
			return "interval value '" + part.Value + "' out of range"
		}
		return ""
	}
	if from < UnitDay || to > UnitSecond || to <= from {
		return "invalid interval unit range " + unitName(from) + " TO " + unitName(to)
	}
	var days int64
	if from == UnitDay {
		k := strings.IndexByte(s, ' ')
		if k <= 0 || !allDigits(s[:k]) {
			return bad
		}
		d, err := strconv.ParseInt(s[:k], 10, 64)
		if err != nil {
			return bad
		}
		days = d
		s = strings.TrimLeft(s[k+1:], " ")
		from = UnitHour
	}
	// Now s is h[:m[:s]] / m[:s] from unit `from` down to `to`.
	fields := strings.Split(s, ":")
	want := int(to-from) + 1
	if len(fields) != want {
		return bad
	}
	var micros int64
	for k, f := range fields {
		u := from + IntervalUnit(k)
		intPart, frac := f, ""
		if u == UnitSecond {
			if j := strings.IndexByte(f, '.'); j >= 0 {
				intPart, frac = f[:j], f[j+1:]
				if frac == "" || !allDigits(frac) {
					return bad
				}
			}
		}
		if intPart == "" || !allDigits(intPart) {
			return bad
		}
		v, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil {
			return bad
		}
		leading := k == 0 && days == 0 && part.Unit != UnitDay
		if !leading {
			switch u {
			case UnitHour:
				if v > 23 {
					return bad + ": hour must be in [0, 23]"
				}
			case UnitMinute, UnitSecond:
				if v > 59 {
					return bad + ": " + strings.ToLower(unitName(u)) + " must be in [0, 59]"
				}
			}
		}
		if v > math.MaxInt64/unitMicros[u] {
			return "interval value '" + part.Value + "' out of range"
		}
		add := v*unitMicros[u] + fractionMicros(frac)
		if micros > math.MaxInt64-add {
			return "interval value '" + part.Value + "' out of range"
		}
		micros += add
	}
	if !a.addTo(&a.days, days, 1, neg) || !a.addTo(&a.micros, micros, 1, neg) {
		return "interval value '" + part.Value + "' out of range"
	}
	return ""
}
