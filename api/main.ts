import { GatewaySwitch } from '../domain/payments/gateway-switch';
import { closeServer, listen } from '../core/http/server';
import { connectMongo } from '../core/mongo/connection';
import { orderStore } from '../domain/orders/order-store';
import { stockStore } from '../domain/stock/stock-store';
import { runProcess } from '../core/process';
import { connectTemporal } from '../core/temporal/connection';
import { createApp } from './app';
import { remoteTokenVerifier } from '../core/http/auth';
import { auditLog } from '../domain/audit/audit-log';
import { payloadCodec } from '../core/temporal/payload-codec';
import { apiReadiness, probeKafkaAdmin } from './readiness';
import { createKafka } from '../core/kafka/client';
import { kafkaAdminAccess } from '../core/readiness';

runProcess('api', async (config, logger) => {
  const mongo = await connectMongo(config.mongo);
  const orders = orderStore(mongo);
  await orders.createIndexes();
  // Lazy: the API takes orders while Temporal is down, and starts while it is.
  const temporal = await connectTemporal(config.temporal, { lazy: true });
  const kafkaAdmin = probeKafkaAdmin(config.kafka, logger);
  const kafka = createKafka(config.kafka, logger);
  const opsAdmin = kafka.admin();

  const audit = auditLog(mongo);
  await audit.model.createIndexes();

  const app = createApp({
    config,
    orders,
    stock: stockStore(mongo),
    audit,
    verifyToken: remoteTokenVerifier(config.auth),
    codec: payloadCodec(config.temporal),
    temporal,
    logger,
    gatewaySwitch: new GatewaySwitch(mongo),
    kafka,
    kafkaAdmin: kafkaAdminAccess(opsAdmin),
    readiness: apiReadiness({ mongo, orders, kafkaAdmin, temporal: temporal.connection }),
  });

  const server = await listen(app, config.api.host, config.api.port);
  const url = config.api.publicUrl;

  return {
    info: { url, docs: `${url}/docs`, metrics: `${url}/metrics` },
    async stop() {
      await closeServer(server);
      await kafkaAdmin.disconnect().catch(() => undefined);
      await opsAdmin.disconnect().catch(() => undefined);
      await temporal.connection.close();
      await mongo.close();
    },
  };
});
