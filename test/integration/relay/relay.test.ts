import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { orderCreatedEvent } from '../../../domain/orders/order-created-event';
import { OutboxRelay } from '../../../relay/relay';
import { loadConfig } from '../../../core/config';
import { eventIdFor, OrderCreatedV1 } from '../../../contracts/events';
import { createKafka } from '../../../core/kafka/client';
import { createLogger } from '../../../core/logger';
import { connectMongo } from '../../../core/mongo/connection';
import { newOrder, orderModel, type OrderDoc, type OrderModel } from '../../../domain/orders/order-model';
import { orderStore, type OrderStore } from '../../../domain/orders/order-store';
import {
  outboxModel,
  publishStateOf,
  type OutboxEntryDoc,
  type OutboxModel,
} from '../../../domain/orders/outbox';
import { priceOrder } from '../../../domain/catalogue/pricing';
import { connectTemporal } from '../../../core/temporal/connection';
import { TOPICS } from '../../../contracts/topics';
import { orderWorkflowId } from '../../../contracts/order-workflow';

/**
 * The relay publishes to the real `order-created`, which other processes may write to as well: every read is
 * filtered down to this run's orderIds, which nothing else uses.
 */

const config = loadConfig();
const logger = createLogger('it-outbox', 'silent');
const topic = TOPICS.orderCreated;

let root: Connection;
let db: Connection;
let orders: OrderModel;
/** What the relay is given: the order store over the same database. */
let store: OrderStore;
let outbox: OutboxModel;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const groups: string[] = [];
const allOrderIds: string[] = [];

beforeAll(async () => {
  root = await connectMongo(config.mongo);
  db = root.useDb(`it_outbox_${randomUUID().replace(/-/g, '').slice(0, 16)}`, { useCache: false });
  orders = orderModel(db);
  store = orderStore(db);
  outbox = outboxModel(db);
  await orders.createIndexes();
  kafka = createKafka(config.kafka);
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
});

afterAll(async () => {
  await producer.disconnect();
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect();
  await db.dropDatabase();
  await root.close();
  // If a bridge happens to run against this stack it starts workflows for these orders: stop them.
  const temporal = await connectTemporal(config.temporal);
  await Promise.all(
    allOrderIds.map((id) =>
      temporal.client.workflow
        .getHandle(orderWorkflowId(id))
        .terminate('integration test cleanup')
        .catch(() => undefined),
    ),
  );
  await temporal.connection.close();
});

let clock = Date.now();
/**
 * Inserts pending orders, each created 1 ms after the previous, as the API would: the outbox entry first, then the
 * order. `legacy` stores them as before the entry carried the publish state (no entry once published).
 */
async function insertOrders(
  count: number,
  overrides: Partial<OrderDoc> = {},
  { entry = true }: { entry?: boolean } = {},
): Promise<OrderDoc[]> {
  const priced = priceOrder('EUR', [{ sku: 'KB-001', quantity: 1 }]);
  if (!priced.ok) throw new Error('the catalogue lost KB-001');
  const docs = Array.from({ length: count }, (): OrderDoc => {
    clock += 1;
    const at = new Date(clock);
    return {
      ...newOrder({
        _id: randomUUID(),
        customerId: `it-outbox-${randomUUID().slice(0, 8)}`,
        email: 'ada@example.com',
        currency: 'EUR',
        items: priced.lines,
        totalCents: priced.totalCents,
        idempotencyKey: null,
        requestHash: 'h',
        createdAt: at,
      }),
      ...overrides,
    };
  });
  if (entry) await outbox.insertMany(docs.map(({ _id, createdAt }) => ({ _id, createdAt })));
  await orders.insertMany(docs);
  allOrderIds.push(...docs.map((d) => d._id));
  return docs;
}

const load = (ids: string[]) => orders.find({ _id: { $in: ids } }).lean<OrderDoc[]>();
const entryOf = (id: string) => outbox.findById(id).lean<OutboxEntryDoc>();
/** The order's publish state, as readers derive it from its entry. */
const stateOf = async (id: string) =>
  publishStateOf((await orders.findById(id).lean<OrderDoc>())!, await entryOf(id));

interface Received {
  key: string | undefined;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: bigint;
}

/** The current end of every partition: what is produced from now on lies beyond these offsets. */
async function endOffsets(): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

/**
 * Reads `order-created` from `from` with a fresh consumer group until every one of `expected` arrived, then a
 * little longer so that a duplicate would show, and returns what was read for the orderIds in `watched`.
 */
async function readEvents(
  from: Map<number, bigint>,
  expected: string[],
  watched = expected,
): Promise<Received[]> {
  const wanted = new Set(watched);
  const groupId = `it-outbox-${randomUUID()}`;
  groups.push(groupId);
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const received: Received[] = [];
  await consumer.connect();
  try {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, offset] of from) consumer.seek({ topic, partition, offset: offset.toString() });
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString();
        if (key === undefined || !wanted.has(key)) return;
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        received.push({
          key,
          value: message.value!.toString(),
          headers,
          partition,
          offset: BigInt(message.offset),
        });
      },
    });
    const deadline = Date.now() + 60_000;
    const arrived = () => expected.every((id) => received.some((r) => r.key === id));
    while (!arrived() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1_500));
  } finally {
    await consumer.disconnect();
  }
  return received;
}

