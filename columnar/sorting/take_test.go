package sorting

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestTakeAllTypes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		pad     int
		nulls   float64
		indices func(r *rand.Rand, n int) []int32
	}{
		{"empty indices", 10, 0, 0.2, func(r *rand.Rand, n int) []int32 { return nil }},
		{"identity", 50, 0, 0.2, func(r *rand.Rand, n int) []int32 { return identity(n) }},
		{"reverse sliced", 50, 5, 0.2, func(r *rand.Rand, n int) []int32 {
			idx := identity(n)
			for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
				idx[i], idx[j] = idx[j], idx[i]
			}
			return idx
		}},
		{"random repeats sliced", 200, 7, 0.3, func(r *rand.Rand, n int) []int32 {
			idx := make([]int32, 3*n)
			for i := range idx {
				idx[i] = int32(r.IntN(n))
			}
			return idx
		}},
		{"no nulls", 100, 1, 0, func(r *rand.Rand, n int) []int32 {
			idx := make([]int32, n/2)
			for i := range idx {
				idx[i] = int32(r.IntN(n))
			}
			return idx
		}},
		{"empty batch", 0, 2, 0.1, func(r *rand.Rand, n int) []int32 { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			r := rand.New(rand.NewPCG(1, uint64(tc.n)))
			g := &gen{r: r, nullProb: tc.nulls}
			data := randTable(g, allTys, tc.n)
			batch := makeBatch(mem, g, allTys, data, tc.pad)
			defer batch.Release()
			idx := tc.indices(r, tc.n)
			out, err := Take(mem, batch, idx)
			if err != nil {
				t.Fatal(err)
			}
			checkBatchEqual(t, out, permute(data, idx), len(idx))
			out.Release()
			for c := range allTys {
				a, err := TakeArray(mem, batch.Column(c), idx)
				if err != nil {
					t.Fatal(err)
				}
				for j, i := range idx {
					if !equalValues(valueAt(a, j), data[c][i]) {
						t.Fatalf("TakeArray column %d row %d", c, j)
					}
				}
				a.Release()
			}
		})
	}
}

func identity(n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	return idx
}

func TestTakeErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	g := &gen{r: rand.New(rand.NewPCG(1, 2))}
	batch := makeBatch(mem, g, []arrow.DataType{tI64, tStr}, randTable(g, []arrow.DataType{tI64, tStr}, 5), 0)
	defer batch.Release()
	for _, idx := range [][]int32{{5}, {-1}, {0, 1, 99}} {
		if _, err := Take(mem, batch, idx); !errors.Is(err, ErrInvalid) {
			t.Errorf("indices %v: err = %v, want ErrInvalid", idx, err)
		}
		if _, err := TakeArray(mem, batch.Column(1), idx); !errors.Is(err, ErrInvalid) {
			t.Errorf("TakeArray indices %v: err = %v, want ErrInvalid", idx, err)
		}
	}
	if _, err := Take(nil, batch, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil allocator: err = %v", err)
	}
}

func TestConcat(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := schemaOf(allTys)
	for _, tc := range []struct {
		name  string
		sizes []int
		pads  []int
		nulls []float64
	}{
		{"none", nil, nil, nil},
		{"one", []int{17}, []int{0}, []float64{0.2}},
		{"mixed nulls and slices", []int{5, 0, 33, 1, 64}, []int{3, 0, 1, 9, 0}, []float64{0, 0.5, 0.1, 0, 1}},
		{"all no nulls", []int{8, 9}, []int{0, 4}, []float64{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(len(tc.sizes))))
			var batches []arrow.RecordBatch
			want := make(table, len(allTys))
			total := 0
			for b, n := range tc.sizes {
				g := &gen{r: r, nullProb: tc.nulls[b]}
				data := randTable(g, allTys, n)
				for c := range want {
					want[c] = append(want[c], data[c]...)
				}
				batches = append(batches, makeBatch(mem, g, allTys, data, tc.pads[b]))
				total += n
			}
			out, err := Concat(mem, schema, batches)
			if err != nil {
				t.Fatal(err)
			}
			checkBatchEqual(t, out, want, total)
			out.Release()
			for c, ty := range allTys {
				arrs := make([]arrow.Array, len(batches))
				for b := range batches {
					arrs[b] = batches[b].Column(c)
				}
				a, err := ConcatArrays(mem, ty, arrs)
				if err != nil {
					t.Fatal(err)
				}
				if a.Len() != total {
					t.Fatalf("ConcatArrays column %d: len %d, want %d", c, a.Len(), total)
				}
				for i := 0; i < total; i++ {
					if !equalValues(valueAt(a, i), want[c][i]) {
						t.Fatalf("ConcatArrays column %d row %d", c, i)
					}
				}
				a.Release()
			}
			for _, b := range batches {
				b.Release()
			}
		})
	}
}

func TestConcatSchemaMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	g := &gen{r: rand.New(rand.NewPCG(1, 1))}
	b1 := makeBatch(mem, g, []arrow.DataType{tI64}, randTable(g, []arrow.DataType{tI64}, 3), 0)
	defer b1.Release()
	b2 := makeBatch(mem, g, []arrow.DataType{tI32}, randTable(g, []arrow.DataType{tI32}, 3), 0)
	defer b2.Release()
	if _, err := Concat(mem, b1.Schema(), []arrow.RecordBatch{b1, b2}); !errors.Is(err, ErrInvalid) {
		t.Errorf("type mismatch: err = %v, want ErrInvalid", err)
	}
	if _, err := Concat(mem, schemaOf([]arrow.DataType{tI64, tI64}), []arrow.RecordBatch{b1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("column count mismatch: err = %v, want ErrInvalid", err)
	}
	if _, err := ConcatArrays(mem, tI64, []arrow.Array{b1.Column(0), b2.Column(0)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("ConcatArrays type mismatch: err = %v", err)
	}
}

func TestComparator(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	types := []arrow.DataType{tStr, tF64, tDecW, tBool, tTS}
	keys := []SortKey{{0, true, false}, {1, false, true}, {2, false, false}, {3, true, true}, {4, false, true}}
	g := &gen{r: rand.New(rand.NewPCG(5, 5)), nullProb: 0.2, card: 3}
	da, db := randTable(g, types, 60), randTable(g, types, 40)
	a, b := makeBatch(mem, g, types, da, 2), makeBatch(mem, g, types, db, 0)
	defer a.Release()
	defer b.Release()
	cmp, err := NewComparator(schemaOf(types), keys)
	if err != nil {
		t.Fatal(err)
	}
	va, err := cmp.Bind(a)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := cmp.Bind(b)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(x int) int {
		switch {
		case x < 0:
			return -1
		case x > 0:
			return 1
		}
		return 0
	}
	zero := 0
	for i := 0; i < 60; i++ {
		for j := 0; j < 40; j++ {
			want := 0
			for _, k := range keys {
				if c := refCmpKey(da[k.Column][i], db[k.Column][j], k); c != 0 {
					want = c
					break
				}
			}
			if zero += boolInt(want == 0); sign(cmp.Compare(va, i, vb, j)) != want {
				t.Fatalf("Compare(a%d, b%d) = %d, want %d", i, j, cmp.Compare(va, i, vb, j), want)
			}
			if got, err := cmp.CompareRows(b, j, a, i); err != nil || sign(got) != -want {
				t.Fatalf("CompareRows(b%d, a%d) = %d, %v; want %d", j, i, got, err, -want)
			}
		}
	}
	if zero == 0 {
		t.Fatal("test data has no equal rows; ties untested")
	}
	if _, err := cmp.CompareRows(a, 60, b, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("row out of range: err = %v", err)
	}
	if _, err := NewComparator(schemaOf(types), []SortKey{{Column: 9}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad key: err = %v", err)
	}
	// Binding a batch whose key column has another type fails.
	other := makeBatch(mem, g, []arrow.DataType{tI64, tF64, tDecW, tBool, tTS}, randTable(g, []arrow.DataType{tI64, tF64, tDecW, tBool, tTS}, 2), 0)
	defer other.Release()
	if _, err := cmp.Bind(other); !errors.Is(err, ErrInvalid) {
		t.Errorf("bind mismatched batch: err = %v", err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
