package shuffle

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/gluten-go/gluten-go/columnar"
	"github.com/gluten-go/gluten-go/columnar/sorting"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// allTypesSchema has a column of every gluten-go type (and ARRAYs), the
// first an int64 row id.
var allTypesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: false},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "l", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "d", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
	{Name: "dec38", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ts", Type: columnar.Timestamp, Nullable: true},
	{Name: "n", Type: arrow.Null, Nullable: true},
	{Name: "ls", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "li", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
}, nil)

// randomBatch returns a batch of allTypesSchema of rows rows with ids from
// firstID, NULLs at rate nullRate (0 for none), and keys in [0, keyRange).
// When slice is set the batch is a slice (non-zero offsets) of a larger one.
func randomBatch(mem memory.Allocator, rng *rand.Rand, firstID int64, rows int, nullRate float64, keyRange int, slice bool) arrow.RecordBatch {
	pad := 0
	if slice {
		pad = 3
	}
	b := array.NewRecordBuilder(mem, allTypesSchema)
	defer b.Release()
	null := func() bool { return nullRate > 0 && rng.Float64() < nullRate }
	total := rows + 2*pad
	for r := 0; r < total; r++ {
		b.Field(0).(*array.Int64Builder).Append(firstID + int64(r-pad))
		for c := 1; c < len(allTypesSchema.Fields()); c++ {
			fb := b.Field(c)
			if c == 11 {
				fb.AppendNull()
				continue
			}
			if null() {
				fb.AppendNull()
				continue
			}
			k := rng.IntN(keyRange)
			switch x := fb.(type) {
			case *array.BooleanBuilder:
				x.Append(k%2 == 0)
			case *array.Int32Builder:
				x.Append(int32(k) - int32(keyRange/2))
			case *array.Int64Builder:
				x.Append(int64(k) * 1000003)
			case *array.Float64Builder:
				x.Append(float64(k) / 7)
			case *array.Decimal128Builder:
				if c == 6 {
					x.Append(decimal128.New(int64(k)-5, uint64(k)*0x9E3779B97F4A7C15))
				} else {
					x.Append(decimal128.FromI64(int64(k) * 101))
				}
			case *array.StringBuilder:
				x.Append(fmt.Sprintf("str-%d-%s", k, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"[:k%33]))
			case *array.BinaryBuilder:
				x.Append([]byte{byte(k), byte(k >> 8), 0, 255}[:k%5])
			case *array.Date32Builder:
				x.Append(arrow.Date32(k))
			case *array.TimestampBuilder:
				x.Append(arrow.Timestamp(int64(k) * 1_000_000))
			case *array.ListBuilder:
				x.Append(true)
				for e := 0; e < k%4; e++ {
					switch vb := x.ValueBuilder().(type) {
					case *array.StringBuilder:
						if e == 1 {
							vb.AppendNull()
						} else {
							vb.Append(fmt.Sprintf("e%d", k+e))
						}
					case *array.Int64Builder:
						vb.Append(int64(k * e))
					}
				}
			}
		}
	}
	full := b.NewRecordBatch()
	if !slice {
		return full
	}
	defer full.Release()
	return full.NewSlice(int64(pad), int64(pad+rows))
}

// rowRef is a row of a batch.
type rowRef struct {
	b arrow.RecordBatch
	i int
}

// indexByID maps each row's id (column 0) to the row.
func indexByID(batches []arrow.RecordBatch) map[int64]rowRef {
	m := map[int64]rowRef{}
	for _, b := range batches {
		ids := b.Column(0).(*array.Int64)
		for i := 0; i < int(b.NumRows()); i++ {
			m[ids.Value(i)] = rowRef{b, i}
		}
	}
	return m
}

// sameRow reports which column differs between two rows ("" if none).
func sameRow(a, b rowRef) string {
	for c := 0; c < int(a.b.NumCols()); c++ {
		if !array.SliceEqual(a.b.Column(c), int64(a.i), int64(a.i+1), b.b.Column(c), int64(b.i), int64(b.i+1)) {
			return a.b.Schema().Field(c).Name
		}
	}
	return ""
}

// readAll reads partitions [start, end) and returns the batches.
func readAll(t *testing.T, mem memory.Allocator, statuses []MapStatus, start, end int, batchSize int) []arrow.RecordBatch {
	t.Helper()
	r, err := NewReader(statuses, start, end, ReaderOptions{Schema: allTypesSchema, Alloc: mem, BatchSize: batchSize})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []arrow.RecordBatch
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			releaseBatches(out)
			t.Fatal(err)
		}
		for i, c := range b.Columns() {
			if c.Len() != int(b.NumRows()) {
				t.Errorf("column %d: %d values in a batch of %d rows", i, c.Len(), b.NumRows())
			}
			if err := validateArray(c); err != nil {
				t.Errorf("column %d: invalid array read: %v", i, err)
			}
		}
		out = append(out, b)
	}
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// dirEntries returns the names of the files in dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// validateArray checks an array's buffers against its length (arrow-go's
// full validation).
func validateArray(a arrow.Array) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	if v, ok := a.(interface{ ValidateFull() error }); ok {
		return v.ValidateFull()
	}
	return nil
}

func rangeKeysOn(col int) []sorting.SortKey { return []sorting.SortKey{{Column: col}} }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
