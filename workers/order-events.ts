/** Worker for task queue `order-events`: publishes `order-processed` with the idempotent producer. */
import { createOrderEventsActivities } from '../activities/order-events/activities';
import { createKafka } from '../core/kafka/client';
import { runProcess } from '../core/process';
import { startWorker } from './run-worker';
import { TASK_QUEUES } from '../contracts/task-queues';

runProcess('worker-order-events', async (config, logger) => {
  const producer = createKafka(config.kafka, logger).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return startWorker(config, logger, {
    taskQueue: TASK_QUEUES.orderEvents,
    workflows: false,
    activities: createOrderEventsActivities({ producer }),
    options: {
      maxConcurrentActivityTaskExecutions: config.workers.orderEvents.maxActivities,
      maxConcurrentActivityTaskPolls: config.workers.orderEvents.pollers,
    },
    metricsPort: config.workers.orderEvents.metricsPort,
    close: () => producer.disconnect(),
  });
});
