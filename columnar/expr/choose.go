package expr

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// choose builds an array of type t whose row i is row i of srcs[choice[i]]
// (NULL where choice[i] < 0). Every source has n rows and type t (a source
// of type NULL counts as all NULL).
func choose(alloc memory.Allocator, t arrow.DataType, n int, choice []int32, srcs []arrow.Array) (arrow.Array, error) {
	if t.ID() == arrow.NULL {
		return nullArray(alloc, t, n), nil
	}
	type srcBits struct {
		bits []byte
		off  int
		null bool
	}
	sv := make([]srcBits, len(srcs))
	for k, s := range srcs {
		if s.DataType().ID() == arrow.NULL {
			sv[k] = srcBits{null: true}
			continue
		}
		b, off := validBits(s)
		sv[k] = srcBits{bits: b, off: off}
	}
	valid := newBuf(alloc, bitmapLen(n))
	vb := valid.Bytes()
	for i := 0; i < n; i += 8 {
		var w uint8
		for j := 0; j < 8 && i+j < n; j++ {
			c := choice[i+j]
			if c < 0 {
				continue
			}
			s := &sv[c]
			if s.null || (s.bits != nil && !bitutil.BitIsSet(s.bits, s.off+i+j)) {
				continue
			}
			w |= 1 << j
		}
		vb[i>>3] = w
	}
	nulls := finishValidity(&valid, n)
	fixed := func() []arrow.Array {
		// Sources of type NULL have no values: read them as the first
		// typed source (their rows are NULL anyway).
		out := make([]arrow.Array, len(srcs))
		var typed arrow.Array
		for _, s := range srcs {
			if s.DataType().ID() != arrow.NULL {
				typed = s
				break
			}
		}
		for k, s := range srcs {
			if s.DataType().ID() == arrow.NULL {
				out[k] = typed
			} else {
				out[k] = s
			}
		}
		return out
	}
	switch t.ID() {
	case arrow.BOOL:
		values := newBuf(alloc, bitmapLen(n))
		ob := values.Bytes()
		clear(ob)
		typed := fixed()
		for i, c := range choice[:n] {
			if c >= 0 && typed[c] != nil {
				d := typed[c].Data()
				if bitutil.BitIsSet(bufBytes(d, 1), d.Offset()+i) {
					bitutil.SetBit(ob, i)
				}
			}
		}
		return makeArray(t, n, []*memory.Buffer{valid, values}, nulls), nil
	case arrow.INT32, arrow.DATE32:
		return makeArray(t, n, []*memory.Buffer{valid, chooseFixed[int32](alloc, n, choice, fixed())}, nulls), nil
	case arrow.INT64, arrow.FLOAT64, arrow.TIMESTAMP:
		return makeArray(t, n, []*memory.Buffer{valid, chooseFixed[int64](alloc, n, choice, fixed())}, nulls), nil
	case arrow.DECIMAL128:
		return makeArray(t, n, []*memory.Buffer{valid, chooseFixed[i128](alloc, n, choice, fixed())}, nulls), nil
	case arrow.STRING, arrow.BINARY:
		views := make([]byteView, len(srcs))
		for k, s := range srcs {
			if s.DataType().ID() != arrow.NULL {
				views[k] = viewOf(s)
			}
		}
		total := 0
		for i, c := range choice[:n] {
			if c >= 0 && views[c].offs != nil {
				total += int(views[c].offs[i+1] - views[c].offs[i])
			}
		}
		if total > math.MaxInt32 {
			if valid != nil {
				valid.Release()
			}
			return nil, invalidErr("result of %d bytes exceeds the 2 GiB limit of a %s array", total, typeName(t))
		}
		offBuf := newBuf(alloc, 4*(n+1))
		offs := sliceOf[int32](offBuf.Bytes())[:n+1]
		data := newBuf(alloc, total)
		db := data.Bytes()
		pos := int32(0)
		for i, c := range choice[:n] {
			offs[i] = pos
			if c >= 0 && views[c].offs != nil {
				v := &views[c]
				pos += int32(copy(db[pos:], v.data[v.offs[i]:v.offs[i+1]]))
			}
		}
		offs[n] = pos
		return makeArray(t, n, []*memory.Buffer{valid, offBuf, data}, nulls), nil
	}
	if valid != nil {
		valid.Release()
	}
	return nil, typeErr("unsupported result type %s", typeName(t))
}

func chooseFixed[T any](alloc memory.Allocator, n int, choice []int32, srcs []arrow.Array) *memory.Buffer {
	var zero T
	vals := make([][]T, len(srcs))
	for k, s := range srcs {
		if s != nil {
			vals[k] = fixedValues[T](s)
		}
	}
	buf := newBuf(alloc, n*int(sizeOfT[T]()))
	out := sliceOf[T](buf.Bytes())[:n]
	for i, c := range choice[:n] {
		if c >= 0 && vals[c] != nil {
			out[i] = vals[c][i]
		} else {
			out[i] = zero
		}
	}
	return buf
}
