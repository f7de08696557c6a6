/** Worker for task queue `orders`: the order workflow, plus the order-record and stock activities. */
import { createOrderActivities } from '../activities/orders/activities';
import { createStockActivities } from '../activities/stock/activities';
import { seedStock } from '../domain/stock/stock-model';
import { connectMongo } from '../core/mongo/connection';
import { orderStore } from '../domain/orders/order-store';
import { runProcess } from '../core/process';
import { startWorker } from './run-worker';
import { TASK_QUEUES } from '../contracts/task-queues';

runProcess('worker-orders', async (config, logger) => {
  const connection = await connectMongo(config.mongo);
  const seeded = await seedStock(connection);
  if (seeded > 0) logger.info({ seeded }, 'seeded demo stock');
  return startWorker(config, logger, {
    taskQueue: TASK_QUEUES.orders,
    workflows: true,
    activities: {
      ...createOrderActivities({ orders: orderStore(connection) }),
      ...createStockActivities({ connection }),
    },
    options: {
      maxConcurrentActivityTaskExecutions: config.workers.orders.maxActivities,
      maxConcurrentWorkflowTaskExecutions: config.workers.orders.maxWorkflowTasks,
      maxConcurrentActivityTaskPolls: config.workers.orders.pollers,
      maxConcurrentWorkflowTaskPolls: config.workers.orders.pollers,
    },
    metricsPort: config.workers.orders.metricsPort,
    close: () => connection.close(),
  });
});
