package slt

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const sample = `# leading comment

query nosort first
SELECT 1,
  2
----
1	2

# comment between records
query rowsort
SELECT a FROM t
duckdb:
SELECT a
FROM t
----
x
(empty)
 

query error line 1, column 8: boom
SELECT boom

query nosort no_rows
SELECT 1 WHERE false
----

query nosort not_generated
SELECT 3
`

func TestParse(t *testing.T) {
	recs, err := Parse("s.slt", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{File: "s.slt", Line: 3, Kind: Query, Sort: NoSort, Label: "first", SQL: "SELECT 1,\n  2", HasExpected: true, Expected: []string{"1\t2"}},
		{File: "s.slt", Line: 10, Kind: Query, Sort: RowSort, SQL: "SELECT a FROM t", DuckDB: "SELECT a\nFROM t", HasExpected: true, Expected: []string{"x", "(empty)", " "}},
		{File: "s.slt", Line: 20, Kind: Error, SQL: "SELECT boom", ErrorSubstr: "line 1, column 8: boom"},
		{File: "s.slt", Line: 23, Kind: Query, Label: "no_rows", SQL: "SELECT 1 WHERE false", HasExpected: true},
		{File: "s.slt", Line: 27, Kind: Query, Label: "not_generated", SQL: "SELECT 3"},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i := range want {
		g, w := recs[i], want[i]
		g.lastBody, g.end = 0, 0
		if fmt.Sprintf("%#v", g) != fmt.Sprintf("%#v", w) {
			t.Errorf("record %d:\n got %#v\nwant %#v", i, g, w)
		}
	}
	if n := recs[0].Name(); n != "s.slt:3:first" {
		t.Errorf("Name() = %q", n)
	}
	if n := recs[1].Name(); n != "s.slt:10" {
		t.Errorf("Name() = %q", n)
	}
	if q := recs[0].ReferenceSQL(); q != recs[0].SQL {
		t.Errorf("ReferenceSQL without duckdb: = %q", q)
	}
	if q := recs[1].ReferenceSQL(); q != "SELECT a\nFROM t" {
		t.Errorf("ReferenceSQL with duckdb: = %q", q)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"not a header", "SELECT 1\n", "x.slt:1: expected a record header"},
		{"bad mode", "query sorted\nSELECT 1\n", "x.slt:1: unknown query mode \"sorted\""},
		{"two labels", "query nosort a b\nSELECT 1\n", "x.slt:1: a query header takes one label at most"},
		{"no sql", "query nosort\n----\n1\n", "x.slt:1: the record has no SQL"},
		{"no sql at eof", "\n\nquery nosort", "x.slt:3: the record has no SQL"},
		{"error without text", "query error\nSELECT 1\n", "x.slt:1: query error needs the expected error text"},
		{"error with rows", "query error boom\nSELECT 1\n----\n1\n", "x.slt:3: an error record takes no expected rows"},
		{"error with duckdb", "query error boom\nSELECT 1\nduckdb:\nSELECT 2\n", "x.slt:3: an error record takes no duckdb: section"},
		{"empty duckdb", "query nosort\nSELECT 1\nduckdb:\n----\n", "x.slt:3: empty duckdb: section"},
		{"bare query", "query\n", "x.slt:1: expected a record header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.slt", []byte(tc.src))
			if err == nil || !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error %v, want one wrapping ErrSyntax containing %q", err, tc.want)
			}
		})
	}
}

