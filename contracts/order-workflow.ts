/**
 * What the outside world (API, bridge, operators) knows about the order workflow: its id, task queue, input,
 * status query and cancel signal. Safe to import from workflow code and from clients alike.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { FailureReason, OrderLine, OrderStatus } from './events';

export const ORDERS_TASK_QUEUE = 'orders';
export const PROCESS_ORDER_WORKFLOW = 'processOrder';

export const ORDER_WORKFLOW_PREFIX = 'order-';

export function orderWorkflowId(orderId: string): string {
  return `${ORDER_WORKFLOW_PREFIX}${orderId}`;
}

export interface ProcessOrderInput {
  orderId: string;
  customerId: string;
  email: string;
  currency: string;
  items: OrderLine[];
  totalCents: number;
  /** When the API accepted the order (ISO); processing time is measured from here. */
  acceptedAt: string;
}

export type OrderStep =
  'validated' | 'stock-reserved' | 'payment-captured' | 'stock-released' | 'payment-refunded' | 'published';

export interface OrderState {
  status: OrderStatus;
  steps: OrderStep[];
  reason: FailureReason | null;
  /** A cancel is honoured only until the payment is captured. */
  cancellable: boolean;
  cancel: { state: 'none' | 'requested' | 'accepted' | 'refused'; reason?: string };
}

export interface ProcessOrderResult {
  orderId: string;
  status: 'completed' | 'rejected' | 'cancelled';
  reason: FailureReason | null;
  steps: OrderStep[];
}

export const statusQuery = defineQuery<OrderState>('status');
export const cancelSignal = defineSignal<[{ reason?: string }]>('cancel');
