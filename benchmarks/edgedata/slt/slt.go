// Package slt reads and rewrites gluten-go's correctness-suite files (a
// sqllogictest-like format) and holds the rules, shared by the suite runner
// (engine/suite_test.go) and the reference generator (benchmarks/duckdb's
// refgen), for rendering result values as text and for comparing them.
//
// # Format
//
// A file holds records separated by blank lines. Lines starting with '#'
// between records are comments.
//
//	# comment
//	query nosort|rowsort [label]
//	<Spark SQL, one or more lines>
//	duckdb:
//	<optional: the DuckDB SQL computing the same result, when the dialects differ>
//	----
//	<expected rows: tab-separated cells, one row a line>
//
//	query error <substring of the expected error message>
//	<SQL that must fail>
//
// rowsort compares the rows after sorting both sides as text; nosort compares
// them in order (for queries with a total ORDER BY). The expected rows are
// written by the reference generator, never by hand. An empty result is a
// "----" line followed by the blank line (or the end of the file).
//
// # Cells
//
// NULL is rendered NULL; booleans true / false; integers in decimal;
// doubles with strconv's 'g' format and the shortest precision; decimals as
// plain text with exactly the type's scale; dates YYYY-MM-DD; timestamps
// YYYY-MM-DD HH:MM:SS with a fraction of up to six digits, trailing zeros
// dropped, only when it is not zero; strings as they are, except that the
// empty string is (empty) and backslash, tab, newline and carriage return are
// escaped as \\, \t, \n, \r; binary values as upper-case hex, (empty) when
// empty.
package slt

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind tells a query from an error record.
type Kind int

const (
	// Query records run SQL and compare its rows.
	Query Kind = iota
	// Error records run SQL that must fail.
	Error
)

// SortMode says how rows are compared.
type SortMode int

const (
	// NoSort compares rows in order.
	NoSort SortMode = iota
	// RowSort sorts both sides' rows as text before comparing.
	RowSort
)

// Record is one query or error record of a suite file.
type Record struct {
	// File is the name the file was parsed under; Line the 1-based line of
	// the record's header.
	File string
	Line int
	// Kind and, for queries, Sort and the optional Label.
	Kind  Kind
	Sort  SortMode
	Label string
	// SQL is the Spark SQL text; DuckDB the text of the duckdb: section, or
	// empty when there is none.
	SQL    string
	DuckDB string
	// HasExpected reports a "----" line; Expected holds the rows after it.
	HasExpected bool
	Expected    []string
	// ErrorSubstr is, for error records, the text the error must contain.
	ErrorSubstr string

	// Line indexes (0-based) used by Rewrite: the last line of the SQL or
	// duckdb section, and the first line after the record.
	lastBody, end int
}

// Name returns file:line[:label], the record's test name.
func (r *Record) Name() string {
	n := r.File + ":" + strconv.Itoa(r.Line)
	if r.Label != "" {
		n += ":" + r.Label
	}
	return n
}

// ReferenceSQL returns the SQL the reference engine runs: the duckdb:
// section when present, else the Spark SQL.
func (r *Record) ReferenceSQL() string {
	if r.DuckDB != "" {
		return r.DuckDB
	}
	return r.SQL
}

// ErrSyntax is wrapped by the errors about malformed suite files.
var ErrSyntax = errors.New("slt: malformed suite file")

// Files returns the *.slt files of dir, sorted by name.
func Files(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.slt"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("slt: no *.slt files in %s", dir)
	}
	slices.Sort(files)
	return files, nil
}

// ParseFile parses the file at path, naming its records after the file's
// base name.
func ParseFile(path string) ([]Record, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(filepath.Base(path), src)
}

func splitLines(src []byte) []string {
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

func isBlank(line string) bool { return strings.TrimSpace(line) == "" }

// Parse parses a suite file's text; name is used in record names and errors.
func Parse(name string, src []byte) ([]Record, error) {
	lines := splitLines(src)
	var recs []Record
	fail := func(i int, format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d: %s", ErrSyntax, name, i+1, fmt.Sprintf(format, args...))
	}
	for i := 0; i < len(lines); {
		line := lines[i]
		if isBlank(line) || strings.HasPrefix(line, "#") {
			i++
			continue
		}
		fields := strings.Fields(line)
		if fields[0] != "query" || len(fields) < 2 {
			return nil, fail(i, "expected a record header \"query nosort|rowsort [label]\" or \"query error <text>\", found %q", line)
		}
		rec := Record{File: name, Line: i + 1}
		switch fields[1] {
		case "nosort", "rowsort":
			rec.Kind = Query
			if fields[1] == "rowsort" {
				rec.Sort = RowSort
			}
			switch len(fields) {
			case 2:
			case 3:
				rec.Label = fields[2]
			default:
				return nil, fail(i, "a query header takes one label at most, found %q", line)
			}
		case "error":
			rec.Kind = Error
			rec.ErrorSubstr = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "query"))
			rec.ErrorSubstr = strings.TrimSpace(strings.TrimPrefix(rec.ErrorSubstr, "error"))
			if rec.ErrorSubstr == "" {
				return nil, fail(i, "query error needs the expected error text")
			}
		default:
			return nil, fail(i, "unknown query mode %q (want nosort, rowsort or error)", fields[1])
		}
		i++
		// The SQL section.
		start := i
		for i < len(lines) && !isBlank(lines[i]) && lines[i] != "duckdb:" && lines[i] != "----" {
			i++
		}
		if i == start {
			return nil, fail(start-1, "the record has no SQL")
		}
		rec.SQL = strings.Join(lines[start:i], "\n")
		rec.lastBody = i - 1
		if i < len(lines) && lines[i] == "duckdb:" {
			if rec.Kind == Error {
				return nil, fail(i, "an error record takes no duckdb: section")
			}
			i++
			start = i
			for i < len(lines) && !isBlank(lines[i]) && lines[i] != "----" {
				i++
			}
			if i == start {
				return nil, fail(start-1, "empty duckdb: section")
			}
			rec.DuckDB = strings.Join(lines[start:i], "\n")
			rec.lastBody = i - 1
		}
		if i < len(lines) && lines[i] == "----" {
			if rec.Kind == Error {
				return nil, fail(i, "an error record takes no expected rows")
			}
			rec.HasExpected = true
			i++
			for i < len(lines) && lines[i] != "" {
				rec.Expected = append(rec.Expected, lines[i])
				i++
			}
		}
		rec.end = i
		recs = append(recs, rec)
	}
	return recs, nil
}

