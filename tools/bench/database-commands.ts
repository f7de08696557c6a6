/**
 * The database commands the system sent, from the FerretDB launcher's /debug/commands (per command and
 * collection, cumulative: count, time, time waiting for the proxy's write lock), sorted into writes and reads per
 * collection.
 */
import { fetchText, type Timings } from './timings';

const WRITES = new Set(['insert', 'update', 'delete', 'findandmodify']);
const READS = new Set(['find', 'aggregate', 'count', 'distinct', 'getmore']);

export async function databaseTimings(url: string | undefined): Promise<Timings | undefined> {
  const text = await fetchText(url);
  return text === undefined ? undefined : (JSON.parse(text) as Timings);
}

export interface CollectionCommands {
  writes: number;
  reads: number;
}

/**
 * Write and read commands per collection from counts keyed `<command> <collection>` (the launcher lower-cases the
 * command; a getMore names no collection). Other commands (hello, ping, listCollections, createIndexes…) are left
 * out: they are the drivers' and the processes' upkeep, not an order's work.
 */
export function commandsByCollection(counts: Record<string, number>): Record<string, CollectionCommands> {
  const out: Record<string, CollectionCommands> = {};
  for (const [key, count] of Object.entries(counts)) {
    const [command = '', collection = ''] = key.trim().split(' ');
    const kind = WRITES.has(command) ? 'writes' : READS.has(command) ? 'reads' : undefined;
    if (!kind) continue;
    const c = (out[collection || '(cursor)'] ??= { writes: 0, reads: 0 });
    c[kind] += count;
  }
  return out;
}
