/**
 * processOrder: validate → reserve stock → charge payment → publish `order-processed`.
 *
 * Business failures (invalid order, out of stock, payment declined) end the order `rejected`; a cancel accepted
 * before the payment is captured ends it `cancelled`; a technical failure before the capture that exhausts its
 * retries ends it `failed` and fails the run, so operators see it as Failed and can retry it. On those ways out,
 * what was reserved is released and whatever may have been charged is refunded (saga).
 *
 * Once the payment is captured the order is `completed`: the steps after it (publish, commit stock, record the
 * status) must happen, so an outage only makes them wait, for hours if need be, with the order showing what it
 * waits on. Nothing after the capture ever refunds it. No I/O here: activities do it all.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { FailureReason, FinalStatus } from '../contracts/events';
import { ORDER_STATUS } from '../contracts/search-attributes';
import type { OrderActivities } from '../activities/orders/activities';
import type { PaymentActivities } from '../activities/payments/activities';
import type { OrderEventsActivities } from '../activities/order-events/activities';
import type { StockActivities } from '../activities/stock/activities';
import {
  cancelSignal,
  COMPLETION_STALLED,
  DEFAULT_COMPLETION_TIMEOUT_MS,
  statusQuery,
  type OrderState,
  type OrderStep,
  type ProcessOrderInput,
  type ProcessOrderResult,
} from '../contracts/order-workflow';
import { TASK_QUEUES } from '../contracts/task-queues';

/** Failure types that are the business saying no: the order is rejected, nothing is retried. */
export const BUSINESS_FAILURES = ['InvalidOrder', 'OutOfStock', 'PaymentDeclined'] as const;

/**
 * The `orders` queue's own steps (validate, record status, reserve/release/commit stock) run as local activities:
 * in the workflow task, on the worker running the workflow, with no task queue round trip. They are short and
 * idempotent (keyed by orderId), which is what local activities suit; retries keep the same policies. Payment and
 * publishing stay activities on their own queues, where they are rate-limited and scaled apart. Runs started before
 * this change keep their activities: their histories have no LOCAL_ORDER_STEPS marker (replayed from
 * test/fixtures/histories/*.v1.json).
 */
export const LOCAL_ORDER_STEPS = 'local-order-steps';

/**
 * Runs started from this change on treat the capture as final: the steps after it wait out an outage instead of
 * failing the order and refunding it, and a charge whose outcome is unknown is refunded when the order fails. Runs
 * started before keep the old saga: their histories have no marker of it (replayed from
 * test/fixtures/histories/*.v2.json and *.v1.json).
 */
export const CAPTURE_IS_FINAL = 'capture-is-final';

type StepOptions = Required<Pick<LocalActivityOptions, 'startToCloseTimeout' | 'retry'>>;

const VALIDATE: StepOptions = {
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '5 seconds',
    maximumAttempts: 5,
  },
};
// Status records and compensations must get through: many attempts, capped backoff.
const RECORD: StepOptions = {
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 50,
  },
};
const STOCK: StepOptions = {
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 10,
  },
};

function orderSteps(local: boolean) {
  const proxy = <A extends object>(options: StepOptions) =>
    local
      ? proxyLocalActivities<A>(options)
      : proxyActivities<A>({ ...options, taskQueue: TASK_QUEUES.orders });
  const { validateOrder } = proxy<OrderActivities>(VALIDATE);
  const { recordOrderStatus } = proxy<OrderActivities>(RECORD);
  const { reserveStock, releaseStock, commitStock } = proxy<StockActivities>(STOCK);
  return { validateOrder, recordOrderStatus, reserveStock, releaseStock, commitStock };
}

/**
 * The steps that must happen (compensations, publishing and recording the outcome, everything after the capture),
 * once their usual attempts failed: retried until they succeed or `within` ms have passed, whatever the error,
 * with a backoff that settles at a minute.
 */
function patientSteps(local: boolean, within: number) {
  const options: StepOptions & { scheduleToCloseTimeout: number } = {
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: within,
    // No maximumAttempts: unlimited, bounded by the schedule-to-close timeout alone.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
  const proxy = <A extends object>() =>
    local
      ? proxyLocalActivities<A>(options)
      : proxyActivities<A>({ ...options, taskQueue: TASK_QUEUES.orders });
  const { recordOrderStatus } = proxy<OrderActivities>();
  const { commitStock, releaseStock } = proxy<StockActivities>();
  const { publishOrderProcessed } = proxyActivities<OrderEventsActivities>({
    ...options,
    taskQueue: TASK_QUEUES.orderEvents,
  });
  const { refundPayment } = proxyActivities<PaymentActivities>({
    ...options,
    taskQueue: TASK_QUEUES.payments,
  });
  return { recordOrderStatus, commitStock, releaseStock, publishOrderProcessed, refundPayment };
}

const { chargePayment } = proxyActivities<PaymentActivities>({
  taskQueue: TASK_QUEUES.payments,
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
  },
});

