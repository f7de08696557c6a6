package main

import (
	"fmt"

	"github.com/FerretDB/wire"
	"github.com/FerretDB/wire/wirebson"
)

// writeScope is what one write command touches, as far as the lost-update race goes.
type writeScope struct {
	// ids are the _id values its statements name (as comparable keys). With ids, only writes to the same
	// documents wait for each other.
	ids []string
	// insertOnly writes race with no update: an insert creates its document whole, and a duplicate _id fails.
	insertOnly bool
}

// statementFields are, per write command, where its statements are and which of their fields filters.
var statementFields = map[string]struct{ list, filter string }{
	"update": {"updates", "q"},
	"delete": {"deletes", "q"},
}

// scopeOf reads which documents a write command touches. ok is false when it cannot say (a filter without a plain
// _id equality, an unreadable message): such a write then waits for every other write to its collection.
func scopeOf(name string, m *message) (scope writeScope, ok bool) {
	if name == "insert" {
		return writeScope{insertOnly: true}, true
	}
	if m.opCode != opMsg {
		return writeScope{}, false
	}
	var msg wire.OpMsg
	if err := msg.UnmarshalBinaryNocopy(m.raw[16:]); err != nil {
		return writeScope{}, false
	}
	body, err := msg.RawSection0().Decode()
	if err != nil {
		return writeScope{}, false
	}
	if name == "findandmodify" {
		id, ok := plainID(body.Get("query"))
		return writeScope{ids: []string{id}}, ok
	}
	fields, known := statementFields[name]
	if !known {
		return writeScope{}, false
	}
	statements, ok := statementsOf(&msg, body, fields.list)
	if !ok || len(statements) == 0 {
		return writeScope{}, false
	}
	for _, raw := range statements {
		statement, err := raw.Decode()
		if err != nil {
			return writeScope{}, false
		}
		id, ok := plainID(statement.Get(fields.filter))
		if !ok {
			return writeScope{}, false
		}
		scope.ids = append(scope.ids, id)
	}
	return scope, true
}

// statementsOf finds a command's statements: in a document sequence named list (how drivers send them), or in
// the body's array of that name.
func statementsOf(msg *wire.OpMsg, body *wirebson.Document, list string) ([]wirebson.RawDocument, bool) {
	for _, section := range msg.Sections() {
		if section.Kind == 1 && section.Identifier == list {
			return section.Documents(), true
		}
	}
	raw, isArray := body.Get(list).(wirebson.RawArray)
	if !isArray {
		return nil, false
	}
	array, err := raw.Decode()
	if err != nil {
		return nil, false
	}
	out := make([]wirebson.RawDocument, 0, array.Len())
	for i := range array.Len() {
		doc, isDoc := array.Get(i).(wirebson.RawDocument)
		if !isDoc {
			return nil, false
		}
		out = append(out, doc)
	}
	return out, true
}

// plainID returns the filter's _id as a key when the filter names one _id by equality ({_id: v, ...}); an
// operator ({_id: {$in: [...]}}) or an embedded document as _id is not plain.
func plainID(filter any) (string, bool) {
	raw, isDoc := filter.(wirebson.RawDocument)
	if !isDoc {
		return "", false
	}
	doc, err := raw.Decode()
	if err != nil {
		return "", false
	}
	switch id := doc.Get("_id").(type) {
	case string, int32, int64, float64, bool, wirebson.ObjectID, wirebson.Binary, wirebson.Timestamp:
		return fmt.Sprintf("%T:%v", id, id), true
	default:
		return "", false
	}
}
