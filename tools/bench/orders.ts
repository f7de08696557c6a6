/** The order every phase sends: one keyboard, in euros, for one of the phase's customers. */
import { createHash } from 'node:crypto';
import { newOrder, type OrderDoc } from '../../domain/orders/order-model';
import { priceOrder } from '../../domain/catalogue/pricing';

const BENCH_SKU = 'KB-001';
const BENCH_CURRENCY = 'EUR';

/** The body of a POST /orders. */
export function orderRequest(customerId: string) {
  return {
    customerId,
    email: 'bench@example.com',
    currency: BENCH_CURRENCY,
    items: [{ sku: BENCH_SKU, quantity: 1 }],
  };
}

/** The same order as the API would store it once accepted. */
export function benchOrder(orderId: string, customerId: string): OrderDoc {
  const request = orderRequest(customerId);
  const priced = priceOrder(BENCH_CURRENCY, [{ sku: BENCH_SKU, quantity: 1 }]);
  if (!priced.ok) throw new Error(`the bench SKU ${BENCH_SKU} is not in the catalogue`);
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
