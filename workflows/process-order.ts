/**
 * processOrder: validate → reserve stock → charge payment → publish `order-processed`.
 *
 * Business failures (invalid order, out of stock, payment declined) end the order `rejected`; a cancel accepted
 * before the payment is captured ends it `cancelled`; a technical failure that exhausts its retries ends it `failed`
 * and fails the run, so operators see it as Failed and can retry it. On every way out, what was reserved is
 * released and what was charged is refunded (saga). No I/O here: activities do it all.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
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
  const { validateOrder, recordOrderStatus, reserveStock, releaseStock, commitStock } = orderSteps(
    patched(LOCAL_ORDER_STEPS),
  );
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
  const record = () =>
    recordOrderStatus({
      orderId: input.orderId,
      status: state.status,
      steps: state.steps,
      reason: state.reason,
      runId,
    });

  async function finish(status: FinalStatus, reason: FailureReason | null): Promise<void> {
    if (status !== 'completed') {
      if (charged) {
        await refundPayment({ orderId: input.orderId });
        done('payment-refunded');
      }
      if (reserved) {
        await releaseStock(stockRequest);
        done('stock-released');
      }
    }
    await publishOrderProcessed({
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
    done('published');
    if (status === 'completed') await commitStock(stockRequest);
    state.status = status;
    state.reason = reason;
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
    await record();
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

    await chargePayment({
      orderId: input.orderId,
      customerId: input.customerId,
      amountCents: input.totalCents,
      currency: input.currency,
    });
    charged = true;
    done('payment-captured');
    // A cancel accepted while the capture was in flight still wins: it is refunded below.
    checkCancel();
    state.cancellable = false;

    await finish('completed', null);
    return { orderId: input.orderId, status: 'completed', reason: null, steps: state.steps };
  } catch (err) {
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
    // Fail the run itself, so it shows as Failed in the Web UI and can be retried as a new run.
    throw ApplicationFailure.create({
      type: failure.type,
      message: failure.message,
      nonRetryable: true,
      cause: err as Error,
    });
  }
}
