import { contextFrom } from '../../core/tracing/propagation';
import { inSpan, ORDER_ID } from '../../core/tracing/spans';
import { orderCreatedEvent } from './order-created-event';
import type { OrderDoc, OrderStore } from './order-store';
import { publishStateOf, type OutboxEntryDoc } from './outbox';
import { startOrder, type StartOrderDeps, type StartOutcome } from './start-order';
import { isFinalStatus } from './status';

export interface StaleReport {
  /** Orders past the threshold whose workflow has not started. */
  stale: number;
  /** Not yet published (pending, or parked by the relay): put back on the outbox list. */
  requeued: number;
  /** Published, but no workflow took them (their order-created was dead-lettered, or lost): started now. */
  started: number;
  /** Published, and their workflow existed already (the start's entry delete had not happened): entry deleted. */
  alreadyStarted: number;
}

export interface StaleOptions {
  /** An order placed longer ago than this whose workflow has not started is stale. */
  olderThanMs: number;
  /** At most this many per call, oldest first. */
  limit: number;
  now?: Date;
  /**
   * Also look for orders stored before the outbox entry carried the publish state, which have no entry once
   * published: a scan of the accepted orders, for the operator's reconcile rather than the periodic sweep.
   */
  legacy?: boolean;
}

/**
 * Reconciliation driven by the order store rather than by Kafka. Every order whose workflow has not started keeps
 * its entry on the outbox list (outbox.ts), so the stale orders are found there, in a collection that holds only
 * what is in flight: an entry older than the threshold (a bridge starts an order within seconds of its publish)
 * puts its order back on its way. One the relay has not published, or parked, goes back on the list; one published
 * but never started (its order-created dead-lettered, or read by nobody) is started, exactly as the bridge would,
 * and its entry deleted. Safe to repeat: a requeued order is published once more at most (consumers dedupe on
 * eventId), a start is deduplicated by Temporal and by the store.
 */
export async function reconcileStale(
  orders: OrderStore,
  starter: Omit<StartOrderDeps, 'orders'>,
  { olderThanMs, limit, now = new Date(), legacy = false }: StaleOptions,
): Promise<StaleReport> {
  const before = new Date(now.getTime() - olderThanMs);
  const report: StaleReport = { stale: 0, requeued: 0, started: 0, alreadyStarted: 0 };
  const entries = await orders.entriesPlacedBefore(before, limit);
  for (const entry of entries) {
    const order = await orders.get(entry._id);
    // No order behind it: an API write that never completed, which the relay drops.
    if (!order) continue;
    // Its outcome is final (a start whose entry delete was lost): nothing to start, only the entry to drop.
    if (isFinalStatus(order.status)) await orders.markStarted(order._id, { legacy: false });
    else await putBack(orders, starter, order, entry, report);
  }
  if (legacy) {
    for (const order of await orders.legacyStillAccepted(before, limit)) {
      await putBack(orders, starter, order, await orders.outboxEntry(order._id), report);
    }
  }
  return report;
}

async function putBack(
  orders: OrderStore,
  starter: Omit<StartOrderDeps, 'orders'>,
  order: OrderDoc,
  entry: OutboxEntryDoc | null,
  report: StaleReport,
): Promise<void> {
  report.stale += 1;
  if (publishStateOf(order, entry) !== 'published') {
    await orders.requeue(order._id, order.createdAt);
    report.requeued += 1;
    return;
  }
  // startOrder asks the store again, so an order that finished meanwhile is left (its entry deleted).
  // The start continues the order's trace (stored with it by the request that placed it), as the bridge's does.
  const outcome = await inSpan(
    'restart stale order',
    { parent: contextFrom(order.traceContext), attributes: { [ORDER_ID]: order._id } },
    async (span) => {
      const started: StartOutcome = await startOrder({ ...starter, orders }, orderCreatedEvent(order));
      span.setAttribute('order.start.outcome', started);
      return started;
    },
  );
  if (outcome === 'started') report.started += 1;
  else if (outcome === 'alreadyStarted') report.alreadyStarted += 1;
}
