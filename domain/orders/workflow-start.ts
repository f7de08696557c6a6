import type { WorkflowStartOptions } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { OrderCreatedV1, OrderStatus } from '../../contracts/events';
import { CUSTOMER_ID, ORDER_STATUS } from '../../contracts/search-attributes';
import {
  orderWorkflowId,
  type ProcessOrderInput,
  type ProcessOrderWorkflow,
} from '../../contracts/order-workflow';

/** The part of a Temporal `Client` that starts order workflows; a real Client fits, and tests can wrap one. */
export interface WorkflowStarter {
  workflow: {
    start(workflowType: string, options: WorkflowStartOptions<ProcessOrderWorkflow>): Promise<unknown>;
  };
  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R>;
}

/** What the Web UI shows in a workflow's list row without opening its history. */
export interface OrderMemo {
  orderId: string;
  customerId: string;
  totalCents: number;
  currency: string;
  /** Order lines. */
  items: number;
}

/** What the starter decides for every order's run. */
export interface OrderRunSettings {
  /** See ProcessOrderInput.completionTimeoutMs; the workflow's default when absent. */
  completionTimeoutMs?: number;
}

export function processOrderInput(event: OrderCreatedV1, settings: OrderRunSettings = {}): ProcessOrderInput {
  return {
    orderId: event.orderId,
    customerId: event.customerId,
    email: event.email,
    currency: event.currency,
    items: event.items,
    totalCents: event.totalCents,
    // Processing time is measured from the moment the API made the order durable, not from when we saw it.
    acceptedAt: event.occurredAt,
    ...(settings.completionTimeoutMs === undefined
      ? {}
      : { completionTimeoutMs: settings.completionTimeoutMs }),
  };
}

export function orderMemo(event: OrderCreatedV1): OrderMemo {
  return {
    orderId: event.orderId,
    customerId: event.customerId,
    totalCents: event.totalCents,
    currency: event.currency,
    items: event.items.length,
  };
}

/** "Order 3 items, 129.00 EUR for customer c-42": integer arithmetic, since money is never a float here. */
export function orderSummary(event: OrderCreatedV1): string {
  const lines = event.items.length;
  const major = Math.trunc(event.totalCents / 100);
  const minor = String(event.totalCents % 100).padStart(2, '0');
  return `Order ${lines} ${lines === 1 ? 'item' : 'items'}, ${major}.${minor} ${event.currency} for customer ${event.customerId}`;
}

export function processOrderStartOptions(
  event: OrderCreatedV1,
  taskQueue: string,
  settings: OrderRunSettings = {},
): WorkflowStartOptions<ProcessOrderWorkflow> {
  return {
    workflowId: orderWorkflowId(event.orderId),
    taskQueue,
    args: [processOrderInput(event, settings)],
    // One run per order, ever, from this path: a redelivery after the run closed must not start a second one
    // (operator retries of failed orders start new runs through their own path).
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    // FAIL rather than USE_EXISTING: the client then tells a duplicate apart (WorkflowExecutionAlreadyStartedError)
    // from a fresh start, which the bridge counts and logs.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    // The run is processing from its first moment: it upserts OrderStatus again only when it ends (runs since
    // FEWER_WRITES, workflows/process-order/versions.ts, do not upsert it at their start).
    typedSearchAttributes: [
      { key: CUSTOMER_ID, value: event.customerId },
      { key: ORDER_STATUS, value: 'processing' satisfies OrderStatus },
    ],
    memo: { ...orderMemo(event) },
    staticSummary: orderSummary(event),
  };
}
