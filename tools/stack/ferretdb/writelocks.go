package main

import "sync"

// writeLocks decides which write commands wait for each other: all of them (serial, for SQLite, which admits one
// writer anyway), or only those of one collection, since FerretDB's lost updates are between writes of the same
// documents. A write naming no collection (dropDatabase) or renaming one waits for every other write.
type writeLocks struct {
	serial bool
	all    sync.RWMutex

	mu           sync.Mutex
	byCollection map[string]*sync.Mutex
}

func newWriteLocks(serial bool) *writeLocks {
	return &writeLocks{serial: serial, byCollection: map[string]*sync.Mutex{}}
}

// lock blocks until a write to collection may run, and returns what ends it. Collections of the same name in two
// databases share a lock: the proxy does not read the database, and sharing only costs some waiting.
func (w *writeLocks) lock(collection string) (unlock func()) {
	if w.serial || collection == "" {
		w.all.Lock()
		return w.all.Unlock
	}
	w.all.RLock()
	w.mu.Lock()
	m := w.byCollection[collection]
	if m == nil {
		m = &sync.Mutex{}
		w.byCollection[collection] = m
	}
	w.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		w.all.RUnlock()
	}
}
