package agg

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	tBool = arrow.FixedWidthTypes.Boolean
	tI32  = arrow.PrimitiveTypes.Int32
	tI64  = arrow.PrimitiveTypes.Int64
	tF64  = arrow.PrimitiveTypes.Float64
	tStr  = arrow.BinaryTypes.String
	tBin  = arrow.BinaryTypes.Binary
	tDate = arrow.FixedWidthTypes.Date32
	tTS   = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tNull = arrow.Null
)

func dec(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }

// valueGen draws a random value of a type (nil = NULL).
type valueGen func(r *rand.Rand) any

// genOf returns a generator for typ: card bounds the distinct values
// (roughly), nullProb the share of NULLs.
func genOf(typ arrow.DataType, card int, nullProb float64) valueGen {
	return func(r *rand.Rand) any {
		if typ.ID() == arrow.NULL || r.Float64() < nullProb {
			return nil
		}
		pick := func() int { return r.IntN(card) }
		switch typ.ID() {
		case arrow.BOOL:
			return r.IntN(2) == 1
		case arrow.INT32:
			return int32(pick() - card/2)
		case arrow.DATE32:
			return arrow.Date32(pick() + 10000)
		case arrow.INT64:
			return int64(pick()-card/2) * 3
		case arrow.TIMESTAMP:
			return arrow.Timestamp(int64(pick()) * 1000000)
		case arrow.FLOAT64:
			switch r.IntN(10) {
			case 0:
				return math.NaN()
			case 1:
				return math.Copysign(0, -1)
			case 2:
				return math.Float64frombits(0x7ff8000000000abc)
			}
			return float64(pick()) / 4
		case arrow.STRING, arrow.BINARY:
			s := fmt.Sprint(pick())
			if r.IntN(4) == 0 {
				s = ""
			}
			if typ.ID() == arrow.BINARY {
				return []byte(s)
			}
			return s
		case arrow.DECIMAL128:
			return decimal128.FromI64(int64(pick() - card/2))
		}
		panic(typ)
	}
}

func build(mem memory.Allocator, typ arrow.DataType, vals []any) arrow.Array {
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.BooleanBuilder:
			bb.Append(v.(bool))
		case *array.Int32Builder:
			bb.Append(v.(int32))
		case *array.Int64Builder:
			bb.Append(v.(int64))
		case *array.Float64Builder:
			bb.Append(v.(float64))
		case *array.StringBuilder:
			bb.Append(v.(string))
		case *array.BinaryBuilder:
			bb.Append(v.([]byte))
		case *array.Date32Builder:
			bb.Append(v.(arrow.Date32))
		case *array.TimestampBuilder:
			bb.Append(v.(arrow.Timestamp))
		case *array.Decimal128Builder:
			bb.Append(v.(decimal128.Num))
		default:
			panic(fmt.Sprintf("builder %T", b))
		}
	}
	return b.NewArray()
}

// buildSliced builds vals as a slice [pad, pad+len) of a larger array whose
// extra rows come from junk.
func buildSliced(mem memory.Allocator, typ arrow.DataType, vals []any, pad int, junk valueGen, r *rand.Rand) arrow.Array {
	if pad == 0 {
		return build(mem, typ, vals)
	}
	full := make([]any, 0, len(vals)+2*pad)
	for i := 0; i < pad; i++ {
		full = append(full, junk(r))
	}
	full = append(full, vals...)
	for i := 0; i < pad; i++ {
		full = append(full, junk(r))
	}
	whole := build(mem, typ, full)
	defer whole.Release()
	return array.NewSlice(whole, int64(pad), int64(pad+len(vals)))
}

func valueAt(arr arrow.Array, i int) any {
	if arr.DataType().ID() == arrow.NULL || arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...)
	case *array.Date32:
		return a.Value(i)
	case *array.Timestamp:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i)
	}
	panic(fmt.Sprintf("array %T", arr))
}

// sameValue compares Go values: NaNs equal each other; zeroSign decides
// whether -0.0 and 0.0 differ.
func sameValue(a, b any, zeroSign bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		if zeroSign {
			return math.Float64bits(x) == math.Float64bits(y)
		}
		return x == y
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

func bigPow10(n int32) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// fitsPrec reports |v| < 10^p.
func fitsPrec(v *big.Int, p int32) bool {
	return new(big.Int).Abs(v).Cmp(bigPow10(p)) < 0
}

// divHalfUp returns round(num/den) with ties away from zero.
func divHalfUp(num *big.Int, den int64) *big.Int {
	d := big.NewInt(den)
	q, r := new(big.Int).QuoRem(num, d, new(big.Int))
	r.Abs(r).Mul(r, big.NewInt(2))
	if r.Cmp(d) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}
