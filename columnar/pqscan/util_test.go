package pqscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/gluten-go/gluten-go/columnar"
)

// canon returns element i of arr as a comparable Go value in gluten-go's
// representation, whatever the Arrow type (ours or pqarrow's): nil for null,
// int32, int64, float64 (as bits, so that NaN compares equal), decimal128.Num,
// string, []byte as string with a "b:" prefix, bool.
func canon(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int32(a.Value(i))
	case *array.Int16:
		return int32(a.Value(i))
	case *array.Int32:
		return a.Value(i)
	case *array.Uint8:
		return int32(a.Value(i))
	case *array.Uint16:
		return int32(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint64:
		return decimal128.New(0, a.Value(i))
	case *array.Float16:
		return math.Float64bits(float64(a.Value(i).Float32()))
	case *array.Float32:
		return math.Float64bits(float64(a.Value(i)))
	case *array.Float64:
		return math.Float64bits(a.Value(i))
	case *array.Decimal128:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return "b:" + string(a.Value(i))
	case *array.FixedSizeBinary:
		return "b:" + string(a.Value(i))
	case *array.Date32:
		return int32(a.Value(i))
	case *array.Timestamp:
		v := int64(a.Value(i))
		switch a.DataType().(*arrow.TimestampType).Unit {
		case arrow.Second:
			return v * 1000000
		case arrow.Millisecond:
			return v * 1000
		case arrow.Nanosecond:
			return floorDiv1000(v)
		}
		return v
	case *array.Time32:
		v := int64(a.Value(i))
		if a.DataType().(*arrow.Time32Type).Unit == arrow.Millisecond {
			return v * 1000
		}
		return v * 1000000
	case *array.Time64:
		v := int64(a.Value(i))
		if a.DataType().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			return floorDiv1000(v)
		}
		return v
	case *array.Dictionary:
		return canon(a.Dictionary(), a.GetValueIndex(i))
	case array.ExtensionArray:
		return canon(a.Storage(), i)
	}
	panic(fmt.Sprintf("canon: unhandled array type %s", arr.DataType()))
}

// columnValues reads column col of row group rg with our reader, in batches
// of batchSize, and returns its canonical values.
func columnValues(t *testing.T, f *File, alloc memory.Allocator, rg, col, batchSize int) ([]any, error) {
	t.Helper()
	r, err := f.ReadRowGroup(context.Background(), alloc, rg, []int{col}, batchSize)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []any
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if rec.NumRows() > int64(batchSize) {
			t.Errorf("batch of %d rows, batch size %d", rec.NumRows(), batchSize)
		}
		if err := checkArray(rec.Column(0), f.Schema().Field(col)); err != nil {
			t.Errorf("%s rg %d col %d: %v", f.Name(), rg, col, err)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			out = append(out, canon(rec.Column(0), i))
		}
		rec.Release()
	}
}

// checkArray verifies the invariants of an array we produced: the schema's
// type, a gluten-go type, no nulls in a non-nullable field, valid offsets.
func checkArray(arr arrow.Array, field arrow.Field) error {
	if !arrow.TypeEqual(arr.DataType(), field.Type) {
		return fmt.Errorf("array type %s, schema type %s", arr.DataType(), field.Type)
	}
	if !columnar.Supported(arr.DataType()) {
		return fmt.Errorf("type %s is not a gluten-go type", arr.DataType())
	}
	if !field.Nullable && arr.NullN() != 0 {
		return fmt.Errorf("%d nulls in non-nullable field %s", arr.NullN(), field.Name)
	}
	if v, ok := arr.(interface{ ValidateFull() error }); ok {
		if err := v.ValidateFull(); err != nil {
			return err
		}
	}
	if arr.Data().Offset() != 0 {
		return fmt.Errorf("array offset %d", arr.Data().Offset())
	}
	if bm := arr.NullBitmapBytes(); bm != nil {
		if n := arr.Len() - bitutil.CountSetBits(bm, 0, arr.Len()); n != arr.NullN() {
			return fmt.Errorf("null count %d, bitmap says %d", arr.NullN(), n)
		}
	}
	return nil
}

// equalValues compares two canonical values.
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}
