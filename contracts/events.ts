import { uuidFromHash } from './ids';
import { z } from 'zod';
import { TOPICS } from './topics';

/**
 * The event contracts, defined once and imported by every producer and consumer. Versioned: a breaking change
 * is a new version with its own schema, never an edit of a published one. JSON Schemas for non-TypeScript
 * consumers are generated from these (npm run schemas) into schemas/.
 */

export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
export const Currency = z.enum(CURRENCIES, { error: `expected one of ${CURRENCIES.join(', ')}` });
export type Currency = z.infer<typeof Currency>;

/** Money is an integer number of minor units (cents) of the order's currency; never a float. */
export const Cents = z.number().int('expected a whole number of cents').nonnegative('expected cents >= 0');

export const OrderId = z.uuid({ error: 'expected a UUID' });

export const OrderLine = z.object({
  sku: z.string().min(1),
  name: z.string(),
  quantity: z.number().int().positive(),
  unitPriceCents: Cents,
  lineTotalCents: Cents,
});
export type OrderLine = z.infer<typeof OrderLine>;

const envelope = {
  eventId: z
    .uuid()
    .describe('Deterministic: the same logical event always carries the same id; dedupe on it.'),
  version: z.literal(1),
  occurredAt: z.iso.datetime(),
  orderId: OrderId,
};

export const OrderCreatedV1 = z
  .object({
    ...envelope,
    type: z.literal('order-created'),
    customerId: z.string().min(1),
    email: z.email(),
    currency: Currency,
    items: z.array(OrderLine).min(1),
    totalCents: Cents,
  })
  .describe('An order was durably accepted by the API. Key: orderId.');
export type OrderCreatedV1 = z.infer<typeof OrderCreatedV1>;

/** Final outcomes of an order's processing. */
export const FINAL_STATUSES = ['completed', 'rejected', 'cancelled', 'failed'] as const;
export const FinalStatus = z.enum(FINAL_STATUSES);
export type FinalStatus = z.infer<typeof FinalStatus>;

export const ORDER_STATUSES = ['accepted', 'processing', ...FINAL_STATUSES] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** Why an order did not complete: a machine-readable type and a human message. */
export const FailureReason = z.object({
  type: z
    .string()
    .describe('InvalidOrder | OutOfStock | PaymentDeclined | Cancelled | a technical failure type'),
  message: z.string(),
});
export type FailureReason = z.infer<typeof FailureReason>;

export const OrderProcessedV1 = z
  .object({
    ...envelope,
    type: z.literal('order-processed'),
    customerId: z.string().min(1),
    status: FinalStatus,
    reason: FailureReason.nullable(),
    currency: Currency,
    totalCents: Cents,
    items: z.array(OrderLine),
    processingMs: z.number().int().nonnegative(),
    workflowId: z.string(),
    runId: z.string(),
  })
  .describe('The order workflow reached a final status. Key: orderId.');
export type OrderProcessedV1 = z.infer<typeof OrderProcessedV1>;

/** Every event: its topic, its schema, its key. */
export const EVENTS = {
  'order-created': { topic: TOPICS.orderCreated, schema: OrderCreatedV1, version: 1 },
  'order-processed': { topic: TOPICS.orderProcessed, schema: OrderProcessedV1, version: 1 },
} as const;

export type EventType = keyof typeof EVENTS;
export type AnyEvent = OrderCreatedV1 | OrderProcessedV1;

/** The Kafka key of every event about an order: its orderId, so one order's events stay in order. */
export function eventKey(event: AnyEvent): string {
  return event.orderId;
}

/**
 * A deterministic event id: a UUID (RFC 9562 version 8) made from a hash of what identifies the logical event, so a
 * retried publish carries the same id and consumers can dedupe.
 */
export function eventIdFor(type: EventType, orderId: string, discriminator = ''): string {
  return uuidFromHash(`${type}\u0000${orderId}\u0000${discriminator}`);
}

export class EventValidationError extends Error {
  constructor(
    readonly problems: string[],
    readonly raw: string,
  ) {
    super(`invalid event: ${problems.join('; ')}`);
    this.name = 'EventValidationError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses and validates a raw message value as the given event type; the error names every bad field. */
export function parseEvent<T extends EventType>(
  type: T,
  raw: Buffer | string | null,
): z.infer<(typeof EVENTS)[T]['schema']> {
  let text: string;
  if (raw === null || typeof raw === 'string') text = raw ?? '';
  else {
    try {
      text = utf8.decode(raw);
    } catch {
      // Decoding leniently would turn the bad bytes into U+FFFD and let a garbled event through.
      throw new EventValidationError(['not UTF-8 text'], raw.toString('latin1').slice(0, 200));
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EventValidationError([`not JSON: ${(err as Error).message}`], text);
  }
  const result = EVENTS[type].schema.safeParse(json);
  if (!result.success) {
    throw new EventValidationError(
      result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(event)'}: ${i.message}`),
      text,
    );
  }
  return result.data as z.infer<(typeof EVENTS)[T]['schema']>;
}

/**
 * An event as read from Kafka: its value parsed as `type`, and its key checked to be the one the contract gives it
 * (eventKey: the orderId). A wrongly keyed event sits on another order's partition, out of order with the rest of
 * its own order's events: it is refused like any other invalid event.
 */
export function parseEventMessage<T extends EventType>(
  type: T,
  message: { key: Buffer | string | null; value: Buffer | string | null },
): z.infer<(typeof EVENTS)[T]['schema']> {
  const event = parseEvent(type, message.value);
  const key = message.key === null ? null : message.key.toString();
  if (key !== eventKey(event)) {
    const received = key === null ? 'no key' : JSON.stringify(key.slice(0, 100));
    throw new EventValidationError(
      [`key: expected the orderId ${event.orderId} (received ${received})`],
      JSON.stringify(event),
    );
  }
  return event;
}

/** Kafka headers every event carries, so consumers can route without parsing. */
export function eventHeaders(event: AnyEvent): Record<string, string> {
  return { 'event-type': event.type, 'event-version': String(event.version), 'event-id': event.eventId };
}
