package expr

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// i128 has the memory layout of decimal128.Num (little-endian: low word
// first), so decimal values can be read and written field by field.
type i128 struct {
	lo uint64
	hi int64
}

func bitmapLen(n int) int { return (n + 7) / 8 }

// newBuf allocates a buffer of n bytes from alloc. Its contents are not
// initialized.
func newBuf(alloc memory.Allocator, n int) *memory.Buffer {
	b := memory.NewResizableBuffer(alloc)
	b.Resize(n)
	return b
}

// newZeroBuf allocates a zeroed buffer of n bytes.
func newZeroBuf(alloc memory.Allocator, n int) *memory.Buffer {
	b := newBuf(alloc, n)
	clear(b.Bytes())
	return b
}

// sliceOf reinterprets b as a slice of T.
func sliceOf[T any](b []byte) []T {
	var zero T
	sz := int(unsafe.Sizeof(zero))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/sz)
}

func toNum(v i128) decimal128.Num   { return decimal128.New(v.hi, v.lo) }
func fromNum(n decimal128.Num) i128 { return i128{lo: n.LowBits(), hi: n.HighBits()} }

// makeArray wraps buffers into an array of type t and length n, taking over
// the caller's references to the buffers.
func makeArray(t arrow.DataType, n int, bufs []*memory.Buffer, nulls int) arrow.Array {
	d := array.NewData(t, n, bufs, nil, nulls, 0)
	arr := array.MakeFromData(d)
	d.Release()
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	return arr
}

// finishValidity returns the null count of a validity bitmap of n bits, and
// releases and drops the bitmap when it has no nulls.
func finishValidity(valid **memory.Buffer, n int) int {
	if *valid == nil {
		return 0
	}
	nulls := n - bitutil.CountSetBits((*valid).Bytes(), 0, n)
	if nulls == 0 {
		(*valid).Release()
		*valid = nil
	}
	return nulls
}

// validBits returns a's validity bitmap and its bit offset, or nil when a has
// no nulls.
func validBits(a arrow.Array) ([]byte, int) {
	if a.NullN() == 0 {
		return nil, 0
	}
	return a.NullBitmapBytes(), a.Data().Offset()
}

// andValidity returns the AND of the validity bitmaps of arrs over n rows as
// a new buffer (bit offset 0), or nil when no array has nulls.
func andValidity(alloc memory.Allocator, n int, arrs ...arrow.Array) *memory.Buffer {
	var out *memory.Buffer
	for _, a := range arrs {
		if a == nil || a.NullN() == 0 {
			continue
		}
		if a.DataType().ID() == arrow.NULL || a.NullBitmapBytes() == nil {
			if out == nil {
				out = newBuf(alloc, bitmapLen(n))
			}
			clear(out.Bytes())
			continue
		}
		bits, off := a.NullBitmapBytes(), a.Data().Offset()
		if out == nil {
			out = newBuf(alloc, bitmapLen(n))
			copyBits(bits, off, n, out.Bytes())
		} else {
			o := out.Bytes()
			bitutil.BitmapAnd(o, bits, 0, int64(off), o, 0, int64(n))
		}
	}
	return out
}

// writableValidity is andValidity that always returns a bitmap (all ones
// when no array has nulls), for kernels that add nulls of their own.
func writableValidity(alloc memory.Allocator, n int, arrs ...arrow.Array) *memory.Buffer {
	if v := andValidity(alloc, n, arrs...); v != nil {
		return v
	}
	v := newBuf(alloc, bitmapLen(n))
	setAll(v.Bytes())
	return v
}

func setAll(b []byte) {
	for i := range b {
		b[i] = 0xFF
	}
}

// copyBits copies n bits from src at bit offset off into dst at offset 0.
func copyBits(src []byte, off, n int, dst []byte) {
	if off%8 == 0 {
		copy(dst[:bitmapLen(n)], src[off/8:])
		return
	}
	bitutil.CopyBitmap(src, off, n, dst, 0)
}

// b2u converts a bool to 0 or 1 without a branch.
func b2u(b bool) uint8 { return *(*uint8)(unsafe.Pointer(&b)) }

// nullArray returns an array of n NULLs of type t.
func nullArray(alloc memory.Allocator, t arrow.DataType, n int) arrow.Array {
	switch t.ID() {
	case arrow.NULL:
		return array.NewNull(n)
	case arrow.STRING, arrow.BINARY:
		return makeArray(t, n, []*memory.Buffer{newZeroBuf(alloc, bitmapLen(n)), newZeroBuf(alloc, 4*(n+1)), nil}, n)
	case arrow.BOOL:
		return makeArray(t, n, []*memory.Buffer{newZeroBuf(alloc, bitmapLen(n)), newZeroBuf(alloc, bitmapLen(n))}, n)
	}
	w := fixedWidth(t)
	return makeArray(t, n, []*memory.Buffer{newZeroBuf(alloc, bitmapLen(n)), newZeroBuf(alloc, w*n)}, n)
}

// fixedWidth is the byte width of a fixed-width type's values (0 for others).
func fixedWidth(t arrow.DataType) int {
	switch t.ID() {
	case arrow.INT32, arrow.DATE32:
		return 4
	case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP:
		return 8
	case arrow.DECIMAL128:
		return 16
	}
	return 0
}

// evalChild evaluates e, which must yield type t, over batch.
func evalChild(ctx *Context, e Expr, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := e.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	if a.Len() != int(batch.NumRows()) {
		n := a.Len()
		a.Release()
		return nil, invalidErr("%s returned %d rows for a batch of %d", e.String(), n, batch.NumRows())
	}
	return a, nil
}

// boolBitmapArray wraps a value bitmap and optional validity into a BOOLEAN
// array of n rows.
func boolArray(n int, valid, values *memory.Buffer) arrow.Array {
	nulls := finishValidity(&valid, n)
	return makeArray(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{valid, values}, nulls)
}

// isLit reports whether e is a literal and returns it.
func isLit(e Expr) (*Lit, bool) {
	l, ok := e.(*Lit)
	return l, ok
}

// sizeOfT is the size in bytes of T.
func sizeOfT[T any]() uintptr {
	var z T
	return unsafe.Sizeof(z)
}

// recordOf builds a record batch of n rows (the arrays are Retained).
func recordOf(schema *arrow.Schema, cols []arrow.Array, n int) arrow.RecordBatch {
	return array.NewRecordBatch(schema, cols, int64(n))
}

// bufBytes returns the bytes of buffer k of d, nil when it is absent (as in
// some empty arrays).
func bufBytes(d arrow.ArrayData, k int) []byte {
	bufs := d.Buffers()
	if k >= len(bufs) || bufs[k] == nil {
		return nil
	}
	return bufs[k].Bytes()
}
