package shuffle

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Column buffers: the rows a map task has routed to one reduce partition
// and not yet serialized, one colBuf per column, appended to from the input
// batches by gathering the partition's rows. Appends run in two steps so
// that memory is reserved before it is allocated: prepare computes exactly
// how many bytes of buffer capacity the append will add (without
// allocating), append then grows the buffers by exactly that and copies.
// Every buffer comes from the writer's allocator.

type colKind uint8

const (
	cNull  colKind = iota // no buffers
	cBool                 // values: bits
	cFixed                // values: width bytes per value
	cBytes                // values: int32 offsets; data: bytes
	cList                 // values: int32 offsets; child: the elements
)

// maxArrayBytes bounds a partition buffer's variable-length data: int32
// offsets address at most this much.
const maxArrayBytes = math.MaxInt32

// kindOfType returns how a column of type t is buffered, or an error for a
// type the shuffle does not carry.
func kindOfType(t arrow.DataType) (colKind, int, error) {
	switch t.ID() {
	case arrow.NULL:
		return cNull, 0, nil
	case arrow.BOOL:
		return cBool, 0, nil
	case arrow.INT32, arrow.DATE32:
		return cFixed, 4, nil
	case arrow.INT64, arrow.TIMESTAMP, arrow.FLOAT64:
		return cFixed, 8, nil
	case arrow.DECIMAL128:
		return cFixed, 16, nil
	case arrow.STRING, arrow.BINARY:
		return cBytes, 0, nil
	case arrow.LIST:
		if _, _, err := kindOfType(t.(*arrow.ListType).Elem()); err != nil {
			return 0, 0, err
		}
		return cList, 0, nil
	}
	return 0, 0, fmt.Errorf("type %s cannot be shuffled", t)
}

// CheckSchema returns an error naming the first column of schema whose type
// the shuffle cannot carry (every gluten-go type and ARRAYs of them can).
func CheckSchema(schema *arrow.Schema) error {
	if schema == nil {
		return fmt.Errorf("shuffle: no schema")
	}
	for i, f := range schema.Fields() {
		if _, _, err := kindOfType(f.Type); err != nil {
			return fmt.Errorf("shuffle: column %d (%q): %w", i, f.Name, err)
		}
	}
	return nil
}

// growBuf is a buffer from an allocator with n bytes in use.
type growBuf struct {
	b *memory.Buffer
	n int
}

func (g *growBuf) capacity() int {
	if g.b == nil {
		return 0
	}
	return g.b.Cap()
}

// grownCap is the capacity a buffer of capacity cur grows to when it must
// hold need bytes: at least double, rounded up to 64 bytes (as the Arrow
// allocator rounds).
func grownCap(cur, need int) int {
	if need <= cur {
		return cur
	}
	c := max(need, 2*cur, 256)
	return (c + 63) &^ 63
}

// growth returns the capacity ensure(need) would add.
func (g *growBuf) growth(need int) int {
	c := g.capacity()
	return grownCap(c, need) - c
}

// ensure grows the buffer to hold need bytes and returns all of its memory.
func (g *growBuf) ensure(alloc memory.Allocator, need int) []byte {
	c := g.capacity()
	if need > c {
		if g.b == nil {
			g.b = memory.NewResizableBuffer(alloc)
		}
		g.b.Reserve(grownCap(c, need))
	}
	if g.b == nil {
		return nil
	}
	return g.b.Buf()
}

func (g *growBuf) bytes() []byte {
	if g.b == nil {
		return nil
	}
	return g.b.Buf()[:g.n]
}

func (g *growBuf) release() {
	if g.b != nil {
		g.b.Release()
		g.b = nil
	}
	g.n = 0
}

// take hands the buffer (n bytes long) to the caller, who releases it.
func (g *growBuf) take() *memory.Buffer {
	b := g.b
	if b == nil {
		return nil
	}
	b.ResizeNoShrink(g.n)
	g.b, g.n = nil, 0
	return b
}

