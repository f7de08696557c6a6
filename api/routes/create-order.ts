import type { Request, RequestHandler } from 'express';
import type { PlaceOutcome } from '../../domain/orders/order-store';
import { priceOrder } from '../../domain/catalogue/pricing';
import type { AppDeps, RegisterRoutes } from '../deps';
import { ApiError, parseOrThrow, unavailable, validationFailed } from '../../core/http/errors';
import { isDatabaseError } from '../../core/mongo/connection';
import { orderIdFor, requestHash } from '../order-id';
import { acceptedOrder } from '../order-view';
import { CreateOrderRequest, IdempotencyKey } from '../../contracts/http/orders/schemas';
import { actingCustomer, principalOf } from '../../core/http/auth';
import { clientGone } from '../../core/http/hardening';
import { traceCarrier } from '../../core/tracing/propagation';
import { ORDER_ID } from '../../core/tracing/spans';
import { trace } from '@opentelemetry/api';

function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(key);
  if (!parsed.success) {
    throw validationFailed([
      { field: 'Idempotency-Key', problem: 'expected 1-200 printable ASCII characters', received: key },
    ]);
  }
  return parsed.data;
}

function unknownSkus(request: CreateOrderRequest, skus: readonly string[]): ApiError {
  const unknown = new Set(skus);
  return new ApiError(
    400,
    'unknown_sku',
    `unknown SKU${skus.length > 1 ? 's' : ''} ${skus.join(', ')}; GET /products lists the catalogue`,
    request.items.flatMap((item, i) =>
      unknown.has(item.sku) ? [{ field: `items[${i}].sku`, problem: 'unknown SKU', received: item.sku }] : [],
    ),
  );
}

/**
 * POST /orders. No 2xx is sent before the order store has placed the order (and its outbox entry): from then on the
 * relay will find and publish it whatever happens to this process next. (On a MongoDB replica set the default write
 * concern is majority.)
 */
export function createOrder({ config, orders, logger }: AppDeps): RequestHandler {
  return async (req, res) => {
    const key = idempotencyKey(req);
    const parsed = parseOrThrow(CreateOrderRequest, req.body);
    // The customer is the token's subject; an operator placing an order names the customer.
    const request = {
      ...parsed,
      customerId: actingCustomer(principalOf(res), parsed.customerId, 'customerId'),
    };
    const priced = priceOrder(request.currency, request.items);
    if (!priced.ok) throw unknownSkus(request, priced.unknownSkus);

    const order = {
      _id: orderIdFor(request.customerId, key),
      customerId: request.customerId,
      email: request.email,
      currency: request.currency,
      items: priced.lines,
      totalCents: priced.totalCents,
      idempotencyKey: key ?? null,
      requestHash: requestHash(request),
      createdAt: new Date(),
      // The request's trace, for the relay to continue when it publishes the order (an outbox's deferred send).
      traceContext: traceCarrier(),
    };
    trace.getActiveSpan()?.setAttribute(ORDER_ID, order._id);
    const log = logger.child({ orderId: order._id });

    // A client that gave up (timed out, and will retry with the same key) gets nothing from this request: storing
    // its order now would only add to a backlog. Nothing is written yet, so nothing accepted is lost.
    if (clientGone(req)) {
      log.info('client gone before the order was stored; nothing stored');
      return;
    }
    let placed: PlaceOutcome;
    try {
      placed = await orders.place(order);
    } catch (err) {
      log.error({ err }, 'order not stored');
      if (isDatabaseError(err)) throw unavailable('the order store is unavailable; retry shortly');
      throw err;
    }

    if (placed.outcome === 'conflict') {
      log.warn({ idempotencyKey: key }, 'Idempotency-Key reused with a different request');
      throw new ApiError(
        409,
        'idempotency_key_reused',
        `Idempotency-Key ${JSON.stringify(key)} was already used by customer ${JSON.stringify(request.customerId)} for a different request; use a new key for a new order`,
      );
    }
    if (placed.outcome === 'replayed') {
      res.set('Idempotent-Replayed', 'true');
      log.info('idempotent replay');
    } else {
      log.info(
        { customerId: order.customerId, totalCents: order.totalCents, currency: order.currency },
        'accepted',
      );
    }
    res.status(202).location(`/orders/${placed.order._id}`).json(acceptedOrder(config, placed.order));
  };
}

export const createOrderRoutes: RegisterRoutes = (router, deps) => {
  router.post('/orders', deps.json, createOrder(deps));
};
