package pqscan

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/float16"
)

// ColumnStats are the statistics of one column chunk (one column of one row
// group), converted to gluten-go's scalar representation.
//
// Min and Max hold int32, int64, float64, decimal128.Num, string, []byte,
// arrow.Date32, arrow.Timestamp or bool, matching the column's Arrow type.
// They are reported only when they are trustworthy bounds for the order the
// engine uses: signed for integers, numeric for decimals, IEEE for doubles,
// unsigned bytewise for strings and binary. In particular the reader ignores
// the legacy min/max fields for byte arrays, unsigned integers, decimals and
// INT96 (older writers computed them with signed comparison), bounds whose
// order the footer declares unknown, bounds containing NaN, and bounds with
// min > max.
//
// For DOUBLE columns the bounds cover the non-NaN values only: Parquet
// writers leave NaN out of statistics, so a column may hold NaN (which Spark
// orders above every number) even when Max is finite. A zero Min is reported
// as -0.0 and a zero Max as +0.0, as the Parquet spec asks.
type ColumnStats struct {
	// Min and Max bound every non-null value of the column chunk when
	// HasMinMax is true.
	Min, Max any
	// HasMinMax reports whether Min and Max are set.
	HasMinMax bool
	// MinExact and MaxExact report that the bound is known to be a value of
	// the chunk rather than a possibly truncated bound (writers may shorten
	// long strings; only the is_min/max_value_exact flags of the footer make
	// byte-array bounds exact).
	MinExact, MaxExact bool
	// NullCount is the number of nulls when HasNullCount is true.
	NullCount int64
	// HasNullCount reports whether NullCount is known.
	HasNullCount bool
}

// ColumnStats returns the statistics of column col (a position in Schema) in
// row group rg. Out-of-range arguments give the zero ColumnStats, which
// claims nothing.
func (f *File) ColumnStats(rg, col int) (cs ColumnStats) {
	if rg < 0 || rg >= len(f.mirror.RowGroups) || col < 0 || col >= len(f.cols) {
		return ColumnStats{}
	}
	defer func() {
		if recover() != nil {
			cs = ColumnStats{}
		}
	}()
	info := &f.cols[col]
	cc := &f.mirror.RowGroups[rg].Columns[info.leaf]
	if info.maxDef == 0 {
		cs.HasNullCount = true
	}
	if !cc.MetaData.Valid || !cc.MetaData.V.Statistics.Valid {
		return cs
	}
	st := &cc.MetaData.V.Statistics.V
	if st.NullCount.Valid && st.NullCount.V >= 0 {
		cs.NullCount, cs.HasNullCount = st.NullCount.V, true
	}
	var minB, maxB []byte
	var typed bool // the bounds come from min_value/max_value
	orderKnown := !f.mirror.ColumnOrders.Valid || info.typeDef
	switch {
	case st.MinValue.Valid && st.MaxValue.Valid && orderKnown:
		minB, maxB, typed = st.MinValue.V, st.MaxValue.V, true
	case st.Min.Valid && st.Max.Valid && legacyStatsUsable(info.conv):
		minB, maxB = st.Min.V, st.Max.V
	default:
		return cs
	}
	lo, okLo := statValue(info, minB)
	hi, okHi := statValue(info, maxB)
	if !okLo || !okHi {
		return cs
	}
	switch v := lo.(type) {
	case float64:
		if v == 0 {
			lo = math.Copysign(0, -1)
		}
		if hi.(float64) == 0 {
			hi = 0.0
		}
	}
	if compareStat(lo, hi) > 0 {
		return cs
	}
	cs.Min, cs.Max, cs.HasMinMax = lo, hi, true
	cs.MinExact, cs.MaxExact = true, true
	switch info.conv {
	case kByteArray, kFixedBinary:
		cs.MinExact = typed && st.IsMinValueExact.Valid && st.IsMinValueExact.V
		cs.MaxExact = typed && st.IsMaxValueExact.Valid && st.IsMaxValueExact.V
	}
	return cs
}

