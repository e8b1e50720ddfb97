package rowexpr

import (
	"bytes"
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
)

// The row implementations of columnar/expr's functions, by canonical name.
// Each computes what the columnar kernel of the same name computes, calling
// the same per-value helpers (expr.SubstringSQL, expr.RoundDecimal, ...).

func registerStringBuiltins() {
	simple("upper", func(c *Context, a []Value) (Value, error) {
		return strResult(c, expr.AppendUpper(c.scratch(len(a[0].B)), a[0].B)), nil
	})
	simple("lower", func(c *Context, a []Value) (Value, error) {
		return strResult(c, expr.AppendLower(c.scratch(len(a[0].B)), a[0].B)), nil
	})
	simple("reverse", func(c *Context, a []Value) (Value, error) {
		return strResult(c, expr.AppendReverse(c.scratch(len(a[0].B)), a[0].B)), nil
	})
	register("length", builtin{fn: func(args []Expr, _ expr.Expr) (callFn, error) {
		if args[0].DataType().ID() == arrow.BINARY {
			return func(_ *Context, a []Value) (Value, error) { return Value{I: int64(int32(len(a[0].B)))}, nil }, nil
		}
		return func(_ *Context, a []Value) (Value, error) { return Value{I: int64(int32(expr.NumChars(a[0].B)))}, nil }, nil
	}})
	simple("substring", func(_ *Context, a []Value) (Value, error) {
		length := int64(math.MaxInt32)
		if len(a) > 2 {
			length = int64(int32(a[2].I))
		}
		return Value{B: nonNil(expr.SubstringSQL(a[0].B, int64(int32(a[1].I)), length))}, nil
	})
	simple("concat", func(c *Context, a []Value) (Value, error) {
		n := 0
		for _, v := range a {
			n += len(v.B)
		}
		d := c.scratch(n)
		for _, v := range a {
			d = append(d, v.B...)
		}
		return strResult(c, d), nil
	})
	register("concat_ws", builtin{nullSafe: true, fn: func([]Expr, expr.Expr) (callFn, error) {
		return func(c *Context, a []Value) (Value, error) {
			if a[0].Null {
				return Null, nil
			}
			sep := a[0].B
			n := 0
			for _, v := range a[1:] {
				n += len(v.B) + len(sep)
			}
			d := c.scratch(n)
			first := true
			for _, v := range a[1:] {
				if v.Null {
					continue
				}
				if !first {
					d = append(d, sep...)
				}
				first = false
				d = append(d, v.B...)
			}
			return strResult(c, d), nil
		}, nil
	}})
	trim := func(left, right bool) callFn {
		return func(_ *Context, a []Value) (Value, error) {
			if len(a) == 2 {
				chars := a[0].B
				if chars == nil {
					chars = []byte{}
				}
				return Value{B: nonNil(expr.TrimChars(a[1].B, chars, left, right))}, nil
			}
			return Value{B: nonNil(expr.TrimChars(a[0].B, nil, left, right))}, nil
		}
	}
	simple("trim", trim(true, true))
	simple("ltrim", trim(true, false))
	simple("rtrim", trim(false, true))
	simple("replace", func(c *Context, a []Value) (Value, error) {
		s, from := a[0].B, a[1].B
		var to []byte
		if len(a) > 2 {
			to = a[2].B
		}
		if len(from) == 0 {
			return a[0], nil
		}
		d := c.scratch(len(s))
		for {
			k := bytes.Index(s, from)
			if k < 0 {
				return strResult(c, append(d, s...)), nil
			}
			d = append(d, s[:k]...)
			d = append(d, to...)
			s = s[k+len(from):]
		}
	})
	simple("startswith", func(_ *Context, a []Value) (Value, error) { return Bool(bytes.HasPrefix(a[0].B, a[1].B)), nil })
	simple("endswith", func(_ *Context, a []Value) (Value, error) { return Bool(bytes.HasSuffix(a[0].B, a[1].B)), nil })
	simple("contains", func(_ *Context, a []Value) (Value, error) { return Bool(bytes.Contains(a[0].B, a[1].B)), nil })
	pad := func(left bool) callFn {
		return func(c *Context, a []Value) (Value, error) {
			length := int64(int32(a[1].I))
			if 4*max(length, 0) > expr.PadLimit {
				return Null, invalidErr("padding to %d characters would exceed the %d byte limit of a batch", length, expr.PadLimit)
			}
			p := oneSpace
			if len(a) > 2 {
				p = a[2].B
			}
			return strResult(c, expr.AppendPadded(c.scratch(int(max(length, 0))), a[0].B, p, length, left)), nil
		}
	}
	simple("lpad", pad(true))
	simple("rpad", pad(false))
	simple("instr", func(_ *Context, a []Value) (Value, error) {
		return Value{I: int64(int32(expr.IndexChars(a[0].B, a[1].B, 0) + 1))}, nil
	})
	simple("locate", func(_ *Context, a []Value) (Value, error) {
		p := int32(1)
		if len(a) > 2 {
			p = int32(a[2].I)
		}
		if p < 1 {
			return Value{}, nil
		}
		return Value{I: int64(int32(expr.IndexChars(a[1].B, a[0].B, int(p-1)) + 1))}, nil
	})
}

