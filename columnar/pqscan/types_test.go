package pqscan

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/gluten-go/gluten-go/columnar"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding"
)

// typeSpec is one Parquet type written by the unit tests, with the Arrow
// type it must read as and the encodings to try.
type typeSpec struct {
	name  string
	node  parquet.Node
	arrow arrow.DataType
	val   func(i int) (parquet.Value, any)
	encs  []encoding.Encoding
}

var (
	encPlain = &parquet.Plain
	encDict  = &parquet.RLEDictionary
	encDelta = &parquet.DeltaBinaryPacked
	encDLBA  = &parquet.DeltaLengthByteArray
	encDBA   = &parquet.DeltaByteArray
	encBSS   = &parquet.ByteStreamSplit
	encRLE   = &parquet.RLE
)

// decNum builds the expected decimal of an int64.
func decNum(v int64) decimal128.Num { return decimal128.FromI64(v) }

// bigEndian returns v as a big-endian two's complement of size bytes.
func bigEndian(v *big.Int, size int) []byte {
	out := make([]byte, size)
	b := new(big.Int).Set(v)
	if b.Sign() < 0 {
		b.Add(b, new(big.Int).Lsh(big.NewInt(1), uint(8*size)))
	}
	b.FillBytes(out)
	return out
}

// minimalBigEndian returns v as the shortest big-endian two's complement.
func minimalBigEndian(v int64) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(v))
	for len(b) > 1 && ((b[0] == 0 && b[1]&0x80 == 0) || (b[0] == 0xff && b[1]&0x80 != 0)) {
		b = b[1:]
	}
	return b
}

