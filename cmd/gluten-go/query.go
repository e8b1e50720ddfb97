package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/gluten-go/gluten-go/engine"
)

// queryFlags are the flags of query and explain.
type queryFlags struct {
	tables   []string
	data     []string
	conf     []string
	format   string
	logLevel string
	file     string
	report   string
	verbose  bool
	sql      []string
}

func parseQueryFlags(args []string) (*queryFlags, error) {
	f := &queryFlags{format: "table", logLevel: "warn"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "-") || a == "-" {
			f.sql = append(f.sql, a)
			continue
		}
		if a == "--" {
			f.sql = append(f.sql, args[i+1:]...)
			break
		}
		name = strings.TrimLeft(name, "-")
		needVal := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			return args[i], nil
		}
		switch name {
		case "table", "data", "conf", "format", "log-level", "f", "file", "report":
			v, err := needVal()
			if err != nil {
				return nil, err
			}
			switch name {
			case "table":
				f.tables = append(f.tables, v)
			case "data":
				f.data = append(f.data, v)
			case "conf":
				f.conf = append(f.conf, v)
			case "format":
				f.format = v
			case "log-level":
				f.logLevel = v
			case "report":
				f.report = v
			default:
				f.file = v
			}
		case "verbose", "v":
			f.verbose = true
		default:
			if strings.HasPrefix(a, "-") && len(a) > 1 && (a[1] >= '0' && a[1] <= '9') {
				f.sql = append(f.sql, a) // a negative number in the SQL words
				continue
			}
			return nil, fmt.Errorf("unknown flag %s", a)
		}
	}
	switch f.format {
	case "table", "csv", "json":
	default:
		return nil, fmt.Errorf("unknown --format %q (use table, csv or json)", f.format)
	}
	return f, nil
}

func newLogger(level string, stderr io.Writer) (*slog.Logger, error) {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "info":
		l = slog.LevelInfo
	case "warn", "warning":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		return nil, fmt.Errorf("unknown --log-level %q (use debug, info, warn or error)", level)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: l})), nil
}

// openEngine opens an engine with the flags' configuration and tables.
func openEngine(f *queryFlags, stderr io.Writer) (*engine.Engine, error) {
	logger, err := newLogger(f.logLevel, stderr)
	if err != nil {
		return nil, err
	}
	settings := map[string]string{}
	for _, kv := range f.conf {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--conf %q: want KEY=VALUE", kv)
		}
		settings[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	eng, err := engine.Open(engine.WithConfig(settings), engine.WithLogger(logger), engine.WithProcessMemoryLimit())
	if err != nil {
		return nil, err
	}
	for _, dir := range f.data {
		if err := registerDataDir(eng, dir); err != nil {
			eng.Close()
			return nil, err
		}
	}
	for _, t := range f.tables {
		name, path, ok := strings.Cut(t, "=")
		if !ok || name == "" || path == "" {
			eng.Close()
			return nil, fmt.Errorf("--table %q: want NAME=PATH", t)
		}
		if err := eng.RegisterParquet(name, path); err != nil {
			eng.Close()
			return nil, err
		}
	}
	return eng, nil
}

// registerDataDir registers every Parquet file of dir as a table named after
// the file, and every sub-directory holding Parquet files as a table named
// after the directory.
func registerDataDir(eng *engine.Engine, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--data %s: %w", dir, unwrapPath(err))
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		path := filepath.Join(dir, name)
		switch {
		case e.IsDir():
			if !hasParquet(path) {
				continue
			}
		case strings.HasSuffix(strings.ToLower(name), ".parquet"):
			name = name[:len(name)-len(".parquet")]
		default:
			continue
		}
		if err := eng.RegisterParquet(tableName(name), path); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("--data %s: no Parquet files or directories of them found", dir)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// tableName makes a file or directory name a table name.
func tableName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b[i] = '_'
		}
	}
	return string(b)
}

