/** Time spent per operation over a phase (a database command, a Temporal persistence operation), from counters. */
import { round1 } from './stats';

export interface OperationTime {
  operation: string;
  count: number;
  totalMs: number;
  meanMs: number;
  /** For FerretDB: of the total, time spent waiting for the proxy's write lock. */
  lockWaitMs?: number;
}

/** Cumulative counters per operation, as a server reports them. */
export type Timings = Record<string, { count: number; totalMs: number; lockWaitMs?: number }>;

export async function fetchText(url: string | undefined): Promise<string | undefined> {
  if (!url) return undefined;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** What happened between two readings, most time first (then most calls). */
export function timingsBetween(before: Timings | undefined, after: Timings | undefined): OperationTime[] {
  if (!before || !after) return [];
  const out: OperationTime[] = [];
  for (const [operation, t] of Object.entries(after)) {
    const b = before[operation] ?? { count: 0, totalMs: 0, lockWaitMs: 0 };
    const count = t.count - b.count;
    if (count <= 0) continue;
    const totalMs = t.totalMs - b.totalMs;
    out.push({
      operation: operation.trim(),
      count,
      totalMs: round1(totalMs),
      meanMs: round1(totalMs / count),
      ...(t.lockWaitMs === undefined ? {} : { lockWaitMs: round1(t.lockWaitMs - (b.lockWaitMs ?? 0)) }),
    });
  }
  return out.sort((a, b) => b.totalMs - a.totalMs || b.count - a.count);
}

/** Counter increases between two readings, keys that did not grow left out. */
export function countsBetween(
  before: Record<string, number> | undefined,
  after: Record<string, number> | undefined,
): Record<string, number> {
  if (!before || !after) return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
