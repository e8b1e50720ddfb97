package join

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type tableCase struct {
	name      string
	types     []arrow.DataType
	buildRows int
	probeRows int
	card      int
	nullFrac  float64
	collide   bool // narrow the general hash to force collisions
	offset    int  // slice the arrays from this row
}

func tableCases() []tableCase {
	var cs []tableCase
	for _, t := range allTypes {
		cs = append(cs, tableCase{name: "single/" + t.String(), types: []arrow.DataType{t}, buildRows: 700, probeRows: 900, card: 60, nullFrac: 0.1})
	}
	mixed := []arrow.DataType{arrow.BinaryTypes.String, decType, arrow.PrimitiveTypes.Int32}
	two := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64}
	cs = append(cs,
		tableCase{name: "mixed", types: mixed, buildRows: 1500, probeRows: 1200, card: 6, nullFrac: 0.05},
		tableCase{name: "mixed/sliced", types: mixed, buildRows: 1500, probeRows: 1200, card: 6, nullFrac: 0.05, offset: 37},
		tableCase{name: "two/nonull", types: two, buildRows: 3000, probeRows: 2000, card: 40},
		tableCase{name: "collide/string", types: []arrow.DataType{arrow.BinaryTypes.String}, buildRows: 600, probeRows: 500, card: 80, nullFrac: 0.1, collide: true},
		tableCase{name: "collide/mixed", types: mixed, buildRows: 900, probeRows: 700, card: 5, nullFrac: 0.05, collide: true, offset: 3},
		tableCase{name: "int64/sliced/unique", types: []arrow.DataType{arrow.PrimitiveTypes.Int64}, buildRows: 5000, probeRows: 5000, card: 1 << 30, offset: 11},
		tableCase{name: "empty-build", types: mixed, buildRows: 0, probeRows: 50, card: 5, nullFrac: 0.1},
		tableCase{name: "empty-probe", types: two, buildRows: 50, probeRows: 0, card: 5},
		tableCase{name: "all-null", types: []arrow.DataType{arrow.PrimitiveTypes.Int64}, buildRows: 100, probeRows: 100, card: 5, nullFrac: 1},
		tableCase{name: "null-type", types: []arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.Null}, buildRows: 30, probeRows: 30, card: 5},
	)
	return cs
}

func genKeys(mem memory.Allocator, rng *rand.Rand, types []arrow.DataType, n, card int, nullFrac float64, offset int) []arrow.Array {
	cols := make([]arrow.Array, len(types))
	for i, t := range types {
		if t.ID() == arrow.NULL {
			cols[i] = array.NewNull(n + offset)
			continue
		}
		cols[i] = genCol(mem, rng, t, n+offset, card, nullFrac)
	}
	if offset == 0 {
		return cols
	}
	out := sliceAll(cols, offset, offset+n)
	releaseAll(cols)
	return out
}

// TestHashTableMatchesNestedLoop builds tables over random keys and checks
// every probe's pairs against a nested-loop comparison of the keys.
func TestHashTableMatchesNestedLoop(t *testing.T) {
	for ci, c := range tableCases() {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedMem(t)
			if c.collide {
				hashMask = 0x3
				defer func() { hashMask = ^uint64(0) }()
			}
			rng := rand.New(rand.NewPCG(uint64(ci), 7))
			build := genKeys(mem, rng, c.types, c.buildRows, c.card, c.nullFrac, c.offset)
			probe := genKeys(mem, rng, c.types, c.probeRows, c.card, c.nullFrac, c.offset)
			defer releaseAll(build)
			defer releaseAll(probe)

			tab, err := BuildTable(mem, build, uint64(ci)*0x1234567)
			if err != nil {
				t.Fatal(err)
			}
			defer tab.Release()
			if peak := TableBytes(c.buildRows); tab.Bytes() > peak {
				t.Errorf("table holds %d bytes, TableBytes promised at most %d", tab.Bytes(), peak)
			}

			// reference
			byKey := map[string][]int32{}
			nullRows := 0
			for j := 0; j < c.buildRows; j++ {
				k, ok := keyString(build, j)
				if !ok {
					nullRows++
					continue
				}
				byKey[k] = append(byKey[k], int32(j))
			}
			if tab.Rows() != c.buildRows || tab.NullKeyRows() != nullRows || tab.Groups() != len(byKey) {
				t.Fatalf("rows/nullRows/groups = %d/%d/%d, want %d/%d/%d", tab.Rows(), tab.NullKeyRows(), tab.Groups(), c.buildRows, nullRows, len(byKey))
			}

			pr := tab.NewProber()
			for round := 0; round < 2; round++ { // a prober is reusable
				if err := pr.Probe(probe); err != nil {
					t.Fatal(err)
				}
				if pr.Rows() != c.probeRows {
					t.Fatalf("Rows() = %d, want %d", pr.Rows(), c.probeRows)
				}
				var want [][2]int32
				for i := 0; i < c.probeRows; i++ {
					k, ok := keyString(probe, i)
					if pr.NullKey(i) == ok {
						t.Fatalf("probe row %d: NullKey = %v, key %q ok %v", i, pr.NullKey(i), k, ok)
					}
					ms := byKey[k]
					if !ok {
						ms = nil
					}
					if pr.HasMatch(i) != (len(ms) > 0) {
						t.Fatalf("probe row %d (%s): HasMatch = %v, want %v", i, k, pr.HasMatch(i), len(ms) > 0)
					}
					for _, j := range ms {
						want = append(want, [2]int32{int32(i), j})
					}
				}
				limit := 1 + rng.IntN(7)
				if round == 1 {
					limit = 4096
				}
				pi, bi := make([]int32, limit), make([]int32, limit)
				var got [][2]int32
				for {
					n := pr.Pairs(pi, bi)
					if n == 0 {
						break
					}
					for k := 0; k < n; k++ {
						got = append(got, [2]int32{pi[k], bi[k]})
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("limit %d: %d pairs, want %d; first difference at %d", limit, len(got), len(want), firstDiff(got, want))
				}
				if n := pr.Pairs(pi, bi); n != 0 {
					t.Fatalf("Pairs after the end returned %d", n)
				}
			}
		})
	}
}

