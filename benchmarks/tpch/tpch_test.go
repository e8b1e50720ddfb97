package tpch

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// readAll reads every table of a dataset.
func readAll(t *testing.T, dir string) map[string]*tableData {
	t.Helper()
	out := map[string]*tableData{}
	for _, name := range Tables {
		out[name] = readTable(t, dir, name)
	}
	return out
}

func TestRowCounts(t *testing.T) {
	dir := sharedDataset(t)
	m, err := ReadMarker(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"region": 5, "nation": 25, "supplier": 100, "customer": 1500,
		"part": 2000, "partsupp": 8000, "orders": 15000,
	}
	for _, name := range Tables {
		d := readTable(t, dir, name)
		rc := RowCount(name, testSF)
		if w, ok := want[name]; ok && rc != w {
			t.Errorf("RowCount(%s) = %d, want %d", name, rc, w)
		}
		if int64(d.rows) != rc {
			t.Errorf("%s: %d rows in the files, RowCount says %d", name, d.rows, rc)
		}
		if mt := m.Tables[name]; mt.Rows != rc || mt.Files != d.files {
			t.Errorf("%s: marker says %+v, files hold %d rows in %d files", name, mt, d.rows, d.files)
		}
	}
	// lineitem: 1 to 7 lines per order, 4 on average.
	if n := RowCount("lineitem", testSF); n < 15000*39/10 || n > 15000*41/10 {
		t.Errorf("lineitem has %d rows, want about 60000", n)
	}
}

func TestRowCountInvalid(t *testing.T) {
	for _, tc := range []struct {
		table string
		sf    float64
	}{{"lineitems", 1}, {"orders", 0}, {"orders", -1}, {"orders", math.NaN()}, {"", 1}} {
		if n := RowCount(tc.table, tc.sf); n != 0 {
			t.Errorf("RowCount(%q, %v) = %d, want 0", tc.table, tc.sf, n)
		}
	}
	if n := RowCount("partsupp", 1); n != 800000 {
		t.Errorf("RowCount(partsupp, 1) = %d", n)
	}
}

// TestSchemas checks every file's Parquet schema: names in order, physical
// and logical types, REQUIRED, encodings, and that arrow-go reads it as the
// Arrow schema Schema returns.
func TestSchemas(t *testing.T) {
	dir := sharedDataset(t)
	for _, name := range Tables {
		want, err := Schema(name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name, FileName(0))
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		pf, err := parquet.OpenFile(fh, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		fields := pf.Schema().Fields()
		if len(fields) != want.NumFields() {
			t.Fatalf("%s: %d columns, want %d", name, len(fields), want.NumFields())
		}
		md := pf.Metadata()
		for i, f := range fields {
			af := want.Field(i)
			if f.Name() != af.Name || !f.Required() || af.Nullable {
				t.Errorf("%s: column %d is %s (required %v), want %s required", name, i, f.Name(), f.Required(), af.Name)
			}
			typ := f.Type()
			lt := typ.LogicalType()
			switch at := af.Type.(type) {
			case *arrow.Decimal128Type:
				d, ok := logicalDecimal(lt)
				if typ.Kind() != parquet.Int64 || !ok || d.Scale != 2 || d.Precision != 15 || at.Precision != 15 || at.Scale != 2 {
					t.Errorf("%s.%s: %v %v, want INT64 DECIMAL(15,2)", name, f.Name(), typ.Kind(), lt)
				}
			case *arrow.Date32Type:
				if typ.Kind() != parquet.Int32 || lt == nil || lt.Value == nil || !strings.Contains(lt.String(), "DATE") {
					t.Errorf("%s.%s: %v %v, want INT32 DATE", name, f.Name(), typ.Kind(), lt)
				}
			case *arrow.StringType:
				if typ.Kind() != parquet.ByteArray || lt == nil || !strings.Contains(lt.String(), "STRING") {
					t.Errorf("%s.%s: %v %v, want BYTE_ARRAY STRING", name, f.Name(), typ.Kind(), lt)
				}
				// Dictionary encoding exactly for the low-cardinality columns.
				enc := md.RowGroups[0].Columns[i].MetaData.Encoding
				dict := slices.Contains(enc, format.RLEDictionary)
				if want := tableDefs[name].columns[i].kind == kindDict; dict != want {
					t.Errorf("%s.%s: encodings %v, dictionary wanted: %v", name, f.Name(), enc, want)
				}
			case *arrow.Int64Type:
				if typ.Kind() != parquet.Int64 {
					t.Errorf("%s.%s: %v, want INT64", name, f.Name(), typ.Kind())
				}
			case *arrow.Int32Type:
				if typ.Kind() != parquet.Int32 {
					t.Errorf("%s.%s: %v, want INT32", name, f.Name(), typ.Kind())
				}
			default:
				t.Errorf("%s.%s: unexpected Arrow type %v", name, f.Name(), af.Type)
			}
		}
		_ = fh.Close()
		checkArrowRead(t, path, want)
	}
	if _, err := Schema("lineitems"); err == nil || !strings.Contains(err.Error(), "lineitems") {
		t.Errorf("Schema(lineitems) error = %v", err)
	}
}

func logicalDecimal(lt *format.LogicalType) (*format.DecimalType, bool) {
	if lt == nil {
		return nil, false
	}
	d, ok := lt.Value.(*format.DecimalType)
	return d, ok
}

// checkArrowRead reads a file with arrow-go's pqarrow and compares its Arrow
// schema with want; every buffer is released.
func checkArrowRead(t *testing.T, path string, want *arrow.Schema) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rdr.Close() }()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 4096}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	got := tbl.Schema()
	if got.NumFields() != want.NumFields() {
		t.Fatalf("%s: arrow schema %v, want %v", path, got, want)
	}
	for i := range got.NumFields() {
		g, w := got.Field(i), want.Field(i)
		if g.Name != w.Name || !arrow.TypeEqual(g.Type, w.Type) || g.Nullable != w.Nullable {
			t.Errorf("%s: arrow field %d is %v, want %v", path, i, g, w)
		}
	}
	if tbl.NumRows() != rdr.NumRows() || tbl.NumRows() == 0 {
		t.Errorf("%s: arrow read %d rows of %d", path, tbl.NumRows(), rdr.NumRows())
	}
}

