package pqscan

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/gluten-go/gluten-go/columnar"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

func le32(v int32) []byte             { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func le64(v int64) []byte             { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
func f32b(v float32) []byte           { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) }
func f64b(v float64) []byte           { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }
func bs(b []byte) thrift.Null[[]byte] { return thrift.New(b) }

// statsFile builds a File holding one column with the given statistics, so
// that ColumnStats can be tested on exactly the footer fields a writer may
// set.
func statsFile(info columnInfo, st mStatistics, orders *[]mColumnOrder) *File {
	m := &mFileMeta{RowGroups: []mRowGroup{{Columns: []mColumnChunk{{
		MetaData: thrift.New(mColumnMeta{Statistics: thrift.New(st)}),
	}}}}}
	if orders != nil {
		m.ColumnOrders = thrift.New(*orders)
		info.typeDef = (*orders)[0].TypeDefined.Valid
	}
	info.field.Name = "c"
	info.maxDef = 1
	return &File{mirror: m, cols: []columnInfo{info}}
}

func TestColumnStatsRules(t *testing.T) {
	i32 := columnInfo{field: arrow.Field{Type: columnar.Int32}, conv: kInt32, phys: format.Int32}
	date := columnInfo{field: arrow.Field{Type: columnar.Date}, conv: kInt32, phys: format.Int32}
	u8 := columnInfo{field: arrow.Field{Type: columnar.Int32}, conv: kUint8, phys: format.Int32}
	u32 := columnInfo{field: arrow.Field{Type: columnar.Int64}, conv: kUint32, phys: format.Int32}
	i8 := columnInfo{field: arrow.Field{Type: columnar.Int32}, conv: kInt8, phys: format.Int32}
	ts := columnInfo{field: arrow.Field{Type: columnar.Timestamp}, conv: kInt64Millis, phys: format.Int64}
	tsn := columnInfo{field: arrow.Field{Type: columnar.Timestamp}, conv: kInt64Nanos, phys: format.Int64}
	dbl := columnInfo{field: arrow.Field{Type: columnar.Float64}, conv: kDouble, phys: format.Double}
	flt := columnInfo{field: arrow.Field{Type: columnar.Float64}, conv: kFloat, phys: format.Float}
	str := columnInfo{field: arrow.Field{Type: columnar.String}, conv: kByteArray, phys: format.ByteArray}
	bin := columnInfo{field: arrow.Field{Type: columnar.Binary}, conv: kByteArray, phys: format.ByteArray}
	dec := columnInfo{field: arrow.Field{Type: columnar.Decimal(9, 2)}, conv: kInt32Decimal, phys: format.Int32}
	fdec := columnInfo{field: arrow.Field{Type: columnar.Decimal(20, 2)}, conv: kFixedDecimal, phys: format.FixedLenByteArray, typeLen: 9}
	u64 := columnInfo{field: arrow.Field{Type: columnar.Decimal(20, 0)}, conv: kUint64, phys: format.Int64}
	i96 := columnInfo{field: arrow.Field{Type: columnar.Timestamp}, conv: kInt96, phys: format.Int96}
	boolc := columnInfo{field: arrow.Field{Type: columnar.Boolean}, conv: kBool, phys: format.Boolean}
	typeDefined := &[]mColumnOrder{{TypeDefined: thrift.New(mEmpty{})}}
	unknownOrder := &[]mColumnOrder{{}}

	tests := []struct {
		name      string
		info      columnInfo
		st        mStatistics
		orders    *[]mColumnOrder
		min, max  any
		has       bool
		exact     bool
		nullCount int64
		hasNulls  bool
	}{
		{"int32 typed", i32, mStatistics{MinValue: bs(le32(-5)), MaxValue: bs(le32(7)), NullCount: thrift.New(int64(3))}, nil, int32(-5), int32(7), true, true, 3, true},
		{"int32 legacy", i32, mStatistics{Min: bs(le32(-5)), Max: bs(le32(7))}, nil, int32(-5), int32(7), true, true, 0, false},
		{"typed preferred over legacy", i32, mStatistics{Min: bs(le32(-50)), Max: bs(le32(70)), MinValue: bs(le32(-5)), MaxValue: bs(le32(7))}, typeDefined, int32(-5), int32(7), true, true, 0, false},
		{"unknown column order ignores typed", i32, mStatistics{MinValue: bs(le32(-5)), MaxValue: bs(le32(7))}, unknownOrder, nil, nil, false, false, 0, false},
		{"date", date, mStatistics{MinValue: bs(le32(10)), MaxValue: bs(le32(20))}, nil, arrow.Date32(10), arrow.Date32(20), true, true, 0, false},
		{"min above max", i32, mStatistics{MinValue: bs(le32(9)), MaxValue: bs(le32(7))}, nil, nil, nil, false, false, 0, false},
		{"wrong width", i32, mStatistics{MinValue: bs(le64(1)), MaxValue: bs(le32(7))}, nil, nil, nil, false, false, 0, false},
		{"uint8 typed", u8, mStatistics{MinValue: bs(le32(3)), MaxValue: bs(le32(250))}, nil, int32(3), int32(250), true, true, 0, false},
		{"uint8 legacy ignored", u8, mStatistics{Min: bs(le32(3)), Max: bs(le32(250))}, nil, nil, nil, false, false, 0, false},
		{"uint8 out of range", u8, mStatistics{MinValue: bs(le32(3)), MaxValue: bs(le32(300))}, nil, nil, nil, false, false, 0, false},
		{"uint32 typed", u32, mStatistics{MinValue: bs(le32(1)), MaxValue: bs(le32(-1))}, nil, int64(1), int64(math.MaxUint32), true, true, 0, false},
		{"int8 out of range", i8, mStatistics{MinValue: bs(le32(-300)), MaxValue: bs(le32(5))}, nil, nil, nil, false, false, 0, false},
		{"timestamp millis", ts, mStatistics{MinValue: bs(le64(-2)), MaxValue: bs(le64(3))}, nil, arrow.Timestamp(-2000), arrow.Timestamp(3000), true, true, 0, false},
		{"timestamp millis overflow", ts, mStatistics{MinValue: bs(le64(math.MinInt64 / 10)), MaxValue: bs(le64(3))}, nil, nil, nil, false, false, 0, false},
		{"timestamp nanos floor", tsn, mStatistics{MinValue: bs(le64(-1500)), MaxValue: bs(le64(2500))}, nil, arrow.Timestamp(-2), arrow.Timestamp(2), true, true, 0, false},
		{"double", dbl, mStatistics{MinValue: bs(f64b(-1.5)), MaxValue: bs(f64b(2.5))}, nil, -1.5, 2.5, true, true, 0, false},
		{"double NaN", dbl, mStatistics{MinValue: bs(f64b(math.NaN())), MaxValue: bs(f64b(2.5))}, nil, nil, nil, false, false, 0, false},
		{"double legacy NaN", dbl, mStatistics{Min: bs(f64b(1)), Max: bs(f64b(math.NaN()))}, nil, nil, nil, false, false, 0, false},
		{"double zeros", dbl, mStatistics{MinValue: bs(f64b(0)), MaxValue: bs(f64b(math.Copysign(0, -1)))}, nil, math.Copysign(0, -1), 0.0, true, true, 0, false},
		{"float widened", flt, mStatistics{MinValue: bs(f32b(0.5)), MaxValue: bs(f32b(1.25))}, nil, 0.5, 1.25, true, true, 0, false},
		{"string typed inexact", str, mStatistics{MinValue: bs([]byte("apple")), MaxValue: bs([]byte("pear"))}, nil, "apple", "pear", true, false, 0, false},
		{"string exact flags", str, mStatistics{MinValue: bs([]byte("a")), MaxValue: bs([]byte("b")), IsMinValueExact: thrift.New(true), IsMaxValueExact: thrift.New(true)}, nil, "a", "b", true, true, 0, false},
		{"string legacy ignored", str, mStatistics{Min: bs([]byte("a")), Max: bs([]byte("b"))}, nil, nil, nil, false, false, 0, false},
		{"binary empty min", bin, mStatistics{MinValue: bs([]byte{}), MaxValue: bs([]byte{0xff})}, nil, []byte{}, []byte{0xff}, true, false, 0, false},
		{"binary unsigned order", bin, mStatistics{MinValue: bs([]byte{0xff}), MaxValue: bs([]byte{0x01})}, nil, nil, nil, false, false, 0, false},
		{"decimal int32", dec, mStatistics{MinValue: bs(le32(-150)), MaxValue: bs(le32(99))}, nil, decimal128.FromI64(-150), decimal128.FromI64(99), true, true, 0, false},
		{"decimal legacy ignored", dec, mStatistics{Min: bs(le32(-150)), Max: bs(le32(99))}, nil, nil, nil, false, false, 0, false},
		{"decimal fixed", fdec, mStatistics{MinValue: bs([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x9c}), MaxValue: bs([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0})}, nil, decimal128.FromI64(-100), decimal128.FromI64(256), true, true, 0, false},
		{"uint64", u64, mStatistics{MinValue: bs(le64(1)), MaxValue: bs(le64(-1))}, nil, decimal128.New(0, 1), decimal128.New(0, math.MaxUint64), true, true, 0, false},
		{"int96 never", i96, mStatistics{MinValue: bs(make([]byte, 12)), MaxValue: bs(make([]byte, 12))}, nil, nil, nil, false, false, 0, false},
		{"bool", boolc, mStatistics{MinValue: bs([]byte{0}), MaxValue: bs([]byte{1})}, nil, false, true, true, true, 0, false},
		{"null count only", i32, mStatistics{NullCount: thrift.New(int64(0))}, nil, nil, nil, false, false, 0, true},
		{"negative null count", i32, mStatistics{NullCount: thrift.New(int64(-1))}, nil, nil, nil, false, false, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := statsFile(tc.info, tc.st, tc.orders)
			cs := f.ColumnStats(0, 0)
			if cs.HasMinMax != tc.has {
				t.Fatalf("HasMinMax = %v, want %v (%+v)", cs.HasMinMax, tc.has, cs)
			}
			if tc.has {
				if !statEqual(cs.Min, tc.min) || !statEqual(cs.Max, tc.max) {
					t.Errorf("min/max = %#v/%#v, want %#v/%#v", cs.Min, cs.Max, tc.min, tc.max)
				}
				if cs.MinExact != tc.exact || cs.MaxExact != tc.exact {
					t.Errorf("exact = %v/%v, want %v", cs.MinExact, cs.MaxExact, tc.exact)
				}
			} else if cs.Min != nil || cs.Max != nil {
				t.Errorf("bounds set without HasMinMax: %+v", cs)
			}
			if cs.HasNullCount != tc.hasNulls || cs.NullCount != tc.nullCount {
				t.Errorf("null count = %d/%v, want %d/%v", cs.NullCount, cs.HasNullCount, tc.nullCount, tc.hasNulls)
			}
		})
	}
	// Out-of-range arguments claim nothing.
	f := statsFile(i32, mStatistics{MinValue: bs(le32(1)), MaxValue: bs(le32(2))}, nil)
	for _, rc := range [][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
		if cs := f.ColumnStats(rc[0], rc[1]); cs != (ColumnStats{}) {
			t.Errorf("ColumnStats(%d, %d) = %+v, want zero", rc[0], rc[1], cs)
		}
	}
}

