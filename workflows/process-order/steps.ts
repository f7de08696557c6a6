/**
 * The activities the order workflow calls, each with its timeouts, retry policy and task queue declared once here.
 * Technical failures retry under these policies; a business failure is non-retryable and ends the order at once.
 */
import { proxyActivities, proxyLocalActivities, type LocalActivityOptions } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities/orders/activities';
import type { PaymentActivities } from '../../activities/payments/activities';
import type { OrderEventsActivities } from '../../activities/order-events/activities';
import type { StockActivities } from '../../activities/stock/activities';
import { TASK_QUEUES } from '../../contracts/task-queues';

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
const CHARGE: StepOptions = {
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
  },
};
// A refund is a compensation: it must get through like a status record.
const REFUND: StepOptions = {
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 50,
  },
};
const PUBLISH: StepOptions = {
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 20,
  },
};

/**
 * The steps that must happen (compensations, publishing and recording the outcome, everything after the capture),
 * once their usual attempts failed: retried until they succeed or `within` ms have passed, whatever the error,
 * with a backoff that settles at a minute.
 */
function patiently(within: number): StepOptions & { scheduleToCloseTimeout: number } {
  return {
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: within,
    // No maximumAttempts: unlimited, bounded by the schedule-to-close timeout alone.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
}

/** The `orders` queue's steps: local activities in runs since LOCAL_ORDER_STEPS, activities on the queue before. */
function onOrdersQueue<A extends object>(local: boolean, options: StepOptions) {
  return local
    ? proxyLocalActivities<A>(options)
    : proxyActivities<A>({ ...options, taskQueue: TASK_QUEUES.orders });
}

/** Payment and publishing run on their own queues, where they are rate-limited and scaled apart. */
function onQueue<A extends object>(taskQueue: string, options: StepOptions) {
  return proxyActivities<A>({ ...options, taskQueue });
}

/** Every step of the order with its usual timeouts and retries. */
export function orderSteps(local: boolean) {
  return {
    validateOrder: onOrdersQueue<OrderActivities>(local, VALIDATE).validateOrder,
    recordOrderStatus: onOrdersQueue<OrderActivities>(local, RECORD).recordOrderStatus,
    reserveStock: onOrdersQueue<StockActivities>(local, STOCK).reserveStock,
    releaseStock: onOrdersQueue<StockActivities>(local, STOCK).releaseStock,
    commitStock: onOrdersQueue<StockActivities>(local, STOCK).commitStock,
    chargePayment: onQueue<PaymentActivities>(TASK_QUEUES.payments, CHARGE).chargePayment,
    refundPayment: onQueue<PaymentActivities>(TASK_QUEUES.payments, REFUND).refundPayment,
    publishOrderProcessed: onQueue<OrderEventsActivities>(TASK_QUEUES.orderEvents, PUBLISH)
      .publishOrderProcessed,
  };
}

export type OrderSteps = ReturnType<typeof orderSteps>;

/** The steps that must happen: compensations, and publishing, committing and recording the outcome. */
export type MustHappenSteps = Pick<
  OrderSteps,
  'recordOrderStatus' | 'commitStock' | 'releaseStock' | 'publishOrderProcessed' | 'refundPayment'
>;

/** The steps that must happen, retried patiently: through an outage of up to `within` ms. */
export function patientSteps(local: boolean, within: number): MustHappenSteps {
  const options = patiently(within);
  return {
    recordOrderStatus: onOrdersQueue<OrderActivities>(local, options).recordOrderStatus,
    commitStock: onOrdersQueue<StockActivities>(local, options).commitStock,
    releaseStock: onOrdersQueue<StockActivities>(local, options).releaseStock,
    publishOrderProcessed: onQueue<OrderEventsActivities>(TASK_QUEUES.orderEvents, options)
      .publishOrderProcessed,
    refundPayment: onQueue<PaymentActivities>(TASK_QUEUES.payments, options).refundPayment,
  };
}
