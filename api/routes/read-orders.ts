import type { RequestHandler } from 'express';
import type { OrderDoc } from '../../domain/orders/order-store';
import { isFinalStatus } from '../../domain/orders/status';
import { findOrder } from '../order-lookup';
import { actingCustomer, principalOf } from '../../core/http/auth';
import type { AppDeps, RegisterRoutes } from '../deps';
import { parseOrThrow } from '../../core/http/errors';
import { orderView, viewFor, type LiveStatus } from '../order-view';
import { ListOrdersQuery, type OrderPage } from '../../contracts/http/orders/schemas';
import { inspectWorkflow } from '../workflow-status';

/** How long GET /orders/:id may wait for Temporal before answering with the stored status. */
export const LIVE_STATUS_BUDGET_MS = 3_000;

/**
 * The order as GET answers it: the stored order and, while it is in flight, the workflow's view of it. No live view
 * means "the stored status, as seen, is the answer" (an order stored `accepted` whose workflow has started reads
 * `processing`: seen-status.ts): the order is final, no workflow has started yet, or Temporal did not answer in
 * time (a slow Temporal must not make reading an order fail).
 */
async function currentOrder(
  { temporal, logger, orders }: AppDeps,
  stored: OrderDoc,
): Promise<{ order: OrderDoc; live?: LiveStatus }> {
  if (isFinalStatus(stored.status)) return { order: stored };
  const order = await orders.seen(stored);
  try {
    const view = await inspectWorkflow(temporal.client, order._id, Date.now() + LIVE_STATUS_BUDGET_MS);
    switch (view.kind) {
      case 'not-started':
        return { order };
      case 'closed': {
        // The workflow stores its outcome just before its run closes. A run that closed after the order was read
        // has stored it by now, and the stored outcome is the one that counts; the run's own ending only stands
        // for a run that never got to store one (terminated, timed out).
        const latest = await orders.get(order._id);
        return latest && isFinalStatus(latest.status) ? { order: latest } : { order, live: view.live };
      }
      case 'running': {
        const { status, steps, reason, cancel, waitingOn } = view.state;
        return { order, live: { status, steps, reason, cancel, ...(waitingOn ? { waitingOn } : {}) } };
      }
    }
  } catch (err) {
    logger
      .child({ orderId: order._id })
      .warn({ err }, 'workflow status unavailable; answering the stored one');
    return { order };
  }
}

export function getOrder(deps: AppDeps): RequestHandler {
  return async (req, res) => {
    const { order, live } = await currentOrder(
      deps,
      await findOrder(deps.orders, req.params, principalOf(res)),
    );
    res.json(viewFor(principalOf(res), orderView(deps.config, order, live)));
  };
}

/** Newest first, a page at a time (keyset pagination: stable under concurrent inserts). */
export function listOrders({ config, orders }: AppDeps): RequestHandler {
  return async (req, res) => {
    const { status, limit, cursor, ...query } = parseOrThrow(ListOrdersQuery, req.query);
    // A customer lists their own orders; an operator anyone's, or everyone's.
    const customerId = actingCustomer(principalOf(res), query.customerId, 'customerId', { optional: true });
    const page = await orders.page({ customerId, status }, { limit, cursor });
    const body: OrderPage = {
      items: page.items.map((order) => viewFor(principalOf(res), orderView(config, order))),
      nextCursor: page.nextCursor,
    };
    res.json(body);
  };
}

export const readOrderRoutes: RegisterRoutes = (router, deps) => {
  router.get('/orders', listOrders(deps));
  router.get('/orders/:id', getOrder(deps));
};
