package shuffle

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func batchOf(mem memory.Allocator, vals ...int64) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues(vals, nil)
	return b.NewRecordBatch()
}

func TestMemoryStore(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := NewMemoryStore(2, 3)
	// Map task 1 commits before map task 0; reads still come in map order.
	if err := s.Commit(1, [][]arrow.RecordBatch{{batchOf(mem, 10)}, nil, {batchOf(mem, 12, 13)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(0, [][]arrow.RecordBatch{{batchOf(mem, 0)}, {batchOf(mem, 1)}, nil}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(0, [][]arrow.RecordBatch{nil, nil, nil}); err == nil {
		t.Error("a second commit of map task 0 was accepted")
	}
	if err := s.Commit(1, [][]arrow.RecordBatch{{batchOf(mem, 1)}}); err == nil {
		t.Error("a commit with the wrong partition count was accepted")
	}
	bs, err := s.Read(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Column(0).(*array.Int64).Value(0) != 0 || bs[1].Column(0).(*array.Int64).Value(0) != 10 {
		t.Errorf("partition 0 read out of map order")
	}
	for _, b := range bs {
		b.Release()
	}
	rows, bytes := s.Sizes()
	if rows[0] != 2 || rows[1] != 1 || rows[2] != 2 || bytes[2] < 16 {
		t.Errorf("sizes rows=%v bytes=%v", rows, bytes)
	}
	if _, err := s.Read(3); err == nil {
		t.Error("read of partition 3 of 3 accepted")
	}
	s.Release()
	if _, err := s.Read(0); err == nil {
		t.Error("read after release accepted")
	}
}

func TestHashSplitter(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := batchOf(mem, 1, 2, 3, 1, 2, 3, 1)
	defer b.Release()
	h := NewHashSplitter([]int{0}, 4)
	parts, err := h.Split(mem, b)
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
	if total != 7 {
		t.Errorf("%d rows split, want 7", total)
	}
}
