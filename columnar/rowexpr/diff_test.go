package rowexpr

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/gluten-go/gluten-go/columnar/expr"
)

// The differential tests: every operator, cast and function of
// columnar/expr, built by both engines over the same random data (NULLs
// and edge values included), must give the same value on every row, the
// same type and the same plan text.

const diffRows = 128

var arithOps = []expr.ArithOp{expr.Add, expr.Sub, expr.Mul, expr.Div, expr.Mod}
var cmpOps = []expr.CmpOp{expr.Eq, expr.NotEq, expr.Lt, expr.LtEq, expr.Gt, expr.GtEq, expr.EqNullSafe}

func TestDiffArith(t *testing.T) {
	mem := newMem(t)
	r := testRand(1)
	var pairs [][2]arrow.DataType
	for _, ty := range []arrow.DataType{tInt, tLong, tDbl} {
		pairs = append(pairs, [2]arrow.DataType{ty, ty})
	}
	for _, a := range decTypes {
		for _, b := range decTypes {
			pairs = append(pairs, [2]arrow.DataType{a, b})
		}
	}
	built := 0
	for _, p := range pairs {
		tab := newTable(t, mem, r, []arrow.DataType{p[0], p[1]}, diffRows)
		for _, op := range arithOps {
			what := fmt.Sprintf("%s %s %s", typeName(p[0]), op, typeName(p[1]))
			for form := 0; form < 4; form++ {
				la, lb := genValue(r, p[0]), genValue(r, p[1])
				if checkDiff(t, mem, tab, fmt.Sprintf("%s form %d", what, form), func(s side, c []any) (any, error) {
					x, y := c[0], c[1]
					var err error
					if form == 1 || form == 3 {
						if x, err = s.literal(la, p[0]); err != nil {
							return nil, err
						}
					}
					if form == 2 || form == 3 {
						if y, err = s.literal(lb, p[1]); err != nil {
							return nil, err
						}
					}
					return s.arith(op, x, y)
				}) {
					built++
				}
			}
		}
		tab.release()
	}
	if built < 3000 {
		t.Errorf("only %d arithmetic expressions built", built)
	}
	// Mixed types are rejected by both with the same message.
	tab := newTable(t, mem, r, []arrow.DataType{tInt, tLong}, 4)
	defer tab.release()
	if checkDiff(t, mem, tab, "int + bigint", func(s side, c []any) (any, error) { return s.arith(expr.Add, c[0], c[1]) }) {
		t.Errorf("int + bigint was accepted")
	}
}

func TestDiffNegate(t *testing.T) {
	mem := newMem(t)
	r := testRand(2)
	for _, ty := range append([]arrow.DataType{tInt, tLong, tDbl, tStr}, decTypes...) {
		tab := newTable(t, mem, r, []arrow.DataType{ty}, diffRows)
		checkDiff(t, mem, tab, "-"+typeName(ty), func(s side, c []any) (any, error) { return s.negate(c[0]) })
		tab.release()
	}
}

func TestDiffCompare(t *testing.T) {
	mem := newMem(t)
	r := testRand(3)
	var pairs [][2]arrow.DataType
	for _, ty := range scalarTypes {
		pairs = append(pairs, [2]arrow.DataType{ty, ty})
	}
	for _, a := range decTypes {
		for _, b := range decTypes {
			if r.Intn(3) == 0 || a == b {
				pairs = append(pairs, [2]arrow.DataType{a, b})
			}
		}
	}
	pairs = append(pairs, [2]arrow.DataType{tInt, tNull}, [2]arrow.DataType{tNull, tStr}, [2]arrow.DataType{tNull, tNull},
		[2]arrow.DataType{tInt, tStr})
	for _, p := range pairs {
		tab := newTable(t, mem, r, []arrow.DataType{p[0], p[1]}, diffRows)
		// Half the right-hand sides copy the left column, so that equal
		// values occur.
		for _, op := range cmpOps {
			for form := 0; form < 3; form++ {
				lb := genValue(r, p[1])
				checkDiff(t, mem, tab, fmt.Sprintf("%s %s %s form %d", typeName(p[0]), op, typeName(p[1]), form), func(s side, c []any) (any, error) {
					y := c[1]
					switch form {
					case 1:
						var err error
						if y, err = s.literal(lb, p[1]); err != nil {
							return nil, err
						}
					case 2:
						if arrow.TypeEqual(p[0], p[1]) {
							y = c[0]
						}
					}
					return s.compare(op, c[0], y)
				})
			}
		}
		tab.release()
	}
}

