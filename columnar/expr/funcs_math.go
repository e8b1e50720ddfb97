package expr

import (
	"math"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

// roundResultType is Spark's RoundBase result type for a decimal(p, s)
// rounded to scale d.
func roundResultType(p, s, d int32) arrow.DataType {
	intLeast := p - s + 1
	if d < 0 {
		return columnar.Decimal(min(max(intLeast, -d+1), columnar.MaxDecimalPrecision), 0)
	}
	ns := min(s, d)
	return columnar.Decimal(min(intLeast+ns, columnar.MaxDecimalPrecision), ns)
}

// roundDigits rounds a decimal digit string (no sign, digits before the
// point in intLen) to keep digits after the point, half up or half even,
// returning the rounded unscaled value as an integer.
func roundBig(v *big.Int, drop int, halfEven bool) *big.Int {
	if drop <= 0 {
		return new(big.Int).Mul(v, bigPow10(-drop))
	}
	d := bigPow10(drop)
	q, r := new(big.Int).QuoRem(v, d, new(big.Int))
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	c := r2.Cmp(d)
	up := c > 0 || (c == 0 && (!halfEven || q.Bit(0) == 1))
	if up {
		if v.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// roundDec rounds unscaled v of scale s to scale d (HALF_UP or HALF_EVEN)
// and expresses it at scale rs (rs = max(d, 0) or s), checking precision p.
func roundDec(v i128, s, d, rs, p int32, halfEven bool) (i128, bool) {
	if d >= s {
		return rescaleDec(v, int(rs-s), p)
	}
	drop := int(s - d)
	if !halfEven && fits64(v) && drop <= 18 && d >= 0 {
		r := from64(divRound64(int64(v.lo), int64(pow10u64[drop])))
		return rescaleDec(r, int(rs-d), p)
	}
	q := roundBig(bigOf(v), drop, halfEven)
	// q is at scale d; express it at scale rs.
	if rs > d {
		q.Mul(q, bigPow10(int(rs-d)))
	} else if rs < d {
		q.Quo(q, bigPow10(int(d-rs)))
	}
	return decFromBig(q, p)
}

// roundDouble rounds as Spark does: through the double's shortest decimal
// representation (BigDecimal(d).setScale(scale, mode).toDouble).
func roundDouble(f float64, d int32, halfEven bool) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return f
	}
	if d > 330 {
		return f
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	// s = [-]d.ddde±x
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var digits []byte
	e := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' {
			e, _ = strconv.Atoi(string(s[i+1:]))
			break
		}
		if s[i] != '.' {
			digits = append(digits, s[i])
		}
	}
	// value = 0.digits... * 10^(e+1); unscaled at scale (len(digits)-1-e).
	scale := len(digits) - 1 - e
	if int(d) >= scale {
		return f
	}
	v, _ := new(big.Int).SetString(string(digits), 10)
	if neg {
		v.Neg(v)
	}
	q := roundBig(v, scale-int(d), halfEven)
	r, _ := strconv.ParseFloat(q.String()+"e"+strconv.Itoa(-int(d)), 64)
	return r
}

// roundInt rounds an integer to 10^-d (d < 0), half up or half even,
// wrapping to 64 bits as Spark's BigDecimal(x).setScale(d).longValue.
func roundInt(x int64, d int32, halfEven bool) int64 {
	if d >= 0 {
		return x
	}
	q := roundBig(big.NewInt(x), int(-d), halfEven)
	q.Mul(q, bigPow10(int(-d)))
	m := new(big.Int).And(q, new(big.Int).SetUint64(math.MaxUint64))
	return int64(m.Uint64())
}

// doubleFuncs are the DOUBLE -> DOUBLE functions; ok=false gives NULL.
var doubleFuncs = map[string]func(float64) (float64, bool){
	"sqrt":  func(x float64) (float64, bool) { return math.Sqrt(x), true },
	"exp":   func(x float64) (float64, bool) { return math.Exp(x), true },
	"ln":    func(x float64) (float64, bool) { return math.Log(x), x > 0 },
	"log10": func(x float64) (float64, bool) { return math.Log10(x), x > 0 },
	"log2":  func(x float64) (float64, bool) { return math.Log2(x), x > 0 },
	"signum": func(x float64) (float64, bool) {
		switch {
		case x > 0:
			return 1, true
		case x < 0:
			return -1, true
		}
		return x, true // 0, -0 and NaN
	},
}

