/**
 * Operator tools against the real Kafka and Temporal, on a private topic and task queue (no worker polls it, so
 * started workflows just wait and are terminated at the end).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Producer } from 'kafkajs';
import { loadConfig } from '../../../core/config';
import { deadLetter, readDlqHeaders } from '../../../core/kafka/dlq';
import { eventHeaders } from '../../../contracts/events';
import { createKafka, ensureTopics } from '../../../core/kafka/client';
import { connectTemporal } from '../../../core/temporal/connection';
import { dlqTopic } from '../../../contracts/topics';
import { main } from '../../../ops/main';
import { listDeadLetters, replayDeadLetters } from '../../../core/kafka/dead-letters';
import { reconcile, type ReconcileOptions } from '../../../ops/commands/replay-order-created';
import { readTopic } from '../../../core/kafka/topic-reader';
import type { Connection } from 'mongoose';
import type { OrderCreatedV1 } from '../../../contracts/events';
import { connectMongo } from '../../../core/mongo/connection';
import { orderModel, type OrderDoc, type OrderModel } from '../../../domain/orders/order-model';
import { orderStore } from '../../../domain/orders/order-store';
import { outboxModel } from '../../../domain/orders/outbox';
import { reconcileStale } from '../../../domain/orders/stale';
import { orderCreatedEvent, rawMessage, storedOrder } from '../../support/order-events';

const RUN = randomUUID().slice(0, 8);
const topic = `it-ops-${RUN}`;
const taskQueue = `it-ops-${RUN}`;
const config = loadConfig();
const kafka = createKafka(config.kafka);

describe('operator tools (real Kafka and Temporal)', () => {
  let producer: Producer;
  let temporal: Awaited<ReturnType<typeof connectTemporal>>;
  let mongo: Connection;
  let db: Connection;
  let orders: OrderModel;
  const workflowIds: string[] = [];

  /** Stores the order of an event with the given status, as the API and then the workflow would have. */
  async function store(event: OrderCreatedV1, status: 'accepted' | 'completed' = 'accepted'): Promise<void> {
    // Accepted just now: only the stale test makes orders old, on purpose.
    const order = storedOrder(event, { requestHash: 'it-ops', createdAt: new Date() });
    await orders.create({ ...order, status });
  }

  beforeAll(async () => {
    await ensureTopics(kafka, [topic, dlqTopic(topic)], { partitions: 3, replicationFactor: 1 });
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    temporal = await connectTemporal(config.temporal);
    mongo = await connectMongo(config.mongo);
    db = mongo.useDb(`it_ops_${RUN}`, { useCache: false });
    orders = orderModel(db);
  });

  afterAll(async () => {
    for (const id of workflowIds) {
      await temporal.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    await temporal?.connection.close();
    await db?.dropDatabase();
    await mongo?.close();
    await producer?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, dlqTopic(topic)] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('reconciliation starts exactly the missing workflows, never a finished order, and nothing the second time', async () => {
    const before = new Date();
    const events = Array.from({ length: 50 }, () => orderCreatedEvent());
    // Plus an order that finished long ago (Temporal has forgotten its run) and one the order store never had.
    const finished = orderCreatedEvent();
    const stranger = orderCreatedEvent();
    await Promise.all(events.map((e) => store(e)));
    await store(finished, 'completed');
    // Orders accepted while no bridge ran: in the topic, no workflow yet. Plus one message that is not an event.
    await producer.send({
      topic,
      acks: -1,
      messages: [
        ...[...events, finished, stranger].map((e) => ({
          key: e.orderId,
          value: JSON.stringify(e),
          headers: eventHeaders(e),
        })),
        { key: 'junk', value: 'not an event' },
      ],
    });
    workflowIds.push(...events.map((e) => `order-${e.orderId}`));

    const reconcileWindow = (window: Pick<ReconcileOptions, 'start' | 'end'>) =>
      reconcile({
        kafka,
        client: temporal.client,
        orders: orderStore(db),
        topic,
        taskQueue,
        ...window,
      });
    const first = await reconcileWindow({ start: { time: before } });
    expect(first).toEqual({ seen: 53, existing: 0, final: 1, started: 50, unknown: 1, invalid: 1 });
    for (const e of events.slice(0, 5)) {
      const run = await temporal.client.workflow.getHandle(`order-${e.orderId}`).describe();
      expect(run.taskQueue).toBe(taskQueue);
    }

    const second = await reconcileWindow({ start: { time: before } });
    expect(second).toEqual({ seen: 53, existing: 50, final: 1, started: 0, unknown: 1, invalid: 1 });
    for (const never of [finished, stranger]) {
      await expect(temporal.client.workflow.getHandle(`order-${never.orderId}`).describe()).rejects.toThrow(
        WorkflowNotFoundError,
      );
    }

    // A window that ends before the orders were sent sees none of them.
    const none = await reconcileWindow({ start: { beginning: true }, end: before });
    expect(none.seen).toBe(0);
  });

  it('`npm run orders -- dlq list` says so when a dead-letter topic is empty', async () => {
    const lines: string[] = [];
    const log = jest
      .spyOn(console, 'log')
      .mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      expect(await main(['dlq', 'list', topic])).toBe(0);
    } finally {
      log.mockRestore();
    }
    expect(lines).toEqual([`${dlqTopic(topic)} is empty`]);
  });

  it('lists dead letters with their error and re-publishes a corrected one to its topic', async () => {
    const event = orderCreatedEvent();
    const brokenValue = '{"type":"order-created",';
    const [ack] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: event.orderId, value: brokenValue }],
    });
    await deadLetter(producer, {
      topic,
      partition: ack!.partition,
      message: rawMessage(event.orderId, brokenValue, ack!.baseOffset!),
      error: new Error('not JSON'),
      consumer: 'it-ops-consumer',
    });

    const letters = await listDeadLetters(kafka, topic);
    const letter = letters.find((l) => l.key === event.orderId)!;
    expect(letter.letter).toMatchObject({
      originalTopic: topic,
      originalPartition: ack!.partition,
      originalOffset: ack!.baseOffset,
      error: 'Error: not JSON',
      consumer: 'it-ops-consumer',
    });

    await expect(replayDeadLetters(kafka, topic, { value: '{}' })).rejects.toThrow(/give its id/);
    const after = new Date();
    const replayed = await replayDeadLetters(kafka, topic, { id: letter.id, value: JSON.stringify(event) });
    expect(replayed).toEqual([letter.id]);

    const republished: { key: string; value: string; headers: Record<string, string> }[] = [];
    await readTopic(kafka, topic, { start: { time: after } }, async ({ message }) => {
      republished.push({
        key: message.key!.toString(),
        value: message.value!.toString(),
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      });
    });
    expect(republished).toEqual([
      {
        key: event.orderId,
        value: JSON.stringify(event),
        headers: { 'dlq-replayed-from': `${dlqTopic(topic)}/${letter.id}` },
      },
    ]);
    // Only the corrected message, no workflow: the bridge is what would start it.
    await expect(temporal.client.workflow.getHandle(`order-${event.orderId}`).describe()).rejects.toThrow(
      WorkflowNotFoundError,
    );
    expect(() => readDlqHeaders({})).toThrow(/not a dead letter/);
  });

  it('reconcile --stale puts every order not started back on its way, and leaves the rest alone', async () => {
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const outbox = outboxModel(db);
    const store_ = orderStore(db);
    /** An order, and its outbox entry as the API and the relay leave it (none: started, or stored before). */
    const make = async (
      createdAt: Date,
      entry: { publishedAt?: Date } | null,
      overrides: Partial<OrderDoc> = {},
    ) => {
      const event = orderCreatedEvent();
      await store(event);
      await orders.updateOne({ _id: event.orderId }, { $set: { createdAt, ...overrides } });
      if (entry) await outbox.create({ _id: event.orderId, createdAt, ...entry });
      return event.orderId;
    };
    // Published 20 minutes ago, but its order-created was dead-lettered: no workflow.
    const dropped = await make(ago(20), { publishedAt: ago(20) });
    // Never published: the relay has not got to it in 30 minutes.
    const waiting = await make(ago(30), {});
    // Parked by the relay.
    const parkedId = await make(ago(40), {});
    await store_.park(parkedId, 'cannot be turned into a valid order-created: test');
    // Left alone: published a moment ago; finished long ago (its entry's delete lost), dropped without a start.
    const young = await make(ago(1), { publishedAt: ago(1) });
    const done = await make(ago(50), { publishedAt: ago(50) }, { status: 'completed' });
    // Stored before the entry carried the publish state: published (its entry gone with it), never started; and
    // pending with its entry lost. Only the operator's reconcile (legacy) looks for them.
    const legacyDropped = await make(ago(25), null, { publishState: 'published', publishedAt: ago(25) });
    const legacyUnlisted = await make(ago(35), null, { publishState: 'pending' });
    workflowIds.push(...[dropped, young, done, legacyDropped].map((id) => `order-${id}`));

    const starter = { client: temporal.client, taskQueue, startTimeoutMs: 10_000 };
    const sweep = (legacy: boolean) =>
      reconcileStale(store_, starter, { olderThanMs: 10 * 60_000, limit: 100, legacy });

    // The bridge's sweep: the outbox list only.
    expect(await sweep(false)).toEqual({ stale: 3, requeued: 2, started: 1, alreadyStarted: 0 });
    expect((await temporal.client.workflow.getHandle(`order-${dropped}`).describe()).taskQueue).toBe(
      taskQueue,
    );
    for (const id of [dropped, done]) expect(await outbox.findById(id).lean()).toBeNull();
    for (const id of [waiting, parkedId]) {
      expect(await outbox.findById(id).lean()).toMatchObject({
        parkedAt: null,
        publishedAt: null,
        rejections: 0,
      });
    }
    expect((await store_.outboxCounts()).parked).toBe(0);
    for (const id of [young, done, legacyDropped]) {
      await expect(temporal.client.workflow.getHandle(`order-${id}`).describe()).rejects.toThrow(
        WorkflowNotFoundError,
      );
    }

    // A start whose entry delete was lost (a crash): the workflow is there, the entry goes now.
    await outbox.create({ _id: dropped, createdAt: ago(20), publishedAt: ago(20) });
    // The operator's reconcile also finds the orders stored before the entry carried the publish state.
    expect(await sweep(true)).toEqual({ stale: 5, requeued: 3, started: 1, alreadyStarted: 1 });
    expect(await outbox.findById(dropped).lean()).toBeNull();
    expect((await temporal.client.workflow.getHandle(`order-${legacyDropped}`).describe()).taskQueue).toBe(
      taskQueue,
    );
    // Both now read as the entry says: started (no entry), and pending (back on the list).
    expect(await orders.findById(legacyDropped).lean<OrderDoc>()).not.toHaveProperty('publishState');
    expect(await orders.findById(legacyUnlisted).lean<OrderDoc>()).not.toHaveProperty('publishState');
    expect(await outbox.findById(legacyUnlisted).lean()).toMatchObject({ publishedAt: null, parkedAt: null });
    const processing = (await store_.page({ status: 'processing' }, { limit: 1000 })).items.map((o) => o._id);
    expect(processing).toEqual(expect.arrayContaining([dropped, legacyDropped]));
    for (const id of [waiting, parkedId, young, legacyUnlisted]) expect(processing).not.toContain(id);

    // Again: nothing new starts; the requeued ones wait for the relay.
    expect(await sweep(true)).toEqual({ stale: 3, requeued: 3, started: 0, alreadyStarted: 0 });
  });
});
