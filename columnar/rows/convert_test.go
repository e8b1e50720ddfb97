package rows

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

func TestRoundTripEveryType(t *testing.T) {
	types := allTypes()
	cases := []struct {
		name string
		n    int
		off  int
		nm   nullMode
	}{
		{"no nulls", 100, 0, noNulls},
		{"some nulls", 257, 0, someNulls},
		{"all nulls", 70, 0, allNulls},
		{"sliced", 130, 7, someNulls},
		{"sliced no nulls", 65, 3, noNulls},
		{"one row", 1, 5, someNulls},
		{"several blocks", 3001, 9, someNulls},
		{"empty", 0, 0, someNulls},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			r := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.off)))
			nms := make([]nullMode, len(types))
			for i := range nms {
				nms[i] = tc.nm
			}
			in := randomBatch(mem, r, types, nms, tc.n, tc.off)
			defer in.Release()
			roundTrip(t, mem, in)
		})
	}
}

// roundTrip converts in to rows (twice, to test appending) and back, by
// BufferToBatch and by a BatchBuilder, and checks the results equal in.
func roundTrip(t *testing.T, mem memory.Allocator, in arrow.RecordBatch) {
	t.Helper()
	l, err := NewLayout(in.Schema())
	if err != nil {
		t.Fatal(err)
	}
	buf := NewBuffer()
	buf.Append(make(Row, l.FixedSize())) // a row before, to test offsets
	if err := AppendBatch(l, in, buf); err != nil {
		t.Fatal(err)
	}
	if err := AppendBatch(l, in, buf); err != nil {
		t.Fatal(err)
	}
	n := int(in.NumRows())
	if buf.Len() != 1+2*n {
		t.Fatalf("buffer has %d rows, want %d", buf.Len(), 1+2*n)
	}
	for _, from := range []int{1, 1 + n} {
		out, err := BufferToBatch(mem, l, buf, from, from+n)
		if err != nil {
			t.Fatal(err)
		}
		check(t, in, out)
		out.Release()
	}
	bb := NewBatchBuilder(mem, l)
	defer bb.Release()
	for round := 0; round < 2; round++ {
		for i := 0; i < n; i++ {
			bb.Append(buf.Row(1 + n + i))
		}
		if bb.Len() != n {
			t.Fatalf("builder has %d rows, want %d", bb.Len(), n)
		}
		out, err := bb.Build()
		if err != nil {
			t.Fatal(err)
		}
		check(t, in, out)
		out.Release()
		if bb.Len() != 0 {
			t.Fatalf("builder has %d rows after Build", bb.Len())
		}
	}
}

func check(t *testing.T, want, got arrow.RecordBatch) {
	t.Helper()
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		t.Fatalf("got %dx%d, want %dx%d", got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	for j := range want.Columns() {
		assertSameArrays(t, fmt.Sprintf("column %d (%s)", j, want.Schema().Field(j).Type), want.Column(j), got.Column(j))
	}
}

// TestNullsWithData checks NULL entries whose offsets span bytes (valid
// Arrow) convert as NULLs with no data.
func TestNullsWithData(t *testing.T) {
	mem := checkedMem(t)
	valid := memory.NewBufferBytes([]byte{0b110})
	offs := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes([]int32{0, 3, 6, 6}))
	raw := memory.NewBufferBytes([]byte("abcdef"))
	d := array.NewData(columnar.String, 3, []*memory.Buffer{valid, offs, raw}, nil, 1, 0)
	defer d.Release()
	str := array.MakeFromData(d)
	defer str.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: columnar.String, Nullable: true}}, nil)
	in := array.NewRecordBatch(schema, []arrow.Array{str}, 3)
	defer in.Release()
	l, err := NewLayout(schema)
	if err != nil {
		t.Fatal(err)
	}
	buf := NewBuffer()
	if err := AppendBatch(l, in, buf); err != nil {
		t.Fatal(err)
	}
	if got := len(buf.Row(0)); got != l.FixedSize() {
		t.Errorf("NULL row has %d bytes, want %d", got, l.FixedSize())
	}
	out, err := BufferToBatch(mem, l, buf, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if got := out.Column(0).String(); got != `[(null) "def" ""]` {
		t.Errorf("got %s", got)
	}
}