func typeSpecs() []typeSpec {
	str := func(i int) string { return fmt.Sprintf("v%04d-%s", (i*7)%500, strings.Repeat("x", i%17)) }
	return []typeSpec{
		{"bool", parquet.Leaf(parquet.BooleanType), columnar.Boolean, func(i int) (parquet.Value, any) {
			v := i%3 == 0 || (i/50)%2 == 0
			return parquet.BooleanValue(v), v
		}, []encoding.Encoding{encPlain, encRLE}},
		{"int32", parquet.Leaf(parquet.Int32Type), columnar.Int32, func(i int) (parquet.Value, any) {
			v := int32(i*7919 - 50000)
			if i%997 == 0 {
				v = math.MinInt32
			}
			return parquet.Int32Value(v), v
		}, []encoding.Encoding{encPlain, encDict, encDelta, encBSS}},
		{"int8", parquet.Int(8), columnar.Int32, func(i int) (parquet.Value, any) {
			v := int32(int8(i * 13))
			return parquet.Int32Value(v), v
		}, []encoding.Encoding{encPlain, encDict}},
		{"int16", parquet.Int(16), columnar.Int32, func(i int) (parquet.Value, any) {
			v := int32(int16(i * 1237))
			return parquet.Int32Value(v), v
		}, []encoding.Encoding{encPlain, encDelta}},
		{"uint8", parquet.Uint(8), columnar.Int32, func(i int) (parquet.Value, any) {
			v := int32(i % 256)
			return parquet.Int32Value(v), v
		}, []encoding.Encoding{encPlain, encDict}},
		{"uint16", parquet.Uint(16), columnar.Int32, func(i int) (parquet.Value, any) {
			v := int32((i * 331) % 65536)
			return parquet.Int32Value(v), v
		}, []encoding.Encoding{encPlain}},
		{"uint32", parquet.Uint(32), columnar.Int64, func(i int) (parquet.Value, any) {
			u := uint32(i) * 2654435761
			return parquet.Int32Value(int32(u)), int64(u)
		}, []encoding.Encoding{encPlain, encDict}},
		{"int64", parquet.Leaf(parquet.Int64Type), columnar.Int64, func(i int) (parquet.Value, any) {
			v := int64(i)*1_000_000_007 - 1_500_000_000_000
			if i%991 == 0 {
				v = math.MaxInt64
			}
			return parquet.Int64Value(v), v
		}, []encoding.Encoding{encPlain, encDict, encDelta, encBSS}},
		{"uint64", parquet.Uint(64), columnar.Decimal(20, 0), func(i int) (parquet.Value, any) {
			u := uint64(i) * 0x9E3779B97F4A7C15
			return parquet.Int64Value(int64(u)), decimal128.New(0, u)
		}, []encoding.Encoding{encPlain}},
		{"float", parquet.Leaf(parquet.FloatType), columnar.Float64, func(i int) (parquet.Value, any) {
			f := float32(i)*1.25 - 700
			switch i % 211 {
			case 7:
				f = float32(math.NaN())
			case 8:
				f = float32(math.Inf(-1))
			}
			return parquet.FloatValue(f), math.Float64bits(float64(f))
		}, []encoding.Encoding{encPlain, encDict, encBSS}},
		{"double", parquet.Leaf(parquet.DoubleType), columnar.Float64, func(i int) (parquet.Value, any) {
			f := float64(i)*math.Pi - 1e6
			if i%199 == 3 {
				f = math.Copysign(0, -1)
			}
			return parquet.DoubleValue(f), math.Float64bits(f)
		}, []encoding.Encoding{encPlain, encDict, encBSS}},
		{"string", parquet.String(), columnar.String, func(i int) (parquet.Value, any) {
			s := str(i)
			if i%101 == 0 {
				s = ""
			}
			return parquet.ByteArrayValue([]byte(s)), s
		}, []encoding.Encoding{encPlain, encDict, encDLBA, encDBA}},
		{"binary", parquet.Leaf(parquet.ByteArrayType), columnar.Binary, func(i int) (parquet.Value, any) {
			b := []byte{byte(i), 0, byte(i >> 8), 0xff}[:i%5]
			return parquet.ByteArrayValue(b), "b:" + string(b)
		}, []encoding.Encoding{encPlain, encDict, encDBA}},
		{"flba", parquet.Leaf(parquet.FixedLenByteArrayType(5)), columnar.Binary, func(i int) (parquet.Value, any) {
			b := []byte{byte(i), byte(i >> 8), 0, 0xee, byte(i % 7)}
			return parquet.FixedLenByteArrayValue(b), "b:" + string(b)
		}, []encoding.Encoding{encPlain, encDict, encBSS}},
		{"uuid", parquet.UUID(), columnar.Binary, func(i int) (parquet.Value, any) {
			b := make([]byte, 16)
			binary.LittleEndian.PutUint64(b, uint64(i)*0x51ed2701)
			return parquet.FixedLenByteArrayValue(b), "b:" + string(b)
		}, []encoding.Encoding{encPlain}},
		{"date", parquet.Date(), columnar.Date, func(i int) (parquet.Value, any) {
			v := int32(i*3 - 5000)
			return parquet.Int32Value(v), v
		}, []encoding.Encoding{encPlain, encDict}},
		{"ts_millis", parquet.Timestamp(parquet.Millisecond), columnar.Timestamp, func(i int) (parquet.Value, any) {
			v := int64(i)*86_400_123 - 10_000_000_000
			return parquet.Int64Value(v), v * 1000
		}, []encoding.Encoding{encPlain, encDelta}},
		{"ts_micros", parquet.Timestamp(parquet.Microsecond), columnar.Timestamp, func(i int) (parquet.Value, any) {
			v := int64(i)*86_400_123_457 - 10_000_000_000_000
			return parquet.Int64Value(v), v
		}, []encoding.Encoding{encPlain, encDict}},
		{"ts_nanos", parquet.TimestampAdjusted(parquet.Nanosecond, false), columnar.Timestamp, func(i int) (parquet.Value, any) {
			v := int64(i)*86_400_123_456_789 - 10_000_000_000_000_001
			return parquet.Int64Value(v), floorDiv1000(v)
		}, []encoding.Encoding{encPlain}},
		{"time_millis", parquet.Time(parquet.Millisecond), columnar.Int64, func(i int) (parquet.Value, any) {
			v := int32(i*1000+i%1000) % 86_400_000
			return parquet.Int32Value(v), int64(v) * 1000
		}, []encoding.Encoding{encPlain}},
		{"time_micros", parquet.Time(parquet.Microsecond), columnar.Int64, func(i int) (parquet.Value, any) {
			v := int64(i) * 1_000_003 % 86_400_000_000
			return parquet.Int64Value(v), v
		}, []encoding.Encoding{encPlain}},
		{"time_nanos", parquet.Time(parquet.Nanosecond), columnar.Int64, func(i int) (parquet.Value, any) {
			v := int64(i) * 1_000_003_007 % 86_400_000_000_000
			return parquet.Int64Value(v), floorDiv1000(v)
		}, []encoding.Encoding{encPlain}},
		{"dec_int32", parquet.Decimal(2, 9, parquet.Int32Type), columnar.Decimal(9, 2), func(i int) (parquet.Value, any) {
			v := int32(i*12345 - 99_999_999)
			return parquet.Int32Value(v), decNum(int64(v))
		}, []encoding.Encoding{encPlain, encDict}},
		{"dec_int64", parquet.Decimal(2, 15, parquet.Int64Type), columnar.Decimal(15, 2), func(i int) (parquet.Value, any) {
			v := int64(i)*123_456_789 - 999_999_999_999
			return parquet.Int64Value(v), decNum(v)
		}, []encoding.Encoding{encPlain, encDict, encDelta}},
		{"dec_flba", parquet.Decimal(3, 30, parquet.FixedLenByteArrayType(13)), columnar.Decimal(30, 3), func(i int) (parquet.Value, any) {
			v := new(big.Int).Mul(big.NewInt(int64(i)-1500), new(big.Int).Exp(big.NewInt(10), big.NewInt(25), nil))
			v.Add(v, big.NewInt(int64(i)))
			return parquet.FixedLenByteArrayValue(bigEndian(v, 13)), decimal128.FromBigInt(v)
		}, []encoding.Encoding{encPlain, encDict}},
		{"dec_bytes", parquet.Decimal(2, 18, parquet.ByteArrayType), columnar.Decimal(18, 2), func(i int) (parquet.Value, any) {
			v := int64(i)*1_234_567_891 - 1_000_000_000_000
			return parquet.ByteArrayValue(minimalBigEndian(v)), decNum(v)
		}, []encoding.Encoding{encPlain, encDict}},
		{"int96", parquet.Leaf(parquet.Int96Type), columnar.Timestamp, func(i int) (parquet.Value, any) {
			day := int64(2440588 + i - 1000)
			nanos := int64(i) * 1_000_001_001 % (86_400 * 1_000_000_000)
			v := deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(day)}
			return parquet.Int96Value(v), (day-2440588)*86_400_000_000 + nanos/1000
		}, []encoding.Encoding{encPlain}},
		{"json", parquet.JSON(), columnar.String, func(i int) (parquet.Value, any) {
			s := fmt.Sprintf(`{"a":%d}`, i)
			return parquet.ByteArrayValue([]byte(s)), s
		}, []encoding.Encoding{encPlain}},
		{"enum", parquet.Enum(), columnar.String, func(i int) (parquet.Value, any) {
			s := []string{"RED", "GREEN", "BLUE"}[i%3]
			return parquet.ByteArrayValue([]byte(s)), s
		}, []encoding.Encoding{encDict}},
		{"bson", parquet.BSON(), columnar.Binary, func(i int) (parquet.Value, any) {
			b := []byte{5, 0, 0, 0, byte(i)}
			return parquet.ByteArrayValue(b), "b:" + string(b)
		}, []encoding.Encoding{encPlain}},
	}
}

