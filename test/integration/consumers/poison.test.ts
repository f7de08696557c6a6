/**
 * Poison messages against every consumer of the system at once, on private topics, with the real Kafka, Temporal
 * and Mongo-wire servers: over a hundred on each consumed topic, of every kind, interleaved with valid events. Each
 * consumer dead-letters what it cannot use, with the reason, and carries on: nothing stalls, every valid event is
 * processed, and the groups' lag is back to zero within seconds.
 */
import { randomUUID } from 'node:crypto';
import type { Message, Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { OrderBridge } from '../../../bridge/bridge';
import { startAnalyticsService, type AnalyticsService } from '../../../consumers/analytics/service';
import { startNotificationService, type NotificationService } from '../../../consumers/notifications/service';
import { eventHeaders, type AnyEvent, type OrderCreatedV1 } from '../../../contracts/events';
import { dlqTopic } from '../../../contracts/topics';
import { loadConfig } from '../../../core/config';
import { generateKey } from '../../../core/crypto/keyring';
import { consumerLag, createKafka, ensureTopics } from '../../../core/kafka/client';
import { readDlqHeaders } from '../../../core/kafka/dlq';
import { readTopic } from '../../../core/kafka/topic-reader';
import { createLogger } from '../../../core/logger';
import { connectMongo } from '../../../core/mongo/connection';
import { connectTemporal } from '../../../core/temporal/connection';
import { orderModel } from '../../../domain/orders/order-model';
import { orderStore } from '../../../domain/orders/order-store';
import { createdEvent, processedEvent, storedOrder } from '../../support/order-events';
import { bearer, testIssuer } from '../../support/tokens';

jest.setTimeout(300_000);

const RUN = randomUUID().slice(0, 8);
const topics = { orderCreated: `it-poison-created-${RUN}`, orderProcessed: `it-poison-processed-${RUN}` };
const groups = {
  bridge: `it-poison-bridge-${RUN}`,
  notifications: `it-poison-notif-${RUN}`,
  analytics: `it-poison-analytics-${RUN}`,
};
// Nobody polls it: the workflows the bridge starts wait there, and are terminated afterwards.
const taskQueue = `it-poison-${RUN}`;
const config = loadConfig({
  ...process.env,
  CONSUMER_MAX_ATTEMPTS: '2',
  WEBHOOK_SECRET_KEYS: process.env.WEBHOOK_SECRET_KEYS || `k1:${generateKey()}`,
});
const logger = createLogger('it-poison', 'silent');
const kafka = createKafka(config.kafka);

const VALID_PER_TOPIC = 20;
const ONE_MB = 1_000_000;

/** A valid event's bytes with two bytes inside one of its strings replaced by a lone UTF-8 continuation byte. */
function notUtf8(event: AnyEvent): Buffer {
  const bytes = Buffer.from(JSON.stringify({ ...event, customerId: 'c-XX' }));
  const at = bytes.indexOf('XX');
  bytes[at] = 0x80;
  bytes[at + 1] = 0x80;
  return bytes;
}

/** Every kind of poison, as the message that carries it; `unknown-order` is a valid event of no stored order. */
function poison(kind: number, valid: AnyEvent): Message {
  const key = valid.orderId;
  switch (kind) {
    case 0:
      return { key, value: '{"type":"order-created", this is not JSON' };
    case 1:
      return { key, value: notUtf8(valid) };
    case 2:
      return { key, value: JSON.stringify({ ...valid, version: 2 }) };
    case 3:
      return { key, value: JSON.stringify({ type: valid.type, orderId: valid.orderId }) };
    case 4:
      return { key, value: JSON.stringify({ pad: 'x'.repeat(ONE_MB) }) };
    case 5:
      return { key: null, value: JSON.stringify(valid), headers: eventHeaders(valid) };
    default:
      return { key, value: JSON.stringify(valid), headers: eventHeaders(valid) };
  }
}

describe('poison messages on every consumed topic (real Kafka, Temporal and Mongo-wire servers)', () => {
  let root: Connection;
  let db: Connection;
  let producer: Producer;
  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  let bridge: OrderBridge;
  let notifications: NotificationService;
  let analytics: AnalyticsService;
  /** An operator's Authorization header, for reading what the consumers made of the valid messages. */
  let op: Record<string, string>;
  const started: string[] = [];

  beforeAll(async () => {
    const all = [...Object.values(topics), ...Object.values(topics).map((t) => dlqTopic(t))];
    await ensureTopics(kafka, all, {
      partitions: 3,
      replicationFactor: 1,
      settings: (t): Record<string, string> =>
        t.endsWith('.dlq') ? { 'max.message.bytes': String(2 * 1024 * 1024) } : {},
    });
    root = await connectMongo(config.mongo);
    db = root.useDb(`it_poison_${RUN}`, { useCache: false });
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    temporal = await connectTemporal(config.temporal);
    bridge = new OrderBridge({
      kafka,
      client: temporal.client,
      orders: orderStore(db),
      logger,
      groupId: groups.bridge,
      partitionsConcurrency: 3,
      topic: topics.orderCreated,
      taskQueue,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    await bridge.start();
    const tokens = await testIssuer();
    op = bearer(await tokens.operator());
    notifications = await startNotificationService({
      verifyToken: tokens.verifier,
      config,
      logger,
      kafka,
      db,
      topic: topics.orderProcessed,
      groupId: groups.notifications,
      port: 0,
    });
    analytics = await startAnalyticsService({
      verifyToken: tokens.verifier,
      config,
      logger,
      kafka,
      db,
      topics,
      groupId: groups.analytics,
      port: 0,
    });
  });

  afterAll(async () => {
    await bridge?.stop();
    await notifications?.stop();
    await analytics?.stop();
    await producer?.disconnect();
    await Promise.allSettled(
      started.map((id) => temporal.client.workflow.getHandle(`order-${id}`).terminate('test over')),
    );
    await temporal?.connection.close();
    await db?.dropDatabase();
    await root?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [...Object.values(topics), ...Object.values(topics).map(dlqTopic)] });
    await admin.deleteGroups(Object.values(groups)).catch(() => undefined);
    await admin.disconnect();
  });

  /** Dead letters of a topic, by the consumer group that wrote them, with every reason given. */
  async function deadLetters(topic: string): Promise<Map<string, string[]>> {
    const byConsumer = new Map<string, string[]>();
    await readTopic(kafka, dlqTopic(topic), { start: { beginning: true } }, async ({ message }) => {
      const letter = readDlqHeaders(message.headers);
      byConsumer.set(letter.consumer, [...(byConsumer.get(letter.consumer) ?? []), letter.error]);
    });
    return byConsumer;
  }

  async function lagTotal(groupId: string, topicNames: string[]): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const lag = await consumerLag(admin, groupId, topicNames);
      return Object.values(lag).reduce((sum, t) => sum + t.total, 0);
    } finally {
      await admin.disconnect();
    }
  }

  it('dead-letters over a hundred poison messages per topic with the reason, and processes every valid one', async () => {
    const orders = orderModel(db);
    const valid = Array.from({ length: VALID_PER_TOPIC }, () =>
      createdEvent({ customerId: `c-poison-${RUN}` }),
    );
    // The API stored these orders before their order-created went out.
    await orders.insertMany(
      valid.map((e: OrderCreatedV1) => storedOrder(e, { requestHash: 'it-poison', createdAt: new Date() })),
    );
    started.push(...valid.map((e) => e.orderId));
    const outcomes = valid.map((e) => processedEvent(e));

    // order-created: 7 kinds × 15, the last a valid event of an order the store does not have (poison to the
    // bridge only: analytics counts what it is told). order-processed: the first 6 kinds × 17.
    const createdPoison = Array.from({ length: 105 }, (_, i) => poison(i % 7, createdEvent()));
    const processedPoison = Array.from({ length: 102 }, (_, i) =>
      poison(i % 6, processedEvent(createdEvent())),
    );
    const interleave = (bad: Message[], good: AnyEvent[]): Message[] =>
      bad.flatMap((m, i) =>
        i % 5 === 0 && good[i / 5]
          ? [
              {
                key: good[i / 5]!.orderId,
                value: JSON.stringify(good[i / 5]),
                headers: eventHeaders(good[i / 5]!),
              },
              m,
            ]
          : [m],
      );
    const createdMessages = interleave(createdPoison, valid);
    const processedMessages = interleave(processedPoison, outcomes);
    expect(createdMessages).toHaveLength(105 + VALID_PER_TOPIC);
    expect(processedMessages).toHaveLength(102 + VALID_PER_TOPIC);

    const sentAt = Date.now();
    // One at a time: a 1 MB message fills a request on its own.
    for (const message of createdMessages)
      await producer.send({ topic: topics.orderCreated, acks: -1, messages: [message] });
    for (const message of processedMessages)
      await producer.send({ topic: topics.orderProcessed, acks: -1, messages: [message] });
    const producedIn = Date.now() - sentAt;

    // Nothing stalls: every group works through its topics, lag back to zero.
    const caughtUp = Date.now();
    for (;;) {
      const lags = await Promise.all([
        lagTotal(groups.bridge, [topics.orderCreated]),
        lagTotal(groups.notifications, [topics.orderProcessed]),
        lagTotal(groups.analytics, Object.values(topics)),
      ]);
      if (lags.every((l) => l === 0)) break;
      if (Date.now() - caughtUp > 120_000) throw new Error(`lag still ${JSON.stringify(lags)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const drainedAfterProduceMs = Date.now() - caughtUp;

    const createdDead = await deadLetters(topics.orderCreated);
    const processedDead = await deadLetters(topics.orderProcessed);
    expect(createdDead.get(groups.bridge)).toHaveLength(105);
    expect(createdDead.get(groups.analytics)).toHaveLength(90);
    expect(processedDead.get(groups.notifications)).toHaveLength(102);
    expect(processedDead.get(groups.analytics)).toHaveLength(102);
    const reasons = [...createdDead.values(), ...processedDead.values()].flat();
    for (const reason of [
      'not JSON',
      'not UTF-8 text',
      'version: Invalid input: expected 1',
      'eventId: Invalid input',
      'key: expected the orderId',
      'UnknownOrderError: no order',
    ]) {
      expect(reasons.some((r) => r.includes(reason))).toBe(true);
    }

    // Every valid event went through: a workflow per order, a notification per outcome, both in analytics.
    expect(bridge.stats()).toMatchObject({ started: VALID_PER_TOPIC, deadLettered: 105 });
    for (const e of valid) {
      await expect(
        temporal.client.workflow.getHandle(`order-${e.orderId}`).describe(),
      ).resolves.toBeDefined();
    }
    const history = (await (
      await fetch(`${notifications.url}/notifications?customerId=c-poison-${RUN}&limit=100`, { headers: op })
    ).json()) as {
      items: { orderId: string }[];
    };
    expect(history.items.map((n) => n.orderId).sort()).toEqual(valid.map((e) => e.orderId).sort());
    for (const e of valid) {
      const fact = (await (
        await fetch(`${analytics.url}/analytics/orders/${e.orderId}`, { headers: op })
      ).json()) as {
        created: unknown;
        processed: unknown;
      };
      expect(fact.created).not.toBeNull();
      expect(fact.processed).not.toBeNull();
    }
    console.log(
      `poison: sent ${105 + 102} poison and ${2 * VALID_PER_TOPIC} valid messages in ${producedIn} ms; ` +
        `dead-lettered bridge ${createdDead.get(groups.bridge)!.length}, notifications ` +
        `${processedDead.get(groups.notifications)!.length}, analytics ` +
        `${createdDead.get(groups.analytics)!.length + processedDead.get(groups.analytics)!.length}; ` +
        `every lag 0 ${drainedAfterProduceMs} ms after the last message`,
    );
  });
});
