package rows

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar"
)

// ListBuilder encodes one ARRAY value in the list encoding (see list.go),
// ready for Writer.SetBytes. The zero value is not usable; see
// NewListBuilder. A builder is reused with Reset.
type ListBuilder struct {
	elem  Kind
	nulls []byte
	elems []byte
	out   []byte
}

// NewListBuilder returns a builder of lists whose elements have storage
// kind elem (Layout.ElemKind).
func NewListBuilder(elem Kind) *ListBuilder { return &ListBuilder{elem: elem} }

// ElemKind returns the kind of the builder's elements.
func (b *ListBuilder) ElemKind() Kind { return b.elem }

// Len returns the number of elements appended since the last Reset.
func (b *ListBuilder) Len() int { return len(b.nulls) }

// Reset starts a new, empty list.
func (b *ListBuilder) Reset() {
	b.nulls = b.nulls[:0]
	b.elems = b.elems[:0]
}

// AppendNull appends a NULL element.
func (b *ListBuilder) AppendNull() {
	b.nulls = append(b.nulls, 1)
	if b.elem.Variable() {
		b.elems = binary.LittleEndian.AppendUint32(b.elems, 0)
	} else {
		b.elems = binary.LittleEndian.AppendUint64(b.elems, 0)
	}
}

// AppendSlot appends a fixed-width element as its 8-byte slot value (as
// Writer.SetSlot: BOOLEAN 0 or 1, INT and DATE sign-extended, DOUBLE's bits,
// a DECIMAL(p<=18) unscaled). It must not be used for a variable-length
// element kind.
func (b *ListBuilder) AppendSlot(v uint64) {
	b.nulls = append(b.nulls, 0)
	b.elems = binary.LittleEndian.AppendUint64(b.elems, v)
}

// AppendBytes appends a variable-length element (STRING or BINARY bytes; for
// a DECIMAL(p>18) element its 16 bytes, low word first). It must not be used
// for a fixed-width element kind.
func (b *ListBuilder) AppendBytes(v []byte) {
	b.nulls = append(b.nulls, 0)
	b.elems = binary.LittleEndian.AppendUint32(b.elems, uint32(len(v)))
	b.elems = append(b.elems, v...)
}

// AppendDecimal appends a DECIMAL element of either kind.
func (b *ListBuilder) AppendDecimal(d decimal128.Num) {
	if b.elem != KindDec128 {
		b.AppendSlot(d.LowBits())
		return
	}
	b.nulls = append(b.nulls, 0)
	b.elems = binary.LittleEndian.AppendUint32(b.elems, 16)
	b.elems = binary.LittleEndian.AppendUint64(b.elems, d.LowBits())
	b.elems = binary.LittleEndian.AppendUint64(b.elems, uint64(d.HighBits()))
}

// Bytes returns the encoded list. It is valid until the next call on the
// builder.
func (b *ListBuilder) Bytes() []byte {
	b.out = binary.LittleEndian.AppendUint32(b.out[:0], uint32(len(b.nulls)))
	b.out = append(b.out, b.nulls...)
	b.out = append(b.out, b.elems...)
	return b.out
}

// ListReader walks an encoded list. The zero value is ready for Reset;
// a reader reused with Reset does not allocate once warm.
type ListReader struct {
	elem  Kind
	n     int
	nulls []byte
	data  []byte  // the elements
	offs  []int32 // variable elements: where each element (its length) starts in data
}

// NewListReader returns a reader of the encoded list b whose elements have
// kind elem, or an error when b is not a valid encoding.
func NewListReader(elem Kind, b []byte) (*ListReader, error) {
	r := &ListReader{}
	if err := r.Reset(elem, b); err != nil {
		return nil, err
	}
	return r, nil
}

