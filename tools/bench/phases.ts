/**
 * The measured phases: the whole pipeline, its engines alone (bare Temporal, bare Kafka) and the API alone, each
 * sent load and measured the same way (./measure), so their figures compare.
 */
import { randomUUID } from 'node:crypto';
import { orderCreatedEvent } from '../../domain/orders/order-created-event';
import { processOrderStartOptions } from '../../domain/orders/workflow-start';
import { newOrder } from '../../domain/orders/order-model';
import { priceOrder } from '../../domain/catalogue/pricing';
import { connectSse, type SseClient } from '../../core/http/sse-client';
import { PROCESS_ORDER_WORKFLOW } from '../../contracts/order-workflow';
import { TASK_QUEUES } from '../../contracts/task-queues';
import { ArrivalWatcher } from './arrivals';
import { measure, type BenchContext, type PhaseResult, type Tracked } from './measure';

const BENCH_SKU = 'KB-001';
const BENCH_CURRENCY = 'EUR';

function orderRequest(customerId: string) {
  return {
    customerId,
    email: 'bench@example.com',
    currency: BENCH_CURRENCY,
    items: [{ sku: BENCH_SKU, quantity: 1 }],
  };
}

/** POST /orders, timed from the moment it is sent to the 202. */
async function postOrder(ctx: BenchContext, customerId: string, tracked: Tracked[]): Promise<void> {
  const t: Tracked = { sentAt: Date.now() };
  tracked.push(t);
  const started = performance.now();
  const res = await fetch(`${ctx.api}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await ctx.tokens.customer(customerId)}`,
    },
    body: JSON.stringify(orderRequest(customerId)),
  });
  const body = (await res.json()) as { orderId?: string; message?: string };
  if (res.status !== 202 || !body.orderId)
    throw new Error(`POST /orders: HTTP ${res.status} ${body.message ?? ''}`);
  t.acceptMs = performance.now() - started;
  t.orderId = body.orderId;
}

/**
 * The whole system: POST /orders → outbox → Kafka → bridge → Temporal → order-processed → notifications → SSE.
 * Ten customers each have an SSE client open, as a user's browser would.
 */
export async function pipelinePhase(
  ctx: BenchContext,
  rate: number,
  durationS: number,
): Promise<PhaseResult> {
  const tag = randomUUID().slice(0, 6);
  const customers = Array.from({ length: 10 }, (_, k) => `${ctx.run}-${tag}-${k}`);
  const streams: SseClient[] = await Promise.all(
    customers.map(async (c) =>
      connectSse(`${ctx.notifications}/notifications/stream`, undefined, {
        authorization: `Bearer ${await ctx.tokens.customer(c)}`,
      }),
    ),
  );
  await Promise.all(
    streams.map((s) => s.waitFor('ready', (events) => events.some((e) => e.event === 'ready'))),
  );
  // First notification per order, read on from where each stream was last read.
  const notified = new Map<string, number>();
  const read = streams.map(() => 0);
  const notifiedAt = (t: Tracked) => {
    streams.forEach((s, k) => {
      for (; read[k]! < s.events.length; read[k]!++) {
        const e = s.events[read[k]!]!;
        if (e.event !== 'notification') continue;
        const orderId = (JSON.parse(e.data) as { orderId: string }).orderId;
        if (!notified.has(orderId)) notified.set(orderId, e.receivedAt);
      }
    });
    return notified.get(t.orderId!);
  };
  try {
    return await measure(ctx, {
      phase: 'pipeline',
      rate,
      durationS,
      send: (i, tracked) => postOrder(ctx, customers[i % customers.length]!, tracked),
      acceptLabel: 'API accept',
      ends: {
        'POST → order-processed': (t) => ctx.processed.arrivals.get(t.orderId!),
        'POST → SSE notification': notifiedAt,
      },
    });
  } finally {
    for (const s of streams) s.close();
  }
}

/**
 * Baseline (a), bare Temporal: the same workflow, with the same options the bridge uses, started straight through
 * the client on the same workers and activities. No API, outbox, order-created or bridge. Completion is the same
 * signal as the pipeline's: the workflow's `order-processed`.
 */
export async function temporalPhase(
  ctx: BenchContext,
  rate: number,
  durationS: number,
): Promise<PhaseResult> {
  const priced = priceOrder(BENCH_CURRENCY, [{ sku: BENCH_SKU, quantity: 1 }]);
  if (!priced.ok) throw new Error(`the bench SKU ${BENCH_SKU} is not in the catalogue`);
  return measure(ctx, {
    phase: 'bare Temporal',
    rate,
    durationS,
    send: async (i, tracked) => {
      const order = newOrder({
        _id: randomUUID(),
        customerId: `${ctx.run}-temporal-${i % 10}`,
        email: 'bench@example.com',
        currency: BENCH_CURRENCY,
        items: priced.lines,
        totalCents: priced.totalCents,
        idempotencyKey: null,
        requestHash: '',
        createdAt: new Date(),
      });
      const t: Tracked = { sentAt: Date.now(), orderId: order._id };
      tracked.push(t);
      const started = performance.now();
      await ctx.temporal.workflow.start(
        PROCESS_ORDER_WORKFLOW,
        processOrderStartOptions(orderCreatedEvent(order), TASK_QUEUES.orders),
      );
      t.acceptMs = performance.now() - started;
    },
    acceptLabel: 'workflow start',
    ends: { 'start → order-processed': (t) => ctx.processed.arrivals.get(t.orderId!) },
  });
}

/**
 * Baseline (b), bare Kafka: kafkajs produce → consume round trip on a topic of the bench's own, with the producer
 * settings the system uses (idempotent, acks=all) and a message the size of an `order-created`.
 */
export async function kafkaPhase(ctx: BenchContext, rate: number, durationS: number): Promise<PhaseResult> {
  const topic = 'bench-roundtrip';
  const admin = ctx.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
  await admin.disconnect();

  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const received = new ArrivalWatcher();
  await received.start(
    ctx.kafka,
    { name: 'bench-roundtrip', groupId: `${ctx.run}-roundtrip`, topic },
    ctx.logger,
    producer,
  );
  const payload = JSON.stringify({ ...orderRequest('bench'), padding: 'x'.repeat(300) });
  try {
    return await measure(ctx, {
      phase: 'bare Kafka',
      rate,
      durationS,
      send: async (_i, tracked) => {
        const t: Tracked = { sentAt: Date.now(), orderId: randomUUID() };
        tracked.push(t);
        const started = performance.now();
        await producer.send({ topic, acks: -1, messages: [{ key: t.orderId, value: payload }] });
        t.acceptMs = performance.now() - started;
      },
      acceptLabel: 'produce (acks=all)',
      ends: { 'produce → consume': (t) => received.arrivals.get(t.orderId!) },
    });
  } finally {
    await received.stop();
    await producer.disconnect();
  }
}

/**
 * The API alone at a high request rate: accept latency only. The orders are real and flow on through the system;
 * the phase then waits (bounded) for them all to come out, so the next phase starts from an idle system.
 */
export function apiPhase(ctx: BenchContext, rate: number, durationS: number): Promise<PhaseResult> {
  return measure(ctx, {
    phase: 'API burst',
    rate,
    durationS,
    // A hundred customers: a burst from one would be its own rate limit's to refuse (HTTP_RATE_LIMIT_PER_MINUTE).
    send: (i, tracked) => postOrder(ctx, `${ctx.run}-api-${i % 100}`, tracked),
    acceptLabel: 'API accept',
    ends: { 'POST → order-processed': (t) => ctx.processed.arrivals.get(t.orderId!) },
  });
}
