package expr

import (
	"math"
	"math/big"
	"strconv"
)

// Parsing of strings as Spark's non-ANSI casts do: surrounding whitespace
// and ISO control characters are trimmed; anything invalid gives ok=false
// (NULL).

func isSpaceOrCtl(c byte) bool { return c <= ' ' || c == 0x7F }

func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpaceOrCtl(b[i]) {
		i++
	}
	for j > i && isSpaceOrCtl(b[j-1]) {
		j--
	}
	return b[i:j]
}

// parseInt64 is Spark's UTF8String.toLong: an optional sign and digits,
// optionally followed by '.' and digits that are dropped (truncation);
// overflow is invalid.
func parseInt64(b []byte) (int64, bool) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg || b[0] == '+' {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	const stop = math.MinInt64 / 10
	var r int64 // accumulated negatively, as Spark does, to reach MinInt64
	i := 0
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			i++
			break
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if r < stop {
			return 0, false
		}
		r = r*10 - int64(c-'0')
		if r > 0 {
			return 0, false
		}
	}
	for ; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return 0, false
		}
	}
	if !neg {
		r = -r
		if r < 0 {
			return 0, false
		}
	}
	return r, true
}

func parseInt32(b []byte) (int32, bool) {
	v, ok := parseInt64(b)
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return int32(v), true
}

// parseFloat64 is Java's Double.parseDouble after trimming, with Spark's
// extra special values (inf, +inf, -inf, infinity, nan, any case).
func parseFloat64(b []byte) (float64, bool) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, false
	}
	s := string(b)
	// Java accepts a trailing type suffix: 1.5d, 2f.
	if last := s[len(s)-1]; (last == 'd' || last == 'D' || last == 'f' || last == 'F') && len(s) > 1 {
		if p := s[len(s)-2]; (p >= '0' && p <= '9') || p == '.' {
			s = s[:len(s)-1]
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '_' {
			return 0, false // Go accepts digit separators; Java does not
		}
	}
	if len(s) > 1 && (s[0] == '0' || ((s[0] == '+' || s[0] == '-') && s[1] == '0')) {
		// Go would read 0x1p3, 0b101, 0o17 as other bases; Java accepts
		// only hexadecimal floats with a binary exponent.
		j := 1
		if s[0] != '0' {
			j = 2
		}
		if j < len(s) && (s[j] == 'b' || s[j] == 'B' || s[j] == 'o' || s[j] == 'O') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true // +-Inf or 0, as Java
		}
		return 0, false
	}
	return f, true
}

// parseBool accepts Spark's true strings t, true, y, yes, 1 and false
// strings f, false, n, no, 0 in any case.
func parseBool(b []byte) (bool, bool) {
	b = trimSpace(b)
	if len(b) > 5 {
		return false, false
	}
	var buf [5]byte
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(b)]) {
	case "t", "true", "y", "yes", "1":
		return true, true
	case "f", "false", "n", "no", "0":
		return false, true
	}
	return false, false
}

