package rowexpr

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// Most nodes are built in two steps: the columnar constructor of the same
// expression, over stand-ins for the children (shadow), validates the
// arguments and fixes the result type and the plan text, so both are those
// of columnar/expr by construction; the node itself only evaluates.

// shadow stands for a row expression where columnar/expr expects one: it
// has the row expression's type and text and is never evaluated.
type shadow struct{ e Expr }

func (s shadow) DataType() arrow.DataType { return s.e.DataType() }
func (s shadow) String() string           { return s.e.String() }
func (s shadow) Children() []expr.Expr    { return nil }
func (s shadow) Eval(*expr.Context, arrow.RecordBatch) (arrow.Array, error) {
	return nil, invalidErr("internal error: %s is a row expression, evaluated as columnar", s.e)
}

// shadowOf returns the columnar stand-in of e: a literal's own columnar
// literal (constructors look at literal values), else a shadow.
func shadowOf(e Expr) expr.Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *Lit:
		if x == nil {
			return nil
		}
		if x.proto != nil {
			return x.proto
		}
	}
	return shadow{e}
}

func shadowsOf(es []Expr) []expr.Expr {
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		out[i] = shadowOf(e)
	}
	return out
}

// proto holds the columnar twin of a node, for DataType and String.
type proto struct{ p expr.Expr }

func (p proto) DataType() arrow.DataType { return p.p.DataType() }
func (p proto) String() string           { return p.p.String() }

// ---- column references ----

// ColumnRef is a reference to a field of the input row, made by Column.
type ColumnRef struct {
	index int
	name  string
	typ   arrow.DataType
	kind  rows.Kind
	bad   error // a type with no row representation
}

func newColumn(index int, name string, t arrow.DataType) Expr {
	c := &ColumnRef{index: index, name: name, typ: t}
	if t == nil {
		c.bad = invalidErr("column %s: nil type", name)
		return c
	}
	k, err := rows.KindOf(t)
	if err != nil {
		c.bad = typeErr("column %s: %v", name, err)
	}
	c.kind = k
	return c
}

// Index returns the field's position in the input row.
func (c *ColumnRef) Index() int { return c.index }

// Name returns the column's display name.
func (c *ColumnRef) Name() string { return c.name }

// DataType implements Expr.
func (c *ColumnRef) DataType() arrow.DataType { return c.typ }

// String implements Expr.
func (c *ColumnRef) String() string { return c.name }

// Children implements Expr.
func (c *ColumnRef) Children() []Expr { return nil }

// Eval implements Expr. Byte values point into r.
func (c *ColumnRef) Eval(_ *Context, l *rows.Layout, r rows.Row) (Value, error) {
	i := c.index
	if uint(i) >= uint(l.NumFields()) || l.Kind(i) != c.kind || c.bad != nil {
		return Null, c.check(l)
	}
	if len(r) < l.FixedSize() {
		return Null, invalidErr("column %s: a row of %d bytes is shorter than its fixed part (%d bytes)", c.name, len(r), l.FixedSize())
	}
	if l.IsNull(r, i) {
		return Null, nil
	}
	switch c.kind {
	case rows.KindInt64:
		return Value{I: l.Int64(r, i)}, nil
	case rows.KindInt32:
		return Value{I: int64(l.Int32(r, i))}, nil
	case rows.KindDec64:
		return Value{D: l.Decimal(r, i)}, nil
	case rows.KindFloat64:
		return Value{F: l.Float64(r, i)}, nil
	case rows.KindBytes, rows.KindList:
		b, err := c.varBytes(l, r)
		return Value{B: b}, err
	case rows.KindBool:
		if l.Bool(r, i) {
			return Value{I: 1}, nil
		}
		return Value{}, nil
	case rows.KindDec128:
		b, err := c.varBytes(l, r)
		if err != nil {
			return Null, err
		}
		if len(b) != 16 {
			return Null, invalidErr("column %s: a decimal of %d bytes, not 16", c.name, len(b))
		}
		return Value{D: l.Decimal(r, i)}, nil
	}
	return Null, nil
}

// varBytes returns a variable-length field's bytes, checking that they lie
// within the row (a corrupt row is an error, not a panic).
func (c *ColumnRef) varBytes(l *rows.Layout, r rows.Row) ([]byte, error) {
	s := l.Slot(r, c.index)
	off, n := s>>32, uint64(uint32(s))
	if off+n > uint64(len(r)) {
		return nil, invalidErr("column %s: value at bytes [%d, %d) outside a row of %d bytes", c.name, off, off+n, len(r))
	}
	return r[off : off+n : off+n], nil
}

// check explains why the column cannot be read from rows of l.
func (c *ColumnRef) check(l *rows.Layout) error {
	if c.bad != nil {
		return c.bad
	}
	if c.index < 0 || c.index >= l.NumFields() {
		return invalidErr("column %s: index %d out of range for a row of %d fields", c.name, c.index, l.NumFields())
	}
	have := l.Schema().Field(c.index).Type
	return typeErr("column %s: expected %s, the row has %s", c.name, typeName(c.typ), typeName(have))
}

// ---- literals ----

// Lit is a constant, made by Literal.
type Lit struct {
	proto *expr.Lit // nil for an ARRAY
	v     Value
	typ   arrow.DataType
	val   any
}

func newLiteral(value any, t arrow.DataType) (*Lit, error) {
	if lt, ok := t.(*arrow.ListType); ok {
		return newListLiteral(value, lt)
	}
	p, err := expr.Literal(value, t)
	if err != nil {
		return nil, err
	}
	return &Lit{proto: p, v: valueOf(p.Value()), typ: t, val: p.Value()}, nil
}

// newListLiteral makes an ARRAY constant: nil, or the list encoding of
// package rows as a []byte.
func newListLiteral(value any, t *arrow.ListType) (*Lit, error) {
	if !rowType(t) {
		return nil, typeErr("literal of type %s: unsupported element type", typeName(t))
	}
	switch v := value.(type) {
	case nil:
		return &Lit{v: Null, typ: t}, nil
	case []byte:
		k, _ := rows.KindOf(t.Elem())
		if _, err := rows.NewListReader(k, v); err != nil {
			return nil, typeErr("literal of type %s: %v", typeName(t), err)
		}
		b := append([]byte{}, v...)
		return &Lit{v: Value{B: b}, typ: t, val: b}, nil
	}
	return nil, typeErr("literal of type %s cannot hold a Go %T (use the list encoding of package rows as []byte)", typeName(t), value)
}

// Value returns the literal's Go value (nil for NULL).
func (l *Lit) Value() any { return l.val }

// IsNull reports whether the literal is NULL.
func (l *Lit) IsNull() bool { return l.v.Null }

// DataType implements Expr.
func (l *Lit) DataType() arrow.DataType { return l.typ }

// String implements Expr, as Spark's Literal.toString.
func (l *Lit) String() string {
	if l.proto != nil {
		return l.proto.String()
	}
	if l.v.Null {
		return "null"
	}
	return rows.FormatList(l.typ.(*arrow.ListType).Elem(), l.v.B)
}

// Children implements Expr.
func (l *Lit) Children() []Expr { return nil }

// Eval implements Expr.
func (l *Lit) Eval(*Context, *rows.Layout, rows.Row) (Value, error) { return l.v, nil }
