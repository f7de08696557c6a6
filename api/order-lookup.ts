import { OrderIdParams } from '../contracts/http/orders/schemas';
import { ApiError, parseOrThrow } from '../core/http/errors';
import type { OrderDoc, OrderStore } from '../domain/orders/order-store';
import { mayAccess, type Principal } from '../core/http/auth';

/**
 * The order a route's `:id` names, or a 400 (not an order id) or 404 (no such order). Another customer's order is
 * "no such order" too, word for word: a 403 would tell a caller that the id exists.
 */
export async function findOrder(
  orders: OrderStore,
  params: unknown,
  principal: Principal,
): Promise<OrderDoc> {
  const { id } = parseOrThrow(OrderIdParams, params);
  const order = await orders.get(id);
  if (!order || !mayAccess(principal, order.customerId))
    throw new ApiError(404, 'not_found', `no order ${id}`);
  return order;
}