// colBuf buffers one column of a partition.
type colBuf struct {
	typ   arrow.DataType
	kind  colKind
	width int

	length   int
	nulls    int
	hasValid bool // valid holds length bits (else every row is valid)
	valid    growBuf
	vals     growBuf // bits, fixed-width values or length+1 int32 offsets
	data     growBuf // cBytes: the bytes
	child    *colBuf // cList: the elements

	// The plan of the pending append, made by prepare.
	pendData int     // cBytes: bytes of the values to append
	childIdx []int32 // cList: the elements to append, as child indices
}

func newColBuf(t arrow.DataType) *colBuf {
	k, w, err := kindOfType(t)
	if err != nil {
		panic(err) // schemas are checked by checkSchema first
	}
	c := &colBuf{typ: t, kind: k, width: w}
	if k == cList {
		c.child = newColBuf(t.(*arrow.ListType).Elem())
	}
	return c
}

// castSlice views b as a slice of T.
func castSlice[T any](b []byte) []T {
	var z T
	sz := int(unsafe.Sizeof(z))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/sz)
}

func bufBytes(d arrow.ArrayData, i int) []byte {
	bufs := d.Buffers()
	if i >= len(bufs) || bufs[i] == nil {
		return nil
	}
	return bufs[i].Bytes()
}

// srcOffsets returns the len+1 int32 offsets of a STRING, BINARY or LIST
// array.
func srcOffsets(arr arrow.Array) []int32 {
	d := arr.Data()
	o := castSlice[int32](bufBytes(d, 1))
	if len(o) < d.Offset()+d.Len()+1 {
		if d.Len() == 0 {
			return []int32{0}
		}
		return nil
	}
	return o[d.Offset() : d.Offset()+d.Len()+1]
}

// contiguous reports whether idx (ascending) is a run of consecutive
// indices.
func contiguous(idx []int32) bool {
	n := len(idx)
	return n > 0 && int(idx[n-1])-int(idx[0]) == n-1
}

// prepare plans appending the rows idx (ascending) of arr and returns the
// bytes of capacity the append adds. It fails when the partition's
// variable-length data would pass what int32 offsets address.
func (c *colBuf) prepare(arr arrow.Array, idx []int32) (int, error) {
	if c.kind == cNull || len(idx) == 0 {
		return 0, nil
	}
	n := c.length + len(idx)
	delta := 0
	if c.hasValid || arr.NullN() > 0 {
		delta += c.valid.growth(int(bitutil.BytesForBits(int64(n))))
	}
	switch c.kind {
	case cBool:
		delta += c.vals.growth(int(bitutil.BytesForBits(int64(n))))
	case cFixed:
		delta += c.vals.growth(n * c.width)
	case cBytes, cList:
		delta += c.vals.growth((n + 1) * 4)
		offs := srcOffsets(arr)
		if offs == nil {
			return 0, fmt.Errorf("array of %s has too short an offsets buffer", arr.DataType())
		}
		var total int
		if contiguous(idx) {
			total = int(offs[idx[len(idx)-1]+1] - offs[idx[0]])
		} else {
			for _, i := range idx {
				total += int(offs[i+1] - offs[i])
			}
		}
		if c.kind == cBytes {
			if c.data.n+total > maxArrayBytes {
				return 0, errTooLarge
			}
			c.pendData = total
			delta += c.data.growth(c.data.n + total)
			break
		}
		if c.child.length+total > maxArrayBytes {
			return 0, errTooLarge
		}
		ci := c.childIdx[:0]
		for _, i := range idx {
			for e := offs[i]; e < offs[i+1]; e++ {
				ci = append(ci, e)
			}
		}
		c.childIdx = ci
		d, err := c.child.prepare(arr.(*array.List).ListValues(), ci)
		if err != nil {
			return 0, err
		}
		delta += d
	}
	return delta, nil
}

var errTooLarge = fmt.Errorf("partition buffer full")

