package agg

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// refGroups is the reference GROUP BY: a map from a canonical encoding of
// the key tuple to the id, plus each group's first key tuple.
type refGroups struct {
	ids  map[string]uint32
	keys [][]any
}

func canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "N"
	case float64:
		if math.IsNaN(x) {
			return "f:NaN"
		}
		if x == 0 {
			return "f:0"
		}
		return fmt.Sprintf("f:%v", x)
	case []byte:
		return fmt.Sprintf("b:%q", x)
	case string:
		return fmt.Sprintf("s:%q", x)
	case decimal128.Num:
		return "d:" + x.BigInt().String()
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// normKey is the key value a GroupTable reports: doubles normalized.
func normKey(v any) any {
	if f, ok := v.(float64); ok {
		if f == 0 {
			return 0.0
		}
	}
	return v
}

func (g *refGroups) insert(row []any) uint32 {
	var s string
	for _, v := range row {
		s += canon(v) + "|"
	}
	if id, ok := g.ids[s]; ok {
		return id
	}
	id := uint32(len(g.keys))
	g.ids[s] = id
	k := make([]any, len(row))
	for i, v := range row {
		k[i] = normKey(v)
	}
	g.keys = append(g.keys, k)
	return id
}

type gtBatch struct {
	n     int
	gens  []valueGen
	pad   int
	reuse bool // draw rows from the previous batches' rows too
}

