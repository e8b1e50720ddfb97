package expr

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// widerAll folds WiderType over types (NULL-only gives NULL).
func widerAll(types []arrow.DataType, stringPromotion bool) (arrow.DataType, bool) {
	t := arrow.DataType(arrow.Null)
	for _, x := range types {
		var ok bool
		if stringPromotion {
			t, ok = WiderType(t, x)
		} else {
			var decided bool
			t, ok, decided = tightest(t, x)
			ok = ok && decided
		}
		if !ok {
			return nil, false
		}
	}
	return t, true
}

func sameSig(min int, stringPromotion bool, result func(t arrow.DataType) arrow.DataType) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
		if len(args) < min {
			return nil, nil, false
		}
		t, ok := widerAll(args, stringPromotion)
		if !ok {
			return nil, nil, false
		}
		out := make([]arrow.DataType, len(args))
		for i := range out {
			out[i] = t
		}
		return out, result(t), true
	}
}

func identity(t arrow.DataType) arrow.DataType { return t }

func registerConditionalFunctions() {
	boolean, f64 := columnar.Boolean, columnar.Float64

	register(&fnSpec{name: "coalesce", resolve: sameSig(1, true, identity),
		build: func(_ string, args []Expr, _ arrow.DataType) (Expr, error) { return Coalesce(args...) }})
	register(&fnSpec{name: "nvl", resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
		if len(args) != 2 {
			return nil, nil, false
		}
		return sameSig(2, true, identity)(args)
	}, build: func(_ string, args []Expr, _ arrow.DataType) (Expr, error) { return Coalesce(args...) }}, "ifnull")

	// if(cond, a, b)
	register(&fnSpec{name: "if",
		resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
			if len(args) != 3 || coerce(args[0], boolean) == nil || (args[0].ID() != arrow.BOOL && args[0].ID() != arrow.NULL) {
				return nil, nil, false
			}
			t, ok := WiderType(args[1], args[2])
			if !ok {
				return nil, nil, false
			}
			return []arrow.DataType{args[0], t, t}, t, true
		},
		build: func(name string, args []Expr, _ arrow.DataType) (Expr, error) {
			c, err := Case([]Expr{args[0]}, []Expr{args[1]}, args[2])
			if err != nil {
				return nil, err
			}
			return &aliasExpr{name: name, args: args, inner: c,
				str: fmt.Sprintf("if (%s) %s else %s", args[0], args[1], args[2])}, nil
		}})

	// nullif(a, b): NULL where a = b, else a.
	register(&fnSpec{name: "nullif", resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
		if len(args) != 2 {
			return nil, nil, false
		}
		t, ok := CommonType(args[0], args[1])
		if !ok {
			return nil, nil, false
		}
		return []arrow.DataType{t, t}, t, true
	}, build: func(name string, args []Expr, t arrow.DataType) (Expr, error) {
		return &funcExpr{name: name, args: args, typ: t, nullSafe: true, kernel: nullIfKernel(t)}, nil
	}})

	// greatest / least: NULLs are skipped; NULL only when all are NULL.
	for _, g := range []struct {
		name    string
		greater bool
	}{{"greatest", true}, {"least", false}} {
		greater := g.greater
		register(&fnSpec{name: g.name, resolve: sameSig(2, false, identity),
			build: func(name string, args []Expr, t arrow.DataType) (Expr, error) {
				return &funcExpr{name: name, args: args, typ: t, nullSafe: true, kernel: extremeKernel(t, greater)}, nil
			}})
	}

	register(&fnSpec{name: "isnan", resolve: fixedSig(boolean, 1, f64),
		build: func(name string, args []Expr, t arrow.DataType) (Expr, error) {
			return &funcExpr{name: name, args: args, typ: t, nullSafe: true,
				kernel: func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
					if ops[0].null() || (ops[0].arr != nil && ops[0].arr.DataType().ID() == arrow.NULL) {
						valid.Release()
						return constArray(alloc, false, columnar.Boolean, n)
					}
					v, m := opValues[float64](ops[0])
					vb, off := validBitsOf(ops[0])
					return boolResult(alloc, n, valid, func(i int) (bool, bool) {
						return isValidAt(vb, off+i) && math.IsNaN(v[i&m]), true
					}), nil
				}}, nil
		}})
	// nanvl(a, b): b where a is NaN, else a.
	register(&fnSpec{name: "nanvl", resolve: fixedSig(f64, 2, f64, f64),
		build: func(name string, args []Expr, t arrow.DataType) (Expr, error) {
			return &funcExpr{name: name, args: args, typ: t, nullSafe: true,
				kernel: func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
					if ops[0].null() {
						valid.Release()
						return nullArray(alloc, t, n), nil
					}
					a, am := opValues[float64](ops[0])
					avb, aoff := validBitsOf(ops[0])
					var b []float64
					bm := 0
					bnull := ops[1].null()
					if !bnull {
						b, bm = opValues[float64](ops[1])
					}
					bvb, boff := validBitsOf(ops[1])
					return fixedResult(alloc, t, n, valid, func(i int) (float64, bool) {
						if !isValidAt(avb, aoff+i) {
							return 0, false
						}
						x := a[i&am]
						if !math.IsNaN(x) {
							return x, true
						}
						if bnull || !isValidAt(bvb, boff+i) {
							return 0, false
						}
						return b[i&bm], true
					}), nil
				}}, nil
		}})
}