// append appends the rows idx of arr, as planned by the last prepare.
func (c *colBuf) append(alloc memory.Allocator, arr arrow.Array, idx []int32) {
	if len(idx) == 0 {
		return
	}
	n := len(idx)
	d := arr.Data()
	off := d.Offset()
	end := c.length + n
	if c.kind == cNull {
		c.length = end
		c.nulls += n
		return
	}
	// Validity.
	srcNulls := arr.NullN() > 0
	if srcNulls && !c.hasValid {
		vb := c.valid.ensure(alloc, int(bitutil.BytesForBits(int64(end))))
		bitutil.SetBitsTo(vb, 0, int64(c.length), true)
		c.hasValid = true
	}
	if c.hasValid {
		vb := c.valid.ensure(alloc, int(bitutil.BytesForBits(int64(end))))
		c.valid.n = int(bitutil.BytesForBits(int64(end)))
		if srcNulls {
			c.nulls += gatherBits(vb, c.length, bufBytes(d, 0), off, idx, true)
		} else {
			bitutil.SetBitsTo(vb, int64(c.length), int64(n), true)
		}
	}
	switch c.kind {
	case cBool:
		vb := c.vals.ensure(alloc, int(bitutil.BytesForBits(int64(end))))
		c.vals.n = int(bitutil.BytesForBits(int64(end)))
		gatherBits(vb, c.length, bufBytes(d, 1), off, idx, false)
	case cFixed:
		vb := c.vals.ensure(alloc, end*c.width)
		c.vals.n = end * c.width
		src := bufBytes(d, 1)
		switch c.width {
		case 4:
			gatherFixed(castSlice[uint32](vb)[c.length:end], castSlice[uint32](src)[off:], idx)
		case 8:
			gatherFixed(castSlice[uint64](vb)[c.length:end], castSlice[uint64](src)[off:], idx)
		case 16:
			gatherFixed(castSlice[[2]uint64](vb)[c.length:end], castSlice[[2]uint64](src)[off:], idx)
		}
	case cBytes:
		ob := castSlice[int32](c.vals.ensure(alloc, (end+1)*4))
		c.vals.n = (end + 1) * 4
		db := c.data.ensure(alloc, c.data.n+c.pendData)
		if c.length == 0 {
			ob[0] = 0
		}
		c.data.n = gatherBytes(ob[c.length:end+1], db, c.data.n, srcOffsets(arr), bufBytes(d, 2), idx)
		c.pendData = 0
	case cList:
		ob := castSlice[int32](c.vals.ensure(alloc, (end+1)*4))
		c.vals.n = (end + 1) * 4
		if c.length == 0 {
			ob[0] = 0
		}
		offs := srcOffsets(arr)
		pos := ob[c.length]
		for j, i := range idx {
			pos += offs[i+1] - offs[i]
			ob[c.length+1+j] = pos
		}
		c.child.append(alloc, arr.(*array.List).ListValues(), c.childIdx)
		c.childIdx = c.childIdx[:0]
	}
	c.length = end
}

// gatherBits writes bit off+idx[j] of src to bit at+j of dst for every j
// and, when countUnset, returns how many were 0.
func gatherBits(dst []byte, at int, src []byte, off int, idx []int32, countUnset bool) int {
	n := len(idx)
	if contiguous(idx) {
		bitutil.CopyBitmap(src, off+int(idx[0]), n, dst, at)
		if countUnset {
			return n - bitutil.CountSetBits(src, off+int(idx[0]), n)
		}
		return 0
	}
	unset := 0
	p := at
	for _, i := range idx {
		s := off + int(i)
		b := (src[s>>3] >> (s & 7)) & 1
		unset += int(b ^ 1)
		dst[p>>3] = dst[p>>3]&^(1<<(p&7)) | b<<(p&7)
		p++
	}
	return unset
}

func gatherFixed[T any](dst, src []T, idx []int32) {
	if contiguous(idx) {
		copy(dst, src[idx[0]:int(idx[0])+len(idx)])
		return
	}
	dst = dst[:len(idx)]
	for j, i := range idx {
		dst[j] = src[i]
	}
}

