import express, { type ErrorRequestHandler, type Express } from 'express';
import { parseOrThrow, ApiError } from '../../core/http/errors';
import { healthz, readyz } from '../../core/http/health';
import { errorHandler, jsonBody, unknownRoute } from '../../core/http/middleware';
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

export interface NotificationsAppDeps {
  store: Pick<NotificationStore, 'history'>;
  webhooks: WebhookRegistry;
  streams: NotificationStreams;
  readiness: () => Promise<ReadinessReport>;
  logger: Logger;
}

const BODY_LIMIT_BYTES = 16 * 1024;

/** The notification service's HTTP side: SSE streams, history and webhook registration. */
export function createNotificationsApp(deps: NotificationsAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const json = jsonBody(BODY_LIMIT_BYTES);

  app.get('/healthz', healthz);
  app.get('/readyz', readyz(deps.readiness, deps.logger));

  app.get('/notifications/stream', deps.streams.handler);
  app.get('/notifications', async (req, res) => {
    const query = parseOrThrow(HistoryQuery, req.query);
    const page = await deps.store.history(query);
    res.json({ items: page.items.map(notificationView), nextCursor: page.nextCursor });
  });

  app.post('/webhooks', json, async (req, res) => {
    const body = parseOrThrow(RegisterWebhookRequest, req.body);
    const webhook = await deps.webhooks.registerWebhook(body);
    res
      .status(201)
      .location(`/webhooks/${webhook._id}`)
      .json({ ...webhookView(webhook), secret: webhook.secret });
  });
  app.get('/webhooks', async (req, res) => {
    const { customerId } = parseOrThrow(WebhooksQuery, req.query);
    res.json((await deps.webhooks.listWebhooks(customerId)).map(webhookView));
  });
  app.delete('/webhooks/:id', async (req, res) => {
    const { id } = parseOrThrow(WebhookIdParams, req.params);
    if (!(await deps.webhooks.deleteWebhook(id))) throw notFound(id);
    res.status(204).end();
  });
  app.post('/webhooks/:id/rotate-secret', async (req, res) => {
    const { id } = parseOrThrow(WebhookIdParams, req.params);
    const rotated = await deps.webhooks.rotateSecret(id);
    if (!rotated) throw notFound(id);
    res.json({
      ...webhookView(rotated.webhook),
      secret: rotated.secret,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString(),
    });
  });
  app.get('/webhooks/:id/deliveries', async (req, res) => {
    const { id } = parseOrThrow(WebhookIdParams, req.params);
    const { limit } = parseOrThrow(DeliveriesQuery, req.query);
    res.json((await deps.webhooks.deliveries(id, { limit })).map(deliveryView));
  });

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
