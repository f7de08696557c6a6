import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  orderWorkflowId,
  statusQuery,
  type OrderState,
  type ProcessOrderInput,
  type ProcessOrderResult,
} from '../contracts/order-workflow';
import type { LiveStatus } from './order-view';

type ProcessOrder = (input: ProcessOrderInput) => Promise<ProcessOrderResult>;

export type WorkflowView =
  /** The bridge has not started it yet: the order is durably accepted and waiting in the outbox or Kafka. */
  { kind: 'not-started' } | { kind: 'running'; state: OrderState } | { kind: 'closed'; live: LiveStatus };

export function orderHandle(client: Client, orderId: string) {
  return client.workflow.getHandle<ProcessOrder>(orderWorkflowId(orderId));
}

export function isWorkflowNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err as Error | undefined)?.name === 'WorkflowNotFoundError';
}

async function failureMessage(handle: ReturnType<typeof orderHandle>, statusName: string): Promise<string> {
  try {
    await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) return err.cause?.message || err.message;
  }
  return `workflow ${statusName.toLowerCase().replace(/_/g, ' ')}`;
}

/**
 * What the order's workflow says, all calls bounded by `deadline` (epoch ms). Describe comes first: it is cheap and
 * answers for closed runs without a worker, whereas a query of a closed run needs a worker to replay it. Throws on
 * Temporal errors (unreachable, deadline exceeded); callers decide whether that matters.
 */
export function inspectWorkflow(client: Client, orderId: string, deadline: number): Promise<WorkflowView> {
  return client.withDeadline(deadline, async (): Promise<WorkflowView> => {
    const handle = orderHandle(client, orderId);
    let statusName: string;
    try {
      statusName = (await handle.describe()).status.name;
    } catch (err) {
      if (isWorkflowNotFound(err)) return { kind: 'not-started' };
      throw err;
    }
    switch (statusName) {
      case 'COMPLETED': {
        const result = await handle.result();
        return {
          kind: 'closed',
          live: { status: result.status, steps: result.steps, reason: result.reason },
        };
      }
      case 'CANCELLED':
        return {
          kind: 'closed',
          live: { status: 'cancelled', reason: { type: 'Cancelled', message: 'the workflow was cancelled' } },
        };
      case 'FAILED':
      case 'TERMINATED':
      case 'TIMED_OUT':
        return {
          kind: 'closed',
          live: {
            status: 'failed',
            reason: { type: 'WorkflowFailed', message: await failureMessage(handle, statusName) },
          },
        };
      default:
        return { kind: 'running', state: await handle.query(statusQuery) };
    }
  });
}

/** Reads the live state of a running workflow within `deadline`; undefined when it did not answer in time. */
export async function queryState(
  client: Client,
  orderId: string,
  deadline: number,
): Promise<OrderState | undefined> {
  try {
    return await client.withDeadline(deadline, () => orderHandle(client, orderId).query(statusQuery));
  } catch {
    return undefined;
  }
}