func TestGroupTableMatchesReference(t *testing.T) {
	wideI64 := func(r *rand.Rand) any {
		switch r.IntN(20) {
		case 0:
			return int64(math.MinInt64)
		case 1:
			return int64(math.MaxInt64)
		}
		return r.Int64() - r.Int64()
	}
	nullable := func(g valueGen, p float64) valueGen {
		return func(r *rand.Rand) any {
			if r.Float64() < p {
				return nil
			}
			return g(r)
		}
	}
	rangeI64 := func(lo, n int64) valueGen {
		return func(r *rand.Rand) any { return lo + r.Int64N(n) }
	}
	longStr := func(r *rand.Rand) any { return fmt.Sprintf("a-long-string-%d", r.IntN(300)) }
	wideDec := func(r *rand.Rand) any { return decimal128.New(int64(r.IntN(3)-1), uint64(r.IntN(50))) }
	f64 := genOf(tF64, 40, 0.1)

	type tc struct {
		name      string
		types     []arrow.DataType
		batches   []gtBatch
		wantMode  tableMode
		wantDirec bool
		lowDirect bool
	}
	cases := []tc{
		{"int64 dense growing range", []arrow.DataType{tI64}, []gtBatch{
			{500, []valueGen{rangeI64(0, 300)}, 0, false},
			{500, []valueGen{rangeI64(200, 700)}, 2, true},
			{2000, []valueGen{rangeI64(-5000, 9000)}, 0, true},
			{10, []valueGen{nullable(rangeI64(0, 10), 0.5)}, 1, true},
		}, modePacked, true, false},
		{"int64 wide random", []arrow.DataType{tI64}, []gtBatch{
			{3000, []valueGen{wideI64}, 0, false},
			{3000, []valueGen{wideI64}, 3, true},
		}, modePacked, false, false},
		{"int64 wide then nulls", []arrow.DataType{tI64}, []gtBatch{
			{1000, []valueGen{wideI64}, 0, false},
			{1000, []valueGen{nullable(wideI64, 0.3)}, 0, true},
		}, modeHashed, false, false},
		{"int32 + short string then long", []arrow.DataType{tI32, tStr}, []gtBatch{
			{800, []valueGen{genOf(tI32, 10, 0.1), genOf(tStr, 30, 0.1)}, 0, false},
			{800, []valueGen{genOf(tI32, 10, 0.1), longStr}, 4, true},
		}, modeHashed, false, false},
		{"two full-range int64", []arrow.DataType{tI64, tI64}, []gtBatch{
			{700, []valueGen{wideI64, rangeI64(0, 3)}, 0, false},
			{700, []valueGen{wideI64, wideI64}, 0, true},
		}, modeHashed, false, false},
		{"double keys", []arrow.DataType{tF64}, []gtBatch{
			{2000, []valueGen{f64}, 0, false},
			{2000, []valueGen{f64}, 5, true},
		}, modeHashed, false, false},
		{"double + string", []arrow.DataType{tF64, tStr}, []gtBatch{
			{2000, []valueGen{f64, genOf(tStr, 5, 0.2)}, 1, false},
		}, modeHashed, false, false},
		{"small decimal then wide", []arrow.DataType{dec(38, 2)}, []gtBatch{
			{600, []valueGen{genOf(dec(38, 2), 100, 0.1)}, 0, false},
			{600, []valueGen{wideDec}, 0, true},
		}, modeHashed, false, false},
		{"bool date timestamp", []arrow.DataType{tBool, tDate, tTS}, []gtBatch{
			{1500, []valueGen{genOf(tBool, 2, 0.2), genOf(tDate, 20, 0.1), genOf(tTS, 5, 0.1)}, 2, false},
			{1500, []valueGen{genOf(tBool, 2, 0), genOf(tDate, 60, 0), genOf(tTS, 9, 0.3)}, 0, true},
		}, modePacked, false, false},
		{"null type key", []arrow.DataType{tNull, tI32}, []gtBatch{
			{300, []valueGen{genOf(tNull, 1, 0), genOf(tI32, 7, 0.2)}, 1, false},
		}, modePacked, true, false},
		{"binary", []arrow.DataType{tBin}, []gtBatch{
			{1000, []valueGen{genOf(tBin, 100, 0.1)}, 0, false},
			{1000, []valueGen{func(r *rand.Rand) any { return []byte(longStr(r).(string)) }}, 0, true},
		}, modeHashed, false, false},
		{"binary short", []arrow.DataType{tBin, tBool}, []gtBatch{
			{1000, []valueGen{genOf(tBin, 100, 0.1), genOf(tBool, 2, 0.5)}, 0, false},
		}, modePacked, true, false},
		{"all nulls", []arrow.DataType{tStr, tI64}, []gtBatch{
			{100, []valueGen{genOf(tStr, 1, 1), genOf(tI64, 1, 1)}, 0, false},
			{100, []valueGen{genOf(tStr, 3, 0.5), genOf(tI64, 3, 0.5)}, 0, true},
		}, modePacked, true, false},
		{"many groups: range grows past the direct limit", []arrow.DataType{tI64}, []gtBatch{
			{20000, []valueGen{rangeI64(0, 1<<19)}, 0, false},
			{20000, []valueGen{rangeI64(0, 1<<23)}, 0, true},
			{20000, []valueGen{rangeI64(0, 1<<23)}, 0, true},
		}, modePacked, false, false},
		{"hash table turns direct as groups grow (direct limit lowered to 1024)", []arrow.DataType{tI64}, []gtBatch{
			{2000, []valueGen{rangeI64(0, 1<<14)}, 0, false},
			{2000, []valueGen{rangeI64(0, 1<<14)}, 0, false},
			{2000, []valueGen{rangeI64(0, 1<<14)}, 0, false},
			{2000, []valueGen{rangeI64(0, 1<<14)}, 0, true},
		}, modePacked, true, true},
		{"int64 and int32 near their limits", []arrow.DataType{tI64, tI32}, []gtBatch{
			{300, []valueGen{rangeI64(math.MaxInt64-100, 101), genOf(tI32, 3, 0)}, 0, false},
			{300, []valueGen{rangeI64(math.MaxInt64-1000, 501), func(r *rand.Rand) any { return int32(math.MaxInt32 - r.IntN(5)) }}, 0, true},
			{300, []valueGen{rangeI64(math.MinInt64, 11), func(r *rand.Rand) any { return int32(math.MinInt32 + r.IntN(5)) }}, 0, true},
		}, modeHashed, false, false},
		{"int32 grows to its full range", []arrow.DataType{tI32}, []gtBatch{
			{300, []valueGen{func(r *rand.Rand) any { return int32(r.IntN(10)) }}, 0, false},
			{300, []valueGen{func(r *rand.Rand) any { return int32(math.MaxInt32 - r.IntN(10)) }}, 0, true},
			{300, []valueGen{func(r *rand.Rand) any { return int32(math.MinInt32 + r.IntN(10)) }}, 0, true},
		}, modePacked, false, false},
		{"steady state without NULLs (fused code paths)", []arrow.DataType{tI32, tI64, tStr}, []gtBatch{
			{500, []valueGen{genOf(tI32, 6, 0), genOf(tI64, 50, 0), genOf(tStr, 4, 0)}, 0, false},
			{500, []valueGen{genOf(tI32, 6, 0), genOf(tI64, 50, 0), genOf(tStr, 4, 0)}, 3, true},
			{500, []valueGen{genOf(tI32, 6, 0), genOf(tI64, 50, 0), genOf(tStr, 4, 0)}, 0, true},
		}, modePacked, true, false},
		{"empty batches", []arrow.DataType{tI32}, []gtBatch{
			{0, []valueGen{genOf(tI32, 5, 0)}, 0, false},
			{10, []valueGen{genOf(tI32, 5, 0)}, 0, false},
			{0, []valueGen{genOf(tI32, 5, 0)}, 2, false},
		}, modePacked, true, false},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			r := rand.New(rand.NewPCG(uint64(ci), 99))
			tbl, err := NewGroupTable(mem, c.types)
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			if c.lowDirect {
				tbl.impl.directAlways = 1024
			}
			ref := &refGroups{ids: map[string]uint32{}}
			var seen [][]any
			for bi, b := range c.batches {
				rows := make([][]any, b.n)
				for i := range rows {
					if b.reuse && len(seen) > 0 && r.IntN(3) == 0 {
						rows[i] = seen[r.IntN(len(seen))]
						continue
					}
					rows[i] = make([]any, len(c.types))
					for k := range c.types {
						rows[i][k] = b.gens[k](r)
					}
				}
				seen = append(seen, rows...)
				cols := make([]arrow.Array, len(c.types))
				for k, ty := range c.types {
					vals := make([]any, b.n)
					for i := range rows {
						vals[i] = rows[i][k]
					}
					cols[k] = buildSliced(mem, ty, vals, b.pad, b.gens[k], r)
				}
				ids := make([]uint32, b.n)
				if err := tbl.Insert(cols, ids); err != nil {
					t.Fatal(err)
				}
				for _, a := range cols {
					a.Release()
				}
				for i, row := range rows {
					if want := ref.insert(row); ids[i] != want {
						t.Fatalf("batch %d row %d %v: id %d, want %d", bi, i, row, ids[i], want)
					}
				}
				if tbl.NumGroups() != len(ref.keys) {
					t.Fatalf("batch %d: NumGroups %d, want %d", bi, tbl.NumGroups(), len(ref.keys))
				}
			}
			if tbl.impl.mode != c.wantMode || (c.wantMode == modePacked && tbl.impl.direct != c.wantDirec) {
				t.Errorf("mode %d direct %v, want mode %d direct %v (the case no longer exercises its path)",
					tbl.impl.mode, tbl.impl.direct, c.wantMode, c.wantDirec)
			}
			keys, err := tbl.Keys()
			if err != nil {
				t.Fatal(err)
			}
			for k := range c.types {
				if keys[k].Len() != len(ref.keys) {
					t.Fatalf("key column %d: %d rows, want %d", k, keys[k].Len(), len(ref.keys))
				}
				if v, ok := keys[k].(interface{ Validate() error }); ok {
					if err := v.Validate(); err != nil {
						t.Fatal(err)
					}
				}
				for g := range ref.keys {
					if got := valueAt(keys[k], g); !sameValue(got, ref.keys[g][k], true) {
						t.Fatalf("group %d key %d = %v, want %v", g, k, got, ref.keys[g][k])
					}
				}
				keys[k].Release()
			}
			if len(ref.keys) > 0 && tbl.MemoryUsage() <= 0 {
				t.Errorf("MemoryUsage %d with %d groups", tbl.MemoryUsage(), len(ref.keys))
			}
		})
	}
}

