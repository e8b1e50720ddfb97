package tpch

import (
	"errors"
	"fmt"
	"math"
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
)

// Tables lists the eight TPC-H tables in the order Generate writes them.
var Tables = []string{"region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"}

// ErrUnknownTable is wrapped by the errors about a table name that is not a
// TPC-H table.
var ErrUnknownTable = errors.New("tpch: unknown table")

// ErrInvalidScale is wrapped by the errors about an unusable scale factor.
var ErrInvalidScale = errors.New("tpch: invalid scale factor")

// MaxScale is the largest scale factor accepted, the largest the TPC-H
// specification defines.
const MaxScale = 100000

// colKind is how a column is typed and stored.
type colKind uint8

const (
	kindInt64   colKind = iota // BIGINT, Parquet INT64
	kindInt32                  // INT, Parquet INT32
	kindDecimal                // DECIMAL(15,2), Parquet INT64 holding cents
	kindDate                   // DATE, Parquet INT32 holding days since 1970-01-01
	kindString                 // STRING, Parquet BYTE_ARRAY UTF8, plain encoding
	kindDict                   // STRING, dictionary encoding (low cardinality)
)

type columnDef struct {
	name string
	kind colKind
	// values are the strings of a kindDict column, which the generator refers
	// to by index, and dictValues the same as Parquet values of this column.
	values     [][]byte
	dictValues []parquet.Value
}

// tableDef describes one table: its columns and their schemas.
type tableDef struct {
	name    string
	columns []columnDef
	arrow   *arrow.Schema
	parquet *parquet.Schema
}

var tableDefs = func() map[string]*tableDef {
	i64, i32, dec, date, str, dict := kindInt64, kindInt32, kindDecimal, kindDate, kindString, kindDict
	type spec struct {
		name string
		kind colKind
	}
	defs := map[string][]spec{
		"region": {{"r_regionkey", i64}, {"r_name", dict}, {"r_comment", str}},
		"nation": {{"n_nationkey", i64}, {"n_name", dict}, {"n_regionkey", i64}, {"n_comment", str}},
		"supplier": {
			{"s_suppkey", i64}, {"s_name", str}, {"s_address", str}, {"s_nationkey", i64},
			{"s_phone", str}, {"s_acctbal", dec}, {"s_comment", str},
		},
		"customer": {
			{"c_custkey", i64}, {"c_name", str}, {"c_address", str}, {"c_nationkey", i64},
			{"c_phone", str}, {"c_acctbal", dec}, {"c_mktsegment", dict}, {"c_comment", str},
		},
		"part": {
			{"p_partkey", i64}, {"p_name", str}, {"p_mfgr", dict}, {"p_brand", dict},
			{"p_type", dict}, {"p_size", i32}, {"p_container", dict}, {"p_retailprice", dec},
			{"p_comment", str},
		},
		"partsupp": {
			{"ps_partkey", i64}, {"ps_suppkey", i64}, {"ps_availqty", i32},
			{"ps_supplycost", dec}, {"ps_comment", str},
		},
		"orders": {
			{"o_orderkey", i64}, {"o_custkey", i64}, {"o_orderstatus", dict},
			{"o_totalprice", dec}, {"o_orderdate", date}, {"o_orderpriority", dict},
			{"o_clerk", str}, {"o_shippriority", i32}, {"o_comment", str},
		},
		"lineitem": {
			{"l_orderkey", i64}, {"l_partkey", i64}, {"l_suppkey", i64},
			{"l_linenumber", i32}, {"l_quantity", dec}, {"l_extendedprice", dec},
			{"l_discount", dec}, {"l_tax", dec}, {"l_returnflag", dict},
			{"l_linestatus", dict}, {"l_shipdate", date}, {"l_commitdate", date},
			{"l_receiptdate", date}, {"l_shipinstruct", dict}, {"l_shipmode", dict},
			{"l_comment", str},
		},
	}
	out := make(map[string]*tableDef, len(defs))
	for name, specs := range defs {
		cols := make([]columnDef, len(specs))
		for i, sp := range specs {
			cols[i] = columnDef{name: sp.name, kind: sp.kind}
		}
		for i := range cols {
			c := &cols[i]
			if c.kind != kindDict {
				continue
			}
			list, ok := dictLists[c.name]
			if !ok {
				panic("tpch: no value list for dictionary column " + c.name)
			}
			for _, v := range list {
				c.values = append(c.values, []byte(v))
				c.dictValues = append(c.dictValues, parquet.ByteArrayValue([]byte(v)).Level(0, 0, i))
			}
		}
		out[name] = &tableDef{name: name, columns: cols, arrow: arrowSchemaOf(cols), parquet: parquetSchemaOf(name, cols)}
	}
	return out
}()