// TestKeys checks the keys and the relationships between the tables.
func TestKeys(t *testing.T) {
	db := readAll(t, sharedDataset(t))
	// Dense primary keys 1..N (0..N-1 for region and nation).
	for _, k := range []struct {
		table, col string
		first      int64
	}{
		{"region", "r_regionkey", 0}, {"nation", "n_nationkey", 0}, {"supplier", "s_suppkey", 1},
		{"customer", "c_custkey", 1}, {"part", "p_partkey", 1},
	} {
		for i, v := range db[k.table].i64(k.col) {
			if v != k.first+int64(i) {
				t.Fatalf("%s row %d: %s = %d, want %d", k.table, i, k.col, v, k.first+int64(i))
			}
		}
	}
	for i, r := range db["nation"].i64("n_regionkey") {
		if r != nationRegions[i] || r < 0 || r > 4 {
			t.Fatalf("nation %d: n_regionkey %d", i, r)
		}
	}
	// Sparse order keys: increasing, 8 used of every 32.
	orders := map[int64]int{}
	okeys := db["orders"].i64("o_orderkey")
	for i, k := range okeys {
		if k != orderKey(int64(i)) || k&(3<<3) != 0 || (i > 0 && k <= okeys[i-1]) {
			t.Fatalf("orders row %d: o_orderkey %d is not the sparse key %d", i, k, orderKey(int64(i)))
		}
		orders[k] = i
	}
	if last := okeys[len(okeys)-1]; last != 60000 {
		t.Errorf("the last order key is %d, want 60000 (4 x 15000 orders)", last)
	}
	// Customers of orders exist and are not multiples of 3.
	ncust := int64(len(db["customer"].i64("c_custkey")))
	for i, c := range db["orders"].i64("o_custkey") {
		if c < 1 || c > ncust || c%3 == 0 {
			t.Fatalf("orders row %d: o_custkey %d", i, c)
		}
	}
	// partsupp: 4 distinct suppliers per part, the specification's formula.
	ps := map[[2]int64]bool{}
	pp, psupp := db["partsupp"].i64("ps_partkey"), db["partsupp"].i64("ps_suppkey")
	s, _ := newScale(testSF)
	for i := range pp {
		key := [2]int64{pp[i], psupp[i]}
		if ps[key] {
			t.Fatalf("partsupp row %d: duplicate key %v", i, key)
		}
		ps[key] = true
		if pp[i] != int64(i/4+1) || psupp[i] != s.partsuppSupplier(pp[i], int64(i%4)) || psupp[i] < 1 || psupp[i] > s.suppliers {
			t.Fatalf("partsupp row %d: (%d, %d)", i, pp[i], psupp[i])
		}
	}
	// Line items: in an existing order, of an existing partsupp, numbered 1..n.
	li := db["lineitem"]
	lok, lpk, lsk, lln := li.i64("l_orderkey"), li.i64("l_partkey"), li.i64("l_suppkey"), li.i32("l_linenumber")
	seen := map[int64]int{}
	for i := range lok {
		if _, ok := orders[lok[i]]; !ok {
			t.Fatalf("lineitem row %d: l_orderkey %d is not an order", i, lok[i])
		}
		if !ps[[2]int64{lpk[i], lsk[i]}] {
			t.Fatalf("lineitem row %d: (l_partkey, l_suppkey) (%d, %d) is not in partsupp", i, lpk[i], lsk[i])
		}
		seen[lok[i]]++
		if int(lln[i]) != seen[lok[i]] {
			t.Fatalf("lineitem row %d: l_linenumber %d, want %d", i, lln[i], seen[lok[i]])
		}
		if i > 0 && lok[i] < lok[i-1] {
			t.Fatalf("lineitem row %d: not in order key order", i)
		}
	}
	if len(seen) != len(orders) {
		t.Errorf("%d orders have lines, want all %d", len(seen), len(orders))
	}
	for k, n := range seen {
		if n < 1 || n > 7 {
			t.Fatalf("order %d has %d lines", k, n)
		}
	}
	for _, col := range []struct{ table, col string }{{"supplier", "s_nationkey"}, {"customer", "c_nationkey"}} {
		for i, n := range db[col.table].i64(col.col) {
			if n < 0 || n > 24 {
				t.Fatalf("%s row %d: %s %d", col.table, i, col.col, n)
			}
		}
	}
}