func TestDiffLogic(t *testing.T) {
	mem := newMem(t)
	r := testRand(4)
	tab := newTable(t, mem, r, []arrow.DataType{tBool, tBool, tBool, tNull}, 200)
	defer tab.release()
	recs := map[string]recipe{
		"and":     func(s side, c []any) (any, error) { return s.and(c[0], c[1]) },
		"or":      func(s side, c []any) (any, error) { return s.or(c[0], c[1]) },
		"not":     func(s side, c []any) (any, error) { return s.not(c[0]) },
		"notnull": func(s side, c []any) (any, error) { return s.not(c[3]) },
		"and-null": func(s side, c []any) (any, error) {
			return s.and(c[3], c[1])
		},
		"or-null": func(s side, c []any) (any, error) { return s.or(c[0], c[3]) },
		"nested": func(s side, c []any) (any, error) {
			a, err := s.and(c[0], c[1])
			if err != nil {
				return nil, err
			}
			n, err := s.not(c[2])
			if err != nil {
				return nil, err
			}
			return s.or(a, n)
		},
		"and-lit": func(s side, c []any) (any, error) {
			l, err := s.literal(nil, tBool)
			if err != nil {
				return nil, err
			}
			return s.and(c[0], l)
		},
		"or-true": func(s side, c []any) (any, error) {
			l, err := s.literal(true, tBool)
			if err != nil {
				return nil, err
			}
			return s.or(l, c[0])
		},
		"and-int": func(s side, c []any) (any, error) {
			l, err := s.literal(int32(1), tInt)
			if err != nil {
				return nil, err
			}
			return s.and(c[0], l)
		},
	}
	for name, rec := range recs {
		checkDiff(t, mem, tab, name, rec)
	}
	for _, ty := range append(allTypes(), tNull) {
		tt := newTable(t, mem, r, []arrow.DataType{ty}, diffRows)
		for _, not := range []bool{false, true} {
			checkDiff(t, mem, tt, fmt.Sprintf("isnull(%s) not=%v", typeName(ty), not), func(s side, c []any) (any, error) {
				return s.isNull(c[0], not)
			})
		}
		tt.release()
	}
}

func TestDiffIn(t *testing.T) {
	mem := newMem(t)
	r := testRand(5)
	for _, ty := range append(allTypes(), tNull) {
		tab := newTable(t, mem, r, []arrow.DataType{ty}, 64)
		for _, size := range []int{1, 3, 12} {
			for _, withNull := range []bool{false, true} {
				var vals []any
				for len(vals) < size {
					// Mostly values of the column itself, so that rows match.
					var v any
					if r.Intn(3) > 0 {
						v, _ = expr.ValueAt(tab.batch.Column(0), r.Intn(64))
					} else {
						v = genValue(r, ty)
					}
					if v != nil {
						vals = append(vals, v)
					}
					if ty.ID() == arrow.NULL {
						break
					}
				}
				if withNull {
					vals = append(vals, nil)
				}
				for _, neg := range []bool{false, true} {
					checkDiff(t, mem, tab, fmt.Sprintf("%s IN %d null=%v neg=%v", typeName(ty), size, withNull, neg), func(s side, c []any) (any, error) {
						return s.in(c[0], vals, neg)
					})
				}
			}
		}
		tab.release()
	}
}

func TestDiffLike(t *testing.T) {
	mem := newMem(t)
	r := testRand(6)
	tab := newTable(t, mem, r, []arrow.DataType{tStr}, 300)
	defer tab.release()
	patterns := []string{"", "%", "%%", "abc", "a%", "%c", "%b%", "a%c", "_", "__", "a_c", "%_%", "h_llo%", "%é%", "%日本%",
		"_🙂%", "a\\%b", "%\\_%", "a%b%c", "%a_%_b%", "x🙂y", "%o w%", "ABC", "İ%", "%ß"}
	for _, p := range patterns {
		for _, ci := range []bool{false, true} {
			checkDiff(t, mem, tab, fmt.Sprintf("LIKE %q ci=%v", p, ci), func(s side, c []any) (any, error) {
				return s.like(c[0], p, '\\', ci)
			})
		}
	}
	checkDiff(t, mem, tab, "escape #", func(s side, c []any) (any, error) { return s.like(c[0], "a#%%", '#', false) })
	checkDiff(t, mem, tab, "bad escape", func(s side, c []any) (any, error) { return s.like(c[0], "a\\", '\\', false) })
	checkDiff(t, mem, tab, "bad escape 2", func(s side, c []any) (any, error) { return s.like(c[0], "\\a", '\\', false) })
	ti := newTable(t, mem, r, []arrow.DataType{tInt}, 2)
	defer ti.release()
	checkDiff(t, mem, ti, "int LIKE", func(s side, c []any) (any, error) { return s.like(c[0], "1%", '\\', false) })
}

