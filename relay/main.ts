import { createKafka } from '../core/kafka/client';
import { connectMongo } from '../core/mongo/connection';
import { orderStore } from '../domain/orders/order-store';
import { runProcess } from '../core/process';
import { TOPICS } from '../contracts/topics';
import { OutboxRelay } from './relay';
import { remoteTokenVerifier } from '../core/http/auth';
import { startMetricsServer } from '../core/metrics/server';
import { trackOutboxBacklog } from './metrics';

runProcess('outbox-relay', async (config, logger) => {
  const mongo = await connectMongo(config.mongo);
  const orders = orderStore(mongo);
  await orders.createIndexes();
  // The relay connects the producer itself, and again after a failure, so a Kafka outage only delays it.
  const producer = createKafka(config.kafka, logger).producer({ idempotent: true, maxInFlightRequests: 1 });
  const relay = new OutboxRelay({
    orders,
    producer,
    logger,
    pollMs: config.outbox.pollMs,
    batchSize: config.outbox.batchSize,
  });
  trackOutboxBacklog(orders, logger);
  const metrics = await startMetricsServer({
    host: config.metrics.host,
    port: config.outbox.metricsPort,
    verifyToken: remoteTokenVerifier(config.auth),
    scrapeToken: config.metrics.token,
    logger,
  });
  relay.start();

  return {
    info: {
      topic: TOPICS.orderCreated,
      pollMs: config.outbox.pollMs,
      batchSize: config.outbox.batchSize,
      metrics: metrics.url,
    },
    async stop() {
      await relay.stop();
      await producer.disconnect().catch(() => undefined);
      await mongo.close();
      await metrics.stop();
    },
  };
});
