import type { Connection as TemporalConnection } from '@temporalio/client';
import type { Admin } from 'kafkajs';
import type { Connection as MongoConnection } from 'mongoose';
import { temporalServerVersion } from '../common/temporal';
import { withTimeout } from '../common/timeout';
import type { ReadinessReport } from './schemas';

export interface ReadinessDeps {
  /** One admin client, reused: a probe every few seconds must not open a new connection each time. */
  kafkaAdmin: Admin;
  mongo: MongoConnection;
  temporal: TemporalConnection;
  timeoutMs: number;
}

async function check(
  work: () => Promise<string | undefined>,
  ms: number,
): Promise<{ ok: boolean; detail?: string }> {
  try {
    const detail = await withTimeout(work(), ms);
    return detail === undefined ? { ok: true } : { ok: true, detail };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** The readiness probe of the API: each dependency it needs to accept and report orders, checked in parallel. */
export function createReadiness({ kafkaAdmin, mongo, temporal, timeoutMs }: ReadinessDeps) {
  let connecting: Promise<void> | undefined;
  const kafka = async () => {
    try {
      connecting ??= kafkaAdmin.connect();
      await connecting;
      const cluster = await kafkaAdmin.describeCluster();
      return `${cluster.brokers.length} broker(s)`;
    } catch (err) {
      connecting = undefined; // connect afresh on the next probe
      await kafkaAdmin.disconnect().catch(() => undefined);
      throw err;
    }
  };
  const mongoPing = async () => {
    if (!mongo.db) throw new Error('not connected');
    await mongo.db.admin().ping();
    return undefined;
  };
  const temporalInfo = async () => {
    return temporal.withDeadline(Date.now() + timeoutMs, () => temporalServerVersion(temporal));
  };

  return async (): Promise<ReadinessReport> => {
    const [k, m, t] = await Promise.all([
      check(kafka, timeoutMs),
      check(mongoPing, timeoutMs),
      check(temporalInfo, timeoutMs),
    ]);
    return { ok: k.ok && m.ok && t.ok, checks: { kafka: k, mongo: m, temporal: t } };
  };
}
