import { createKafka } from '../common/kafka';
import { runProcess } from '../common/process';
import { connectTemporal } from '../common/temporal';
import { ORDERS_TASK_QUEUE } from '../workflows/order-contract';
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
