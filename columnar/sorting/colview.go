package sorting

import (
	"bytes"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// colKind is the physical class of a key column.
type colKind uint8

const (
	kNull    colKind = iota // arrow.Null: every row NULL
	kBool                   // boolean (bitmap values)
	kInt32                  // int32, date32
	kInt64                  // int64, timestamp
	kFloat64                // float64
	kDecimal                // decimal128
	kBytes                  // string, binary
)

// kindOf returns the colKind of a gluten-go type.
func kindOf(t arrow.DataType) (colKind, error) {
	switch t.ID() {
	case arrow.NULL:
		return kNull, nil
	case arrow.BOOL:
		return kBool, nil
	case arrow.INT32, arrow.DATE32:
		return kInt32, nil
	case arrow.INT64, arrow.TIMESTAMP:
		return kInt64, nil
	case arrow.FLOAT64:
		return kFloat64, nil
	case arrow.DECIMAL128:
		return kDecimal, nil
	case arrow.STRING, arrow.BINARY:
		return kBytes, nil
	}
	return 0, fmt.Errorf("%w: column type %s", ErrUnsupported, t)
}

// colView is a typed, allocation-free view of one key column: the raw value
// slices (already offset to the array's first element) and its validity
// bitmap (nil when the column has no NULLs; bit voff+i is row i).
type colView struct {
	kind       colKind
	desc       bool
	nullsFirst bool
	allNull    bool
	valid      []byte
	voff       int
	bits       []byte // kBool values; bit boff+i
	boff       int
	i32        []int32
	i64        []int64
	f64        []float64
	dec        []decimal128.Num
	offs       []int32 // kBytes: offs[i]..offs[i+1] index data
	data       []byte
}

// makeColView builds the view of arr (of kind k) for key.
func makeColView(arr arrow.Array, k colKind, key SortKey) colView {
	v := colView{kind: k, desc: key.Descending, nullsFirst: key.NullsFirst}
	n := arr.Len()
	if k == kNull {
		v.allNull = true
		return v
	}
	if arr.NullN() > 0 {
		if arr.NullN() == n {
			v.allNull = true
		}
		v.valid = arr.NullBitmapBytes()
		v.voff = arr.Data().Offset()
	}
	switch k {
	case kBool:
		v.bits = bufBytes(arr.Data(), 1)
		v.boff = arr.Data().Offset()
	case kInt32:
		v.i32 = fixedValues[int32](arr)
	case kInt64:
		v.i64 = fixedValues[int64](arr)
	case kFloat64:
		v.f64 = fixedValues[float64](arr)
	case kDecimal:
		v.dec = fixedValues[decimal128.Num](arr)
	case kBytes:
		v.offs, v.data = bytesView(arr)
	}
	return v
}

// bytesView returns the offsets (offset to the array's first element, n+1
// of them) and the whole data buffer of a string or binary array.
func bytesView(arr arrow.Array) ([]int32, []byte) {
	d := arr.Data()
	off := d.Offset()
	n := d.Len()
	bufs := d.Buffers()
	var offs []int32
	if len(bufs) > 1 && bufs[1] != nil && bufs[1].Len() > 0 {
		offs = castSlice[int32](bufs[1].Bytes())[off : off+n+1]
	} else {
		offs = make([]int32, n+1)
	}
	var data []byte
	if len(bufs) > 2 && bufs[2] != nil {
		data = bufs[2].Bytes()
	}
	return offs, data
}

// isNull reports whether row i is NULL.
func (v *colView) isNull(i int) bool {
	if v.allNull {
		return true
	}
	return v.valid != nil && !bitutil.BitIsSet(v.valid, v.voff+i)
}

// bytesAt returns the value of row i of a kBytes column.
func (v *colView) bytesAt(i int) []byte {
	return v.data[v.offs[i]:v.offs[i+1]]
}

// cmpF64 orders doubles as Spark does: -0.0 equals 0.0, NaN equals NaN and
// is greater than every other value.
func cmpF64(x, y float64) int {
	if x < y {
		return -1
	}
	if x > y {
		return 1
	}
	if x == y {
		return 0
	}
	xn, yn := math.IsNaN(x), math.IsNaN(y)
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	default:
		return -1
	}
}

