package shuffle

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The shuffle's file format.
//
// A map task's data file is the concatenation of its reduce partitions'
// segments, in partition order; a segment is a sequence of blocks. A block
// is a 12-byte header followed by its payload:
//
//	[0]     format: 'C' (columnar) or 'R' (rows)
//	[1]     codec of the payload (0: stored raw, see Codec)
//	[2:4]   reserved, 0
//	[4:8]   payload length, little-endian uint32
//	[8:12]  raw (uncompressed) length, little-endian uint32
//
// The raw content of a columnar block is a lean framing of Arrow arrays,
// like an Arrow IPC record batch message without its flatbuffer metadata
// (the schema is known to both sides):
//
//	u32 rows, u32 node count, u32 buffer count, u32 reserved
//	per node (columns pre-order; a LIST's element column after it):
//	    u32 length, u32 null count
//	per buffer: u32 byte length (0: absent)
//	padding to 8 bytes
//	the buffers' bytes, each padded to 8 bytes
//
// A column's buffers are its validity bitmap (absent when it has no NULLs)
// then, by type: BOOLEAN its value bits; fixed-width types their values;
// STRING and BINARY int32 offsets and the bytes; LIST int32 offsets (its
// elements follow as the next node); NULL none (and no validity). Every
// buffer starts at offset 0 of its array. A reader decompresses a block
// into one buffer of its allocator and builds the arrays over slices of
// it, without copying.
//
// The raw content of a row block is a sequence of rows, each a u32 length
// and the row's bytes (package columnar/rows).

const blockHeaderSize = 12

const (
	formatColumnar byte = 'C'
	formatRows     byte = 'R'
)

// maxBlockBytes bounds a block's raw and payload lengths.
const maxBlockBytes = math.MaxInt32

func putBlockHeader(dst []byte, format byte, codec Codec, payload, raw int) {
	dst[0] = format
	dst[1] = byte(codec)
	dst[2], dst[3] = 0, 0
	binary.LittleEndian.PutUint32(dst[4:], uint32(payload))
	binary.LittleEndian.PutUint32(dst[8:], uint32(raw))
}

type blockHeader struct {
	format       byte
	codec        Codec
	payload, raw int
}

func parseBlockHeader(b []byte, format byte) (blockHeader, error) {
	h := blockHeader{format: b[0], codec: Codec(b[1]),
		payload: int(binary.LittleEndian.Uint32(b[4:])), raw: int(binary.LittleEndian.Uint32(b[8:]))}
	switch {
	case h.format != format:
		return h, fmt.Errorf("%w: block format %q, want %q", errCorrupt, h.format, format)
	case !h.codec.valid():
		return h, fmt.Errorf("%w: unknown codec %d", errCorrupt, h.codec)
	case b[2] != 0 || b[3] != 0:
		return h, fmt.Errorf("%w: reserved header bytes set", errCorrupt)
	case h.payload > maxBlockBytes || h.raw > maxBlockBytes:
		return h, fmt.Errorf("%w: block of %d bytes", errCorrupt, max(h.payload, h.raw))
	case h.codec == CodecNone && h.payload != h.raw:
		return h, fmt.Errorf("%w: stored block of %d bytes with raw length %d", errCorrupt, h.payload, h.raw)
	}
	return h, nil
}

// rawNode is a column's length and null count in a raw columnar block.
type rawNode struct{ length, nulls int }

// rawLayout is what a columnar block holds, as views of the buffers.
type rawLayout struct {
	rows  int
	nodes []rawNode
	bufs  [][]byte
}

func (l *rawLayout) reset() {
	l.rows = 0
	l.nodes = l.nodes[:0]
	clear(l.bufs)
	l.bufs = l.bufs[:0]
}

func pad8(n int) int { return (n + 7) &^ 7 }

func (l *rawLayout) headerSize() int { return pad8(16 + 8*len(l.nodes) + 4*len(l.bufs)) }

// size returns the raw block's length.
func (l *rawLayout) size() int {
	n := l.headerSize()
	for _, b := range l.bufs {
		n += pad8(len(b))
	}
	return n
}