const { refundPayment } = proxyActivities<PaymentActivities>({
  taskQueue: TASK_QUEUES.payments,
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 50,
  },
});

const { publishOrderProcessed } = proxyActivities<OrderEventsActivities>({
  taskQueue: TASK_QUEUES.orderEvents,
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 20,
  },
});

class OrderCancelled extends Error {}

/** What a step failed with: an activity's failure comes wrapped in ActivityFailure, a local activity's does not. */
const stepFailure = (err: unknown): unknown => (err instanceof ActivityFailure ? err.cause : err);

function businessReason(err: unknown): FailureReason | undefined {
  const cause = stepFailure(err);
  if (cause instanceof ApplicationFailure) {
    const type = cause.type ?? '';
    if ((BUSINESS_FAILURES as readonly string[]).includes(type)) return { type, message: cause.message };
  }
  return undefined;
}

function technicalReason(err: unknown): FailureReason {
  const cause = stepFailure(err);
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : 'TechnicalFailure';
  return { type, message: cause instanceof Error ? cause.message : String(cause) };
}

export async function processOrder(input: ProcessOrderInput): Promise<ProcessOrderResult> {
  const local = patched(LOCAL_ORDER_STEPS);
  const captureIsFinal = patched(CAPTURE_IS_FINAL);
  const { validateOrder, recordOrderStatus, reserveStock, releaseStock, commitStock } = orderSteps(local);
  const { workflowId, runId } = workflowInfo();
  const state: OrderState = {
    status: 'processing',
    steps: [],
    reason: null,
    cancellable: true,
    cancel: { state: 'none' },
  };
  const done = (step: OrderStep) => state.steps.push(step);
  const stockRequest = {
    orderId: input.orderId,
    items: input.items.map(({ sku, quantity }) => ({ sku, quantity })),
  };
  let reserved = false;
  let charged = false;
  /** The charge failed for a technical reason: it may have been captured all the same (a lost response). */
  let chargeUnknown = false;

  setHandler(statusQuery, () => state);
  setHandler(cancelSignal, ({ reason }) => {
    if (state.cancel.state !== 'none') return;
    state.cancel = state.cancellable
      ? { state: 'accepted', reason: reason ?? 'cancelled by request' }
      : { state: 'refused', reason: 'payment already captured' };
  });
  const checkCancel = () => {
    if (state.cancel.state === 'accepted') throw new OrderCancelled();
  };
  const statusUpdate = () => ({
    orderId: input.orderId,
    status: state.status,
    steps: state.steps,
    reason: state.reason,
    runId,
  });
  const record = () => recordOrderStatus(statusUpdate());
  const processed = (status: FinalStatus, reason: FailureReason | null) => ({
    orderId: input.orderId,
    customerId: input.customerId,
    status,
    reason,
    currency: input.currency,
    totalCents: input.totalCents,
    items: input.items,
    acceptedAt: input.acceptedAt,
    occurredAt: new Date().toISOString(),
    workflowId,
    runId,
  });

  /** Gives back what the order took: its capture and its reservation. */
  async function compensate(): Promise<void> {
    if (charged) {
      const refund = { orderId: input.orderId };
      await must(
        'refunding the payment',
        () => refundPayment(refund),
        () => patient.refundPayment(refund),
      );
      done('payment-refunded');
    }
    if (reserved) {
      await must(
        'releasing the stock',
        () => releaseStock(stockRequest),
        () => patient.releaseStock(stockRequest),
      );
      done('stock-released');
    }
  }

  async function finish(status: FinalStatus, reason: FailureReason | null): Promise<void> {
    if (status !== 'completed') await compensate();
    const event = processed(status, reason);
    await must(
      'publishing order-processed',
      () => publishOrderProcessed(event),
      () => patient.publishOrderProcessed(event),
    );
    done('published');
    if (status === 'completed') await commitStock(stockRequest);
    state.status = status;
    state.reason = reason;
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
    const update = statusUpdate();
    await must(
      'recording the status',
      () => recordOrderStatus(update),
      () => patient.recordOrderStatus(update),
    );
  }

  /** The order's way out before its capture (or a cancel that won the race with it): the saga compensates. */
  async function settle(err: unknown): Promise<ProcessOrderResult> {
    state.cancellable = false;
    if (err instanceof OrderCancelled) {
      await finish('cancelled', {
        type: 'Cancelled',
        message: state.cancel.reason ?? 'cancelled by request',
      });
      return { orderId: input.orderId, status: 'cancelled', reason: state.reason, steps: state.steps };
    }
    const rejected = businessReason(err);
    if (rejected) {
      await finish('rejected', rejected);
      return { orderId: input.orderId, status: 'rejected', reason: rejected, steps: state.steps };
    }
    const failure = technicalReason(err);
    await finish('failed', failure);
    if (chargeUnknown) await refundUnknownCharge();
    // Fail the run itself, so it shows as Failed in the Web UI and can be retried as a new run.
    throw ApplicationFailure.create({
      type: failure.type,
      message: failure.message,
      nonRetryable: true,
      cause: err as Error,
    });
  }

  /**
   * A step that must happen: its usual attempts first; if they fail, the order shows what it waits on (the status
   * query, and the `waitingOn` memo in the Web UI) and the step is retried until it succeeds or the completion
   * timeout is over.
   */
  async function mustHappen<T>(
    step: string,
    first: () => Promise<T>,
    patiently: () => Promise<T>,
  ): Promise<T> {
    try {
      return await first();
    } catch (err) {
      const since = new Date().toISOString();
      state.waitingOn = { step, since, lastError: technicalReason(err).message };
      upsertMemo({ waitingOn: `${step}, since ${since}` });
      const result = await patiently();
      state.waitingOn = undefined;
      upsertMemo({ waitingOn: undefined });
      return result;
    }
  }

  /**
   * The charge failed for a technical reason after being sent: it may have been captured all the same (a response
   * lost on the way back). The order is failed and says so at once; this refund, which must happen, then waits out
   * the gateway's outage if need be, and the run closes (and can be retried) once it got through. Refunding an
   * order that was never captured changes nothing.
   */
  async function refundUnknownCharge(): Promise<void> {
    const request = { orderId: input.orderId };
    try {
      const { refunded } = await mustHappen(
        'refunding a charge whose outcome is unknown',
        () => refundPayment(request),
        () => patient.refundPayment(request),
      );
      if (!refunded) return;
      done('payment-refunded');
      await record();
    } catch {
      // The timeout passed with the gateway still down: the run fails all the same, and its retry's charge finds
      // a capture if there was one, so the order is never charged twice.
    }
  }

  const patient = patientSteps(local, input.completionTimeoutMs ?? DEFAULT_COMPLETION_TIMEOUT_MS);
  /** A step that must happen: waited for through an outage in runs since CAPTURE_IS_FINAL, as before in older ones. */
  const must = <T>(step: string, first: () => Promise<T>, later: () => Promise<T>): Promise<T> =>
    captureIsFinal ? mustHappen(step, first, later) : first();

  /** The payment is captured: the order is completed, and what follows waits out any outage. */
  async function complete(): Promise<void> {
    const within = input.completionTimeoutMs ?? DEFAULT_COMPLETION_TIMEOUT_MS;
    const event = processed('completed', null);
    try {
      await mustHappen(
        'publishing order-processed',
        () => publishOrderProcessed(event),
        () => patient.publishOrderProcessed(event),
      );
      done('published');
      await mustHappen(
        'committing the stock',
        () => commitStock(stockRequest),
        () => patient.commitStock(stockRequest),
      );
      state.status = 'completed';
      upsertSearchAttributes([{ key: ORDER_STATUS, value: 'completed' }]);
      const update = statusUpdate();
      await mustHappen(
        'recording the status',
        () => recordOrderStatus(update),
        () => patient.recordOrderStatus(update),
      );
    } catch (err) {
      // Not a refund: the capture stands. The run fails so that it shows, and the operator's retry (once the
      // infrastructure is back) finds the captured charge and completes the order without charging again.
      throw ApplicationFailure.create({
        type: COMPLETION_STALLED,
        message:
          `the payment is captured, but ${state.waitingOn?.step ?? 'a step after it'} did not succeed within ` +
          `${Math.round(within / 60_000)} min; retry the order once that is back: it completes without a new charge`,
        nonRetryable: true,
        cause: err as Error,
      });
    }
  }

  upsertSearchAttributes([{ key: ORDER_STATUS, value: 'processing' }]);
  await record();

  try {
    checkCancel();
    await validateOrder(input);
    done('validated');
    checkCancel();

    await reserveStock(stockRequest);
    reserved = true;
    done('stock-reserved');
    checkCancel();

    try {
      await chargePayment({
        orderId: input.orderId,
        customerId: input.customerId,
        amountCents: input.totalCents,
        currency: input.currency,
      });
    } catch (err) {
      if (captureIsFinal && !businessReason(err)) chargeUnknown = true;
      throw err;
    }
    charged = true;
    done('payment-captured');
    // A cancel accepted while the capture was in flight still wins: it is refunded.
    checkCancel();
    state.cancellable = false;

    if (!captureIsFinal) {
      await finish('completed', null);
      return { orderId: input.orderId, status: 'completed', reason: null, steps: state.steps };
    }
  } catch (err) {
    return settle(err);
  }
  await complete();
  return { orderId: input.orderId, status: 'completed', reason: null, steps: state.steps };
}
