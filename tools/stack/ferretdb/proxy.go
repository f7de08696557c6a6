package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// FerretDB 1.24 implements an update as "query the documents, then write them back" with no transaction
// around the two, so concurrent updates of one document lose increments (50 concurrent $inc upserts leave
// a counter far below 50), and concurrent upserts of a missing document race. MongoDB makes every
// single-document write atomic, and this project relies on that. The launcher therefore puts a thin
// wire-protocol proxy in front of FerretDB that lets reads through untouched and runs write commands
// one at a time. SQLite admits one writer at a time anyway: writes to different collections side by side
// measured slower, as SQLite's busy handler then sleeps between attempts. PostgreSQL does take concurrent
// writers, so there only the writes of the same documents wait for each other (see writelocks.go).

const (
	opQuery = 2004
	opMsg   = 2013

	flagMoreToCome = 1 << 1

	maxMessageSize = 48 * 1024 * 1024
)

// writeCommands are the commands that modify data or metadata; they are serialised.
var writeCommands = map[string]bool{
	"insert": true, "update": true, "delete": true, "findandmodify": true,
	"create": true, "createindexes": true, "drop": true, "dropdatabase": true,
	"dropindexes": true, "renamecollection": true, "collmod": true,
}

type message struct {
	raw    []byte // header and body, as read
	opCode int32
}

func readMessage(r io.Reader) (*message, error) {
	header := make([]byte, 16)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, err
	}
	length := int32(binary.LittleEndian.Uint32(header[0:4]))
	if length < 16 || length > maxMessageSize {
		return nil, fmt.Errorf("bad message length %d", length)
	}
	raw := make([]byte, length)
	copy(raw, header)
	if _, err := io.ReadFull(r, raw[16:]); err != nil {
		return nil, err
	}
	return &message{raw: raw, opCode: int32(binary.LittleEndian.Uint32(header[12:16]))}, nil
}

// flags returns the OP_MSG flag bits (0 for other op codes).
func (m *message) flags() uint32 {
	if m.opCode != opMsg || len(m.raw) < 20 {
		return 0
	}
	return binary.LittleEndian.Uint32(m.raw[16:20])
}

// command returns the lower-cased name of an OP_MSG command (the first key of its body, section kind 0) and,
// when that key's value is a string, the value: the collection for find, insert, update and the like.
func (m *message) command() (name, collection string) {
	if m.opCode != opMsg {
		return "", ""
	}
	b := m.raw[20:]
	for len(b) > 0 {
		kind := b[0]
		b = b[1:]
		if len(b) < 4 {
			return "", ""
		}
		size := int(binary.LittleEndian.Uint32(b[0:4]))
		if size < 5 || size > len(b) {
			return "", ""
		}
		if kind == 0 {
			doc := b[:size]
			// int32 length, then the first element: type byte, key as a C string, value.
			if len(doc) < 6 || doc[4] == 0 {
				return "", ""
			}
			end := bytes.IndexByte(doc[5:], 0)
			if end < 0 {
				return "", ""
			}
			name = strings.ToLower(string(doc[5 : 5+end]))
			value := doc[5+end+1:]
			const bsonString = 0x02
			if doc[4] == bsonString && len(value) >= 4 {
				n := int(binary.LittleEndian.Uint32(value[0:4]))
				if n >= 1 && 4+n <= len(value) {
					collection = string(value[4 : 4+n-1])
				}
			}
			return name, collection
		}
		b = b[size:] // kind 1: document sequence, size includes itself
	}
	return "", ""
}

// commandStats is where the database's time goes, per command and collection: served at /debug/commands.
type commandStats struct {
	Count      int64   `json:"count"`
	TotalMs    float64 `json:"totalMs"`
	MaxMs      float64 `json:"maxMs"`
	LockWaitMs float64 `json:"lockWaitMs"`
}

type proxy struct {
	backend func(ctx context.Context) (net.Conn, error)
	logger  *slog.Logger
	writes  *writeLocks

	statsMu sync.Mutex
	stats   map[string]*commandStats
}

func (p *proxy) record(key string, took, lockWait time.Duration) {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	if p.stats == nil {
		p.stats = map[string]*commandStats{}
	}
	s := p.stats[key]
	if s == nil {
		s = &commandStats{}
		p.stats[key] = s
	}
	ms := float64(took) / float64(time.Millisecond)
	s.Count++
	s.TotalMs += ms
	s.MaxMs = max(s.MaxMs, ms)
	s.LockWaitMs += float64(lockWait) / float64(time.Millisecond)
}

// snapshot returns a copy of the per-command statistics since start.
func (p *proxy) snapshot() map[string]commandStats {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	out := make(map[string]commandStats, len(p.stats))
	for k, v := range p.stats {
		out[k] = *v
	}
	return out
}

func (p *proxy) serve(ctx context.Context, l net.Listener) {
	var wg sync.WaitGroup
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	for {
		client, err := l.Accept()
		if err != nil {
			if ctx.Err() == nil {
				p.logger.Error("accept failed", "error", err)
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.handle(ctx, client)
		}()
	}
	wg.Wait()
}

func (p *proxy) handle(ctx context.Context, client net.Conn) {
	defer client.Close()
	server, err := p.backend(ctx)
	if err != nil {
		p.logger.Error("cannot reach FerretDB", "error", err)
		return
	}
	defer server.Close()
	stop := context.AfterFunc(ctx, func() {
		client.Close()
		server.Close()
	})
	defer stop()

	for {
		req, err := readMessage(client)
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				p.logger.Debug("client connection ended", "error", err)
			}
			return
		}
		if err := p.roundTrip(req, client, server); err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				p.logger.Debug("connection ended", "error", err)
			}
			return
		}
	}
}

// roundTrip forwards one request and the replies it asks for, holding the write lock for write commands.
func (p *proxy) roundTrip(req *message, client, server net.Conn) error {
	name, collection := req.command()
	start := time.Now()
	var lockWait time.Duration
	if writeCommands[name] {
		target := collection
		if name == "renamecollection" {
			target = "" // names its collections as "db.coll", and two of them: it waits for every write
		}
		scope, known := scopeOf(name, req)
		defer p.writes.lock(target, scope, known)()
		lockWait = time.Since(start)
	}
	defer func() { p.record(name+" "+collection, time.Since(start), lockWait) }()
	if _, err := server.Write(req.raw); err != nil {
		return err
	}
	if req.opCode == opMsg && req.flags()&flagMoreToCome != 0 {
		return nil // the client asked for no reply (unacknowledged write)
	}
	if req.opCode != opMsg && req.opCode != opQuery {
		return nil // legacy fire-and-forget op codes get no reply
	}
	for {
		reply, err := readMessage(server)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply.raw); err != nil {
			return err
		}
		if reply.flags()&flagMoreToCome == 0 {
			return nil // exhaust cursors stream several replies, the last without moreToCome
		}
	}
}