func arrowSchemaOf(cols []columnDef) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		var t arrow.DataType
		switch c.kind {
		case kindInt64:
			t = arrow.PrimitiveTypes.Int64
		case kindInt32:
			t = arrow.PrimitiveTypes.Int32
		case kindDecimal:
			t = &arrow.Decimal128Type{Precision: 15, Scale: 2}
		case kindDate:
			t = arrow.FixedWidthTypes.Date32
		default:
			t = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: c.name, Type: t, Nullable: false}
	}
	return arrow.NewSchema(fields, nil)
}

// parquetSchemaOf builds the Parquet schema from a struct type made at run
// time, so that the columns keep the table's order (parquet.Group sorts them
// by name) and their tags give the logical types and encodings.
func parquetSchemaOf(table string, cols []columnDef) *parquet.Schema {
	fields := make([]reflect.StructField, len(cols))
	for i, c := range cols {
		f := reflect.StructField{Name: fmt.Sprintf("C%d", i)}
		switch c.kind {
		case kindInt64:
			f.Type, f.Tag = reflect.TypeFor[int64](), reflect.StructTag(`parquet:"`+c.name+`"`)
		case kindInt32:
			f.Type, f.Tag = reflect.TypeFor[int32](), reflect.StructTag(`parquet:"`+c.name+`"`)
		case kindDecimal:
			f.Type, f.Tag = reflect.TypeFor[int64](), reflect.StructTag(`parquet:"`+c.name+`,decimal(2:15)"`)
		case kindDate:
			f.Type, f.Tag = reflect.TypeFor[int32](), reflect.StructTag(`parquet:"`+c.name+`,date"`)
		case kindString:
			f.Type, f.Tag = reflect.TypeFor[string](), reflect.StructTag(`parquet:"`+c.name+`,string,plain"`)
		case kindDict:
			f.Type, f.Tag = reflect.TypeFor[string](), reflect.StructTag(`parquet:"`+c.name+`,string,dict"`)
		}
		fields[i] = f
	}
	model := reflect.New(reflect.StructOf(fields)).Interface()
	return parquet.NewSchema(table, parquet.SchemaOf(model))
}

// Schema returns the columns of a TPC-H table, in order, as an Arrow schema
// of gluten-go's types: Int64 (BIGINT), Int32 (INT), Decimal128(15,2), Date32
// and String, all non-nullable. The schema is shared: do not modify it.
func Schema(table string) (*arrow.Schema, error) {
	def, ok := tableDefs[table]
	if !ok {
		return nil, fmt.Errorf("%w %q (the tables are %v)", ErrUnknownTable, table, Tables)
	}
	return def.arrow, nil
}

// scale holds the cardinalities of a scale factor.
type scale struct {
	sf        float64
	suppliers int64
	customers int64
	parts     int64
	orders    int64
	clerks    int64
}

func scaled(base int64, sf float64) int64 { return int64(math.Round(float64(base) * sf)) }