func cmpBytes(a, b []byte) int { return bytes.Compare(a, b) }

func cmpDec(a, b decimal128.Num) int {
	if a.HighBits() != b.HighBits() {
		if a.HighBits() < b.HighBits() {
			return -1
		}
		return 1
	}
	if a.LowBits() != b.LowBits() {
		if a.LowBits() < b.LowBits() {
			return -1
		}
		return 1
	}
	return 0
}

// cmpValues compares the non-NULL values row i of a and row j of b (same
// kind), ascending.
func cmpValues(a *colView, i int, b *colView, j int) int {
	switch a.kind {
	case kBool:
		x, y := bitutil.BitIsSet(a.bits, a.boff+i), bitutil.BitIsSet(b.bits, b.boff+j)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	case kInt32:
		x, y := a.i32[i], b.i32[j]
		if x < y {
			return -1
		}
		if x > y {
			return 1
		}
		return 0
	case kInt64:
		x, y := a.i64[i], b.i64[j]
		if x < y {
			return -1
		}
		if x > y {
			return 1
		}
		return 0
	case kFloat64:
		return cmpF64(a.f64[i], b.f64[j])
	case kDecimal:
		return cmpDec(a.dec[i], b.dec[j])
	case kBytes:
		return cmpBytes(a.bytesAt(i), b.bytesAt(j))
	}
	return 0
}

// cmpCol compares row i of a with row j of b on one key (direction and
// NULL placement included).
func cmpCol(a *colView, i int, b *colView, j int) int {
	an, bn := a.isNull(i), b.isNull(j)
	if an || bn {
		switch {
		case an && bn:
			return 0
		case an == a.nullsFirst:
			return -1
		default:
			return 1
		}
	}
	c := cmpValues(a, i, b, j)
	if a.desc {
		return -c
	}
	return c
}

// cmpCols compares row i of a with row j of b on keys from..len-1.
func cmpCols(a []colView, i int, b []colView, j int, from int) int {
	for k := from; k < len(a); k++ {
		if c := cmpCol(&a[k], i, &b[k], j); c != 0 {
			return c
		}
	}
	return 0
}

// resolveKeys checks keys against schema-typed columns and returns their kinds.
func resolveKeys(fields []arrow.Field, keys []SortKey) ([]colKind, error) {
	kinds := make([]colKind, len(keys))
	for n, k := range keys {
		if k.Column < 0 || k.Column >= len(fields) {
			return nil, fmt.Errorf("%w: sort key %d: column %d out of range [0, %d)", ErrInvalid, n, k.Column, len(fields))
		}
		kd, err := kindOf(fields[k.Column].Type)
		if err != nil {
			return nil, fmt.Errorf("sort key %d (column %d %q): %w", n, k.Column, fields[k.Column].Name, err)
		}
		kinds[n] = kd
	}
	return kinds, nil
}

// viewsOf binds batch's key columns.
func viewsOf(batch arrow.RecordBatch, keys []SortKey, kinds []colKind) ([]colView, error) {
	cols := make([]colView, len(keys))
	nc := int(batch.NumCols())
	for n, k := range keys {
		if k.Column < 0 || k.Column >= nc {
			return nil, fmt.Errorf("%w: sort key %d: column %d out of range [0, %d)", ErrInvalid, n, k.Column, nc)
		}
		arr := batch.Column(k.Column)
		kd, err := kindOf(arr.DataType())
		if err != nil {
			return nil, fmt.Errorf("sort key %d (column %d): %w", n, k.Column, err)
		}
		if kinds != nil && kd != kinds[n] {
			return nil, fmt.Errorf("%w: sort key %d (column %d): type %s does not match the schema", ErrInvalid, n, k.Column, arr.DataType())
		}
		cols[n] = makeColView(arr, kd, k)
	}
	return cols, nil
}
