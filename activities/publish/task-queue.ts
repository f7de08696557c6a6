/** The activity that emits `order-processed` runs here. */
export const ORDER_EVENTS_TASK_QUEUE = 'order-events';
