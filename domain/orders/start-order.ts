import { PROCESS_ORDER_WORKFLOW } from '../../contracts/order-workflow';
import type { OrderCreatedV1 } from '../../contracts/events';
import { classifyStartFailure } from '../../core/temporal/start-failures';
import type { OrderStore } from './order-store';
import { isFinalStatus } from './status';
import { processOrderStartOptions, type WorkflowStarter } from './workflow-start';

/** What a start asks of the order's own store, and tells it. */
export type StartStore = Pick<OrderStore, 'startState' | 'markStarted'>;

/** An `order-created` for an order the order store does not have: nothing to process, and nobody to charge. */
export class UnknownOrderError extends Error {
  constructor(readonly orderId: string) {
    super(`no order ${orderId} in the order store`);
    this.name = 'UnknownOrderError';
  }
}

export type StartOutcome =
  /** The order's workflow was started now. */
  | 'started'
  /** Its workflow exists (running, or closed and still retained by Temporal): nothing to do. */
  | 'alreadyStarted'
  /** The order's outcome is final in its store: it is never started again, whatever Temporal still remembers. */
  | 'alreadyFinal';

export interface StartOrderDeps {
  client: WorkflowStarter;
  /** The order store: asked before anything is started, told once the start is done. */
  orders: StartStore;
  taskQueue: string;
  /** Deadline of the start call, so a hung server cannot stall the caller indefinitely. */
  startTimeoutMs: number;
  /** See ProcessOrderInput.completionTimeoutMs. */
  completionTimeoutMs?: number;
}

/**
 * Starts an order's workflow, once, for the bridge, the stale sweep and replays alike. The order's own store is
 * asked first: Temporal forgets closed workflows after the namespace's retention, and Kafka can hand the same
 * `order-created` out again long after (a replay, a group whose offsets expired), so Temporal's duplicate check
 * alone would run a finished order again, reserve and charge it again. Once Temporal has the workflow (or the
 * order is final), the order's outbox entry is deleted (markStarted): the order then reads as processing, and
 * nothing looks for it any more. A crash before that delete leaves the entry: the next delivery, or the stale
 * sweep, finds the workflow there and deletes it then. Throws UnknownOrderError when the store has no such order.
 */
export async function startOrder(deps: StartOrderDeps, event: OrderCreatedV1): Promise<StartOutcome> {
  const stored = await deps.orders.startState(event.orderId);
  if (stored === null) throw new UnknownOrderError(event.orderId);
  const outcome = isFinalStatus(stored.status) ? 'alreadyFinal' : await start(deps, event);
  await deps.orders.markStarted(event.orderId, { legacy: stored.legacy });
  return outcome;
}

async function start(deps: StartOrderDeps, event: OrderCreatedV1): Promise<'started' | 'alreadyStarted'> {
  try {
    await deps.client.withDeadline(Date.now() + deps.startTimeoutMs, () =>
      deps.client.workflow.start(
        PROCESS_ORDER_WORKFLOW,
        processOrderStartOptions(event, deps.taskQueue, { completionTimeoutMs: deps.completionTimeoutMs }),
      ),
    );
    return 'started';
  } catch (err) {
    if (classifyStartFailure(err) === 'already-started') return 'alreadyStarted';
    throw err;
  }
}
