import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { parseEvent, type OrderProcessedV1, type OrderStatus } from '../../contracts/events';
import { orderWorkflowId } from '../../contracts/order-workflow';
import { TOPICS } from '../../contracts/topics';
import { readTopic } from '../../core/kafka/topic-reader';
import { orderModel, type OrderDoc } from '../../domain/orders/order-model';
import { outboxModel, publishStateOf, type OutboxEntryDoc } from '../../domain/orders/outbox';
import { isFinalStatus } from '../../domain/orders/status';
import { stockCollections } from '../../domain/stock/stock-model';

/** What went wrong with one acknowledged order; an order with no problem is not listed. */
export interface Anomaly {
  orderId: string;
  kind: 'lost' | 'duplicated' | 'wrong outcome';
  detail: string;
  /** The order's life, for attributing it to the faults that overlapped it. */
  from: number;
  to: number;
}

export interface AuditInput {
  db: Connection;
  kafka: Kafka;
  temporal: Client;
  /** Every acknowledged order: id → when the client got its 202. */
  acknowledged: ReadonlyMap<string, number>;
  /** Where order-processed stood before the first order: what this run published lies beyond. */
  processedFrom: ReadonlyMap<number, bigint>;
  /** Orders the operator retried, with how many times. */
  retries: ReadonlyMap<string, number>;
  analyticsUrl: string;
  /** Analytics answers operators only. */
  operatorToken: string;
  /** The SKU and quantity every order bought, and the stock the run began with. */
  sku: string;
  stockBefore: number;
}

export interface AuditResult {
  anomalies: Anomaly[];
  /** When each acknowledged order reached its final status (its last status record), ms since the epoch. */
  finals: Map<string, number>;
  figures: {
    acknowledged: number;
    completed: number;
    otherFinal: Record<string, number>;
    notFinal: number;
    runs: number;
    processedEvents: number;
    capturedCharges: number;
    notifications: number;
    stockSold: number;
    analytics: { created: number; completed: number; failed: number };
  };
}

/**
 * Audits every acknowledged order from the sources of truth, after the run has drained: its stored status is final
 * and `completed` (every order of the run is valid); it had one workflow run, plus one per operator retry; each
 * run published one final order-processed, and the last agrees with the stored status; exactly one captured charge
 * if it completed (none otherwise); one notification per outcome; and, over the whole run, the stock sold and the
 * analytics figures equal to the orders completed.
 */
