package agg

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// growBuf is a growable byte buffer drawn from an allocator. Its length is
// tracked by the user; bytes returns the whole capacity.
type growBuf struct {
	buf *memory.Buffer
}

// reserve makes the capacity at least nbytes, growing geometrically and
// keeping the contents, and returns the whole buffer.
func (g *growBuf) reserve(alloc memory.Allocator, nbytes int) []byte {
	if g.buf == nil {
		g.buf = memory.NewResizableBuffer(alloc)
	}
	if c := g.buf.Cap(); nbytes > c {
		g.buf.Reserve(max(nbytes, 2*c, 64))
	}
	return g.buf.Buf()
}

// bytes returns the whole buffer (nil before the first reserve).
func (g *growBuf) bytes() []byte {
	if g.buf == nil {
		return nil
	}
	return g.buf.Buf()
}

func (g *growBuf) capacity() int64 {
	if g.buf == nil {
		return 0
	}
	return int64(g.buf.Cap())
}

func (g *growBuf) free() {
	if g.buf != nil {
		g.buf.Release()
		g.buf = nil
	}
}

// keyStore holds one key column of a GroupTable's groups, in Arrow layout
// (validity bitmap, values or offsets+data), in allocator buffers. Doubles
// are stored normalized (-0.0 as 0.0, one NaN).
type keyStore struct {
	kind    kind
	typ     arrow.DataType
	n       int
	hasNull bool // valid holds a bitmap of n bits
	valid   growBuf
	vals    growBuf // fixed-width values; the values bitmap for booleans
	offs    growBuf // kBytes: n+1 int32 offsets
	data    growBuf // kBytes: the value bytes
	dataLen int
}

func (s *keyStore) free() {
	s.valid.free()
	s.vals.free()
	s.offs.free()
	s.data.free()
	s.n, s.hasNull, s.dataLen = 0, false, 0
}

func (s *keyStore) memory() int64 {
	return s.valid.capacity() + s.vals.capacity() + s.offs.capacity() + s.data.capacity()
}

// view returns the typed view of the stored column. It is valid until the
// next append.
func (s *keyStore) view() colData {
	c := colData{kind: s.kind, n: s.n}
	if s.kind == kNull {
		return c
	}
	if s.hasNull {
		c.valid = s.valid.bytes()
	}
	switch s.kind {
	case kBool:
		c.bits = s.vals.bytes()
	case kInt32:
		c.i32 = castSlice[int32](s.vals.bytes())[:s.n]
	case kInt64:
		c.i64 = castSlice[int64](s.vals.bytes())[:s.n]
	case kFloat64:
		c.f64 = castSlice[float64](s.vals.bytes())[:s.n]
	case kDecimal:
		c.dec = castSlice[decimal128.Num](s.vals.bytes())[:s.n]
	case kBytes:
		if o := castSlice[int32](s.offs.bytes()); o != nil {
			c.offs = o[:s.n+1]
		} else {
			c.offs = []int32{0}
		}
		c.data = s.data.bytes()
	}
	return c
}