func hasParquet(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipAll
		}
		if !d.IsDir() && strings.HasSuffix(strings.ToLower(d.Name()), ".parquet") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer, explain bool) error {
	f, err := parseQueryFlags(args)
	if err != nil {
		return err
	}
	sql := strings.Join(f.sql, " ")
	if f.file != "" {
		if sql != "" {
			return errors.New("give the SQL either as an argument or with -f, not both")
		}
		b, err := os.ReadFile(f.file)
		if err != nil {
			return fmt.Errorf("-f %s: %w", f.file, unwrapPath(err))
		}
		sql = string(b)
	}
	if strings.TrimSpace(sql) == "" {
		return fmt.Errorf("%w: no SQL given", errUsage)
	}
	eng, err := openEngine(f, stderr)
	if err != nil {
		return err
	}
	defer eng.Close()
	start := time.Now()
	if explain {
		text, err := eng.Explain(ctx, sql)
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, text)
		return err
	}
	if f.verbose && !isExplain(sql) {
		info, err := eng.Fallback(ctx, sql)
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, info)
	}
	// On a terminal, a progress line on stderr while the query runs.
	tracker := engine.NewTracker()
	ctx = engine.WithTracker(ctx, tracker)
	stop := startProgress(stderr, tracker)
	defer stop()
	if f.report != "" && !isExplain(sql) {
		return writeReport(ctx, eng, sql, f, stderr, start, stop)
	}
	rdr, err := eng.Query(ctx, sql)
	if err != nil {
		return err
	}
	defer rdr.Release()
	rdr = &stopOnFirst{RecordReader: rdr, stop: stop}
	if f.format == "table" && isExplain(sql) {
		// The plan prints as text, not as a one-cell table.
		return writePlan(stdout, rdr)
	}
	rows, err := writeResult(stdout, rdr, f.format)
	if err != nil {
		return err
	}
	if f.verbose {
		fmt.Fprintf(stderr, "%d rows in %s\n", rows, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// sortedKeys returns a map's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isExplain reports whether a statement is an EXPLAIN.
func isExplain(sql string) bool {
	s := strings.TrimSpace(sql)
	for strings.HasPrefix(s, "--") || strings.HasPrefix(s, "/*") {
		if strings.HasPrefix(s, "--") {
			_, rest, _ := strings.Cut(s, "\n")
			s = strings.TrimSpace(rest)
		} else {
			_, rest, _ := strings.Cut(s, "*/")
			s = strings.TrimSpace(rest)
		}
	}
	return len(s) >= 7 && strings.EqualFold(s[:7], "explain")
}

// writePlan prints the text of an EXPLAIN result.
func writePlan(w io.Writer, rdr array.RecordReader) error {
	for rdr.Next() {
		b := rdr.RecordBatch()
		col, ok := b.Column(0).(*array.String)
		if !ok {
			return fmt.Errorf("EXPLAIN returned %s, not text", b.Column(0).DataType())
		}
		for i := 0; i < col.Len(); i++ {
			if _, err := io.WriteString(w, col.Value(i)); err != nil {
				return err
			}
		}
	}
	return rdr.Err()
}

// writeReport runs the query to its end, writes its HTML report to
// f.report and prints a one-line summary on stderr (after stopProgress
// cleared the progress line); the rows are counted, not printed (as
// EXPLAIN ANALYZE does).
func writeReport(ctx context.Context, eng *engine.Engine, sql string, f *queryFlags, stderr io.Writer, start time.Time, stopProgress func()) error {
	out, err := os.Create(f.report)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	a, err := eng.Report(ctx, sql, out)
	stopProgress()
	if cerr := out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("--report: %w", cerr)
	}
	if err != nil {
		os.Remove(f.report)
		return err
	}
	fmt.Fprintf(stderr, "%d rows in %s; report written to %s\n", a.Rows, a.Elapsed.Round(time.Millisecond), f.report)
	if f.verbose {
		fmt.Fprintf(stderr, "%s in all\n", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
