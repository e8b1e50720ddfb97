package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/expr"
)

// numbersTable makes batches of rows (k string, v bigint, d decimal(10,2),
// s string with NULLs).
func numbersTable(t testing.TB, mem memory.Allocator, batches, rows int) (*arrow.Schema, []arrow.RecordBatch) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64},
		{Name: "d", Type: columnar.Decimal(10, 2), Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	var out []arrow.RecordBatch
	n := 0
	for i := 0; i < batches; i++ {
		for j := 0; j < rows; j++ {
			b.Field(0).(*array.StringBuilder).Append(string(rune('a' + n%3)))
			b.Field(1).(*array.Int64Builder).Append(int64(n))
			if n%5 == 0 {
				b.Field(2).AppendNull()
				b.Field(3).AppendNull()
			} else {
				b.Field(2).(*array.Decimal128Builder).Append(decimalOf(int64(n) * 25))
				b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("row-%d", n))
			}
			n++
		}
		out = append(out, b.NewRecordBatch())
	}
	return schema, out
}

func release(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// collect runs a query and renders its rows as text.
func collect(t testing.TB, eng *Engine, sql string) ([]string, error) {
	t.Helper()
	rdr, err := eng.Query(context.Background(), sql)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var rows []string
	for rdr.Next() {
		b := rdr.RecordBatch()
		for r := 0; r < int(b.NumRows()); r++ {
			var cells []string
			for c := 0; c < int(b.NumCols()); c++ {
				col := b.Column(c)
				if col.IsNull(r) {
					cells = append(cells, "NULL")
					continue
				}
				v, err := expr.ValueAt(col, r)
				if err != nil {
					t.Fatal(err)
				}
				cells = append(cells, columnar.FormatValue(v, col.DataType()))
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
	}
	return rows, rdr.Err()
}

func openTest(t *testing.T, mem memory.Allocator, conf map[string]string) *Engine {
	t.Helper()
	eng, err := Open(WithAllocator(mem), WithConfig(conf))
	if err != nil {
		t.Fatal(err)
	}
	schema, batches := numbersTable(t, mem, 4, 50)
	defer release(batches)
	if err := eng.RegisterArrow("t", schema, batches); err != nil {
		t.Fatal(err)
	}
	return eng
}

func TestQueries(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, parts := range []string{"1", "3", "200"} {
		t.Run("partitions="+parts, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			eng := openTest(t, mem, map[string]string{"spark.sql.shuffle.partitions": parts, "spark.gluten.sql.columnar.maxBatchSize": "16"})
			defer eng.Close()
			tests := []struct {
				sql  string
				want []string
			}{
				{"select k, count(*), sum(v), count(d), count(s) from t group by k order by k",
					[]string{"a|67|6633|53|53", "b|67|6700|54|54", "c|66|6567|53|53"}},
				{"select v from t where v between 10 and 13 order by v desc", []string{"13", "12", "11", "10"}},
				{"select count(*) from t where s is null", []string{"40"}},
				{"select sum(d), min(d), max(d) from t", []string{"4000.00|0.25|49.75"}},
				{"select v, s from t order by v limit 3 offset 4", []string{"4|row-4", "5|NULL", "6|row-6"}},
				{"select count(*) from (select v from t limit 7)", []string{"7"}},
				{"select count(*), sum(v) from t where v < 0", []string{"0|NULL"}},
				{"select k, sum(v) from t where v < 0 group by k", nil},
				{"select count(distinct k), sum(v) from t", []string{"3|19900"}},
				{"select count(distinct s) from t", []string{"160"}},
				{"select distinct k from t order by k desc", []string{"c", "b", "a"}},
				{"select k from t where v = 1 union all select k from t where v = 2", []string{"b", "c"}},
			}
			for _, tc := range tests {
				got, err := collect(t, eng, tc.sql)
				if err != nil {
					t.Errorf("%s: %v", tc.sql, err)
					continue
				}
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("%s:\n got %q\nwant %q", tc.sql, got, tc.want)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openTest(t, mem, nil)
	defer eng.Close()
	tests := []struct{ sql, want string }{
		{"select nope from t", "line 1, column 8: column `nope` cannot be resolved"},
		{"select v from missing", "line 1, column 15: table or view `missing` cannot be found"},
		{"select v\nfrom t where", "line 2, column 13"},
		{"select k, sum(v) from t", "column `k` is neither present in the GROUP BY"},
		{"select v from t where sum(v) > 1", "aggregate functions are not allowed in WHERE"},
		{"select frobnicate(v) from t", "frobnicate"},
	}
	for _, tc := range tests {
		_, err := collect(t, eng, tc.sql)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.sql, err, tc.want)
		}
	}
	if _, err := Open(WithConf("spark.sql.nonsense", "1")); err == nil || !strings.Contains(err.Error(), "unknown configuration key") {
		t.Errorf("unknown key: %v", err)
	}
}

// TestEarlyRelease releases readers before their end: nothing may leak.
func TestEarlyRelease(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng := openTest(t, mem, map[string]string{"spark.gluten.sql.columnar.maxBatchSize": "8"})
	defer eng.Close()
	for _, q := range []string{"select * from t", "select k, v from t order by v", "select k, sum(v) from t group by k"} {
		rdr, err := eng.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if !rdr.Next() {
			t.Fatalf("%s: no first batch: %v", q, rdr.Err())
		}
		rdr.Release()
	}
	// Never pulled at all.
	rdr, err := eng.Query(context.Background(), "select * from t")
	if err != nil {
		t.Fatal(err)
	}
	rdr.Release()
}

// TestCancel cancels a running query: it must stop with the context's
// error, leaving nothing behind.
func TestCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng, err := Open(WithAllocator(mem), WithConf("spark.gluten.sql.columnar.maxBatchSize", "1024"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	schema, batches := numbersTable(t, mem, 64, 1024)
	err = eng.RegisterArrow("big", schema, batches)
	release(batches)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rdr, err := eng.Query(ctx, "select upper(concat(s, k, s)), v * 3 from big")
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for rdr.Next() {
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the query did not stop after cancellation")
	}
	if !errors.Is(rdr.Err(), context.Canceled) {
		t.Fatalf("error after cancellation: %v", rdr.Err())
	}
}
