import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import {
  eventHeaders,
  eventIdFor,
  OrderCreatedV1,
  OrderProcessedV1,
  type Currency,
  type FinalStatus,
  type OrderLine,
} from '../../contracts/events';
import type { ProcessOrderInput } from '../../contracts/order-workflow';
import { newOrder, type OrderDoc } from '../../domain/orders/order-model';

/** Order lines from (sku, quantity, unit price) triples. */
export function lines(...specs: [sku: string, quantity: number, unitPriceCents: number][]): OrderLine[] {
  return specs.map(([sku, quantity, unitPriceCents]) => ({
    sku,
    name: `Product ${sku}`,
    quantity,
    unitPriceCents,
    lineTotalCents: quantity * unitPriceCents,
  }));
}

const total = (items: OrderLine[]) => items.reduce((sum, l) => sum + l.lineTotalCents, 0);

export interface OrderSpec {
  orderId?: string;
  customerId?: string;
  currency?: Currency;
  items?: OrderLine[];
  createdAt?: string;
  processedAt?: string;
  status?: FinalStatus;
  reasonType?: string | null;
  runId?: string;
}

/** A schema-valid order-created event (parsed, so a fixture can never drift from the contract). */
export function createdEvent(spec: OrderSpec = {}): OrderCreatedV1 {
  const orderId = spec.orderId ?? randomUUID();
  const items = spec.items ?? lines(['KB-01', 1, 8900]);
  return OrderCreatedV1.parse({
    eventId: eventIdFor('order-created', orderId),
    type: 'order-created',
    version: 1,
    occurredAt: spec.createdAt ?? '2026-03-01T10:15:30.000Z',
    orderId,
    customerId: spec.customerId ?? 'c-42',
    email: 'ada@example.com',
    currency: spec.currency ?? 'EUR',
    items,
    totalCents: total(items),
  });
}

/** The order-processed event of the same order; a non-completed status gets a reason unless reasonType is null. */
export function processedEvent(created: OrderCreatedV1, spec: OrderSpec = {}): OrderProcessedV1 {
  const status = spec.status ?? 'completed';
  const runId = spec.runId ?? 'run-1';
  const reasonType = spec.reasonType === undefined ? 'OutOfStock' : spec.reasonType;
  const at = spec.processedAt ?? new Date(Date.parse(created.occurredAt) + 1_200).toISOString();
  return OrderProcessedV1.parse({
    eventId: eventIdFor('order-processed', created.orderId, `${runId}/${status}`),
    type: 'order-processed',
    version: 1,
    occurredAt: at,
    orderId: created.orderId,
    customerId: created.customerId,
    status,
    reason:
      status === 'completed' || reasonType === null ? null : { type: reasonType, message: `${reasonType}!` },
    currency: created.currency,
    totalCents: created.totalCents,
    items: created.items,
    processingMs: Date.parse(at) - Date.parse(created.occurredAt),
    workflowId: `order-${created.orderId}`,
    runId,
  });
}

/** The input of one processOrder run: two lines, 207.00 EUR. */
export function orderInput(orderId: string, overrides: Partial<ProcessOrderInput> = {}): ProcessOrderInput {
  return {
    orderId,
    customerId: 'c-ada',
    email: 'ada@example.com',
    currency: 'EUR',
    items: [
      { sku: 'KB-001', name: 'Keyboard', quantity: 2, unitPriceCents: 8900, lineTotalCents: 17800 },
      { sku: 'MS-002', name: 'Mouse', quantity: 1, unitPriceCents: 2900, lineTotalCents: 2900 },
    ],
    totalCents: 20700,
    acceptedAt: '2025-01-01T12:00:00.000Z',
    ...overrides,
  };
}

/** A schema-valid order-created event of three lines, 129.00 EUR, with any field overridden. */
export function orderCreatedEvent(overrides: Partial<OrderCreatedV1> = {}): OrderCreatedV1 {
  const created = createdEvent({
    orderId: overrides.orderId,
    createdAt: '2025-03-01T10:15:30.000Z',
    items: [
      { sku: 'KB-01', name: 'Keyboard', quantity: 1, unitPriceCents: 8900, lineTotalCents: 8900 },
      { sku: 'MS-02', name: 'Mouse', quantity: 2, unitPriceCents: 1500, lineTotalCents: 3000 },
      { sku: 'PD-03', name: 'Mouse pad', quantity: 1, unitPriceCents: 1000, lineTotalCents: 1000 },
    ],
  });
  return OrderCreatedV1.parse({ ...created, ...overrides });
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

/** The order the API stored before it published `event`: accepted, not yet published. */
export function storedOrder(event: OrderCreatedV1, opts: { requestHash: string; createdAt: Date }): OrderDoc {
  return newOrder({
    _id: event.orderId,
    customerId: event.customerId,
    email: event.email,
    currency: event.currency,
    items: event.items,
    totalCents: event.totalCents,
    idempotencyKey: null,
    ...opts,
  });
}
