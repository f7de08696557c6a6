import { eventIdFor, OrderCreatedV1 } from '../../contracts/events';
import type { OrderDoc } from './order-model';

/**
 * The `order-created` event of a stored order. Everything comes from the document, the event id included, so
 * republishing the same order (a relay crash between send and mark) yields the identical event for consumers to
 * dedupe. Parsing validates it, and drops any storage-only fields from the lines.
 */
export function orderCreatedEvent(order: OrderDoc): OrderCreatedV1 {
  return OrderCreatedV1.parse({
    eventId: eventIdFor('order-created', order._id),
    type: 'order-created',
    version: 1,
    occurredAt: order.createdAt.toISOString(),
    orderId: order._id,
    customerId: order.customerId,
    email: order.email,
    currency: order.currency,
    items: order.items,
    totalCents: order.totalCents,
  });
}
