package expr

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// formatDouble renders f as Java's Double.toString does (which Spark uses
// for cast(double as string)): the shortest digits that round-trip, plain
// notation for 1e-3 <= |f| < 1e7 with at least one fractional digit, else
// computerized scientific notation such as 1.0E10 or 1.5E-5.
func formatDouble(f float64) string {
	return string(appendDouble(nil, f))
}

func appendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	// s is d[.ddd]e±XX
	epos := 0
	for i, c := range s {
		if c == 'e' {
			epos = i
			break
		}
	}
	var digits [24]byte
	nd := 0
	for _, c := range s[:epos] {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	exp, _ := strconv.Atoi(string(s[epos+1:]))
	ds := digits[:nd]
	if f >= 1e-3 && f < 1e7 {
		if exp >= 0 {
			if nd <= exp+1 {
				dst = append(dst, ds...)
				for i := nd; i < exp+1; i++ {
					dst = append(dst, '0')
				}
				return append(dst, ".0"...)
			}
			dst = append(dst, ds[:exp+1]...)
			dst = append(dst, '.')
			return append(dst, ds[exp+1:]...)
		}
		dst = append(dst, "0."...)
		for i := 0; i < -exp-1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, ds...)
	}
	dst = append(dst, ds[0], '.')
	if nd > 1 {
		dst = append(dst, ds[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}

// appendDecimal renders an unscaled decimal value with scale digits after
// the point, as plain digits (no exponent), keeping trailing zeros.
func appendDecimal(dst []byte, v i128, scale int32) []byte {
	neg := v.hi < 0
	mag := v
	if neg {
		mag = neg128(v)
	}
	var tmp [48]byte
	var ds []byte
	if mag.hi == 0 {
		ds = strconv.AppendUint(tmp[:0], mag.lo, 10)
	} else {
		b := new(big.Int).SetUint64(uint64(mag.hi))
		b.Lsh(b, 64)
		b.Or(b, new(big.Int).SetUint64(mag.lo))
		ds = b.Append(tmp[:0], 10)
	}
	if neg {
		dst = append(dst, '-')
	}
	s := int(scale)
	if s <= 0 {
		dst = append(dst, ds...)
		for i := 0; i < -s; i++ {
			dst = append(dst, '0')
		}
		return dst
	}
	if len(ds) <= s {
		dst = append(dst, "0."...)
		for i := len(ds); i < s; i++ {
			dst = append(dst, '0')
		}
		return append(dst, ds...)
	}
	dst = append(dst, ds[:len(ds)-s]...)
	dst = append(dst, '.')
	return append(dst, ds[len(ds)-s:]...)
}

func formatDecimal(v i128, scale int32) string { return string(appendDecimal(nil, v, scale)) }

func appendPad(dst []byte, v int64, width int) []byte {
	var tmp [24]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

func appendYear(dst []byte, y int64) []byte {
	switch {
	case y > 9999:
		dst = append(dst, '+')
		return strconv.AppendInt(dst, y, 10)
	case y < 0:
		dst = append(dst, '-')
		return appendPad(dst, -y, 4)
	}
	return appendPad(dst, y, 4)
}

// appendDate renders a day number as yyyy-MM-dd.
func appendDate(dst []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	dst = appendYear(dst, y)
	dst = append(dst, '-')
	dst = appendPad(dst, int64(m), 2)
	dst = append(dst, '-')
	return appendPad(dst, int64(d), 2)
}

func formatDate(days int64) string { return string(appendDate(nil, days)) }

// appendTimestamp renders microseconds since the epoch (UTC) as
// yyyy-MM-dd HH:mm:ss[.ffffff], trimming trailing zeros of the fraction.
func appendTimestamp(dst []byte, us int64) []byte {
	days := floorDiv(us, microsPerDay)
	rem := us - days*microsPerDay
	dst = appendDate(dst, days)
	dst = append(dst, ' ')
	dst = appendPad(dst, rem/microsPerHour, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, rem/microsPerMinute%60, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, rem/microsPerSecond%60, 2)
	if frac := rem % microsPerSecond; frac != 0 {
		dst = append(dst, '.')
		var tmp [8]byte
		f := appendPad(tmp[:0], frac, 6)
		end := len(f)
		for end > 0 && f[end-1] == '0' {
			end--
		}
		dst = append(dst, f[:end]...)
	}
	return dst
}

func formatTimestamp(us int64) string { return string(appendTimestamp(nil, us)) }

func formatHex(b []byte) string {
	const hexd = "0123456789ABCDEF"
	var sb strings.Builder
	sb.WriteString("0x")
	for _, c := range b {
		sb.WriteByte(hexd[c>>4])
		sb.WriteByte(hexd[c&15])
	}
	return sb.String()
}
