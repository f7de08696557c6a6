import type { Principal } from '../core/http/auth';
import type { Config } from '../core/config';
import type { Currency } from '../contracts/events';
import type { OrderDoc } from '../domain/orders/order-store';
import { workflowUiUrl } from '../core/temporal/connection';
import { orderWorkflowId } from '../contracts/order-workflow';
import type { AcceptedOrder, OrderView } from '../contracts/http/orders/schemas';

export function orderLinks(config: Config, orderId: string): OrderView['links'] {
  const self = `${config.api.publicUrl}/orders/${orderId}`;
  return {
    self,
    cancel: `${self}/cancel`,
    workflow: workflowUiUrl(config.temporal, orderWorkflowId(orderId)),
  };
}

/**
 * The 202 answer to POST /orders, built from the stored document: a new order is `accepted`; an idempotent replay
 * answers the same order with the status it has now (a client retrying a POST whose answer it lost learns where
 * the order is, not where it was).
 */
export function acceptedOrder(config: Config, order: OrderDoc): AcceptedOrder {
  return {
    orderId: order._id,
    status: order.status,
    customerId: order.customerId,
    totalCents: order.totalCents,
    currency: order.currency as Currency,
    items: order.items.map(({ sku, name, quantity, unitPriceCents, lineTotalCents }) => ({
      sku,
      name,
      quantity,
      unitPriceCents,
      lineTotalCents,
    })),
    createdAt: order.createdAt.toISOString(),
    links: orderLinks(config, order._id),
  };
}

/** What the workflow knows and the document may not yet; steps are unknown once a run failed. */
export type LiveStatus = Pick<OrderView, 'status' | 'reason' | 'cancel' | 'waitingOn'> & { steps?: string[] };

export function orderView(config: Config, order: OrderDoc, live?: LiveStatus): OrderView {
  const { items, links } = acceptedOrder(config, order);
  return {
    orderId: order._id,
    status: live?.status ?? order.status,
    customerId: order.customerId,
    email: order.email,
    currency: order.currency as Currency,
    items,
    totalCents: order.totalCents,
    steps: live?.steps ?? order.steps,
    reason: live
      ? live.reason
      : order.reason
        ? { type: order.reason.type, message: order.reason.message }
        : null,
    ...(live?.cancel ? { cancel: live.cancel } : {}),
    ...(live?.waitingOn ? { waitingOn: live.waitingOn } : {}),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    links,
  };
}

/** Outcomes a customer is told the reason of: the business's own rules, in its own words. */
const BUSINESS_REASONS = new Set(['InvalidOrder', 'OutOfStock', 'PaymentDeclined', 'Cancelled']);

export const TECHNICAL_FAILURE_MESSAGE =
  'a technical problem stopped this order; it will be retried, and nothing more is needed from you';
const WAITING_MESSAGE = 'a service the order depends on is temporarily unavailable; it is being retried';

/**
 * The order as the caller may see it. An operator sees everything; a customer sees the business's reasons, but
 * never the text of a technical failure or of what a step is waiting on (driver messages, addresses, stack lines):
 * the failure's type stays, as a stable code, and the detail stays in the logs and in the operators' view.
 */
export function viewFor(principal: Principal, view: OrderView): OrderView {
  if (principal.role === 'operator') return view;
  const reason =
    view.reason && !BUSINESS_REASONS.has(view.reason.type)
      ? { type: view.reason.type, message: TECHNICAL_FAILURE_MESSAGE }
      : view.reason;
  const waitingOn = view.waitingOn ? { ...view.waitingOn, lastError: WAITING_MESSAGE } : undefined;
  return { ...view, reason, ...(waitingOn ? { waitingOn } : {}) };
}
