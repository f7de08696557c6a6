/**
 * The saga: what the order takes (its stock reservation, its payment) is given back if it does not complete. Until
 * the capture a business failure ends the order `rejected`, an accepted cancel `cancelled`, and a technical failure
 * that exhausted its retries `failed`, failing the run so operators see it Failed and can retry it. On each of
 * those ways out the capture is refunded and the reservation released, then the order comes to its end.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { FailureReason, FinalStatus } from '../../contracts/events';
import type { ProcessOrderResult } from '../../contracts/order-workflow';
import { complete } from './completion';
import { businessReason, technicalReason } from './failures';
import { OrderCancelled } from './handlers';
import type { OrderRun } from './run';

export class Saga {
  private reserved = false;
  private charged = false;
  /** The charge failed for a technical reason: it may have been captured all the same (a lost response). */
  private chargeUnknown = false;

  constructor(private readonly run: OrderRun) {}

  async reserveStock(): Promise<void> {
    await this.run.steps.reserveStock(this.run.stock);
    this.reserved = true;
  }

  async chargePayment(): Promise<void> {
    const { input, steps, versions } = this.run;
    try {
      await steps.chargePayment({
        orderId: input.orderId,
        customerId: input.customerId,
        amountCents: input.totalCents,
        currency: input.currency,
      });
    } catch (err) {
      if (versions.captureIsFinal && !businessReason(err)) this.chargeUnknown = true;
      throw err;
    }
    this.charged = true;
  }

  /** The order's way out before its capture (or a cancel that won the race with it). */
  async settle(err: unknown): Promise<ProcessOrderResult> {
    const { progress } = this.run;
    progress.closeToCancel();
    if (err instanceof OrderCancelled) {
      const message = progress.state.cancel.reason ?? 'cancelled by request';
      await this.giveBackAndComplete('cancelled', { type: 'Cancelled', message });
      return progress.result('cancelled');
    }
    const rejected = businessReason(err);
    if (rejected) {
      await this.giveBackAndComplete('rejected', rejected);
      return progress.result('rejected');
    }
    const failure = technicalReason(err);
    await this.giveBackAndComplete('failed', failure);
    if (this.chargeUnknown) await this.refundUnknownCharge();
    // Fail the run itself, so it shows as Failed in the Web UI and can be retried as a new run.
    throw ApplicationFailure.create({
      type: failure.type,
      message: failure.message,
      nonRetryable: true,
      cause: err as Error,
    });
  }

  private async giveBackAndComplete(status: FinalStatus, reason: FailureReason): Promise<void> {
    await this.compensate();
    await complete(this.run, status, reason);
  }

  /** Gives back what the order took, the last taken first: its capture, then its reservation. */
  private async compensate(): Promise<void> {
    const { input, progress, mustHappen, stock } = this.run;
    if (this.charged) {
      const refund = { orderId: input.orderId };
      await mustHappen('refunding the payment', (steps) => steps.refundPayment(refund));
      progress.done('payment-refunded');
    }
    if (this.reserved) {
      await mustHappen('releasing the stock', (steps) => steps.releaseStock(stock));
      progress.done('stock-released');
    }
  }

  /**
   * The charge failed for a technical reason after being sent: it may have been captured all the same (a response
   * lost on the way back). The order is failed and says so at once; this refund, which must happen, then waits out
   * the gateway's outage if need be, and the run closes (and can be retried) once it got through. Refunding an
   * order that was never captured changes nothing. (Only runs since CAPTURE_IS_FINAL get here.)
   */
  private async refundUnknownCharge(): Promise<void> {
    const { input, progress, mustHappen } = this.run;
    const request = { orderId: input.orderId };
    try {
      const { refunded } = await mustHappen('refunding a charge whose outcome is unknown', (steps) =>
        steps.refundPayment(request),
      );
      if (!refunded) return;
      progress.done('payment-refunded');
      await this.run.steps.recordOrderStatus(progress.statusUpdate());
    } catch {
      // The timeout passed with the gateway still down: the run fails all the same, and its retry's charge finds
      // a capture if there was one, so the order is never charged twice.
    }
  }
}