// materialize returns an operand as an array of n rows (a scalar is
// broadcast); the caller releases it.
func materialize(alloc memory.Allocator, o operand, t arrow.DataType, n int) (arrow.Array, error) {
	if o.arr != nil {
		o.arr.Retain()
		return o.arr, nil
	}
	return constArray(alloc, o.lit.value, t, n)
}

func nullIfKernel(t arrow.DataType) kernelFunc {
	return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
		valid.Release()
		a, err := materialize(alloc, ops[0], t, n)
		if err != nil {
			return nil, err
		}
		defer a.Release()
		if ops[1].null() || t.ID() == arrow.NULL {
			a.Retain()
			return a, nil
		}
		eqBuf := newBuf(alloc, bitmapLen(n))
		defer eqBuf.Release()
		eq := eqBuf.Bytes()
		if err := cmpKernel(alloc, t.ID(), false, operand{arr: a}, ops[1], 0, 0, eq, n); err != nil {
			return nil, err
		}
		bvb, boff := validBitsOf(ops[1])
		cbuf := newZeroBuf(alloc, 4*n)
		defer cbuf.Release()
		choice := sliceOf[int32](cbuf.Bytes())[:n]
		for i := range choice {
			if isValidAt(bvb, boff+i) && eq[i>>3]&(1<<(i&7)) != 0 {
				choice[i] = -1 // equal (NULL a stays NULL either way)
			}
		}
		return choose(alloc, t, n, choice, []arrow.Array{a})
	}
}

func extremeKernel(t arrow.DataType, greater bool) kernelFunc {
	return func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
		valid.Release()
		arrs := make([]arrow.Array, len(ops))
		defer func() {
			for _, a := range arrs {
				if a != nil {
					a.Release()
				}
			}
		}()
		for k, o := range ops {
			a, err := materialize(alloc, o, t, n)
			if err != nil {
				return nil, err
			}
			arrs[k] = a
		}
		if t.ID() == arrow.NULL {
			return nullArray(alloc, t, n), nil
		}
		cbuf := newBuf(alloc, 4*n)
		defer cbuf.Release()
		choice := sliceOf[int32](cbuf.Bytes())[:n]
		for i := range choice {
			choice[i] = -1
		}
		for k, a := range arrs {
			if a.DataType().ID() == arrow.NULL {
				continue
			}
			vb, off := validBits(a)
			// For rows that already have a candidate, compare against it
			// pairwise with the previous best argument.
			for i := 0; i < n; i++ {
				if !isValidAt(vb, off+i) {
					continue
				}
				c := choice[i]
				if c < 0 {
					choice[i] = int32(k)
					continue
				}
				// compare arrs[k][i] with arrs[c][i]
				if better := cmpAt(a, arrs[c], i); (greater && better > 0) || (!greater && better < 0) {
					choice[i] = int32(k)
				}
			}
		}
		return choose(alloc, t, n, choice, arrs)
	}
}

// cmpAt compares row i of two arrays of one type with Spark's ordering.
func cmpAt(a, b arrow.Array, i int) int {
	switch a.DataType().ID() {
	case arrow.INT32, arrow.DATE32:
		return cmpOrdered(fixedValues[int32](a)[i], fixedValues[int32](b)[i])
	case arrow.INT64, arrow.TIMESTAMP:
		return cmpOrdered(fixedValues[int64](a)[i], fixedValues[int64](b)[i])
	case arrow.FLOAT64:
		x, y := fixedValues[float64](a)[i], fixedValues[float64](b)[i]
		switch {
		case ltF(x, y):
			return -1
		case ltF(y, x):
			return 1
		}
		return 0
	case arrow.DECIMAL128:
		_, s1, _ := columnar.IsDecimal(a.DataType())
		_, s2, _ := columnar.IsDecimal(b.DataType())
		s := max(s1, s2)
		return cmpDec(fixedValues[i128](a)[i], fixedValues[i128](b)[i], int(s-s1), int(s-s2))
	case arrow.STRING, arrow.BINARY:
		va, vb := viewOf(a), viewOf(b)
		return compareBytes(va.at(i), vb.at(i))
	case arrow.BOOL:
		x, y := boolAt(a)(i), boolAt(b)(i)
		return int(b2u(x)) - int(b2u(y))
	}
	return 0
}

func cmpOrdered[T int32 | int64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
