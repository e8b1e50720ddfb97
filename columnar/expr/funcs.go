package expr

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// fnSpec is a registered scalar function.
type fnSpec struct {
	name string // canonical name
	// resolve returns the types the arguments must be cast to and the
	// result type, or ok=false when the arguments cannot be coerced.
	resolve func(args []arrow.DataType) (argTypes []arrow.DataType, result arrow.DataType, ok bool)
	// build makes the expression for arguments of the resolved types.
	build func(name string, args []Expr, result arrow.DataType) (Expr, error)
}

var (
	registry = map[string]*fnSpec{}
	aliases  = map[string]string{} // alias -> canonical name
)

// register adds a function under its name and aliases.
func register(spec *fnSpec, alias ...string) {
	registry[spec.name] = spec
	aliases[spec.name] = spec.name
	for _, a := range alias {
		aliases[a] = spec.name
	}
}

func lookup(name string) (*fnSpec, string, bool) {
	lname := strings.ToLower(name)
	canon, ok := aliases[lname]
	if !ok {
		return nil, lname, false
	}
	return registry[canon], lname, true
}

func typeList(ts []arrow.DataType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = typeName(t)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func resolveFunction(name string, argTypes []arrow.DataType) (FuncSignature, error) {
	spec, lname, ok := lookup(name)
	if !ok {
		return FuncSignature{}, invalidErr("function %s does not exist", lname)
	}
	for _, t := range argTypes {
		if t == nil || !columnar.Supported(t) {
			return FuncSignature{}, typeErr("function %s cannot take %s", lname, typeList(argTypes))
		}
	}
	at, rt, ok := spec.resolve(argTypes)
	if !ok {
		return FuncSignature{}, typeErr("function %s cannot take %s", lname, typeList(argTypes))
	}
	return FuncSignature{Name: spec.name, ArgTypes: at, ResultType: rt}, nil
}

func newFunction(name string, args []Expr) (Expr, error) {
	spec, lname, ok := lookup(name)
	if !ok {
		return nil, invalidErr("function %s does not exist", lname)
	}
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		if err := checkChild(lname, a); err != nil {
			return nil, err
		}
		types[i] = a.DataType()
	}
	sig, err := resolveFunction(lname, types)
	if err != nil {
		return nil, err
	}
	for i, t := range sig.ArgTypes {
		if !arrow.TypeEqual(t, types[i]) {
			return nil, typeErr("function %s: argument %d (%s) is %s but must be %s; cast it first (see ResolveFunction)",
				lname, i+1, args[i], typeName(types[i]), typeName(t))
		}
	}
	return spec.build(lname, args, sig.ResultType)
}

func functionNames() []string {
	out := make([]string, 0, len(aliases))
	for a := range aliases {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// ---- implicit argument coercion (Spark's ImplicitTypeCasts) ----

// coerce returns the type an argument of type have is cast to where a
// function expects type want (nil: no implicit cast exists).
func coerce(have, want arrow.DataType) arrow.DataType {
	switch {
	case arrow.TypeEqual(have, want):
		return want
	case have.ID() == arrow.NULL:
		return want
	case want.ID() == arrow.STRING:
		return want // any atomic type to string
	case have.ID() == arrow.STRING:
		switch want.ID() {
		case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128, arrow.DATE32, arrow.TIMESTAMP, arrow.BINARY:
			return want
		}
	case columnar.IsNumeric(have) && columnar.IsNumeric(want):
		return want
	case have.ID() == arrow.DATE32 && want.ID() == arrow.TIMESTAMP:
		return want
	case have.ID() == arrow.TIMESTAMP && want.ID() == arrow.DATE32:
		return want
	}
	return nil
}

// fixedSig resolves a function with fixed expected argument types; the
// trailing optional arguments may be omitted (min is the required count).
func fixedSig(result arrow.DataType, min int, want ...arrow.DataType) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
		if len(args) < min || len(args) > len(want) {
			return nil, nil, false
		}
		out := make([]arrow.DataType, len(args))
		for i, a := range args {
			if out[i] = coerce(a, want[i]); out[i] == nil {
				return nil, nil, false
			}
		}
		return out, result, true
	}
}

// variadicSig expects every argument (at least min) to be of type want.
func variadicSig(result, want arrow.DataType, min int) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
		if len(args) < min {
			return nil, nil, false
		}
		out := make([]arrow.DataType, len(args))
		for i, a := range args {
			if out[i] = coerce(a, want); out[i] == nil {
				return nil, nil, false
			}
		}
		return out, result, true
	}
}

// ---- the generic function node ----

// kernelFunc computes a function over n rows. ops are the evaluated
// arguments (literals as scalars). valid is a writable validity bitmap: the
// AND of the arguments' validity for null-intolerant functions, all ones
// otherwise; the kernel owns it (it clears bits for NULL results and hands
// it to the result array or releases it).
type kernelFunc func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error)

type funcExpr struct {
	name string
	args []Expr
	typ  arrow.DataType
	// nullSafe functions see NULL arguments (coalesce-like); others give
	// NULL for a row where any argument is NULL.
	nullSafe bool
	kernel   kernelFunc
}

