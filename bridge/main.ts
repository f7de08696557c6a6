import { createKafka } from '../core/kafka/client';
import { runProcess } from '../core/process';
import { connectTemporal } from '../core/temporal/connection';
import { ORDERS_TASK_QUEUE } from '../contracts/order-workflow';
import { OrderBridge } from './bridge';

runProcess('bridge', async (config, logger) => {
  const kafka = createKafka(config.kafka, logger);
  const { client, connection } = await connectTemporal(config.temporal);
  const bridge = new OrderBridge({ kafka, client, logger, ...config.bridge, taskQueue: ORDERS_TASK_QUEUE });
  try {
    await bridge.start();
  } catch (err) {
    await bridge.stop().catch(() => undefined);
    await connection.close();
    throw err;
  }
  return {
    info: { groupId: config.bridge.groupId, taskQueue: ORDERS_TASK_QUEUE },
    async stop() {
      await bridge.stop();
      await connection.close();
    },
  };
});
