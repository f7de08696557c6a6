import { TOPICS } from '../contracts/topics';
import { KAFKA, MONGO } from '../core/connections';
import { runService } from '../core/service';
import { orderStore } from '../domain/orders/order-store';
import { trackOutboxBacklog } from './metrics';
import { OutboxRelay } from './relay';

runService({
  name: 'outbox-relay',
  connects: { mongo: MONGO, kafka: KAFKA },
  metricsPort: (config) => config.outbox.metricsPort,
  async start({ config, logger, mongo, kafka }) {
    const orders = orderStore(mongo);
    await orders.createIndexes();
    // The relay connects the producer itself, and again after a failure, so a Kafka outage only delays it.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const relay = new OutboxRelay({
      orders,
      producer,
      logger,
      pollMs: config.outbox.pollMs,
      batchSize: config.outbox.batchSize,
    });
    trackOutboxBacklog(orders, logger);
    relay.start();

    return {
      info: { topic: TOPICS.orderCreated, pollMs: config.outbox.pollMs, batchSize: config.outbox.batchSize },
      async stop() {
        await relay.stop();
        await producer.disconnect().catch(() => undefined);
      },
    };
  },
});
