/**
 * End to end against the real stack with every process of the system running as its own process (api, outbox
 * relay, bridge, the three workers, notifications, analytics): HTTP in, Kafka, Temporal, Mongo, Kafka out, and on
 * to an SSE client and the analytics figures.
 */
import { randomUUID } from 'node:crypto';
import { loadStackConfig } from '../../../tools/stack/config';
import { eventIdFor, OrderCreatedV1, type OrderProcessedV1 } from '../../../contracts/events';
import { createKafka } from '../../../core/kafka/client';
import { priceOrder } from '../../../domain/catalogue/pricing';
import { connectTemporal } from '../../../core/temporal/connection';
import { connectMongo } from '../../../core/mongo/connection';
import { orderModel } from '../../../domain/orders/order-model';
import { storedOrder } from '../../support/order-events';
import { dlqTopic, TOPICS } from '../../../contracts/topics';
import { listDeadLetters, replayDeadLetters } from '../../../core/kafka/dead-letters';
import { readTopic as readTopicSlice } from '../../../core/kafka/topic-reader';
import { startIsolatedApp, type IsolatedApp } from '../../../tools/stack/app';
import type { Summary } from '../../../contracts/http/analytics/schemas';
import { connectSse } from '../../../core/http/sse-client';
import { stackCli } from '../../support/stack-cli';
import { bearer } from '../../support/tokens';
import { until } from '../../support/until';
import { localTokens } from '../../../tools/stack/issuer/keys';
import { stackPaths } from '../../../tools/stack/paths';

jest.setTimeout(600_000);

const config = loadStackConfig();
/** Tokens from the stack's own issuer, which the processes trust as they would a real provider. */
const tokens = localTokens(stackPaths(config).issuer, config.auth);
let op: Record<string, string> = {};
/** fetch as an operator: most of this file drives the system the way operators and tests see all of it. */
const opFetch = (url: string, init: RequestInit = {}) =>
  fetch(url, {
    ...init,
    headers: { ...op, ...((init.headers as Record<string, string> | undefined) ?? {}) },
  });
const RUN = randomUUID().slice(0, 8);
const DECLINED = `e2e-${RUN}-declined`;

interface Message {
  key: string;
  value: string;
  headers: Record<string, string>;
  /** When the producer sent it (Kafka CreateTime), ms since the epoch. */
  timestamp: number;
}

/**
 * Reads a topic from the given offsets up to its end as of now, with the operators' throwaway reader. Short-lived
 * on purpose: a consumer left running would live through the Kafka outage test and outlive the test file.
 */
async function readTopic(topic: string, from: ReadonlyMap<number, bigint>): Promise<Message[]> {
  const messages: Message[] = [];
  await readTopicSlice(
    createKafka(config.kafka),
    topic,
    { start: { offsets: from } },
    async ({ message }) => {
      messages.push({
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        timestamp: Number(message.timestamp),
      });
    },
  );
  return messages;
}

async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  const admin = createKafka(config.kafka).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

