/**
 * processOrder: validate → reserve stock → charge payment → publish `order-processed`, record the status, commit the
 * stock. The order's outcome is the only status it records: `processing` is what the starter and the order store
 * say of a started order (versions.ts, FEWER_WRITES).
 *
 * Until the payment is captured the order can still fail, be rejected or be cancelled: the saga then gives back
 * what it took (saga.ts). Once the payment is captured the order is `completed`: the steps after it must happen,
 * so an outage only makes them wait, for hours if need be, with the order showing what it waits on
 * (completion.ts). Nothing after the capture ever refunds it. No I/O here: activities do it all (steps.ts).
 */
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { ProcessOrderInput, ProcessOrderResult } from '../../contracts/order-workflow';
import { ORDER_STATUS } from '../../contracts/search-attributes';
import { complete, completeCaptured } from './completion';
import { startRun } from './run';
import { Saga } from './saga';
import { CAPTURE_IS_FINAL, LOCAL_ORDER_STEPS, FEWER_WRITES } from './versions';

export async function processOrder(input: ProcessOrderInput): Promise<ProcessOrderResult> {
  // Which versions of the process this run follows; their markers are recorded in this order.
  const run = startRun(input, {
    localOrderSteps: patched(LOCAL_ORDER_STEPS),
    captureIsFinal: patched(CAPTURE_IS_FINAL),
    fewerWrites: patched(FEWER_WRITES),
  });
  const { progress, steps } = run;
  const saga = new Saga(run);

  if (!run.versions.fewerWrites) {
    // Runs from before FEWER_WRITES: the starter set OrderStatus=accepted and the store had no other way to tell
    // a started order.
    upsertSearchAttributes([{ key: ORDER_STATUS, value: 'processing' }]);
    await steps.recordOrderStatus(progress.statusUpdate());
  }

  try {
    progress.stopIfCancelled();
    await steps.validateOrder(input);
    progress.done('validated');
    progress.stopIfCancelled();

    await saga.reserveStock();
    progress.done('stock-reserved');
    progress.stopIfCancelled();

    await saga.chargePayment();
    progress.done('payment-captured');
    // A cancel accepted while the capture was in flight still wins: it is refunded.
    progress.stopIfCancelled();
    progress.closeToCancel();

    if (!run.versions.captureIsFinal) {
      // Runs from before CAPTURE_IS_FINAL complete inside the saga: a failure on the way still refunds the capture.
      await complete(run, 'completed', null);
      return progress.result('completed');
    }
  } catch (err) {
    return saga.settle(err);
  }
  await completeCaptured(run);
  return progress.result('completed');
}