// appendRows appends rows of src (a batch column of the store's kind).
func (s *keyStore) appendRows(alloc memory.Allocator, src *colData, rows []int32) error {
	m := len(rows)
	if m == 0 {
		return nil
	}
	n := s.n
	total := n + m
	// Validity.
	if src.valid != nil {
		if !s.hasNull {
			for _, r := range rows {
				if !bitutil.BitIsSet(src.valid, src.voff+int(r)) {
					s.hasNull = true
					break
				}
			}
			if s.hasNull {
				vb := s.valid.reserve(alloc, int(bitutil.BytesForBits(int64(total))))
				clear(vb)
				bitutil.SetBitsTo(vb, 0, int64(n), true)
			}
		}
	} else if src.kind == kNull && !s.hasNull {
		s.hasNull = true
		vb := s.valid.reserve(alloc, int(bitutil.BytesForBits(int64(total))))
		clear(vb)
		bitutil.SetBitsTo(vb, 0, int64(n), true)
	}
	if s.hasNull {
		vb := s.valid.reserve(alloc, int(bitutil.BytesForBits(int64(total))))
		switch {
		case src.kind == kNull:
			bitutil.SetBitsTo(vb, int64(n), int64(m), false)
		case src.valid == nil:
			bitutil.SetBitsTo(vb, int64(n), int64(m), true)
		default:
			for j, r := range rows {
				bitutil.SetBitTo(vb, n+j, bitutil.BitIsSet(src.valid, src.voff+int(r)))
			}
		}
	}
	switch s.kind {
	case kBool:
		vb := s.vals.reserve(alloc, int(bitutil.BytesForBits(int64(total))))
		for j, r := range rows {
			bitutil.SetBitTo(vb, n+j, src.boolAt(int(r)))
		}
	case kInt32:
		out := castSlice[int32](s.vals.reserve(alloc, total*4))[n:total]
		for j, r := range rows {
			out[j] = src.i32[r]
		}
	case kInt64:
		out := castSlice[int64](s.vals.reserve(alloc, total*8))[n:total]
		for j, r := range rows {
			out[j] = src.i64[r]
		}
	case kFloat64:
		out := castSlice[float64](s.vals.reserve(alloc, total*8))[n:total]
		for j, r := range rows {
			out[j] = normF64(src.f64[r])
		}
	case kDecimal:
		out := castSlice[decimal128.Num](s.vals.reserve(alloc, total*16))[n:total]
		for j, r := range rows {
			out[j] = src.dec[r]
		}
	case kBytes:
		add := int64(0)
		for _, r := range rows {
			add += int64(src.offs[r+1] - src.offs[r])
		}
		if int64(s.dataLen)+add > math.MaxInt32 {
			return fmt.Errorf("%w: group keys of %s column exceed 2 GiB", ErrUnsupported, s.typ)
		}
		offs := castSlice[int32](s.offs.reserve(alloc, (total+1)*4))
		data := s.data.reserve(alloc, s.dataLen+int(add))
		pos := int32(s.dataLen)
		offs[n] = pos
		for j, r := range rows {
			b, e := src.offs[r], src.offs[r+1]
			pos += int32(copy(data[pos:], src.data[b:e]))
			offs[n+j+1] = pos
		}
		s.dataLen = int(pos)
	}
	s.n = total
	return nil
}

// toArray copies the stored column into a new array drawn from alloc.
func (s *keyStore) toArray(alloc memory.Allocator) arrow.Array {
	n := s.n
	if s.kind == kNull {
		return array.NewNull(n)
	}
	copyBuf := func(src []byte, nbytes int) *memory.Buffer {
		b := memory.NewResizableBuffer(alloc)
		b.Resize(nbytes)
		copy(b.Bytes(), src[:nbytes])
		return b
	}
	var validity *memory.Buffer
	nulls := 0
	if s.hasNull {
		nb := int(bitutil.BytesForBits(int64(n)))
		validity = copyBuf(s.valid.bytes(), nb)
		nulls = n - bitutil.CountSetBits(validity.Bytes(), 0, n)
	}
	bufs := []*memory.Buffer{validity}
	switch s.kind {
	case kBool:
		bufs = append(bufs, copyBuf(s.vals.bytes(), int(bitutil.BytesForBits(int64(n)))))
	case kInt32:
		bufs = append(bufs, copyBuf(s.vals.bytes(), n*4))
	case kInt64, kFloat64:
		bufs = append(bufs, copyBuf(s.vals.bytes(), n*8))
	case kDecimal:
		bufs = append(bufs, copyBuf(s.vals.bytes(), n*16))
	case kBytes:
		if n == 0 {
			ob := memory.NewResizableBuffer(alloc)
			ob.Resize(4)
			clear(ob.Bytes())
			bufs = append(bufs, ob, memory.NewResizableBuffer(alloc))
		} else {
			bufs = append(bufs, copyBuf(s.offs.bytes(), (n+1)*4), copyBuf(s.data.bytes(), s.dataLen))
		}
	}
	d := array.NewData(s.typ, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	a := array.MakeFromData(d)
	d.Release()
	return a
}
