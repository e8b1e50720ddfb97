package expr

import (
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// inHashMin is the list length from which In uses a hash set rather than a
// linear scan.
const inHashMin = 8

type inExpr struct {
	e       Expr
	values  []*Lit
	negated bool
	hasNull bool
	set     inMatcher // nil when e has type NULL
}

// inMatcher finds which rows of an array are in the list.
type inMatcher interface {
	// match sets bit i of out when row i of a is in the list.
	match(a arrow.Array, out []byte)
}

func newIn(e Expr, values []any, negated bool) (Expr, error) {
	if err := checkChild("IN", e); err != nil {
		return nil, err
	}
	t := e.DataType()
	x := &inExpr{e: e, negated: negated}
	var nonNull []any
	for i, v := range values {
		l, err := Literal(v, t)
		if err != nil {
			return nil, typeErr("%s IN (...): value %d: %v", e, i, err)
		}
		x.values = append(x.values, l)
		if v == nil {
			x.hasNull = true
		} else {
			nonNull = append(nonNull, l.value)
		}
	}
	switch t.ID() {
	case arrow.NULL:
	case arrow.BOOL:
		m := &boolMatcher{}
		for _, v := range nonNull {
			if v.(bool) {
				m.hasTrue = true
			} else {
				m.hasFalse = true
			}
		}
		x.set = m
	case arrow.INT32, arrow.DATE32:
		x.set = newFixedMatcher[int32](nonNull)
	case arrow.INT64, arrow.TIMESTAMP:
		x.set = newFixedMatcher[int64](nonNull)
	case arrow.FLOAT64:
		x.set = newFloatMatcher(nonNull)
	case arrow.DECIMAL128:
		x.set = newFixedMatcher[i128](nonNull)
	case arrow.STRING, arrow.BINARY:
		m := &bytesMatcher{set: map[string]struct{}{}}
		for _, v := range nonNull {
			switch s := v.(type) {
			case string:
				m.set[s] = struct{}{}
			case []byte:
				m.set[string(s)] = struct{}{}
			}
		}
		x.set = m
	default:
		return nil, typeErr("%s IN (...): unsupported type %s", e, typeName(t))
	}
	return x, nil
}

// floatKey normalizes a double for set membership: all NaNs are one value
// and -0.0 is 0.0 (Spark's equality for doubles).
func floatKey(v float64) uint64 {
	if v != v {
		return 0x7FF8000000000001
	}
	if v == 0 {
		return 0
	}
	return math.Float64bits(v)
}

type floatMatcher struct{ set map[uint64]struct{} }

func newFloatMatcher(vals []any) *floatMatcher {
	m := &floatMatcher{set: map[uint64]struct{}{}}
	for _, v := range vals {
		m.set[floatKey(v.(float64))] = struct{}{}
	}
	return m
}

func (m *floatMatcher) match(a arrow.Array, out []byte) {
	vals := fixedValues[float64](a)
	tailBits(out, 0, len(vals), func(i int) bool {
		_, ok := m.set[floatKey(vals[i])]
		return ok
	})
}

type fixedMatcher[T comparable] struct {
	list []T
	set  map[T]struct{}
}

func newFixedMatcher[T comparable](vals []any) *fixedMatcher[T] {
	m := &fixedMatcher[T]{}
	for _, v := range vals {
		m.list = append(m.list, scalarOf[T](v))
	}
	if len(m.list) >= inHashMin {
		m.set = make(map[T]struct{}, len(m.list))
		for _, v := range m.list {
			m.set[v] = struct{}{}
		}
	}
	return m
}

func (m *fixedMatcher[T]) match(a arrow.Array, out []byte) {
	vals := fixedValues[T](a)
	for i := 0; i < len(vals); i += 8 {
		var w uint8
		for j := 0; j < 8 && i+j < len(vals); j++ {
			v := vals[i+j]
			found := false
			if m.set != nil {
				_, found = m.set[v]
			} else {
				for _, x := range m.list {
					if x == v {
						found = true
						break
					}
				}
			}
			w |= b2u(found) << j
		}
		out[i>>3] = w
	}
}

type boolMatcher struct{ hasTrue, hasFalse bool }

func (m *boolMatcher) match(a arrow.Array, out []byte) {
	n := a.Len()
	d := a.Data()
	switch {
	case m.hasTrue && m.hasFalse:
		setAll(out)
	case m.hasTrue:
		copyBits(bufBytes(d, 1), d.Offset(), n, out)
	case m.hasFalse:
		bitutil.InvertBitmap(bufBytes(d, 1), d.Offset(), n, out, 0)
	default:
		clear(out)
	}
}

type bytesMatcher struct{ set map[string]struct{} }

func (m *bytesMatcher) match(a arrow.Array, out []byte) {
	v := viewOf(a)
	n := a.Len()
	if len(m.set) < inHashMin {
		// Short list: compare lengths first, then bytes.
		list := make([]string, 0, len(m.set))
		for s := range m.set {
			list = append(list, s)
		}
		offs, data := v.offs, v.data
		for i := 0; i < n; i += 8 {
			var w uint8
			for j := 0; j < 8 && i+j < n; j++ {
				s := data[offs[i+j]:offs[i+j+1]]
				for _, c := range list {
					if len(c) == len(s) && string(s) == c {
						w |= 1 << j
						break
					}
				}
			}
			out[i>>3] = w
		}
		return
	}
	tailBits(out, 0, n, func(i int) bool {
		_, ok := m.set[string(v.data[v.offs[i]:v.offs[i+1]])]
		return ok
	})
}

func (x *inExpr) DataType() arrow.DataType { return columnar.Boolean }

func (x *inExpr) Children() []Expr {
	out := []Expr{x.e}
	for _, l := range x.values {
		out = append(out, l)
	}
	return out
}

func (x *inExpr) String() string {
	var b strings.Builder
	if x.negated {
		b.WriteString("NOT ")
	}
	b.WriteString(x.e.String())
	b.WriteString(" IN (")
	for i, l := range x.values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.String())
	}
	b.WriteByte(')')
	return b.String()
}

func (x *inExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	alloc := ctx.Alloc
	if x.set == nil {
		return nullArray(alloc, columnar.Boolean, n), nil
	}
	in, err := evalChild(ctx, x.e, batch)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	values := newBuf(alloc, bitmapLen(n))
	found := values.Bytes()
	x.set.match(in, found)
	var valid *memory.Buffer
	if x.hasNull {
		// Not found in a list with a NULL: NULL.
		valid = newBuf(alloc, bitmapLen(n))
		copy(valid.Bytes(), found)
		if in.NullN() > 0 {
			vb := valid.Bytes()
			bits, off := validBits(in)
			bitutil.BitmapAnd(vb, bits, 0, int64(off), vb, 0, int64(n))
		}
	} else {
		valid = andValidity(alloc, n, in)
	}
	if x.negated {
		for i := range found {
			found[i] = ^found[i]
		}
	}
	return boolArray(n, valid, values), nil
}
