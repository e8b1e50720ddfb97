package pqscan

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/gluten-go/gluten-go/columnar"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

func leafElem(name string, t format.Type, rep format.FieldRepetitionType) format.SchemaElement {
	return format.SchemaElement{Name: name, Type: thrift.New(t), RepetitionType: thrift.New(rep)}
}

func TestMapColumn(t *testing.T) {
	withLT := func(e format.SchemaElement, lt format.LogicalTypeValue) format.SchemaElement {
		e.LogicalType = format.LogicalType{Value: lt}
		return e
	}
	withCT := func(e format.SchemaElement, ct deprecated.ConvertedType) format.SchemaElement {
		e.ConvertedType = thrift.New(ct)
		return e
	}
	flba := func(n int32) format.SchemaElement {
		e := leafElem("c", format.FixedLenByteArray, format.Optional)
		e.TypeLength = thrift.New(n)
		return e
	}
	req := format.Required
	tests := []struct {
		name   string
		e      format.SchemaElement
		want   arrow.DataType
		conv   convKind
		reason string
	}{
		{"int96", leafElem("c", format.Int96, req), columnar.Timestamp, kInt96, ""},
		{"plain binary", leafElem("c", format.ByteArray, req), columnar.Binary, kByteArray, ""},
		{"utf8 converted", withCT(leafElem("c", format.ByteArray, req), deprecated.UTF8), columnar.String, kByteArray, ""},
		{"string on int32", withLT(leafElem("c", format.Int32, req), &format.StringType{}), nil, 0, "is invalid"},
		{"decimal converted", func() format.SchemaElement {
			e := withCT(leafElem("c", format.Int64, req), deprecated.Decimal)
			e.Precision, e.Scale = thrift.New(int32(12)), thrift.New(int32(3))
			return e
		}(), columnar.Decimal(12, 3), kInt64Decimal, ""},
		{"decimal too wide", withLT(flba(20), &format.DecimalType{Precision: 45, Scale: 2}), nil, 0, "DECIMAL(45,2)"},
		{"decimal bad scale", withLT(leafElem("c", format.Int32, req), &format.DecimalType{Precision: 5, Scale: 7}), nil, 0, "DECIMAL(5,7)"},
		{"uint64", withLT(leafElem("c", format.Int64, req), &format.IntType{BitWidth: 64}), columnar.Decimal(20, 0), kUint64, ""},
		{"uint32 converted", withCT(leafElem("c", format.Int32, req), deprecated.Uint32), columnar.Int64, kUint32, ""},
		{"int8 on int64", withLT(leafElem("c", format.Int64, req), &format.IntType{BitWidth: 8, IsSigned: true}), nil, 0, "is invalid"},
		{"time millis", withCT(leafElem("c", format.Int32, req), deprecated.TimeMillis), columnar.Int64, kTimeMillis, ""},
		{"timestamp millis converted", withCT(leafElem("c", format.Int64, req), deprecated.TimestampMillis), columnar.Timestamp, kInt64Millis, ""},
		{"timestamp on int32", withLT(leafElem("c", format.Int32, req), &format.TimestampType{Unit: format.TimeUnit{Value: &format.MicroSeconds{}}}), nil, 0, "is invalid"},
		{"interval", withCT(flba(12), deprecated.Interval), nil, 0, "INTERVAL"},
		{"null type", withLT(leafElem("c", format.Int32, req), &format.NullType{}), nil, 0, "UNKNOWN"},
		{"float16", withLT(flba(2), &format.Float16Type{}), columnar.Float64, kFloat16, ""},
		{"float16 wrong size", withLT(flba(4), &format.Float16Type{}), nil, 0, "is invalid"},
		{"uuid", withLT(flba(16), &format.UUIDType{}), columnar.Binary, kFixedBinary, ""},
		{"flba zero length", flba(0), nil, 0, "invalid length"},
		{"date", withLT(leafElem("c", format.Int32, req), &format.DateType{}), columnar.Date, kInt32, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, reason := mapColumn(&tc.e, nil)
			if tc.reason != "" {
				if !strings.Contains(reason, tc.reason) {
					t.Fatalf("reason %q, want it to contain %q", reason, tc.reason)
				}
				return
			}
			if reason != "" {
				t.Fatalf("unexpected reason %q", reason)
			}
			if !arrow.TypeEqual(info.field.Type, tc.want) || info.conv != tc.conv {
				t.Fatalf("got %s/%d, want %s/%d", info.field.Type, info.conv, tc.want, tc.conv)
			}
		})
	}
	// A logical type annotation this reader does not know.
	e := leafElem("c", format.ByteArray, req)
	if _, reason := mapColumn(&e, &mLogicalType{}); !strings.Contains(reason, "unknown") {
		t.Errorf("unknown logical type: %q", reason)
	}
}

func TestBuildSchema(t *testing.T) {
	root := func(n int32) format.SchemaElement {
		return format.SchemaElement{Name: "root", NumChildren: thrift.New(n)}
	}
	group := func(name string, n int32, rep format.FieldRepetitionType) format.SchemaElement {
		return format.SchemaElement{Name: name, NumChildren: thrift.New(n), RepetitionType: thrift.New(rep)}
	}
	elems := []format.SchemaElement{
		root(4),
		leafElem("a", format.Int64, format.Required),
		group("l", 1, format.Optional),
		group("list", 1, format.Repeated),
		leafElem("element", format.Int32, format.Optional),
		leafElem("r", format.Int32, format.Repeated),
		leafElem("b", format.Double, format.Optional),
	}
	elems[2].LogicalType = format.LogicalType{Value: &format.ListType{}}
	cols, unsupported, leaves, err := buildSchema("f", elems, nil)
	if err != nil {
		t.Fatal(err)
	}
	if leaves != 4 || len(cols) != 2 || len(unsupported) != 2 {
		t.Fatalf("leaves %d, cols %d, unsupported %v", leaves, len(cols), unsupported)
	}
	if cols[0].field.Name != "a" || cols[0].leaf != 0 || cols[0].field.Nullable || cols[0].maxDef != 0 {
		t.Errorf("column a: %+v", cols[0])
	}
	if cols[1].field.Name != "b" || cols[1].leaf != 3 || !cols[1].field.Nullable || cols[1].maxDef != 1 {
		t.Errorf("column b: %+v", cols[1])
	}
	if !strings.Contains(unsupported[0].Reason, `column "l" has nested type LIST`) ||
		!strings.Contains(unsupported[1].Reason, `column "r" is a repeated INT32 field`) {
		t.Errorf("reasons: %+v", unsupported)
	}
	bad := [][]format.SchemaElement{
		{root(2), leafElem("a", format.Int64, format.Required)},
		{root(1), group("g", 5, format.Optional), leafElem("a", format.Int64, format.Required)},
		{root(1), leafElem("a", format.Type(9), format.Required)},
		nil,
	}
	for i, b := range bad {
		if _, _, _, err := buildSchema("f", b, nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("bad schema %d: %v", i, err)
		}
	}
}

func TestNeedsDictHeaderPadding(t *testing.T) {
	for s, want := range map[string]bool{
		"parquet-mr":                                 true,
		"parquet-mr version 1.2.8 (build abc)":       true,
		"parquet-mr version 1.2.9 (build abc)":       false,
		"parquet-mr version 1.13.1 (build db41831)":  false,
		"parquet-mr version 0.9":                     true,
		"parquet-cpp-arrow version 14.0.0":           false,
		"impala version 1.3.0-INTERNAL (build 8a48)": false,
	} {
		if got := needsDictHeaderPadding(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}
