package agg

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// kind is the physical class of a column.
type kind uint8

const (
	kNull    kind = iota // arrow.Null
	kBool                // boolean
	kInt32               // int32, date32
	kInt64               // int64, timestamp
	kFloat64             // float64
	kDecimal             // decimal128
	kBytes               // string, binary
)

// kindOf returns the kind of a gluten-go type.
func kindOf(t arrow.DataType) (kind, error) {
	if t == nil {
		return 0, fmt.Errorf("%w: nil type", ErrInvalid)
	}
	switch t.ID() {
	case arrow.NULL:
		return kNull, nil
	case arrow.BOOL:
		return kBool, nil
	case arrow.INT32, arrow.DATE32:
		return kInt32, nil
	case arrow.INT64:
		return kInt64, nil
	case arrow.TIMESTAMP:
		if t.(*arrow.TimestampType).Unit != arrow.Microsecond {
			return 0, fmt.Errorf("%w: type %s (only microsecond timestamps)", ErrUnsupported, t)
		}
		return kInt64, nil
	case arrow.FLOAT64:
		return kFloat64, nil
	case arrow.DECIMAL128:
		return kDecimal, nil
	case arrow.STRING, arrow.BINARY:
		return kBytes, nil
	}
	return 0, fmt.Errorf("%w: type %s", ErrUnsupported, t)
}

// colData is a typed view of one column, of a batch or of a table's stored
// keys: raw slices starting at the column's first row, and the validity
// bitmap (nil when no row is NULL; bit voff+i is row i).
type colData struct {
	kind  kind
	n     int
	valid []byte
	voff  int
	bits  []byte // kBool values, bit boff+i
	boff  int
	i32   []int32
	i64   []int64
	f64   []float64
	dec   []decimal128.Num
	offs  []int32 // kBytes: row i is data[offs[i]:offs[i+1]]
	data  []byte
}

// castSlice reinterprets b as a slice of T.
func castSlice[T any](b []byte) []T {
	var z T
	sz := int(unsafe.Sizeof(z))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/sz)
}

func bufBytes(d arrow.ArrayData, i int) []byte {
	bufs := d.Buffers()
	if i >= len(bufs) || bufs[i] == nil {
		return nil
	}
	return bufs[i].Bytes()
}

func fixedValues[T any](d arrow.ArrayData) []T {
	s := castSlice[T](bufBytes(d, 1))
	if s == nil {
		return nil
	}
	return s[d.Offset() : d.Offset()+d.Len()]
}

// viewOf returns the typed view of arr, of kind k.
func viewOf(arr arrow.Array, k kind) colData {
	d := arr.Data()
	n := d.Len()
	c := colData{kind: k, n: n}
	if k == kNull {
		return c
	}
	if arr.NullN() > 0 {
		c.valid = arr.NullBitmapBytes()
		c.voff = d.Offset()
	}
	switch k {
	case kBool:
		c.bits = bufBytes(d, 1)
		c.boff = d.Offset()
	case kInt32:
		c.i32 = fixedValues[int32](d)
	case kInt64:
		c.i64 = fixedValues[int64](d)
	case kFloat64:
		c.f64 = fixedValues[float64](d)
	case kDecimal:
		c.dec = fixedValues[decimal128.Num](d)
	case kBytes:
		if o := castSlice[int32](bufBytes(d, 1)); o != nil {
			c.offs = o[d.Offset() : d.Offset()+n+1]
		} else {
			c.offs = make([]int32, n+1)
		}
		c.data = bufBytes(d, 2)
	}
	return c
}

// isNull reports whether row i is NULL.
func (c *colData) isNull(i int) bool {
	return c.kind == kNull || (c.valid != nil && !bitutil.BitIsSet(c.valid, c.voff+i))
}

func (c *colData) boolAt(i int) bool { return bitutil.BitIsSet(c.bits, c.boff+i) }

func (c *colData) bytesAt(i int) []byte { return c.data[c.offs[i]:c.offs[i+1]] }

// canonNaN is the NaN all NaNs are normalized to.
var canonNaN = math.Float64frombits(0x7ff8000000000001)

// normF64 normalizes a double for grouping: -0.0 becomes 0.0 and every NaN
// the canonical NaN, as Spark's NormalizeFloatingNumbers does.
func normF64(f float64) float64 {
	if f != f {
		return canonNaN
	}
	if f == 0 {
		return 0
	}
	return f
}

// fitsInt64 reports whether the decimal is an int64 (its high word is the
// sign extension of the low word).
func fitsInt64(d decimal128.Num) bool {
	return d.HighBits() == int64(d.LowBits())>>63
}

// equalRows reports whether row i of a equals row j of b (same kind) with
// GROUP BY semantics (NULL = NULL, -0.0 = 0.0, NaN = NaN).
func equalRows(a *colData, i int, b *colData, j int) bool {
	an, bn := a.isNull(i), b.isNull(j)
	if an || bn {
		return an == bn
	}
	switch a.kind {
	case kBool:
		return a.boolAt(i) == b.boolAt(j)
	case kInt32:
		return a.i32[i] == b.i32[j]
	case kInt64:
		return a.i64[i] == b.i64[j]
	case kFloat64:
		x, y := a.f64[i], b.f64[j]
		return x == y || (x != x && y != y)
	case kDecimal:
		return a.dec[i] == b.dec[j]
	case kBytes:
		return string(a.bytesAt(i)) == string(b.bytesAt(j))
	}
	return true
}

func sizeOf[T any](z T) uintptr { return unsafe.Sizeof(z) }
