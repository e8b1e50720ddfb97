// Command bench compares gluten-go with DuckDB on TPC-H, and gluten-go's
// Parquet reader with arrow-go's.
//
//	go run ./cmd/bench tpch --sf 1 --queries 1,6 [--runs 3] [--out FILE] [--conf KEY=VALUE ...]
//	go run ./cmd/bench scan --sf 1 [--runs 3] [--threads N] [--out FILE]
//
// Both generate the TPC-H dataset of the scale factor into a cache directory
// ($GLUTEN_GO_CACHE, else the user's cache directory, under gluten-go/; the
// same place the gluten-go demo uses), or reuse it when tpch.Exists says it is
// complete; --dir overrides the location.
//
// tpch runs every query of every engine in a separate child process of this
// binary (the hidden subcommand "child"), so that the peak RSS each child
// reports (VmHWM of /proc/self/status, read when it is done) belongs to one
// engine and one query. A child runs the query once to warm up, then --runs
// times, and reports the times; the table shows the median. gluten-go runs
// through the engine API and drains the result batches; DuckDB runs over
// read_parquet views of the same files with as many threads as the machine
// has cores.
//
// scan reads every row group of lineitem with N goroutines (N = the cores by
// default), all columns and then four, with gluten-go's reader (package
// columnar/pqscan) and with arrow-go's (pqarrow with Parallel reads), in this
// process, and reports rows per second.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  bench tpch --sf N --queries 1,6 [--runs 3] [--out FILE] [--dir DIR] [--conf KEY=VALUE ...]
  bench scan --sf N [--runs 3] [--threads N] [--alloc pool|go] [--out FILE] [--dir DIR]
  bench fallback --sf N [--runs 3] [--out FILE] [--dir DIR]`

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("no command\n%s", usage)
	}
	switch args[0] {
	case "tpch":
		return runTPCH(ctx, args[1:], stdout)
	case "scan":
		return runScan(ctx, args[1:], stdout)
	case "fallback":
		return runFallback(ctx, args[1:], stdout)
	case "child":
		return runChild(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// confFlags collects repeated --conf KEY=VALUE flags.
type confFlags map[string]string

func (c confFlags) String() string {
	var parts []string
	for k, v := range c {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (c confFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	c[k] = v
	return nil
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args and refuses positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %w\n%s", fs.Name(), err, usage)
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%s: unexpected argument %q\n%s", fs.Name(), fs.Arg(0), usage)
	}
	return nil
}
