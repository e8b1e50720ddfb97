package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// defaultServeAddr is where serve listens without --addr.
const defaultServeAddr = "127.0.0.1:4040"

// serveFlags are serve's own flags; the others are query's.
type serveFlags struct {
	addr        string
	allowRemote bool
	q           *queryFlags
}

func parseServeFlags(args []string) (*serveFlags, error) {
	s := &serveFlags{addr: defaultServeAddr}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		switch strings.TrimLeft(name, "-") {
		case "addr":
			if !strings.HasPrefix(a, "-") {
				rest = append(rest, a)
				continue
			}
			if !hasVal {
				if i+1 >= len(args) {
					return nil, errors.New("flag --addr needs a value")
				}
				i++
				val = args[i]
			}
			s.addr = val
		case "allow-remote":
			if !strings.HasPrefix(a, "-") || hasVal {
				rest = append(rest, a)
				continue
			}
			s.allowRemote = true
		default:
			rest = append(rest, a)
		}
	}
	q, err := parseQueryFlags(rest)
	if err != nil {
		return nil, err
	}
	switch {
	case len(q.sql) > 0:
		return nil, fmt.Errorf("%w: serve takes no SQL (%q): submit it on the page", errUsage, strings.Join(q.sql, " "))
	case q.file != "" || q.report != "":
		return nil, fmt.Errorf("%w: -f and --report are flags of query, not of serve", errUsage)
	}
	s.q = q
	return s, nil
}

// checkLoopback refuses an address that is not on the loopback interface
// (an empty host listens on every interface).
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "every interface"
	}
	return fmt.Errorf("--addr %s: %s is not a loopback address; the page runs any SQL anyone reaching it submits, "+
		"without authentication: add --allow-remote to serve it there anyway", addr, host)
}

// cmdServe runs the live page until SIGINT or SIGTERM.
func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stderr, nil)
}

// serve runs the live page until ctx is done; ready (nil: none) is told
// the address it listens on.
func serve(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	f, err := parseServeFlags(args)
	if err != nil {
		return err
	}
	if !f.allowRemote {
		if err := checkLoopback(f.addr); err != nil {
			return err
		}
	}
	if len(f.q.data) == 0 && len(f.q.tables) == 0 {
		return fmt.Errorf("%w: serve needs tables: --data DIR or --table NAME=PATH", errUsage)
	}
	eng, err := openEngine(f.q, stderr)
	if err != nil {
		return err
	}
	defer eng.Close()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	var h http.Handler = eng.Handler()
	if !f.allowRemote {
		h = loopbackHostOnly(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "serving on http://%s/ (Ctrl-C stops)\n", ln.Addr())
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	<-errc
	if cerr := eng.Close(); err == nil {
		err = cerr
	}
	return err
}

// loopbackHostOnly refuses requests whose Host header does not name a
// loopback address (a DNS-rebinding page reaching the loopback server
// through a name of its own).
func loopbackHostOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		ip := net.ParseIP(strings.Trim(host, "[]"))
		if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "host not allowed", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}
