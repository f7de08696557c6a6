import express, { type Express } from 'express';
import { authenticate, requireOperator, type TokenVerifier } from '../../core/http/auth';
import { rateLimitPerCaller, secureDefaults } from '../../core/http/hardening';
import type { Config } from '../../core/config';
import { ApiError, parseOrThrow } from '../../core/http/errors';
import { healthz, readyz } from '../../core/http/health';
import { traceRequests } from '../../core/http/tracing';
import { errorHandler, methodNotAllowed, unknownRoute } from '../../core/http/middleware';
import { analyticsPaths } from '../../contracts/http/analytics/paths';
import type { ReadinessReport } from '../../contracts/http/common';
import type { Logger } from '../../core/logger';
import {
  FactParams,
  SummaryQuery,
  TimeseriesQuery,
  TopSkusQuery,
} from '../../contracts/http/analytics/schemas';
import type { AnalyticsStore } from './store';
import { httpMetrics } from '../../core/metrics/http';
import { metricsRoute } from '../../core/metrics/endpoint';

export interface AnalyticsAppDeps {
  store: Pick<AnalyticsStore, 'summary' | 'timeseries' | 'topSkus' | 'fact'>;
  readiness: () => Promise<ReadinessReport>;
  logger: Logger;
  /** Verifies bearer tokens: every route but health and readiness needs an operator's. */
  verifyToken: TokenVerifier;
  http: Config['http'];
  /** The scrape credential /metrics accepts besides an operator's token (METRICS_TOKEN). */
  metricsToken?: string;
}

/** The analytics service's HTTP side: reports computed from the rollups, and the facts of one order. */
export function createAnalyticsApp(deps: AnalyticsAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics({ paths: analyticsPaths('') }));
  secureDefaults(app, deps.http);

  app.get('/healthz', healthz);
  app.get('/readyz', readyz(deps.readiness, deps.logger));
  app.get('/metrics', ...metricsRoute(deps.verifyToken, deps.metricsToken));
  app.use(traceRequests());
  // Revenue and every customer's orders: operators only.
  app.use(authenticate(deps.verifyToken), rateLimitPerCaller(deps.http.rateLimitPerMinute), requireOperator);

  app.get('/analytics/summary', async (req, res) => {
    res.json(await deps.store.summary(parseOrThrow(SummaryQuery, req.query)));
  });
  app.get('/analytics/timeseries', async (req, res) => {
    res.json(await deps.store.timeseries(parseOrThrow(TimeseriesQuery, req.query)));
  });
  app.get('/analytics/top-skus', async (req, res) => {
    res.json(await deps.store.topSkus(parseOrThrow(TopSkusQuery, req.query)));
  });
  app.get('/analytics/orders/:orderId', async (req, res) => {
    const { orderId } = parseOrThrow(FactParams, req.params);
    const fact = await deps.store.fact(orderId);
    if (!fact) throw new ApiError(404, 'not_found', `no events of order ${orderId} seen yet`);
    res.json(fact);
  });

  app.use(methodNotAllowed(analyticsPaths('')));
  app.use(unknownRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
