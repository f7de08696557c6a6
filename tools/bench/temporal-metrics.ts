/**
 * What the Temporal server did, from its Prometheus metrics (the local dev server serves them at
 * 127.0.0.1:7244/metrics): persistence requests per operation, the time they took per service and operation,
 * frontend calls per operation (the SDKs' round trips), and actions per type (the server's `action` counter: what
 * Temporal Cloud bills and rate-limits a namespace by, its own system namespace left out).
 */
import { fetchText, type Timings } from './timings';

export interface TemporalCounters {
  /** Time in persistence, as `<service> <operation>`, and frontend calls, as `frontend <operation>` (no time). */
  timings: Timings;
  /** Persistence requests per operation, summed over services and namespaces. */
  persistenceRequests: Record<string, number>;
  /** Actions per type (`grpc_StartWorkflowExecution`, `command_ScheduleActivityTask`, ...), summed over namespaces. */
  actions: Record<string, number>;
}

const LINE =
  /^(persistence_latency_sum|persistence_latency_count|persistence_requests|service_requests|action)(?:_total)?\{([^}]*)\} (\S+)$/;

const labelsOf = (raw: string) =>
  Object.fromEntries([...raw.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

export function parseTemporalMetrics(text: string): TemporalCounters {
  const timings: Timings = {};
  const persistenceRequests: Record<string, number> = {};
  const actions: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const l = labelsOf(m[2]!);
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    if (m[1] === 'action') {
      if (l.namespace === 'temporal_system') continue;
      const type = l.action_type ?? 'unknown';
      actions[type] = (actions[type] ?? 0) + value;
    } else if (m[1] === 'persistence_requests') {
      const op = l.operation ?? 'unknown';
      persistenceRequests[op] = (persistenceRequests[op] ?? 0) + value;
    } else if (m[1] === 'service_requests') {
      if (l.service_name !== 'frontend') continue;
      const t = (timings[`frontend ${l.operation}`] ??= { count: 0, totalMs: 0 });
      t.count += value;
    } else {
      const t = (timings[`${l.service_name} ${l.operation}`] ??= { count: 0, totalMs: 0 });
      if (m[1] === 'persistence_latency_sum') t.totalMs += value * 1000;
      else t.count += value;
    }
  }
  return { timings, persistenceRequests, actions };
}

export async function temporalCounters(url: string | undefined): Promise<TemporalCounters | undefined> {
  const text = await fetchText(url);
  return text === undefined ? undefined : parseTemporalMetrics(text);
}

/** Time in persistence per service and operation, and frontend calls per operation. */
export async function temporalTimings(url: string | undefined): Promise<Timings | undefined> {
  return (await temporalCounters(url))?.timings;
}
