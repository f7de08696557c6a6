import { createKafka } from '../common/kafka';
import { connectMongo } from '../common/mongo';
import { orderModel } from '../common/order-model';
import { runProcess } from '../common/process';
import { TOPICS } from '../common/topics';
import { OutboxRelay } from './outbox-relay';

runProcess('outbox-relay', async (config, logger) => {
  const mongo = await connectMongo(config.mongo);
  const orders = orderModel(mongo);
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
  relay.start();

  return {
    info: { topic: TOPICS.orderCreated, pollMs: config.outbox.pollMs, batchSize: config.outbox.batchSize },
    async stop() {
      await relay.stop();
      await producer.disconnect().catch(() => undefined);
      await mongo.close();
    },
  };
});
