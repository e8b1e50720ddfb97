package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Per-value helpers.
//
// The functions below are the semantics of this package's kernels applied
// to one value at a time. They exist for the row engine (package
// columnar/rowexpr), which must give exactly the answers of the vectorized
// kernels: both call the same code. Decimals are unscaled values
// (decimal128.Num) with their precision and scale passed alongside; DATE is
// days since 1970-01-01 and TIMESTAMP microseconds since the epoch (UTC).
// Functions returning ok=false mean SQL NULL.

// DecimalOp is a decimal arithmetic operator bound to its operand types,
// with Arith's semantics: results rounded HALF_UP to the result scale, NULL
// (ok=false) when they do not fit the result precision or on x/0 and x%0.
type DecimalOp struct {
	op  ArithOp
	typ arrow.DataType
	d   decPlan
}

// NewDecimalOp returns the operator l op r for decimal types lt and rt; its
// result type is ArithResultType(op, lt, rt).
func NewDecimalOp(op ArithOp, lt, rt arrow.DataType) (*DecimalOp, error) {
	if lt == nil || rt == nil || lt.ID() != arrow.DECIMAL128 || rt.ID() != arrow.DECIMAL128 {
		return nil, typeErr("decimal %s: operands %s and %s are not both decimals", op, typeName(lt), typeName(rt))
	}
	t, err := arithResultType(op, lt, rt)
	if err != nil {
		return nil, err
	}
	return &DecimalOp{op: op, typ: t, d: newDecPlan(op, lt, rt, t)}, nil
}

// ResultType returns the decimal type of the results.
func (o *DecimalOp) ResultType() arrow.DataType { return o.typ }

// Apply returns a op b, or ok=false for NULL. It runs the kernels' own code
// on one element.
func (o *DecimalOp) Apply(a, b decimal128.Num) (decimal128.Num, bool) {
	x := [1]i128{fromNum(a)}
	y := [1]i128{fromNum(b)}
	var r [1]i128
	vb := [1]byte{1}
	d := &o.d
	switch o.op {
	case Add, Sub:
		if d.narrow {
			decAddNarrow(o.op == Sub, d, operand{}, operand{}, x[:], 0, y[:], 0, r[:])
		} else {
			decAddLoop(o.op == Sub, d, x[:], 0, y[:], 0, r[:], vb[:])
		}
	case Mul:
		if d.narrow {
			decMulNarrow(x[:], 0, y[:], 0, r[:])
		} else {
			decMulLoop(d, x[:], 0, y[:], 0, r[:], vb[:])
		}
	case Div:
		decDivLoop(d, x[:], 0, y[:], 0, r[:], vb[:])
	case Mod:
		decModLoop(d, x[:], 0, y[:], 0, r[:], vb[:])
	}
	return toNum(r[0]), vb[0]&1 != 0
}

// CompareDecimal compares the decimals a (of scale as) and b (of scale bs)
// exactly: -1, 0 or 1.
func CompareDecimal(a decimal128.Num, as int32, b decimal128.Num, bs int32) int {
	s := max(as, bs)
	return cmpDec(fromNum(a), fromNum(b), int(s-as), int(s-bs))
}

// DecimalFits reports whether the unscaled v has at most precision digits.
func DecimalFits(v decimal128.Num, precision int32) bool {
	return fitsPrecision(fromNum(v), precision)
}

// RescaleDecimal changes v's scale by delta digits (positive: multiply by
// 10^delta; negative: divide, rounding HALF_UP), ok=false when the result
// has more than precision digits: Cast between decimals.
func RescaleDecimal(v decimal128.Num, delta int, precision int32) (decimal128.Num, bool) {
	r, ok := rescaleDec(fromNum(v), delta, precision)
	return toNum(r), ok
}

// ParseInt64 parses a string as Cast to BIGINT does (Spark's
// UTF8String.toLong: trimmed, a fraction truncated, overflow invalid).
func ParseInt64(b []byte) (int64, bool) { return parseInt64(b) }

// ParseInt32 parses a string as Cast to INT does.
func ParseInt32(b []byte) (int32, bool) { return parseInt32(b) }

