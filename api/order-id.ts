import { createHash, randomUUID } from 'node:crypto';
import type { CreateOrderRequest } from './schemas';

/** The first 16 bytes of a sha256 as an RFC 9562 version 8 UUID, the same layout `eventIdFor` uses. */
function uuidFromHash(input: string): string {
  const h = createHash('sha256').update(input).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The orderId of a request. With an Idempotency-Key it is derived from customer and key, so a retried POST (even
 * one that reaches another API instance) collides on `_id` with the first and is answered from it. Scoping by
 * customer keeps two customers who happen to pick the same key apart.
 */
export function orderIdFor(customerId: string, idempotencyKey: string | undefined): string {
  return idempotencyKey === undefined ? randomUUID() : uuidFromHash(`${customerId}\u0000${idempotencyKey}`);
}

/** sha256 of the request with a fixed field order, to tell a genuine retry from a reused key. */
export function requestHash(request: CreateOrderRequest): string {
  const normalised = {
    customerId: request.customerId,
    email: request.email,
    currency: request.currency,
    items: request.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
  };
  return createHash('sha256').update(JSON.stringify(normalised)).digest('hex');
}
