/**
 * The measured phases. Each sends load open-loop at a fixed rate for a fixed time, then waits (bounded) for what
 * it sent to come out the other end, and reports latencies, throughput and whether the rate was sustained.
 */
import type { LocalTokens } from '../stack/issuer/keys';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { orderCreatedEvent } from '../../domain/orders/order-created-event';
import { processOrderStartOptions } from '../../domain/orders/workflow-start';
import { EventConsumer } from '../../core/kafka/event-consumer';
import type { Logger } from '../../core/logger';
import { newOrder } from '../../domain/orders/order-model';
import { priceOrder } from '../../domain/catalogue/pricing';
import { connectSse, type SseClient } from '../../core/http/sse-client';
import { PROCESS_ORDER_WORKFLOW } from '../../contracts/order-workflow';
import { openLoop, type OpenLoopResult } from './load';
import { Probe, settle, type PhaseUsage, type Watched } from './probe';
import { distribution, round1, type Distribution } from './stats';
import { TASK_QUEUES } from '../../contracts/task-queues';

export interface PhaseResult {
  phase: string;
  rate: number;
  durationS: number;
  sent: number;
  /** Not sent because too many were outstanding (the generator's bound). */
  shed: number;
  /** Requests that failed (non-2xx, refused, timed out). */
  failed: number;
  errors: string[];
  /** Sent and seen at the far end (order-processed, or the round trip) within the drain window. */
  completed: number;
  /** Completed per second, first send to last completion. */
  throughput: number;
  /** Seconds from the last send to the last completion: the backlog left when the load stopped. */
  drainS: number;
  /** Every order completed, nothing failed, and the backlog left at the end drained within the allowance. */
  sustained: boolean;
  /** What was still queued when the phase had to start anyway (the system did not settle in time). */
  startedWithBacklog?: Record<string, number>;
  latencyMs: Record<string, Distribution | null>;
  usage: Omit<PhaseUsage, 'samples'> & {
    maxKafkaLag: Record<string, number>;
    maxTemporalBacklog: Record<string, number>;
  };
}

export interface BenchContext {
  run: string;
  kafka: Kafka;
  temporal: Client;
  logger: Logger;
  watched: Watched;
  api: string;
  notifications: string;
  /** Arrival time (ms since the epoch) of each order's `order-processed`, by orderId. */
  processed: ArrivalWatcher;
  /** Upper bound on waiting for the far end after the load stops. */
  drainTimeoutS: number;
  /** Upper bound on waiting, before a phase, for the system to work off what is queued. */
  settleTimeoutS: number;
  log: (line: string) => void;
  /** Customers' tokens for the API and the streams. */
  tokens: LocalTokens;
}

const MAX_IN_FLIGHT = 5000;
const BENCH_SKU = 'KB-001';
const BENCH_CURRENCY = 'EUR';

/** Records when each key first arrives on a topic, with a consumer group of the run's own that starts at its end. */
export class ArrivalWatcher {
  readonly arrivals = new Map<string, number>();
  private consumer: EventConsumer<KafkaMessage> | undefined;

  async start(
    kafka: Kafka,
    { name, groupId, topic }: { name: string; groupId: string; topic: string },
    logger: Logger,
    producer: Producer,
  ): Promise<void> {
    this.consumer = new EventConsumer<KafkaMessage>({
      kafka,
      logger,
      name,
      groupId,
      topics: [topic],
      partitionsConcurrency: 6,
      maxAttempts: 1,
      newGroupFrom: 'end',
      dlqProducer: producer,
      parse: (message) => message,
      handle: (message) => {
        const key = message.key?.toString();
        if (key && !this.arrivals.has(key)) this.arrivals.set(key, Date.now());
        return Promise.resolve('seen');
      },
      classify: () => 'transient',
    });
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }
}

interface Tracked {
  sentAt: number;
  /** Set once the request was accepted (202, workflow started, produce acknowledged). */
  acceptMs?: number;
  /** The order's id, or the round-trip message's key. */
  orderId?: string;
}

async function waitFor(done: () => boolean, timeoutS: number): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

