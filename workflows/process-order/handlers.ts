/**
 * The order as the outside sees it while it runs: the state the status query returns and the cancel signal
 * changes, and the order store's copy of it. A cancel is honoured only until the payment is captured; the workflow
 * looks for an accepted one between its steps, where stopping is safe.
 */
import { setHandler } from '@temporalio/workflow';
import type { FailureReason, FinalStatus } from '../../contracts/events';
import {
  cancelSignal,
  statusQuery,
  type OrderState,
  type OrderStep,
  type ProcessOrderResult,
} from '../../contracts/order-workflow';

/** Thrown between steps once a cancel was accepted: the order leaves by the saga's way out. */
export class OrderCancelled extends Error {}

export class OrderProgress {
  readonly state: OrderState = {
    status: 'processing',
    steps: [],
    reason: null,
    cancellable: true,
    cancel: { state: 'none' },
  };

  constructor(
    private readonly orderId: string,
    private readonly runId: string,
  ) {}

  done(step: OrderStep): void {
    this.state.steps.push(step);
  }

  /** The first request decides; later ones change nothing. */
  requestCancel(reason: string | undefined): void {
    if (this.state.cancel.state !== 'none') return;
    this.state.cancel = this.state.cancellable
      ? { state: 'accepted', reason: reason ?? 'cancelled by request' }
      : { state: 'refused', reason: 'payment already captured' };
  }

  stopIfCancelled(): void {
    if (this.state.cancel.state === 'accepted') throw new OrderCancelled();
  }

  /** The payment is captured, or the order is on its way out: a cancel from now on is refused. */
  closeToCancel(): void {
    this.state.cancellable = false;
  }

  /** The order's outcome, once it is published. */
  conclude(status: FinalStatus, reason: FailureReason | null): void {
    this.state.status = status;
    this.state.reason = reason;
  }

  /** What the order store records of the order. */
  statusUpdate() {
    return {
      orderId: this.orderId,
      status: this.state.status,
      steps: this.state.steps,
      reason: this.state.reason,
      runId: this.runId,
    };
  }

  result(status: ProcessOrderResult['status']): ProcessOrderResult {
    return { orderId: this.orderId, status, reason: this.state.reason, steps: this.state.steps };
  }
}

/** The order's progress, readable by the status query and cancellable by the cancel signal from now on. */
export function trackOrder(orderId: string, runId: string): OrderProgress {
  const progress = new OrderProgress(orderId, runId);
  setHandler(statusQuery, () => progress.state);
  setHandler(cancelSignal, ({ reason }) => progress.requestCancel(reason));
  return progress;
}
