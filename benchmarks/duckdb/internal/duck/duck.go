// Package duck opens DuckDB sessions over gluten-go's Parquet datasets and
// renders DuckDB results in the correctness suite's text form.
package duck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/gluten-go/gluten-go/benchmarks/edgedata"
	"github.com/gluten-go/gluten-go/benchmarks/edgedata/slt"
)

// Session is one DuckDB connection (settings such as the time zone belong
// to a connection, so everything runs on the same one).
type Session struct {
	db   *sql.DB
	conn *sql.Conn
}

// Open opens an in-memory DuckDB database with one connection, set to UTC,
// to Spark's default NULL order (first in ascending order, last in
// descending) and, when threads > 0, to that many threads.
func Open(ctx context.Context, threads int) (*Session, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	s := &Session{db: db, conn: conn}
	settings := []string{
		"SET TimeZone = 'UTC'",
		"SET default_null_order = 'nulls_first_on_asc_last_on_desc'",
	}
	if threads > 0 {
		settings = append(settings, fmt.Sprintf("SET threads = %d", threads))
	}
	for _, q := range settings {
		if err := s.Exec(ctx, q); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes the connection and the database.
func (s *Session) Close() error {
	return errors.Join(s.conn.Close(), s.db.Close())
}

// Exec runs a statement that returns no rows.
func (s *Session) Exec(ctx context.Context, q string) error {
	if _, err := s.conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("duckdb: %s: %w", q, err)
	}
	return nil
}

// Query runs q.
func (s *Session) Query(ctx context.Context, q string) (*sql.Rows, error) {
	return s.conn.QueryContext(ctx, q)
}

// quote returns s as a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// RegisterViews creates a view named after each table over
// read_parquet('<path>/*.parquet'). The edge table's TIMESTAMP column, which
// DuckDB reads as TIMESTAMP WITH TIME ZONE (the files say isAdjustedToUTC),
// is cast to TIMESTAMP, Spark's type of it, in the session's UTC.
func (s *Session) RegisterViews(ctx context.Context, tables map[string]string) error {
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		sel := "*"
		if name == edgedata.TableName {
			sel = "* REPLACE (CAST(ts AS TIMESTAMP) AS ts)"
		}
		q := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM read_parquet(%s)", name, sel, quote(tables[name]+"/*.parquet"))
		if err := s.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// Rows runs q and renders its rows with the suite's rules (package slt).
func (s *Session) Rows(ctx context.Context, q string) ([]string, error) {
	rows, err := s.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	cells := make([]string, len(types))
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			c, err := Render(v, types[i].DatabaseTypeName())
			if err != nil {
				return nil, fmt.Errorf("column %d (%s): %w", i+1, types[i].Name(), err)
			}
			cells[i] = c
		}
		out = append(out, slt.JoinRow(cells))
	}
	return out, rows.Err()
}

// Render renders one value scanned from DuckDB; typeName is the column's
// DuckDB type (it tells a DATE from a TIMESTAMP).
func Render(v any, typeName string) (string, error) {
	switch x := v.(type) {
	case nil:
		return slt.Null, nil
	case bool:
		return slt.FormatBool(x), nil
	case int8:
		return strconv.FormatInt(int64(x), 10), nil
	case int16:
		return strconv.FormatInt(int64(x), 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case *big.Int:
		return x.String(), nil
	case float32:
		return slt.FormatDouble(float64(x)), nil
	case float64:
		return slt.FormatDouble(x), nil
	case duckdb.Decimal:
		return slt.FormatDecimal(x.Value, int(x.Scale)), nil
	case string:
		return slt.FormatString(x), nil
	case []byte:
		return slt.FormatBytes(x), nil
	case time.Time:
		switch {
		case typeName == "DATE":
			return slt.FormatDate(x), nil
		case strings.HasPrefix(typeName, "TIMESTAMP"):
			return slt.FormatTimestamp(x), nil
		}
	}
	return "", fmt.Errorf("unsupported DuckDB value %T of type %s", v, typeName)
}
