package rows

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/gluten-go/gluten-go/columnar"
)

func TestAppendBatchRejectsMismatches(t *testing.T) {
	mem := checkedMem(t)
	mk := func(types ...arrow.DataType) arrow.RecordBatch {
		fields := make([]arrow.Field, len(types))
		cols := make([]arrow.Array, len(types))
		for i, ty := range types {
			fields[i] = arrow.Field{Name: "x", Type: ty, Nullable: true}
			b := array.NewBuilder(mem, ty)
			b.AppendNull()
			cols[i] = b.NewArray()
			b.Release()
		}
		rb := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 1)
		for _, c := range cols {
			c.Release()
		}
		return rb
	}
	l := layoutOf(t, columnar.Int64, columnar.Decimal(20, 2), arrow.ListOf(columnar.String))
	cases := []struct {
		name string
		b    arrow.RecordBatch
		want string
	}{
		{"nil", nil, "nil record batch"},
		{"too few columns", mk(columnar.Int64), "batch of 1 columns for a layout of 3 fields"},
		{"int32 for int64", mk(columnar.Int32, columnar.Decimal(20, 2), arrow.ListOf(columnar.String)), "column 0 (\"f0\") is int32"},
		{"decimal scale", mk(columnar.Int64, columnar.Decimal(20, 3), arrow.ListOf(columnar.String)), "column 1"},
		{"list element", mk(columnar.Int64, columnar.Decimal(20, 2), arrow.ListOf(columnar.Binary)), "column 2"},
		{"large string", mk(columnar.Int64, columnar.Decimal(20, 2), arrow.BinaryTypes.LargeString), "column 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.b != nil {
				defer tc.b.Release()
			}
			buf := NewBuffer()
			buf.Append(make(Row, l.FixedSize()))
			err := AppendBatch(l, tc.b, buf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if buf.Len() != 1 {
				t.Fatalf("buffer has %d rows after a failed append, want 1", buf.Len())
			}
		})
	}
}

func TestBufferToBatchRejectsBadRows(t *testing.T) {
	l := layoutOf(t, columnar.Int64, columnar.String, columnar.Decimal(30, 2), arrow.ListOf(columnar.String))
	good := rowOf(l, int64(1), "abc", nil, listOf{"x"})
	corrupt := func(field int, slot uint64) Row {
		r := append(Row(nil), good...)
		binary.LittleEndian.PutUint64(r[l.slot(field):], slot)
		return r
	}
	listAt := uint64(binary.LittleEndian.Uint64(good[l.slot(3):]))
	badList := append(Row(nil), good...)
	badList[listAt>>32] = 9 // the list's count
	decRow := rowOf(l, int64(1), "abc", nil, nil)
	decRow[0] &^= 1 << 2 // mark the decimal non-NULL; its slot is 0: 0 bytes
	cases := []struct {
		name     string
		rows     []Row
		from, to int
		want     string
	}{
		{"range past the end", []Row{good}, 0, 2, "row range [0, 2) outside a buffer of 1 rows"},
		{"negative range", []Row{good}, -1, 1, "outside"},
		{"short row", []Row{good, good[:10]}, 0, 2, "row 1 has 10 bytes"},
		{"string outside the row", []Row{good, corrupt(1, uint64(len(good)-1)<<32|5)}, 0, 2, "row 1, field 1 (\"f1\")"},
		{"decimal of 0 bytes", []Row{decRow}, 0, 1, "decimal value of 0 bytes"},
		{"bad list", []Row{good, good, badList}, 1, 3, "row 2, field 3 (\"f3\"): rows: invalid list encoding"},
		{"list outside the row", []Row{corrupt(3, 1<<40)}, 0, 1, "outside a row"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedMem(t)
			buf := NewBuffer()
			for _, r := range tc.rows {
				buf.Append(r)
			}
			rb, err := BufferToBatch(mem, l, buf, tc.from, tc.to)
			if err == nil {
				rb.Release()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := BufferToBatch(nil, l, NewBuffer(), 0, 0); err == nil {
		t.Error("no error for a nil allocator")
	}
	if _, err := BufferToBatch(memory.NewGoAllocator(), l, nil, 0, 0); err == nil {
		t.Error("no error for a nil buffer")
	}
}

func TestWriterRowsToBatch(t *testing.T) {
	mem := checkedMem(t)
	l := layoutOf(t, columnar.Int32, columnar.String, columnar.Float64, arrow.ListOf(columnar.Int64), columnar.Null)
	bb := NewBatchBuilder(mem, l)
	defer bb.Release()
	bb.Append(rowOf(l, int32(-7), "héllo", 2.5, listOf{int64(1), nil}, nil))
	bb.Append(rowOf(l, nil, "", nil, listOf{}, nil))
	bb.Append(rowOf(l, int32(3), nil, -0.5, nil, nil))
	rb, err := bb.Build()
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Release()
	want := []string{
		`[-7 (null) 3]`,
		`["héllo" "" (null)]`,
		`[2.5 (null) -0.5]`,
		`[[1 (null)] [] (null)]`,
		`[(null) (null) (null)]`,
	}
	for j, w := range want {
		if got := rb.Column(j).String(); got != w {
			t.Errorf("column %d = %s, want %s", j, got, w)
		}
	}
	if rb.NumRows() != 3 || !rb.Schema().Equal(l.Schema()) {
		t.Errorf("batch of %d rows, schema %s", rb.NumRows(), rb.Schema())
	}
}
