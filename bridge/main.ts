import { createKafka } from '../core/kafka/client';
import { runProcess } from '../core/process';
import { connectTemporal } from '../core/temporal/connection';
import { OrderBridge } from './bridge';
import { TASK_QUEUES } from '../contracts/task-queues';

runProcess('bridge', async (config, logger) => {
  const kafka = createKafka(config.kafka, logger);
  const { client, connection } = await connectTemporal(config.temporal);
  const bridge = new OrderBridge({ kafka, client, logger, ...config.bridge, taskQueue: TASK_QUEUES.orders });
  try {
    await bridge.start();
  } catch (err) {
    await bridge.stop().catch(() => undefined);
    await connection.close();
    throw err;
  }
  return {
    info: { groupId: config.bridge.groupId, taskQueue: TASK_QUEUES.orders },
    async stop() {
      await bridge.stop();
      await connection.close();
    },
  };
});
