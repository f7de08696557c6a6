package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// FerretDB 1.24 on PostgreSQL keeps each collection in a table with the document in one jsonb column, and finds
// by equality with `_jsonb->$1 @> $2` (key and value as parameters). Its own _id index is a btree on
// `_jsonb->'_id'`, which serves its updates and deletes (`_jsonb->'_id' = ...`) but no containment, so every find
// by _id, the commonest read here, read the whole table: its cost grew with the collection.
//
// indexIDContainment adds, to every collection table, a GIN index on `_jsonb->'_id'` (jsonb_path_ops, the
// operator class for @>). PostgreSQL uses it when it plans the query with the parameters' values in place, which
// the server is told to always do (plan_cache_mode=force_custom_plan, see tools/stack/servers/postgres.ts): with
// `$1` unknown the expression matches no index. Invisible to MongoDB clients, dropped with its table. It runs at
// start and then every few seconds, so a new collection is indexed while it is still small.
func indexIDContainment(ctx context.Context, url string, every time.Duration, logger *slog.Logger) {
	for {
		if err := indexTables(ctx, url); err != nil && ctx.Err() == nil {
			logger.Warn("cannot index _id finds", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// The index's name: a prefix and a hash of its table, within PostgreSQL's 63 bytes whatever the table's name.
const missingIndexes = `
SELECT format('%I.%I', n.nspname, c.relname), '_id_contains_' || left(md5(n.nspname || '.' || c.relname), 24)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped
WHERE c.relkind = 'r' AND c.relname <> '_ferretdb_database_metadata'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (
    SELECT 1 FROM pg_class i
    WHERE i.relnamespace = n.oid AND i.relname = '_id_contains_' || left(md5(n.nspname || '.' || c.relname), 24))`

func indexTables(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())

	rows, err := conn.Query(ctx, missingIndexes)
	if err != nil {
		return err
	}
	type table struct{ name, index string }
	tables, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (table, error) {
		var t table
		return t, row.Scan(&t.name, &t.index)
	})
	if err != nil {
		return err
	}
	for _, t := range tables {
		// A table FerretDB drops meanwhile fails here and is gone from the next round's list.
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s USING gin ((_jsonb->'_id') jsonb_path_ops)`,
			pgx.Identifier{t.index}.Sanitize(), t.name)
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return nil
}