export async function audit(input: AuditInput): Promise<AuditResult> {
  const ids = [...input.acknowledged.keys()];
  const anomalies: Anomaly[] = [];
  const orders = new Map(
    (
      await orderModel(input.db)
        .find({ _id: { $in: ids } })
        .lean<OrderDoc[]>()
    ).map((o) => [o._id, o]),
  );
  // The publish state of the orders not yet started is on their outbox entries (outbox.ts).
  const entries = new Map(
    (
      await outboxModel(input.db)
        .find({ _id: { $in: ids } })
        .lean<OutboxEntryDoc[]>()
    ).map((e) => [e._id, e]),
  );
  const life = (id: string) => ({
    from: orders.get(id)?.createdAt.getTime() ?? input.acknowledged.get(id)!,
    to: orders.get(id)?.updatedAt.getTime() ?? Date.now(),
  });
  const flag = (orderId: string, kind: Anomaly['kind'], detail: string) =>
    anomalies.push({ orderId, kind, detail, ...life(orderId) });

  // order-processed as published during the run, by order and run.
  const events = new Map<string, OrderProcessedV1[]>();
  await readTopic(
    input.kafka,
    TOPICS.orderProcessed,
    { start: { offsets: input.processedFrom } },
    async ({ message }) => {
      const key = message.key?.toString();
      if (!key || !input.acknowledged.has(key)) return;
      const event = parseEvent('order-processed', message.value);
      events.set(key, [...(events.get(key) ?? []), event]);
    },
  );

  // The run's database holds only its own orders: its ledger and notifications are read whole, once.
  const capturedOf = new Map<string, number>();
  for (const charge of await input.db
    .collection<{ _id: string; state: string }>('payment_ledger')
    .find()
    .toArray()) {
    const orderId = charge._id.split('#')[0]!;
    if (charge.state === 'captured') capturedOf.set(orderId, (capturedOf.get(orderId) ?? 0) + 1);
  }
  const notified = new Map<string, string[]>();
  for (const n of await input.db
    .collection<{ _id: string; orderId: string }>('notifications')
    .find()
    .toArray()) {
    notified.set(n.orderId, [...(notified.get(n.orderId) ?? []), n._id]);
  }
  // Workflow runs, listed per customer (a handful of queries) rather than per order.
  const runsOf = new Map<string, number>();
  for (const customerId of new Set([...orders.values()].map((o) => o.customerId))) {
    for await (const run of input.temporal.workflow.list({ query: `CustomerId = "${customerId}"` })) {
      runsOf.set(run.workflowId, (runsOf.get(run.workflowId) ?? 0) + 1);
    }
  }

  const figures: AuditResult['figures'] = {
    acknowledged: ids.length,
    completed: 0,
    otherFinal: {},
    notFinal: 0,
    runs: 0,
    processedEvents: 0,
    capturedCharges: 0,
    notifications: 0,
    stockSold: 0,
    analytics: { created: 0, completed: 0, failed: 0 },
  };

  const finals = new Map<string, number>();
  for (const id of ids) {
    const order = orders.get(id);
    if (order && isFinalStatus(order.status)) finals.set(id, order.updatedAt.getTime());
    if (!order) {
      flag(id, 'lost', 'acknowledged, but the order store has no such order');
      continue;
    }
    const status: OrderStatus = order.status;
    if (status === 'completed') figures.completed += 1;
    else if (['rejected', 'cancelled', 'failed'].includes(status))
      figures.otherFinal[status] = (figures.otherFinal[status] ?? 0) + 1;
    else {
      figures.notFinal += 1;
      flag(
        id,
        'lost',
        `stuck in ${status} (published: ${publishStateOf(order, entries.get(id) ?? null)}, ` +
          `${entries.get(id)?.lastPublishError ?? order.lastPublishError ?? 'no error'})`,
      );
      continue;
    }
    if (status !== 'completed')
      flag(id, 'wrong outcome', `ended ${status}: ${order.reason?.type}: ${order.reason?.message}`);

    const runs = runsOf.get(orderWorkflowId(id)) ?? 0;
    figures.runs += runs;
    const allowed = 1 + (input.retries.get(id) ?? 0);
    if (runs > allowed) flag(id, 'duplicated', `${runs} workflow runs, ${allowed} expected`);
    if (runs === 0) flag(id, 'lost', 'final in the store, but Temporal lists no run of it');

    const mine = events.get(id) ?? [];
    const byRun = new Map<string, Set<string>>();
    for (const e of mine) byRun.set(e.runId, new Set([...(byRun.get(e.runId) ?? []), e.eventId]));
    figures.processedEvents += new Set(mine.map((e) => e.eventId)).size;
    for (const [runId, eventIds] of byRun) {
      if (eventIds.size > 1)
        flag(id, 'duplicated', `run ${runId} published ${eventIds.size} different outcomes`);
    }
    const last = [...mine].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt)).at(-1);
    if (!last) flag(id, 'lost', `${status}, but no order-processed was published`);
    else if (last.status !== status)
      flag(id, 'wrong outcome', `stored ${status}, but its last order-processed says ${last.status}`);

    const captured = capturedOf.get(id) ?? 0;
    figures.capturedCharges += captured;
    const expected = status === 'completed' ? 1 : 0;
    if (captured > expected) flag(id, 'duplicated', `${captured} captured charges, ${expected} expected`);
    else if (captured < expected) flag(id, 'wrong outcome', `completed without a captured charge`);

    const got = new Set(notified.get(id) ?? []);
    figures.notifications += got.size;
    const outcomes = new Set(mine.map((e) => e.eventId));
    const missing = [...outcomes].filter((e) => !got.has(e));
    if (missing.length > 0) flag(id, 'lost', `${missing.length} of ${outcomes.size} outcomes never notified`);
    if (got.size > outcomes.size)
      flag(id, 'duplicated', `${got.size} notifications for ${outcomes.size} outcomes`);
  }

  // The stock: exactly what the completed orders bought is gone, and no order still holds any.
  const { stock } = stockCollections(input.db);
  const doc = await stock.findOne({ _id: input.sku });
  figures.stockSold = input.stockBefore - (doc?.available ?? input.stockBefore);
  const held = Object.keys(doc?.holds ?? {}).filter((id) => input.acknowledged.has(id));
  if (figures.stockSold !== figures.completed) {
    anomalies.push({
      orderId: '(stock)',
      kind: 'wrong outcome',
      detail: `${figures.stockSold} units of ${input.sku} sold for ${figures.completed} completed orders`,
      from: 0,
      to: Date.now(),
    });
  }
  for (const id of held) flag(id, 'wrong outcome', `still holds stock of ${input.sku}`);

  // Analytics counts what happened, once.
  const summary = (await (
    await fetch(`${input.analyticsUrl}/analytics/summary`, {
      headers: { authorization: `Bearer ${input.operatorToken}` },
    })
  ).json()) as {
    orders: { created: number; completed: number; failed: number };
  };
  figures.analytics = summary.orders;
  if (summary.orders.created !== ids.length || summary.orders.completed !== figures.completed) {
    anomalies.push({
      orderId: '(analytics)',
      kind: 'wrong outcome',
      detail: `analytics counts ${summary.orders.created} created and ${summary.orders.completed} completed; the audit ${ids.length} and ${figures.completed}`,
      from: 0,
      to: Date.now(),
    });
  }
  return { anomalies, finals, figures };
}
