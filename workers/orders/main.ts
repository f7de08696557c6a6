/** Worker for task queue `orders`: the order workflow, plus the order-record and stock activities. */
import { createOrderActivities } from '../../activities/orders/activities';
import { createStockActivities } from '../../activities/stock/activities';
import { seedStock } from '../../domain/stock/stock-model';
import { MONGO } from '../../core/connections';
import { orderStore } from '../../domain/orders/order-store';
import { runService } from '../../core/service';
import { startWorker } from '../run-worker';
import { TASK_QUEUES } from '../../contracts/task-queues';

runService({
  name: 'worker-orders',
  connects: { mongo: MONGO },
  metricsPort: (config) => config.workers.orders.metricsPort,
  async start({ config, logger, mongo }) {
    const seeded = await seedStock(mongo);
    if (seeded > 0) logger.info({ seeded }, 'seeded demo stock');
    return startWorker(config, logger, {
      taskQueue: TASK_QUEUES.orders,
      workflows: true,
      activities: {
        ...createOrderActivities({ orders: orderStore(mongo) }),
        ...createStockActivities({ connection: mongo }),
      },
      options: {
        maxConcurrentActivityTaskExecutions: config.workers.orders.maxActivities,
        maxConcurrentWorkflowTaskExecutions: config.workers.orders.maxWorkflowTasks,
        maxConcurrentActivityTaskPolls: config.workers.orders.pollers,
        maxConcurrentWorkflowTaskPolls: config.workers.orders.pollers,
      },
    });
  },
});
