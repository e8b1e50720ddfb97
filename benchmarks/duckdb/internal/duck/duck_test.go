package duck

import (
	"context"
	"math/big"
	"slices"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/gluten-go/gluten-go/benchmarks/edgedata"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		v        any
		typeName string
		want     string
	}{
		{nil, "INTEGER", "NULL"},
		{true, "BOOLEAN", "true"},
		{int8(-3), "TINYINT", "-3"},
		{int32(7), "INTEGER", "7"},
		{int64(-9223372036854775808), "BIGINT", "-9223372036854775808"},
		{uint64(18446744073709551615), "UBIGINT", "18446744073709551615"},
		{new(big.Int).Lsh(big.NewInt(1), 70), "HUGEINT", "1180591620717411303424"},
		{float32(0.5), "FLOAT", "0.5"},
		{1e300, "DOUBLE", "1e+300"},
		{duckdb.Decimal{Width: 15, Scale: 2, Value: big.NewInt(-5)}, "DECIMAL(15,2)", "-0.05"},
		{duckdb.Decimal{Width: 38, Scale: 0, Value: big.NewInt(12)}, "DECIMAL(38,0)", "12"},
		{"", "VARCHAR", "(empty)"},
		{"a\tb", "VARCHAR", `a\tb`},
		{[]byte{0xff, 0}, "BLOB", "FF00"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "DATE", "0001-01-01"},
		{time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), "TIMESTAMP", "1969-12-31 23:59:59.999999"},
		{time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC), "TIMESTAMP WITH TIME ZONE", "2000-02-29 12:00:00"},
	} {
		got, err := Render(tc.v, tc.typeName)
		if err != nil || got != tc.want {
			t.Errorf("Render(%#v, %s) = %q, %v; want %q", tc.v, tc.typeName, got, err, tc.want)
		}
	}
	if _, err := Render(time.Now(), "TIME"); err == nil {
		t.Error("Render of a TIME succeeded")
	}
	if _, err := Render(struct{}{}, "STRUCT"); err == nil {
		t.Error("Render of a struct succeeded")
	}
}

// TestSession reads the edge table through the views refgen creates and
// checks the rendering of every type and the session settings.
func TestSession(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := edgedata.Generate(dir); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RegisterViews(ctx, map[string]string{edgedata.TableName: dir + "/" + edgedata.TableName}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"SELECT current_setting('TimeZone')", []string{"UTC"}},
		{"SELECT count(*) FROM edge", []string{"1000"}},
		// id 16 holds the empty string, 19 the first special timestamp, 18
		// the first special date, 15 the largest DECIMAL(38,10).
		{"SELECT id, s, ts, dt, big, dec, bin, b FROM edge WHERE id IN (15, 16, 18, 19) ORDER BY id", []string{
			"15\tItem_27\t1973-03-03 23:35:12.781732\t1986-02-10\t9999999999999999999999999999.9999999999\t-83557896.69\tNULL\tfalse",
			"16\t(empty)\tNULL\t1996-08-22\t-707091572797959.2764970098\tNULL\t0010\tfalse",
			"18\tItem_29\t1990-02-23 23:49:19.693521\t0001-01-01\t-67951796939456.4180073407\t-9433646.99\t0012\ttrue",
			"19\tItem_14\t1900-01-01 00:00:00\tNULL\tNULL\t76319650.09\t0013\tfalse",
		}},
		// Spark's NULL order: first when ascending, last when descending.
		{"SELECT grp FROM (SELECT DISTINCT grp FROM edge) ORDER BY grp", []string{"NULL", "0", "1", "2", "3", "4"}},
		{"SELECT grp FROM (SELECT DISTINCT grp FROM edge) ORDER BY grp DESC", []string{"4", "3", "2", "1", "0", "NULL"}},
	} {
		got, err := s.Rows(ctx, tc.sql)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.sql, got, tc.want)
		}
	}
	if _, err := s.Rows(ctx, "SELECT nosuchcolumn FROM edge"); err == nil {
		t.Error("a bad query succeeded")
	}
}