// newScale validates a scale factor and computes its cardinalities.
func newScale(sf float64) (scale, error) {
	if math.IsNaN(sf) || sf <= 0 || sf > MaxScale {
		return scale{}, fmt.Errorf("%w: %v is not in (0, %d]", ErrInvalidScale, sf, MaxScale)
	}
	s := scale{
		sf:        sf,
		suppliers: scaled(10000, sf),
		customers: scaled(150000, sf),
		parts:     scaled(200000, sf),
		orders:    scaled(1500000, sf),
		clerks:    max(1, scaled(1000, sf)),
	}
	if s.suppliers < 1 {
		return scale{}, fmt.Errorf("%w: %v gives no supplier (use 0.01 or more)", ErrInvalidScale, sf)
	}
	if err := s.checkPartsupp(); err != nil {
		return scale{}, err
	}
	return s, nil
}

// checkPartsupp verifies that the specification's formula gives every part
// four distinct suppliers at this scale. The formula picks supplier
// (p + i*step) mod S + 1 for i in 0..3 with step = S/4 + (p-1)/S, so two of
// them coincide when d*step is a multiple of S for some d in 1..3; that
// happens only at small scale factors (below 0.01), whose partsupp would hold
// duplicate keys.
func (s scale) checkPartsupp() error {
	S := s.suppliers
	for step := S / 4; step <= S/4+(s.parts-1)/S; step++ {
		for d := int64(1); d <= 3; d++ {
			if (d*step)%S == 0 {
				return fmt.Errorf("%w: %v is too small: with %d suppliers the specification's partsupp formula gives a part the same supplier twice (use 0.01 or more)", ErrInvalidScale, s.sf, S)
			}
		}
	}
	return nil
}

// partsuppSupplier is the specification's supplier of the i-th (0..3)
// partsupp row of a part, also used to pick the supplier of a line item.
func (s scale) partsuppSupplier(partkey, i int64) int64 {
	S := s.suppliers
	return (partkey+i*(S/4+(partkey-1)/S))%S + 1
}

// retailPrice is the specification's p_retailprice of a part, in cents.
func retailPrice(partkey int64) int64 {
	return 90000 + (partkey/10)%20001 + 100*(partkey%1000)
}

// orderKey maps the order index (0-based) to its sparse key: of every 32 keys
// only the first 8 are used, as dbgen does.
func orderKey(i int64) int64 {
	n := i + 1
	return (n>>3)<<5 | n&7
}

// customerOfDraw maps a uniform draw in [0, customersWithOrders) to a
// customer key that is not a multiple of 3: a third of the customers place no
// order.
func customerOfDraw(d int64) int64 { return d/2*3 + d%2 + 1 }

// customersWithOrders is the number of customer keys in [1, customers] that
// are not multiples of 3.
func (s scale) customersWithOrders() int64 { return s.customers - s.customers/3 }

// rows returns the row count of a table; for lineitem it counts the lines of
// every order, which costs a few milliseconds per unit of scale.
func (s scale) rows(table string) int64 {
	switch table {
	case "region":
		return int64(len(regionNames))
	case "nation":
		return int64(len(nationNames))
	case "supplier":
		return s.suppliers
	case "customer":
		return s.customers
	case "part":
		return s.parts
	case "partsupp":
		return 4 * s.parts
	case "orders":
		return s.orders
	case "lineitem":
		seed := streamSeed(streamOrders, s.sf)
		var n int64
		for i := range s.orders {
			r := rowRNG(seed, i)
			n += linesOfOrder(&r)
		}
		return n
	}
	return 0
}

// RowCount returns the number of rows of a table at a scale factor, or 0 for
// an unknown table or an unusable scale factor. The lineitem count is exact: it
// is computed by drawing the line count of every order (a few milliseconds per
// unit of scale).
func RowCount(table string, sf float64) int64 {
	s, err := newScale(sf)
	if err != nil {
		return 0
	}
	return s.rows(table)
}