func registerMathFunctions() {
	f64, i64 := columnar.Float64, columnar.Int64

	// round(x[, d]) / bround(x[, d]): d must be a constant INT.
	roundSpec := func(name string, halfEven bool) *fnSpec {
		return &fnSpec{name: name,
			resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
				if len(args) < 1 || len(args) > 2 {
					return nil, nil, false
				}
				x := args[0]
				switch x.ID() {
				case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
				case arrow.STRING, arrow.NULL:
					x = f64
				default:
					return nil, nil, false
				}
				out := []arrow.DataType{x}
				if len(args) == 2 {
					if c := coerce(args[1], columnar.Int32); c != nil {
						out = append(out, c)
					} else {
						return nil, nil, false
					}
				}
				rt := x
				if p, s, ok := columnar.IsDecimal(x); ok {
					rt = roundResultType(p, s, 0)
				}
				return out, rt, true
			},
			build: func(fname string, args []Expr, _ arrow.DataType) (Expr, error) {
				d := int32(0)
				if len(args) == 2 {
					l, ok := args[1].(*Lit)
					if !ok {
						return nil, typeErr("%s: the scale %s must be a constant", callString(fname, args), args[1])
					}
					if l.value != nil {
						d = l.value.(int32)
					}
				}
				x := args[0].DataType()
				t := x
				p, s, isDec := columnar.IsDecimal(x)
				if isDec {
					t = roundResultType(p, s, d)
				}
				rp, rs, _ := columnar.IsDecimal(t)
				return &funcExpr{name: fname, args: args, typ: t,
					kernel: func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
						switch x.ID() {
						case arrow.INT32:
							v, m := opValues[int32](ops[0])
							return fixedResult(alloc, t, n, valid, func(i int) (int32, bool) {
								return int32(roundInt(int64(v[i&m]), d, halfEven)), true
							}), nil
						case arrow.INT64:
							v, m := opValues[int64](ops[0])
							return fixedResult(alloc, t, n, valid, func(i int) (int64, bool) {
								return roundInt(v[i&m], d, halfEven), true
							}), nil
						case arrow.FLOAT64:
							v, m := opValues[float64](ops[0])
							return fixedResult(alloc, t, n, valid, func(i int) (float64, bool) {
								return roundDouble(v[i&m], d, halfEven), true
							}), nil
						}
						v, m := opValues[i128](ops[0])
						return fixedResult(alloc, t, n, valid, func(i int) (i128, bool) {
							return roundDec(v[i&m], s, d, rs, rp, halfEven)
						}), nil
					}}, nil
			}}
	}
	register(roundSpec("round", false))
	register(roundSpec("bround", true))

	// numericSame: one numeric argument, result of the same type.
	numericSame := func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
		if len(args) != 1 {
			return nil, nil, false
		}
		switch args[0].ID() {
		case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
			return args, args[0], true
		case arrow.STRING, arrow.NULL:
			return []arrow.DataType{f64}, f64, true
		}
		return nil, nil, false
	}
	register(&fnSpec{name: "abs", resolve: numericSame,
		build: func(name string, args []Expr, t arrow.DataType) (Expr, error) {
			return &funcExpr{name: name, args: args, typ: t,
				kernel: func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
					switch t.ID() {
					case arrow.INT32:
						v, m := opValues[int32](ops[0])
						return fixedResult(alloc, t, n, valid, func(i int) (int32, bool) {
							x := v[i&m]
							if x < 0 {
								x = -x
							}
							return x, true
						}), nil
					case arrow.INT64:
						v, m := opValues[int64](ops[0])
						return fixedResult(alloc, t, n, valid, func(i int) (int64, bool) {
							x := v[i&m]
							if x < 0 {
								x = -x
							}
							return x, true
						}), nil
					case arrow.FLOAT64:
						v, m := opValues[float64](ops[0])
						return fixedResult(alloc, t, n, valid, func(i int) (float64, bool) { return math.Abs(v[i&m]), true }), nil
					}
					v, m := opValues[i128](ops[0])
					return fixedResult(alloc, t, n, valid, func(i int) (i128, bool) {
						x := v[i&m]
						if x.hi < 0 {
							x = neg128(x)
						}
						return x, true
					}), nil
				}}, nil
		}})

	// floor / ceil: bigint for doubles and integers, decimal(p-s+1, 0) for
	// decimals.
	floorSpec := func(name string, ceil bool, alias ...string) {
		register(&fnSpec{name: name,
			resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
				if len(args) != 1 {
					return nil, nil, false
				}
				switch args[0].ID() {
				case arrow.DECIMAL128:
					p, s, _ := columnar.IsDecimal(args[0])
					return args, boundedDecimal(p-s+1, 0), true
				case arrow.INT32, arrow.INT64:
					return []arrow.DataType{i64}, i64, true
				case arrow.FLOAT64, arrow.STRING, arrow.NULL:
					return []arrow.DataType{f64}, i64, true
				}
				return nil, nil, false
			},
			build: func(fname string, args []Expr, t arrow.DataType) (Expr, error) {
				x := args[0].DataType()
				return &funcExpr{name: fname, args: args, typ: t,
					kernel: func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
						switch x.ID() {
						case arrow.INT64:
							v, m := opValues[int64](ops[0])
							return fixedResult(alloc, t, n, valid, func(i int) (int64, bool) { return v[i&m], true }), nil
						case arrow.FLOAT64:
							v, m := opValues[float64](ops[0])
							return fixedResult(alloc, t, n, valid, func(i int) (int64, bool) {
								if ceil {
									return doubleToInt64(math.Ceil(v[i&m])), true
								}
								return doubleToInt64(math.Floor(v[i&m])), true
							}), nil
						}
						_, s, _ := columnar.IsDecimal(x)
						rp, _, _ := columnar.IsDecimal(t)
						v, m := opValues[i128](ops[0])
						return fixedResult(alloc, t, n, valid, func(i int) (i128, bool) {
							return floorCeilDec(v[i&m], s, rp, ceil)
						}), nil
					}}, nil
			}}, alias...)
	}
	floorSpec("floor", false)
	floorSpec("ceil", true, "ceiling")

	unaryDouble := func(name string, f func(float64) (float64, bool), alias ...string) {
		register(&fnSpec{name: name, resolve: fixedSig(f64, 1, f64),
			build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
				v, m := opValues[float64](ops[0])
				return fixedResult(alloc, f64, n, valid, func(i int) (float64, bool) { return f(v[i&m]) }), nil
			})}, alias...)
	}
	unaryDouble("sqrt", doubleFuncs["sqrt"])
	unaryDouble("exp", doubleFuncs["exp"])
	unaryDouble("ln", doubleFuncs["ln"])
	unaryDouble("log10", doubleFuncs["log10"])
	unaryDouble("log2", doubleFuncs["log2"])
	unaryDouble("signum", doubleFuncs["signum"], "sign")

	binaryDouble := func(name string, f func(a, b float64) (float64, bool), alias ...string) {
		register(&fnSpec{name: name, resolve: fixedSig(f64, 2, f64, f64),
			build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
				a, am := opValues[float64](ops[0])
				b, bm := opValues[float64](ops[1])
				return fixedResult(alloc, f64, n, valid, func(i int) (float64, bool) { return f(a[i&am], b[i&bm]) }), nil
			})}, alias...)
	}
	binaryDouble("power", func(a, b float64) (float64, bool) { return math.Pow(a, b), true }, "pow")
	// log(x) is ln(x); log(base, x).
	register(&fnSpec{name: "log", resolve: fixedSig(f64, 1, f64, f64),
		build: simpleBuild(func(alloc memory.Allocator, n int, ops []operand, valid *memory.Buffer) (arrow.Array, error) {
			if len(ops) == 1 {
				v, m := opValues[float64](ops[0])
				return fixedResult(alloc, f64, n, valid, func(i int) (float64, bool) { x := v[i&m]; return math.Log(x), x > 0 }), nil
			}
			b, bm := opValues[float64](ops[0])
			x, xm := opValues[float64](ops[1])
			return fixedResult(alloc, f64, n, valid, func(i int) (float64, bool) {
				base, v := b[i&bm], x[i&xm]
				return math.Log(v) / math.Log(base), base > 0 && v > 0
			}), nil
		})})

	// mod(a, b) is a % b; pmod(a, b) the non-negative remainder for b > 0.
	numPair := func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, bool) {
		if len(args) != 2 {
			return nil, nil, false
		}
		a, b := args[0], args[1]
		if a.ID() == arrow.STRING || a.ID() == arrow.NULL {
			a = f64
		}
		if b.ID() == arrow.STRING || b.ID() == arrow.NULL {
			b = f64
		}
		if !columnar.IsNumeric(a) || !columnar.IsNumeric(b) {
			return nil, nil, false
		}
		var t arrow.DataType
		if a.ID() == arrow.DECIMAL128 && b.ID() == arrow.DECIMAL128 {
			ta, tb := a, b
			rt, err := arithResultType(Mod, ta, tb)
			return []arrow.DataType{ta, tb}, rt, err == nil
		}
		t, _ = numericCommon(a, b)
		if t.ID() == arrow.DECIMAL128 {
			ta, tb := decimalOf(a), decimalOf(b)
			rt, err := arithResultType(Mod, ta, tb)
			return []arrow.DataType{ta, tb}, rt, err == nil
		}
		return []arrow.DataType{t, t}, t, true
	}
	register(&fnSpec{name: "mod", resolve: numPair,
		build: func(_ string, args []Expr, _ arrow.DataType) (Expr, error) { return Arith(Mod, args[0], args[1]) }})
	register(&fnSpec{name: "pmod", resolve: numPair,
		build: func(name string, args []Expr, t arrow.DataType) (Expr, error) { return newPmod(name, args, t) }})
}

