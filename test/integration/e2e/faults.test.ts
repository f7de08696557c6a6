/**
 * End to end against the real stack with every process of the system running as its own process, through faults:
 * a payment gateway outage and a bulk retry, a duplicated message, a malformed one, and Kafka stopped.
 */
import { randomUUID } from 'node:crypto';
import { eventIdFor, OrderCreatedV1 } from '../../../contracts/events';
import { createKafka } from '../../../core/kafka/client';
import { priceOrder } from '../../../domain/catalogue/pricing';
import { dlqTopic, TOPICS } from '../../../contracts/topics';
import { listDeadLetters, replayDeadLetters } from '../../../core/kafka/dead-letters';
import { connectSse } from '../../../core/http/sse-client';
import { stackCli } from '../../support/stack-cli';
import { until } from '../../support/until';
import {
  analyticsSummary,
  api,
  app,
  config,
  deadFrom,
  finalStatus,
  notifications,
  op,
  opFetch,
  post,
  processedEvents,
  readTopic,
  RUN,
  runsOf,
  runThePipeline,
  storeOrder,
  temporal,
} from '../../support/pipeline';

jest.setTimeout(600_000);

describe('order pipeline end to end', () => {
  runThePipeline();

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