var oneSpace = []byte(" ")

// nonNil keeps empty strings distinguishable from absent ones.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func registerMathBuiltins() {
	roundFn := func(halfEven bool) func(args []Expr, p expr.Expr) (callFn, error) {
		return func(args []Expr, p expr.Expr) (callFn, error) {
			d := int32(0)
			if len(args) == 2 {
				l, ok := args[1].(*Lit)
				if !ok {
					return nil, typeErr("%s: the scale %s must be a constant", p, args[1])
				}
				if v, ok := l.Value().(int32); ok {
					d = v
				}
			}
			x := args[0].DataType()
			switch x.ID() {
			case arrow.INT32:
				return func(_ *Context, a []Value) (Value, error) {
					return Value{I: int64(int32(expr.RoundInt(a[0].I, d, halfEven)))}, nil
				}, nil
			case arrow.INT64:
				return func(_ *Context, a []Value) (Value, error) { return Value{I: expr.RoundInt(a[0].I, d, halfEven)}, nil }, nil
			case arrow.FLOAT64:
				return func(_ *Context, a []Value) (Value, error) {
					return Value{F: expr.RoundDouble(a[0].F, d, halfEven)}, nil
				}, nil
			}
			_, s, _ := columnar.IsDecimal(x)
			rp, rs, _ := columnar.IsDecimal(p.DataType())
			return func(_ *Context, a []Value) (Value, error) {
				return decOrNull(expr.RoundDecimal(a[0].D, s, d, rs, rp, halfEven)), nil
			}, nil
		}
	}
	register("round", builtin{fn: roundFn(false)})
	register("bround", builtin{fn: roundFn(true)})
	register("abs", builtin{fn: func(_ []Expr, p expr.Expr) (callFn, error) {
		switch p.DataType().ID() {
		case arrow.INT32:
			return func(_ *Context, a []Value) (Value, error) {
				x := int32(a[0].I)
				if x < 0 {
					x = -x
				}
				return Value{I: int64(x)}, nil
			}, nil
		case arrow.INT64:
			return func(_ *Context, a []Value) (Value, error) {
				x := a[0].I
				if x < 0 {
					x = -x
				}
				return Value{I: x}, nil
			}, nil
		case arrow.FLOAT64:
			return func(_ *Context, a []Value) (Value, error) { return Value{F: math.Abs(a[0].F)}, nil }, nil
		}
		return func(_ *Context, a []Value) (Value, error) {
			x := a[0].D
			if x.Sign() < 0 {
				x = x.Negate()
			}
			return Value{D: x}, nil
		}, nil
	}})
	floorCeil := func(ceil bool) func(args []Expr, p expr.Expr) (callFn, error) {
		return func(args []Expr, p expr.Expr) (callFn, error) {
			x := args[0].DataType()
			switch x.ID() {
			case arrow.INT64:
				return func(_ *Context, a []Value) (Value, error) { return a[0], nil }, nil
			case arrow.FLOAT64:
				return func(_ *Context, a []Value) (Value, error) {
					if ceil {
						return Value{I: expr.DoubleToInt64(math.Ceil(a[0].F))}, nil
					}
					return Value{I: expr.DoubleToInt64(math.Floor(a[0].F))}, nil
				}, nil
			}
			_, s, _ := columnar.IsDecimal(x)
			rp, _, _ := columnar.IsDecimal(p.DataType())
			return func(_ *Context, a []Value) (Value, error) {
				return decOrNull(expr.FloorCeilDecimal(a[0].D, s, rp, ceil)), nil
			}, nil
		}
	}
	register("floor", builtin{fn: floorCeil(false)})
	register("ceil", builtin{fn: floorCeil(true)})
	for _, name := range []string{"sqrt", "exp", "ln", "log10", "log2", "signum"} {
		f := expr.DoubleFunc(name)
		simple(name, func(_ *Context, a []Value) (Value, error) {
			r, ok := f(a[0].F)
			if !ok {
				return Null, nil
			}
			return Value{F: r}, nil
		})
	}
	simple("power", func(_ *Context, a []Value) (Value, error) { return Value{F: math.Pow(a[0].F, a[1].F)}, nil })
	simple("log", func(_ *Context, a []Value) (Value, error) {
		if len(a) == 1 {
			if x := a[0].F; x > 0 {
				return Value{F: math.Log(x)}, nil
			}
			return Null, nil
		}
		base, x := a[0].F, a[1].F
		if base > 0 && x > 0 {
			return Value{F: math.Log(x) / math.Log(base)}, nil
		}
		return Null, nil
	})
	register("mod", builtin{node: func(args []Expr, _ expr.Expr) (Expr, error) {
		return newArith(expr.Mod, args[0], args[1])
	}})
	register("pmod", builtin{fn: pmodFn})
	simple("div", func(_ *Context, a []Value) (Value, error) {
		if a[1].I == 0 {
			return Null, nil
		}
		return Value{I: a[0].I / a[1].I}, nil
	})
	wrap := func(bits uint) callFn {
		shift := 64 - bits
		return func(_ *Context, a []Value) (Value, error) {
			return Value{I: int64(int32(a[0].I << shift >> shift))}, nil
		}
	}
	simple("tinyint", wrap(8))
	simple("smallint", wrap(16))
	simple("float", func(_ *Context, a []Value) (Value, error) { return Value{F: float64(float32(a[0].F))}, nil })
}

