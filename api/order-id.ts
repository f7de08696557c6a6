import { createHash, randomUUID } from 'node:crypto';
import { uuidFromHash } from '../contracts/ids';
import type { CreateOrderRequest } from '../contracts/http/orders/schemas';

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
