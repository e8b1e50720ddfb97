package sorting

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// chunks splits n rows into batch sizes drawn from sizes (cycling).
func chunks(n int, sizes []int) [][2]int {
	var out [][2]int
	for s, i := 0, 0; s < n || (n == 0 && i == 0); i++ {
		sz := sizes[i%len(sizes)]
		e := min(n, s+sz)
		out = append(out, [2]int{s, e})
		s = e
		if n == 0 {
			break
		}
	}
	return out
}

func sliceTable(t table, s, e int) table {
	out := make(table, len(t))
	for c := range t {
		out[c] = t[c][s:e]
	}
	return out
}

func TestTopN(t *testing.T) {
	types := []arrow.DataType{tI64, tStr, tF64, tI32}
	for _, tc := range []struct {
		name  string
		keys  []SortKey
		n     int64
		rows  int
		sizes []int
		card  int
		nulls float64
	}{
		{"int64 asc top 10", []SortKey{{0, false, true}}, 10, 3000, []int{100, 0, 257}, 0, 0.1},
		{"int64 desc nulls last ties", []SortKey{{0, true, false}}, 25, 2000, []int{64}, 20, 0.1},
		{"string,int64", []SortKey{{1, false, false}, {0, true, true}}, 7, 1500, []int{1, 50, 300}, 10, 0.1},
		{"f64 with NaN desc", []SortKey{{2, true, true}}, 40, 2500, []int{500}, 30, 0.1},
		{"int32 then f64 ties", []SortKey{{3, false, true}, {2, false, false}}, 100, 4000, []int{1000, 3}, 15, 0.1},
		{"n larger than input", []SortKey{{0, false, true}}, 10000, 500, []int{70}, 0, 0.1},
		{"n zero", []SortKey{{0, false, true}}, 0, 300, []int{70}, 0, 0.1},
		{"n one", []SortKey{{1, true, true}}, 1, 900, []int{33}, 5, 0.1},
		{"no rows", []SortKey{{0, false, true}}, 5, 0, []int{10}, 0, 0.1},
		{"all keys tie", []SortKey{{3, false, true}}, 50, 1000, []int{128}, 1, 0.1},
		{"int64 no nulls, ties broken by a second key", []SortKey{{0, false, true}, {1, true, false}}, 30, 3000, []int{256}, 40, 0},
		{"int32 no nulls desc", []SortKey{{3, true, true}}, 20, 3000, []int{200}, 100, 0},
		{"int32 no nulls, second key", []SortKey{{3, false, true}, {2, false, true}}, 20, 3000, []int{200}, 100, 0},
		{"f64 no nulls with NaN", []SortKey{{2, false, true}}, 20, 3000, []int{300}, 60, 0},
		{"f64 no nulls desc, second key", []SortKey{{2, true, true}, {0, false, true}}, 20, 3000, []int{300}, 60, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			g := &gen{r: rand.New(rand.NewPCG(11, uint64(tc.rows))), nullProb: tc.nulls, card: tc.card}
			data := randTable(g, types, tc.rows)
			schema := schemaOf(types)
			top, err := NewTopN(mem, schema, tc.keys, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			defer top.Release()
			maxMem := int64(0)
			for i, ch := range chunks(tc.rows, tc.sizes) {
				b := makeBatch(mem, g, types, sliceTable(data, ch[0], ch[1]), i%3)
				if err := top.Push(b); err != nil {
					t.Fatal(err)
				}
				b.Release()
				maxMem = max(maxMem, top.MemoryUsage())
			}
			want := refSort(data, tc.keys, tc.rows)
			if int64(len(want)) > tc.n {
				want = want[:tc.n]
			}
			for round := 0; round < 2; round++ { // Result is repeatable
				res, err := top.Result()
				if err != nil {
					t.Fatal(err)
				}
				checkBatchEqual(t, res, permute(data, want), len(want))
				res.Release()
			}
			// Memory stays bounded: about 2n rows plus one batch, far below
			// the whole input when n is small.
			if tc.n > 0 && tc.n < 50 && tc.rows >= 2000 && maxMem > int64(tc.rows)*20 {
				t.Errorf("candidate memory %d bytes for %d rows, n=%d: not bounded", maxMem, tc.rows, tc.n)
			}
		})
	}
}

func TestTopNErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := schemaOf([]arrow.DataType{tI64})
	if _, err := NewTopN(mem, schema, []SortKey{{Column: 0}}, -1); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative n: err = %v", err)
	}
	if _, err := NewTopN(mem, schema, []SortKey{{Column: 3}}, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad key: err = %v", err)
	}
	top, err := NewTopN(mem, schema, []SortKey{{Column: 0}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	g := &gen{r: rand.New(rand.NewPCG(1, 1))}
	b := makeBatch(mem, g, []arrow.DataType{tStr}, randTable(g, []arrow.DataType{tStr}, 4), 0)
	defer b.Release()
	if err := top.Push(b); !errors.Is(err, ErrInvalid) {
		t.Errorf("schema mismatch: err = %v", err)
	}
	top.Release()
	if err := top.Push(b); !errors.Is(err, ErrInvalid) {
		t.Errorf("push after release: err = %v", err)
	}
}

// sortedRuns splits data into k contiguous runs, sorts each (stably) and
// returns each as a source of batches of the given sizes.
func TestMerger(t *testing.T) {
	types := []arrow.DataType{tStr, tI64, tF64, tBool}
	for _, tc := range []struct {
		name      string
		keys      []SortKey
		runs      int
		rows      int
		sizes     []int
		batchSize int
		card      int
		eofStyle  bool
	}{
		{"one run", []SortKey{{1, false, true}}, 1, 500, []int{64}, 100, 0, false},
		{"four runs int64", []SortKey{{1, false, true}}, 4, 3000, []int{100, 1, 0, 333}, 256, 0, true},
		{"many runs ties", []SortKey{{1, true, false}}, 9, 2000, []int{50}, 1000, 5, false},
		{"string,f64 mixed", []SortKey{{0, false, false}, {2, true, true}}, 5, 2500, []int{7, 300}, 512, 8, true},
		{"bool only", []SortKey{{3, false, true}}, 3, 900, []int{128}, 64, 0, false},
		{"some runs empty", []SortKey{{1, false, true}}, 6, 40, []int{3}, 5, 0, true},
		{"no rows", []SortKey{{1, false, true}}, 3, 0, []int{3}, 5, 0, false},
		{"default batch size", []SortKey{{2, false, true}}, 2, 20000, []int{4096}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			g := &gen{r: rand.New(rand.NewPCG(17, uint64(tc.rows))), nullProb: 0.1, card: tc.card}
			data := randTable(g, types, tc.rows)
			schema := schemaOf(types)
			// Runs: contiguous slices of data, each stably sorted.
			var inputs []func() (arrow.RecordBatch, error)
			bounds := make([]int, tc.runs+1)
			for i := 1; i < tc.runs; i++ {
				bounds[i] = g.r.IntN(tc.rows + 1)
			}
			bounds[tc.runs] = tc.rows
			sortInts(bounds)
			for i := 0; i < tc.runs; i++ {
				run := sliceTable(data, bounds[i], bounds[i+1])
				n := bounds[i+1] - bounds[i]
				sorted := permute(run, refSort(run, tc.keys, n))
				var batches []table
				for _, ch := range chunks(n, tc.sizes) {
					batches = append(batches, sliceTable(sorted, ch[0], ch[1]))
				}
				pos := 0
				eof := tc.eofStyle
				inputs = append(inputs, func() (arrow.RecordBatch, error) {
					if pos == len(batches) {
						if eof {
							return nil, io.EOF
						}
						return nil, nil
					}
					b := batches[pos]
					pos++
					return makeBatch(mem, g, types, b, pos%2), nil
				})
			}
			m, err := NewMerger(mem, schema, tc.keys, inputs, tc.batchSize)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Release()
			got := make(table, len(types))
			total := 0
			limit := tc.batchSize
			if limit <= 0 {
				limit = 8192
			}
			for {
				b, err := m.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if b.NumRows() == 0 || b.NumRows() > int64(limit) {
					t.Fatalf("batch of %d rows, want 1..%d", b.NumRows(), limit)
				}
				for c := range types {
					for i := 0; i < int(b.NumRows()); i++ {
						got[c] = append(got[c], valueAt(b.Column(c), i))
					}
				}
				total += int(b.NumRows())
				b.Release()
			}
			if _, err := m.Next(); err != io.EOF {
				t.Fatalf("Next after the end: %v, want io.EOF", err)
			}
			want := permute(data, refSort(data, tc.keys, tc.rows))
			if total != tc.rows {
				t.Fatalf("merged %d rows, want %d", total, tc.rows)
			}
			for c := range types {
				for i := 0; i < total; i++ {
					if !equalValues(got[c][i], want[c][i]) {
						t.Fatalf("row %d column %d = %v, want %v", i, c, got[c][i], want[c][i])
					}
				}
			}
		})
	}
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func TestMergerErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	types := []arrow.DataType{tI64}
	schema := schemaOf(types)
	g := &gen{r: rand.New(rand.NewPCG(1, 9))}
	boom := errors.New("boom")
	calls := 0
	good := func() (arrow.RecordBatch, error) {
		calls++
		if calls > 3 {
			return nil, nil
		}
		tb := table{{int64(calls), int64(calls + 10)}}
		return makeBatch(mem, g, types, tb, 0), nil
	}
	bad := func() (arrow.RecordBatch, error) { return nil, boom }
	m, err := NewMerger(mem, schema, []SortKey{{Column: 0}}, []func() (arrow.RecordBatch, error){good, bad}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Next(); !errors.Is(err, boom) || err.Error() != fmt.Sprintf("merge input 1: %v", boom) {
		t.Errorf("input error: %v", err)
	}
	m.Release()
	wrong := func() (arrow.RecordBatch, error) {
		return makeBatch(mem, g, []arrow.DataType{tStr}, table{{"x"}}, 0), nil
	}
	m, err = NewMerger(mem, schema, []SortKey{{Column: 0}}, []func() (arrow.RecordBatch, error){wrong}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Next(); !errors.Is(err, ErrInvalid) {
		t.Errorf("schema mismatch: %v", err)
	}
	m.Release()
	if _, err := NewMerger(mem, schema, []SortKey{{Column: 0}}, []func() (arrow.RecordBatch, error){nil}, 4); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil input: %v", err)
	}
	if _, err := NewMerger(mem, schema, []SortKey{{Column: 5}}, nil, 4); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad key: %v", err)
	}
	// Release before draining releases the held batches.
	calls = 0
	m, err = NewMerger(mem, schema, []SortKey{{Column: 0}}, []func() (arrow.RecordBatch, error){good}, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Next()
	if err != nil {
		t.Fatal(err)
	}
	b.Release()
	m.Release()
}