// TestLineitemDomains checks the value domains and derived columns of
// orders and lineitem.
func TestLineitemDomains(t *testing.T) {
	db := readAll(t, sharedDataset(t))
	o, li, part := db["orders"], db["lineitem"], db["part"]
	price := part.i64("p_retailprice")
	for i, p := range price {
		if p != retailPrice(int64(i+1)) || p < 90000 || p > 209900 {
			t.Fatalf("part %d: p_retailprice %d cents", i+1, p)
		}
	}
	type agg struct {
		total   int64
		lines   int
		shipped int
	}
	byOrder := map[int64]*agg{}
	odate := map[int64]int32{}
	for i, k := range o.i64("o_orderkey") {
		odate[k] = o.i32("o_orderdate")[i]
	}
	flags, statuses := li.str("l_returnflag"), li.str("l_linestatus")
	for i, k := range li.i64("l_orderkey") {
		qty, ext, disc, tax := li.i64("l_quantity")[i], li.i64("l_extendedprice")[i], li.i64("l_discount")[i], li.i64("l_tax")[i]
		ship, commit, receipt := li.i32("l_shipdate")[i], li.i32("l_commitdate")[i], li.i32("l_receiptdate")[i]
		od := odate[k]
		switch {
		case qty < 100 || qty > 5000 || qty%100 != 0:
			t.Fatalf("line %d: l_quantity %d cents", i, qty)
		case ext != qty/100*price[li.i64("l_partkey")[i]-1]:
			t.Fatalf("line %d: l_extendedprice %d != quantity x retail price", i, ext)
		case disc < 0 || disc > 10 || tax < 0 || tax > 8:
			t.Fatalf("line %d: discount %d tax %d", i, disc, tax)
		case ship < od+1 || ship > od+121:
			t.Fatalf("line %d: shipdate %d for orderdate %d", i, ship, od)
		case commit < od+30 || commit > od+90:
			t.Fatalf("line %d: commitdate %d for orderdate %d", i, commit, od)
		case receipt < ship+1 || receipt > ship+30 || receipt > endDate:
			t.Fatalf("line %d: receiptdate %d for shipdate %d", i, receipt, ship)
		case receipt <= currentDate && flags[i] != "R" && flags[i] != "A":
			t.Fatalf("line %d: returnflag %q received %d", i, flags[i], receipt)
		case receipt > currentDate && flags[i] != "N":
			t.Fatalf("line %d: returnflag %q received %d", i, flags[i], receipt)
		case (ship > currentDate) != (statuses[i] == "O") || (statuses[i] != "O" && statuses[i] != "F"):
			t.Fatalf("line %d: linestatus %q shipped %d", i, statuses[i], ship)
		}
		a := byOrder[k]
		if a == nil {
			a = &agg{}
			byOrder[k] = a
		}
		a.total += ext * (100 - disc) * (100 + tax)
		a.lines++
		if statuses[i] == "F" {
			a.shipped++
		}
		for _, c := range []struct {
			col  string
			list []string
		}{{"l_shipinstruct", instructions}, {"l_shipmode", shipModes}} {
			if v := li.str(c.col)[i]; !slices.Contains(c.list, v) {
				t.Fatalf("line %d: %s %q", i, c.col, v)
			}
		}
		if n := len(li.str("l_comment")[i]); n < 10 || n > 43 {
			t.Fatalf("line %d: l_comment of %d bytes", i, n)
		}
	}
	seenFlags := map[string]bool{}
	for _, f := range flags {
		seenFlags[f] = true
	}
	if len(seenFlags) != 3 {
		t.Errorf("return flags %v, want R, A and N", seenFlags)
	}
	statusCount := map[string]int{}
	for i, k := range o.i64("o_orderkey") {
		a := byOrder[k]
		want := "P"
		if a.shipped == a.lines {
			want = "F"
		} else if a.shipped == 0 {
			want = "O"
		}
		st := o.str("o_orderstatus")[i]
		statusCount[st]++
		if st != want {
			t.Fatalf("order %d: o_orderstatus %q, want %q", k, st, want)
		}
		if tp := o.i64("o_totalprice")[i]; tp != (a.total+5000)/10000 {
			t.Fatalf("order %d: o_totalprice %d, want round(sum(extendedprice*(1+tax)*(1-discount))) = %d", k, tp, (a.total+5000)/10000)
		}
		if od := o.i32("o_orderdate")[i]; od < startDate || od > lastOrderDate {
			t.Fatalf("order %d: orderdate %d", k, od)
		}
		if p := o.str("o_orderpriority")[i]; !slices.Contains(priorities, p) {
			t.Fatalf("order %d: priority %q", k, p)
		}
		clerk := o.str("o_clerk")[i]
		var n int
		if _, err := fmt.Sscanf(clerk, "Clerk#%09d", &n); err != nil || len(clerk) != 15 || n < 1 || n > 10 {
			t.Fatalf("order %d: clerk %q", k, clerk)
		}
		if o.i32("o_shippriority")[i] != 0 {
			t.Fatalf("order %d: shippriority", k)
		}
		if n := len(o.str("o_comment")[i]); n < 19 || n > 78 {
			t.Fatalf("order %d: comment of %d bytes", k, n)
		}
	}
	// About half the orders are finished, half open, a few partly shipped.
	if statusCount["F"] < 6000 || statusCount["O"] < 6000 || statusCount["P"] < 100 {
		t.Errorf("order statuses %v", statusCount)
	}
}

