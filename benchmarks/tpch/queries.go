package tpch

import (
	"embed"
	"errors"
	"fmt"
	"strings"
)

// QueryCount is the number of TPC-H queries.
const QueryCount = 22

//go:embed queries/*.sql
var queryFiles embed.FS

// ErrUnknownQuery is wrapped by the error of Query for a number outside
// 1..QueryCount.
var ErrUnknownQuery = errors.New("tpch: unknown query")

// Query returns the text of TPC-H query n (1 to 22) with the specification's
// validation substitution parameters, without a trailing semicolon or
// newline. The text is accepted by Spark SQL and DuckDB alike: intervals are
// written interval '3' month, years extract(year from d), substrings
// substring(s, 1, 2), and Q15's view revenue0 is a WITH clause.
func Query(n int) (string, error) {
	if n < 1 || n > QueryCount {
		return "", fmt.Errorf("%w: %d (the queries are 1 to %d)", ErrUnknownQuery, n, QueryCount)
	}
	data, err := queryFiles.ReadFile(fmt.Sprintf("queries/q%d.sql", n))
	if err != nil {
		return "", fmt.Errorf("tpch: query %d: %w", n, err)
	}
	return strings.TrimSpace(string(data)), nil
}