func TestDiffCaseCoalesce(t *testing.T) {
	mem := newMem(t)
	r := testRand(7)
	for _, ty := range append(allTypes(), tNull) {
		tab := newTable(t, mem, r, []arrow.DataType{tBool, tBool, ty, ty, ty}, diffRows)
		checkDiff(t, mem, tab, "case2 "+typeName(ty), func(s side, c []any) (any, error) {
			return s.caseOf([]any{c[0], c[1]}, []any{c[2], c[3]}, c[4])
		})
		checkDiff(t, mem, tab, "case-noelse "+typeName(ty), func(s side, c []any) (any, error) {
			return s.caseOf([]any{c[0]}, []any{c[2]}, nil)
		})
		checkDiff(t, mem, tab, "case-nullbranch "+typeName(ty), func(s side, c []any) (any, error) {
			n, err := s.literal(nil, tNull)
			if err != nil {
				return nil, err
			}
			return s.caseOf([]any{c[0], c[1]}, []any{n, c[3]}, c[4])
		})
		checkDiff(t, mem, tab, "coalesce "+typeName(ty), func(s side, c []any) (any, error) {
			return s.coalesce([]any{c[2], c[3], c[4]})
		})
		checkDiff(t, mem, tab, "coalesce1 "+typeName(ty), func(s side, c []any) (any, error) {
			return s.coalesce([]any{c[2]})
		})
		checkDiff(t, mem, tab, "coalesce-null "+typeName(ty), func(s side, c []any) (any, error) {
			n, err := s.literal(nil, tNull)
			if err != nil {
				return nil, err
			}
			return s.coalesce([]any{n, c[3], c[2]})
		})
		tab.release()
	}
	tab := newTable(t, mem, r, []arrow.DataType{tInt, tStr}, 2)
	defer tab.release()
	checkDiff(t, mem, tab, "case mixed", func(s side, c []any) (any, error) {
		return s.caseOf([]any{c[0]}, []any{c[0]}, c[1])
	})
	checkDiff(t, mem, tab, "coalesce mixed", func(s side, c []any) (any, error) { return s.coalesce([]any{c[0], c[1]}) })
	checkDiff(t, mem, tab, "coalesce none", func(s side, c []any) (any, error) { return s.coalesce(nil) })
}

func TestDiffCast(t *testing.T) {
	mem := newMem(t)
	r := testRand(8)
	from := append(allTypes(), tNull)
	to := allTypes()
	built := 0
	for _, f := range from {
		tab := newTable(t, mem, r, []arrow.DataType{f}, 96)
		for _, tt := range to {
			lit := genValue(r, f)
			for form := 0; form < 2; form++ {
				if checkDiff(t, mem, tab, fmt.Sprintf("cast %s as %s form %d", typeName(f), typeName(tt), form), func(s side, c []any) (any, error) {
					x := c[0]
					if form == 1 {
						var err error
						if x, err = s.literal(lit, f); err != nil {
							return nil, err
						}
					}
					return s.cast(x, tt)
				}) {
					built++
				}
			}
		}
		tab.release()
	}
	if built < 300 {
		t.Errorf("only %d casts built", built)
	}
}

// funcArgTypes are the argument types tried for every function.
var funcArgTypes = []arrow.DataType{tBool, tInt, tLong, tDbl, tDec(10, 2), tDec(38, 10), tDec(3, 3), tStr, tBin, tDate, tTS, tNull}

