/**
 * The whole system for the end-to-end suites: every process of it running as its own process (api, outbox relay,
 * bridge, the three workers, notifications, analytics) against the real stack, and the ways the suites drive and
 * watch it: HTTP in, Kafka, Temporal, Mongo, Kafka out, and on to an SSE client and the analytics figures.
 */
import { randomUUID } from 'node:crypto';
import { loadStackConfig } from '../../tools/stack/config';
import type { OrderCreatedV1, OrderProcessedV1 } from '../../contracts/events';
import { createKafka } from '../../core/kafka/client';
import { connectTemporal } from '../../core/temporal/connection';
import { connectMongo } from '../../core/mongo/connection';
import { orderModel } from '../../domain/orders/order-model';
import { storedOrder } from './order-events';
import { dlqTopic, TOPICS } from '../../contracts/topics';
import { readTopic as readTopicSlice } from '../../core/kafka/topic-reader';
import { startIsolatedApp, type IsolatedApp } from '../../tools/stack/app';
import type { Summary } from '../../contracts/http/analytics/schemas';
import { bearer } from './tokens';
import { until } from './until';
import { localTokens } from '../../tools/stack/issuer/keys';
import { stackPaths } from '../../tools/stack/paths';

export const config = loadStackConfig();
/** Tokens from the stack's own issuer, which the processes trust as they would a real provider. */
const tokens = localTokens(stackPaths(config).issuer, config.auth);
export let op: Record<string, string> = {};
/** fetch as an operator: the suites drive the system the way operators and tests see all of it. */
export const opFetch = (url: string, init: RequestInit = {}) =>
  fetch(url, {
    ...init,
    headers: { ...op, ...((init.headers as Record<string, string> | undefined) ?? {}) },
  });
export const RUN = randomUUID().slice(0, 8);
export const DECLINED = `e2e-${RUN}-declined`;

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
export async function readTopic(topic: string, from: ReadonlyMap<number, bigint>): Promise<Message[]> {
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

export let app: IsolatedApp;
export let api: string;
export let notifications: string;
export let analytics: string;
const output: string[] = [];
export let processedFrom: Map<number, bigint>;
export let deadFrom: Map<number, bigint>;
export const temporal = connectTemporal(config.temporal);

/**
 * Starts every process of the system, on ports, a database and consumer groups of this run's own, before the
 * calling describe's tests, and stops them after. The addresses and offsets above are set once it is up; the
 * suites import them as live bindings, so they read them as they are then.
 */
export function runThePipeline(): void {
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
}

export const post = (body: unknown, headers: Record<string, string> = {}) =>
  opFetch(`${api}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

export const finalStatus = (orderId: string, timeoutMs = 300_000) =>
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
 * Stores the order of a hand-made event as the API would have, with no outbox entry (so the relay leaves it alone:
 * the test produces its message), since the bridge starts nothing for an order its store does not have.
 */
export async function storeOrder(event: OrderCreatedV1): Promise<void> {
  const db = await connectMongo({ ...config.mongo, url: app.mongoUrl });
  try {
    await orderModel(db).create(
      storedOrder(event, { requestHash: 'e2e', createdAt: new Date(event.occurredAt) }),
    );
  } finally {
    await db.close();
  }
}

/** Every order-processed event of this run so far, by orderId. */
export async function processedEvents(): Promise<Map<string, OrderProcessedV1[]>> {
  const byOrder = new Map<string, OrderProcessedV1[]>();
  for (const m of await readTopic(TOPICS.orderProcessed, processedFrom)) {
    byOrder.set(m.key, [...(byOrder.get(m.key) ?? []), JSON.parse(m.value) as OrderProcessedV1]);
  }
  return byOrder;
}

/** Waits until a consumer service has committed everything in the topics it reads. */
export const caughtUp = (service: string, topics: string[]) =>
  until(`${service} to catch up`, async () => {
    const res = await fetch(`${service}/readyz`);
    const { consumerLag } = (await res.json()) as { consumerLag?: Record<string, { total: number }> };
    return topics.every((t) => consumerLag?.[t]?.total === 0) ? true : undefined;
  });

/** The analytics figures once its consumer has caught up with both topics. */
export async function analyticsSummary(): Promise<Summary> {
  await caughtUp(analytics, [TOPICS.orderCreated, TOPICS.orderProcessed]);
  return (await (await opFetch(`${analytics}/analytics/summary`)).json()) as Summary;
}

/** How many workflow runs the order has had. */
export async function runsOf(orderId: string): Promise<number> {
  const { client } = await temporal;
  let n = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = "order-${orderId}"` })) n += 1;
  return n;
}
