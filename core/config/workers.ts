import type { EnvOf } from './env';
import type { metricsEnv } from './metrics';
import { positiveInt, replicas, upTo } from './values';

export const workersEnv = {
  // Processes per worker, as `npm start` runs them (docker compose uses --scale).
  WORKERS_ORDERS: replicas.default(1),
  WORKERS_PAYMENTS: replicas.default(1),
  WORKERS_ORDER_EVENTS: replicas.default(1),
  WORKER_ORDERS_MAX_ACTIVITIES: positiveInt.default(50),
  WORKER_ORDERS_MAX_WORKFLOW_TASKS: positiveInt.default(50),
  WORKER_ORDERS_POLLERS: upTo(100).default(10),
  WORKER_PAYMENTS_MAX_ACTIVITIES: positiveInt.default(20),
  WORKER_PAYMENTS_POLLERS: upTo(100).default(10),
  WORKER_PAYMENTS_RATE_PER_SECOND: positiveInt.default(100),
  WORKER_ORDER_EVENTS_MAX_ACTIVITIES: positiveInt.default(50),
  WORKER_ORDER_EVENTS_POLLERS: upTo(100).default(10),
};

/** `pollers`: concurrent long polls per task type, how fast a worker can take on new tasks. */
export function workersSection(
  e: EnvOf<
    typeof workersEnv &
      Pick<
        typeof metricsEnv,
        'WORKER_ORDERS_METRICS_PORT' | 'WORKER_PAYMENTS_METRICS_PORT' | 'WORKER_ORDER_EVENTS_METRICS_PORT'
      >
  >,
) {
  return {
    orders: {
      replicas: e.WORKERS_ORDERS,
      maxActivities: e.WORKER_ORDERS_MAX_ACTIVITIES,
      maxWorkflowTasks: e.WORKER_ORDERS_MAX_WORKFLOW_TASKS,
      pollers: e.WORKER_ORDERS_POLLERS,
      metricsPort: e.WORKER_ORDERS_METRICS_PORT,
    },
    payments: {
      replicas: e.WORKERS_PAYMENTS,
      maxActivities: e.WORKER_PAYMENTS_MAX_ACTIVITIES,
      pollers: e.WORKER_PAYMENTS_POLLERS,
      /** Charges and refunds started per second across ALL payments workers (the gateway's limit). */
      ratePerSecond: e.WORKER_PAYMENTS_RATE_PER_SECOND,
      metricsPort: e.WORKER_PAYMENTS_METRICS_PORT,
    },
    orderEvents: {
      replicas: e.WORKERS_ORDER_EVENTS,
      maxActivities: e.WORKER_ORDER_EVENTS_MAX_ACTIVITIES,
      pollers: e.WORKER_ORDER_EVENTS_POLLERS,
      metricsPort: e.WORKER_ORDER_EVENTS_METRICS_PORT,
    },
  };
}
