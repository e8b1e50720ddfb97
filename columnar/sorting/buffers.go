package sorting

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// castSlice reinterprets b as a slice of T (b's length must be a multiple of
// T's size; the tail is dropped otherwise).
func castSlice[T any](b []byte) []T {
	var z T
	sz := int(unsafe.Sizeof(z))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/sz)
}

// bufBytes returns the bytes of buffer i of d, or nil.
func bufBytes(d arrow.ArrayData, i int) []byte {
	bufs := d.Buffers()
	if i >= len(bufs) || bufs[i] == nil {
		return nil
	}
	return bufs[i].Bytes()
}

// fixedValues returns the values of a fixed-width array (buffer 1) as a
// slice of T starting at the array's offset, Len() long.
func fixedValues[T any](arr arrow.Array) []T {
	d := arr.Data()
	s := castSlice[T](bufBytes(d, 1))
	if s == nil {
		return nil
	}
	return s[d.Offset() : d.Offset()+d.Len()]
}

// newBuffer returns a buffer of nbytes (its bytes not initialized) drawn
// from alloc.
func newBuffer(alloc memory.Allocator, nbytes int) *memory.Buffer {
	b := memory.NewResizableBuffer(alloc)
	b.Resize(nbytes)
	return b
}

// makeArray builds an array of typ and length n over bufs, taking over the
// caller's references to the buffers (nil entries allowed).
func makeArray(typ arrow.DataType, n int, bufs []*memory.Buffer, nulls int) arrow.Array {
	d := array.NewData(typ, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}

// releaseAll releases every non-nil array of arrs.
func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

func sizeOf[T any](z T) uintptr { return unsafe.Sizeof(z) }
