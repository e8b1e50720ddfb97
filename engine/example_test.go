package engine_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/rowexpr"
	"github.com/gluten-go/gluten-go/engine"
	"github.com/gluten-go/gluten-go/resource"
)

// An engine runs Spark SQL over registered tables; here an in-memory Arrow
// table. Parquet tables are registered with RegisterParquet the same way.
func ExampleEngine_Query() {
	eng, err := engine.Open(engine.WithConfig(map[string]string{
		"spark.sql.shuffle.partitions": "4",
	}))
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()

	schema := arrow.NewSchema([]arrow.Field{
		{Name: "city", Type: arrow.BinaryTypes.String},
		{Name: "temp", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"Oslo", "Lima", "Oslo", "Lima"}, nil)
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{-3, 19, 1, 21}, nil)
	batch := b.NewRecordBatch()
	defer batch.Release()
	if err := eng.RegisterArrow("weather", schema, []arrow.RecordBatch{batch}); err != nil {
		log.Fatal(err)
	}

	rdr, err := eng.Query(context.Background(),
		"SELECT city, avg(temp) AS avg_temp FROM weather GROUP BY city ORDER BY city")
	if err != nil {
		log.Fatal(err)
	}
	defer rdr.Release()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		cities := rec.Column(0).(*array.String)
		temps := rec.Column(1).(*array.Float64)
		for i := 0; i < int(rec.NumRows()); i++ {
			fmt.Println(cities.Value(i), temps.Value(i))
		}
	}
	if err := rdr.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// Lima 20
	// Oslo -1
}

// Explain shows the physical plan in Spark's style: columnar operators under
// Gluten's names, with the id of the whole-stage pipeline they run in.
func ExampleEngine_Explain() {
	eng, err := engine.Open(engine.WithConf("spark.sql.shuffle.partitions", "4"))
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if err := eng.RegisterArrow("t", schema, nil); err != nil {
		log.Fatal(err)
	}
	plan, err := eng.Explain(context.Background(), "SELECT x, count(*) FROM t WHERE x > 10 GROUP BY x")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(plan)
	// Output:
	// == Physical Plan ==
	// *(2) HashAggregateTransformer(keys=[x#1], functions=[count(1)], isStreamingAgg=false, output=[x#1, count(1)#2])
	// +- Exchange hashpartitioning(x#1, 4), ENSURE_REQUIREMENTS, [plan_id=1]
	//    +- *(1) HashAggregateTransformer(keys=[x#1], functions=[partial_count(1)], isStreamingAgg=false, output=[x#1, count#4])
	//       +- *(1) FilterExecTransformer (x#1 > 10)
	//          +- *(1) FileScanTransformer Arrow t[x#1] Batched: true, DataFilters: [(x#1 > 10)], Format: Arrow, Location: memory(0 batches), PushedFilters: [GreaterThan(x,10)], ReadSchema: struct<x:bigint>
}

// A Go UDF registered with a resource profile makes the stages calling it
// run on executors of that profile (here 2 GiB of heap; the resources it
// leaves unset are the default profile's), as Spark's
// RDD.withResources does; the other stages keep the default profile.
func ExampleWithResources() {
	eng, err := engine.Open(engine.WithConfig(map[string]string{
		"spark.sql.shuffle.partitions":                    "2",
		"spark.gluten.local.memory":                       "8g",
		"spark.dynamicAllocation.schedulerBacklogTimeout": "10ms",
	}))
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	words, err := rowexpr.NewUDF1("words", func(s string) int64 { return int64(len(strings.Fields(s))) })
	if err != nil {
		log.Fatal(err)
	}
	if err := eng.RegisterUDF(words, engine.WithResources(resource.NewProfileBuilder().Memory(2048))); err != nil {
		log.Fatal(err)
	}

	schema := arrow.NewSchema([]arrow.Field{{Name: "text", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"to be or not to be", "that is the question"}, nil)
	batch := b.NewRecordBatch()
	defer batch.Release()
	if err := eng.RegisterArrow("lines", schema, []arrow.RecordBatch{batch}); err != nil {
		log.Fatal(err)
	}

	a, err := eng.Analyze(context.Background(), "SELECT sum(words(text)) FROM lines")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range a.Stages {
		p, _ := eng.ResourceProfile(s.ProfileID)
		fmt.Printf("stage %d: profile %d, heap %s\n", s.ID, p.ID(), resource.FormatBytes(p.HeapBytes()))
	}
	// Output:
	// stage 0: profile 1, heap 2.0 GiB
	// stage 1: profile 0, heap 1.0 GiB
}
