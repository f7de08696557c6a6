import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../../../core/config';
import type { OrderProcessedV1 } from '../../../../contracts/events';
import { connectMongo } from '../../../../core/mongo/connection';
import { InvalidFieldError } from '../../../../core/errors';
import { createNotificationIndexes, notificationModel } from '../../../../consumers/notifications/models';
import { createNotificationStore, type NotificationStore } from '../../../../consumers/notifications/store';

function processed(customerId: string, overrides: Partial<OrderProcessedV1> = {}): OrderProcessedV1 {
  const orderId = randomUUID();
  return {
    eventId: randomUUID(),
    type: 'order-processed',
    version: 1,
    occurredAt: new Date().toISOString(),
    orderId,
    customerId,
    status: 'completed',
    reason: null,
    currency: 'EUR',
    totalCents: 1250,
    items: [],
    processingMs: 80,
    workflowId: `order-${orderId}`,
    runId: randomUUID(),
    ...overrides,
  };
}

const source = (partition: number, offset: number) => ({
  topic: 'order-processed',
  partition,
  offset: String(offset),
});

describe('notification store (real Mongo-wire server)', () => {
  let root: Connection;
  let db: Connection;
  let store: NotificationStore;
  // A clock that advances 1 ms per read, so history order is known without sleeping.
  let clock = Date.parse('2026-05-01T10:00:00.000Z');

  beforeAll(async () => {
    root = await connectMongo(loadConfig().mongo);
    db = root.useDb(`it_notif_${randomUUID().slice(0, 8)}`, { useCache: false });
    await createNotificationIndexes(db);
    store = createNotificationStore(db, { now: () => new Date(clock++) });
  });

  afterAll(async () => {
    await db.dropDatabase();
    await root.close();
  });

  it('stores an event once, however often and wherever it is redelivered', async () => {
    const event = processed('c-dup', {
      status: 'rejected',
      reason: { type: 'OutOfStock', message: 'B: 5 requested, 3 available' },
    });
    const first = await store.store(event, source(2, 41));
    expect(first.created).toBe(true);
    expect(first.notification).toMatchObject({
      _id: event.eventId,
      orderId: event.orderId,
      status: 'rejected',
      reason: { type: 'OutOfStock', message: 'B: 5 requested, 3 available' },
      source: { topic: 'order-processed', partition: 2, offset: '41', offsetNum: 41 },
    });
    expect(first.notification.body).toContain('B: 5 requested, 3 available');

    const again = await store.store(event, source(2, 57));
    expect(again.created).toBe(false);
    expect(again.notification).toEqual(first.notification);

    const racing = await Promise.all([1, 2, 3].map((i) => store.store(event, source(2, 60 + i))));
    expect(racing.every((r) => !r.created)).toBe(true);
    expect(await notificationModel(db).countDocuments({ _id: event.eventId })).toBe(1);
    expect(await store.byId(event.eventId)).toEqual(first.notification);
    expect(await store.byId(randomUUID())).toBeNull();
  });

  it('pages a customer history newest first with a cursor', async () => {
    const customerId = `c-history-${randomUUID().slice(0, 8)}`;
    const stored = [];
    for (let i = 0; i < 5; i++) {
      stored.push((await store.store(processed(customerId), source(0, 100 + i))).notification);
    }
    await store.store(processed('someone-else'), source(0, 200));

    const page1 = await store.history({ customerId, limit: 2 });
    const page2 = await store.history({ customerId, limit: 2, cursor: page1.nextCursor! });
    const page3 = await store.history({ customerId, limit: 2, cursor: page2.nextCursor! });
    const ids = (page: { items: { _id: string }[] }) => page.items.map((n) => n._id);
    const newestFirst = stored.map((n) => n._id).reverse();

    expect(ids(page1)).toEqual(newestFirst.slice(0, 2));
    expect(ids(page2)).toEqual(newestFirst.slice(2, 4));
    expect(ids(page3)).toEqual(newestFirst.slice(4));
    expect(page3.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not produce, naming the field', async () => {
    const failure = await store
      .history({ customerId: 'c', limit: 10, cursor: 'not-a-cursor' })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(InvalidFieldError);
    expect(failure).toMatchObject({ field: 'cursor', received: 'not-a-cursor' });
    expect((failure as InvalidFieldError).detail()).toEqual({
      field: 'cursor',
      problem: 'expected the nextCursor of a previous page',
      received: 'not-a-cursor',
    });
  });

  it('resumes after Kafka positions: exactly what lies beyond them, by partition then offset', async () => {
    const customerId = `c-resume-${randomUUID().slice(0, 8)}`;
    const orderId = randomUUID();
    const at = async (partition: number, offset: number, event = processed(customerId)) =>
      (await store.store(event, source(partition, offset))).notification._id;

    // Offsets 9 and 10 on purpose: as strings "10" < "9", as numbers not.
    const p0o9 = await at(0, 9);
    const p0o10 = await at(0, 10);
    const p0o11 = await at(0, 11, processed(customerId, { orderId }));
    const p1o3 = await at(1, 3);
    const p1o4 = await at(1, 4, processed(customerId, { orderId }));
    const p2o1 = await at(2, 1);
    await store.store(processed('someone-else'), source(0, 12));

    const ids = async (query: Parameters<NotificationStore['after']>[0]) =>
      (await store.after(query)).map((n) => n._id);

    // Partition 2 absent: counts as fully seen.
    const positions = new Map([
      [0, 9],
      [1, 3],
    ]);
    expect(await ids({ customerId, positions, limit: 100 })).toEqual([p0o10, p0o11, p1o4]);
    expect(
      await ids({
        customerId,
        positions: new Map([
          [0, -1],
          [1, -1],
          [2, -1],
        ]),
        limit: 100,
      }),
    ).toEqual([p0o9, p0o10, p0o11, p1o3, p1o4, p2o1]);
    expect(await ids({ customerId, positions, limit: 2 })).toEqual([p0o10, p0o11]);
    expect(await ids({ orderId, positions, limit: 100 })).toEqual([p0o11, p1o4]);
    expect(await ids({ customerId, positions: new Map(), limit: 100 })).toEqual([]);
    expect(
      await ids({
        customerId,
        positions: new Map([
          [0, 11],
          [1, 4],
          [2, 1],
        ]),
        limit: 100,
      }),
    ).toEqual([]);
  });

  it('refuses a source offset that is not a Kafka offset', async () => {
    const failure = await store
      .store(processed('c'), { topic: 'order-processed', partition: 0, offset: '12x' })
      .catch((e) => e);
    expect(failure).toMatchObject({ name: 'InvalidFieldError', field: 'source.offset', received: '12x' });
  });
});