function expectPublishedOnce(received: Received[], docs: OrderDoc[]): void {
  expect(received.map((r) => r.key).sort()).toEqual(docs.map((d) => d._id).sort());
  for (const doc of docs) {
    const message = received.find((r) => r.key === doc._id)!;
    const event = OrderCreatedV1.parse(JSON.parse(message.value));
    expect(event).toEqual(orderCreatedEvent(doc));
    expect(message.headers).toEqual({
      'event-type': 'order-created',
      'event-version': '1',
      'event-id': eventIdFor('order-created', doc._id),
    });
  }
}

it('publishes pending orders once each, oldest first in batches, and marks their entries published', async () => {
  const from = await endOffsets();
  // Published and started: no entry.
  const [alreadyPublished] = await insertOrders(1, {}, { entry: false });
  const pending = await insertOrders(3);
  const relay = new OutboxRelay({ orders: store, producer, logger, pollMs: 50, batchSize: 2 });

  expect(await relay.publishPending()).toBe(2);
  const afterFirst = await Promise.all(pending.map((d) => stateOf(d._id)));
  expect(afterFirst).toEqual(['published', 'published', 'pending']);
  expect(await relay.publishPending()).toBe(1);
  expect(await relay.publishPending()).toBe(0);

  for (const doc of await load(pending.map((d) => d._id))) {
    // The order itself is not written: its entry carries the state, and waits for the workflow's start.
    expect(doc).toEqual(pending.find((d) => d._id === doc._id));
    const entry = await entryOf(doc._id);
    expect(entry).toMatchObject({ lastPublishError: null, parkedAt: null });
    expect(entry!.publishedAt).toBeInstanceOf(Date);
  }

  const ids = pending.map((d) => d._id);
  const received = await readEvents(from, ids, [...ids, alreadyPublished!._id]);
  expectPublishedOnce(received, pending);
  for (const r of received) expect(r.offset >= (from.get(r.partition) ?? 0n)).toBe(true);
});

it('keeps orders pending while Kafka is unreachable, recording each attempt, and publishes them later', async () => {
  const from = await endOffsets();
  const pending = await insertOrders(2);
  const unreachable = createKafka({ ...config.kafka, brokers: ['127.0.0.1:1'] }, undefined, {
    connectionTimeout: 200,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
  }).producer({ idempotent: true, maxInFlightRequests: 1 });
  const failing = new OutboxRelay({
    orders: store,
    producer: unreachable,
    logger,
    pollMs: 50,
    batchSize: 100,
  });

  await expect(failing.publishPending()).rejects.toThrow();
  await expect(failing.publishPending()).rejects.toThrow();
  for (const { _id } of pending) {
    expect(await stateOf(_id)).toBe('pending');
    expect(await entryOf(_id)).toMatchObject({
      publishAttempts: 2,
      lastPublishError: expect.stringMatching(/\S/),
    });
  }

  const working = new OutboxRelay({ orders: store, producer, logger, pollMs: 50, batchSize: 100 });
  expect(await working.publishPending()).toBe(2);
  for (const { _id } of pending) {
    expect(await stateOf(_id)).toBe('published');
    expect(await entryOf(_id)).toMatchObject({ publishAttempts: 2, lastPublishError: null });
  }
  expectPublishedOnce(
    await readEvents(
      from,
      pending.map((d) => d._id),
    ),
    pending,
  );
});

it('runs passes from start() until stop(), publishing orders accepted meanwhile', async () => {
  const relay = new OutboxRelay({ orders: store, producer, logger, pollMs: 50, batchSize: 100 });
  relay.start();
  try {
    const [order] = await insertOrders(1);
    let state: string | undefined;
    for (const deadline = Date.now() + 30_000; state !== 'published' && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      state = await stateOf(order!._id);
    }
    expect(state).toBe('published');
  } finally {
    const began = Date.now();
    await relay.stop();
    expect(Date.now() - began).toBeLessThan(5_000);
  }
  // Stopped: nothing publishes any more.
  const [late] = await insertOrders(1);
  await new Promise((r) => setTimeout(r, 300));
  expect(await stateOf(late!._id)).toBe('pending');
});

it('publishes orders stored before the entry carried the publish state, and drops entries with nothing to publish', async () => {
  const from = await endOffsets();
  // Stored before: pending on the order itself, with its entry.
  const [legacyPending] = await insertOrders(1, { publishState: 'pending', publishAttempts: 0 });
  // Published by the relay of before, which marked the order and crashed before deleting the entry.
  const [legacyPublished] = await insertOrders(1, { publishState: 'published', publishedAt: new Date() });
  // Entries with no order: one old (the API failed between its two writes), one young (the API may be mid-way).
  const orphan = randomUUID();
  const young = randomUUID();
  await outbox.insertMany([
    { _id: orphan, createdAt: new Date(Date.now() - 10 * 60_000) },
    { _id: young, createdAt: new Date() },
  ]);

  const relay = new OutboxRelay({ orders: store, producer, logger, pollMs: 50, batchSize: 100 });
  while ((await relay.publishPending()) > 0);

  expect(await stateOf(legacyPending!._id)).toBe('published');
  expect(await entryOf(legacyPending!._id)).toMatchObject({ publishedAt: expect.any(Date) });
  expectPublishedOnce(await readEvents(from, [legacyPending!._id]), [legacyPending!]);
  const left = new Set(
    (await outbox.find({ _id: { $in: [orphan, young, legacyPublished!._id] } }).lean()).map(
      (e: { _id: string }) => e._id,
    ),
  );
  expect(left).toEqual(new Set([young]));
  expect(await stateOf(legacyPublished!._id)).toBe('published');
  await outbox.deleteOne({ _id: young });
});