// floorCeilDec is floor (or ceil) of a decimal of scale s, as a decimal of
// scale 0 and precision rp.
func floorCeilDec(x i128, s, rp int32, ceil bool) (i128, bool) {
	if s == 0 {
		return x, true
	}
	if fits64(x) && s <= 18 {
		d := int64(pow10u64[s])
		q := floorDiv(int64(x.lo), d)
		if ceil && q*d != int64(x.lo) {
			q++
		}
		return from64(q), true
	}
	q, r := new(big.Int).QuoRem(bigOf(x), bigPow10(int(s)), new(big.Int))
	if r.Sign() != 0 && (r.Sign() > 0) == ceil {
		if ceil {
			q.Add(q, big.NewInt(1))
		} else {
			q.Sub(q, big.NewInt(1))
		}
	}
	return decFromBig(q, rp)
}

// aliasExpr evaluates an equivalent composed expression under its own name.
type aliasExpr struct {
	name  string
	args  []Expr
	inner Expr
	str   string
}

func (a *aliasExpr) DataType() arrow.DataType { return a.inner.DataType() }
func (a *aliasExpr) Children() []Expr         { return a.args }
func (a *aliasExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	return a.inner.Eval(ctx, batch)
}
func (a *aliasExpr) String() string {
	if a.str != "" {
		return a.str
	}
	return callString(a.name, a.args)
}

