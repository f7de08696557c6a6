import { TASK_QUEUES } from '../contracts/task-queues';
import { createKafka } from '../core/kafka/client';
import { connectMongo } from '../core/mongo/connection';
import { runProcess } from '../core/process';
import { connectTemporal } from '../core/temporal/connection';
import { orderModel } from '../domain/orders/order-model';
import { storedStatus } from '../domain/orders/start-order';
import { OrderBridge } from './bridge';
import { staleOrderSweep } from './stale-sweep';

runProcess('bridge', async (config, logger) => {
  const kafka = createKafka(config.kafka, logger);
  // The order store is asked before any start: a finished order is never started again.
  const mongo = await connectMongo(config.mongo);
  const orders = orderModel(mongo);
  // Lazy: started while Temporal is down, the bridge waits for it like for any outage.
  const { client, connection } = await connectTemporal(config.temporal, { lazy: true });
  const bridge = new OrderBridge({
    kafka,
    client,
    status: storedStatus(orders),
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
    await connection.close();
    await mongo.close();
    throw err;
  }
  return {
    info: { groupId: config.bridge.groupId, taskQueue: TASK_QUEUES.orders },
    async stop() {
      await sweep?.stop();
      await bridge.stop();
      await connection.close();
      await mongo.close();
    },
  };
});
