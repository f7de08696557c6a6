import { TASK_QUEUES } from '../contracts/task-queues';
import { createKafka } from '../core/kafka/client';
import { connectMongo } from '../core/mongo/connection';
import { runProcess } from '../core/process';
import { connectTemporal } from '../core/temporal/connection';
import { orderStore } from '../domain/orders/order-store';
import { storedStatus } from '../domain/orders/start-order';
import { OrderBridge } from './bridge';
import { staleOrderSweep } from './stale-sweep';
import { remoteTokenVerifier } from '../core/http/auth';
import { startMetricsServer } from '../core/metrics/server';

runProcess('bridge', async (config, logger) => {
  const kafka = createKafka(config.kafka, logger);
  // The order store is asked before any start: a finished order is never started again.
  const mongo = await connectMongo(config.mongo);
  const orders = orderStore(mongo);
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
  const metrics = await startMetricsServer({
    host: config.metrics.host,
    port: config.bridge.metricsPort,
    verifyToken: remoteTokenVerifier(config.auth),
    scrapeToken: config.metrics.token,
    logger,
  });
  try {
    await bridge.start();
    sweep?.start();
  } catch (err) {
    await metrics.stop();
    await bridge.stop().catch(() => undefined);
    await connection.close();
    await mongo.close();
    throw err;
  }
  return {
    info: { groupId: config.bridge.groupId, taskQueue: TASK_QUEUES.orders, metrics: metrics.url },
    async stop() {
      await sweep?.stop();
      await bridge.stop();
      await connection.close();
      await mongo.close();
      await metrics.stop();
    },
  };
});
