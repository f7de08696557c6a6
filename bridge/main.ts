import { TASK_QUEUES } from '../contracts/task-queues';
import { KAFKA, MONGO, TEMPORAL } from '../core/connections';
import { runService } from '../core/service';
import { orderStore } from '../domain/orders/order-store';
import { OrderBridge } from './bridge';
import { staleOrderSweep } from './stale-sweep';

runService({
  name: 'bridge',
  // Mongo: the order store is asked before any start, so a finished order is never started again.
  connects: { kafka: KAFKA, mongo: MONGO, temporal: TEMPORAL },
  metricsPort: (config) => config.bridge.metricsPort,
  async start({ config, logger, kafka, mongo, temporal: { client } }) {
    const orders = orderStore(mongo);
    const bridge = new OrderBridge({
      kafka,
      client,
      orders,
      logger,
      ...config.bridge,
      taskQueue: TASK_QUEUES.orders,
      completionTimeoutMs: config.orders.completionTimeoutMs,
    });
    const sweep = staleOrderSweep(config, logger, { orders, client });
    try {
      await bridge.start();
      sweep?.start();
    } catch (err) {
      await bridge.stop().catch(() => undefined);
      throw err;
    }
    return {
      info: { groupId: config.bridge.groupId, taskQueue: TASK_QUEUES.orders },
      async stop() {
        await sweep?.stop();
        await bridge.stop();
      },
    };
  },
});
