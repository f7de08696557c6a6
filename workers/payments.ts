/** Worker for task queue `payments`: charge and refund, sized to protect the payment gateway. */
import { createPaymentActivities } from '../activities/payments/activities';
import { GatewaySwitch } from '../domain/payments/gateway-switch';
import { SimulatedGateway } from '../domain/payments/simulated-gateway';
import { connectMongo } from '../core/mongo/connection';
import { runProcess } from '../core/process';
import { startWorker } from './run-worker';
import { TASK_QUEUES } from '../contracts/task-queues';

runProcess('worker-payments', async (config, logger) => {
  const connection = await connectMongo(config.mongo);
  const gateway = new SimulatedGateway({
    connection,
    settings: config.payments,
    gatewaySwitch: new GatewaySwitch(connection),
  });
  return startWorker(config, logger, {
    taskQueue: TASK_QUEUES.payments,
    workflows: false,
    activities: createPaymentActivities({ gateway }),
    options: {
      maxConcurrentActivityTaskExecutions: config.workers.payments.maxActivities,
      maxConcurrentActivityTaskPolls: config.workers.payments.pollers,
      // Enforced by the server for the whole task queue, however many payments workers run.
      maxTaskQueueActivitiesPerSecond: config.workers.payments.ratePerSecond,
    },
    metricsPort: config.workers.payments.metricsPort,
    close: () => connection.close(),
  });
});
