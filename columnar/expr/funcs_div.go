package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// div(a, b) is Spark's integral division (a DIV b): both arguments as
// BIGINT, the quotient truncated toward zero, NULL when b is 0;
// Long.MIN_VALUE DIV -1 wraps to Long.MIN_VALUE as in Java.
func init() {
	register(&fnSpec{name: "div",
		resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
			if len(args) != 2 {
				return nil, nil, false
			}
			for _, t := range args {
				switch t.ID() {
				case arrow.INT32, arrow.INT64, arrow.NULL:
				default:
					return nil, nil, false
				}
			}
			return []arrow.DataType{columnar.Int64, columnar.Int64}, columnar.Int64, true
		},
		build: func(name string, args []Expr, _ arrow.DataType) (Expr, error) {
			return &intDivExpr{a: args[0], b: args[1]}, nil
		}})
}

type intDivExpr struct{ a, b Expr }

func (d *intDivExpr) DataType() arrow.DataType { return columnar.Int64 }
func (d *intDivExpr) Children() []Expr         { return []Expr{d.a, d.b} }
func (d *intDivExpr) String() string           { return "(" + d.a.String() + " div " + d.b.String() + ")" }

func (d *intDivExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := evalChild(ctx, d.a, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	b, err := evalChild(ctx, d.b, batch)
	if err != nil {
		return nil, err
	}
	defer b.Release()
	ai, ok1 := a.(*array.Int64)
	bi, ok2 := b.(*array.Int64)
	if !ok1 || !ok2 {
		return nil, typeErr("div needs bigint arguments, got %s and %s", typeName(a.DataType()), typeName(b.DataType()))
	}
	n := a.Len()
	valid := writableValidity(ctx.Alloc, n, a, b)
	vb := valid.Bytes()
	out := newBuf(ctx.Alloc, 8*n)
	res := sliceOf[int64](out.Bytes())[:n]
	av, bv := ai.Int64Values(), bi.Int64Values()
	for i := 0; i < n; i++ {
		if bv[i] == 0 {
			bitutil.ClearBit(vb, i)
			res[i] = 0
			continue
		}
		res[i] = av[i] / bv[i]
	}
	nulls := finishValidity(&valid, n)
	return makeArray(columnar.Int64, n, []*memory.Buffer{valid, out}, nulls), nil
}
