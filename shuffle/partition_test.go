package shuffle

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func int64Batch(mem memory.Allocator, vals ...int64) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues(vals, nil)
	return b.NewRecordBatch()
}

func TestHashSplitter(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cases := []struct {
		name string
		vals []int64
		n    int
	}{{"spread", []int64{1, 2, 3, 1, 2, 3, 1}, 4}, {"one key", []int64{5, 5, 5}, 3}, {"one partition", []int64{1, 2}, 1}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := int64Batch(mem, c.vals...)
			defer b.Release()
			parts, err := NewHashSplitter([]int{0}, c.n).Split(mem, b)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			seen := map[int64]int{}
			for p, part := range parts {
				if part == nil {
					continue
				}
				vals := part.Column(0).(*array.Int64).Int64Values()
				total += len(vals)
				for _, v := range vals {
					if q, ok := seen[v]; ok && q != p {
						t.Errorf("value %d went to partitions %d and %d", v, q, p)
					}
					seen[v] = p
				}
				part.Release()
			}
			if total != len(c.vals) {
				t.Errorf("%d rows split, want %d", total, len(c.vals))
			}
		})
	}
	b := int64Batch(mem, 1)
	defer b.Release()
	if _, err := NewHashSplitter([]int{3}, 2).Split(mem, b); err == nil {
		t.Error("a key column out of range was accepted")
	}
}

func TestPartitioningValidation(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bounds := rangeBoundsFor(t, mem, 1, 2, 3)
	defer bounds.Release()
	cases := []struct {
		part Partitioning
		want string
	}{
		{Partitioning{Kind: HashPartitioning, N: 0, Keys: []int{0}}, "into 0 partitions"},
		{Partitioning{Kind: SinglePartition, N: 3}, "single partitioning into 3"},
		{Partitioning{Kind: HashPartitioning, N: 3}, "without keys"},
		{Partitioning{Kind: HashPartitioning, N: 3, Keys: []int{99}}, "out of range"},
		{Partitioning{Kind: RangePartitioning, N: 3}, "without sort keys"},
		{Partitioning{Kind: RangePartitioning, N: 3, SortKeys: rangeKeysOn(3)}, "sampling pass has not run"},
		{Partitioning{Kind: RangePartitioning, N: 3, SortKeys: rangeKeysOn(3), Bounds: bounds}, "3 range bounds for 3 partitions"},
		{Partitioning{Kind: RangePartitioning, N: 9, SortKeys: rangeKeysOn(2), Bounds: bounds}, "has type int64, sort key column 2 int32"},
		{Partitioning{Kind: PartitionKind(9), N: 3}, "unknown partitioning"},
	}
	for _, c := range cases {
		_, err := NewWriter(WriterOptions{Dir: t.TempDir(), Schema: allTypesSchema, Partitioning: c.part, Alloc: mem})
		if err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.part, err, c.want)
		}
	}
}