func (l *rawLayout) putHeader(dst []byte) {
	le := binary.LittleEndian
	le.PutUint32(dst, uint32(l.rows))
	le.PutUint32(dst[4:], uint32(len(l.nodes)))
	le.PutUint32(dst[8:], uint32(len(l.bufs)))
	le.PutUint32(dst[12:], 0)
	p := 16
	for _, n := range l.nodes {
		le.PutUint32(dst[p:], uint32(n.length))
		le.PutUint32(dst[p+4:], uint32(n.nulls))
		p += 8
	}
	for _, b := range l.bufs {
		le.PutUint32(dst[p:], uint32(len(b)))
		p += 4
	}
	clear(dst[p:l.headerSize()])
}

// encode writes the raw block into dst (at least size() bytes) and returns
// its length.
func (l *rawLayout) encode(dst []byte) int {
	l.putHeader(dst)
	p := l.headerSize()
	for _, b := range l.bufs {
		p += copy(dst[p:], b)
		e := pad8(p)
		clear(dst[p:e])
		p = e
	}
	return p
}

var zeroPad [8]byte

// writeTo streams the raw block to w without building it in memory.
func (l *rawLayout) writeTo(w io.Writer) error {
	hdr := make([]byte, l.headerSize())
	l.putHeader(hdr)
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for _, b := range l.bufs {
		if _, err := w.Write(b); err != nil {
			return err
		}
		if p := pad8(len(b)) - len(b); p > 0 {
			if _, err := w.Write(zeroPad[:p]); err != nil {
				return err
			}
		}
	}
	return nil
}

// blockDecoder decodes raw columnar blocks of one schema.
type blockDecoder struct {
	schema *arrow.Schema
	raw    *memory.Buffer
	b      []byte
	nodes  []rawNode
	bufLen []int
	ni, bi int
	pos    int
}

// decode builds a batch over the raw block in raw (which it retains
// through the arrays; the caller keeps its own reference).
func (d *blockDecoder) decode(raw *memory.Buffer) (arrow.RecordBatch, error) {
	d.raw, d.b = raw, raw.Bytes()
	defer func() { d.raw, d.b = nil, nil }()
	b := d.b
	if len(b) < 16 {
		return nil, fmt.Errorf("%w: raw block of %d bytes", errCorrupt, len(b))
	}
	le := binary.LittleEndian
	rows, nn, nb := int(le.Uint32(b)), int(le.Uint32(b[4:])), int(le.Uint32(b[8:]))
	if nn > len(b)/8 || nb > len(b)/4 || pad8(16+8*nn+4*nb) > len(b) {
		return nil, fmt.Errorf("%w: block header of %d nodes and %d buffers in %d bytes", errCorrupt, nn, nb, len(b))
	}
	d.nodes, d.bufLen = d.nodes[:0], d.bufLen[:0]
	p := 16
	for i := 0; i < nn; i++ {
		d.nodes = append(d.nodes, rawNode{length: int(le.Uint32(b[p:])), nulls: int(le.Uint32(b[p+4:]))})
		p += 8
	}
	for i := 0; i < nb; i++ {
		d.bufLen = append(d.bufLen, int(le.Uint32(b[p:])))
		p += 4
	}
	d.pos = pad8(p)
	d.ni, d.bi = 0, 0
	cols := make([]arrow.Array, 0, d.schema.NumFields())
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	for i, f := range d.schema.Fields() {
		data, err := d.column(f.Type, rows)
		if err != nil {
			release()
			return nil, fmt.Errorf("column %d (%q): %w", i, f.Name, err)
		}
		cols = append(cols, array.MakeFromData(data))
		data.Release()
	}
	if d.ni != nn || d.bi != nb {
		release()
		return nil, fmt.Errorf("%w: block has %d nodes and %d buffers, the schema %d and %d", errCorrupt, nn, nb, d.ni, d.bi)
	}
	rb := array.NewRecordBatch(d.schema, cols, int64(rows))
	release()
	return rb, nil
}

// nextBuf returns the next buffer as a slice of the raw block (nil when
// absent).
func (d *blockDecoder) nextBuf() (*memory.Buffer, []byte, error) {
	if d.bi >= len(d.bufLen) {
		return nil, nil, fmt.Errorf("%w: too few buffers", errCorrupt)
	}
	n := d.bufLen[d.bi]
	d.bi++
	if n == 0 {
		return nil, nil, nil
	}
	if n > len(d.b)-d.pos {
		return nil, nil, fmt.Errorf("%w: buffer of %d bytes at %d of a %d-byte block", errCorrupt, n, d.pos, len(d.b))
	}
	buf := memory.SliceBuffer(d.raw, d.pos, n)
	bytes := d.b[d.pos : d.pos+n]
	d.pos += pad8(n)
	return buf, bytes, nil
}

