package columnar

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PoolAllocator is a memory.Allocator that recycles freed buffers, by
// power-of-two size class, instead of leaving them to the garbage collector.
// A query engine allocates and frees large column buffers at a high rate;
// recycling them saves the zeroing of fresh pages, page faults and GC work.
// Recycled buffers are zeroed before they are handed out again, so it
// behaves like memory.GoAllocator. Buffers smaller than 4 KiB or larger than
// 256 MiB are plain Go allocations. It is safe for concurrent use.
//
// Arrow's reference counting decides when a buffer is freed; a buffer must
// not be used after its last Release (with the Go allocator that mistake is
// harmless, here it is not).
type PoolAllocator struct {
	classes  [poolMaxClass + 1]sync.Pool
	fallback memory.Allocator
}

const (
	poolMinClass = 12 // 4 KiB
	poolMaxClass = 28 // 256 MiB
)

// NewPoolAllocator returns an empty pool.
func NewPoolAllocator() *PoolAllocator {
	return &PoolAllocator{fallback: memory.NewGoAllocator()}
}

func poolClass(size int) int {
	if size <= 1<<poolMinClass {
		return poolMinClass
	}
	return bits.Len(uint(size - 1))
}

// Allocate implements memory.Allocator.
func (p *PoolAllocator) Allocate(size int) []byte {
	if size < 1<<poolMinClass || size > 1<<poolMaxClass {
		return p.fallback.Allocate(size)
	}
	c := poolClass(size)
	if v := p.classes[c].Get(); v != nil {
		b := (*(v.(*[]byte)))[:size]
		clear(b)
		return b
	}
	return make([]byte, size, 1<<c)
}

// Reallocate implements memory.Allocator.
func (p *PoolAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) && pooled(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free implements memory.Allocator.
func (p *PoolAllocator) Free(b []byte) {
	if !pooled(b) {
		p.fallback.Free(b)
		return
	}
	b = b[:cap(b)]
	p.classes[bits.Len(uint(cap(b)))-1].Put(&b)
}

// pooled reports whether b came from a size class.
func pooled(b []byte) bool {
	c := cap(b)
	return c >= 1<<poolMinClass && c <= 1<<poolMaxClass && c&(c-1) == 0
}
