import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import {
  actingCustomer,
  authenticate,
  mayAccess,
  principalOf,
  type Principal,
  type TokenVerifier,
} from '../../core/http/auth';
import type { NotificationFilter } from './access';
import type { StreamTickets } from './tickets';
import { rateLimitPerCaller, secureDefaults } from '../../core/http/hardening';
import type { Config } from '../../core/config';
import { parseOrThrow, ApiError } from '../../core/http/errors';
import { healthz, readyz } from '../../core/http/health';
import { traceRequests } from '../../core/http/tracing';
import { errorHandler, jsonBody, methodNotAllowed, unknownRoute } from '../../core/http/middleware';
import { notificationPaths } from '../../contracts/http/notifications/paths';
import type { ReadinessReport } from '../../contracts/http/common';
import type { Logger } from '../../core/logger';
import type { WebhookDeliveryDoc, WebhookDoc } from './models';
import {
  DeliveriesQuery,
  HistoryQuery,
  RegisterWebhookRequest,
  WebhookIdParams,
  WebhooksQuery,
} from '../../contracts/http/notifications/schemas';
import type { NotificationStore } from './store';
import type { NotificationStreams } from './stream';
import { notificationView } from './view';
import { WebhookLimitError, type WebhookRegistry } from './webhooks';
import { httpMetrics } from '../../core/metrics/http';
import { metricsRoute } from '../../core/metrics/endpoint';

export interface NotificationsAppDeps {
  store: Pick<NotificationStore, 'history'>;
  webhooks: WebhookRegistry;
  streams: NotificationStreams;
  readiness: () => Promise<ReadinessReport>;
  logger: Logger;
  /** Verifies bearer tokens: every route but health and readiness needs one (or, for the stream, a ticket). */
  verifyToken: TokenVerifier;
  http: Config['http'];
  tickets: StreamTickets;
  scope: (principal: Principal, wanted: NotificationFilter) => Promise<NotificationFilter>;
  /** The scrape credential /metrics accepts besides an operator's token (METRICS_TOKEN). */
  metricsToken?: string;
}

const BODY_LIMIT_BYTES = 16 * 1024;

/** The notification service's HTTP side: SSE streams, history and webhook registration. */
export function createNotificationsApp(deps: NotificationsAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics({ paths: notificationPaths('') }));
  secureDefaults(app, deps.http);
  const limit = rateLimitPerCaller(deps.http.rateLimitPerMinute);
  const json = jsonBody(BODY_LIMIT_BYTES);

  app.get('/healthz', healthz);
  app.get('/readyz', readyz(deps.readiness, deps.logger));
  app.get('/metrics', ...metricsRoute(deps.verifyToken, deps.metricsToken));
  app.use(traceRequests());

  // The stream also takes a ticket in its URL (browsers' EventSource sends no headers); everything else a token.
  const ticket = async (req: Request) => {
    const value = typeof req.query.ticket === 'string' ? req.query.ticket : undefined;
    if (value === undefined) return undefined;
    const principal = await deps.tickets.redeem(value);
    if (!principal) throw new ApiError(401, 'unauthorized', 'the stream ticket is unknown, used or expired');
    return principal;
  };
  app.get('/notifications/stream', authenticate(deps.verifyToken, ticket), limit, deps.streams.handler);
  app.use(authenticate(deps.verifyToken), limit);

  app.post('/notifications/stream-tickets', async (_req, res) => {
    const { ticket: value, expiresAt } = await deps.tickets.issue(principalOf(res));
    res.status(201).json({ ticket: value, expiresAt: expiresAt.toISOString() });
  });
  app.get('/notifications', async (req, res) => {
    const { customerId: wanted, ...query } = parseOrThrow(HistoryQuery, req.query);
    const principal = principalOf(res);
    const customerId = actingCustomer(principal, wanted, 'customerId');
    const page = await deps.store.history({ ...query, customerId });
    res.json({ items: page.items.map(notificationView), nextCursor: page.nextCursor });
  });

  app.post('/webhooks', json, async (req, res) => {
    const { customerId: wanted, ...body } = parseOrThrow(RegisterWebhookRequest, req.body);
    const customerId = actingCustomer(principalOf(res), wanted, 'customerId');
    const webhook = await deps.webhooks.registerWebhook({ ...body, customerId });
    res
      .status(201)
      .location(`/webhooks/${webhook._id}`)
      .json({ ...webhookView(webhook), secret: webhook.secret });
  });
  app.get('/webhooks', async (req, res) => {
    const { customerId: wanted } = parseOrThrow(WebhooksQuery, req.query);
    const customerId = actingCustomer(principalOf(res), wanted, 'customerId');
    res.json((await deps.webhooks.listWebhooks(customerId)).map(webhookView));
  });
  /** The webhook `:id` names, if the caller may see it; another customer's is "no such webhook". */
  const ownWebhook = async (req: Request, res: Response): Promise<string> => {
    const { id } = parseOrThrow(WebhookIdParams, req.params);
    const owner = await deps.webhooks.ownerOf(id);
    if (owner === undefined || !mayAccess(principalOf(res), owner)) throw notFound(id);
    return id;
  };
  app.delete('/webhooks/:id', async (req, res) => {
    const id = await ownWebhook(req, res);
    if (!(await deps.webhooks.deleteWebhook(id))) throw notFound(id);
    res.status(204).end();
  });
  app.post('/webhooks/:id/rotate-secret', async (req, res) => {
    const id = await ownWebhook(req, res);
    const rotated = await deps.webhooks.rotateSecret(id);
    if (!rotated) throw notFound(id);
    res.json({
      ...webhookView(rotated.webhook),
      secret: rotated.secret,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString(),
    });
  });
  app.get('/webhooks/:id/deliveries', async (req, res) => {
    const id = await ownWebhook(req, res);
    const { limit } = parseOrThrow(DeliveriesQuery, req.query);
    res.json((await deps.webhooks.deliveries(id, { limit })).map(deliveryView));
  });

  app.use(methodNotAllowed(notificationPaths('')));
  app.use(unknownRoute);
  app.use(webhookErrors);
  app.use(errorHandler(deps.logger));
  return app;
}

/** The registry's own refusals, as the HTTP answers the contract names. */
const webhookErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  if (err instanceof WebhookLimitError) {
    return next(
      new ApiError(409, 'webhook_limit_reached', err.message, [
        { field: 'customerId', problem: `already has ${err.max} active webhooks, the most allowed` },
      ]),
    );
  }
  next(err);
};

function notFound(id: string): ApiError {
  return new ApiError(404, 'not_found', `no webhook ${id}`);
}

function webhookView(w: Omit<WebhookDoc, 'secret'>) {
  return {
    id: w._id,
    customerId: w.customerId,
    url: w.url,
    active: w.active,
    createdAt: w.createdAt.toISOString(),
  };
}

function deliveryView(d: WebhookDeliveryDoc) {
  return {
    id: d._id,
    notificationId: d.notificationId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    deliveredAt: d.deliveredAt ? d.deliveredAt.toISOString() : null,
    log: d.log.map((a) => ({ ...a, at: a.at.toISOString() })),
  };
}
