package join

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestGather(t *testing.T) {
	mem := checkedMem(t)
	types := append([]arrow.DataType{arrow.Null}, allTypes...)
	for ti, typ := range types {
		for _, nullFrac := range []float64{0, 0.3} {
			for _, negFrac := range []float64{0, 0.2} {
				rng := rand.New(rand.NewPCG(uint64(ti), 5))
				var full arrow.Array
				if typ.ID() == arrow.NULL {
					full = array.NewNull(300)
				} else {
					full = genCol(mem, rng, typ, 300, 50, nullFrac)
				}
				src := array.NewSlice(full, 17, 290)
				full.Release()
				n := src.Len()
				idx := make([]int32, 500)
				for k := range idx {
					if rng.Float64() < negFrac {
						idx[k] = -1
					} else {
						idx[k] = int32(rng.IntN(n))
					}
				}
				out, err := Gather(mem, src, idx)
				if err != nil {
					t.Fatal(err)
				}
				if out.Len() != len(idx) || !arrow.TypeEqual(out.DataType(), typ) {
					t.Fatalf("%s: got %d rows of %s", typ, out.Len(), out.DataType())
				}
				nulls := 0
				for k, i := range idx {
					if typ.ID() == arrow.NULL {
						nulls++
						continue
					}
					if i < 0 || src.IsNull(int(i)) {
						nulls++
						if !out.IsNull(k) {
							t.Fatalf("%s: element %d (index %d) is not NULL", typ, k, i)
						}
						continue
					}
					if out.IsNull(k) {
						t.Fatalf("%s: element %d (index %d) is NULL", typ, k, i)
					}
					g, w := out.GetOneForMarshal(k), src.GetOneForMarshal(int(i))
					if f, ok := w.(float64); ok && math.IsNaN(f) {
						if gf, _ := g.(float64); math.Float64bits(gf) != math.Float64bits(f) {
							t.Fatalf("%s: element %d: NaN bits differ", typ, k)
						}
						continue
					}
					if !reflect.DeepEqual(g, w) {
						t.Fatalf("%s: element %d (index %d): %v, want %v", typ, k, i, g, w)
					}
				}
				if out.NullN() != nulls {
					t.Fatalf("%s: NullN %d, want %d", typ, out.NullN(), nulls)
				}
				out.Release()
				src.Release()
			}
		}
	}
}

func TestGatherErrorsAndBatch(t *testing.T) {
	mem := checkedMem(t)
	rng := rand.New(rand.NewPCG(9, 9))
	a := genCol(mem, rng, arrow.BinaryTypes.String, 10, 5, 0.2)
	defer a.Release()
	if _, err := Gather(mem, a, []int32{0, 10}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("index out of range: %v", err)
	}
	if _, err := Gather(nil, a, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("nil allocator: %v", err)
	}
	b := genCol(mem, rng, arrow.PrimitiveTypes.Int64, 10, 5, 0)
	defer b.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: a.DataType(), Nullable: true}, {Name: "i", Type: b.DataType(), Nullable: true}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{a, b}, 10)
	defer batch.Release()
	out, err := GatherBatch(mem, schema, batch, []int32{3, -1, 3, 9})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if out.NumRows() != 4 || !out.Column(1).IsNull(1) || out.Column(1).(*array.Int64).Value(2) != b.(*array.Int64).Value(3) {
		t.Fatalf("GatherBatch: %v", out)
	}
	if _, err := GatherBatch(mem, schema, batch, []int32{11}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("GatherBatch out of range: %v", err)
	}
	nulls := NullArray(mem, a.DataType(), 5)
	defer nulls.Release()
	if nulls.NullN() != 5 || nulls.Len() != 5 {
		t.Fatalf("NullArray: %v", nulls)
	}
}

func BenchmarkGatherInt64(b *testing.B) {
	mem := checkedMem(b)
	rng := rand.New(rand.NewPCG(1, 1))
	src := genCol(mem, rng, arrow.PrimitiveTypes.Int64, 1<<20, 1<<30, 0)
	defer src.Release()
	idx := make([]int32, 4096)
	for k := range idx {
		idx[k] = int32(rng.IntN(1 << 20))
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		out, err := Gather(mem, src, idx)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	b.ReportMetric(float64(len(idx))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
