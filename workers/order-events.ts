/** Worker for task queue `order-events`: publishes `order-processed` with the idempotent producer. */
import { createPublishActivities } from '../activities/order-events/activities';
import { ORDER_EVENTS_TASK_QUEUE } from '../activities/publish/task-queue';
import { createKafka } from '../core/kafka/client';
import { runProcess } from '../core/process';
import { startWorker } from './run-worker';

runProcess('worker-order-events', async (config, logger) => {
  const producer = createKafka(config.kafka, logger).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return startWorker(config, logger, {
    taskQueue: ORDER_EVENTS_TASK_QUEUE,
    workflows: false,
    activities: createPublishActivities({ producer }),
    options: {
      maxConcurrentActivityTaskExecutions: config.workers.orderEvents.maxActivities,
      maxConcurrentActivityTaskPolls: config.workers.orderEvents.pollers,
    },
    close: () => producer.disconnect(),
  });
});
