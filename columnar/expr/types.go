package expr

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
)

const minAdjustedScale = 6

// adjustPrecisionScale is Spark's DecimalType.adjustPrecisionScale: a
// precision above 38 is capped, giving up scale (down to 6) to keep the
// integral digits.
func adjustPrecisionScale(p, s int32) (int32, int32) {
	if p <= columnar.MaxDecimalPrecision {
		return p, s
	}
	intDigits := p - s
	minScale := min(s, minAdjustedScale)
	s = max(columnar.MaxDecimalPrecision-intDigits, minScale)
	return columnar.MaxDecimalPrecision, s
}

// boundedDecimal is Spark's DecimalType.bounded.
func boundedDecimal(p, s int32) arrow.DataType {
	return columnar.Decimal(min(p, columnar.MaxDecimalPrecision), min(s, columnar.MaxDecimalPrecision))
}

func arithResultType(op ArithOp, lt, rt arrow.DataType) (arrow.DataType, error) {
	if lt == nil || rt == nil {
		return nil, invalidErr("arithmetic %s: nil type", op)
	}
	if op < Add || op > Mod {
		return nil, invalidErr("unknown arithmetic operator %d", int(op))
	}
	p1, s1, ok1 := columnar.IsDecimal(lt)
	p2, s2, ok2 := columnar.IsDecimal(rt)
	switch {
	case ok1 && ok2:
		var p, s int32
		switch op {
		case Add, Sub:
			s = max(s1, s2)
			p = max(p1-s1, p2-s2) + s + 1
		case Mul:
			p, s = p1+p2+1, s1+s2
		case Div:
			s = max(minAdjustedScale, s1+p2+1)
			p = p1 - s1 + s2 + s
		case Mod:
			s = max(s1, s2)
			p = min(p1-s1, p2-s2) + s
		}
		p, s = adjustPrecisionScale(p, s)
		return columnar.Decimal(p, s), nil
	case lt.ID() != rt.ID():
	case lt.ID() == arrow.INT32 || lt.ID() == arrow.INT64:
		if op == Div {
			return nil, typeErr("(%s %s %s): integer division is not supported; cast the operands to double", typeName(lt), op, typeName(rt))
		}
		return lt, nil
	case lt.ID() == arrow.FLOAT64:
		return lt, nil
	}
	return nil, typeErr("cannot apply %s to %s and %s: both sides must be int, bigint, double or decimal", op, typeName(lt), typeName(rt))
}

func decimalOf(t arrow.DataType) arrow.DataType {
	if t == nil {
		return nil
	}
	switch t.ID() {
	case arrow.INT32:
		return columnar.Decimal(10, 0)
	case arrow.INT64:
		return columnar.Decimal(20, 0)
	case arrow.DECIMAL128:
		return t
	}
	return nil
}

// widerDecimal is Spark's DecimalPrecision.widerDecimalType.
func widerDecimal(a, b arrow.DataType) arrow.DataType {
	p1, s1, _ := columnar.IsDecimal(a)
	p2, s2, _ := columnar.IsDecimal(b)
	s := max(s1, s2)
	r := max(p1-s1, p2-s2)
	return boundedDecimal(r+s, s)
}

// numericCommon widens two numeric types: int < bigint < double, decimals
// by widerDecimal, decimal with double is double.
func numericCommon(a, b arrow.DataType) (arrow.DataType, bool) {
	ai, bi := a.ID(), b.ID()
	switch {
	case ai == arrow.DECIMAL128 && bi == arrow.DECIMAL128:
		return widerDecimal(a, b), true
	case ai == arrow.FLOAT64 || bi == arrow.FLOAT64:
		return columnar.Float64, true
	case ai == arrow.DECIMAL128:
		return widerDecimal(a, decimalOf(b)), true
	case bi == arrow.DECIMAL128:
		return widerDecimal(decimalOf(a), b), true
	case ai == arrow.INT64 || bi == arrow.INT64:
		return columnar.Int64, true
	}
	return columnar.Int32, true
}

// tightest is the part of CommonType and WiderType they share: equal types,
// NULL, numeric widening and date/timestamp.
func tightest(a, b arrow.DataType) (arrow.DataType, bool, bool) {
	switch {
	case arrow.TypeEqual(a, b):
		return a, true, true
	case a.ID() == arrow.NULL:
		return b, true, true
	case b.ID() == arrow.NULL:
		return a, true, true
	case columnar.IsNumeric(a) && columnar.IsNumeric(b):
		t, ok := numericCommon(a, b)
		return t, ok, true
	case (a.ID() == arrow.DATE32 && b.ID() == arrow.TIMESTAMP) || (a.ID() == arrow.TIMESTAMP && b.ID() == arrow.DATE32):
		return columnar.Timestamp, true, true
	}
	return nil, false, false
}

func commonType(a, b arrow.DataType) (arrow.DataType, bool) {
	if a == nil || b == nil {
		return nil, false
	}
	if t, ok, decided := tightest(a, b); decided {
		return t, ok
	}
	// A string meets a non-string atomic type in a comparison: Spark's
	// findCommonTypeForBinaryComparison with ANSI mode off.
	if b.ID() == arrow.STRING {
		a, b = b, a
	}
	if a.ID() == arrow.STRING {
		switch b.ID() {
		case arrow.DECIMAL128, arrow.FLOAT64:
			return columnar.Float64, true
		case arrow.INT32, arrow.INT64, arrow.BOOL, arrow.DATE32, arrow.TIMESTAMP:
			return b, true
		}
	}
	return nil, false
}

// WiderType returns the type that CASE/IF/COALESCE branches, the values of
// an IN list together with its operand, and the columns of a UNION are
// widened to: Spark's findWiderTypeForTwo, which differs from CommonType in
// promoting a string meeting a number, date or timestamp to STRING (so
// `CASE WHEN c THEN 1 ELSE 'x' END` is a string). ok is false when there is
// no such type.
func WiderType(a, b arrow.DataType) (t arrow.DataType, ok bool) {
	if a == nil || b == nil {
		return nil, false
	}
	if t, ok, decided := tightest(a, b); decided {
		return t, ok
	}
	if b.ID() == arrow.STRING {
		a, b = b, a
	}
	if a.ID() == arrow.STRING && b.ID() != arrow.BINARY && b.ID() != arrow.BOOL {
		return columnar.String, true
	}
	return nil, false
}