func TestGroupTableResetAndReuse(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, err := NewGroupTable(mem, []arrow.DataType{tStr, tF64})
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	for round := 0; round < 3; round++ {
		s := build(mem, tStr, []any{"x", "y", "x", nil, "y"})
		f := build(mem, tF64, []any{1.0, 2.0, 1.0, nil, math.NaN()})
		ids := make([]uint32, 5)
		if err := tbl.Insert([]arrow.Array{s, f}, ids); err != nil {
			t.Fatal(err)
		}
		s.Release()
		f.Release()
		want := []uint32{0, 1, 0, 2, 3}
		for i := range want {
			if ids[i] != want[i] {
				t.Fatalf("round %d: ids %v, want %v", round, ids, want)
			}
		}
		if mem.CurrentAlloc() == 0 {
			t.Fatal("the table's buffers are not drawn from its allocator")
		}
		tbl.Reset()
		if tbl.NumGroups() != 0 || mem.CurrentAlloc() != 0 || tbl.MemoryUsage() != 0 {
			t.Fatalf("after Reset: %d groups, %d bytes allocated, MemoryUsage %d", tbl.NumGroups(), mem.CurrentAlloc(), tbl.MemoryUsage())
		}
	}
}

func TestGroupTableNoKeys(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, err := NewGroupTable(mem, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if err := tbl.Insert(nil, nil); err != nil || tbl.NumGroups() != 0 {
		t.Fatalf("empty insert: %v, %d groups", err, tbl.NumGroups())
	}
	ids := []uint32{7, 7, 7}
	if err := tbl.Insert(nil, ids); err != nil {
		t.Fatal(err)
	}
	if tbl.NumGroups() != 1 || ids[0] != 0 || ids[2] != 0 {
		t.Fatalf("groups %d ids %v", tbl.NumGroups(), ids)
	}
	keys, err := tbl.Keys()
	if err != nil || len(keys) != 0 {
		t.Fatalf("Keys: %v %v", keys, err)
	}
}

func TestGroupTableErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	if _, err := NewGroupTable(mem, []arrow.DataType{arrow.PrimitiveTypes.Uint8}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("uint8 key: %v", err)
	}
	if _, err := NewGroupTable(mem, []arrow.DataType{&arrow.TimestampType{Unit: arrow.Second}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("timestamp(s) key: %v", err)
	}
	if _, err := NewGroupTable(nil, []arrow.DataType{tI64}); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil allocator: %v", err)
	}
	tbl, err := NewGroupTable(mem, []arrow.DataType{tI64, tStr})
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	i64 := build(mem, tI64, []any{int64(1), int64(2)})
	defer i64.Release()
	str := build(mem, tStr, []any{"a", "b"})
	defer str.Release()
	i32 := build(mem, tI32, []any{int32(1), int32(2)})
	defer i32.Release()
	for _, tc := range []struct {
		name string
		keys []arrow.Array
		ids  int
	}{
		{"too few columns", []arrow.Array{i64}, 2},
		{"wrong type", []arrow.Array{i32, str}, 2},
		{"length mismatch", []arrow.Array{i64, str}, 3},
		{"nil column", []arrow.Array{i64, nil}, 2},
	} {
		if err := tbl.Insert(tc.keys, make([]uint32, tc.ids)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tc.name, err)
		}
	}
	if tbl.NumGroups() != 0 {
		t.Errorf("failed inserts created %d groups", tbl.NumGroups())
	}
}