// ParseDouble parses a string as Cast to DOUBLE does (Java's
// Double.parseDouble plus Spark's inf/nan spellings).
func ParseDouble(b []byte) (float64, bool) { return parseFloat64(b) }

// ParseBool parses a string as Cast to BOOLEAN does (t, true, y, yes, 1 and
// f, false, n, no, 0 in any case).
func ParseBool(b []byte) (bool, bool) { return parseBool(b) }

// ParseDecimal parses a string as Cast to DECIMAL(precision, scale) does,
// returning the unscaled value rounded HALF_UP.
func ParseDecimal(b []byte, precision, scale int32) (decimal128.Num, bool) {
	r, ok := parseDecimal(b, precision, scale)
	return toNum(r), ok
}

// ParseDate parses a string as Cast to DATE does.
func ParseDate(b []byte) (int32, bool) {
	d, ok := parseDate(b)
	return int32(d), ok
}

// ParseTimestamp parses a string as Cast to TIMESTAMP does (UTC session
// time zone).
func ParseTimestamp(b []byte) (int64, bool) { return parseTimestamp(b) }

// AppendDouble appends f as Cast to STRING renders it (Java's
// Double.toString).
func AppendDouble(dst []byte, f float64) []byte { return appendDouble(dst, f) }

// AppendDecimal appends the unscaled v of the given scale as plain decimal
// text, as Cast to STRING renders it.
func AppendDecimal(dst []byte, v decimal128.Num, scale int32) []byte {
	return appendDecimal(dst, fromNum(v), scale)
}

// AppendDate appends a DATE as yyyy-MM-dd.
func AppendDate(dst []byte, days int32) []byte { return appendDate(dst, int64(days)) }

// AppendTimestamp appends a TIMESTAMP as yyyy-MM-dd HH:mm:ss[.ffffff].
func AppendTimestamp(dst []byte, micros int64) []byte { return appendTimestamp(dst, micros) }

// DoubleToInt64 is Cast from DOUBLE to BIGINT (Java's (long): NaN is 0, out
// of range saturates).
func DoubleToInt64(f float64) int64 { return doubleToInt64(f) }

// DoubleToInt32 is Cast from DOUBLE to INT.
func DoubleToInt32(f float64) int32 { return doubleToInt32(f) }

// DecimalToInt64 truncates the decimal v / 10^scale toward zero and keeps
// the low 64 bits, as Cast from DECIMAL to BIGINT (and, truncated further to
// 32 bits, to INT). A negative scale multiplies.
func DecimalToInt64(v decimal128.Num, scale int32) int64 { return decimalToLong(fromNum(v), scale) }

// DecimalToDouble is Cast from DECIMAL to DOUBLE: the double nearest to
// v / 10^scale.
func DecimalToDouble(v decimal128.Num, scale int32) float64 {
	return decimalToDouble(fromNum(v), scale)
}

// DoubleToDecimal is Cast from DOUBLE to DECIMAL(precision, scale).
func DoubleToDecimal(f float64, precision, scale int32) (decimal128.Num, bool) {
	r, ok := doubleToDecimal(f, precision, scale)
	return toNum(r), ok
}

// SecondsToMicros converts seconds to microseconds, saturating (Cast from
// integers to TIMESTAMP).
func SecondsToMicros(s int64) int64 { return secondsToMicros(s) }

// FloorDiv divides rounding toward negative infinity.
func FloorDiv(a, b int64) int64 { return floorDiv(a, b) }

// SubstringSQL is substring(s, pos, length): 1-based pos (0 counts as 1,
// negative from the end), length in characters. The result points into s.
func SubstringSQL(s []byte, pos, length int64) []byte { return substringSQL(s, pos, length) }

// AppendUpper appends upper(s) to dst.
func AppendUpper(dst, s []byte) []byte { return appendUpper(dst, s) }

// AppendLower appends lower(s) to dst.
func AppendLower(dst, s []byte) []byte { return appendLower(dst, s) }

// AppendReverse appends reverse(s) (by character) to dst.
func AppendReverse(dst, s []byte) []byte { return appendReverse(dst, s) }

