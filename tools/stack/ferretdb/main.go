// Command ferretdb runs FerretDB for the local stack, on its SQLite backend or on a PostgreSQL server.
//
// FerretDB's own cmd cannot simply be `go install`ed (it needs generated build files), but its
// embeddable package can: this launcher is the smallest program around it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

const module = "github.com/FerretDB/FerretDB"

// ferretdbVersion is the version of the FerretDB module this binary was built with.
func ferretdbVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == module {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	backend := flag.String("backend", "sqlite", "where documents are kept: sqlite or postgresql")
	dir := flag.String("dir", "data", "directory for the SQLite databases")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL connection string (backend postgresql)")
	debugListen := flag.String("debug-listen", "", "TCP address for /debug/pprof and /debug/commands (off when empty)")
	level := flag.String("log-level", "info", "debug, info, warn or error")
	showVersion := flag.Bool("version", false, "print the FerretDB version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(ferretdbVersion())
		return
	}

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *level, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	switch *backend {
	case "sqlite":
		runOnSQLite(ctx, logger, *listen, *dir, *debugListen)
	case "postgresql":
		runOnPostgreSQL(ctx, logger, *listen, *postgresURL, *debugListen)
	default:
		fmt.Fprintf(os.Stderr, "ferretdb: bad -backend %q: expected sqlite or postgresql\n", *backend)
		os.Exit(2)
	}
}

// runOnPostgreSQL keeps the documents in a PostgreSQL database. FerretDB's updates are as racy there as on
// SQLite (see proxy.go), so writes still pass the proxy, but only writes of the same documents wait for each
// other: PostgreSQL takes concurrent writers, and the race is between writes of the same documents. Finds by _id
// need an index FerretDB does not make (see pgindex.go).
func runOnPostgreSQL(ctx context.Context, logger *slog.Logger, listen, url, debugListen string) {
	if url == "" {
		logger.Error("-backend postgresql needs -postgresql-url")
		os.Exit(2)
	}
	config := ferretdb.Config{Handler: "postgresql", PostgreSQLURL: url}
	index := func(ctx context.Context) { go indexIDContainment(ctx, url, 2*time.Second, logger) }
	runBehindProxy(ctx, logger, listen, debugListen, config, newWriteLocks(false), index)
}

// runOnSQLite keeps the documents in SQLite files under dir, behind the proxy that lets one write in at a time.
func runOnSQLite(ctx context.Context, logger *slog.Logger, listen, dir, debugListen string) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	if err != nil {
		logger.Error("cannot prepare data directory", "dir", dir, "error", err)
		os.Exit(1)
	}
	config := ferretdb.Config{
		Handler: "sqlite",
		// WAL (FerretDB's default) with synchronous=NORMAL: a commit survives a crash of this process, and the
		// fsync happens at checkpoints instead of on every commit. Only an OS crash or power cut can lose the
		// last commits; the same choice the local Temporal server makes.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(normal)",
	}
	index := func(ctx context.Context) { go indexIDLookups(ctx, abs, 2*time.Second, logger) }
	runBehindProxy(ctx, logger, listen, debugListen, config, newWriteLocks(true), index)
}

// runBehindProxy runs FerretDB on a private Unix socket and serves clients through the proxy (see proxy.go)
// until ctx ends; alongside starts whatever the backend needs besides.
func runBehindProxy(
	ctx context.Context, logger *slog.Logger, listen, debugListen string,
	config ferretdb.Config, locks *writeLocks, alongside func(context.Context),
) {
	sockDir, err := os.MkdirTemp("", "ferretdb-")
	if err != nil {
		logger.Error("cannot create a socket directory", "error", err)
		os.Exit(1)
	}
	defer os.RemoveAll(sockDir)
	socket := filepath.Join(sockDir, "ferretdb.sock")

	l, err := net.Listen("tcp", listen)
	if err != nil {
		logger.Error("cannot listen", "address", listen, "error", err)
		os.Exit(1)
	}

	config.Listener = ferretdb.ListenerConfig{Unix: socket}
	config.Logger = logger
	f, err := ferretdb.New(&config)
	if err != nil {
		logger.Error("cannot start FerretDB", "error", err)
		os.Exit(1)
	}

	logger.Info("FerretDB starting", "version", ferretdbVersion(), "listen", listen, "backend", config.Handler)
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	var dialer net.Dialer
	p := &proxy{
		logger:  logger,
		writes:  locks,
		backend: func(ctx context.Context) (net.Conn, error) { return dialer.DialContext(ctx, "unix", socket) },
	}
	alongside(ctx)
	if debugListen != "" {
		go serveDebug(debugListen, p, logger)
	}
	p.serve(ctx, l)

	if err := <-done; err != nil {
		logger.Error("FerretDB stopped with an error", "error", err)
		os.Exit(1)
	}
	logger.Info("FerretDB stopped")
}

// serveDebug serves Go's profiles (/debug/pprof/) and the proxy's per-command timings (/debug/commands), so that
// where the database's time goes can be measured rather than guessed. Loopback only, like the server itself.
func serveDebug(addr string, p *proxy, logger *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/commands", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p.snapshot())
	})
	if err := http.ListenAndServe(addr, mux); err != nil {
		logger.Error("debug endpoint stopped", "address", addr, "error", err)
	}
}