// TestOtherDomains checks part, partsupp, supplier, customer, nation and
// region values.
func TestOtherDomains(t *testing.T) {
	db := readAll(t, sharedDataset(t))
	p := db["part"]
	for i := range p.rows {
		words := strings.Split(p.str("p_name")[i], " ")
		if len(words) != 5 {
			t.Fatalf("part %d: p_name %q", i+1, p.str("p_name")[i])
		}
		for j, w := range words {
			if !slices.Contains(colors, w) || slices.Contains(words[:j], w) {
				t.Fatalf("part %d: p_name %q", i+1, p.str("p_name")[i])
			}
		}
		mfgr, brand := p.str("p_mfgr")[i], p.str("p_brand")[i]
		var m, bm, bn int
		if _, err := fmt.Sscanf(mfgr, "Manufacturer#%d", &m); err != nil || m < 1 || m > 5 {
			t.Fatalf("part %d: p_mfgr %q", i+1, mfgr)
		}
		if len(brand) != 8 || !strings.HasPrefix(brand, "Brand#") {
			t.Fatalf("part %d: p_brand %q", i+1, brand)
		}
		bm, bn = int(brand[6]-'0'), int(brand[7]-'0')
		if bm != m || bn < 1 || bn > 5 {
			t.Fatalf("part %d: p_brand %q of %q", i+1, brand, mfgr)
		}
		if !slices.Contains(dictLists["p_type"], p.str("p_type")[i]) || !slices.Contains(dictLists["p_container"], p.str("p_container")[i]) {
			t.Fatalf("part %d: type %q container %q", i+1, p.str("p_type")[i], p.str("p_container")[i])
		}
		if s := p.i32("p_size")[i]; s < 1 || s > 50 {
			t.Fatalf("part %d: size %d", i+1, s)
		}
		if n := len(p.str("p_comment")[i]); n < 5 || n > 22 {
			t.Fatalf("part %d: comment of %d bytes", i+1, n)
		}
	}
	ps := db["partsupp"]
	for i := range ps.rows {
		if q := ps.i32("ps_availqty")[i]; q < 1 || q > 9999 {
			t.Fatalf("partsupp %d: availqty %d", i, q)
		}
		if c := ps.i64("ps_supplycost")[i]; c < 100 || c > 100000 {
			t.Fatalf("partsupp %d: supplycost %d cents", i, c)
		}
		if n := len(ps.str("ps_comment")[i]); n < 49 || n > 198 {
			t.Fatalf("partsupp %d: comment of %d bytes", i, n)
		}
	}
	for _, tc := range []struct {
		table, prefix          string
		commentMin, commentMax int
	}{{"supplier", "s_", 25, 100}, {"customer", "c_", 29, 116}} {
		d := db[tc.table]
		for i := range d.rows {
			key := d.i64(tc.prefix + map[string]string{"supplier": "suppkey", "customer": "custkey"}[tc.table])[i]
			name := d.str(tc.prefix + "name")[i]
			wantName := map[string]string{"supplier": "Supplier#", "customer": "Customer#"}[tc.table] + fmt.Sprintf("%09d", key)
			if name != wantName {
				t.Fatalf("%s %d: name %q, want %q", tc.table, key, name, wantName)
			}
			if n := len(d.str(tc.prefix + "address")[i]); n < 10 || n > 40 {
				t.Fatalf("%s %d: address of %d bytes", tc.table, key, n)
			}
			nation := d.i64(tc.prefix + "nationkey")[i]
			phone := d.str(tc.prefix + "phone")[i]
			var cc, a, b, c int
			if _, err := fmt.Sscanf(phone, "%2d-%3d-%3d-%4d", &cc, &a, &b, &c); err != nil || len(phone) != 15 || int64(cc) != nation+10 || a < 100 || b < 100 || c < 1000 {
				t.Fatalf("%s %d: phone %q for nation %d", tc.table, key, phone, nation)
			}
			if bal := d.i64(tc.prefix + "acctbal")[i]; bal < -99999 || bal > 999999 {
				t.Fatalf("%s %d: acctbal %d cents", tc.table, key, bal)
			}
			if n := len(d.str(tc.prefix + "comment")[i]); n < tc.commentMin || n > tc.commentMax {
				t.Fatalf("%s %d: comment of %d bytes", tc.table, key, n)
			}
		}
	}
	for i, s := range db["customer"].str("c_mktsegment") {
		if !slices.Contains(segments, s) {
			t.Fatalf("customer %d: segment %q", i+1, s)
		}
	}
	if !slices.Equal(db["nation"].str("n_name"), nationNames) || !slices.Equal(db["region"].str("r_name"), regionNames) {
		t.Errorf("nation or region names differ: %v %v", db["nation"].str("n_name"), db["region"].str("r_name"))
	}
}