// TestGroupTableSlicedBoolAndStrings checks offsets on bit-packed and
// variable-width columns explicitly.
func TestGroupTableSlicedBoolAndStrings(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := build(mem, tBool, []any{true, true, false, nil, true, false, false, true, nil, true, false})
	s := build(mem, tStr, []any{"q", "abcdefghij", "x", "x", "abcdefghij", "x", "", nil, "x", "abcdefghij", ""})
	bs := array.NewSlice(b, 3, 11)
	ss := array.NewSlice(s, 3, 11)
	b.Release()
	s.Release()
	defer bs.Release()
	defer ss.Release()
	tbl, err := NewGroupTable(mem, []arrow.DataType{tBool, tStr})
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	ids := make([]uint32, 8)
	if err := tbl.Insert([]arrow.Array{bs, ss}, ids); err != nil {
		t.Fatal(err)
	}
	// rows: (nil,x) (T,abcdefghij) (F,x) (F,"") (T,nil) (nil,x) (T,abcdefghij) (F,"")
	want := []uint32{0, 1, 2, 3, 4, 0, 1, 3}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("ids %v, want %v", ids, want)
		}
	}
	keys, err := tbl.Keys()
	if err != nil {
		t.Fatal(err)
	}
	defer keys[0].Release()
	defer keys[1].Release()
	wantB := []any{nil, true, false, false, true}
	wantS := []any{"x", "abcdefghij", "x", "", nil}
	for g := range wantB {
		if valueAt(keys[0], g) != wantB[g] || valueAt(keys[1], g) != wantS[g] {
			t.Fatalf("group %d = (%v, %v), want (%v, %v)", g, valueAt(keys[0], g), valueAt(keys[1], g), wantB[g], wantS[g])
		}
	}
}
