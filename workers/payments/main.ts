/** Worker for task queue `payments`: charge and refund, sized to protect the payment gateway. */
import { createPaymentActivities } from '../../activities/payments/activities';
import { GatewaySwitch } from '../../domain/payments/gateway-switch';
import { SimulatedGateway } from '../../domain/payments/simulated-gateway';
import { MONGO } from '../../core/connections';
import { runService } from '../../core/service';
import { startWorker } from '../run-worker';
import { TASK_QUEUES } from '../../contracts/task-queues';

runService({
  name: 'worker-payments',
  connects: { mongo: MONGO },
  metricsPort: (config) => config.workers.payments.metricsPort,
  async start({ config, logger, mongo }) {
    const gateway = new SimulatedGateway({
      connection: mongo,
      settings: config.payments,
      gatewaySwitch: new GatewaySwitch(mongo),
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
    });
  },
});
