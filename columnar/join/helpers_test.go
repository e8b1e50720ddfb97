package join

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	tsType  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	decType = &arrow.Decimal128Type{Precision: 38, Scale: 2}
)

// allTypes are the key types the tests cover.
var allTypes = []arrow.DataType{
	arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
	arrow.PrimitiveTypes.Float64, decType, arrow.BinaryTypes.String, arrow.BinaryTypes.Binary,
	arrow.FixedWidthTypes.Date32, tsType,
}

// genCol returns a column of n values of type t drawn from card distinct
// values (some NULL with probability nullFrac). Doubles include -0.0 and
// NaNs of several payloads; decimals use their high words.
func genCol(mem memory.Allocator, rng *rand.Rand, t arrow.DataType, n, card int, nullFrac float64) arrow.Array {
	b := array.NewBuilder(mem, t)
	defer b.Release()
	for i := 0; i < n; i++ {
		if rng.Float64() < nullFrac {
			b.AppendNull()
			continue
		}
		v := rng.IntN(card)
		switch bb := b.(type) {
		case *array.BooleanBuilder:
			bb.Append(v%2 == 1)
		case *array.Int32Builder:
			bb.Append(int32(v) - int32(card/2))
		case *array.Int64Builder:
			bb.Append(int64(v)*1_000_000_007 - 3)
		case *array.Float64Builder:
			switch v {
			case 0:
				if rng.IntN(2) == 0 {
					bb.Append(math.Copysign(0, -1))
				} else {
					bb.Append(0)
				}
			case 1:
				bb.Append(math.Float64frombits(0x7ff8000000000000 | uint64(rng.IntN(1000)+1)))
			default:
				bb.Append(float64(v) / 4)
			}
		case *array.Decimal128Builder:
			bb.Append(decimal128.New(int64(v%3)-1, uint64(v)*0x9e3779b97f4a7c15))
		case *array.StringBuilder:
			bb.Append(strings.Repeat("x", v%5) + fmt.Sprint(v))
		case *array.BinaryBuilder:
			if v == 0 {
				bb.Append([]byte{})
			} else {
				bb.Append([]byte(fmt.Sprintf("b%03d", v)))
			}
		case *array.Date32Builder:
			bb.Append(arrow.Date32(v - 100))
		case *array.TimestampBuilder:
			bb.Append(arrow.Timestamp(int64(v) * 86_400_000_000))
		default:
			panic(fmt.Sprintf("genCol: %T", b))
		}
	}
	return b.NewArray()
}

// keyString renders row i's key tuple canonically (-0.0 as 0, NaN as one
// NaN), or "" with ok false when some key is NULL.
func keyString(cols []arrow.Array, i int) (string, bool) {
	var sb strings.Builder
	for _, c := range cols {
		if c.IsNull(i) || c.DataType().ID() == arrow.NULL {
			return "", false
		}
		switch a := c.(type) {
		case *array.Float64:
			v := a.Value(i)
			switch {
			case v == 0:
				v = 0
			case v != v:
				v = math.NaN()
			}
			fmt.Fprintf(&sb, "%v|", v)
		case *array.Decimal128:
			v := a.Value(i)
			fmt.Fprintf(&sb, "%d,%d|", v.HighBits(), v.LowBits())
		case *array.Binary:
			fmt.Fprintf(&sb, "%q|", a.Value(i))
		default:
			fmt.Fprintf(&sb, "%v|", c.GetOneForMarshal(i))
		}
	}
	return sb.String(), true
}

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		a.Release()
	}
}

// sliceAll returns arrs[from:to] (new references).
func sliceAll(arrs []arrow.Array, from, to int) []arrow.Array {
	out := make([]arrow.Array, len(arrs))
	for i, a := range arrs {
		out[i] = array.NewSlice(a, int64(from), int64(to))
	}
	return out
}

func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}