var testCodecs = []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Gzip, &parquet.Zstd, &parquet.Lz4Raw, &parquet.Brotli}

// nullPattern makes some rows null: scattered ones, and runs long enough to
// cover whole pages.
func nullPattern(i int) bool { return i%5 == 1 || (i/400)%5 == 3 }

// matrixColumns builds one column per type, encoding and nullability, with
// codecs cycling across columns.
func matrixColumns() ([]genCol, map[string]arrow.DataType) {
	var cols []genCol
	types := map[string]arrow.DataType{}
	k := 0
	for _, ts := range typeSpecs() {
		for _, enc := range ts.encs {
			for _, opt := range []bool{false, true} {
				name := fmt.Sprintf("%s_%s_%v", ts.name, enc, opt)
				codec := testCodecs[k%len(testCodecs)]
				k++
				val := ts.val
				o := opt
				cols = append(cols, genCol{
					name: name,
					node: parquet.Compressed(parquet.Encoded(ts.node, enc), codec),
					opt:  opt,
					val: func(i int) (parquet.Value, any, bool) {
						v, want := val(i)
						return v, want, !(o && nullPattern(i))
					},
				})
				types[name] = ts.arrow
			}
		}
	}
	return cols, types
}

func TestTypesMatrix(t *testing.T) {
	cols, types := matrixColumns()
	const rows = 3000
	for _, version := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			data, want := writeParquetGo(t, cols, rows,
				parquet.DataPageVersion(version),
				parquet.PageBufferSize(1500),
				parquet.MaxRowsPerRowGroup(1250),
			)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			f := openBytes(t, data)
			defer f.Close()
			if f.NumRowGroups() != 3 || f.NumRows() != rows {
				t.Fatalf("%d row groups, %d rows; want 3, %d", f.NumRowGroups(), f.NumRows(), rows)
			}
			if len(f.Unsupported()) != 0 {
				t.Fatalf("unsupported: %v", f.Unsupported())
			}
			all := make([]int, len(f.Schema().Fields()))
			for i := range all {
				all[i] = i
			}
			for _, bs := range []struct{ batch, par int }{{333, 1}, {4096, 4}, {1, 1}} {
				if bs.batch == 1 {
					// Batches of one row are slow with 100+ columns; read a few.
					all = all[:9]
				}
				got := readAllColumns(t, f, mem, all, bs.batch, bs.par)
				for i, col := range all {
					field := f.Schema().Field(col)
					if !arrow.TypeEqual(field.Type, types[field.Name]) {
						t.Errorf("%s: type %s, want %s", field.Name, field.Type, types[field.Name])
					}
					wantNullable := strings.HasSuffix(field.Name, "_true")
					if field.Nullable != wantNullable {
						t.Errorf("%s: nullable %v", field.Name, field.Nullable)
					}
					compareValues(t, fmt.Sprintf("batch %d: %s", bs.batch, field.Name), got[i], want[field.Name])
				}
			}
		})
	}
}

// TestColumnSubsets reads columns in other orders, with repeats, and none.
func TestColumnSubsets(t *testing.T) {
	cols, _ := matrixColumns()
	data, want := writeParquetGo(t, cols, 1000, parquet.PageBufferSize(1024), parquet.MaxRowsPerRowGroup(600))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f := openBytes(t, data)
	defer f.Close()
	n := len(f.Schema().Fields())
	for _, sel := range [][]int{{n - 1, 0}, {3, 3, 1}, {n / 2}, {}, nil} {
		got := readAllColumns(t, f, mem, sel, 77, 2)
		for i, col := range sel {
			compareValues(t, fmt.Sprintf("subset %v col %d", sel, col), got[i], want[f.Schema().Field(col).Name])
		}
	}
}
