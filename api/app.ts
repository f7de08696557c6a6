import type { Client } from '@temporalio/client';
import type { GatewaySwitch } from '../domain/payments/gateway-switch';
import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '../core/config';
import type { Logger } from '../core/logger';
import type { OrderModel } from '../domain/orders/order-model';
import { errorHandler, jsonBody, unknownRoute } from '../core/http/middleware';
import { openApiDocument } from '../contracts/http/openapi';
import { cancelOrder } from './routes/cancel-order';
import { createOrder } from './routes/create-order';
import { healthz, readyz } from '../core/http/health';
import { gatewayState, setGateway } from './routes/payment-gateway';
import { listProducts } from './routes/products';
import { getOrder, listOrders } from './routes/read-orders';
import { retryFailed, retryOne } from './routes/retry-orders';
import { taskQueues } from './routes/task-queues';
import type { ReadinessReport } from '../contracts/http/orders/schemas';

export interface AppDeps {
  config: Config;
  orders: OrderModel;
  temporal: { client: Client };
  readiness: () => Promise<ReadinessReport>;
  /** The simulated payment gateway's operator switch. */
  gatewaySwitch: GatewaySwitch;
  logger: Logger;
}

/** The order API as an express app; every dependency is passed in, so tests run it against whatever they choose. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const json = jsonBody(deps.config.api.bodyLimitBytes);
  const openApi = openApiDocument({
    api: deps.config.api.publicUrl,
    notifications: deps.config.notifications.publicUrl,
    analytics: deps.config.analytics.publicUrl,
  });

  app.get('/healthz', healthz);
  app.get('/readyz', readyz(deps.readiness, deps.logger));

  app.get('/products', listProducts(deps.orders));
  app.post('/orders', json, createOrder(deps));
  app.get('/orders', listOrders(deps));
  app.get('/orders/:id', getOrder(deps));
  app.post('/orders/:id/cancel', json, cancelOrder(deps));
  // Operator actions (access control is not in place yet: keep the API on a private network).
  app.post('/orders/retry', json, retryFailed(deps));
  app.post('/orders/:id/retry', retryOne(deps));
  app.get('/ops/payment-gateway', gatewayState(deps.gatewaySwitch));
  app.put('/ops/payment-gateway', json, setGateway(deps.gatewaySwitch, deps.logger));
  app.get('/ops/task-queues', taskQueues(deps));

  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openApi));

  app.use(unknownRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
