import type { OrderStatus } from '../../contracts/events';
import type { OrderDoc } from './order-model';
import type { OutboxEntryDoc } from './outbox';

/**
 * The status readers see (the API, the console, operators), derived from what is stored: the workflow does not
 * write `processing` when it starts, so an order stays stored `accepted` until its outcome. It reads as
 * `processing` once its workflow has started, which the store knows without a write of its own:
 *
 * - its outbox entry is gone: whoever started the workflow deleted it (start-order.ts), and nothing deletes the
 *   entry of an order still to start (the relay drops only entries of orders never stored);
 * - or a run is recorded on it (`runId`).
 *
 * An order stored before the outbox entry carried its publish state still has `publishState` on itself until its
 * workflow is started through start-order.ts (which clears it): with no entry it reads `accepted`, as it did then
 * (its workflow, if one started, records `processing` itself: runs from before FEWER_WRITES do).
 */
export function seenStatus(
  order: Pick<OrderDoc, 'status' | 'runId' | 'publishState'>,
  entry: Pick<OutboxEntryDoc, '_id'> | null,
): OrderStatus {
  if (order.status !== 'accepted') return order.status;
  if (order.runId) return 'processing';
  if (entry || order.publishState !== undefined) return 'accepted';
  return 'processing';
}

/** The stored statuses an order seen as `status` may have. */
export function statusesSeenAs(status: OrderStatus): OrderStatus[] {
  return status === 'processing' ? ['accepted', 'processing'] : [status];
}
