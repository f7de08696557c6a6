import type { RequestHandler } from 'express';
import type { QueryFilter } from 'mongoose';
import { FINAL_STATUSES, type OrderStatus } from '../../common/events';
import type { OrderDoc, OrderModel } from '../../common/order-model';
import type { AppDeps } from '../app';
import { decodeCursor, encodeCursor } from '../../common/http/cursor';
import { ApiError, parseOrThrow, validationFailed } from '../../common/http/errors';
import { orderView, type LiveStatus } from '../order-view';
import { ListOrdersQuery, OrderIdParams, type OrderPage } from '../schemas';
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
 * The workflow's view of an order that is still in flight; undefined means "the stored status is the answer",
 * either because no workflow has started yet or because Temporal did not answer in time: a slow Temporal must
 * not make reading an order fail.
 */
async function liveStatus({ temporal, logger }: AppDeps, order: OrderDoc): Promise<LiveStatus | undefined> {
  if (isFinal(order.status)) return undefined;
  try {
    const view = await inspectWorkflow(temporal.client, order._id, Date.now() + LIVE_STATUS_BUDGET_MS);
    switch (view.kind) {
      case 'not-started':
        return undefined;
      case 'closed':
        return view.live;
      case 'running': {
        const { status, steps, reason, cancel } = view.state;
        return { status, steps, reason, cancel };
      }
    }
  } catch (err) {
    logger
      .child({ orderId: order._id })
      .warn({ err }, 'workflow status unavailable; answering the stored one');
    return undefined;
  }
}

export function getOrder(deps: AppDeps): RequestHandler {
  return async (req, res) => {
    const order = await findOrder(deps.orders, req.params);
    res.json(orderView(deps.config, order, await liveStatus(deps, order)));
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