// Reset points the reader at the encoded list b of elements of kind elem,
// validating the encoding. b is borrowed and must stay unchanged while the
// reader is used.
func (r *ListReader) Reset(elem Kind, b []byte) error {
	r.elem, r.n, r.nulls, r.data, r.offs = elem, 0, nil, nil, r.offs[:0]
	if elem == KindList {
		return fmt.Errorf("rows: arrays of arrays are not supported")
	}
	n, err := listLen(b)
	if err != nil {
		return err
	}
	nulls, data := b[4:4+n], b[4+n:]
	if !elem.Variable() {
		if len(data) != 8*n {
			return fmt.Errorf("rows: invalid list encoding: %d bytes of elements for %d fixed-width elements", len(data), n)
		}
	} else {
		if cap(r.offs) < n {
			r.offs = make([]int32, 0, n)
		}
		p := 0
		for i := 0; i < n; i++ {
			if len(data)-p < 4 {
				return fmt.Errorf("rows: invalid list encoding: element %d of %d truncated", i, n)
			}
			m := int(binary.LittleEndian.Uint32(data[p:]))
			if m > len(data)-p-4 {
				return fmt.Errorf("rows: invalid list encoding: element %d of %d has %d bytes, %d left", i, n, m, len(data)-p-4)
			}
			if elem == KindDec128 && m != 16 && !(m == 0 && nulls[i] != 0) {
				return fmt.Errorf("rows: invalid list encoding: decimal element %d of %d has %d bytes, want 16", i, n, m)
			}
			r.offs = append(r.offs, int32(p))
			p += 4 + m
		}
		if p != len(data) {
			return fmt.Errorf("rows: invalid list encoding: %d trailing bytes", len(data)-p)
		}
	}
	r.n, r.nulls, r.data = n, nulls, data
	return nil
}

// listLen validates the header of an encoded list and returns its count.
func listLen(b []byte) (int, error) {
	if len(b) < 4 {
		return 0, fmt.Errorf("rows: invalid list encoding: %d bytes, shorter than its count", len(b))
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > len(b)-4 {
		return 0, fmt.Errorf("rows: invalid list encoding: count %d exceeds its %d bytes", n, len(b))
	}
	return n, nil
}

// Len returns the number of elements.
func (r *ListReader) Len() int { return r.n }

// ElemKind returns the kind of the list's elements.
func (r *ListReader) ElemKind() Kind { return r.elem }

// IsNull reports whether element i is NULL.
func (r *ListReader) IsNull(i int) bool { return r.nulls[i] != 0 }

// Slot returns fixed-width element i's 8-byte slot value (0 for NULL).
func (r *ListReader) Slot(i int) uint64 { return binary.LittleEndian.Uint64(r.data[8*i:]) }

// Bytes returns variable-length element i's bytes (empty for NULL),
// pointing into the encoded list.
func (r *ListReader) Bytes(i int) []byte {
	p := int(r.offs[i])
	e := p + 4 + int(binary.LittleEndian.Uint32(r.data[p:]))
	return r.data[p+4 : e : e]
}

// Decimal returns DECIMAL element i (of either kind) as its unscaled value.
func (r *ListReader) Decimal(i int) decimal128.Num {
	if r.elem != KindDec128 {
		return decimal128.FromI64(int64(r.Slot(i)))
	}
	b := r.Bytes(i)
	if len(b) != 16 {
		return decimal128.Num{}
	}
	return decimal128.New(int64(binary.LittleEndian.Uint64(b[8:])), binary.LittleEndian.Uint64(b))
}

// FormatList renders an encoded ARRAY value with elements of type elemType
// as Spark prints an array: [1, 2, null], [a, b], []. An encoding that is
// not valid renders as "<invalid array: reason>".
func FormatList(elemType arrow.DataType, encoded []byte) string {
	k, err := KindOf(elemType)
	if err != nil {
		return "<invalid array: " + err.Error() + ">"
	}
	var r ListReader
	if err := r.Reset(k, encoded); err != nil {
		return "<invalid array: " + err.Error() + ">"
	}
	var sb strings.Builder
	sb.WriteByte('[')
	for i := 0; i < r.n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		if r.IsNull(i) {
			sb.WriteString("null")
			continue
		}
		sb.WriteString(columnar.FormatValue(r.value(i, elemType), elemType))
	}
	sb.WriteByte(']')
	return sb.String()
}

// value returns element i as the Go value of its SQL type (for rendering).
func (r *ListReader) value(i int, t arrow.DataType) any {
	switch t.ID() {
	case arrow.BOOL:
		return r.Slot(i) != 0
	case arrow.INT32:
		return int32(r.Slot(i))
	case arrow.DATE32:
		return arrow.Date32(int32(r.Slot(i)))
	case arrow.INT64:
		return int64(r.Slot(i))
	case arrow.TIMESTAMP:
		return arrow.Timestamp(int64(r.Slot(i)))
	case arrow.FLOAT64:
		return math.Float64frombits(r.Slot(i))
	case arrow.DECIMAL128:
		return r.Decimal(i)
	case arrow.STRING:
		return string(r.Bytes(i))
	case arrow.BINARY:
		return r.Bytes(i)
	}
	return nil
}
