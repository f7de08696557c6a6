import type { z } from 'zod';
import { error, jsonContent, parameter, queryParameters, type Json } from '../openapi-builders';
import {
  DeliveriesQuery,
  HistoryQuery,
  Notification,
  NotificationPage,
  RegisteredWebhook,
  RegisterWebhookRequest,
  RotatedWebhookSecret,
  StreamQuery,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookList,
  WebhooksQuery,
  StreamTicket,
} from './schemas';

export const NOTIFICATION_COMPONENTS: Record<string, z.ZodType> = {
  Notification,
  NotificationPage,
  RegisterWebhookRequest,
  RegisteredWebhook,
  RotatedWebhookSecret,
  Webhook,
  WebhookList,
  WebhookDelivery,
  WebhookDeliveryList,
  StreamTicket,
};

const webhookId = parameter('id', 'path', Webhook.shape.id);

/** The notification service's endpoints, served at `url`. */
export function notificationPaths(url: string): Record<string, Json> {
  const servers = [{ url, description: 'notification service' }];
  return {
    '/notifications/stream': {
      servers,
      get: {
        summary: "Server-Sent Events: a customer's (or an order's) notifications as they happen",
        description:
          'Events: `notification` (data: a Notification) and `ready` (caught up, now live); `: heartbeat` ' +
          'comments keep the connection open. Every event id is a stream position: reconnect with it as ' +
          'Last-Event-ID (EventSource does) to receive exactly what was missed, from any replica. Authenticate ' +
          'with a bearer token, or (browsers: EventSource sends no headers) a `ticket` from ' +
          'POST /notifications/stream-tickets; to reconnect, get a new ticket and pass `lastEventId`.',
        operationId: 'streamNotifications',
        parameters: [
          ...queryParameters(StreamQuery),
          {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            description: 'Resume after this event id.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'An event stream',
            content: {
              'text/event-stream': {
                // Each event, as a client's parser hands it over.
                schema: {
                  type: 'object',
                  properties: {
                    event: { type: 'string', enum: ['notification', 'ready'] },
                    id: { type: 'string' },
                    data: { type: 'string', description: 'JSON: a Notification, or the ready positions' },
                  },
                },
              },
            },
          },
          '400': error('validation_failed'),
        },
      },
    },
    '/notifications/stream-tickets': {
      servers,
      post: {
        summary: 'A single-use ticket to open the stream with, valid for a minute',
        description:
          'For browsers, whose EventSource cannot send an Authorization header: the ticket stands for the ' +
          'caller’s token for one stream opening, so no long-lived credential ever sits in a URL.',
        operationId: 'createStreamTicket',
        responses: { '201': { description: 'The ticket', ...jsonContent('StreamTicket') } },
      },
    },
    '/notifications': {
      servers,
      get: {
        summary: "A customer's notifications, newest first",
        operationId: 'listNotifications',
        parameters: queryParameters(HistoryQuery),
        responses: {
          '200': { description: 'A page', ...jsonContent('NotificationPage') },
          '400': error('validation_failed'),
        },
      },
    },
    '/webhooks': {
      servers,
      post: {
        summary: "Deliver a customer's notifications to a URL",
        description:
          'Each delivery is a POST of `{ id, type, createdAt, data: Notification }` signed the Standard Webhooks ' +
          'way (https://www.standardwebhooks.com): headers webhook-id (the notification id, the same on every ' +
          'attempt: dedupe on it), webhook-timestamp (unix seconds) and webhook-signature (space-separated ' +
          '`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per secret in use), plus ' +
          'Webhook-Delivery and Webhook-Attempt for information. A non-2xx answer or a timeout is retried with ' +
          'exponential backoff; redirects are not followed. The URL must be https and every address of its ' +
          'host public; this is checked again on every connection.',
        operationId: 'registerWebhook',
        requestBody: { required: true, ...jsonContent('RegisterWebhookRequest') },
        responses: {
          '201': {
            description: 'Registered; the secret is shown only here',
            ...jsonContent('RegisteredWebhook'),
          },
          '400': error(
            'validation_failed (naming the field and why, e.g. a URL that is not public), malformed_json',
          ),
          '409': error('webhook_limit_reached: the customer has as many active webhooks as allowed'),
        },
      },
      get: {
        summary: "A customer's active webhooks",
        operationId: 'listWebhooks',
        parameters: queryParameters(WebhooksQuery),
        responses: { '200': { description: 'Webhooks', ...jsonContent('WebhookList') } },
      },
    },
    '/webhooks/{id}': {
      servers,
      delete: {
        summary: 'Stop delivering to a webhook (its delivery log stays readable)',
        operationId: 'deleteWebhook',
        parameters: [webhookId],
        responses: { '204': { description: 'Deleted' }, '404': error('not_found') },
      },
    },
    '/webhooks/{id}/rotate-secret': {
      servers,
      post: {
        summary: "Replace a webhook's signing secret",
        description:
          'Returns the new secret, once. Until `previousSecretExpiresAt` every delivery is signed with both the ' +
          'new and the previous secret (two signatures in webhook-signature), so the receiver can switch ' +
          'without rejecting a delivery; after it, with the new one only. Rotating again within that period ' +
          'drops the oldest secret at once.',
        operationId: 'rotateWebhookSecret',
        parameters: [webhookId],
        responses: {
          '200': {
            description: 'Rotated; the new secret is shown only here',
            ...jsonContent('RotatedWebhookSecret'),
          },
          '404': error('not_found'),
        },
      },
    },
    '/webhooks/{id}/deliveries': {
      servers,
      get: {
        summary: "A webhook's delivery log, newest first",
        operationId: 'listWebhookDeliveries',
        parameters: [webhookId, ...queryParameters(DeliveriesQuery)],
        responses: { '200': { description: 'Deliveries', ...jsonContent('WebhookDeliveryList') } },
      },
    },
  };
}