// column decodes the next node as an array of type t with length rows.
func (d *blockDecoder) column(t arrow.DataType, rows int) (_ arrow.ArrayData, err error) {
	if d.ni >= len(d.nodes) {
		return nil, fmt.Errorf("%w: too few nodes", errCorrupt)
	}
	node := d.nodes[d.ni]
	d.ni++
	if node.length != rows {
		return nil, fmt.Errorf("%w: %d values, want %d", errCorrupt, node.length, rows)
	}
	if node.nulls > rows {
		return nil, fmt.Errorf("%w: %d NULLs in %d values", errCorrupt, node.nulls, rows)
	}
	kind, width, err := kindOfType(t)
	if err != nil {
		return nil, err
	}
	if kind == cNull {
		if node.nulls != rows {
			return nil, fmt.Errorf("%w: NULL column with %d NULLs in %d values", errCorrupt, node.nulls, rows)
		}
		return array.NewData(t, rows, []*memory.Buffer{nil}, nil, rows, 0), nil
	}
	var bufs []*memory.Buffer
	var children []arrow.ArrayData
	defer func() {
		for _, b := range bufs {
			if b != nil {
				b.Release()
			}
		}
		for _, c := range children {
			c.Release()
		}
	}()
	bitmapBytes := int(bitutil.BytesForBits(int64(rows)))
	valid, vb, err := d.nextBuf()
	bufs = append(bufs, valid)
	if err != nil {
		return nil, err
	}
	switch {
	case node.nulls > 0 && len(vb) < bitmapBytes:
		return nil, fmt.Errorf("%w: validity of %d bytes for %d values", errCorrupt, len(vb), rows)
	case node.nulls == 0 && valid != nil:
		return nil, fmt.Errorf("%w: validity bitmap with no NULLs", errCorrupt)
	case node.nulls > 0 && rows-bitutil.CountSetBits(vb, 0, rows) != node.nulls:
		return nil, fmt.Errorf("%w: NULL count %d does not match the validity bitmap", errCorrupt, node.nulls)
	}
	vals, vals8, err := d.nextBuf()
	bufs = append(bufs, vals)
	if err != nil {
		return nil, err
	}
	switch kind {
	case cBool:
		if len(vals8) < bitmapBytes {
			return nil, fmt.Errorf("%w: %d bytes of BOOLEAN values for %d values", errCorrupt, len(vals8), rows)
		}
	case cFixed:
		if len(vals8) < rows*width {
			return nil, fmt.Errorf("%w: %d bytes of %s values for %d values", errCorrupt, len(vals8), t, rows)
		}
	case cBytes, cList:
		offs := castSlice[int32](vals8)
		if len(offs) < rows+1 {
			return nil, fmt.Errorf("%w: %d offsets for %d values", errCorrupt, len(offs), rows)
		}
		offs = offs[:rows+1]
		if offs[0] != 0 {
			return nil, fmt.Errorf("%w: first offset %d", errCorrupt, offs[0])
		}
		for i := 1; i <= rows; i++ {
			if offs[i] < offs[i-1] {
				return nil, fmt.Errorf("%w: offsets decrease at value %d", errCorrupt, i-1)
			}
		}
		last := int(offs[rows])
		if kind == cBytes {
			buf, bytes, err := d.nextBuf()
			bufs = append(bufs, buf)
			if err != nil {
				return nil, err
			}
			if len(bytes) < last {
				return nil, fmt.Errorf("%w: %d bytes of data, offsets reach %d", errCorrupt, len(bytes), last)
			}
			if buf == nil { // no data: an empty buffer, not a missing one
				bufs[len(bufs)-1] = memory.NewBufferBytes(nil)
			}
			break
		}
		child, err := d.column(t.(*arrow.ListType).Elem(), last)
		if err != nil {
			return nil, fmt.Errorf("elements: %w", err)
		}
		children = append(children, child)
	}
	return array.NewData(t, rows, bufs, children, node.nulls, 0), nil
}
