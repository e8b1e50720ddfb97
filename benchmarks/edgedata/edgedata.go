// Package edgedata generates a small Parquet table of edge values, the
// complement of TPC-H (whose columns are all REQUIRED and whose values stay in
// tame ranges) for correctness tests: every column but the key is nullable,
// with about a fifth of NULLs, and each holds the extreme and awkward values of
// its type.
//
// # The table
//
// Generate writes the table "edge" as the directory <dir>/edge holding
// part-00000.parquet (ids 0..499, Snappy) and part-00001.parquet (ids
// 500..999, Zstandard), each of two row groups of 250 rows. Rows are in id
// order. The columns, in order:
//
//	id   BIGINT         REQUIRED, 0..999, unique
//	grp  INT            id % 5, but NULL when id % 10 == 9 (so group 4 has half
//	                    the rows of the others): a grouping key with NULLs
//	b    BOOLEAN        true / false / NULL
//	i    INT            math.MinInt32, math.MaxInt32, 0, -1, 1, others in
//	                    [-1000000, 1000000]
//	l    BIGINT         math.MinInt64, math.MaxInt64, 0, -1, 1, others in
//	                    [-10^12, 10^12]
//	d    DOUBLE         0, 1e300, -1e300, 1e-300, 5e-324 (the smallest
//	                    subnormal), 0.1, 2.5, -2.5, 0.5, 1/3, others multiples
//	                    of 0.001 in [-10^6, 10^6]; no NaN, no infinity, no -0.0
//	n    BIGINT         small values in [-50, 50]; NULL on every row of group
//	                    3 (grp = 3), so that group's aggregates of n see only
//	                    NULLs
//	dec  DECIMAL(15,2)  +-9999999999999.99 (the type's limits), +-0.01, 0,
//	                    +-0.05, +-2.50, others in [-10^8, 10^8]
//	big  DECIMAL(38,10) +-9999999999999999999999999999.9999999999 (the limits),
//	                    +-0.0000000001, 12345678901234567890.0123456789, others
//	                    in [-10^15, 10^15]
//	s    STRING         the empty string, leading / trailing / inner spaces,
//	                    multi-byte UTF-8 (é, ü, 日本語, an emoji), '%', '_',
//	                    quotes, a backslash, mixed case; others "item-<k>" and
//	                    "Item_<k>" for k in 0..36 (repeats, for grouping)
//	bin  BINARY         empty, 0x00, 0xFF00, others the id's bytes
//	dt   DATE           0001-01-01, 1582-10-04, 1582-10-15, 1900-02-28,
//	                    1900-03-01, 1969-12-31, 1970-01-01, 2000-02-29,
//	                    2023-01-31, 2024-02-29, 2024-12-31, 9999-12-31, others
//	                    in 1950..2049
//	ts   TIMESTAMP      microseconds, stored as INT64 TIMESTAMP(MICROS,
//	                    isAdjustedToUTC=true): 1900-01-01 00:00:00,
//	                    1969-12-31 23:59:59.999999, 1970-01-01 00:00:00,
//	                    2000-02-29 12:34:56.789, 2024-12-31 23:59:59.5,
//	                    9999-12-31 23:59:59.999999, others in 1950..2049
//
// The special values sit at fixed ids (never NULL); every other value and
// every NULL is a pure function of the column and the id, so the files are the
// same bytes on every run.
package edgedata