func TestRewrite(t *testing.T) {
	out, err := Rewrite("s.slt", []byte(sample), func(r *Record) ([]string, error) {
		switch r.Label {
		case "first":
			return []string{"1\t2"}, nil
		case "no_rows":
			return nil, nil
		case "not_generated":
			return []string{"3"}, nil
		}
		return []string{"y", "z"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(sample, "x\n(empty)\n \n", "y\nz\n", 1)
	want = strings.Replace(want, "SELECT 3\n", "SELECT 3\n----\n3\n", 1)
	if string(out) != want {
		t.Errorf("Rewrite:\n%s\nwant:\n%s", out, want)
	}
	// Rewriting with the same rows is the identity.
	recs, err := Parse("s.slt", out)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Rewrite("s.slt", out, func(r *Record) ([]string, error) { return r.Expected, nil })
	if err != nil || string(again) != string(out) {
		t.Errorf("identity rewrite changed the file (err %v):\n%s", err, again)
	}
	if len(recs) != 5 || !slices.Equal(recs[4].Expected, []string{"3"}) {
		t.Errorf("records after rewrite: %+v", recs)
	}
	if _, err := Rewrite("s.slt", []byte(sample), func(*Record) ([]string, error) { return []string{""}, nil }); err == nil {
		t.Error("an empty row was accepted")
	}
	boom := errors.New("boom")
	if _, err := Rewrite("s.slt", []byte(sample), func(*Record) ([]string, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("callback error not returned: %v", err)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.slt", "a.slt", "c.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("query nosort\nSELECT 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(files, []string{filepath.Join(dir, "a.slt"), filepath.Join(dir, "b.slt")}) {
		t.Errorf("Files = %v", files)
	}
	recs, err := ParseFile(files[0])
	if err != nil || len(recs) != 1 || recs[0].File != "a.slt" {
		t.Errorf("ParseFile = %+v, %v", recs, err)
	}
	if _, err := Files(t.TempDir()); err == nil {
		t.Error("Files of an empty directory succeeded")
	}
}

func TestFormat(t *testing.T) {
	ts := time.Date(2000, 2, 29, 12, 34, 56, 789000000, time.UTC)
	for _, tc := range []struct{ got, want string }{
		{FormatString(""), "(empty)"},
		{FormatString(" a\tb\nc\\ "), ` a\tb\nc\\ `},
		{FormatString("日本語"), "日本語"},
		{FormatBytes(nil), "(empty)"},
		{FormatBytes([]byte{0, 0xab}), "00AB"},
		{FormatBool(true), "true"},
		{FormatDouble(1e300), "1e+300"},
		{FormatDouble(0.1), "0.1"},
		{FormatDouble(-2), "-2"},
		{FormatDecimal(big.NewInt(-5), 2), "-0.05"},
		{FormatDecimal(big.NewInt(12345), 2), "123.45"},
		{FormatDecimal(big.NewInt(7), 0), "7"},
		{FormatDecimal(big.NewInt(0), 3), "0.000"},
		{FormatDate(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)), "0001-01-01"},
		{FormatTimestamp(ts), "2000-02-29 12:34:56.789"},
		{FormatTimestamp(ts.Truncate(time.Second)), "2000-02-29 12:34:56"},
		{FormatTimestamp(time.UnixMicro(-1)), "1969-12-31 23:59:59.999999"},
		{JoinRow([]string{"a", "NULL"}), "a\tNULL"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if got := SplitRow("a\t\tb"); !slices.Equal(got, []string{"a", "", "b"}) {
		t.Errorf("SplitRow = %q", got)
	}
}

func TestCellsEqual(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		scale     int
		eq        bool
	}{
		{"abc", "abc", -1, true},
		{"abc", "abd", -1, false},
		{"NULL", "0", -1, false},
		{"1", "1.0", -1, true},
		{"1e+300", "1.0E300", -1, true},
		{"0.30000000000000004", "0.3", -1, true},
		{"100", "100.000001", -1, false},
		{"1000000000", "1000000000.5", -1, true},
		{"-0", "0", -1, true},
		{"25.5224014", "25.522401", 6, true},
		{"25.5224016", "25.522402", 6, true},
		{"25.522402", "25.522401", 6, false},
		{"0.005", "0.01", 2, true},
		{"0.0049", "0.01", 2, false},
		{"2.5", "2.5", 2, true},
		{"true", "1", -1, false},
		{"NaN", "NaN", -1, true},
		{"inf", "Inf", -1, false},
		{"1e400", "1e400", -1, true},
		{"1e400", "2e400", -1, false},
		{"2024-01-01", "2024-01-01", -1, true},
		{"12", "012", -1, true},
	} {
		if got := CellsEqual(tc.want, tc.got, tc.scale); got != tc.eq {
			t.Errorf("CellsEqual(%q, %q, %d) = %v, want %v", tc.want, tc.got, tc.scale, got, tc.eq)
		}
	}
	if !RowsEqual("a\t1.0", "a\t1", nil) || RowsEqual("a\t1", "a", nil) || RowsEqual("a\t1", "b\t1", []int{-1, -1}) {
		t.Error("RowsEqual")
	}
	if !RowsEqual("x\t0.125", "x\t0.13", []int{-1, 2}) || RowsEqual("x\t0.125", "x\t0.13", []int{-1, -1}) {
		t.Error("RowsEqual with scales")
	}
}
