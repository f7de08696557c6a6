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
)

// FerretDB 1.24 implements an update as "query the documents, then write them back" with no transaction
// around the two, so concurrent updates of one document lose increments (50 concurrent $inc upserts leave
// a counter far below 50), and concurrent upserts of a missing document race. MongoDB makes every
// single-document write atomic, and this project relies on that. The launcher therefore puts a thin
// wire-protocol proxy in front of FerretDB that lets reads through untouched and runs write commands
// one at a time. SQLite admits one writer at a time anyway, so this costs little.

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

// command returns the lower-cased name of an OP_MSG command: the first key of its body (section kind 0).
func (m *message) command() string {
	if m.opCode != opMsg {
		return ""
	}
	b := m.raw[20:]
	for len(b) > 0 {
		kind := b[0]
		b = b[1:]
		if len(b) < 4 {
			return ""
		}
		size := int(binary.LittleEndian.Uint32(b[0:4]))
		if size < 5 || size > len(b) {
			return ""
		}
		if kind == 0 {
			doc := b[:size]
			// int32 length, then the first element: type byte, key as a C string.
			if len(doc) < 6 || doc[4] == 0 {
				return ""
			}
			end := bytes.IndexByte(doc[5:], 0)
			if end < 0 {
				return ""
			}
			return strings.ToLower(string(doc[5 : 5+end]))
		}
		b = b[size:] // kind 1: document sequence, size includes itself
	}
	return ""
}

type proxy struct {
	backend func(ctx context.Context) (net.Conn, error)
	logger  *slog.Logger
	writes  sync.Mutex
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
	if writeCommands[req.command()] {
		p.writes.Lock()
		defer p.writes.Unlock()
	}
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