// NumChars returns the number of UTF-8 characters of s (length(s)).
func NumChars(s []byte) int { return numChars(s) }

// IndexChars returns the 0-based character index of the first occurrence
// of sub in s at or after character start, or -1 (instr, locate).
func IndexChars(s, sub []byte, start int) int { return indexChars(s, sub, start) }

// TrimChars trims the characters of set from the left and/or right of s;
// a nil set trims spaces (trim, ltrim, rtrim). The result points into s.
func TrimChars(s, set []byte, left, right bool) []byte { return trimSet(s, set, left, right) }

// AppendPadded appends lpad (left) or rpad of s to length characters with
// pad to dst.
func AppendPadded(dst, s, pad []byte, length int64, left bool) []byte {
	return appendPadded(dst, s, pad, length, left)
}

// PadLimit is the byte limit above which lpad and rpad report an error
// (counting 4 bytes per requested character).
const PadLimit = padLimit

// RoundDecimal is round (or bround, halfEven) of the unscaled v of scale s
// to d digits, expressed at the result scale rs and checked against the
// result precision p.
func RoundDecimal(v decimal128.Num, s, d, rs, p int32, halfEven bool) (decimal128.Num, bool) {
	r, ok := roundDec(fromNum(v), s, d, rs, p, halfEven)
	return toNum(r), ok
}

// RoundDouble is round (or bround) of a DOUBLE to d digits.
func RoundDouble(f float64, d int32, halfEven bool) float64 { return roundDouble(f, d, halfEven) }

// RoundInt is round (or bround) of an integer to d digits (a negative d
// rounds to tens, hundreds, ...), wrapping to 64 bits.
func RoundInt(x int64, d int32, halfEven bool) int64 { return roundInt(x, d, halfEven) }

// FloorCeilDecimal is floor (or ceil) of the unscaled v of scale s, as a
// decimal of scale 0 and precision rp.
func FloorCeilDecimal(v decimal128.Num, s, rp int32, ceil bool) (decimal128.Num, bool) {
	r, ok := floorCeilDec(fromNum(v), s, rp, ceil)
	return toNum(r), ok
}

// DoubleFunc returns the per-value form of a DOUBLE -> DOUBLE function of
// the registry (sqrt, exp, ln, log10, log2, signum), ok=false meaning NULL;
// nil for another name.
func DoubleFunc(name string) func(float64) (float64, bool) { return doubleFuncs[name] }

// DateField returns the per-value form of a DATE -> INT function of the
// registry (year, month, day, quarter, dayofweek, dayofyear, weekofyear;
// canonical names); nil for another name.
func DateField(name string) func(days int64) int32 {
	for _, f := range dateFields {
		if f.name == name {
			return f.f
		}
	}
	return nil
}

// TimeField returns the per-value form of hour, minute or second of a
// TIMESTAMP; nil for another name.
func TimeField(name string) func(micros int64) int32 {
	for _, f := range timeFields {
		if f.name == name {
			unit, mod := f.unit, f.mod
			return func(us int64) int32 { return timeOfDayField(us, unit, mod) }
		}
	}
	return nil
}

// AddMonths is add_months(days, months): the day of month kept, clamped to
// the end of the target month. The result may not fit a DATE (see
// FitsDate).
func AddMonths(days, months int64) int64 { return addMonths(days, months) }

// FitsDate reports whether a day number is a valid DATE (fits 32 bits).
func FitsDate(days int64) bool { return fitsDate(days) }

// LastDay is last_day(d).
func LastDay(d int32) (int32, bool) { return lastDay(d) }

// MakeDate is make_date(y, m, d).
func MakeDate(y, m, d int32) (int32, bool) { return makeDate(y, m, d) }

// TimestampAddInterval is timestamp_add_interval(ts, months, micros).
func TimestampAddInterval(ts, months, micros int64) (int64, bool) {
	return timestampAddInterval(ts, months, micros)
}

// FormatLiteral renders a Go value of type t (see Literal) as a literal's
// String does (Spark's Literal.toString).
func FormatLiteral(v any, t arrow.DataType) string { return formatValue(v, t) }