// newPmod builds pmod(a, b) = CASE WHEN a % b < 0 THEN (a % b + b) % b
// ELSE a % b END. The remainder is evaluated once per batch through a
// shared sub-expression.
func newPmod(name string, args []Expr, t arrow.DataType) (Expr, error) {
	a, b := args[0], args[1]
	return &pmodExpr{name: name, a: a, b: b, typ: t}, nil
}

type pmodExpr struct {
	name string
	a, b Expr
	typ  arrow.DataType
}

func (p *pmodExpr) DataType() arrow.DataType { return p.typ }
func (p *pmodExpr) Children() []Expr         { return []Expr{p.a, p.b} }
func (p *pmodExpr) String() string           { return callString(p.name, []Expr{p.a, p.b}) }

func (p *pmodExpr) Eval(ctx *Context, batch arrow.RecordBatch) (arrow.Array, error) {
	// Evaluate b once, then work on a batch holding r = a % b and b.
	rem, err := Arith(Mod, p.a, p.b)
	if err != nil {
		return nil, err
	}
	r, err := rem.Eval(ctx, batch)
	if err != nil {
		return nil, err
	}
	bArr, err := evalChild(ctx, p.b, batch)
	if err != nil {
		r.Release()
		return nil, err
	}
	tmp := batchOf2(r, bArr)
	defer tmp.Release()
	rc := Column(0, "r", r.DataType())
	bc := Column(1, "b", bArr.DataType())
	zero, err := zeroOf(r.DataType())
	if err != nil {
		return nil, err
	}
	neg, err := Compare(Lt, rc, zero)
	if err != nil {
		return nil, err
	}
	sum, err := Arith(Add, rc, bc)
	if err != nil {
		return nil, err
	}
	wrapped, err := Arith(Mod, sum, bc)
	if err != nil {
		return nil, err
	}
	if !arrow.TypeEqual(wrapped.DataType(), p.typ) {
		if wrapped, err = Cast(wrapped, p.typ); err != nil {
			return nil, err
		}
	}
	c, err := Case([]Expr{neg}, []Expr{wrapped}, rc)
	if err != nil {
		return nil, err
	}
	return c.Eval(ctx, tmp)
}

// batchOf2 wraps two arrays (taking over their references) into a batch.
func batchOf2(a, b arrow.Array) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: a.DataType(), Nullable: true}, {Name: "b", Type: b.DataType(), Nullable: true}}, nil)
	rec := recordOf(schema, []arrow.Array{a, b}, a.Len())
	a.Release()
	b.Release()
	return rec
}

func zeroOf(t arrow.DataType) (Expr, error) {
	switch t.ID() {
	case arrow.INT32:
		return Literal(int32(0), t)
	case arrow.INT64:
		return Literal(int64(0), t)
	case arrow.FLOAT64:
		return Literal(float64(0), t)
	case arrow.DECIMAL128:
		return Literal(toNum(i128{}), t)
	}
	return nil, typeErr("no zero of type %s", typeName(t))
}
