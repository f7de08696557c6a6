/**
 * The measured phases: the whole pipeline, the full workflow alone, bare Kafka and the API alone, each sent load
 * and measured the same way (./measure), so their figures compare. The engine floor is in floor/phase.ts.
 */
import { randomUUID } from 'node:crypto';
import { orderCreatedEvent } from '../../domain/orders/order-created-event';
import { processOrderStartOptions } from '../../domain/orders/workflow-start';
import { orderModel } from '../../domain/orders/order-model';
import { connectSse, type SseClient } from '../../core/http/sse-client';
import { PROCESS_ORDER_WORKFLOW } from '../../contracts/order-workflow';
import { ALL_TASK_QUEUES, TASK_QUEUES } from '../../contracts/task-queues';
import { ArrivalWatcher } from './arrivals';
import { measure, type BenchContext, type PhaseResult, type Tracked } from './measure';
import { benchOrder, orderRequest } from './orders';
import { PHASE } from './phase-names';

/** The processes of the system and the servers: everything but the engine floor's workers. */
export const systemProcesses = (process: string): boolean => !process.startsWith('floor-');

/** POST /orders, timed from the moment it is sent to the 202. */
async function postOrder(
  ctx: BenchContext,
  customerId: string,
  n: number,
  tracked: Tracked[],
): Promise<void> {
  const t: Tracked = { sentAt: Date.now() };
  tracked.push(t);
  const started = performance.now();
  const res = await fetch(`${ctx.api}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await ctx.tokens.customer(customerId)}`,
    },
    body: JSON.stringify(orderRequest(customerId, n)),
  });
  const body = (await res.json()) as { orderId?: string; message?: string };
  if (res.status !== 202 || !body.orderId)
    throw new Error(`POST /orders: HTTP ${res.status} ${body.message ?? ''}`);
  t.acceptMs = performance.now() - started;
  t.orderId = body.orderId;
  ctx.statuses.track(body.orderId);
}

/**
 * The whole system: POST /orders → outbox → Kafka → bridge → Temporal → order-processed → notifications → SSE.
 * Ten customers each have an SSE client open, as a user's browser would. An order is done when its final status
 * is in the order store, its `order-processed` on the topic and its notification on its customer's stream.
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
      phase: PHASE.pipeline,
      rate,
      durationS,
      send: (i, tracked) => postOrder(ctx, customers[i % customers.length]!, i, tracked),
      acceptLabel: 'API accept',
      ends: {
        'POST → final status recorded': (t) => ctx.statuses.recordedAt(t.orderId!),
        'POST → order-processed': (t) => ctx.processed.arrivals.get(t.orderId!),
        'POST → SSE notification': notifiedAt,
      },
      involves: systemProcesses,
      taskQueues: ALL_TASK_QUEUES,
    });
  } finally {
    for (const s of streams) s.close();
  }
}

/**
 * Baseline, the full workflow: processOrder with the bridge's own start options, started straight through the
 * client on the system's workers and activities, for an order placed in the store as the API places it but for its
 * outbox entry (so the relay leaves it alone, and it reads as processing once started). No API, outbox,
 * order-created or bridge. Done as the pipeline's orders are, but for the stream: final status recorded and
 * `order-processed` on the topic.
 */
export function fullWorkflowPhase(ctx: BenchContext, rate: number, durationS: number): Promise<PhaseResult> {
  const orders = orderModel(ctx.database);
  return measure(ctx, {
    phase: PHASE.full,
    rate,
    durationS,
    send: async (i, tracked) => {
      const order = benchOrder(randomUUID(), `${ctx.run}-full-${i % 10}`, i);
      // No outbox entry: to the relay and the bridge an order without one is published and started.
      await orders.create(order);
      const t: Tracked = { sentAt: Date.now(), orderId: order._id };
      tracked.push(t);
      const started = performance.now();
      await ctx.temporal.workflow.start(
        PROCESS_ORDER_WORKFLOW,
        processOrderStartOptions(orderCreatedEvent(order), TASK_QUEUES.orders),
      );
      t.acceptMs = performance.now() - started;
      ctx.statuses.track(order._id);
    },
    acceptLabel: 'workflow start',
    ends: {
      'start → final status recorded': (t) => ctx.statuses.recordedAt(t.orderId!),
      'start → order-processed': (t) => ctx.processed.arrivals.get(t.orderId!),
    },
    involves: systemProcesses,
    taskQueues: ALL_TASK_QUEUES,
  });
}

/**
 * Bare Kafka: kafkajs produce → consume round trip on a topic of the bench's own, with the producer settings the
 * system uses (idempotent, acks=all) and a message the size of an `order-created`.
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
  const payload = JSON.stringify({ ...orderRequest('bench', 0), padding: 'x'.repeat(300) });
  try {
    return await measure(ctx, {
      phase: PHASE.kafka,
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
      involves: (process) => process === 'kafka',
      taskQueues: [],
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
    phase: PHASE.api,
    rate,
    durationS,
    // A hundred customers: a burst from one would be its own rate limit's to refuse (HTTP_RATE_LIMIT_PER_MINUTE).
    send: (i, tracked) => postOrder(ctx, `${ctx.run}-api-${i % 100}`, i, tracked),
    acceptLabel: 'API accept',
    ends: { 'POST → order-processed': (t) => ctx.processed.arrivals.get(t.orderId!) },
    involves: systemProcesses,
    taskQueues: ALL_TASK_QUEUES,
  });
}
