package pqscan

import (
	"github.com/parquet-go/parquet-go/encoding/thrift"
)

// The structs below mirror the few parts of the Parquet footer that
// parquet-go's format package does not expose faithfully: whether
// statistics fields were set at all (format.Statistics turns an absent
// null_count into 0), the is_min/max_value_exact flags (not in
// format.Statistics), whether a logical type annotation was present but
// unknown to the decoder, and the encryption markers. They are decoded from
// the same footer bytes with parquet-go's Thrift decoder; unknown fields are
// skipped.

type mEmpty struct{}

type mFileMeta struct {
	Schema              []mSchemaElement            `thrift:"2,optional"`
	RowGroups           []mRowGroup                 `thrift:"4,optional"`
	CreatedBy           thrift.Null[string]         `thrift:"6,optional"`
	ColumnOrders        thrift.Null[[]mColumnOrder] `thrift:"7,optional"`
	EncryptionAlgorithm thrift.Null[mEmpty]         `thrift:"8,optional"`
	FooterSigningKey    thrift.Null[[]byte]         `thrift:"9,optional"`
}

type mSchemaElement struct {
	LogicalType thrift.Null[mLogicalType] `thrift:"10,optional"`
}

// mLogicalType records which member of the LogicalType union is set.
type mLogicalType struct {
	String    thrift.Null[mEmpty] `thrift:"1,optional"`
	Map       thrift.Null[mEmpty] `thrift:"2,optional"`
	List      thrift.Null[mEmpty] `thrift:"3,optional"`
	Enum      thrift.Null[mEmpty] `thrift:"4,optional"`
	Decimal   thrift.Null[mEmpty] `thrift:"5,optional"`
	Date      thrift.Null[mEmpty] `thrift:"6,optional"`
	Time      thrift.Null[mEmpty] `thrift:"7,optional"`
	Timestamp thrift.Null[mEmpty] `thrift:"8,optional"`
	Int       thrift.Null[mEmpty] `thrift:"10,optional"`
	Null      thrift.Null[mEmpty] `thrift:"11,optional"`
	JSON      thrift.Null[mEmpty] `thrift:"12,optional"`
	BSON      thrift.Null[mEmpty] `thrift:"13,optional"`
	UUID      thrift.Null[mEmpty] `thrift:"14,optional"`
	Float16   thrift.Null[mEmpty] `thrift:"15,optional"`
	Variant   thrift.Null[mEmpty] `thrift:"16,optional"`
	Geometry  thrift.Null[mEmpty] `thrift:"17,optional"`
	Geography thrift.Null[mEmpty] `thrift:"18,optional"`
}

// known reports whether a union member this reader knows was set.
func (l *mLogicalType) known() bool {
	return l.String.Valid || l.Map.Valid || l.List.Valid || l.Enum.Valid ||
		l.Decimal.Valid || l.Date.Valid || l.Time.Valid || l.Timestamp.Valid ||
		l.Int.Valid || l.Null.Valid || l.JSON.Valid || l.BSON.Valid ||
		l.UUID.Valid || l.Float16.Valid || l.Variant.Valid || l.Geometry.Valid ||
		l.Geography.Valid
}

type mColumnOrder struct {
	TypeDefined thrift.Null[mEmpty] `thrift:"1,optional"`
}

type mRowGroup struct {
	Columns []mColumnChunk `thrift:"1,optional"`
}

type mColumnChunk struct {
	FilePath                thrift.Null[string]      `thrift:"1,optional"`
	MetaData                thrift.Null[mColumnMeta] `thrift:"3,optional"`
	CryptoMetadata          thrift.Null[mEmpty]      `thrift:"8,optional"`
	EncryptedColumnMetadata thrift.Null[[]byte]      `thrift:"9,optional"`
}

// mColumnMeta holds the column chunk fields the reader relies on, as the
// file states them (the footer given to parquet-go is patched).
type mColumnMeta struct {
	Type                 int32                    `thrift:"1,optional"`
	Codec                int32                    `thrift:"4,optional"`
	NumValues            int64                    `thrift:"5,optional"`
	TotalCompressedSize  int64                    `thrift:"7,optional"`
	DataPageOffset       int64                    `thrift:"9,optional"`
	DictionaryPageOffset thrift.Null[int64]       `thrift:"11,optional"`
	Statistics           thrift.Null[mStatistics] `thrift:"12,optional"`
}

type mStatistics struct {
	Max             thrift.Null[[]byte] `thrift:"1,optional"`
	Min             thrift.Null[[]byte] `thrift:"2,optional"`
	NullCount       thrift.Null[int64]  `thrift:"3,optional"`
	MaxValue        thrift.Null[[]byte] `thrift:"5,optional"`
	MinValue        thrift.Null[[]byte] `thrift:"6,optional"`
	IsMaxValueExact thrift.Null[bool]   `thrift:"7,optional"`
	IsMinValueExact thrift.Null[bool]   `thrift:"8,optional"`
}

// decodeMirror decodes the mirrored footer fields from footer bytes that
// checkFooter accepted.
func decodeMirror(footer []byte) (*mFileMeta, error) {
	var m mFileMeta
	var proto thrift.CompactProtocol
	if err := thrift.Unmarshal(&proto, footer, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// encrypted reports whether the footer carries any encryption marker.
func (m *mFileMeta) encrypted() bool {
	if m.EncryptionAlgorithm.Valid || m.FooterSigningKey.Valid {
		return true
	}
	for i := range m.RowGroups {
		for j := range m.RowGroups[i].Columns {
			c := &m.RowGroups[i].Columns[j]
			if c.CryptoMetadata.Valid || c.EncryptedColumnMetadata.Valid {
				return true
			}
		}
	}
	return false
}
