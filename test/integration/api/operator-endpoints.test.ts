import { randomUUID } from 'node:crypto';
import { expectError, newCustomer, orderRequest, postOrder, startApi, type ApiHarness } from './harness';
import { until } from '../../support/until';
import { createKafka } from '../../../core/kafka/client';
import { deadLetter } from '../../../core/kafka/dlq';
import { readTopic } from '../../../core/kafka/topic-reader';
import { TOPICS } from '../../../contracts/topics';

/** The operator's controls: the payment gateway switch, retries, task queues, consumer lag and dead letters. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const post = (body: unknown) => postOrder(api, body);

describe('operator endpoints', () => {
  it('switches the payment gateway off and on, validating the body', async () => {
    expect((await api.request().get('/ops/payment-gateway')).body).toMatchObject({ available: true });
    const off = await api
      .request()
      .put('/ops/payment-gateway')
      .send({ available: false, reason: 'maintenance' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ available: false, reason: 'maintenance' });
    expect((await api.request().get('/ops/payment-gateway')).body).toMatchObject({ available: false });
    const bad = expectError(
      await api.request().put('/ops/payment-gateway').send({ available: 'no' }),
      400,
      'validation_failed',
    );
    expect(bad.details).toEqual([{ field: 'available', problem: 'expected true or false', received: 'no' }]);
    expect((await api.request().put('/ops/payment-gateway').send({ available: true })).body).toMatchObject({
      available: true,
      reason: null,
    });
  });

  it('refuses to retry an unknown order (404) and one that is not failed (409, with the reason)', async () => {
    expectError(await api.request().post(`/orders/${randomUUID()}/retry`), 404, 'not_found');
    const accepted = await post(orderRequest(newCustomer()));
    const err = expectError(
      await api.request().post(`/orders/${accepted.body.orderId}/retry`),
      409,
      'not_failed',
    );
    expect(err.message).toMatch(/^order is accepted/);
    // Nothing failed in this database: a bulk retry matches nothing; a bad filter is named.
    expect((await api.request().post('/orders/retry').send({})).body).toEqual({
      matched: 0,
      retried: 0,
      alreadyRetrying: 0,
      refused: [],
    });
    const bad = expectError(
      await api.request().post('/orders/retry').send({ since: 'yesterday' }),
      400,
      'validation_failed',
    );
    expect(bad.details![0]!.field).toBe('since');
  });

  it('reports backlog, rates and pollers of every task queue', async () => {
    const res = await api.request().get('/ops/task-queues');
    expect(res.status).toBe(200);
    expect(res.body.queues.map((q: { name: string }) => q.name)).toEqual([
      'orders',
      'payments',
      'order-events',
    ]);
    const orders = res.body.queues[0];
    expect(orders.workflow).toEqual(
      expect.objectContaining({ backlogCount: expect.any(Number), activePollers: expect.any(Number) }),
    );
    expect(res.body.queues[1].workflow).toBeNull();
    expect(res.body.queues[1].activity).toEqual(
      expect.objectContaining({ addRatePerSecond: expect.any(Number), pollers: expect.any(Array) }),
    );
  });
});

describe("the consumers' lag and dead letters", () => {
  it('reports the lag of every consumer group of the system', async () => {
    // On a new cluster the first group request waits for Kafka to create its offsets topic: meanwhile the route
    // answers 503 (Kafka did not answer within its budget), then the figures.
    const res = await until(
      'the consumer lag',
      async () => {
        const answer = await api.request().get('/ops/consumer-lag');
        return answer.status === 503 && answer.headers['retry-after'] ? undefined : answer;
      },
      { timeoutMs: 60_000, everyMs: 1_000 },
    );
    expect(res.status).toBe(200);
    const [bridge, notifications, analytics] = [
      api.config.bridge.groupId,
      api.config.notifications.groupId,
      api.config.analytics.groupId,
    ];
    expect(res.body.groups).toEqual([
      expect.objectContaining({ consumer: 'bridge', group: bridge, topic: TOPICS.orderCreated }),
      expect.objectContaining({
        consumer: 'notifications',
        group: notifications,
        topic: TOPICS.orderProcessed,
      }),
      expect.objectContaining({ consumer: 'analytics', group: analytics, topic: TOPICS.orderProcessed }),
    ]);
    for (const group of res.body.groups as Array<{ total: number; partitions: Record<string, number> }>) {
      expect(group.total).toBe(Object.values(group.partitions).reduce((n, p) => n + p, 0));
    }
  });

  it('lists the newest dead letters of a topic and publishes one again, audited', async () => {
    const kafka = createKafka(api.config.kafka);
    const producer = kafka.producer();
    await producer.connect();
    const key = `it-dlq-${randomUUID()}`;
    const broken = `{"type":"order-created","orderId":"${key}"`;
    try {
      await deadLetter(producer, {
        topic: TOPICS.orderCreated,
        partition: 0,
        message: { key: Buffer.from(key), value: Buffer.from(broken), offset: '0', headers: {} } as never,
        error: new Error('not JSON'),
        consumer: 'it-api-consumer',
      });
    } finally {
      await producer.disconnect();
    }

    const page = await api.request().get(`/ops/dead-letters?topic=${TOPICS.orderCreated}&limit=5`);
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(5);
    expect(page.body.total).toBeGreaterThanOrEqual(1);
    // Newest first across the topic's partitions: the one just written is among the first five.
    const failedAt = (page.body.items as Array<{ failedAt: string }>).map((d) => Date.parse(d.failedAt));
    expect(failedAt).toEqual([...failedAt].sort((a, b) => b - a));
    const newest = (page.body.items as Array<{ key: string; id: string }>).find((d) => d.key === key);
    expect(newest).toEqual({
      id: expect.stringMatching(/^\d+:\d+$/),
      key,
      consumer: 'it-api-consumer',
      failedAt: expect.any(String),
      error: 'Error: not JSON',
      origin: `${TOPICS.orderCreated}/0:0`,
    });

    const admin = kafka.admin();
    await admin.connect();
    const before = new Map(
      (await admin.fetchTopicOffsets(TOPICS.orderCreated)).map((p) => [p.partition, BigInt(p.offset)]),
    );
    await admin.disconnect();
    const replayed = await api
      .request()
      .post('/ops/dead-letters/replay')
      .send({ topic: TOPICS.orderCreated, id: newest!.id });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ replayed: [newest!.id] });
    const republished: string[] = [];
    await readTopic(kafka, TOPICS.orderCreated, { start: { offsets: before } }, async ({ message }) => {
      if (message.key?.toString() === key) republished.push(String(message.headers?.['dlq-replayed-from']));
    });
    expect(republished).toEqual([`${TOPICS.orderCreated}.dlq/${newest!.id}`]);
    const audit = await api.request().get('/ops/audit?actor=op-test&limit=1');
    expect(audit.body.items[0]).toMatchObject({
      action: 'dead-letters.replay',
      details: { topic: TOPICS.orderCreated, id: newest!.id, replayed: 1 },
    });

    const unknown = await api
      .request()
      .post('/ops/dead-letters/replay')
      .send({ topic: TOPICS.orderCreated, id: '0:999999999' });
    expect(unknown.status).toBe(404);
    const badTopic = await api.request().get('/ops/dead-letters?topic=orders');
    expect(badTopic.status).toBe(400);
    expect(badTopic.body.details[0]).toMatchObject({ field: 'topic' });
  });
});