// parseDecimal parses Java BigDecimal syntax ([sign] digits [. digits]
// [e [sign] digits]) and rounds it half up to scale s, checking precision p.
func parseDecimal(b []byte, p, s int32) (i128, bool) {
	b = trimSpace(b)
	if len(b) == 0 {
		return i128{}, false
	}
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		b = b[1:]
	}
	var digits []byte
	frac := 0
	seenDot, any := false, false
	i := 0
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			if seenDot {
				return i128{}, false
			}
			seenDot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		any = true
		if len(digits) > 0 || c != '0' {
			digits = append(digits, c)
		}
		if seenDot {
			frac++
		}
	}
	if !any {
		return i128{}, false
	}
	exp := 0
	if i < len(b) {
		if b[i] != 'e' && b[i] != 'E' {
			return i128{}, false
		}
		i++
		if i == len(b) {
			return i128{}, false
		}
		eneg := false
		if b[i] == '-' || b[i] == '+' {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return i128{}, false
		}
		for ; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return i128{}, false
			}
			if exp < 1_000_000 {
				exp = exp*10 + int(c-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if len(digits) == 0 {
		return i128{}, true
	}
	// value = digits * 10^(exp-frac); scale it to s.
	shift := int(s) + exp - frac
	intDigits := len(digits) + exp - frac
	if intDigits > int(p-s) {
		return i128{}, false
	}
	if shift < -len(digits) {
		return i128{}, true // rounds to zero
	}
	var r i128
	var ok bool
	if len(digits) <= 18 {
		u, _ := strconv.ParseUint(string(digits), 10, 64)
		if r, ok = rescaleDec(i128{lo: u}, shift, p); !ok {
			return i128{}, false
		}
	} else {
		bi, _ := new(big.Int).SetString(string(digits), 10)
		if shift >= 0 {
			bi.Mul(bi, bigPow10(shift))
		} else {
			bi = bigDivHalfUp(bi, bigPow10(-shift))
		}
		if r, ok = decFromBig(bi, p); !ok {
			return i128{}, false
		}
	}
	if neg {
		r = neg128(r)
	}
	return r, true
}

func digitsN(b []byte, i, maxN int) (v, next int, ok bool) {
	j := i
	for j < len(b) && j-i < maxN && b[j] >= '0' && b[j] <= '9' {
		v = v*10 + int(b[j]-'0')
		j++
	}
	return v, j, j > i
}

// parseDatePart reads [+-]yyyy[-m[m][-d[d]]] and returns the day number and
// the rest of b.
func parseDatePart(b []byte) (int64, []byte, bool) {
	neg := false
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	y, j, ok := digitsN(b, i, 7)
	if !ok || j-i < 4 {
		return 0, nil, false
	}
	if j < len(b) && b[j] >= '0' && b[j] <= '9' {
		return 0, nil, false
	}
	if neg {
		y = -y
	}
	m, d := 1, 1
	i = j
	if i < len(b) && b[i] == '-' {
		if m, j, ok = digitsN(b, i+1, 2); !ok {
			return 0, nil, false
		}
		i = j
		if i < len(b) && b[i] == '-' {
			if d, j, ok = digitsN(b, i+1, 2); !ok {
				return 0, nil, false
			}
			i = j
		}
	}
	if i < len(b) && b[i] >= '0' && b[i] <= '9' {
		return 0, nil, false
	}
	if m < 1 || m > 12 || d < 1 || d > daysInMonth(int64(y), m) {
		return 0, nil, false
	}
	return daysFromCivil(int64(y), m, d), b[i:], true
}

// parseDate is Spark's stringToDate: yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, with
// anything after a ' ' or 'T' following the day ignored.
func parseDate(b []byte) (int64, bool) {
	b = trimSpace(b)
	days, rest, ok := parseDatePart(b)
	if !ok {
		return 0, false
	}
	if len(rest) > 0 && rest[0] != ' ' && rest[0] != 'T' {
		return 0, false
	}
	if days < math.MinInt32 || days > math.MaxInt32 {
		return 0, false
	}
	return days, true
}

// parseTimestamp is Spark's stringToTimestamp in the UTC session time
// zone: a date, optionally followed by ' ' or 'T' and
// [h]h:[m]m[:[s]s[.fraction]] and a zone (Z, UTC, GMT, UT, or an offset
// such as +08:00, -0530, +8).
func parseTimestamp(b []byte) (int64, bool) {
	b = trimSpace(b)
	days, rest, ok := parseDatePart(b)
	if !ok {
		return 0, false
	}
	us := days * microsPerDay
	if len(rest) == 0 {
		return us, true
	}
	if rest[0] != ' ' && rest[0] != 'T' {
		return 0, false
	}
	rest = rest[1:]
	h, i, ok := digitsN(rest, 0, 2)
	if !ok {
		return 0, false
	}
	var m, s, fracUs int
	if i < len(rest) && rest[i] == ':' {
		if m, i, ok = digitsN(rest, i+1, 2); !ok {
			return 0, false
		}
		if i < len(rest) && rest[i] == ':' {
			if s, i, ok = digitsN(rest, i+1, 2); !ok {
				return 0, false
			}
			if i < len(rest) && rest[i] == '.' {
				i++
				nd := 0
				for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
					if nd < 6 {
						fracUs = fracUs*10 + int(rest[i]-'0')
					}
					nd++
					i++
				}
				if nd > 9 {
					return 0, false
				}
				for k := min(nd, 6); k < 6; k++ {
					fracUs *= 10
				}
			}
		}
	}
	if h > 23 || m > 59 || s > 59 {
		return 0, false
	}
	us += int64(h)*microsPerHour + int64(m)*microsPerMinute + int64(s)*microsPerSecond + int64(fracUs)
	off, ok := parseZone(rest[i:])
	if !ok {
		return 0, false
	}
	return us - off, true
}

// parseZone returns a zone suffix's offset from UTC in microseconds.
func parseZone(z []byte) (int64, bool) {
	if len(z) > 0 && z[0] == ' ' {
		z = z[1:]
	}
	if len(z) == 0 {
		return 0, true
	}
	switch string(z) {
	case "Z", "UTC", "GMT", "UT":
		return 0, true
	}
	for _, p := range []string{"UTC", "GMT", "UT"} {
		if len(z) > len(p) && string(z[:len(p)]) == p && (z[len(p)] == '+' || z[len(p)] == '-') {
			z = z[len(p):]
			break
		}
	}
	if z[0] != '+' && z[0] != '-' {
		return 0, false
	}
	neg := z[0] == '-'
	h, i, ok := digitsN(z, 1, 2)
	if !ok {
		return 0, false
	}
	m, sec := 0, 0
	switch {
	case i == len(z):
	case z[i] == ':':
		if m, i, ok = digitsN(z, i+1, 2); !ok || i-(i-2) != 2 {
			return 0, false
		}
		if i < len(z) && z[i] == ':' {
			if sec, i, ok = digitsN(z, i+1, 2); !ok {
				return 0, false
			}
		}
	default:
		if m, i, ok = digitsN(z, i, 2); !ok {
			return 0, false
		}
	}
	if i != len(z) || h > 18 || m > 59 || sec > 59 {
		return 0, false
	}
	off := int64(h)*microsPerHour + int64(m)*microsPerMinute + int64(sec)*microsPerSecond
	if neg {
		off = -off
	}
	return off, true
}
