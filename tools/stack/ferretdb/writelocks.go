package main

import (
	"slices"
	"sync"
)

// writeLocks decides which write commands wait for each other. On SQLite, all of them (serial): it admits one
// writer anyway. On PostgreSQL, FerretDB's lost updates are between writes of the same documents, so only those
// wait: updates and deletes that name their documents by _id hold a lock per document; inserts hold none; any
// other write to a collection (a filter on other fields, an index build, a drop) waits for every write to that
// collection, and they for it. A write naming no collection (dropDatabase) or renaming one waits for all writes.
type writeLocks struct {
	serial bool
	all    sync.RWMutex

	mu          sync.Mutex
	collections map[string]*sync.RWMutex
	documents   map[string]*documentLock
}

type documentLock struct {
	sync.Mutex
	holders int // writes holding or waiting for it; the entry goes when none is left
}

func newWriteLocks(serial bool) *writeLocks {
	return &writeLocks{
		serial:      serial,
		collections: map[string]*sync.RWMutex{},
		documents:   map[string]*documentLock{},
	}
}

// lock blocks until a write to collection with the given scope may run, and returns what ends it (known is false
// when the scope could not be read). Collections of the same name in two databases share their locks: the proxy
// does not read the database, and sharing only costs some waiting.
func (w *writeLocks) lock(collection string, scope writeScope, known bool) (unlock func()) {
	if w.serial || collection == "" {
		w.all.Lock()
		return w.all.Unlock
	}
	w.all.RLock()
	w.mu.Lock()
	c := w.collections[collection]
	if c == nil {
		c = &sync.RWMutex{}
		w.collections[collection] = c
	}
	w.mu.Unlock()
	if !known {
		c.Lock()
		return func() {
			c.Unlock()
			w.all.RUnlock()
		}
	}
	c.RLock()
	// One order of taking document locks for every write, so two writes of the same documents cannot deadlock.
	keys := slices.Compact(slices.Sorted(slices.Values(scope.ids)))
	held := make([]string, 0, len(keys))
	for _, id := range keys {
		key := collection + "\x00" + id
		w.document(key).Lock()
		held = append(held, key)
	}
	return func() {
		for _, key := range held {
			w.release(key)
		}
		c.RUnlock()
		w.all.RUnlock()
	}
}

func (w *writeLocks) document(key string) *documentLock {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.documents[key]
	if d == nil {
		d = &documentLock{}
		w.documents[key] = d
	}
	d.holders++
	return d
}

func (w *writeLocks) release(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.documents[key]
	d.Unlock()
	d.holders--
	if d.holders == 0 {
		delete(w.documents, key)
	}
}
