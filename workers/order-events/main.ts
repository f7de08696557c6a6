/** Worker for task queue `order-events`: publishes `order-processed` with the idempotent producer. */
import { createOrderEventsActivities } from '../../activities/order-events/activities';
import { KAFKA } from '../../core/connections';
import { runService } from '../../core/service';
import { startWorker } from '../run-worker';
import { TASK_QUEUES } from '../../contracts/task-queues';

runService({
  name: 'worker-order-events',
  connects: { kafka: KAFKA },
  metricsPort: (config) => config.workers.orderEvents.metricsPort,
  async start({ config, logger, kafka }) {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return startWorker(config, logger, {
      taskQueue: TASK_QUEUES.orderEvents,
      workflows: false,
      activities: createOrderEventsActivities({ producer }),
      options: {
        maxConcurrentActivityTaskExecutions: config.workers.orderEvents.maxActivities,
        maxConcurrentActivityTaskPolls: config.workers.orderEvents.pollers,
      },
      close: () => producer.disconnect(),
    });
  },
});