describe('order pipeline end to end', () => {
  let app: IsolatedApp;
  let api: string;
  let notifications: string;
  let analytics: string;
  const output: string[] = [];
  let processedFrom: Map<number, bigint>;
  let deadFrom: Map<number, bigint>;
  const temporal = connectTemporal(config.temporal);

  beforeAll(async () => {
    op = bearer(await tokens.operator());
    processedFrom = await endOffsets(TOPICS.orderProcessed);
    deadFrom = await endOffsets(dlqTopic(TOPICS.orderCreated));
    app = await startIsolatedApp(config, `e2e-${RUN}`, {
      env: {
        PAYMENT_DECLINE_CUSTOMERS: DECLINED,
        PAYMENT_LATENCY_MS: '5',
        LOG_LEVEL: 'warn',
      },
      output: (name, line) => output.push(`${name} | ${line}`),
    });
    ({ api, notifications, analytics } = app);
  }, 180_000);

  afterAll(async () => {
    await app?.stopAndClean();
    await (await temporal).connection.close();
  }, 120_000);

  afterAll(() => {
    // The processes' own errors, for whoever reads a failed run.
    const errors = output.filter((l) => /"level":(50|60)/.test(l));
    if (errors.length > 0) console.log(`process errors during the run:\n${errors.slice(-20).join('\n')}`);
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    opFetch(`${api}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  const finalStatus = (orderId: string, timeoutMs = 300_000) =>
    until(
      `order ${orderId} to finish`,
      async () => {
        const res = await opFetch(`${api}/orders/${orderId}`);
        const order = (await res.json()) as { status: string; reason: { type: string } | null };
        return ['completed', 'rejected', 'cancelled', 'failed'].includes(order.status) ? order : undefined;
      },
      { timeoutMs },
    );

  /**
   * Stores the order of a hand-made event as the API would have (published: the test produces its message), since
   * the bridge starts nothing for an order its store does not have.
   */
  async function storeOrder(event: OrderCreatedV1): Promise<void> {
    const db = await connectMongo({ ...config.mongo, url: app.mongoUrl });
    try {
      await orderModel(db).create({
        ...storedOrder(event, { requestHash: 'e2e', createdAt: new Date(event.occurredAt) }),
        publishState: 'published',
      });
    } finally {
      await db.close();
    }
  }

  /** Every order-processed event of this run so far, by orderId. */
  async function processedEvents(): Promise<Map<string, OrderProcessedV1[]>> {
    const byOrder = new Map<string, OrderProcessedV1[]>();
    for (const m of await readTopic(TOPICS.orderProcessed, processedFrom)) {
      byOrder.set(m.key, [...(byOrder.get(m.key) ?? []), JSON.parse(m.value) as OrderProcessedV1]);
    }
    return byOrder;
  }

  /** Waits until a consumer service has committed everything in the topics it reads. */
  const caughtUp = (service: string, topics: string[]) =>
    until(`${service} to catch up`, async () => {
      const res = await fetch(`${service}/readyz`);
      const { consumerLag } = (await res.json()) as { consumerLag?: Record<string, { total: number }> };
      return topics.every((t) => consumerLag?.[t]?.total === 0) ? true : undefined;
    });

  /** The analytics figures once its consumer has caught up with both topics. */
  async function analyticsSummary(): Promise<Summary> {
    await caughtUp(analytics, [TOPICS.orderCreated, TOPICS.orderProcessed]);
    return (await (await opFetch(`${analytics}/analytics/summary`)).json()) as Summary;
  }

  async function runsOf(orderId: string): Promise<number> {
    const { client } = await temporal;
    let n = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = "order-${orderId}"` })) n += 1;
    return n;
  }

  it('200 concurrent orders: each completes (or is rejected as expected) with one run and one order-processed', async () => {
    const orders = Array.from({ length: 200 }, (_, i) => ({
      customerId: i % 20 === 0 ? DECLINED : `e2e-${RUN}-${i % 7}`,
      email: `buyer${i}@example.com`,
      currency: (['EUR', 'USD', 'GBP'] as const)[i % 3]!,
      items: [
        { sku: 'KB-001', quantity: 1 + (i % 3) },
        { sku: 'CB-005', quantity: 2 },
      ],
    }));
    const watched = `e2e-${RUN}-3`;
    const sse = await connectSse(
      `${notifications}/notifications/stream?customerId=${watched}`,
      undefined,
      op,
    );
    await sse.waitFor('the stream to be live', (events) => events.some((e) => e.event === 'ready'));
    // Start from a quiet system: whatever the topics held before this run has been consumed.
    await caughtUp(notifications, [TOPICS.orderProcessed]);
    const before = await analyticsSummary();

    const started = Date.now();
    const responses = await Promise.all(orders.map((o, i) => post(o, { 'Idempotency-Key': `${RUN}-${i}` })));
    expect(responses.map((r) => r.status)).toEqual(orders.map(() => 202));
    const accepted = (await Promise.all(responses.map((r) => r.json()))) as Array<{
      orderId: string;
      totalCents: number;
    }>;
    const ids = accepted.map((a) => a.orderId);
    expect(new Set(ids).size).toBe(200);

    const outcomes = await Promise.all(ids.map((id) => finalStatus(id)));
    const elapsed = Date.now() - started;
    console.log(`200 orders accepted and processed end to end in ${(elapsed / 1000).toFixed(1)} s`);
    outcomes.forEach((o, i) => {
      if (orders[i]!.customerId === DECLINED)
        expect(o).toMatchObject({ status: 'rejected', reason: { type: 'PaymentDeclined' } });
      else expect(o.status).toBe('completed');
    });

    // Exactly one order-processed event per order, matching the order, and exactly one workflow run.
    // (Each workflow publishes before it completes, so every event is in Kafka by now.)
    const events = await processedEvents();
    for (const [i, id] of ids.entries()) {
      const ofOrder = events.get(id) ?? [];
      expect(ofOrder).toHaveLength(1);
      expect(ofOrder[0]).toMatchObject({
        orderId: id,
        status: outcomes[i]!.status,
        totalCents: accepted[i]!.totalCents,
      });
    }
    const runs = await Promise.all(ids.slice(0, 40).map(runsOf));
    expect(runs).toEqual(ids.slice(0, 40).map(() => 1));

    // Analytics: exactly these orders were added, by status and by revenue.
    const after = await analyticsSummary();
    const revenue: Record<string, number> = { ...before.revenueCents };
    outcomes.forEach((o, i) => {
      if (o.status !== 'completed') return;
      const currency = orders[i]!.currency;
      revenue[currency] = (revenue[currency] ?? 0) + accepted[i]!.totalCents;
    });
    expect(after.orders).toMatchObject({
      created: before.orders.created + 200,
      completed: before.orders.completed + 190,
      rejected: before.orders.rejected + 10,
      cancelled: before.orders.cancelled,
      failed: before.orders.failed,
    });
    expect(after.revenueCents).toEqual(revenue);
    expect(after.latencyMs.count).toBe(before.latencyMs.count + 200);

    // Notifications: the watched customer's client got one per order of theirs, and nothing else.
    const theirs = ids.filter((_, i) => orders[i]!.customerId === watched);
    await sse.waitFor(
      `${theirs.length} notifications`,
      (events) => events.filter((e) => e.event === 'notification').length >= theirs.length,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const received = sse.events.filter((e) => e.event === 'notification');
    sse.close();
    const notified = received.map((e) => ({
      ...(JSON.parse(e.data) as { orderId: string; occurredAt: string }),
      e,
    }));
    expect(notified.map((n) => n.orderId).sort()).toEqual([...theirs].sort());
    // Two clocks: from the outcome (the event's occurredAt, decided in the workflow) and from its publication to Kafka.
    const publishedAt = new Map(
      (await readTopic(TOPICS.orderProcessed, processedFrom)).map((m) => [m.key, m.timestamp]),
    );
    const stats = (ms: number[]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
      return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
    };
    console.log(
      `notifications of ${notified.length} orders: outcome → SSE client ${stats(
        notified.map((n) => n.e.receivedAt - Date.parse(n.occurredAt)),
      )}; published → SSE client ${stats(notified.map((n) => n.e.receivedAt - publishedAt.get(n.orderId)!))}`,
    );
  });

  it('with the payment gateway off, orders end failed; switched on and retried in bulk, they complete once', async () => {
    const setGateway = (available: boolean) =>
      opFetch(`${api}/ops/payment-gateway`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ available, reason: 'e2e outage' }),
      });
    const customers = [`e2e-${RUN}-outage-a`, `e2e-${RUN}-outage-b`];
    const streams = await Promise.all(
      customers.map((c) =>
        connectSse(`${notifications}/notifications/stream?customerId=${c}`, undefined, op),
      ),
    );
    await Promise.all(streams.map((s) => s.waitFor('live', (ev) => ev.some((e) => e.event === 'ready'))));
    const before = await analyticsSummary();

    expect((await setGateway(false)).status).toBe(200);
    let ids: string[];
    try {
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          post({
            customerId: customers[i % 2],
            email: 'o@example.com',
            currency: 'EUR',
            items: [{ sku: 'MS-002', quantity: 1 }],
          }),
        ),
      );
      ids = ((await Promise.all(responses.map((r) => r.json()))) as { orderId: string }[]).map(
        (o) => o.orderId,
      );
      const failed = await Promise.all(ids.map((id) => finalStatus(id)));
      expect(failed).toEqual(
        ids.map(() =>
          expect.objectContaining({
            status: 'failed',
            reason: expect.objectContaining({ type: 'GatewayUnavailable' }),
          }),
        ),
      );
      // Analytics counts them as failed, for now.
      const failedNow = await analyticsSummary();
      expect(failedNow.orders.failed - before.orders.failed).toBe(ids.length);
      // A failed order is not retried while the gateway is still off... it would only fail again; the operator
      // switches it on first. Retrying something that is not failed is refused.
      const refused = await opFetch(`${api}/orders/${randomUUID()}/retry`, { method: 'POST' });
      expect(refused.status).toBe(404);
    } finally {
      expect((await setGateway(true)).status).toBe(200);
    }

    // Temporal shows the runs as Failed once they close: each first refunds the charge whose answer it never got
    // (it might have been captured), and that waits for the gateway.
    const { client } = await temporal;
    for (const id of ids!) {
      const run = await until(`the run of ${id} to close`, async () => {
        const { status } = await client.workflow.getHandle(`order-${id}`).describe();
        return status.name === 'RUNNING' ? undefined : status.name;
      });
      expect(run).toBe('FAILED');
    }

    const retry = () =>
      opFetch(`${api}/orders/retry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failureType: 'GatewayUnavailable' }),
      });
    const first = (await (await retry()).json()) as {
      matched: number;
      retried: number;
      alreadyRetrying: number;
    };
    expect(first).toMatchObject({ matched: ids.length, retried: ids.length });
    // Idempotent: asking again starts nothing new.
    const again = (await (await retry()).json()) as { retried: number };
    expect(again.retried).toBe(0);

    const completed = await Promise.all(ids.map((id) => finalStatus(id)));
    expect(completed.map((o) => o.status)).toEqual(ids.map(() => 'completed'));
    const notCompleted = await opFetch(`${api}/orders/${ids[0]}/retry`, { method: 'POST' });
    expect(notCompleted.status).toBe(409);
    expect(((await notCompleted.json()) as { error: string }).error).toBe('not_failed');

    // Analytics counts each of them once, as completed; each customer was told of the failure, then of the outcome.
    const after = await analyticsSummary();
    expect(after.orders.created - before.orders.created).toBe(ids.length);
    expect(after.orders.completed - before.orders.completed).toBe(ids.length);
    expect(after.orders.failed - before.orders.failed).toBe(0);
    for (const [i, stream] of streams.entries()) {
      const theirs = ids.filter((_, j) => j % 2 === i);
      await stream.waitFor(
        'failure and outcome',
        (ev) => ev.filter((e) => e.event === 'notification').length >= 2 * theirs.length,
      );
      await new Promise((r) => setTimeout(r, 500));
      stream.close();
      const got = stream.events
        .filter((e) => e.event === 'notification')
        .map((e) => JSON.parse(e.data) as { orderId: string; status: string });
      for (const id of theirs) {
        expect(got.filter((n) => n.orderId === id).map((n) => n.status)).toEqual(['failed', 'completed']);
      }
      expect(got).toHaveLength(2 * theirs.length);
    }
  });

  it('the same order-created message produced twice yields one workflow run', async () => {
    const orderId = randomUUID();
    const priced = priceOrder('EUR', [{ sku: 'MS-002', quantity: 1 }]);
    if (!priced.ok) throw new Error('catalogue changed');
    const event = OrderCreatedV1.parse({
      eventId: eventIdFor('order-created', orderId),
      type: 'order-created',
      version: 1,
      occurredAt: new Date().toISOString(),
      orderId,
      customerId: `e2e-${RUN}-dup`,
      email: 'dup@example.com',
      currency: 'EUR',
      items: priced.lines,
      totalCents: priced.totalCents,
    });
    await storeOrder(event);
    const producer = createKafka(config.kafka).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const message = { key: orderId, value: JSON.stringify(event) };
    await producer.send({ topic: TOPICS.orderCreated, acks: -1, messages: [message] });
    await producer.send({ topic: TOPICS.orderCreated, acks: -1, messages: [message] });
    await producer.disconnect();

    const { client } = await temporal;
    const result = await until(
      'the duplicated order to be processed',
      () => client.workflow.getHandle(`order-${orderId}`).result() as Promise<{ status: string }>,
    );
    expect(result.status).toBe('completed');
    await new Promise((r) => setTimeout(r, 2_000)); // room for a second run to show up, if there were one
    expect(await runsOf(orderId)).toBe(1);
    expect((await processedEvents()).get(orderId)).toHaveLength(1);
  });

  it('a malformed message goes to order-created.dlq and the bridge keeps going', async () => {
    const producer = createKafka(config.kafka).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Keyed by an orderId, as every order-created message is: once corrected it becomes that order.
    const marker = randomUUID();
    const [ack] = await producer.send({
      topic: TOPICS.orderCreated,
      acks: -1,
      messages: [{ key: marker, value: '{"type":"order-created", this is not JSON' }],
    });
    await producer.disconnect();

    const dlq = await until('the dead letter', async () =>
      (await readTopic(dlqTopic(TOPICS.orderCreated), deadFrom)).find((m) => m.key === marker),
    );
    expect(dlq.headers['dlq-original-topic']).toBe(TOPICS.orderCreated);
    expect(dlq.headers['dlq-original-partition']).toBe(String(ack!.partition));
    expect(dlq.headers['dlq-original-offset']).toBe(ack!.baseOffset);
    expect(dlq.headers['dlq-error']).toMatch(/JSON/);
    expect(Date.parse(dlq.headers['dlq-failed-at']!)).not.toBeNaN();

    const res = await post({
      customerId: `e2e-${RUN}-after`,
      email: 'a@example.com',
      currency: 'EUR',
      items: [{ sku: 'MS-002', quantity: 1 }],
    });
    const { orderId } = (await res.json()) as { orderId: string };
    expect((await finalStatus(orderId)).status).toBe('completed');

    // The operator corrects the dead letter and replays it: it flows through like any order.
    const letter = (await listDeadLetters(createKafka(config.kafka), TOPICS.orderCreated)).find(
      (l) => l.key === marker && l.letter?.consumer === app.groups.bridge,
    )!;
    const priced = priceOrder('GBP', [{ sku: 'MS-002', quantity: 2 }]);
    if (!priced.ok) throw new Error('catalogue changed');
    const fixed = OrderCreatedV1.parse({
      eventId: eventIdFor('order-created', marker),
      type: 'order-created',
      version: 1,
      occurredAt: new Date().toISOString(),
      orderId: marker,
      customerId: `e2e-${RUN}-fixed`,
      email: 'fixed@example.com',
      currency: 'GBP',
      items: priced.lines,
      totalCents: priced.totalCents,
    });
    // The order was accepted (stored) before its message was mangled on the way.
    await storeOrder(fixed);
    await replayDeadLetters(createKafka(config.kafka), TOPICS.orderCreated, {
      id: letter.id,
      value: JSON.stringify(fixed),
    });
    const { client } = await temporal;
    const result = await until(
      'the corrected order to be processed',
      () => client.workflow.getHandle(`order-${marker}`).result() as Promise<{ status: string }>,
    );
    expect(result.status).toBe('completed');
  });

  it('with Kafka stopped, POST still answers 202 and the order completes once Kafka is back', async () => {
    if (config.kafka.external) {
      // Not ours to stop: the stack refuses, and says so.
      expect(stackCli('down', 'kafka').output).toMatch(/external .*not managed/);
      return;
    }
    expect(stackCli('down', 'kafka').code).toBe(0);
    let orderId: string;
    try {
      const res = await post({
        customerId: `e2e-${RUN}-outage`,
        email: 'o@example.com',
        currency: 'GBP',
        items: [{ sku: 'HD-004', quantity: 1 }],
      });
      expect(res.status).toBe(202);
      ({ orderId } = (await res.json()) as { orderId: string });
      await new Promise((r) => setTimeout(r, 2_000));
      const during = (await (await opFetch(`${api}/orders/${orderId}`)).json()) as { status: string };
      expect(during.status).toBe('accepted');
    } finally {
      expect(stackCli('up', 'kafka').code).toBe(0);
    }
    expect((await finalStatus(orderId!)).status).toBe('completed');
  });
});
