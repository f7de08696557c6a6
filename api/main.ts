import type { Server } from 'node:http';
import { createKafka } from '../common/kafka';
import { connectMongo } from '../common/mongo';
import { orderModel } from '../common/order-model';
import { runProcess } from '../common/process';
import { connectTemporal } from '../common/temporal';
import { createApp } from './app';
import { createReadiness } from './readiness';

const READINESS_TIMEOUT_MS = 2_000;

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
    readiness: createReadiness({
      kafkaAdmin,
      mongo,
      temporal: temporal.connection,
      timeoutMs: READINESS_TIMEOUT_MS,
    }),
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.api.port, config.api.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Outlive the idle keep-alive of clients and load balancers (commonly 60 s): a server that closes an idle
  // connection first races the client's next request on it, which then fails with "other side closed".
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const url = config.api.publicUrl;

  return {
    info: { url, docs: `${url}/docs` },
    async stop() {
      // Stop accepting and let in-flight requests finish before their connections go away.
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      });
      await kafkaAdmin.disconnect().catch(() => undefined);
      await temporal.connection.close();
      await mongo.close();
    },
  };
});