// TestQueryPredicates checks that the data answers the queries' predicates
// with realistic shares, so that every query has a meaningful answer.
func TestQueryPredicates(t *testing.T) {
	db := readAll(t, sharedDataset(t))
	share := func(vals []string, match func(string) bool) float64 {
		n := 0
		for _, v := range vals {
			if match(v) {
				n++
			}
		}
		return float64(n) / float64(len(vals))
	}
	specialRequests := func(s string) bool {
		i := strings.Index(s, "special")
		return i >= 0 && strings.Contains(s[i+len("special"):], "requests")
	}
	for _, tc := range []struct {
		what   string
		got    float64
		lo, hi float64
	}{
		{"Q13 o_comment like '%special%requests%'", share(db["orders"].str("o_comment"), specialRequests), 0.003, 0.03},
		{"Q9 p_name like '%green%'", share(db["part"].str("p_name"), func(s string) bool { return strings.Contains(s, "green") }), 0.03, 0.08},
		{"Q20 p_name like 'forest%'", share(db["part"].str("p_name"), func(s string) bool { return strings.HasPrefix(s, "forest") }), 0.004, 0.02},
		{"Q2 p_type like '%BRASS'", share(db["part"].str("p_type"), func(s string) bool { return strings.HasSuffix(s, "BRASS") }), 0.17, 0.23},
		{"Q14 p_type like 'PROMO%'", share(db["part"].str("p_type"), func(s string) bool { return strings.HasPrefix(s, "PROMO") }), 0.14, 0.20},
		{"Q19 l_shipinstruct = 'DELIVER IN PERSON'", share(db["lineitem"].str("l_shipinstruct"), func(s string) bool { return s == "DELIVER IN PERSON" }), 0.23, 0.27},
		{"Q12 l_shipmode = 'MAIL'", share(db["lineitem"].str("l_shipmode"), func(s string) bool { return s == "MAIL" }), 0.12, 0.17},
		{"Q3 c_mktsegment = 'BUILDING'", share(db["customer"].str("c_mktsegment"), func(s string) bool { return s == "BUILDING" }), 0.15, 0.25},
	} {
		if tc.got < tc.lo || tc.got > tc.hi {
			t.Errorf("%s: share %.4f not in [%v, %v]", tc.what, tc.got, tc.lo, tc.hi)
		}
	}
	// Q18: some orders have more than 300 units.
	qty := map[int64]int64{}
	li := db["lineitem"]
	for i, k := range li.i64("l_orderkey") {
		qty[k] += li.i64("l_quantity")[i] / 100
	}
	big := 0
	for _, q := range qty {
		if q > 300 {
			big++
		}
	}
	if big == 0 {
		t.Errorf("Q18: no order has more than 300 units")
	}
	// Q22: customers without orders in the queried country codes.
	hasOrders := map[int64]bool{}
	for _, c := range db["orders"].i64("o_custkey") {
		hasOrders[c] = true
	}
	codes := []string{"13", "31", "23", "29", "30", "18", "17"}
	q22 := 0
	c := db["customer"]
	for i, k := range c.i64("c_custkey") {
		if !hasOrders[k] && slices.Contains(codes, c.str("c_phone")[i][:2]) && c.i64("c_acctbal")[i] > 0 {
			q22++
		}
	}
	if q22 == 0 {
		t.Errorf("Q22: no customer without orders in the country codes")
	}
}

// TestSupplierComments generates the suppliers of scale factor 1 in memory
// and checks the spec's "Customer ... Complaints / Recommends" injection.
func TestSupplierComments(t *testing.T) {
	s, err := newScale(1)
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(s, newTextPool(textPoolSize))
	b := newBatch(tableDefs["supplier"])
	g.genSupplier(b, 0, s.suppliers)
	c := &b.cols[6]
	complaints, recommends := 0, 0
	from := 0
	for _, to := range c.ends {
		v := string(c.data[from:to])
		from = to
		if n := len(v); n < 25 || n > 100 {
			t.Fatalf("supplier comment of %d bytes: %q", n, v)
		}
		i := strings.Index(v, bbbCustomer)
		if i < 0 {
			continue
		}
		switch rest := v[i:]; {
		case strings.Contains(rest, bbbComplaints):
			complaints++
		case strings.Contains(rest, bbbRecommends):
			recommends++
		}
	}
	// 5 of each expected at SF 1: allow a Poisson spread.
	if complaints < 1 || complaints > 12 || recommends < 1 || recommends > 12 {
		t.Errorf("%d complaints and %d recommendations among 10000 suppliers, want about 5 each", complaints, recommends)
	}
}
