/**
 * Every Temporal task queue of the system, defined once. Each has a worker entry point of its own
 * (`workers/<queue>/main.ts`) and is scaled on its own. Safe to import from workflow code.
 */
export const TASK_QUEUES = {
  /** The order workflow, with its own short steps (validate, status records, stock) as local activities. */
  orders: 'orders',
  /** Charge and refund, on workers sized and rate-limited to protect the payment gateway. */
  payments: 'payments',
  /** Emits `order-processed`. */
  orderEvents: 'order-events',
} as const;

export type TaskQueue = (typeof TASK_QUEUES)[keyof typeof TASK_QUEUES];

/** Every task queue, and whether workflow tasks run on it besides activities (only `orders` runs workflow code). */
export const ALL_TASK_QUEUES: readonly { name: TaskQueue; workflows: boolean }[] = [
  { name: TASK_QUEUES.orders, workflows: true },
  { name: TASK_QUEUES.payments, workflows: false },
  { name: TASK_QUEUES.orderEvents, workflows: false },
];
