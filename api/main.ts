import { GatewaySwitch } from '../domain/payments/gateway-switch';
import { closeServer, listen } from '../core/http/server';
import { createKafka } from '../core/kafka/client';
import { connectMongo } from '../core/mongo/connection';
import { orderModel } from '../domain/orders/order-model';
import { runProcess } from '../core/process';
import { connectTemporal } from '../core/temporal/connection';
import { createApp } from './app';
import {
  createReadiness,
  kafkaAdminAccess,
  kafkaCheck,
  mongoCheck,
  READINESS_TIMEOUT_MS,
  temporalCheck,
} from '../core/readiness';

runProcess('api', async (config, logger) => {
  const mongo = await connectMongo(config.mongo);
  const orders = orderModel(mongo);
  await orders.createIndexes();
  const temporal = await connectTemporal(config.temporal);
  // Short timeouts and no retries: a readiness probe must answer quickly, not wait out a broker.
  const kafkaAdmin = createKafka(config.kafka, logger, {
    connectionTimeout: READINESS_TIMEOUT_MS,
    requestTimeout: READINESS_TIMEOUT_MS,
    retry: { retries: 0 },
  }).admin();

  const app = createApp({
    config,
    orders,
    temporal,
    logger,
    gatewaySwitch: new GatewaySwitch(mongo),
    readiness: createReadiness({
      checks: {
        kafka: kafkaCheck(kafkaAdminAccess(kafkaAdmin)),
        mongo: mongoCheck(mongo),
        temporal: temporalCheck(temporal.connection),
      },
    }),
  });

  const server = await listen(app, config.api.host, config.api.port);
  const url = config.api.publicUrl;

  return {
    info: { url, docs: `${url}/docs` },
    async stop() {
      await closeServer(server);
      await kafkaAdmin.disconnect().catch(() => undefined);
      await temporal.connection.close();
      await mongo.close();
    },
  };
});
