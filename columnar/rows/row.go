// Package rows is gluten-go's row format, the representation its row
// (fallback) operators work on, as Spark's row operators work on UnsafeRow:
// each row is one byte slice holding a null bitset, one 8-byte slot per
// field, and a variable-length region:
//
//	[null bits: 8 bytes per 64 fields][slot 0][slot 1]...[slot n-1][variable-length data]
//
// A slot holds a fixed-width value directly (BOOLEAN as 0 or 1, INT and DATE
// sign-extended, BIGINT and TIMESTAMP, DOUBLE's bits, a DECIMAL of precision
// up to 18 as its unscaled int64), or for STRING, BINARY, wider DECIMALs
// (16 bytes, little-endian) and ARRAYs the offset of the value from the start
// of the row (high 32 bits) and its length in bytes (low 32 bits). Rows are
// compared and hashed as plain bytes where that is what the operator needs
// (group keys), and copied with one copy. Nothing is boxed.
//
// A Row is valid only as long as the buffer it points into; operators that
// keep rows copy them (Buffer.Append).
package rows

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
)

// Row is one row in the row format of some Layout.
type Row []byte

// Kind is how a field is stored.
type Kind uint8

// The storage kinds.
const (
	KindBool    Kind = iota // slot: 0 or 1
	KindInt32               // slot: sign-extended (INT, DATE)
	KindInt64               // slot (BIGINT, TIMESTAMP)
	KindFloat64             // slot: IEEE bits
	KindDec64               // slot: unscaled int64 of a DECIMAL(p<=18, s)
	KindDec128              // variable: 16 bytes, low word first
	KindBytes               // variable: STRING, BINARY
	KindList                // variable: an ARRAY (see list.go)
	KindNull                // slot unused, always NULL (the type of an untyped NULL)
)

// Variable reports whether the kind keeps its value in the variable region.
func (k Kind) Variable() bool { return k == KindDec128 || k == KindBytes || k == KindList }

// Layout describes the rows of a schema.
type Layout struct {
	schema   *arrow.Schema
	kinds    []Kind
	nullSize int // bytes of the null bitset
	fixed    int // bytes of the bitset and the slots
}

// KindOf returns the storage kind of a gluten-go type.
func KindOf(t arrow.DataType) (Kind, error) {
	switch t.ID() {
	case arrow.BOOL:
		return KindBool, nil
	case arrow.INT32, arrow.DATE32:
		return KindInt32, nil
	case arrow.INT64, arrow.TIMESTAMP:
		return KindInt64, nil
	case arrow.FLOAT64:
		return KindFloat64, nil
	case arrow.DECIMAL128:
		if p, _, _ := columnar.IsDecimal(t); p <= 18 {
			return KindDec64, nil
		}
		return KindDec128, nil
	case arrow.STRING, arrow.BINARY:
		return KindBytes, nil
	case arrow.LIST:
		return KindList, nil
	case arrow.NULL:
		return KindNull, nil
	}
	return 0, fmt.Errorf("rows: type %s has no row representation", t)
}