func statEqual(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	}
	return a == b
}

// TestColumnStatsWritten checks the statistics of files from both writers.
func TestColumnStatsWritten(t *testing.T) {
	cols := []genCol{
		{name: "a_int", node: parquet.Leaf(parquet.Int64Type), opt: true, val: func(i int) (parquet.Value, any, bool) {
			return parquet.Int64Value(int64(i) - 10), nil, i%4 != 0
		}},
		{name: "b_str", node: parquet.String(), val: func(i int) (parquet.Value, any, bool) {
			return parquet.ByteArrayValue([]byte{'k', byte('a' + i%26)}), nil, true
		}},
		{name: "c_date", node: parquet.Date(), val: func(i int) (parquet.Value, any, bool) {
			return parquet.Int32Value(int32(100 + i)), nil, true
		}},
	}
	data, _ := writeParquetGo(t, cols, 100, parquet.MaxRowsPerRowGroup(50))
	f := openBytes(t, data)
	defer f.Close()
	want := []struct {
		col      string
		rg       int
		min, max any
		nulls    int64
	}{
		{"a_int", 0, int64(-9), int64(39), 13},
		{"a_int", 1, int64(40), int64(89), 12},
		{"b_str", 0, "ka", "kz", 0},
		{"c_date", 1, arrow.Date32(150), arrow.Date32(199), 0},
	}
	for _, w := range want {
		cs := f.ColumnStats(w.rg, f.ColumnIndex(w.col))
		if !cs.HasMinMax || !statEqual(cs.Min, w.min) || !statEqual(cs.Max, w.max) {
			t.Errorf("%s rg %d: %+v, want [%v, %v]", w.col, w.rg, cs, w.min, w.max)
		}
		if !cs.HasNullCount || cs.NullCount != w.nulls {
			t.Errorf("%s rg %d: null count %d/%v, want %d", w.col, w.rg, cs.NullCount, cs.HasNullCount, w.nulls)
		}
	}

	// arrow-go: decimals as FIXED_LEN_BYTE_ARRAY, and a double with NaN.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 20, Scale: 2})
	fb := array.NewFloat64Builder(mem)
	for _, v := range []int64{-12345, 5, 99999} {
		db.Append(decimal128.FromI64(v))
	}
	fb.AppendValues([]float64{1.5, math.NaN(), -3}, nil)
	da, fa := db.NewArray(), fb.NewArray()
	db.Release()
	fb.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{
		{Name: "d", Type: da.DataType()}, {Name: "f", Type: fa.DataType()}}, nil), []arrow.Array{da, fa}, 3)
	da.Release()
	fa.Release()
	g := openBytes(t, writeArrow(t, rec, pq.WithStats(true)))
	rec.Release()
	defer g.Close()
	cs := g.ColumnStats(0, 0)
	if !cs.HasMinMax || cs.Min != decimal128.FromI64(-12345) || cs.Max != decimal128.FromI64(99999) {
		t.Errorf("decimal stats %+v", cs)
	}
	// arrow-go leaves NaN out of the bounds.
	cs = g.ColumnStats(0, 1)
	if !cs.HasMinMax || cs.Min != -3.0 || cs.Max != 1.5 {
		t.Errorf("double stats with NaN: %+v", cs)
	}
}