// legacyStatsUsable reports whether the deprecated min/max fields, computed
// with signed comparison of the physical values, bound the column in the
// engine's order.
func legacyStatsUsable(k convKind) bool {
	switch k {
	case kBool, kInt32, kInt8, kInt16, kInt64, kInt64Millis, kInt64Nanos, kTimeMillis, kFloat, kDouble:
		return true
	}
	return false
}

// statValue decodes one PLAIN-encoded statistics value into the column's
// scalar representation.
func statValue(info *columnInfo, b []byte) (any, bool) {
	i32 := func() (int32, bool) {
		if len(b) != 4 {
			return 0, false
		}
		return int32(binary.LittleEndian.Uint32(b)), true
	}
	i64 := func() (int64, bool) {
		if len(b) != 8 {
			return 0, false
		}
		return int64(binary.LittleEndian.Uint64(b)), true
	}
	isDate := info.field.Type.ID() == arrow.DATE32
	isTS := info.field.Type.ID() == arrow.TIMESTAMP
	switch info.conv {
	case kBool:
		if len(b) != 1 {
			return nil, false
		}
		return b[0]&1 != 0, true
	case kInt32:
		v, ok := i32()
		if isDate {
			return arrow.Date32(v), ok
		}
		return v, ok
	case kInt8:
		v, ok := i32()
		return v, ok && v >= math.MinInt8 && v <= math.MaxInt8
	case kInt16:
		v, ok := i32()
		return v, ok && v >= math.MinInt16 && v <= math.MaxInt16
	case kUint8:
		v, ok := i32()
		return v, ok && uint32(v) <= math.MaxUint8
	case kUint16:
		v, ok := i32()
		return v, ok && uint32(v) <= math.MaxUint16
	case kUint32:
		v, ok := i32()
		return int64(uint32(v)), ok
	case kInt64:
		v, ok := i64()
		if isTS {
			return arrow.Timestamp(v), ok
		}
		return v, ok
	case kInt64Millis:
		v, ok := i64()
		if !ok || v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
			return nil, false
		}
		return arrow.Timestamp(v * 1000), true
	case kInt64Nanos:
		v, ok := i64()
		v = floorDiv1000(v)
		if isTS {
			return arrow.Timestamp(v), ok
		}
		return v, ok
	case kTimeMillis:
		v, ok := i32()
		return int64(v) * 1000, ok
	case kUint64:
		v, ok := i64()
		return decimal128.New(0, uint64(v)), ok
	case kInt32Decimal:
		v, ok := i32()
		return decimal128.FromI64(int64(v)), ok
	case kInt64Decimal:
		v, ok := i64()
		return decimal128.FromI64(v), ok
	case kFixedDecimal, kBytesDecimal:
		if len(b) == 0 {
			return nil, false
		}
		n, ok := decimalFromBigEndian(b)
		return n, ok
	case kFloat:
		if len(b) != 4 {
			return nil, false
		}
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		return v, !math.IsNaN(v)
	case kDouble:
		if len(b) != 8 {
			return nil, false
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(b))
		return v, !math.IsNaN(v)
	case kFloat16:
		if len(b) != 2 {
			return nil, false
		}
		v := float64(float16.FromBits(binary.LittleEndian.Uint16(b)).Float32())
		return v, !math.IsNaN(v)
	case kByteArray:
		if info.field.Type.ID() == arrow.STRING {
			return string(b), true
		}
		return bytes.Clone(b), true
	case kFixedBinary:
		if len(b) > info.typeLen {
			return nil, false
		}
		return bytes.Clone(b), true
	}
	return nil, false
}

// compareStat orders two statistics values of the same type.
func compareStat(a, b any) int {
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int32:
		return cmp3(x, b.(int32))
	case int64:
		return cmp3(x, b.(int64))
	case arrow.Date32:
		return cmp3(x, b.(arrow.Date32))
	case arrow.Timestamp:
		return cmp3(x, b.(arrow.Timestamp))
	case float64:
		return cmp3(x, b.(float64))
	case decimal128.Num:
		return x.Cmp(b.(decimal128.Num))
	case string:
		return cmp3(x, b.(string))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	}
	return 0
}

func cmp3[T int32 | int64 | arrow.Date32 | arrow.Timestamp | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
