import type { Connection as TemporalConnection } from '@temporalio/client';
import type { Admin } from 'kafkajs';
import type { Connection as MongoConnection } from 'mongoose';
import type { ReadinessReport } from '../contracts/http/common';
import { consumerLag } from './kafka/client';
import { temporalServerVersion } from './temporal/connection';
import { withTimeout } from './timeout';

/** How long a probe waits for one dependency: a readiness probe must answer quickly, not wait out an outage. */
export const READINESS_TIMEOUT_MS = 2_000;

/** One dependency check: resolves with an optional detail when the dependency answers, throws when it does not. */
export type Check = () => Promise<string | undefined>;

async function run(work: Check, ms: number): Promise<{ ok: boolean; detail?: string }> {
  try {
    const detail = await withTimeout(work(), ms);
    return detail === undefined ? { ok: true } : { ok: true, detail };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * A Kafka admin client shared by the probes: connected on first use, and afresh after any failure. One client,
 * reused: a probe every few seconds must not open a new connection each time.
 */
export type KafkaAdminAccess = <T>(work: (admin: Admin) => Promise<T>) => Promise<T>;

export function kafkaAdminAccess(admin: Admin): KafkaAdminAccess {
  let connecting: Promise<void> | undefined;
  return async (work) => {
    try {
      connecting ??= admin.connect();
      await connecting;
      return await work(admin);
    } catch (err) {
      connecting = undefined;
      await admin.disconnect().catch(() => undefined);
      throw err;
    }
  };
}

export function kafkaCheck(access: KafkaAdminAccess): Check {
  return () => access(async (admin) => `${(await admin.describeCluster()).brokers.length} broker(s)`);
}

export function mongoCheck(mongo: MongoConnection): Check {
  return async () => {
    if (!mongo.db) throw new Error('not connected');
    await mongo.db.admin().ping();
    return undefined;
  };
}

export function temporalCheck(temporal: TemporalConnection, timeoutMs = READINESS_TIMEOUT_MS): Check {
  return () => temporal.withDeadline(Date.now() + timeoutMs, () => temporalServerVersion(temporal));
}

export interface ReadinessDeps {
  /** What the process cannot do its job without: any of these failing makes it not ready. */
  checks: Record<string, Check>;
  /**
   * Dependencies reported but not gating: the process still does its job while they are down (the API accepts
   * orders into its outbox while Kafka or Temporal is), so a load balancer must keep sending it traffic.
   */
  reported?: Record<string, Check>;
  /** Per check; READINESS_TIMEOUT_MS by default. */
  timeoutMs?: number;
  /** A consumer group whose lag the report shows. Lag is information, not a condition: a backlog is still ready. */
  lag?: { access: KafkaAdminAccess; groupId: string; topics: readonly string[] };
}

/**
 * A readiness probe: every dependency checked in parallel, each within the timeout; ready when every gating one
 * answers. Each check says whether it is `required`.
 */
export function createReadiness({
  checks,
  reported = {},
  timeoutMs = READINESS_TIMEOUT_MS,
  lag,
}: ReadinessDeps): () => Promise<ReadinessReport> {
  const all = [
    ...Object.entries(checks).map(([name, check]) => ({ name, check, required: true })),
    ...Object.entries(reported).map(([name, check]) => ({ name, check, required: false })),
  ];
  return async () => {
    const [results, consumerLagReport] = await Promise.all([
      Promise.all(all.map(async ({ check, required }) => ({ required, ...(await run(check, timeoutMs)) }))),
      lag
        ? withTimeout(
            lag.access((admin) => consumerLag(admin, lag.groupId, lag.topics)),
            timeoutMs,
          ).catch(() => undefined)
        : undefined,
    ]);
    const report: ReadinessReport = {
      ok: results.every((r) => r.ok || !r.required),
      checks: Object.fromEntries(all.map(({ name }, i) => [name, results[i]!])),
    };
    if (consumerLagReport) report.consumerLag = consumerLagReport;
    return report;
  };
}
