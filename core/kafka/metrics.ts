import type { Admin, Kafka } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from '../logger';
import { metricsRegistry } from '../metrics/registry';
import { scrapeCache } from '../metrics/scrape-cache';
import { kafkaAdminAccess } from '../readiness';
import { consumerLag } from './client';

export const eventsProcessed = new Counter({
  name: 'kafka_events_processed_total',
  help: "Messages a consumer group handled, by topic, group and the handler's outcome (started, stored, applied, duplicate…); dead letters are counted apart",
  labelNames: ['topic', 'group', 'outcome'],
  registers: [metricsRegistry],
});

export const eventsDeadLettered = new Counter({
  name: 'kafka_events_dead_lettered_total',
  help: 'Messages a consumer group sent to <topic>.dlq (invalid, or failing past their attempts), by topic and group',
  labelNames: ['topic', 'group'],
  registers: [metricsRegistry],
});

/** What EventConsumer calls its dead-letter outcome. */
const DEAD_LETTERED = 'deadLettered';

/** Counts one message handled by `group` on `topic`. */
export function countHandled(topic: string, group: string, outcome: string): void {
  if (outcome === DEAD_LETTERED) eventsDeadLettered.inc({ topic, group });
  else eventsProcessed.inc({ topic, group, outcome });
}

export interface LagSample {
  labels: { group: string; topic: string; partition: string };
  value: number;
}

/** One sample per partition of consumerLag()'s answer. */
export function lagSamples(group: string, lag: Awaited<ReturnType<typeof consumerLag>>): LagSample[] {
  return Object.entries(lag).flatMap(([topic, { partitions }]) =>
    Object.entries(partitions).map(([partition, value]) => ({ labels: { group, topic, partition }, value })),
  );
}

/** The consumer groups of this process whose lag a scrape reports. */
const lagSources = new Set<() => Promise<LagSample[] | undefined>>();

new Gauge({
  name: 'kafka_consumer_lag_messages',
  help: 'Messages of a partition a consumer group has not committed yet (log end minus committed offset), by group, topic and partition; read from the broker on scrape',
  labelNames: ['group', 'topic', 'partition'],
  registers: [metricsRegistry],
  async collect() {
    const readings = await Promise.all([...lagSources].map((read) => read()));
    this.reset();
    for (const sample of readings.flat()) if (sample) this.set(sample.labels, sample.value);
  },
});

/**
 * Reports the lag of `groupId` on `topics` in this process's metrics until the returned function is called. The
 * offsets are asked of the broker on scrape, with an admin client of its own (connected on the first scrape), within
 * a short timeout and cached for a few seconds: a scrape never waits out a Kafka outage, nor fails because of one.
 */
export function trackConsumerLag(opts: {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  logger: Logger;
}): () => Promise<void> {
  let admin: Admin | undefined;
  let access: ReturnType<typeof kafkaAdminAccess> | undefined;
  const read = scrapeCache(
    () => {
      admin ??= opts.kafka.admin();
      access ??= kafkaAdminAccess(admin);
      return access((a) => consumerLag(a, opts.groupId, opts.topics));
    },
    { what: `consumer lag of ${opts.groupId}`, logger: opts.logger },
  );
  const source = async () => {
    const lag = await read();
    return lag && lagSamples(opts.groupId, lag);
  };
  lagSources.add(source);
  return async () => {
    lagSources.delete(source);
    await admin?.disconnect().catch(() => undefined);
  };
}
