package engine

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSmoke(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eng, err := Open(WithAllocator(mem), WithConf("spark.sql.shuffle.partitions", "4"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.BinaryTypes.String}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	var batches []arrow.RecordBatch
	for i := 0; i < 3; i++ {
		for j := 0; j < 10; j++ {
			b.Field(0).(*array.StringBuilder).Append(string(rune('a' + j%3)))
			b.Field(1).(*array.Int64Builder).Append(int64(i*10 + j))
		}
		batches = append(batches, b.NewRecordBatch())
	}
	b.Release()
	if err := eng.RegisterArrow("t", schema, batches); err != nil {
		t.Fatal(err)
	}
	for _, r := range batches {
		r.Release()
	}
	for _, q := range []string{
		"select k, sum(v), count(*) from t where v > 3 group by k order by k",
		"select v * 2 as x from t order by x desc limit 5",
		"explain select k, sum(v) from t group by k",
		"select count(distinct k), sum(v) from t",
		"select 1 + 1, 'a'",
	} {
		rdr, err := eng.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rdr.Next() {
			t.Logf("%s:\n%v", q, rdr.RecordBatch())
		}
		if err := rdr.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rdr.Release()
	}
}