// signatures returns the argument type lists (1 to 3 arguments) that
// columnar/expr accepts for name without implicit casts.
func signatures(name string) [][]arrow.DataType {
	var out [][]arrow.DataType
	var rec func(prefix []arrow.DataType)
	rec = func(prefix []arrow.DataType) {
		if len(prefix) > 0 {
			sig, err := expr.ResolveFunction(name, prefix)
			if err == nil {
				same := true
				for i := range prefix {
					same = same && arrow.TypeEqual(sig.ArgTypes[i], prefix[i])
				}
				if same {
					out = append(out, append([]arrow.DataType{}, prefix...))
				}
			}
		}
		if len(prefix) == 3 {
			return
		}
		for _, t := range funcArgTypes {
			rec(append(prefix, t))
		}
	}
	rec(nil)
	return out
}

func TestDiffFunctions(t *testing.T) {
	mem := newMem(t)
	r := testRand(9)
	tested := map[string]bool{}
	for _, name := range expr.FunctionNames() {
		sigs := signatures(name)
		// Variadic functions with more arguments.
		switch name {
		case "concat", "concat_ws", "coalesce", "greatest", "least":
			sigs = append(sigs, []arrow.DataType{tStr, tStr, tStr, tStr}, []arrow.DataType{tDbl, tDbl, tDbl, tDbl})
		}
		for _, args := range sigs {
			tab := newTable(t, mem, r, args, diffRows)
			for form := 0; form <= len(args); form++ {
				// form k > 0 makes argument k-1 a literal.
				var lit any
				if form > 0 {
					lit = genValue(r, args[form-1])
					if (name == "round" || name == "bround") && form == 2 && lit != nil {
						lit = int32(r.Intn(9) - 3)
					}
				}
				what := fmt.Sprintf("%s%s form %d", name, typeList(args), form)
				if checkDiff(t, mem, tab, what, func(s side, c []any) (any, error) {
					as := append([]any{}, c...)
					if form > 0 {
						l, err := s.literal(lit, args[form-1])
						if err != nil {
							return nil, err
						}
						as[form-1] = l
					}
					return s.function(name, as)
				}) {
					tested[name] = true
				}
			}
			tab.release()
		}
	}
	var missing []string
	for _, name := range expr.FunctionNames() {
		if !tested[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("functions never built in a differential test: %s", strings.Join(missing, ", "))
	}
}

// TestDiffNested checks composed expressions, where values flow between
// nodes (arena strings, decimals, NULLs).
func TestDiffNested(t *testing.T) {
	mem := newMem(t)
	r := testRand(10)
	tab := newTable(t, mem, r, []arrow.DataType{tDec(15, 2), tDec(15, 2), tDec(15, 2), tStr, tStr, tInt, tDate, tBool}, 300)
	defer tab.release()
	one := func(s side) any {
		l, _ := s.literal(decFromString("1"), tDec(1, 0))
		return l
	}
	recs := map[string]recipe{
		"q1 charge": func(s side, c []any) (any, error) {
			d, err := s.arith(expr.Sub, one(s), c[1])
			if err != nil {
				return nil, err
			}
			x, err := s.arith(expr.Add, one(s), c[2])
			if err != nil {
				return nil, err
			}
			p, err := s.arith(expr.Mul, c[0], d)
			if err != nil {
				return nil, err
			}
			return s.arith(expr.Mul, p, x)
		},
		"concat of upper substrings": func(s side, c []any) (any, error) {
			u, err := s.function("upper", []any{c[3]})
			if err != nil {
				return nil, err
			}
			two, _ := s.literal(int32(2), tInt)
			sub, err := s.function("substring", []any{c[4], two, c[5]})
			if err != nil {
				return nil, err
			}
			return s.function("concat", []any{u, sub, u})
		},
		"case over casts": func(s side, c []any) (any, error) {
			a, err := s.cast(c[0], tStr)
			if err != nil {
				return nil, err
			}
			b, err := s.cast(c[6], tStr)
			if err != nil {
				return nil, err
			}
			return s.caseOf([]any{c[7]}, []any{a}, b)
		},
		"lengths compare": func(s side, c []any) (any, error) {
			a, err := s.function("length", []any{c[3]})
			if err != nil {
				return nil, err
			}
			b, err := s.function("length", []any{c[4]})
			if err != nil {
				return nil, err
			}
			return s.compare(expr.Lt, a, b)
		},
	}
	for name, rec := range recs {
		checkDiff(t, mem, tab, name, rec)
	}
}