it('keeps an entry the API renewed while the relay took it for an orphan', async () => {
  // The API wrote the entry, then stalled past ORPHAN_AFTER_MS before writing the order.
  const [late] = await insertOrders(1, { createdAt: new Date(Date.now() - 10 * 60_000) }, { entry: false });
  await outbox.create({ _id: late!._id, createdAt: new Date(Date.now() - 10 * 60_000) });
  await orders.deleteOne({ _id: late!._id });
  const read = await store.nextToPublish(100);
  expect(read.map((r) => r.order._id)).not.toContain(late!._id);
  // The relay dropped it as orphaned; the API, stalled that long, writes it again after its order.
  expect(await entryOf(late!._id)).toBeNull();
  await orders.create(late!);
  await store.renewEntry(late!._id);
  expect(await stateOf(late!._id)).toBe('pending');
  // An entry renewed between the relay's read and its delete stays: the delete is of the entry as read.
  const entry = (await entryOf(late!._id))!;
  await new Promise((r) => setTimeout(r, 5));
  await store.renewEntry(late!._id);
  await outbox.deleteOne({ _id: late!._id, createdAt: entry.createdAt });
  expect(await entryOf(late!._id)).not.toBeNull();
  await outbox.deleteOne({ _id: late!._id });
});

it('parks an order that cannot be turned into a valid order-created, and publishes the others in the same pass', async () => {
  const from = await endOffsets();
  const [before] = await insertOrders(1);
  // A hand-edited document: a currency the contract does not know.
  const [broken] = await insertOrders(1, { currency: 'XXX' });
  const [after] = await insertOrders(1);
  const relay = new OutboxRelay({ orders: store, producer, logger, pollMs: 50, batchSize: 100 });

  expect(await relay.publishPending()).toBe(2);
  expect(await stateOf(broken!._id)).toBe('parked');
  expect(await entryOf(broken!._id)).toMatchObject({
    parkedAt: expect.any(Date),
    lastPublishError: expect.stringMatching(/^cannot be turned into a valid order-created: .*currency/),
  });
  expect((await store.outboxCounts()).parked).toBeGreaterThanOrEqual(1);
  // Parked, it holds nothing up and is not tried again.
  expect(await relay.publishPending()).toBe(0);
  expectPublishedOnce(await readEvents(from, [before!._id, after!._id]), [before!, after!]);
});

it('parks an order whose message the broker keeps refusing, after 3 refusals, while the others keep flowing', async () => {
  // A topic whose record batches may not exceed 1500 bytes: one order of 40 lines is refused, a small one is not.
  const small = `it-outbox-small-${randomUUID()}`;
  await admin.createTopics({
    topics: [
      {
        topic: small,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'max.message.bytes', value: '1500' }],
      },
    ],
    waitForLeaders: true,
  });
  try {
    const priced = priceOrder(
      'EUR',
      Array.from({ length: 40 }, (_, i) => ({ sku: i % 2 ? 'KB-001' : 'CB-005', quantity: i + 1 })),
    );
    if (!priced.ok) throw new Error('the catalogue lost a SKU');
    const [n1] = await insertOrders(1);
    const [big] = await insertOrders(1, {
      items: Array.from({ length: 40 }, (_, i) => ({
        ...priced.lines[0]!,
        sku: `SKU-${i}`,
        name: 'x'.repeat(30),
      })),
    });
    const [n2] = await insertOrders(1);
    const relay = new OutboxRelay({
      orders: store,
      producer,
      logger,
      pollMs: 50,
      batchSize: 100,
      topic: small,
    });

    expect(await relay.publishPending()).toBe(2);
    expect(await outbox.findById(big!._id).lean()).toMatchObject({ rejections: 1, parkedAt: null });
    const [n3] = await insertOrders(1);
    expect(await relay.publishPending()).toBe(1);
    expect(await relay.publishPending()).toBe(0);
    expect(await stateOf(big!._id)).toBe('parked');
    expect(await entryOf(big!._id)).toMatchObject({
      lastPublishError: expect.stringMatching(/^Kafka refused its order-created 3 times: .*max message size/),
      publishAttempts: 3,
    });
    for (const id of [n1!._id, n2!._id, n3!._id]) expect(await stateOf(id)).toBe('published');
  } finally {
    await admin.deleteTopics({ topics: [small] }).catch(() => undefined);
  }
});
