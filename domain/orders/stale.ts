import { contextFrom } from '../../core/tracing/propagation';
import { inSpan, ORDER_ID } from '../../core/tracing/spans';
import { orderCreatedEvent } from './order-created-event';
import type { OrderStore } from './order-store';
import { startOrder, storedStatus, type StartOrderDeps } from './start-order';

export interface StaleReport {
  /** Orders still `accepted` past the threshold. */
  stale: number;
  /** Not yet published (pending, or parked by the relay): put back on the outbox list. */
  requeued: number;
  /** Published, but no workflow took them (their order-created was dead-lettered, or lost): started now. */
  started: number;
  /** Published, and a workflow exists that has not yet recorded its first status. */
  alreadyStarted: number;
}

export interface StaleOptions {
  /** An order `accepted` for longer than this is stale. */
  olderThanMs: number;
  /** At most this many per call, oldest first. */
  limit: number;
  now?: Date;
}

/**
 * Reconciliation driven by the order store rather than by Kafka: every order still `accepted` after the threshold
 * (a workflow records `processing` within seconds of the bridge's start) is put back on its way. One the relay has
 * not published, or parked, goes back on the outbox list; one published but never started (its order-created
 * dead-lettered, or read by nobody) is started, exactly as the bridge would. Safe to repeat: a requeued order is
 * published once more at most (consumers dedupe on eventId), a start is deduplicated by Temporal and by the store.
 */
export async function reconcileStale(
  orders: OrderStore,
  starter: Omit<StartOrderDeps, 'status'>,
  { olderThanMs, limit, now = new Date() }: StaleOptions,
): Promise<StaleReport> {
  const stale = await orders.stillAccepted(new Date(now.getTime() - olderThanMs), limit);
  const report: StaleReport = { stale: stale.length, requeued: 0, started: 0, alreadyStarted: 0 };
  for (const order of stale) {
    if (order.publishState !== 'published') {
      await orders.requeue(order._id, order.createdAt);
      report.requeued += 1;
      continue;
    }
    // The store said `accepted` a moment ago; startOrder asks again, so an order that finished meanwhile is left.
    // The start continues the order's trace (stored with it by the request that placed it), as the bridge's does.
    const outcome = await inSpan(
      'restart stale order',
      { parent: contextFrom(order.traceContext), attributes: { [ORDER_ID]: order._id } },
      async (span) => {
        const started = await startOrder(
          { ...starter, status: storedStatus(orders) },
          orderCreatedEvent(order),
        );
        span.setAttribute('order.start.outcome', started);
        return started;
      },
    );
    if (outcome === 'started') report.started += 1;
    else if (outcome === 'alreadyStarted') report.alreadyStarted += 1;
  }
  return report;
}