func firstDiff(a, b [][2]int32) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestHashTableErrors(t *testing.T) {
	mem := checkedMem(t)
	rng := rand.New(rand.NewPCG(1, 2))
	i64 := genCol(mem, rng, arrow.PrimitiveTypes.Int64, 10, 5, 0)
	defer i64.Release()
	i32 := genCol(mem, rng, arrow.PrimitiveTypes.Int32, 10, 5, 0)
	defer i32.Release()
	short := genCol(mem, rng, arrow.PrimitiveTypes.Int32, 9, 5, 0)
	defer short.Release()
	lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
	lb.Append(true)
	list := lb.NewArray()
	lb.Release()
	defer list.Release()

	cases := []struct {
		name string
		keys []arrow.Array
		want error
	}{
		{"none", nil, ErrInvalid},
		{"nil column", []arrow.Array{nil}, ErrInvalid},
		{"lengths", []arrow.Array{i64, short}, ErrInvalid},
		{"list", []arrow.Array{list}, ErrUnsupported},
	}
	for _, c := range cases {
		if _, err := BuildTable(mem, c.keys, 0); !errors.Is(err, c.want) {
			t.Errorf("%s: BuildTable error %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := BuildTable(nil, []arrow.Array{i64}, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil allocator: %v", err)
	}
	tab, err := BuildTable(mem, []arrow.Array{i64}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Release()
	pr := tab.NewProber()
	for _, c := range []struct {
		name string
		keys []arrow.Array
	}{{"type", []arrow.Array{i32}}, {"count", []arrow.Array{i64, i64}}, {"none", nil}} {
		if err := pr.Probe(c.keys); !errors.Is(err, ErrInvalid) {
			t.Errorf("Probe %s: error %v, want ErrInvalid", c.name, err)
		}
	}
}

// TestHashKeys checks that equal keys hash alike (whatever their array and
// offset), that seeds change the hashes, and the NULL flags.
func TestHashKeys(t *testing.T) {
	mem := checkedMem(t)
	for ti, types := range [][]arrow.DataType{
		{arrow.PrimitiveTypes.Int64},
		{arrow.PrimitiveTypes.Float64},
		{arrow.BinaryTypes.String, decType},
		{arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Boolean, arrow.BinaryTypes.Binary},
	} {
		rng := rand.New(rand.NewPCG(uint64(ti), 3))
		a := genKeys(mem, rng, types, 400, 20, 0.1, 0)
		b := genKeys(mem, rng, types, 300, 20, 0.1, 13)
		ha, na := make([]uint64, 400), make([]bool, 400)
		hb, nb := make([]uint64, 300), make([]bool, 300)
		if _, err := HashKeys(a, 99, ha, na); err != nil {
			t.Fatal(err)
		}
		if _, err := HashKeys(b, 99, hb, nb); err != nil {
			t.Fatal(err)
		}
		byKey := map[string]uint64{}
		for i := range ha {
			k, ok := keyString(a, i)
			if na[i] == ok {
				t.Fatalf("types %v row %d: null flag %v", types, i, na[i])
			}
			if ok {
				byKey[k] = ha[i]
			}
		}
		same := 0
		for i := range hb {
			k, ok := keyString(b, i)
			if nb[i] == ok {
				t.Fatalf("types %v row %d: null flag %v", types, i, nb[i])
			}
			if h, found := byKey[k]; ok && found {
				same++
				if h != hb[i] {
					t.Fatalf("types %v: key %s hashes to %x and %x", types, k, h, hb[i])
				}
			}
		}
		if same == 0 {
			t.Fatalf("types %v: no common keys: the test checks nothing", types)
		}
		h2 := make([]uint64, 400)
		if _, err := HashKeys(a, 100, h2, na); err != nil {
			t.Fatal(err)
		}
		diff := 0
		for i := range h2 {
			if !na[i] && h2[i] != ha[i] {
				diff++
			}
		}
		if diff == 0 {
			t.Fatalf("types %v: a different seed gave the same hashes", types)
		}
		if _, err := HashKeys(a, 1, h2[:3], na); !errors.Is(err, ErrInvalid) {
			t.Fatalf("short hashes: %v", err)
		}
		releaseAll(a)
		releaseAll(b)
	}
}

func BenchmarkBuildProbeInt64(b *testing.B) {
	benchBuildProbe(b, []arrow.DataType{arrow.PrimitiveTypes.Int64})
}

func BenchmarkBuildProbeInt64Pair(b *testing.B) {
	benchBuildProbe(b, []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64})
}

// benchBuildProbe builds a table of 1.5M distinct keys (orders) and probes
// 6M keys (lineitem, about 4 per order) in batches of 4096, enumerating
// every pair.
func benchBuildProbe(b *testing.B, types []arrow.DataType) {
	const nb, np, batch = 1_500_000, 6_000_000, 4096
	mem := memory.NewGoAllocator()
	build := make([]arrow.Array, len(types))
	probe := make([]arrow.Array, len(types))
	rng := rand.New(rand.NewPCG(1, 1))
	perm := rng.Perm(nb)
	for c := range types {
		bb := array.NewInt64Builder(mem)
		for _, v := range perm {
			bb.Append(int64(v)*4 + int64(c))
		}
		build[c] = bb.NewArray()
		pb := array.NewInt64Builder(mem)
		for i := 0; i < np; i++ {
			pb.Append(int64(i/4)*4 + int64(c))
		}
		probe[c] = pb.NewArray()
		bb.Release()
		pb.Release()
	}
	defer releaseAll(build)
	defer releaseAll(probe)
	pi, bi := make([]int32, batch), make([]int32, batch)
	b.ResetTimer()
	pairs := 0
	for it := 0; it < b.N; it++ {
		tab, err := BuildTable(mem, build, 42)
		if err != nil {
			b.Fatal(err)
		}
		pr := tab.NewProber()
		for off := 0; off < np; off += batch {
			keys := sliceAll(probe, off, min(np, off+batch))
			if err := pr.Probe(keys); err != nil {
				b.Fatal(err)
			}
			for {
				n := pr.Pairs(pi, bi)
				if n == 0 {
					break
				}
				pairs += n
			}
			releaseAll(keys)
		}
		tab.Release()
	}
	b.StopTimer()
	if pairs != np*b.N {
		b.Fatalf("%d pairs, want %d", pairs, np*b.N)
	}
	b.ReportMetric(float64(nb+np)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func TestEstimateDistinct(t *testing.T) {
	for _, c := range []struct{ rows, distinct int }{{100, 100}, {5000, 5000}, {200_000, 200_000}, {200_000, 1000}, {400_000, 50_000}} {
		hashes := make([]uint64, c.rows)
		for i := range hashes {
			hashes[i] = fmix64(uint64(i%c.distinct) ^ 77)
		}
		est := estimateDistinct(hashes, nil, false)
		if est < c.distinct*95/100 || est > c.distinct*105/100 {
			t.Errorf("%d rows of %d distinct values: estimate %d", c.rows, c.distinct, est)
		}
	}
	// NULL rows are not counted.
	hashes := make([]uint64, 10000)
	nulls := make([]bool, 10000)
	for i := range hashes {
		hashes[i] = fmix64(uint64(i))
		nulls[i] = i%2 == 0
	}
	if est := estimateDistinct(hashes, nulls, true); est < 4750 || est > 5250 {
		t.Errorf("half NULL rows: estimate %d, want about 5000", est)
	}
	if zeroes(memory.NewCheckedAllocator(memory.NewGoAllocator())) || !zeroes(memory.NewGoAllocator()) || !zeroes(columnar.NewAccountingAllocator(memory.DefaultAllocator)) {
		t.Errorf("zeroes")
	}
}
