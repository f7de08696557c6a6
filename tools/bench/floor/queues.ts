/**
 * The engine floor: what Temporal itself costs for an order's shape, measured beside the real thing in the same
 * run on the same servers.
 *
 * The real `processOrder` runs on three task queues: its workflow tasks (with the order-record and stock steps as
 * local activities) on `orders`, the charge on `payments`, publishing `order-processed` on `order-events`: three
 * workflow tasks and two activity tasks per order. The floor has that shape and nothing else: a workflow that
 * schedules a no-op activity on a second queue, then one on a third, then completes, with activities that touch
 * no database and no Kafka.
 *
 * Why queues of its own, served by worker processes the bench starts: the product's workers must not carry a
 * bench-only workflow in their bundle, and the floor must not share the real queues, where its tasks would queue
 * behind (and be counted with) real orders. So the bench runs one worker process per floor queue, as many replicas
 * and with the same concurrency, pollers and rate limit as the real worker of that queue, in the same namespace:
 * the same three queues' worth of polling, matching and persistence, minus the business.
 */
export const FLOOR_TASK_QUEUES = {
  orders: 'bench-floor-orders',
  payments: 'bench-floor-payments',
  orderEvents: 'bench-floor-order-events',
} as const;

export type FloorQueue = keyof typeof FLOOR_TASK_QUEUES;

/** The floor's queues, and whether workflow tasks run on them besides activities (as ALL_TASK_QUEUES says). */
export const FLOOR_QUEUE_LIST: readonly { name: string; workflows: boolean }[] = [
  { name: FLOOR_TASK_QUEUES.orders, workflows: true },
  { name: FLOOR_TASK_QUEUES.payments, workflows: false },
  { name: FLOOR_TASK_QUEUES.orderEvents, workflows: false },
];

export const FLOOR_WORKFLOW = 'benchFloorOrder';

/** Floor runs are told apart from orders (and from other runs) by this prefix of their workflow id. */
export const FLOOR_WORKFLOW_PREFIX = 'bench-floor-';
