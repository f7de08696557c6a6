import type { RequestHandler } from 'express';
import type { QueryFilter } from 'mongoose';
import { FINAL_STATUSES, type OrderStatus } from '../../contracts/events';
import type { OrderDoc, OrderModel } from '../../domain/orders/order-model';
import type { AppDeps } from '../app';
import { decodeCursor, encodeCursor } from '../../core/mongo/keyset-page';
import { ApiError, parseOrThrow, validationFailed } from '../../core/http/errors';
import { orderView, type LiveStatus } from '../order-view';
import { ListOrdersQuery, OrderIdParams, type OrderPage } from '../../contracts/http/orders/schemas';
import { inspectWorkflow } from '../workflow-status';

/** How long GET /orders/:id may wait for Temporal before answering with the stored status. */
export const LIVE_STATUS_BUDGET_MS = 3_000;

export function isFinal(status: OrderStatus): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

export async function findOrder(orders: OrderModel, params: unknown): Promise<OrderDoc> {
  const { id } = parseOrThrow(OrderIdParams, params);
  const order = await orders.findById(id).lean<OrderDoc>();
  if (!order) throw new ApiError(404, 'not_found', `no order ${id}`);
  return order;
}

/**
 * The order as GET answers it: the stored order and, while it is in flight, the workflow's view of it. No live view
 * means "the stored status is the answer": the order is final, no workflow has started yet, or Temporal did not
 * answer in time (a slow Temporal must not make reading an order fail).
 */
async function currentOrder(
  { temporal, logger, orders }: AppDeps,
  order: OrderDoc,
): Promise<{ order: OrderDoc; live?: LiveStatus }> {
  if (isFinal(order.status)) return { order };
  try {
    const view = await inspectWorkflow(temporal.client, order._id, Date.now() + LIVE_STATUS_BUDGET_MS);
    switch (view.kind) {
      case 'not-started':
        return { order };
      case 'closed': {
        // The workflow stores its outcome just before its run closes. A run that closed after the order was read
        // has stored it by now, and the stored outcome is the one that counts; the run's own ending only stands
        // for a run that never got to store one (terminated, timed out).
        const stored = await orders.findById(order._id).lean<OrderDoc>();
        return stored && isFinal(stored.status) ? { order: stored } : { order, live: view.live };
      }
      case 'running': {
        const { status, steps, reason, cancel } = view.state;
        return { order, live: { status, steps, reason, cancel } };
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
    const { order, live } = await currentOrder(deps, await findOrder(deps.orders, req.params));
    res.json(orderView(deps.config, order, live));
  };
}

/** Keyset pagination on (createdAt, _id) descending: stable under concurrent inserts, no skip() cost. */
export function listOrders({ config, orders }: AppDeps): RequestHandler {
  return async (req, res) => {
    const query = parseOrThrow(ListOrdersQuery, req.query);
    const filter: QueryFilter<OrderDoc> = {};
    if (query.customerId !== undefined) filter.customerId = query.customerId;
    if (query.status !== undefined) filter.status = query.status;
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      if (!after) {
        throw validationFailed([
          { field: 'cursor', problem: 'expected the nextCursor of a previous page', received: query.cursor },
        ]);
      }
      filter.$or = [
        { createdAt: { $lt: after.createdAt } },
        { createdAt: after.createdAt, _id: { $lt: after.id } },
      ];
    }
    // One more than asked tells whether another page exists without a count.
    const docs = await orders
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(query.limit + 1)
      .lean<OrderDoc[]>();
    const page = docs.slice(0, query.limit);
    const last = page[page.length - 1];
    const body: OrderPage = {
      items: page.map((order) => orderView(config, order)),
      nextCursor:
        docs.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last._id }) : null,
    };
    res.json(body);
  };
}
