// Command gluten-go runs Spark SQL over Parquet files on gluten-go's
// vectorized Arrow engine.
//
//	gluten-go query   [flags] SQL      run SQL (or -f FILE.sql)
//	gluten-go explain [flags] SQL      print the physical plan
//	gluten-go demo                     generate a small TPC-H dataset into a cache directory and run a showcase
//	gluten-go gen tpch --sf N --out DIR
//	gluten-go serve   [flags]          serve a live page: submit SQL, watch progress, read reports
//
// Flags of query, explain and serve:
//
//	--table NAME=PATH   register a table: a Parquet file, a directory of them, or a glob (repeatable)
//	--data DIR          register every *.parquet file in DIR, and every sub-directory holding Parquet files, as a table
//	--conf KEY=VALUE    configuration (repeatable)
//	--format table|csv|json
//	--log-level debug|info|warn|error
//
// Flags of serve only:
//
//	--addr HOST:PORT    where to listen (default 127.0.0.1:4040); a non-loopback address is refused ...
//	--allow-remote      ... unless this is given (the page has no authentication)
//
// On a terminal, query prints its progress on stderr while it runs longer
// than a second, on one line rewritten in place and cleared before the
// result prints.
//
// On any error it prints one line starting "error: " on stderr and exits
// with status 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  gluten-go query   [flags] SQL        run SQL; also: -f FILE.sql
  gluten-go explain [flags] SQL        print the physical plan
  gluten-go demo    [--dir DIR] [--sf N]  generate a small TPC-H dataset (cached) and run a showcase
  gluten-go gen tpch --sf N --out DIR  generate TPC-H data as Parquet
  gluten-go serve   [flags]            serve a live page in the browser: submit SQL, watch the
                                       running queries' progress, open finished queries' reports

flags of query, explain and serve:
  --table NAME=PATH     register a table: a Parquet file, a directory of them, or a glob (repeatable)
  --data DIR            register every *.parquet file in DIR and every sub-directory
                        holding Parquet files as a table named after it
  --conf KEY=VALUE      configuration, e.g. spark.sql.shuffle.partitions=8 (repeatable)
  --format table|csv|json   output format (default table)
  --log-level debug|info|warn|error   log on stderr (default warn)
  -f FILE               read the SQL from FILE
  --verbose             print timings on stderr
  --report FILE.html    query: run the query to its end (rows counted, not printed) and write
                        a self-contained HTML report: plan graph, stages, metrics, fallback,
                        task timeline, memory per executor

flags of serve (also --data, --table, --conf, --log-level):
  --addr HOST:PORT      where to listen (default 127.0.0.1:4040); only loopback addresses
                        unless --allow-remote; SIGINT or SIGTERM stops, cancelling running queries
  --allow-remote        allow a non-loopback --addr (the page runs any SQL submitted to it
                        and has no authentication)

On a terminal, query shows its progress on stderr when it runs longer than a second.
`

// run is main without the exit, for tests.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "error: internal error: %v\n", r)
			if os.Getenv("GLUTEN_GO_TRACEBACK") != "" {
				fmt.Fprintf(stderr, "%s", debug.Stack())
			}
			code = 1
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 1
	}
	var err error
	switch args[0] {
	case "query":
		err = cmdQuery(ctx, args[1:], stdout, stderr, false)
	case "explain":
		err = cmdQuery(ctx, args[1:], stdout, stderr, true)
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, stderr)
	case "gen":
		err = cmdGen(ctx, args[1:], stdout, stderr)
	case "serve":
		err = cmdServe(ctx, args[1:], stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("unknown command %q (commands: query, explain, demo, gen, serve)", args[0])
	}
	if err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprint(stderr, usage)
		}
		fmt.Fprintf(stderr, "error: %s\n", oneLine(err.Error()))
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

// oneLine folds a multi-line message into one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
