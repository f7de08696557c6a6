import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import { errorHandler, jsonBody, methodNotAllowed, unknownRoute } from '../core/http/middleware';
import { orderPaths } from '../contracts/http/orders/paths';
import { openApiDocument } from '../contracts/http/openapi';
import { healthz, readyz } from '../core/http/health';
import { traceRequests } from '../core/http/tracing';
import { authenticate } from '../core/http/auth';
import { codecServer } from '../core/temporal/codec-server';
import { codecGuard, codecSessionRoutes } from './codec-session';
import { consoleRoutes } from './console';
import { corsAllowlist, inFlightLimit, rateLimitPerCaller, securityHeaders } from '../core/http/hardening';
import { auditRoutes } from './routes/audit';
import type { AppDeps, RegisterRoutes } from './deps';
import { cancelOrderRoutes } from './routes/cancel-order';
import { createOrderRoutes } from './routes/create-order';
import { paymentGatewayRoutes } from './routes/payment-gateway';
import { productRoutes } from './routes/products';
import { readOrderRoutes } from './routes/read-orders';
import { retryOrderRoutes } from './routes/retry-orders';
import { taskQueueRoutes } from './routes/task-queues';
import { kafkaOpsRoutes } from './routes/kafka-ops';
import { orderTraceRoutes } from './routes/order-trace';
import { httpMetrics } from '../core/metrics/http';
import { metricsRoute } from '../core/metrics/endpoint';

/** In the order express matches them. */
const ROUTES: readonly RegisterRoutes[] = [
  productRoutes,
  createOrderRoutes,
  readOrderRoutes,
  cancelOrderRoutes,
  // Operator actions: each route requires the operator role and records what it did in the audit log.
  retryOrderRoutes,
  paymentGatewayRoutes,
  taskQueueRoutes,
  kafkaOpsRoutes,
  orderTraceRoutes,
  auditRoutes,
];

/** The order API as an express app. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics({ paths: orderPaths() }));
  // CORS comes after the codec endpoint, which answers the Web UI's origin by an allowlist of its own.
  app.use(securityHeaders());
  const json = jsonBody(deps.config.api.bodyLimitBytes);
  const openApi = openApiDocument({
    api: deps.config.api.publicUrl,
    notifications: deps.config.notifications.publicUrl,
    analytics: deps.config.analytics.publicUrl,
  });

  // Open to anyone: health, readiness and the documents. /metrics has its own guard (operators and the scrape
  // token); everything after authenticate() needs a token.
  app.get('/healthz', healthz);
  app.get('/readyz', readyz(deps.readiness, deps.logger));
  app.get('/metrics', ...metricsRoute(deps.verifyToken, deps.config.metrics.token));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(openApi, { swaggerOptions: { persistAuthorization: true } }),
  );
  // The operator console: a page that holds no data; everything it shows, it fetches with the user's token.
  app.use('/console', consoleRoutes(deps.config));

  // Everything past health and the documents is traced: a span per request, continuing the caller's trace.
  app.use(traceRequests());

  // The Web UI's codec endpoint: operators only. Mounted before the API's own CORS and authentication, because it
  // answers the Web UI's preflight requests (which carry no token) itself.
  if (deps.codec) {
    app.use(
      '/codec',
      codecSessionRoutes(deps.verifyToken, { secureCookie: deps.config.api.publicUrl.startsWith('https:') }),
    );
    const operatorOnly = codecGuard(deps.verifyToken);
    app.use(
      '/codec',
      codecServer({
        codec: deps.codec,
        guard: operatorOnly,
        corsOrigins: deps.config.temporal.codecServer.corsOrigins,
        namespace: deps.config.temporal.namespace,
        bodyLimitBytes: deps.config.temporal.codecServer.bodyLimitBytes,
        logger: deps.logger,
      }),
    );
  }

  app.use(corsAllowlist(deps.config.http.corsOrigins));
  app.use(
    inFlightLimit(deps.config.api.maxInFlight),
    authenticate(deps.verifyToken),
    rateLimitPerCaller(deps.config.http.rateLimitPerMinute),
  );
  for (const register of ROUTES) register(app, { ...deps, json });

  // The API's own paths: those of the other services name their own servers.
  app.use(methodNotAllowed(orderPaths()));
  app.use(unknownRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
