import { OrderIdParams } from '../contracts/http/orders/schemas';
import { ApiError, parseOrThrow } from '../core/http/errors';
import type { OrderDoc, OrderModel } from '../domain/orders/order-model';

/** The order a route's `:id` names, or a 400 (not an order id) or 404 (no such order). */
export async function findOrder(orders: OrderModel, params: unknown): Promise<OrderDoc> {
  const { id } = parseOrThrow(OrderIdParams, params);
  const order = await orders.findById(id).lean<OrderDoc>();
  if (!order) throw new ApiError(404, 'not_found', `no order ${id}`);
  return order;
}
