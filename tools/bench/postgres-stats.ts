/**
 * When FerretDB keeps its documents in PostgreSQL (STACK_MONGO_BACKEND=postgresql), PostgreSQL's own count of what
 * was done to each table: rows inserted, updated and deleted, sequential and index scans (pg_stat_user_tables).
 * FerretDB keeps a Mongo database as a schema of the same name and each collection as a table named in its
 * metadata table, `_ferretdb_database_metadata` (`_jsonb`: the collection's name as `_id`, its table as `table`);
 * the figures are reported by collection through it.
 */
import { postgresQuery, type PostgresTarget } from './postgres-wire';

export interface TableActivity {
  inserted: number;
  updated: number;
  deleted: number;
  seqScans: number;
  idxScans: number;
}

export type PostgresActivity = Record<string, TableActivity>;

const FIELDS = ['inserted', 'updated', 'deleted', 'seqScans', 'idxScans'] as const;

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const identifier = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Every table of the schema, named by its collection where FerretDB's metadata names one. */
export function activityQuery(schema: string): string {
  return [
    "SELECT coalesce(m._jsonb->>'_id', s.relname), s.n_tup_ins, s.n_tup_upd, s.n_tup_del,",
    '  coalesce(s.seq_scan, 0), coalesce(s.idx_scan, 0)',
    'FROM pg_stat_user_tables s',
    `LEFT JOIN ${identifier(schema)}._ferretdb_database_metadata m ON m._jsonb->>'table' = s.relname`,
    `WHERE s.schemaname = ${literal(schema)}`,
  ].join('\n');
}

export function parseActivity(rows: (string | null)[][]): PostgresActivity {
  const out: PostgresActivity = {};
  for (const [name, ...values] of rows) {
    if (!name) continue;
    const t = (out[name] ??= { inserted: 0, updated: 0, deleted: 0, seqScans: 0, idxScans: 0 });
    FIELDS.forEach((field, i) => (t[field] += Number(values[i] ?? 0)));
  }
  return out;
}

/** What changed between two readings, per collection; collections with nothing done left out. */
export function activityBetween(before: PostgresActivity, after: PostgresActivity): PostgresActivity {
  const out: PostgresActivity = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name];
    const d = Object.fromEntries(FIELDS.map((f) => [f, a[f] - (b?.[f] ?? 0)])) as unknown as TableActivity;
    if (FIELDS.some((f) => d[f] !== 0)) out[name] = d;
  }
  return out;
}

export interface PostgresWatch extends PostgresTarget {
  /** The Mongo database the system uses: FerretDB's schema. */
  schema: string;
}

/** Undefined when PostgreSQL cannot be read (or FerretDB has no collection in the database yet). */
export async function postgresActivity(
  watch: PostgresWatch | undefined,
): Promise<PostgresActivity | undefined> {
  if (!watch) return undefined;
  try {
    return parseActivity(await postgresQuery(watch, activityQuery(watch.schema)));
  } catch {
    return undefined;
  }
}
