import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { orderCreatedEvent } from './order-created-event';
import { processOrderStartOptions } from './workflow-start';
import type { FailedOrderFilter, OrderStore } from './order-store';
import { PROCESS_ORDER_WORKFLOW, orderWorkflowId } from '../../contracts/order-workflow';
import { TASK_QUEUES } from '../../contracts/task-queues';

const NOT_RETRYABLE_STATUSES = new Set(['completed', 'rejected', 'cancelled']);

/** Temporal run states a retry may follow: the run ended without an outcome of its own. */
const RETRYABLE_RUN_STATES = new Set(['FAILED', 'TIMED_OUT', 'TERMINATED']);

export type RetryResult =
  | { orderId: string; outcome: 'retried'; runId: string }
  /** A retry of this order is already running (a repeated request): nothing new was started. */
  | { orderId: string; outcome: 'already-retrying'; runId: string }
  | { orderId: string; outcome: 'refused'; reason: string }
  | { orderId: string; outcome: 'not-found' };

export interface RetryDeps {
  client: Client;
  orders: OrderStore;
  /** Given to the new run: see ProcessOrderInput.completionTimeoutMs. */
  completionTimeoutMs?: number;
}

/**
 * Retries a failed order: a new run of its workflow under the same workflow id (Temporal allows that only after a
 * failed, timed-out or terminated run), with the order's original input. Idempotent: asking again while that
 * retry runs, or racing another request, starts nothing more.
 */
export async function retryOrder(
  { client, orders, completionTimeoutMs }: RetryDeps,
  orderId: string,
): Promise<RetryResult> {
  const order = await orders.get(orderId);
  if (!order) return { orderId, outcome: 'not-found' };

  // A final outcome other than failed is recorded just before its run closes: it is the answer, even while the run
  // is still open.
  if (NOT_RETRYABLE_STATUSES.has(order.status)) {
    return {
      orderId,
      outcome: 'refused',
      reason: `order is ${order.status}: only a failed order can be retried`,
    };
  }

  const handle = client.workflow.getHandle(orderWorkflowId(orderId));
  let run: { runId: string; status: string };
  try {
    const description = await handle.describe();
    run = { runId: description.runId, status: description.status.name };
  } catch {
    return {
      orderId,
      outcome: 'refused',
      reason: `order is ${order.status}: its workflow has not started yet`,
    };
  }
  if (run.status === 'RUNNING') {
    if (order.retryRunIds?.includes(run.runId))
      return { orderId, outcome: 'already-retrying', runId: run.runId };
    // The workflow records `failed` just before its run fails: for a moment the order is failed, the run open.
    const reason =
      order.status === 'failed'
        ? 'order is failed but its run is still closing; retry in a moment'
        : 'order is processing: only a failed order can be retried';
    return { orderId, outcome: 'refused', reason };
  }
  if (!RETRYABLE_RUN_STATES.has(run.status)) {
    return {
      orderId,
      outcome: 'refused',
      reason: `order is ${order.status}: only a failed order can be retried`,
    };
  }

  const options = {
    ...processOrderStartOptions(orderCreatedEvent(order), TASK_QUEUES.orders, { completionTimeoutMs }),
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
  };
  let runId: string;
  try {
    runId = (await client.workflow.start(PROCESS_ORDER_WORKFLOW, options)).firstExecutionRunId;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // Another request retried it first.
    const current = await handle.describe();
    return { orderId, outcome: 'already-retrying', runId: current.runId };
  }
  await orders.recordRetryRun(orderId, runId);
  return { orderId, outcome: 'retried', runId };
}

export interface BulkRetryReport {
  matched: number;
  retried: number;
  alreadyRetrying: number;
  refused: { orderId: string; reason: string }[];
}

const BULK_CONCURRENCY = 8;

/**
 * Retries every failed order matching the filter, a few at a time, and says what happened to them (and, for the
 * audit log, which orders got a new run).
 */
export async function retryFailedOrders(
  deps: RetryDeps,
  filter: FailedOrderFilter,
): Promise<{ report: BulkRetryReport; retriedOrderIds: string[] }> {
  const failed = await deps.orders.failedIds(filter);

  const results: RetryResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < failed.length) results.push(await retryOrder(deps, failed[next++]!));
  };
  await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, failed.length) }, worker));
  const report: BulkRetryReport = { matched: failed.length, retried: 0, alreadyRetrying: 0, refused: [] };
  for (const r of results) {
    if (r.outcome === 'retried') report.retried++;
    else if (r.outcome === 'already-retrying') report.alreadyRetrying++;
    else if (r.outcome === 'refused') report.refused.push({ orderId: r.orderId, reason: r.reason });
  }
  return { report, retriedOrderIds: results.filter((r) => r.outcome === 'retried').map((r) => r.orderId) };
}