// gatherBytes appends the values idx of (offs, data) at pos of dst, writing
// their end offsets to outOffs[1:] (outOffs[0] is pos), and returns the new
// end of the data.
func gatherBytes(outOffs []int32, dst []byte, pos int, offs []int32, data []byte, idx []int32) int {
	if contiguous(idx) {
		s, e := offs[idx[0]], offs[int(idx[0])+len(idx)]
		copy(dst[pos:], data[s:e])
		shift := int32(pos) - s
		src := offs[idx[0]+1 : int(idx[0])+len(idx)+1]
		out := outOffs[1 : len(idx)+1]
		for j, o := range src {
			out[j] = o + shift
		}
		return pos + int(e-s)
	}
	p := int32(pos)
	out := outOffs[1 : len(idx)+1]
	for j, i := range idx {
		s, e := offs[i], offs[i+1]
		if e-s <= 16 {
			for k := s; k < e; k++ {
				dst[p] = data[k]
				p++
			}
		} else {
			p += int32(copy(dst[p:], data[s:e]))
		}
		out[j] = p
	}
	return int(p)
}

// held returns the bytes of capacity the column holds.
func (c *colBuf) held() int64 {
	n := int64(c.valid.capacity() + c.vals.capacity() + c.data.capacity())
	if c.child != nil {
		n += c.child.held()
	}
	return n
}

// reset empties the column, keeping its buffers.
func (c *colBuf) reset() {
	c.length, c.nulls, c.hasValid = 0, 0, false
	c.valid.n, c.vals.n, c.data.n = 0, 0, 0
	c.pendData = 0
	c.childIdx = c.childIdx[:0]
	if c.child != nil {
		c.child.reset()
	}
}

// release empties the column and frees its buffers.
func (c *colBuf) release() {
	c.reset()
	c.valid.release()
	c.vals.release()
	c.data.release()
	c.childIdx = nil
	if c.child != nil {
		c.child.release()
	}
}

var zeroOffset = []byte{0, 0, 0, 0}

// layout appends the column's nodes and buffers (in the raw block order)
// to l.
func (c *colBuf) layout(l *rawLayout) {
	l.nodes = append(l.nodes, rawNode{length: c.length, nulls: c.nulls})
	if c.kind == cNull {
		return
	}
	if c.hasValid && c.nulls > 0 {
		l.bufs = append(l.bufs, c.valid.bytes()[:bitutil.BytesForBits(int64(c.length))])
	} else {
		l.bufs = append(l.bufs, nil)
	}
	switch c.kind {
	case cBool:
		l.bufs = append(l.bufs, c.vals.bytes()[:bitutil.BytesForBits(int64(c.length))])
	case cFixed:
		l.bufs = append(l.bufs, c.vals.bytes()[:c.length*c.width])
	case cBytes, cList:
		if c.length == 0 {
			l.bufs = append(l.bufs, zeroOffset)
		} else {
			l.bufs = append(l.bufs, c.vals.bytes()[:(c.length+1)*4])
		}
		if c.kind == cBytes {
			l.bufs = append(l.bufs, c.data.bytes())
		} else {
			c.child.layout(l)
		}
	}
}

// finish hands the buffered rows over as an array (owned by the caller) and
// leaves the column empty, without buffers.
func (c *colBuf) finish() arrow.ArrayData {
	var bufs []*memory.Buffer
	var children []arrow.ArrayData
	n, nulls := c.length, c.nulls
	if c.kind == cNull {
		c.release()
		return array.NewData(c.typ, n, []*memory.Buffer{nil}, nil, n, 0)
	}
	var valid *memory.Buffer
	if c.hasValid && nulls > 0 {
		c.valid.n = int(bitutil.BytesForBits(int64(n)))
		valid = c.valid.take()
	}
	bufs = append(bufs, valid)
	switch c.kind {
	case cBool, cFixed:
		bufs = append(bufs, c.vals.take())
	case cBytes:
		if n == 0 {
			bufs = append(bufs, memory.NewBufferBytes(zeroOffset), c.data.take())
		} else {
			bufs = append(bufs, c.vals.take(), c.data.take())
		}
	case cList:
		if n == 0 {
			bufs = append(bufs, memory.NewBufferBytes(zeroOffset))
		} else {
			bufs = append(bufs, c.vals.take())
		}
		children = append(children, c.child.finish())
	}
	d := array.NewData(c.typ, n, bufs, children, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	for _, ch := range children {
		ch.Release()
	}
	c.release()
	return d
}