// Rewrite returns src with the expected rows of every query record replaced
// by the rows results returns for it (a "----" line is added where missing).
// Comments, SQL and error records are kept as they are.
func Rewrite(name string, src []byte, results func(*Record) ([]string, error)) ([]byte, error) {
	recs, err := Parse(name, src)
	if err != nil {
		return nil, err
	}
	lines := splitLines(src)
	var out bytes.Buffer
	emit := func(s string) {
		out.WriteString(s)
		out.WriteByte('\n')
	}
	next := 0
	for k := range recs {
		rec := &recs[k]
		if rec.Kind != Query {
			continue
		}
		rows, err := results(rec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rec.Name(), err)
		}
		for _, l := range lines[next : rec.lastBody+1] {
			emit(l)
		}
		emit("----")
		for _, r := range rows {
			if r == "" {
				return nil, fmt.Errorf("%s: a result row renders as an empty line", rec.Name())
			}
			emit(r)
		}
		next = rec.end
	}
	for _, l := range lines[next:] {
		emit(l)
	}
	return out.Bytes(), nil
}

// Null is the text of a NULL cell; Empty that of an empty string or binary.
const (
	Null  = "NULL"
	Empty = "(empty)"
)

var stringEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

// FormatString renders a string cell.
func FormatString(s string) string {
	if s == "" {
		return Empty
	}
	return stringEscaper.Replace(s)
}

// FormatBytes renders a binary cell as upper-case hex.
func FormatBytes(b []byte) string {
	if len(b) == 0 {
		return Empty
	}
	return strings.ToUpper(fmt.Sprintf("%x", b))
}

// FormatBool renders a boolean cell.
func FormatBool(b bool) string { return strconv.FormatBool(b) }

// FormatDouble renders a double cell.
func FormatDouble(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// FormatDecimal renders the decimal unscaled * 10^-scale as plain text with
// exactly scale fraction digits.
func FormatDecimal(unscaled *big.Int, scale int) string {
	neg := unscaled.Sign() < 0
	digits := new(big.Int).Abs(unscaled).String()
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// FormatDate renders a date cell (the date of t in UTC).
func FormatDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

// FormatTimestamp renders a timestamp cell (t in UTC, microsecond
// precision).
func FormatTimestamp(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%06d", us), "0")
	}
	return s
}

// SplitRow splits a row into its cells.
func SplitRow(row string) []string { return strings.Split(row, "\t") }

// JoinRow joins cells into a row.
func JoinRow(cells []string) string { return strings.Join(cells, "\t") }

// number matches the cells compared as numbers: decimal integers and
// floating-point numbers (no NaN, no infinities, no hex).
var number = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// RelTolerance is the relative difference accepted between two numeric
// cells.
const RelTolerance = 1e-9

// CellsEqual compares an expected and an actual cell. Cells that both parse
// as numbers are equal when they differ by at most RelTolerance relative to
// the larger magnitude, or, when the actual column is a DECIMAL of scale
// decimalScale (>= 0), by at most half a unit of its last place (the
// reference may compute in double what Spark rounds to the decimal's scale).
// Pass a negative decimalScale for other columns. All other cells must be
// equal as text.
func CellsEqual(want, got string, decimalScale int) bool {
	if want == got {
		return true
	}
	if !number.MatchString(want) || !number.MatchString(got) {
		return false
	}
	a, err1 := strconv.ParseFloat(want, 64)
	b, err2 := strconv.ParseFloat(got, 64)
	if err1 != nil || err2 != nil {
		// Out of float range: only exact text equality counts.
		return false
	}
	diff := math.Abs(a - b)
	if diff <= RelTolerance*max(math.Abs(a), math.Abs(b)) {
		return true
	}
	if decimalScale >= 0 {
		halfUlp := 0.5 * math.Pow10(-decimalScale)
		// A little slack for the double rounding of the reference value.
		return diff <= halfUlp*(1+1e-9)+1e-15*max(math.Abs(a), math.Abs(b))
	}
	return false
}

// RowsEqual compares two rows cell by cell with CellsEqual; decimalScales
// gives each column's scale (negative for non-decimal columns; missing
// entries count as negative).
func RowsEqual(want, got string, decimalScales []int) bool {
	if want == got {
		return true
	}
	wc, gc := SplitRow(want), SplitRow(got)
	if len(wc) != len(gc) {
		return false
	}
	for i := range wc {
		s := -1
		if i < len(decimalScales) {
			s = decimalScales[i]
		}
		if !CellsEqual(wc[i], gc[i], s) {
			return false
		}
	}
	return true
}