// pmodFn is pmod(a, b): r = a % b; CASE WHEN r < 0 THEN (r + b) % b
// (cast to the result type) ELSE r END, as columnar/expr composes it.
func pmodFn(args []Expr, p expr.Expr) (callFn, error) {
	at, bt := args[0].DataType(), args[1].DataType()
	mod, rt, err := arithFn(expr.Mod, at, bt)
	if err != nil {
		return nil, err
	}
	add, st, err := arithFn(expr.Add, rt, bt)
	if err != nil {
		return nil, err
	}
	mod2, wt, err := arithFn(expr.Mod, st, bt)
	if err != nil {
		return nil, err
	}
	var conv convFn
	if !arrow.TypeEqual(wt, p.DataType()) {
		if conv = castFn(wt, p.DataType()); conv == nil {
			return nil, invalidErr("internal error: pmod cannot cast %s to %s", typeName(wt), typeName(p.DataType()))
		}
	}
	neg := func(v Value) bool {
		switch rt.ID() {
		case arrow.INT32, arrow.INT64:
			return v.I < 0
		case arrow.FLOAT64:
			return v.F < 0
		}
		return v.D.Sign() < 0
	}
	return func(c *Context, a []Value) (Value, error) {
		r := mod(a[0], a[1])
		if r.Null || !neg(r) {
			return r, nil
		}
		s := add(r, a[1])
		if s.Null {
			return Null, nil
		}
		w := mod2(s, a[1])
		if w.Null || conv == nil {
			return w, nil
		}
		return conv(c, w), nil
	}, nil
}

