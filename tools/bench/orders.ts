/**
 * The orders every phase sends: one unit of one product, in euros, for one of the phase's customers. The product
 * goes round the catalogue's plentiful products (order n takes the n-th, modulo their number), as a shop's orders
 * spread over its catalogue: every order of one product writes that product's stock document, so a load of one
 * product only measures how fast one document can be written.
 */
import { createHash } from 'node:crypto';
import { CATALOGUE } from '../../domain/catalogue/catalogue';
import { newOrder, type OrderDoc } from '../../domain/orders/order-model';
import { priceOrder } from '../../domain/catalogue/pricing';

const BENCH_SKUS = CATALOGUE.filter((p) => p.initialStock >= 1_000_000).map((p) => p.sku);
const BENCH_CURRENCY = 'EUR';

/** The product of the phase's n-th order. */
export function benchSku(n: number): string {
  return BENCH_SKUS[n % BENCH_SKUS.length]!;
}

/** The body of the phase's n-th POST /orders. */
export function orderRequest(customerId: string, n: number) {
  return {
    customerId,
    email: 'bench@example.com',
    currency: BENCH_CURRENCY,
    items: [{ sku: benchSku(n), quantity: 1 }],
  };
}

/** The phase's n-th order as the API would store it once accepted. */
export function benchOrder(orderId: string, customerId: string, n: number): OrderDoc {
  const request = orderRequest(customerId, n);
  const priced = priceOrder(BENCH_CURRENCY, request.items);
  if (!priced.ok) throw new Error(`the bench product ${benchSku(n)} is not in the catalogue`);
  return newOrder({
    _id: orderId,
    customerId,
    email: request.email,
    currency: request.currency,
    items: priced.lines,
    totalCents: priced.totalCents,
    idempotencyKey: null,
    requestHash: createHash('sha256').update(JSON.stringify(request)).digest('hex'),
    createdAt: new Date(),
  });
}
