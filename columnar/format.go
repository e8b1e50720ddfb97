package columnar

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// FormatValue renders a Go value of type t the way Spark prints a value.
func FormatValue(v any, t arrow.DataType) string {
	if v == nil {
		return "null"
	}
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FormatDouble(x)
	case decimal128.Num:
		_, s, _ := IsDecimal(t)
		return FormatDecimal(x, s)
	case string:
		return x
	case []byte:
		return fmt.Sprintf("%X", x)
	case arrow.Date32:
		return FormatDate(x)
	case arrow.Timestamp:
		return FormatTimestamp(x)
	}
	return fmt.Sprint(v)
}

// FormatDouble renders a float64 as Java's Double.toString does (Spark's
// text form): 1.0, 0.1, 1.0E10, NaN, Infinity.
func FormatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	return mant + "E" + exp
}

// FormatDecimal renders an unscaled decimal with its scale as plain text.
func FormatDecimal(n decimal128.Num, scale int32) string {
	bi := n.BigInt()
	neg := bi.Sign() < 0
	digits := new(big.Int).Abs(bi).String()
	if scale > 0 {
		if len(digits) <= int(scale) {
			digits = strings.Repeat("0", int(scale)-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-int(scale)] + "." + digits[len(digits)-int(scale):]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// FormatDate renders days since the epoch as yyyy-MM-dd.
func FormatDate(d arrow.Date32) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
}

// FormatTimestamp renders microseconds since the epoch as Spark does:
// yyyy-MM-dd HH:mm:ss with the fraction only when not zero.
func FormatTimestamp(ts arrow.Timestamp) string {
	t := time.UnixMicro(int64(ts)).UTC()
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		frac := strings.TrimRight(fmt.Sprintf("%06d", us), "0")
		s += "." + frac
	}
	return s
}