func registerDateBuiltins() {
	for _, name := range []string{"year", "month", "day", "quarter", "dayofweek", "dayofyear", "weekofyear"} {
		f := expr.DateField(name)
		simple(name, func(_ *Context, a []Value) (Value, error) { return Value{I: int64(f(a[0].I))}, nil })
	}
	for _, name := range []string{"hour", "minute", "second"} {
		f := expr.TimeField(name)
		simple(name, func(_ *Context, a []Value) (Value, error) { return Value{I: int64(f(a[0].I))}, nil })
	}
	dateArith := func(f func(d, k int64) int64) callFn {
		return func(_ *Context, a []Value) (Value, error) {
			r := f(int64(int32(a[0].I)), int64(int32(a[1].I)))
			if !expr.FitsDate(r) {
				return Null, nil
			}
			return Value{I: r}, nil
		}
	}
	simple("date_add", dateArith(func(d, k int64) int64 { return d + k }))
	simple("date_sub", dateArith(func(d, k int64) int64 { return d - k }))
	simple("add_months", dateArith(expr.AddMonths))
	simple("datediff", func(_ *Context, a []Value) (Value, error) {
		return Value{I: int64(int32(a[0].I) - int32(a[1].I))}, nil
	})
	simple("last_day", func(_ *Context, a []Value) (Value, error) {
		d, ok := expr.LastDay(int32(a[0].I))
		return intOrNull(int64(d), ok), nil
	})
	simple("to_date", func(_ *Context, a []Value) (Value, error) { return a[0], nil })
	simple("make_date", func(_ *Context, a []Value) (Value, error) {
		d, ok := expr.MakeDate(int32(a[0].I), int32(a[1].I), int32(a[2].I))
		return intOrNull(int64(d), ok), nil
	})
	simple("timestamp_add_interval", func(_ *Context, a []Value) (Value, error) {
		return intOrNull(expr.TimestampAddInterval(a[0].I, int64(int32(a[1].I)), a[2].I)), nil
	})
}

func registerCondBuiltins() {
	coalesce := builtin{node: func(args []Expr, _ expr.Expr) (Expr, error) { return newCoalesce(args) }}
	register("coalesce", coalesce)
	register("nvl", coalesce)
	register("if", builtin{node: func(args []Expr, p expr.Expr) (Expr, error) {
		inner, err := newCase([]Expr{args[0]}, []Expr{args[1]}, args[2])
		if err != nil {
			return nil, err
		}
		return &aliasNode{proto: proto{p}, args: args, inner: inner}, nil
	}})
	register("nullif", builtin{nullSafe: true, fn: func(args []Expr, p expr.Expr) (callFn, error) {
		t := p.DataType()
		if t.ID() == arrow.NULL {
			return func(*Context, []Value) (Value, error) { return Null, nil }, nil
		}
		cmp := newComparer(t, t)
		return func(_ *Context, a []Value) (Value, error) {
			if a[0].Null || a[1].Null || !cmp.eq(a[0], a[1]) {
				return a[0], nil
			}
			return Null, nil
		}, nil
	}})
	extreme := func(greater bool) builtin {
		return builtin{nullSafe: true, fn: func(args []Expr, p expr.Expr) (callFn, error) {
			t := p.DataType()
			if t.ID() == arrow.NULL {
				return func(*Context, []Value) (Value, error) { return Null, nil }, nil
			}
			cmp := newComparer(t, t)
			return func(_ *Context, a []Value) (Value, error) {
				best := Null
				for _, v := range a {
					if v.Null {
						continue
					}
					if best.Null {
						best = v
						continue
					}
					if k := cmp.cmp(v, best); (greater && k > 0) || (!greater && k < 0) {
						best = v
					}
				}
				return best, nil
			}, nil
		}}
	}
	register("greatest", extreme(true))
	register("least", extreme(false))
	register("isnan", builtin{nullSafe: true, fn: func([]Expr, expr.Expr) (callFn, error) {
		return func(_ *Context, a []Value) (Value, error) { return Bool(!a[0].Null && math.IsNaN(a[0].F)), nil }, nil
	}})
	register("nanvl", builtin{nullSafe: true, fn: func([]Expr, expr.Expr) (callFn, error) {
		return func(_ *Context, a []Value) (Value, error) {
			if a[0].Null || !math.IsNaN(a[0].F) {
				return a[0], nil
			}
			return a[1], nil
		}, nil
	}})
}
