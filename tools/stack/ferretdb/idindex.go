package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB 1.24 keeps each collection in a SQLite table with the document in one JSON column, and looks a
// document up by _id with `WHERE _ferretdb_sjson->'$._id' = ?`. The unique index it creates for _id is on
// `_ferretdb_sjson->"_id"`, an expression SQLite does not consider the same, so every lookup, update and
// delete by _id reads and parses the whole table: the cost of each write grows with the collection.
//
// indexIDLookups adds, to every collection table, an index on exactly the expression FerretDB queries by.
// SQLite then finds a document by _id through the index. FerretDB neither knows nor needs to know: the index
// is invisible to MongoDB clients, uniqueness is still enforced by FerretDB's own index, and dropping the
// collection drops its table and with it the index. It runs at start and then every few seconds, so a new
// collection is indexed shortly after it is created (while it is still small).
func indexIDLookups(ctx context.Context, dir string, every time.Duration, logger *slog.Logger) {
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			if err := indexFile(ctx, file); err != nil && ctx.Err() == nil {
				logger.Warn("cannot index _id lookups", "file", file, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

const indexSuffix = "__id_lookup"

func indexFile(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()

	// Tables without the index: new collections, and collections dropped and created again (same table name).
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections c WHERE NOT EXISTS
		(SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || ?)`, indexSuffix)
	if err != nil {
		return err // a database file FerretDB is still creating
	}
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, table := range tables {
		q := fmt.Sprintf(
			`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`,
			table+indexSuffix, table,
		)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	return nil
}
