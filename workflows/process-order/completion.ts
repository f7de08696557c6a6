/**
 * The end every order comes to, whatever its outcome: publish `order-processed` → record the status → commit the
 * stock (a completed order only; runs from before FEWER_WRITES commit before they record, versions.ts). These steps
 * must happen: an outage only makes them wait (must-happen.ts).
 */
import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import type { FailureReason, FinalStatus } from '../../contracts/events';
import { COMPLETION_STALLED } from '../../contracts/order-workflow';
import { ORDER_STATUS } from '../../contracts/search-attributes';
import type { OrderRun } from './run';

export async function complete(
  run: OrderRun,
  status: FinalStatus,
  reason: FailureReason | null,
): Promise<void> {
  const { progress, mustHappen } = run;
  const event = orderProcessed(run, status, reason);
  await mustHappen('publishing order-processed', (steps) => steps.publishOrderProcessed(event));
  progress.done('published');
  const commit = async () => {
    if (status === 'completed')
      await mustHappen('committing the stock', (steps) => steps.commitStock(run.stock));
  };
  if (!run.versions.fewerWrites) await commit();
  progress.conclude(status, reason);
  upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
  const update = progress.statusUpdate();
  await mustHappen('recording the status', (steps) => steps.recordOrderStatus(update));
  // Final first: a run that stalls on the commit leaves a completed order (its units sold, only its hold left on
  // the SKU's document), never one an operator could retry into a second reservation.
  if (run.versions.fewerWrites) await commit();
}

/**
 * The payment is captured: the order is completed, and nothing refunds it. If the completion gives up waiting, the
 * run fails so that it shows, and the operator's retry (once the infrastructure is back) finds the captured charge
 * and completes the order without charging again.
 */
export async function completeCaptured(run: OrderRun): Promise<void> {
  try {
    await complete(run, 'completed', null);
  } catch (err) {
    const step = run.progress.state.waitingOn?.step ?? 'a step after it';
    throw ApplicationFailure.create({
      type: COMPLETION_STALLED,
      message:
        `the payment is captured, but ${step} did not succeed within ` +
        `${Math.round(run.completionTimeoutMs / 60_000)} min; retry the order once that is back: it completes ` +
        'without a new charge',
      nonRetryable: true,
      cause: err as Error,
    });
  }
}

function orderProcessed(run: OrderRun, status: FinalStatus, reason: FailureReason | null) {
  const { input } = run;
  return {
    orderId: input.orderId,
    customerId: input.customerId,
    status,
    reason,
    currency: input.currency,
    totalCents: input.totalCents,
    items: input.items,
    acceptedAt: input.acceptedAt,
    // Workflow time: the same on every replay.
    occurredAt: new Date().toISOString(),
    workflowId: run.workflowId,
    runId: run.runId,
  };
}
