package join

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// ErrInvalid is wrapped by errors about invalid arguments: key columns of
// the wrong count, type or length, indices out of range.
var ErrInvalid = errors.New("invalid")

// ErrUnsupported is wrapped by errors about inputs beyond the kernels'
// limits: unsupported key types, more than 2^32-2 build rows, more than
// 2 GiB of gathered string data.
var ErrUnsupported = errors.New("unsupported")

// kind is the physical class of a key column.
type kind uint8

const (
	kNull  kind = iota // arrow.Null: every row NULL
	kBool              // BOOLEAN
	kI32               // INT, DATE
	kI64               // BIGINT, TIMESTAMP
	kF64               // DOUBLE
	kDec               // DECIMAL (128-bit)
	kBytes             // STRING, BINARY
)

// kindOf returns the kind of a gluten-go type.
func kindOf(t arrow.DataType) (kind, error) {
	if t == nil {
		return 0, fmt.Errorf("%w: nil key type", ErrInvalid)
	}
	switch t.ID() {
	case arrow.NULL:
		return kNull, nil
	case arrow.BOOL:
		return kBool, nil
	case arrow.INT32, arrow.DATE32:
		return kI32, nil
	case arrow.INT64, arrow.TIMESTAMP:
		return kI64, nil
	case arrow.FLOAT64:
		return kF64, nil
	case arrow.DECIMAL128:
		return kDec, nil
	case arrow.STRING, arrow.BINARY:
		return kBytes, nil
	}
	return 0, fmt.Errorf("%w: join key type %s", ErrUnsupported, t)
}

// colView is a typed view of one key column: raw slices starting at the
// column's first row, and its validity bitmap (nil when no row is NULL; bit
// voff+i is row i).
type colView struct {
	kind  kind
	n     int
	valid []byte
	voff  int
	bits  []byte // kBool: bit boff+i
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

// bufBytes returns buffer i of d, or nil.
func bufBytes(d arrow.ArrayData, i int) []byte {
	bufs := d.Buffers()
	if i >= len(bufs) || bufs[i] == nil {
		return nil
	}
	return bufs[i].Bytes()
}

// fixedOf returns the values of a fixed-width array from its offset on.
func fixedOf[T any](d arrow.ArrayData) []T {
	s := castSlice[T](bufBytes(d, 1))
	if s == nil {
		return nil
	}
	return s[d.Offset() : d.Offset()+d.Len()]
}

// viewOf returns the view of arr, whose kind is k.
func viewOf(arr arrow.Array, k kind) colView {
	d := arr.Data()
	n := d.Len()
	v := colView{kind: k, n: n}
	if k == kNull {
		return v
	}
	if arr.NullN() > 0 {
		v.valid = bufBytes(d, 0)
		v.voff = d.Offset()
	}
	switch k {
	case kBool:
		v.bits = bufBytes(d, 1)
		v.boff = d.Offset()
	case kI32:
		v.i32 = fixedOf[int32](d)
	case kI64:
		v.i64 = fixedOf[int64](d)
	case kF64:
		v.f64 = fixedOf[float64](d)
	case kDec:
		v.dec = fixedOf[decimal128.Num](d)
	case kBytes:
		if o := castSlice[int32](bufBytes(d, 1)); o != nil {
			v.offs = o[d.Offset() : d.Offset()+n+1]
		} else {
			v.offs = make([]int32, n+1)
		}
		v.data = bufBytes(d, 2)
	}
	return v
}

// isNull reports whether row i is NULL.
func (v *colView) isNull(i int) bool {
	return v.kind == kNull || (v.valid != nil && !bitutil.BitIsSet(v.valid, v.voff+i))
}

// normF64 returns the bits of f with -0.0 as 0.0 and every NaN as one NaN.
func normF64(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}

// eqAt reports whether row i of a equals row j of b (both non-NULL, same
// kind).
func eqAt(a *colView, i int, b *colView, j int) bool {
	switch a.kind {
	case kBool:
		return bitutil.BitIsSet(a.bits, a.boff+i) == bitutil.BitIsSet(b.bits, b.boff+j)
	case kI32:
		return a.i32[i] == b.i32[j]
	case kI64:
		return a.i64[i] == b.i64[j]
	case kF64:
		return normF64(a.f64[i]) == normF64(b.f64[j])
	case kDec:
		return a.dec[i] == b.dec[j]
	case kBytes:
		return string(a.data[a.offs[i]:a.offs[i+1]]) == string(b.data[b.offs[j]:b.offs[j+1]])
	}
	return false
}

// eqRows reports, for every k, whether row ai[k] of a equals row bi[k] of
// b (all non-NULL), clearing ok[k] where not. It is the vectorized check
// that hash matches are key matches.
func eqRows(a, b *colView, ai, bi []int32, ok []bool) {
	switch a.kind {
	case kBool:
		for k, i := range ai {
			j := bi[k]
			if bitutil.BitIsSet(a.bits, a.boff+int(i)) != bitutil.BitIsSet(b.bits, b.boff+int(j)) {
				ok[k] = false
			}
		}
	case kI32:
		x, y := a.i32, b.i32
		for k, i := range ai {
			if x[i] != y[bi[k]] {
				ok[k] = false
			}
		}
	case kI64:
		x, y := a.i64, b.i64
		for k, i := range ai {
			if x[i] != y[bi[k]] {
				ok[k] = false
			}
		}
	case kF64:
		x, y := a.f64, b.f64
		for k, i := range ai {
			if normF64(x[i]) != normF64(y[bi[k]]) {
				ok[k] = false
			}
		}
	case kDec:
		x, y := a.dec, b.dec
		for k, i := range ai {
			if x[i] != y[bi[k]] {
				ok[k] = false
			}
		}
	case kBytes:
		xo, xd, yo, yd := a.offs, a.data, b.offs, b.data
		for k, i := range ai {
			j := bi[k]
			if string(xd[xo[i]:xo[i+1]]) != string(yd[yo[j]:yo[j+1]]) {
				ok[k] = false
			}
		}
	default:
		for k := range ai {
			ok[k] = false
		}
	}
}

// sizeOfT returns the size of a T.
func sizeOfT[T any](z T) uintptr { return unsafe.Sizeof(z) }