import (
	"bufio"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// TableName is the name of the table Generate writes (the directory under
// the target).
const TableName = "edge"

// Rows is the number of rows of the table.
const Rows = 1000

const (
	numFiles         = 2
	rowGroupsPerFile = 2
)

// Column positions, in file and schema order.
const (
	colID = iota
	colGrp
	colB
	colI
	colL
	colD
	colN
	colDec
	colBig
	colS
	colBin
	colDt
	colTs
	numCols
)

// edgeSchema gives the Parquet schema (the writer is fed parquet.Rows built
// by hand; the struct only fixes column order, types and annotations).
type edgeSchema struct {
	ID  int64     `parquet:"id"`
	Grp *int32    `parquet:"grp,optional"`
	B   *bool     `parquet:"b,optional"`
	I   *int32    `parquet:"i,optional"`
	L   *int64    `parquet:"l,optional"`
	D   *float64  `parquet:"d,optional"`
	N   *int64    `parquet:"n,optional"`
	Dec *int64    `parquet:"dec,decimal(2:15)"`
	Big *[16]byte `parquet:"big,decimal(10:38)"`
	S   *string   `parquet:"s,optional,dict"`
	Bin []byte    `parquet:"bin,optional,bytes"`
	Dt  *int32    `parquet:"dt,date"`
	Ts  *int64    `parquet:"ts,timestamp(microsecond:utc)"`
}

// Schema returns the table's columns as an Arrow schema in gluten-go's type
// system, as a reader of the files reports them.
func Schema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "grp", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "l", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "d", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
		{Name: "big", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
}

// Generate writes the edge table into dir/edge (see the package
// documentation), creating the directories as needed and replacing files of
// an earlier run. Each file is written under a temporary name and renamed
// into place when complete.
func Generate(dir string) error {
	if dir == "" {
		return fmt.Errorf("edgedata: empty target directory")
	}
	out := filepath.Join(dir, TableName)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("edgedata: %w", err)
	}
	schema := parquet.SchemaOf(new(edgeSchema))
	codecs := [numFiles]compress.Codec{&snappy.Codec{}, &zstd.Codec{Level: zstd.SpeedDefault}}
	perFile := Rows / numFiles
	for f := range numFiles {
		path := filepath.Join(out, fmt.Sprintf("part-%05d.parquet", f))
		if err := writeFile(path, schema, codecs[f], f*perFile, (f+1)*perFile); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes the rows [from, to) into path.
func writeFile(path string, schema *parquet.Schema, codec compress.Codec, from, to int) (err error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("edgedata: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	buf := bufio.NewWriter(f)
	w := parquet.NewWriter(buf, schema,
		parquet.Compression(codec),
		parquet.CreatedBy("gluten-go edgedata", "1", ""),
	)
	perGroup := (to - from) / rowGroupsPerFile
	rows := make([]parquet.Row, 0, perGroup)
	for start := from; start < to; start += perGroup {
		rows = rows[:0]
		for id := start; id < min(start+perGroup, to); id++ {
			rows = append(rows, makeRow(id))
		}
		if _, err := w.WriteRows(rows); err != nil {
			return fmt.Errorf("edgedata: writing %s: %w", path, err)
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("edgedata: writing %s: %w", path, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("edgedata: closing %s: %w", path, err)
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("edgedata: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("edgedata: closing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("edgedata: %w", err)
	}
	return nil
}

// rnd returns a pseudo-random 64-bit value for (column, id, salt): the
// SplitMix64 finalizer over a mix of the three.
func rnd(col, id, salt int) uint64 {
	z := uint64(id)*0x9E3779B97F4A7C15 + uint64(col)*0xBF58476D1CE4E5B9 + uint64(salt)*0x94D049BB133111EB + 0x2545F4914F6CDD1D
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// between returns a pseudo-random integer in [lo, hi].
func between(col, id, salt int, lo, hi int64) int64 {
	return lo + int64(rnd(col, id, salt)%uint64(hi-lo+1))
}

// special returns the index of the special value of column col placed at
// id, or -1. Specials of a column sit at ids 7 + 53*k + col (all distinct and
// below 1000 for k < 18).
func special(col, id, count int) int {
	k := id - 7 - col
	if k < 0 || k%53 != 0 || k/53 >= count {
		return -1
	}
	return k / 53
}

// isNull reports whether the generated value of column col at id is NULL
// (about one in five, independently per column).
func isNull(col, id int) bool { return rnd(col, id, 1)%5 == 0 }

var (
	specialI   = []int32{math.MinInt32, math.MaxInt32, 0, -1, 1}
	specialL   = []int64{math.MinInt64, math.MaxInt64, 0, -1, 1}
	specialD   = []float64{0, 1e300, -1e300, 1e-300, 5e-324, 0.1, 2.5, -2.5, 0.5, 1.0 / 3}
	specialDec = []int64{999999999999999, -999999999999999, 1, -1, 0, 5, -5, 250, -250}
	specialBig = []string{
		"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999",
		"1", "-1", "123456789012345678900123456789",
	}
	specialS = []string{
		"", " ", " lead", "trail ", "  both  ", "in ner", "héllo", "ÜBER", "日本語", "emoji 😀!",
		"100%", "a_b", "50% off_", "it's", `quote"d`, `back\slash`, "ABC", "abc",
	}
	specialBin = [][]byte{{}, {0}, {0xFF, 0}}
	specialDt  = []string{
		"0001-01-01", "1582-10-04", "1582-10-15", "1900-02-28", "1900-03-01", "1969-12-31",
		"1970-01-01", "2000-02-29", "2023-01-31", "2024-02-29", "2024-12-31", "9999-12-31",
	}
	specialTs = []string{
		"1900-01-01 00:00:00", "1969-12-31 23:59:59.999999", "1970-01-01 00:00:00",
		"2000-02-29 12:34:56.789", "2024-12-31 23:59:59.5", "9999-12-31 23:59:59.999999",
	}
)

var (
	bigRange  = mustBig("2" + strings.Repeat("0", 24) + "1") // 2*10^25 + 1
	bigOffset = mustBig("1" + strings.Repeat("0", 25))       // 10^25
)

const (
	day1950 = -7305 // 1950-01-01 in days since the epoch
	day2050 = 29220 // 2050-01-01
)

// grp returns the grouping key of id and whether it is non-NULL.
func grp(id int) (int32, bool) {
	if id%10 == 9 {
		return 0, false
	}
	return int32(id % 5), true
}

// makeRow builds the Parquet row of id. Definition level 1 marks a present
// value of an optional column, 0 a NULL.
func makeRow(id int) parquet.Row {
	row := make(parquet.Row, numCols)
	row[colID] = parquet.Int64Value(int64(id)).Level(0, 0, colID)
	set := func(col int, v parquet.Value, present bool) {
		if present {
			row[col] = v.Level(0, 1, col)
		} else {
			row[col] = parquet.NullValue().Level(0, 0, col)
		}
	}
	present := func(col, nspecial int) (int, bool) {
		k := special(col, id, nspecial)
		return k, k >= 0 || !isNull(col, id)
	}

	g, hasGrp := grp(id)
	set(colGrp, parquet.Int32Value(g), hasGrp)

	_, ok := present(colB, 0)
	set(colB, parquet.BooleanValue(rnd(colB, id, 2)&1 == 1), ok)

	if k, ok := present(colI, len(specialI)); k >= 0 {
		set(colI, parquet.Int32Value(specialI[k]), true)
	} else {
		set(colI, parquet.Int32Value(int32(between(colI, id, 2, -1000000, 1000000))), ok)
	}

	if k, ok := present(colL, len(specialL)); k >= 0 {
		set(colL, parquet.Int64Value(specialL[k]), true)
	} else {
		set(colL, parquet.Int64Value(between(colL, id, 2, -1e12, 1e12)), ok)
	}

	if k, ok := present(colD, len(specialD)); k >= 0 {
		set(colD, parquet.DoubleValue(specialD[k]), true)
	} else {
		v := float64(between(colD, id, 2, -1e9, 1e9)) / 1000
		if v == 0 {
			v = 1 // keep -0.0 impossible and 0 special
		}
		set(colD, parquet.DoubleValue(v), ok)
	}

	_, ok = present(colN, 0)
	set(colN, parquet.Int64Value(between(colN, id, 2, -50, 50)), ok && !(hasGrp && g == 3))

	if k, ok := present(colDec, len(specialDec)); k >= 0 {
		set(colDec, parquet.Int64Value(specialDec[k]), true)
	} else {
		set(colDec, parquet.Int64Value(between(colDec, id, 2, -1e10, 1e10)), ok)
	}

	if k, ok := present(colBig, len(specialBig)); k >= 0 {
		set(colBig, fixedDecimal(mustBig(specialBig[k])), true)
	} else {
		// An unscaled value in [-10^25, 10^25] is a value in [-10^15, 10^15].
		v := new(big.Int).SetUint64(rnd(colBig, id, 2))
		v.Mul(v, new(big.Int).SetUint64(rnd(colBig, id, 3)>>8))
		v.Mod(v, bigRange)
		v.Sub(v, bigOffset)
		set(colBig, fixedDecimal(v), ok)
	}

	if k, ok := present(colS, len(specialS)); k >= 0 {
		set(colS, parquet.ByteArrayValue([]byte(specialS[k])), true)
	} else {
		form := "item-%d"
		if rnd(colS, id, 3)&1 == 1 {
			form = "Item_%d"
		}
		set(colS, parquet.ByteArrayValue(fmt.Appendf(nil, form, rnd(colS, id, 2)%37)), ok)
	}

	if k, ok := present(colBin, len(specialBin)); k >= 0 {
		set(colBin, parquet.ByteArrayValue(specialBin[k]), true)
	} else {
		set(colBin, parquet.ByteArrayValue([]byte{byte(id >> 8), byte(id)}), ok)
	}

	if k, ok := present(colDt, len(specialDt)); k >= 0 {
		set(colDt, parquet.Int32Value(mustDate(specialDt[k])), true)
	} else {
		set(colDt, parquet.Int32Value(int32(between(colDt, id, 2, day1950, day2050-1))), ok)
	}

	if k, ok := present(colTs, len(specialTs)); k >= 0 {
		set(colTs, parquet.Int64Value(mustTimestamp(specialTs[k])), true)
	} else {
		us := between(colTs, id, 2, day1950*86400e6, day2050*86400e6-1)
		if rnd(colTs, id, 3)&3 == 0 {
			us -= us % 1e6 // a quarter of whole seconds
		}
		set(colTs, parquet.Int64Value(us), ok)
	}
	return row
}

// fixedDecimal encodes v as the 16-byte big-endian two's complement of a
// FIXED_LEN_BYTE_ARRAY(16) DECIMAL.
func fixedDecimal(v *big.Int) parquet.Value {
	var b [16]byte
	m := new(big.Int).Set(v)
	if m.Sign() < 0 {
		m.Add(m, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	m.FillBytes(b[:])
	return parquet.FixedLenByteArrayValue(b[:])
}

func mustBig(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("edgedata: bad constant " + s)
	}
	return v
}

func mustDate(s string) int32 {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic("edgedata: bad constant " + s)
	}
	return int32(t.Unix() / 86400)
}

func mustTimestamp(s string) int64 {
	t, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic("edgedata: bad constant " + s)
	}
	return t.UnixMicro()
}
