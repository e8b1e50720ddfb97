package expr

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 64 * 1024

// benchBatch makes a TPC-H-lineitem-like batch of benchRows rows:
// 0 l_extendedprice decimal(15,2), 1 l_discount decimal(15,2),
// 2 l_tax decimal(15,2), 3 l_quantity bigint, 4 l_shipdate date,
// 5 l_shipmode string, 6 l_comment string.
func benchBatch(b *testing.B, mem memory.Allocator) arrow.RecordBatch {
	rng := rand.New(rand.NewSource(7))
	dt := tDec(15, 2).(*arrow.Decimal128Type)
	ext := array.NewDecimal128Builder(mem, dt)
	disc := array.NewDecimal128Builder(mem, dt)
	tax := array.NewDecimal128Builder(mem, dt)
	qty := array.NewInt64Builder(mem)
	ship := array.NewDate32Builder(mem)
	mode := array.NewStringBuilder(mem)
	comment := array.NewStringBuilder(mem)
	modes := []string{"MAIL", "SHIP", "AIR", "TRUCK", "RAIL", "FOB", "REG AIR"}
	words := []string{"carefully", "final", "deposits", "special", "requests", "quickly", "ironic", "packages", "sleep", "blithely"}
	for i := 0; i < benchRows; i++ {
		ext.Append(decimal128.FromI64(90000 + rng.Int63n(10000000)))
		disc.Append(decimal128.FromI64(rng.Int63n(11)))
		tax.Append(decimal128.FromI64(rng.Int63n(9)))
		qty.Append(1 + rng.Int63n(50))
		ship.Append(arrow.Date32(8036 + rng.Intn(2526)))
		mode.Append(modes[rng.Intn(len(modes))])
		c := ""
		for w := 0; w < 3+rng.Intn(5); w++ {
			c += words[rng.Intn(len(words))] + " "
		}
		comment.Append(c)
	}
	cols := []arrow.Array{ext.NewArray(), disc.NewArray(), tax.NewArray(), qty.NewArray(), ship.NewArray(), mode.NewArray(), comment.NewArray()}
	for _, bl := range []array.Builder{ext, disc, tax, qty, ship, mode, comment} {
		bl.Release()
	}
	return batchOf(cols...)
}

func runBench(b *testing.B, e Expr) {
	mem := memory.NewGoAllocator()
	batch := benchBatch(b, mem)
	defer batch.Release()
	ctx := &Context{Alloc: mem}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, err := e.Eval(ctx, batch)
		if err != nil {
			b.Fatal(err)
		}
		a.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
}

func BenchmarkQ1DecimalChain(b *testing.B) {
	dt := tDec(15, 2)
	one, _ := Literal(decimal128.FromI64(1), tDec(1, 0))
	ext, disc, tax := Column(0, "l_extendedprice#5", dt), Column(1, "l_discount#6", dt), Column(2, "l_tax#7", dt)
	discPrice := mk(Arith(Mul, ext, mk(Arith(Sub, one, disc))))
	charge := mk(Arith(Mul, discPrice, mk(Arith(Add, one, tax))))
	b.Run("disc_price", func(b *testing.B) { runBench(b, discPrice) })
	b.Run("charge", func(b *testing.B) { runBench(b, charge) })
	b.Run("sub_literal", func(b *testing.B) { runBench(b, mk(Arith(Sub, one, disc))) })
}

func BenchmarkCompareLiteral(b *testing.B) {
	d, _ := Literal(arrow.Date32(10471), tDate)
	dec, _ := Literal(decimal128.FromI64(5), tDec(3, 2))
	b.Run("int64", func(b *testing.B) { runBench(b, mk(Compare(Lt, Column(3, "l_quantity#4", tI64), lit(b, 24, tI64)))) })
	b.Run("date", func(b *testing.B) { runBench(b, mk(Compare(LtEq, Column(4, "l_shipdate#10", tDate), d))) })
	b.Run("decimal", func(b *testing.B) { runBench(b, mk(Compare(GtEq, Column(1, "l_discount#6", tDec(15, 2)), dec))) })
	b.Run("decimal_rescale", func(b *testing.B) {
		dec3, _ := Literal(decimal128.FromI64(55), tDec(3, 3))
		runBench(b, mk(Compare(GtEq, Column(1, "l_discount#6", tDec(15, 2)), dec3)))
	})
	b.Run("string_eq", func(b *testing.B) {
		runBench(b, mk(Compare(Eq, Column(5, "l_shipmode#14", tStr), lit(b, "MAIL", tStr))))
	})
	b.Run("string_lt", func(b *testing.B) {
		runBench(b, mk(Compare(Lt, Column(5, "l_shipmode#14", tStr), lit(b, "MAIL", tStr))))
	})
	b.Run("in_strings", func(b *testing.B) {
		runBench(b, mk(In(Column(5, "l_shipmode#14", tStr), []any{"MAIL", "SHIP"}, false)))
	})
}

func BenchmarkLike(b *testing.B) {
	c := Column(6, "l_comment#15", tStr)
	b.Run("contains", func(b *testing.B) { runBench(b, mk(Like(c, "%special%", '\\', false))) })
	b.Run("general", func(b *testing.B) { runBench(b, mk(Like(c, "%special%requests%", '\\', false))) })
	b.Run("prefix", func(b *testing.B) { runBench(b, mk(Like(c, "final%", '\\', false))) })
}

func BenchmarkLogic(b *testing.B) {
	d, _ := Literal(arrow.Date32(10471), tDate)
	l := mk(Compare(LtEq, Column(4, "l_shipdate#10", tDate), d))
	r := mk(Compare(Lt, Column(3, "l_quantity#4", tI64), lit(b, 24, tI64)))
	runBench(b, mk(And(l, r)))
}

func BenchmarkFilter(b *testing.B) {
	mem := memory.NewGoAllocator()
	batch := benchBatch(b, mem)
	defer batch.Release()
	for _, sel := range []int{2, 50, 98} {
		rng := rand.New(rand.NewSource(1))
		mb := array.NewBooleanBuilder(mem)
		for i := 0; i < benchRows; i++ {
			mb.Append(rng.Intn(100) < sel)
		}
		mask := mb.NewBooleanArray()
		mb.Release()
		b.Run(fmt.Sprintf("sel%d%%", sel), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				out, err := FilterRecord(mem, batch, mask)
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
		})
		mask.Release()
	}
}

func BenchmarkCast(b *testing.B) {
	b.Run("date_to_string", func(b *testing.B) { runBench(b, mk(Cast(Column(4, "d#4", tDate), tStr))) })
	b.Run("decimal_to_double", func(b *testing.B) { runBench(b, mk(Cast(Column(0, "e#0", tDec(15, 2)), tF64))) })
	b.Run("bigint_to_decimal", func(b *testing.B) { runBench(b, mk(Cast(Column(3, "q#3", tI64), tDec(20, 2)))) })
}

func BenchmarkFunctions(b *testing.B) {
	b.Run("year", func(b *testing.B) { runBench(b, mk(Function("year", []Expr{Column(4, "d#4", tDate)}))) })
	b.Run("substring", func(b *testing.B) {
		runBench(b, mk(Function("substring", []Expr{Column(6, "c#6", tStr), lit(b, int32(1), tI32), lit(b, int32(5), tI32)})))
	})
	b.Run("upper", func(b *testing.B) { runBench(b, mk(Function("upper", []Expr{Column(6, "c#6", tStr)}))) })
}
