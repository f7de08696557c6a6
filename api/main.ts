import { GatewaySwitch } from '../domain/payments/gateway-switch';
import { closeServer, listen } from '../core/http/server';
import { orderStore } from '../domain/orders/order-store';
import { stockStore } from '../domain/stock/stock-store';
import { runService } from '../core/service';
import { KAFKA, MONGO, TEMPORAL } from '../core/connections';
import { createApp } from './app';
import { remoteTokenVerifier } from '../core/http/auth';
import { auditLog } from '../domain/audit/audit-log';
import { payloadCodec } from '../core/temporal/payload-codec';
import { apiReadiness, probeKafkaAdmin } from './readiness';
import { kafkaAdminAccess } from '../core/readiness';

runService({
  name: 'api',
  connects: { mongo: MONGO, temporal: TEMPORAL, kafka: KAFKA },
  async start({ config, logger, mongo, temporal, kafka }) {
    const orders = orderStore(mongo);
    await orders.createIndexes();
    const kafkaAdmin = probeKafkaAdmin(config.kafka, logger);
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
      },
    };
  },
});
