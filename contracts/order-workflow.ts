/**
 * What the outside world (API, bridge, operators) knows about the order workflow: its type, id, input, result,
 * status query and cancel signal (its task queue is in task-queues.ts). Safe to import from workflow code and
 * from clients alike.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { FailureReason, OrderLine, OrderStatus } from './events';

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
  /**
   * How long the steps after the capture (publish, commit stock, record the status) are retried through an outage
   * before the run gives up waiting, in ms; DEFAULT_COMPLETION_TIMEOUT_MS when absent. The order stays paid either
   * way: giving up fails the run without a refund, and a retry completes it without charging again.
   */
  completionTimeoutMs?: number;
}

export const DEFAULT_COMPLETION_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** The failure type of a run that gave up waiting for infrastructure after the capture: retry it, no refund was made. */
export const COMPLETION_STALLED = 'CompletionStalled';

export type OrderStep =
  'validated' | 'stock-reserved' | 'payment-captured' | 'stock-released' | 'payment-refunded' | 'published';

export interface OrderState {
  status: OrderStatus;
  steps: OrderStep[];
  reason: FailureReason | null;
  /** A cancel is honoured only until the payment is captured. */
  cancellable: boolean;
  cancel: { state: 'none' | 'requested' | 'accepted' | 'refused'; reason?: string };
  /** Set while a step after the capture waits for infrastructure: the order will complete once it is back. */
  waitingOn?: WaitingOn;
}

export interface WaitingOn {
  /** What is being retried, e.g. "publishing order-processed". */
  step: string;
  /** When the waiting began (ISO, workflow time). */
  since: string;
  /** Why the step's first attempts failed. */
  lastError: string;
}

export interface ProcessOrderResult {
  orderId: string;
  status: 'completed' | 'rejected' | 'cancelled';
  reason: FailureReason | null;
  steps: OrderStep[];
}

/** The workflow's signature, for clients that start it by name (`PROCESS_ORDER_WORKFLOW`) with typed arguments. */
export type ProcessOrderWorkflow = (input: ProcessOrderInput) => Promise<ProcessOrderResult>;

export const statusQuery = defineQuery<OrderState>('status');
export const cancelSignal = defineSignal<[{ reason?: string }]>('cancel');
