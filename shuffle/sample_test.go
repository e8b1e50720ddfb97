package shuffle

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar/sorting"
)

var intSchema = arrow.NewSchema([]arrow.Field{
	{Name: "pad", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

func intBatch(mem memory.Allocator, vals []int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, intSchema)
	defer b.Release()
	for _, v := range vals {
		b.Field(0).(*array.StringBuilder).Append("x")
		b.Field(1).(*array.Int64Builder).Append(v)
	}
	return b.NewRecordBatch()
}

// sampleOf samples the values (in batches of 1000) and returns the sample
// and the rows seen.
func sampleOf(t *testing.T, mem memory.Allocator, vals []int64, k int, seed uint64) (arrow.RecordBatch, int64) {
	t.Helper()
	s, err := NewSampler(intSchema, []sorting.SortKey{{Column: 1}}, k, seed)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(vals); i += 1000 {
		b := intBatch(mem, vals[i:min(i+1000, len(vals))])
		err := s.Add(mem, b)
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	out, seen, err := s.Result(mem)
	if err != nil {
		t.Fatal(err)
	}
	return out, seen
}

func TestSampler(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cases := []struct {
		name string
		n, k int
	}{{"fewer rows than k", 500, 2000}, {"exactly k", 2000, 2000}, {"many rows", 200000, 3000}, {"tiny k", 50000, 7}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vals := make([]int64, c.n)
			for i := range vals {
				vals[i] = int64(i)
			}
			out, seen := sampleOf(t, mem, vals, c.k, 1)
			defer out.Release()
			if seen != int64(c.n) {
				t.Errorf("seen %d rows, want %d", seen, c.n)
			}
			if got, want := int(out.NumRows()), min(c.n, c.k); got != want {
				t.Fatalf("sample of %d rows, want %d", got, want)
			}
			col := out.Column(0).(*array.Int64).Int64Values()
			distinct := map[int64]bool{}
			var sum float64
			for _, v := range col {
				if v < 0 || v >= int64(c.n) {
					t.Fatalf("sampled value %d not in the input", v)
				}
				distinct[v] = true
				sum += float64(v)
			}
			if len(distinct) != len(col) {
				t.Errorf("a row sampled twice: %d distinct of %d", len(distinct), len(col))
			}
			// The mean of a uniform sample of 0..n-1 is about (n-1)/2.
			if c.k >= 1000 {
				mean, want := sum/float64(len(col)), float64(c.n-1)/2
				if math.Abs(mean-want) > 0.05*float64(c.n) {
					t.Errorf("sample mean %.0f, want about %.0f", mean, want)
				}
			}
		})
	}
}

func TestRangeBounds(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(2, 2))
	uniform := func(n int) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(i)
		}
		rng.Shuffle(n, func(i, j int) { v[i], v[j] = v[j], v[i] })
		return v
	}
	cases := []struct {
		name  string
		maps  [][]int64
		desc  bool
		n     int
		check func(t *testing.T, b []int64)
	}{
		{"uniform quartiles", [][]int64{uniform(60000), uniform(60000)}, false, 4, func(t *testing.T, b []int64) {
			if len(b) != 3 {
				t.Fatalf("%d bounds, want 3", len(b))
			}
			for i, want := range []float64{15000, 30000, 45000} {
				if math.Abs(float64(b[i])-want) > 0.05*60000 {
					t.Errorf("bound %d = %d, want about %.0f", i, b[i], want)
				}
			}
		}},
		{"descending", [][]int64{uniform(10000)}, true, 2, func(t *testing.T, b []int64) {
			if len(b) != 1 || math.Abs(float64(b[0])-5000) > 1000 { // 120 samples: the median within 2 sigma
				t.Errorf("bounds %v, want about [5000]", b)
			}
		}},
		{"skewed weights", [][]int64{uniform(1000), func() []int64 {
			v := uniform(90000)
			for i := range v {
				v[i] += 1000
			}
			return v
		}()}, false, 2, func(t *testing.T, b []int64) {
			// 91000 rows in all: the median is near 45500, not near the
			// small map task's values.
			if len(b) != 1 || math.Abs(float64(b[0])-45500) > 0.05*91000 {
				t.Errorf("bounds %v, want about [45500]", b)
			}
		}},
		{"duplicates", [][]int64{make([]int64, 5000)}, false, 8, func(t *testing.T, b []int64) {
			if len(b) != 1 || b[0] != 0 {
				t.Errorf("bounds of a constant key: %v, want [0]", b)
			}
		}},
		{"no input", nil, false, 8, func(t *testing.T, b []int64) {
			if len(b) != 0 {
				t.Errorf("bounds without input: %v", b)
			}
		}},
		{"one partition", [][]int64{uniform(100)}, false, 1, func(t *testing.T, b []int64) {
			if len(b) != 0 {
				t.Errorf("bounds for one partition: %v", b)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keys := []sorting.SortKey{{Column: 1, Descending: c.desc}}
			var samples []Sample
			k := SampleSize(c.n, max(1, len(c.maps)))
			for m, vals := range c.maps {
				out, seen := sampleOf(t, mem, vals, k, uint64(m))
				defer out.Release()
				samples = append(samples, Sample{Keys: out, Seen: seen})
			}
			b, err := RangeBounds(mem, intSchema, keys, samples, c.n)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			vals := b.Column(0).(*array.Int64).Int64Values()
			for i := 1; i < len(vals); i++ {
				if (!c.desc && vals[i] <= vals[i-1]) || (c.desc && vals[i] >= vals[i-1]) {
					t.Errorf("bounds out of order: %v", vals)
				}
			}
			c.check(t, vals)
		})
	}
}

func TestSampleSize(t *testing.T) {
	cases := []struct{ n, maps, want int }{{200, 1, 12000}, {200, 7, 1715}, {100000, 10, 300000}, {1, 0, 60}}
	for _, c := range cases {
		if got := SampleSize(c.n, c.maps); got != c.want {
			t.Errorf("SampleSize(%d, %d) = %d, want %d", c.n, c.maps, got, c.want)
		}
	}
}