// NewLayout returns the layout of rows of schema.
func NewLayout(schema *arrow.Schema) (*Layout, error) {
	l := &Layout{schema: schema, kinds: make([]Kind, schema.NumFields())}
	for i, f := range schema.Fields() {
		k, err := KindOf(f.Type)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		if k == KindList {
			if err := checkListType(f.Type); err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		l.kinds[i] = k
	}
	l.nullSize = (schema.NumFields() + 63) / 64 * 8
	l.fixed = l.nullSize + 8*schema.NumFields()
	return l, nil
}

// Schema returns the schema the layout was made for.
func (l *Layout) Schema() *arrow.Schema { return l.schema }

// NumFields returns the number of fields.
func (l *Layout) NumFields() int { return len(l.kinds) }

// Kind returns field i's storage kind.
func (l *Layout) Kind(i int) Kind { return l.kinds[i] }

// FixedSize returns the bytes of a row's null bitset and slots: the size of
// a row with no variable-length data.
func (l *Layout) FixedSize() int { return l.fixed }

// NullBytes returns the size of the null bitset.
func (l *Layout) NullBytes() int { return l.nullSize }

func (l *Layout) slot(i int) int { return l.nullSize + 8*i }

// IsNull reports whether field i of r is NULL.
func (l *Layout) IsNull(r Row, i int) bool { return r[i>>3]&(1<<(uint(i)&7)) != 0 }

// Slot returns the raw 8-byte slot of field i.
func (l *Layout) Slot(r Row, i int) uint64 {
	return binary.LittleEndian.Uint64(r[l.slot(i):])
}

// Bool returns field i as a BOOLEAN.
func (l *Layout) Bool(r Row, i int) bool { return r[l.slot(i)] != 0 }

// Int64 returns field i of kind KindInt32, KindInt64, KindDec64 or KindBool
// as an int64.
func (l *Layout) Int64(r Row, i int) int64 { return int64(l.Slot(r, i)) }

// Int32 returns field i of kind KindInt32.
func (l *Layout) Int32(r Row, i int) int32 { return int32(l.Slot(r, i)) }

// Float64 returns field i as a DOUBLE.
func (l *Layout) Float64(r Row, i int) float64 { return math.Float64frombits(l.Slot(r, i)) }

// Bytes returns a variable-length field's bytes, pointing into r.
func (l *Layout) Bytes(r Row, i int) []byte {
	s := l.Slot(r, i)
	off, n := int(s>>32), int(uint32(s))
	return r[off : off+n : off+n]
}

// Decimal returns a DECIMAL field as its unscaled 128-bit value.
func (l *Layout) Decimal(r Row, i int) decimal128.Num {
	if l.kinds[i] == KindDec64 {
		return decimal128.FromI64(l.Int64(r, i))
	}
	b := l.Bytes(r, i)
	return decimal128.New(int64(binary.LittleEndian.Uint64(b[8:])), binary.LittleEndian.Uint64(b))
}

// Writer builds rows of a layout in a reusable buffer.
type Writer struct {
	l   *Layout
	buf []byte
}

// NewWriter returns a writer of rows of l.
func NewWriter(l *Layout) *Writer {
	return &Writer{l: l, buf: make([]byte, l.fixed, l.fixed+64)}
}

// Layout returns the writer's layout.
func (w *Writer) Layout() *Layout { return w.l }

// Reset starts a new row: every field non-NULL and zero, no variable data.
func (w *Writer) Reset() {
	w.buf = w.buf[:w.l.fixed]
	clear(w.buf)
}

// SetNull makes field i NULL.
func (w *Writer) SetNull(i int) {
	w.buf[i>>3] |= 1 << (uint(i) & 7)
	binary.LittleEndian.PutUint64(w.buf[w.l.slot(i):], 0)
}

// SetSlot writes field i's raw slot.
func (w *Writer) SetSlot(i int, v uint64) { binary.LittleEndian.PutUint64(w.buf[w.l.slot(i):], v) }

// SetBool writes a BOOLEAN field.
func (w *Writer) SetBool(i int, v bool) {
	var x uint64
	if v {
		x = 1
	}
	w.SetSlot(i, x)
}

// SetInt64 writes a field of kind KindInt32, KindInt64 or KindDec64.
func (w *Writer) SetInt64(i int, v int64) { w.SetSlot(i, uint64(v)) }

// SetFloat64 writes a DOUBLE field.
func (w *Writer) SetFloat64(i int, v float64) { w.SetSlot(i, math.Float64bits(v)) }

// SetBytes writes a variable-length field (appending to the row).
func (w *Writer) SetBytes(i int, b []byte) {
	off := len(w.buf)
	w.buf = append(w.buf, b...)
	w.SetSlot(i, uint64(off)<<32|uint64(len(b)))
}

// SetString writes a STRING field.
func (w *Writer) SetString(i int, s string) {
	off := len(w.buf)
	w.buf = append(w.buf, s...)
	w.SetSlot(i, uint64(off)<<32|uint64(len(s)))
}

// SetDecimal writes a DECIMAL field.
func (w *Writer) SetDecimal(i int, d decimal128.Num) {
	if w.l.kinds[i] == KindDec64 {
		w.SetInt64(i, int64(d.LowBits()))
		return
	}
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], d.LowBits())
	binary.LittleEndian.PutUint64(b[8:], uint64(d.HighBits()))
	w.SetBytes(i, b[:])
}

// CopyField copies field j of row r (of layout rl) into field i.
func (w *Writer) CopyField(i int, rl *Layout, r Row, j int) {
	if rl.IsNull(r, j) {
		w.SetNull(i)
		return
	}
	if rl.kinds[j].Variable() {
		w.SetBytes(i, rl.Bytes(r, j))
		return
	}
	w.SetSlot(i, rl.Slot(r, j))
}

// Row returns the row built so far. It stays valid until the next Reset.
func (w *Writer) Row() Row { return w.buf }

// Buffer is an append-only arena of rows of one layout: the rows live in
// one growing byte slice, addressed by offsets. It is where row operators
// keep rows (a sort's input, a hash table's groups).
type Buffer struct {
	data []byte
	offs []int    // start of each row, plus the end
	cur  []uint32 // AppendBatch's scratch: per row, where its next variable-length value goes
}

// NewBuffer returns an empty buffer.
func NewBuffer() *Buffer { return &Buffer{offs: []int{0}} }

// Append copies r into the buffer and returns its index.
func (b *Buffer) Append(r Row) int {
	b.data = append(b.data, r...)
	b.offs = append(b.offs, len(b.data))
	return len(b.offs) - 2
}

// Len returns the number of rows.
func (b *Buffer) Len() int { return len(b.offs) - 1 }

// Row returns row i, pointing into the buffer (valid until the next Append
// or Reset).
func (b *Buffer) Row(i int) Row {
	return Row(b.data[b.offs[i]:b.offs[i+1]:b.offs[i+1]])
}

// Bytes returns the bytes the buffer holds.
func (b *Buffer) Bytes() int64 { return int64(cap(b.data) + 8*cap(b.offs) + 4*cap(b.cur)) }

// Reset empties the buffer, keeping its memory.
func (b *Buffer) Reset() {
	b.data = b.data[:0]
	b.offs = b.offs[:1]
}