func (f *funcExpr) DataType() arrow.DataType { return f.typ }
func (f *funcExpr) Children() []Expr         { return f.args }
func (f *funcExpr) String() string           { return callString(f.name, f.args) }

func (f *funcExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	ops := make([]operand, len(f.args))
	defer func() {
		for _, o := range ops {
			o.release()
		}
	}()
	for i, a := range f.args {
		o, err := evalOperand(ctx, a, batch)
		if err != nil {
			return nil, err
		}
		ops[i] = o
		if !f.nullSafe && (o.null() || (o.arr != nil && o.arr.DataType().ID() == arrow.NULL)) {
			return nullArray(ctx.Alloc, f.typ, n), nil
		}
	}
	var valid *memory.Buffer
	if f.nullSafe {
		valid = newBuf(ctx.Alloc, bitmapLen(n))
		setAll(valid.Bytes())
	} else {
		valid = writableValidity(ctx.Alloc, n, arrays(ops...)...)
	}
	a, err := f.kernel(ctx.Alloc, n, ops, valid)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f, err)
	}
	return a, nil
}

func simpleBuild(k kernelFunc) func(string, []Expr, arrow.DataType) (Expr, error) {
	return func(name string, args []Expr, t arrow.DataType) (Expr, error) {
		return &funcExpr{name: name, args: args, typ: t, kernel: k}, nil
	}
}

// ---- result builders for kernels ----

// fixedResult builds a fixed-width result from f(i) for each valid row;
// f returning false makes the row NULL.
func fixedResult[D any](alloc memory.Allocator, t arrow.DataType, n int, valid *memory.Buffer, f func(i int) (D, bool)) arrow.Array {
	out := newBuf(alloc, n*int(sizeOfT[D]()))
	o := sliceOf[D](out.Bytes())[:n]
	vb := valid.Bytes()
	var zero D
	for i := range o {
		if vb[i>>3]&(1<<(i&7)) == 0 {
			o[i] = zero
			continue
		}
		r, ok := f(i)
		if !ok {
			vb[i>>3] &^= 1 << (i & 7)
			r = zero
		}
		o[i] = r
	}
	nulls := finishValidity(&valid, n)
	return makeArray(t, n, []*memory.Buffer{valid, out}, nulls)
}

// boolResult is fixedResult for BOOLEAN.
func boolResult(alloc memory.Allocator, n int, valid *memory.Buffer, f func(i int) (bool, bool)) arrow.Array {
	values := newBuf(alloc, bitmapLen(n))
	ob := values.Bytes()
	clear(ob)
	vb := valid.Bytes()
	for i := 0; i < n; i++ {
		if vb[i>>3]&(1<<(i&7)) == 0 {
			continue
		}
		r, ok := f(i)
		if !ok {
			vb[i>>3] &^= 1 << (i & 7)
		} else if r {
			ob[i>>3] |= 1 << (i & 7)
		}
	}
	return boolArray(n, valid, values)
}

// stringResult builds a STRING result: f appends row i's value to dst and
// returns it, or false for NULL.
func stringResult(alloc memory.Allocator, t arrow.DataType, n, sizeHint int, valid *memory.Buffer, f func(dst []byte, i int) ([]byte, bool)) (arrow.Array, error) {
	vb := valid.Bytes()
	b := newStrBuilder(alloc, n, sizeHint, valid)
	for i := 0; i < n; i++ {
		if vb[i>>3]&(1<<(i&7)) == 0 {
			b.null(i)
			continue
		}
		d, ok := f(b.room(32), i)
		if !ok {
			b.null(i)
			continue
		}
		b.set(i, d)
	}
	return b.finish(t)
}

// intArg reads an INT argument (vector or scalar) at row i.
type intArg struct {
	v []int32
	m int
}

func intArgOf(o operand) intArg {
	v, m := opValues[int32](o)
	return intArg{v: v, m: m}
}

func (a intArg) at(i int) int32 { return a.v[i&a.m] }

// strBytes returns the size of the data of a STRING operand (for size
// hints).
func strBytes(o operand) int {
	if o.arr == nil {
		if s, ok := o.lit.value.(string); ok {
			return len(s)
		}
		return 0
	}
	v := viewOf(o.arr)
	if len(v.offs) == 0 {
		return 0
	}
	return int(v.offs[len(v.offs)-1] - v.offs[0])
}

func init() {
	registerStringFunctions()
	registerDateFunctions()
	registerMathFunctions()
	registerConditionalFunctions()
}

func resolveCall(name string, args []Expr) (FuncSignature, error) {
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		if a == nil {
			return FuncSignature{}, invalidErr("function %s: argument %d is nil", name, i+1)
		}
		types[i] = a.DataType()
	}
	sig, err := resolveFunction(name, types)
	if err != nil {
		return sig, err
	}
	if (sig.Name == "round" || sig.Name == "bround") && len(args) == 2 {
		if p, s, ok := columnar.IsDecimal(sig.ArgTypes[0]); ok {
			if l, ok := args[1].(*Lit); ok && l.value != nil {
				d, ok := l.value.(int32)
				if !ok {
					if d64, ok64 := l.value.(int64); ok64 {
						d = int32(d64)
					}
				}
				sig.ResultType = roundResultType(p, s, d)
			}
		}
	}
	return sig, nil
}
