/**
 * The analytics service against the real stack, on private topics and a private database: events in through
 * Kafka, in either order, redelivered, and replayed by a second consumer group from offset 0.
 */
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../../../core/config';
import { eventHeaders, type AnyEvent, type FinalStatus } from '../../../../contracts/events';
import { createKafka, ensureTopics } from '../../../../core/kafka/client';
import { createLogger } from '../../../../core/logger';
import { connectMongo } from '../../../../core/mongo/connection';
import { dlqTopic } from '../../../../contracts/topics';
import { startAnalyticsService, type AnalyticsService } from '../../../../consumers/analytics/service';
import type { Summary } from '../../../../contracts/http/analytics/schemas';
import { createdEvent, lines, processedEvent } from '../../../support/order-events';
import { bearer, testIssuer, type TestIssuer } from '../../../support/tokens';

const RUN = randomUUID().slice(0, 8);
const topics = {
  orderCreated: `it-analytics-created-${RUN}`,
  orderProcessed: `it-analytics-processed-${RUN}`,
};
const config = loadConfig();
const logger = createLogger('it-analytics', 'error');
const kafka = createKafka(config.kafka, logger);

const STATUSES: FinalStatus[] = ['completed', 'completed', 'rejected', 'cancelled', 'failed'];
const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('analytics service (real Kafka and Mongo-wire server)', () => {
  let root: Connection;
  let db: Connection;
  let producer: Producer;
  let service: AnalyticsService;
  let replay: AnalyticsService | undefined;
  const groups = [`it-analytics-${RUN}`, `it-analytics-replay-${RUN}`];

  let tokens: TestIssuer;
  let op: Record<string, string>;
  const get = async <T>(s: AnalyticsService, path: string): Promise<T> => {
    const res = await fetch(`${s.url}${path}`, { headers: op });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const lagOf = async (s: AnalyticsService) =>
    (await get<{ consumerLag: Record<string, { total: number }> }>(s, '/readyz')).consumerLag;
  const drained = (s: AnalyticsService) =>
    until(
      'the consumer to catch up',
      () => lagOf(s),
      (lag) => Object.values(topics).every((t) => lag[t]?.total === 0),
    );

  async function publish(topic: string, events: AnyEvent[]) {
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({ key: e.orderId, value: JSON.stringify(e), headers: eventHeaders(e) })),
    });
  }

  beforeAll(async () => {
    tokens = await testIssuer();
    op = bearer(await tokens.operator());
    await ensureTopics(kafka, [...Object.values(topics), ...Object.values(topics).map((t) => dlqTopic(t))], {
      partitions: 6,
      replicationFactor: 1,
    });
    root = await connectMongo(config.mongo);
    db = root.useDb(`it_analytics_svc_${RUN}`, { useCache: false });
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    service = await startAnalyticsService({
      config,
      logger,
      kafka,
      db,
      topics,
      groupId: groups[0],
      port: 0,
      verifyToken: tokens.verifier,
    });
  });

  afterAll(async () => {
    await replay?.stop();
    await service?.stop();
    await producer?.disconnect();
    await db?.dropDatabase();
    await root?.close();
    const admin = kafka.admin();
    await admin.connect();
    const all = Object.values(topics).flatMap((t) => [t, dlqTopic(t)]);
    await admin.deleteTopics({ topics: all }).catch(() => undefined);
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  });

  it('totals equal the orders sent, by status and revenue, whatever the arrival order; a replay changes nothing', async () => {
    const now = Date.now();
    const orders = Array.from({ length: 45 }, (_, i) => {
      const created = createdEvent({
        currency: CURRENCIES[i % 3],
        items: lines(['KB-01', 1 + (i % 3), 8900], ['MS-02', 1, 1500]),
        createdAt: new Date(now - 5_000 + i).toISOString(),
      });
      const processed = processedEvent(created, {
        status: STATUSES[i % STATUSES.length],
        processedAt: new Date(now - 5_000 + i + 100 * (1 + (i % 7))).toISOString(),
      });
      return { created, processed };
    });
    // A third of the orders have their outcome published before their creation.
    const early = orders.filter((_, i) => i % 3 === 0);
    await publish(
      topics.orderProcessed,
      early.map((o) => o.processed),
    );
    await publish(
      topics.orderCreated,
      orders.map((o) => o.created),
    );
    await publish(
      topics.orderProcessed,
      orders.filter((o) => !early.includes(o)).map((o) => o.processed),
    );
    // Redelivered copies of some events (the same eventId at new offsets).
    await publish(
      topics.orderProcessed,
      orders.slice(0, 5).map((o) => o.processed),
    );
    await publish(
      topics.orderCreated,
      orders.slice(0, 5).map((o) => o.created),
    );
    await drained(service);

    const expected = { created: 45, completed: 0, rejected: 0, cancelled: 0, failed: 0 };
    const revenue: Record<string, number> = {};
    for (const { processed } of orders) {
      expected[processed.status]++;
      if (processed.status === 'completed') {
        revenue[processed.currency] = (revenue[processed.currency] ?? 0) + processed.totalCents;
      }
    }
    const summary = await get<Summary>(service, '/analytics/summary');
    expect(summary.orders).toMatchObject({ ...expected, inProgress: 0 });
    expect(summary.revenueCents).toEqual(revenue);
    expect(summary.successRate).toBeCloseTo(expected.completed / 45, 10);
    expect(summary.latencyMs.count).toBe(45);

    const fact = await get<{
      processed: { status: string };
      latencyMs: number;
      events: { second: boolean }[];
    }>(service, `/analytics/orders/${early[0]!.created.orderId}`);
    expect(fact).toMatchObject({ processed: { status: early[0]!.processed.status }, latencyMs: 100 });
    // The creation arrived second, so it completed the pair.
    expect(fact.events.map((e) => e.second)).toEqual([false, true]);

    // A second consumer group reads both topics again from offset 0 into the same database.
    replay = await startAnalyticsService({
      config,
      logger,
      kafka,
      db,
      topics,
      groupId: groups[1],
      port: 0,
      verifyToken: tokens.verifier,
    });
    await drained(replay);
    expect(await get<Summary>(replay, '/analytics/summary')).toEqual(summary);
    expect(await get(service, '/analytics/top-skus?limit=5')).toEqual(
      await get(replay, '/analytics/top-skus?limit=5'),
    );
  });

  it('answers bad queries with 400 naming the field, unknown orders with 404', async () => {
    const bad = await fetch(
      `${service.url}/analytics/timeseries?metric=bogus&from=2026-01-01T00:00:00Z&to=x`,
      { headers: op },
    );
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { details: { field: string }[] };
    expect(body.details.map((d) => d.field).sort()).toEqual(['metric', 'to']);
    expect((await fetch(`${service.url}/analytics/orders/${randomUUID()}`, { headers: op })).status).toBe(
      404,
    );
  });
});
