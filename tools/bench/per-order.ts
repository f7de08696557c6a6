/**
 * What one completed order cost, from what a phase used in all: CPU per process and in total, Temporal
 * persistence requests per operation, database commands per collection (and, on PostgreSQL, rows and scans per
 * collection). Everything is divided by the orders completed in the phase, so a phase that completed fewer orders
 * than it sent is charged for the work it did on all of them: a cost per order is only meaningful for a sustained
 * phase.
 */
import type { PostgresActivity, TableActivity } from './postgres-stats';
import type { CollectionCommands } from './database-commands';

export interface PhaseTotals {
  /** CPU ms per process over the phase (the load generator included, under LOAD_GENERATOR). */
  cpuMs: Record<string, number>;
  /** Absent when the Temporal server's metrics could not be read. */
  persistenceRequests?: Record<string, number>;
  /** Temporal actions per type; absent likewise. */
  actions?: Record<string, number>;
  /** Database write and read commands per collection; absent when the database's counters could not be read. */
  databaseCommands?: Record<string, CollectionCommands>;
  postgres?: PostgresActivity;
}

export interface PerOrder {
  /** CPU ms of each process, and the total of the processes the phase's path runs through (`counted`). */
  cpuMs: { total: number; byProcess: Record<string, number>; counted: string[] };
  /** The bench's own CPU (sending, watching), not in the total. */
  loadGeneratorCpuMs: number;
  temporalPersistence: { total: number; byOperation: Record<string, number> } | null;
  /** What Temporal Cloud would bill and rate-limit this order by (its namespace limit is in actions per second). */
  temporalActions: { total: number; byType: Record<string, number> } | null;
  database: { writes: number; reads: number; byCollection: Record<string, CollectionCommands> } | null;
  postgres?: { rowsWritten: number; byCollection: Record<string, TableActivity> };
}

export const LOAD_GENERATOR = 'bench (load generator)';

export const round2 = (v: number): number => Math.round(v * 100) / 100;

const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

function perEach<T extends object>(o: T, n: number): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round2((v as number) / n)])) as T;
}

function databasePerOrder(
  totals: Record<string, CollectionCommands>,
  n: number,
  ownReads: Record<string, number> = {},
): NonNullable<PerOrder['database']> {
  const commands: Record<string, CollectionCommands> = {};
  for (const [collection, c] of Object.entries(totals)) {
    const reads = Math.max(0, c.reads - (ownReads[collection] ?? 0));
    if (c.writes + reads > 0) commands[collection] = { writes: c.writes, reads };
  }
  const all = Object.values(commands);
  return {
    writes: round2(sum(all.map((c) => c.writes)) / n),
    reads: round2(sum(all.map((c) => c.reads)) / n),
    byCollection: Object.fromEntries(
      Object.entries(commands).map(([k, c]) => [
        k,
        { writes: round2(c.writes / n), reads: round2(c.reads / n) },
      ]),
    ),
  };
}

/**
 * Per completed order. `involves` picks the processes whose CPU makes the total; `ownReads` are reads the bench
 * itself sent (its polls of the order store, per collection), taken out so they do not count as the system's.
 */
export function perOrder(
  totals: PhaseTotals,
  completed: number,
  opts: { involves: (process: string) => boolean; ownReads?: Record<string, number> },
): PerOrder | null {
  if (completed <= 0) return null;
  const n = completed;
  const processes = Object.entries(totals.cpuMs).filter(([name]) => name !== LOAD_GENERATOR);
  const counted = processes.filter(([name]) => opts.involves(name));
  const result: PerOrder = {
    cpuMs: {
      total: round2(sum(counted.map(([, ms]) => ms)) / n),
      byProcess: Object.fromEntries(processes.map(([name, ms]) => [name, round2(ms / n)])),
      counted: counted.map(([name]) => name),
    },
    loadGeneratorCpuMs: round2((totals.cpuMs[LOAD_GENERATOR] ?? 0) / n),
    temporalPersistence: totals.persistenceRequests
      ? {
          total: round2(sum(Object.values(totals.persistenceRequests)) / n),
          byOperation: perEach(totals.persistenceRequests, n),
        }
      : null,
    temporalActions: totals.actions
      ? { total: round2(sum(Object.values(totals.actions)) / n), byType: perEach(totals.actions, n) }
      : null,
    database: totals.databaseCommands ? databasePerOrder(totals.databaseCommands, n, opts.ownReads) : null,
  };
  if (totals.postgres) {
    // FerretDB 1.24 on PostgreSQL finds even by _id with a sequential scan (its filter names the field through a
    // query parameter, `_jsonb->$1 @> $2`, which no index serves): each of the bench's reads was one.
    const tables = Object.entries(totals.postgres).map(([name, t]) => {
      const own = opts.ownReads?.[name] ?? 0;
      return [name, { ...t, seqScans: Math.max(0, t.seqScans - own) }] as const;
    });
    result.postgres = {
      rowsWritten: round2(sum(tables.map(([, t]) => t.inserted + t.updated + t.deleted)) / n),
      byCollection: Object.fromEntries(tables.map(([name, t]) => [name, perEach(t, n)])),
    };
  }
  return result;
}
