package expr

import (
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// strBuilder builds a STRING or BINARY array row by row into buffers from
// the task's allocator.
type strBuilder struct {
	offs  *memory.Buffer
	data  *memory.Buffer
	o     []int32
	d     []byte // data written so far: d[:len(d)] is used, cap is the buffer's
	valid *memory.Buffer
	vb    []byte
	n     int
	err   error
	// maxRow is the longest row written so far; room keeps at least twice
	// that spare so appends rarely outgrow the buffer.
	maxRow int
}

// newStrBuilder prepares n rows; sizeHint is the expected total bytes. When
// nullable, the builder carries a validity bitmap (all valid at first).
func newStrBuilder(alloc memory.Allocator, n, sizeHint int, valid *memory.Buffer) *strBuilder {
	b := &strBuilder{n: n}
	b.offs = newBuf(alloc, 4*(n+1))
	b.o = sliceOf[int32](b.offs.Bytes())[:n+1]
	b.o[0] = 0
	b.data = memory.NewResizableBuffer(alloc)
	b.data.Reserve(max(sizeHint, 64))
	b.d = b.data.Buf()[:0]
	b.valid = valid
	if valid != nil {
		b.vb = valid.Bytes()
	}
	return b
}

// room makes space for k more bytes and returns the data slice to append
// to (its len is the bytes written so far).
func (b *strBuilder) room(k int) []byte {
	k = max(k, 2*b.maxRow)
	if len(b.d)+k > cap(b.d) {
		used := len(b.d)
		b.data.Reserve(max(2*cap(b.d), used+k))
		b.d = b.data.Buf()[:used]
	}
	return b.d
}

// set records row i's value as the bytes appended since row i-1 (dst is
// the slice returned by room after appending).
func (b *strBuilder) set(i int, dst []byte) {
	if len(dst) > math.MaxInt32 {
		b.err = invalidErr("string result exceeds the 2 GiB limit of an array")
		dst = dst[:b.o[i]]
	}
	if unsafe.SliceData(dst) != unsafe.SliceData(b.d) {
		// append reallocated outside the allocator: copy back.
		used := int(b.o[i])
		nb := b.room(len(dst) - used)
		nb = append(nb[:used], dst[used:]...)
		dst = nb
	}
	b.d = dst
	b.o[i+1] = int32(len(dst))
	if l := int(b.o[i+1] - b.o[i]); l > b.maxRow {
		b.maxRow = l
	}
}

// null makes row i NULL (and empty).
func (b *strBuilder) null(i int) {
	b.o[i+1] = int32(len(b.d))
	if b.vb != nil {
		b.vb[i>>3] &^= 1 << (i & 7)
	}
}

// finish returns the array; the builder must not be used afterwards.
func (b *strBuilder) finish(t arrow.DataType) (arrow.Array, error) {
	if b.err != nil {
		b.release()
		return nil, b.err
	}
	b.data.ResizeNoShrink(len(b.d))
	nulls := finishValidity(&b.valid, b.n)
	return makeArray(t, b.n, []*memory.Buffer{b.valid, b.offs, b.data}, nulls), nil
}

func (b *strBuilder) release() {
	b.offs.Release()
	b.data.Release()
	if b.valid != nil {
		b.valid.Release()
	}
}
