package sorting

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSortIndicesMatchesReference(t *testing.T) {
	type tc struct {
		name  string
		types []arrow.DataType
		keys  []SortKey
		card  int
		nulls float64
	}
	var cases []tc
	for _, ty := range allTys {
		for _, k := range []SortKey{{0, false, true}, {0, false, false}, {0, true, false}, {0, true, true}} {
			cases = append(cases, tc{
				name:  fmt.Sprintf("%s/desc=%v/nullsFirst=%v", ty, k.Descending, k.NullsFirst),
				types: []arrow.DataType{ty, tI32}, keys: []SortKey{k}, card: 0, nulls: 0.1,
			})
		}
	}
	cases = append(cases,
		tc{"string,int64 mixed", []arrow.DataType{tStr, tI64}, []SortKey{{0, false, true}, {1, true, false}}, 30, 0.05},
		tc{"int32,string,f64", []arrow.DataType{tI32, tStr, tF64}, []SortKey{{0, true, false}, {1, false, false}, {2, false, true}}, 5, 0.2},
		tc{"bool,dec,date", []arrow.DataType{tBool, tDecW, tDate}, []SortKey{{0, false, true}, {1, true, true}, {2, false, false}}, 4, 0.1},
		tc{"binary,ts desc", []arrow.DataType{tBin, tTS}, []SortKey{{1, true, true}, {0, false, false}}, 3, 0.3},
		tc{"low card f64,int32", []arrow.DataType{tF64, tI32}, []SortKey{{0, false, false}, {1, false, true}}, 3, 0.1},
		tc{"key order differs", []arrow.DataType{tI64, tStr}, []SortKey{{1, true, false}, {0, false, true}}, 6, 0.1},
		tc{"no nulls ints", []arrow.DataType{tI64, tI32}, []SortKey{{0, false, true}, {1, false, true}}, 50, 0},
		tc{"all null key", []arrow.DataType{tNull, tI32}, []SortKey{{0, false, true}, {1, true, true}}, 0, 0},
		tc{"same column twice", []arrow.DataType{tStr}, []SortKey{{0, false, true}, {0, true, true}}, 10, 0.1},
	)
	sizes := []int{0, 1, 2, 3, 8, 9, 48, 49, 100, 3000}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			for si, n := range sizes {
				for _, pad := range []int{0, 3} {
					g := &gen{r: rand.New(rand.NewPCG(uint64(ci), uint64(si*10+pad))), nullProb: c.nulls, card: c.card}
					data := randTable(g, c.types, n)
					batch := makeBatch(mem, g, c.types, data, pad)
					got, err := SortIndices(batch, c.keys)
					if err != nil {
						t.Fatal(err)
					}
					want := refSort(data, c.keys, n)
					if !slices.Equal(got, want) {
						t.Fatalf("n=%d pad=%d: permutation differs from the stable reference\n got %v\nwant %v", n, pad, head(got), head(want))
					}
					sorted, err := SortBatch(mem, batch, c.keys)
					if err != nil {
						t.Fatal(err)
					}
					checkBatchEqual(t, sorted, permute(data, want), n)
					sorted.Release()
					batch.Release()
				}
			}
		})
	}
}

func head(s []int32) []int32 {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}

func TestSortIndicesLargeRadix(t *testing.T) {
	// Large enough for the 11-bit radix digits, with duplicates and a
	// second key to exercise run handling.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, card := range []int{0, 100} {
		g := &gen{r: rand.New(rand.NewPCG(7, uint64(card))), nullProb: 0.01, card: card}
		types := []arrow.DataType{tI64, tStr, tF64}
		data := randTable(g, types, 40000)
		batch := makeBatch(mem, g, types, data, 0)
		for _, keys := range [][]SortKey{
			{{0, false, true}},
			{{0, true, false}, {2, false, false}},
			{{1, false, true}, {0, false, true}},
			{{2, true, true}, {1, false, false}},
		} {
			got, err := SortIndices(batch, keys)
			if err != nil {
				t.Fatal(err)
			}
			if want := refSort(data, keys, 40000); !slices.Equal(got, want) {
				t.Fatalf("card=%d keys=%v: permutation differs", card, keys)
			}
		}
		batch.Release()
	}
}

func TestSortStableOnTies(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// Every key ties: the identity must come back; then a two-valued key:
	// each value's rows in input order.
	n := 5000
	vals := make([]any, n)
	for i := range vals {
		vals[i] = int64(i % 2)
	}
	a := build(mem, tI64, vals)
	defer a.Release()
	batch := array.NewRecordBatch(schemaOf([]arrow.DataType{tI64}), []arrow.Array{a}, int64(n))
	defer batch.Release()
	got, err := SortIndices(batch, []SortKey{{Column: 0, Descending: true}})
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < n/2; j++ {
		if got[j] != int32(2*j+1) || got[n/2+j] != int32(2*j) {
			t.Fatalf("not stable at %d: %d %d", j, got[j], got[n/2+j])
		}
	}
	got, err = SortIndices(batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != int32(i) {
			t.Fatalf("no keys: position %d = %d", i, got[i])
		}
	}
}

func TestSortIndicesErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := build(mem, tI64, []any{int64(1), int64(2)})
	defer a.Release()
	batch := array.NewRecordBatch(schemaOf([]arrow.DataType{tI64}), []arrow.Array{a}, 2)
	defer batch.Release()
	for _, tc := range []struct {
		name string
		keys []SortKey
	}{
		{"column out of range", []SortKey{{Column: 1}}},
		{"negative column", []SortKey{{Column: -1}}},
	} {
		if _, err := SortIndices(batch, tc.keys); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tc.name, err)
		}
	}
	if _, err := SortIndices(nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil batch: err = %v", err)
	}
	// An unsupported type.
	ub := array.NewUint8Builder(mem)
	ub.Append(1)
	u := ub.NewArray()
	ub.Release()
	defer u.Release()
	ubatch := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "u", Type: u.DataType()}}, nil), []arrow.Array{u}, 1)
	defer ubatch.Release()
	if _, err := SortIndices(ubatch, []SortKey{{Column: 0}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("uint8 key: err = %v, want ErrUnsupported", err)
	}
}
