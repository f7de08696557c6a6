// Command ferretdb runs FerretDB with its SQLite backend for the local stack.
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
	dir := flag.String("dir", "data", "directory for the SQLite databases")
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

	abs, err := filepath.Abs(*dir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	if err != nil {
		logger.Error("cannot prepare data directory", "dir", *dir, "error", err)
		os.Exit(1)
	}

	// FerretDB itself listens on a private Unix socket; clients reach it through the proxy (see proxy.go).
	sockDir, err := os.MkdirTemp("", "ferretdb-")
	if err != nil {
		logger.Error("cannot create a socket directory", "error", err)
		os.Exit(1)
	}
	defer os.RemoveAll(sockDir)
	socket := filepath.Join(sockDir, "ferretdb.sock")

	l, err := net.Listen("tcp", *listen)
	if err != nil {
		logger.Error("cannot listen", "address", *listen, "error", err)
		os.Exit(1)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{Unix: socket},
		Logger:   logger,
		Handler:  "sqlite",
		// WAL (FerretDB's default) with synchronous=NORMAL: a commit survives a crash of this process, and the
		// fsync happens at checkpoints instead of on every commit. Only an OS crash or power cut can lose the
		// last commits; the same choice the local Temporal server makes.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(normal)",
	})
	if err != nil {
		logger.Error("cannot start FerretDB", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	logger.Info("FerretDB starting", "version", ferretdbVersion(), "listen", *listen, "dir", abs)
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	var dialer net.Dialer
	p := &proxy{
		logger:  logger,
		backend: func(ctx context.Context) (net.Conn, error) { return dialer.DialContext(ctx, "unix", socket) },
	}
	go indexIDLookups(ctx, abs, 2*time.Second, logger)
	if *debugListen != "" {
		go serveDebug(*debugListen, p, logger)
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