function summarise(
  phase: string,
  rate: number,
  durationS: number,
  load: OpenLoopResult,
  firstSentAt: number,
  lastSentAt: number,
  completions: number[],
  latencyMs: Record<string, Distribution | null>,
  usage: PhaseUsage,
): PhaseResult {
  // A reduce, not Math.max(...): a phase may complete more values than a call can take as arguments.
  const last = completions.reduce((a, b) => Math.max(a, b), lastSentAt);
  const drainS = Math.max(0, (last - lastSentAt) / 1000);
  const completed = completions.length;
  const maxOf = (pick: (s: PhaseUsage['samples'][number]) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const s of usage.samples)
      for (const [k, v] of Object.entries(pick(s))) out[k] = Math.max(out[k] ?? 0, v);
    return out;
  };
  return {
    phase,
    rate,
    durationS,
    sent: load.sent,
    shed: load.shed,
    failed: load.failed,
    errors: load.errors,
    completed,
    throughput: round1(completed / Math.max(0.001, (last - firstSentAt) / 1000)),
    drainS: round1(drainS),
    // Allowance: a few seconds of end-to-end latency, or a fifth of the phase, whichever is longer.
    sustained:
      load.shed === 0 && load.failed === 0 && completed === load.sent && drainS <= Math.max(5, durationS / 5),
    latencyMs,
    usage: {
      machineCpuPct: usage.machineCpuPct,
      database: usage.database,
      temporal: usage.temporal,
      processes: usage.processes,
      maxKafkaLag: maxOf((s) => s.kafkaLag),
      maxTemporalBacklog: maxOf((s) => s.temporalBacklog),
    },
  };
}

interface Measured {
  phase: string;
  rate: number;
  durationS: number;
  /** Sends request i, pushing its Tracked entry before the request goes out. */
  send: (i: number, tracked: Tracked[]) => Promise<void>;
  acceptLabel: string;
  /** Each far-end signal, by label: when it arrived for an accepted request, if it has. */
  ends: Record<string, (t: Tracked) => number | undefined>;
}

/**
 * Runs one phase: open-loop load, then a bounded wait until every accepted request has every far-end signal.
 * A request completes at the last of its signals; latencies are from the send.
 */
async function measure(ctx: BenchContext, m: Measured): Promise<PhaseResult> {
  const backlog = await settle(ctx.watched, ctx.settleTimeoutS, ctx.log);
  if (backlog) ctx.log(`  starting ${m.phase} anyway, with queued: ${JSON.stringify(backlog)}`);
  const tracked: Tracked[] = [];
  const probe = new Probe(ctx.watched);
  await probe.start();
  const load = await openLoop({
    rate: m.rate,
    durationS: m.durationS,
    maxInFlight: MAX_IN_FLIGHT,
    send: (i) => m.send(i, tracked),
  });
  const accepted = tracked.filter((t) => t.acceptMs !== undefined);
  const ends = Object.entries(m.ends);
  const completedAt = (t: Tracked): number | undefined => {
    let last = 0;
    for (const [, end] of ends) {
      const at = end(t);
      if (at === undefined) return undefined;
      last = Math.max(last, at);
    }
    return last;
  };
  await waitFor(() => accepted.every((t) => completedAt(t) !== undefined), ctx.drainTimeoutS);
  const usage = await probe.stop();

  const latencyMs: Record<string, Distribution | null> = {
    [m.acceptLabel]: distribution(accepted.map((t) => t.acceptMs!)),
  };
  for (const [label, end] of ends)
    latencyMs[label] = distribution(
      accepted.flatMap((t) => {
        const at = end(t);
        return at === undefined ? [] : [at - t.sentAt];
      }),
    );
  const result = summarise(
    m.phase,
    m.rate,
    m.durationS,
    load,
    tracked[0]?.sentAt ?? Date.now(),
    tracked.at(-1)?.sentAt ?? Date.now(),
    accepted.flatMap((t) => completedAt(t) ?? []),
    latencyMs,
    usage,
  );
  return backlog ? { ...result, startedWithBacklog: backlog } : result;
}

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
