/**
 * What the two consumers cost the database per order, counted by the local FerretDB launcher's proxy
 * (`/debug/commands`: every command it forwarded, by name and collection): orders flow through the analytics
 * service and two notification replicas (one webhook, one SSE client), and the commands they caused are divided by
 * the number of orders. Writes are what the Mongo-wire server serialises, so they are held to a budget.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { startAnalyticsService, type AnalyticsService } from '../../../consumers/analytics/service';
import { startNotificationService, type NotificationService } from '../../../consumers/notifications/service';
import { eventHeaders, type AnyEvent } from '../../../contracts/events';
import { dlqTopic } from '../../../contracts/topics';
import { generateKey } from '../../../core/crypto/keyring';
import { connectSse } from '../../../core/http/sse-client';
import { createKafka, ensureTopics } from '../../../core/kafka/client';
import { createLogger } from '../../../core/logger';
import { connectMongo } from '../../../core/mongo/connection';
import { loadStackConfig } from '../../../tools/stack/config';
import { createdEvent, processedEvent } from '../../support/order-events';
import { bearer, testIssuer } from '../../support/tokens';
import { until } from '../../support/until';

jest.setTimeout(300_000);

const RUN = randomUUID().slice(0, 8);
const topics = { orderCreated: `it-cost-created-${RUN}`, orderProcessed: `it-cost-processed-${RUN}` };
const groups = { notifications: `it-cost-notif-${RUN}`, analytics: `it-cost-analytics-${RUN}` };
const config = loadStackConfig({
  ...process.env,
  WEBHOOK_SECRET_KEYS: `k1:${generateKey()}`,
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
});
const logger = createLogger('it-cost', 'warn');
const kafka = createKafka(config.kafka, createLogger('it-cost-kafka', 'error'));
const COLLECTIONS = [
  'analytics_facts',
  'analytics_rollups',
  'notifications',
  'webhooks',
  'webhook_deliveries',
  'webhook_outbox',
];
const ORDERS = 100;
const BURST = 20;

type Counts = Record<string, number>;

async function commandCounts(): Promise<Counts> {
  const url = `http://127.0.0.1:${config.stack.ports.mongoDebug}/debug/commands`;
  const stats = (await (await fetch(url)).json()) as Record<string, { count: number }>;
  return Object.fromEntries(Object.entries(stats).map(([key, s]) => [key, s.count]));
}

/** Commands on the consumers' collections between two readings, by "command collection". */
function between(before: Counts, after: Counts): Counts {
  const out: Counts = {};
  for (const [key, count] of Object.entries(after)) {
    const collection = key.split(' ')[1] ?? '';
    const n = count - (before[key] ?? 0);
    if (n > 0 && COLLECTIONS.includes(collection)) out[key] = n;
  }
  return out;
}

const WRITES = ['insert', 'update', 'delete', 'findandmodify'];
const writesOn = (counts: Counts, collections: string[]) =>
  Object.entries(counts)
    .filter(([key]) => WRITES.includes(key.split(' ')[0]!) && collections.includes(key.split(' ')[1]!))
    .reduce((sum, [, n]) => sum + n, 0);

