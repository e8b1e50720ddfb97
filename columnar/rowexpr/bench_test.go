package rowexpr

import (
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/gluten-go/gluten-go/columnar/expr"
	"github.com/gluten-go/gluten-go/columnar/rows"
)

// Benchmarks report ns/op per row: each op evaluates one expression over
// one row (cycling through 4096 lineitem-like rows) and resets the context,
// as a row operator does.

const benchRows = 4096

var benchTypes = []arrow.DataType{
	tDec(15, 2), // 0 l_extendedprice
	tDec(15, 2), // 1 l_discount
	tDec(15, 2), // 2 l_tax
	tDec(15, 2), // 3 l_quantity
	tDate,       // 4 l_shipdate
	tStr,        // 5 p_type
	tLong,       // 6 l_orderkey
}

var pTypes = []string{"PROMO BRUSHED TIN", "STANDARD POLISHED BRASS", "ECONOMY ANODIZED STEEL", "PROMO PLATED COPPER",
	"LARGE BURNISHED NICKEL", "MEDIUM BRUSHED COPPER"}

func benchData(b *testing.B) (*rows.Layout, *rows.Buffer, []Expr) {
	b.Helper()
	fields := make([]arrow.Field, len(benchTypes))
	cols := make([]Expr, len(benchTypes))
	for i, t := range benchTypes {
		fields[i] = arrow.Field{Name: "c", Type: t, Nullable: true}
		cols[i] = Column(i, "c", t)
	}
	l, err := rows.NewLayout(arrow.NewSchema(fields, nil))
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	w := rows.NewWriter(l)
	buf := rows.NewBuffer()
	for i := 0; i < benchRows; i++ {
		w.Reset()
		w.SetDecimal(0, decimal128.FromI64(int64(90000+r.Intn(10000000))))
		w.SetDecimal(1, decimal128.FromI64(int64(r.Intn(11))))
		w.SetDecimal(2, decimal128.FromI64(int64(r.Intn(9))))
		w.SetDecimal(3, decimal128.FromI64(int64(100*(1+r.Intn(50)))))
		w.SetInt64(4, int64(8036+r.Intn(2526)))
		w.SetString(5, pTypes[r.Intn(len(pTypes))])
		w.SetInt64(6, int64(r.Intn(6000000)))
		buf.Append(w.Row())
	}
	return l, buf, cols
}

func benchEval(b *testing.B, build func(c []Expr) (Expr, error)) {
	l, buf, cols := benchData(b)
	e, err := build(cols)
	if err != nil {
		b.Fatal(err)
	}
	ctx := NewContext()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Eval(ctx, l, buf.Row(i&(benchRows-1))); err != nil {
			b.Fatal(err)
		}
		ctx.Reset()
	}
}

func lit(v any, t arrow.DataType) Expr {
	l, err := Literal(v, t)
	if err != nil {
		panic(err)
	}
	return l
}

// BenchmarkRowQ1 is TPC-H Q1's l_extendedprice * (1 - l_discount) *
// (1 + l_tax) and its parts.
func BenchmarkRowQ1(b *testing.B) {
	one := lit(decimal128.FromI64(1), tDec(1, 0))
	b.Run("disc_price", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) {
			return Arith(expr.Mul, c[0], must(Arith(expr.Sub, one, c[1])))
		})
	})
	b.Run("charge", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) {
			disc := must(Arith(expr.Mul, c[0], must(Arith(expr.Sub, one, c[1]))))
			return Arith(expr.Mul, disc, must(Arith(expr.Add, one, c[2])))
		})
	})
	b.Run("column", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) { return c[0], nil })
	})
}

func BenchmarkRowCompare(b *testing.B) {
	b.Run("date_le", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) { return Compare(expr.LtEq, c[4], lit(arrow.Date32(10471), tDate)) })
	})
	b.Run("decimal_lt", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) {
			return Compare(expr.Lt, c[3], lit(decimal128.FromI64(2400), tDec(15, 2)))
		})
	})
	b.Run("and", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) {
			x := must(Compare(expr.GtEq, c[1], lit(decimal128.FromI64(5), tDec(15, 2))))
			y := must(Compare(expr.Lt, c[3], lit(decimal128.FromI64(2400), tDec(15, 2))))
			return And(x, y)
		})
	})
}

func BenchmarkRowLike(b *testing.B) {
	for _, p := range []struct{ name, pattern string }{
		{"prefix", "PROMO%"}, {"contains", "%BRUSHED%"}, {"general", "%BRUS_ED%TIN"},
	} {
		b.Run(p.name, func(b *testing.B) {
			benchEval(b, func(c []Expr) (Expr, error) { return Like(c[5], p.pattern, '\\', false) })
		})
	}
}

func BenchmarkRowCase(b *testing.B) {
	benchEval(b, func(c []Expr) (Expr, error) {
		cond := must(Like(c[5], "PROMO%", '\\', false))
		price := must(Arith(expr.Mul, c[0], must(Arith(expr.Sub, lit(decimal128.FromI64(1), tDec(1, 0)), c[1]))))
		zero := lit(decimal128.FromI64(0), price.DataType())
		return Case([]Expr{cond}, []Expr{price}, zero)
	})
}

func BenchmarkRowFunctions(b *testing.B) {
	b.Run("upper", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) { return Function("upper", []Expr{c[5]}) })
	})
	b.Run("substring", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) {
			return Function("substring", []Expr{c[5], lit(int32(3), tInt), lit(int32(5), tInt)})
		})
	})
	b.Run("year", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) { return Function("year", []Expr{c[4]}) })
	})
	b.Run("cast_decimal_string", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) { return Cast(c[0], tStr) })
	})
	b.Run("regexp_extract", func(b *testing.B) {
		benchEval(b, func(c []Expr) (Expr, error) {
			return Function("regexp_extract", []Expr{c[5], lit(`(\w+) (\w+)`, tStr), lit(int32(2), tInt)})
		})
	})
	b.Run("udf", func(b *testing.B) {
		u := must(NewUDF1("halve", func(x int64) int64 { return x / 2 }))
		benchEval(b, func(c []Expr) (Expr, error) { return CallUDF(u, []Expr{c[6]}) })
	})
}
