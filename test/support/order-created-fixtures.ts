import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { eventHeaders, eventIdFor, OrderCreatedV1 } from '../../contracts/events';

/** A schema-valid order-created event (parsed, so a fixture can never drift from the contract). */
export function orderCreatedEvent(overrides: Partial<OrderCreatedV1> = {}): OrderCreatedV1 {
  const orderId = overrides.orderId ?? randomUUID();
  return OrderCreatedV1.parse({
    eventId: eventIdFor('order-created', orderId),
    type: 'order-created',
    version: 1,
    occurredAt: '2025-03-01T10:15:30.000Z',
    orderId,
    customerId: 'c-42',
    email: 'ada@example.com',
    currency: 'EUR',
    items: [
      { sku: 'KB-01', name: 'Keyboard', quantity: 1, unitPriceCents: 8900, lineTotalCents: 8900 },
      { sku: 'MS-02', name: 'Mouse', quantity: 2, unitPriceCents: 1500, lineTotalCents: 3000 },
      { sku: 'PD-03', name: 'Mouse pad', quantity: 1, unitPriceCents: 1000, lineTotalCents: 1000 },
    ],
    totalCents: 12900,
    ...overrides,
  });
}

/** The Kafka message the API's outbox would publish for the event. */
export function orderCreatedMessage(event: OrderCreatedV1, offset: string): KafkaMessage {
  return rawMessage(event.orderId, JSON.stringify(event), offset, eventHeaders(event));
}

export function rawMessage(
  key: string,
  value: string,
  offset: string,
  headers: Record<string, string> = {},
): KafkaMessage {
  return {
    key: Buffer.from(key),
    value: Buffer.from(value),
    timestamp: String(Date.now()),
    attributes: 0,
    offset,
    headers,
  };
}