describe('database commands per order (real Kafka, FerretDB behind the launcher)', () => {
  let root: Connection;
  let db: Connection;
  let producer: Producer;
  let analytics: AnalyticsService;
  let tokens: Awaited<ReturnType<typeof testIssuer>>;
  const replicas: NotificationService[] = [];
  const receiver = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));

  beforeAll(async () => {
    const all = Object.values(topics);
    await ensureTopics(kafka, [...all, ...all.map(dlqTopic)], { partitions: 3, replicationFactor: 1 });
    root = await connectMongo(config.mongo);
    db = root.useDb(`it_cost_${RUN}`, { useCache: false });
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    tokens = await testIssuer();
    const deps = { config, logger, kafka, db, port: 0, verifyToken: tokens.verifier };
    analytics = await startAnalyticsService({ ...deps, topics, groupId: groups.analytics });
    for (let i = 0; i < 2; i++)
      replicas.push(
        await startNotificationService({
          ...deps,
          topic: topics.orderProcessed,
          groupId: groups.notifications,
        }),
      );
  });

  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await analytics?.stop();
    await producer?.disconnect();
    await new Promise((resolve) => receiver.close(resolve));
    await db?.dropDatabase();
    await root?.close();
    const admin = kafka.admin();
    await admin.connect();
    const all = Object.values(topics);
    await admin.deleteTopics({ topics: [...all, ...all.map(dlqTopic)] }).catch(() => undefined);
    await admin.deleteGroups(Object.values(groups)).catch(() => undefined);
    await admin.disconnect();
  });

  it('counts the commands each order costs, and keeps the writes within budget', async () => {
    const [a, b] = replicas as [NotificationService, NotificationService];
    const op = bearer(await tokens.operator());
    const customerId = `c-cost-${RUN}`;
    const registered = await fetch(`${a.url}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...op },
      body: JSON.stringify({
        customerId,
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      }),
    });
    expect(registered.status).toBe(201);
    const webhook = (await registered.json()) as { id: string };
    const client = await connectSse(`${b.url}/notifications/stream?customerId=${customerId}`, undefined, op);
    await client.waitFor('ready', (events) => events.some((e) => e.event === 'ready'));

    const send = (topic: string, events: AnyEvent[]) =>
      producer.send({
        topic,
        acks: -1,
        messages: events.map((e) => ({ key: e.orderId, value: JSON.stringify(e), headers: eventHeaders(e) })),
      });
    const before = await commandCounts();
    // As orders arrive: a burst of creations, and their outcomes a moment later (the workflows run in between).
    for (let i = 0; i < ORDERS; i += BURST) {
      const created = Array.from({ length: BURST }, () =>
        createdEvent({ customerId, createdAt: new Date().toISOString() }),
      );
      await send(topics.orderCreated, created);
      await new Promise((r) => setTimeout(r, 300));
      await send(
        topics.orderProcessed,
        created.map((e) => processedEvent(e)),
      );
      await new Promise((r) => setTimeout(r, 200));
    }

    await until('analytics to count every order', async () => {
      const { orders } = await analytics.store.summary();
      return orders.created === ORDERS && orders.completed === ORDERS ? true : undefined;
    });
    await client.waitFor(
      `${ORDERS} notifications`,
      (events) => events.filter((e) => e.event === 'notification').length >= ORDERS,
    );
    await until('every webhook delivered', async () => {
      const res = await fetch(`${a.url}/webhooks/${webhook.id}/deliveries?limit=100`, { headers: op });
      const list = (await res.json()) as { status: string }[];
      return list.length === ORDERS && list.every((d) => d.status === 'delivered') ? true : undefined;
    });
    const busy = between(before, await commandCounts());
    const idleFrom = await commandCounts();
    await new Promise((r) => setTimeout(r, 2_000));
    const idle = between(idleFrom, await commandCounts());
    client.close();

    const perOrder = Object.fromEntries(
      Object.entries(busy)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([key, n]) => [key, Math.round((100 * n) / ORDERS) / 100]),
    );
    console.log(
      `database commands per order (${ORDERS} orders in bursts of ${BURST}):\n` +
        `${JSON.stringify(perOrder, null, 1)}\nidle, 2 s, both replicas: ${JSON.stringify(idle)}`,
    );
    const analyticsWrites = writesOn(busy, ['analytics_facts', 'analytics_rollups']) / ORDERS;
    const notificationWrites =
      writesOn(busy, ['notifications', 'webhook_deliveries', 'webhook_outbox']) / ORDERS;
    console.log(
      `writes per order: analytics ${analyticsWrites.toFixed(2)}, notifications ${notificationWrites.toFixed(2)}`,
    );

    // Batched: several orders per write, where each order had writes of its own (4 before).
    expect(analyticsWrites).toBeLessThan(1);
    // Each notification is inserted once per batch, and never by a live feed (1.5 per order before).
    expect(busy['insert notifications'] ?? 0).toBeLessThan(ORDERS / 4);
    // The dispatchers ask only what is in flight: they never read the delivery history to find work.
    expect(idle['find webhook_deliveries'] ?? 0).toBe(0);
    expect(idle['find webhook_outbox']).toBeGreaterThan(0);
  });
});
