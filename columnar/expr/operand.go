package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// operand is an evaluated argument of a kernel: an array, or for a literal
// argument the literal itself, used as a scalar without materializing it.
type operand struct {
	arr arrow.Array // nil for a scalar
	lit *Lit
}

func evalOperand(ctx *Context, e Expr, batch arrow.RecordBatch) (operand, error) {
	if l, ok := e.(*Lit); ok {
		return operand{lit: l}, nil
	}
	a, err := evalChild(ctx, e, batch)
	return operand{arr: a}, err
}

func (o operand) release() {
	if o.arr != nil {
		o.arr.Release()
	}
}

// null reports whether the operand is a NULL scalar.
func (o operand) null() bool { return o.arr == nil && o.lit.value == nil }

// fixedValues returns the values of a fixed-width array (its offset
// applied) as a slice of T.
func fixedValues[T any](a arrow.Array) []T {
	n := a.Len()
	if n == 0 {
		return nil
	}
	d := a.Data()
	vals := sliceOf[T](bufBytes(d, 1))
	return vals[d.Offset() : d.Offset()+n]
}

// scalarOf converts a literal's Go value to the kernel representation T.
func scalarOf[T any](v any) T {
	switch x := v.(type) {
	case arrow.Date32:
		return any(int32(x)).(T)
	case arrow.Timestamp:
		return any(int64(x)).(T)
	case decimal128.Num:
		return any(fromNum(x)).(T)
	}
	return v.(T)
}

// opValues returns the operand's values and the index mask to read them
// with: element i is vals[i&mask]; a scalar is a one-element slice read with
// mask 0.
func opValues[T any](o operand) ([]T, int) {
	if o.arr != nil {
		return fixedValues[T](o.arr), -1
	}
	return []T{scalarOf[T](o.lit.value)}, 0
}

// arrays returns the non-nil arrays among the operands.
func arrays(ops ...operand) []arrow.Array {
	var out []arrow.Array
	for _, o := range ops {
		if o.arr != nil {
			out = append(out, o.arr)
		}
	}
	return out
}
