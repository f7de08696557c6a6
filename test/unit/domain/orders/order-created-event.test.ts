import { eventIdFor, OrderCreatedV1 } from '../../../../contracts/events';
import type { OrderDoc } from '../../../../domain/orders/order-model';
import { orderCreatedEvent } from '../../../../domain/orders/order-created-event';

const createdAt = new Date('2026-03-04T05:06:07.890Z');
const order: OrderDoc = {
  _id: '5f0c6f0e-8a1b-4c2d-9e3f-0123456789ab',
  customerId: 'c-1',
  email: 'ada@example.com',
  currency: 'EUR',
  items: [
    { sku: 'KB-001', name: 'Mechanical keyboard', quantity: 2, unitPriceCents: 8900, lineTotalCents: 17800 },
  ],
  totalCents: 17800,
  status: 'accepted',
  reason: null,
  steps: [],
  idempotencyKey: null,
  requestHash: 'h',
  createdAt,
  updatedAt: createdAt,
  publishState: 'pending',
  publishAttempts: 0,
  publishedAt: null,
  lastPublishError: null,
  runId: null,
};

describe('orderCreatedEvent', () => {
  it('builds an order-created v1 that validates against the shared schema', () => {
    const event = orderCreatedEvent(order);
    expect(OrderCreatedV1.safeParse(event).success).toBe(true);
    expect(event).toEqual({
      eventId: eventIdFor('order-created', order._id),
      type: 'order-created',
      version: 1,
      occurredAt: '2026-03-04T05:06:07.890Z',
      orderId: order._id,
      customerId: 'c-1',
      email: 'ada@example.com',
      currency: 'EUR',
      items: order.items,
      totalCents: 17800,
    });
  });

  it('gives a republished order the same eventId, for consumers to dedupe', () => {
    expect(orderCreatedEvent({ ...order }).eventId).toBe(orderCreatedEvent(order).eventId);
  });

  it('leaves storage-only fields out of the event', () => {
    const withExtras = { ...order, items: order.items.map((l) => ({ ...l, _id: 'sub-doc' })) };
    expect(orderCreatedEvent(withExtras).items[0]).not.toHaveProperty('_id');
    expect(orderCreatedEvent(order)).not.toHaveProperty('publishState');
  });

  it('refuses to build an event from a document that breaks the contract', () => {
    expect(() => orderCreatedEvent({ ...order, currency: 'JPY' })).toThrow(/currency/);
    expect(() => orderCreatedEvent({ ...order, items: [] })).toThrow(/items/);
  });
});
