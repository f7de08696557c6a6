import { z } from 'zod';
import { Cents, Currency, FailureReason, FinalStatus, OrderId } from '../../events';
import { CustomerId } from '../common';

/**
 * The notification service's HTTP contract: requests are validated with these schemas and the OpenAPI document is
 * generated from the same objects.
 */

const LIMIT = 'expected a whole number 1-100';
const limit = z.coerce.number({ error: LIMIT }).int(LIMIT).min(1, LIMIT).max(100, LIMIT).default(20);

export const StreamQuery = z
  .strictObject({
    customerId: CustomerId.optional(),
    orderId: OrderId.optional(),
    lastEventId: z
      .string()
      .max(4096)
      .optional()
      .describe('Same as the Last-Event-ID header, for clients that cannot set headers.'),
    ticket: z
      .string()
      .max(100)
      .optional()
      .describe(
        'A stream ticket (POST /notifications/stream-tickets), for clients that cannot send a token.',
      ),
  })
  .describe(
    'A customer streams their own notifications (optionally one order); an operator names a customer or an order.',
  );

export const HistoryQuery = z.strictObject({
  customerId: CustomerId.optional().describe(
    'Operators only (required for them); a customer reads their own.',
  ),
  limit,
  cursor: z
    .string({ error: 'expected the nextCursor of a previous page' })
    .max(1000, 'expected the nextCursor of a previous page')
    .optional()
    .describe('The nextCursor of the previous page.'),
});

export const RegisterWebhookRequest = z
  .strictObject(
    {
      customerId: CustomerId.optional().describe(
        'Operators only (required for them): whose notifications. A customer registers for themselves.',
      ),
      url: z
        .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
        .max(2000, 'expected at most 2000 characters'),
      secret: z
        .string({ error: 'expected a string of 16-200 characters' })
        .min(16, 'expected a string of 16-200 characters')
        .max(200, 'expected a string of 16-200 characters')
        .optional()
        .describe('The HMAC key; generated when absent. Returned once, on registration.'),
    },
    { error: 'expected a JSON object' },
  )
  .describe("Deliver this customer's notifications to a URL, signed with HMAC-SHA256.");

export const WebhookIdParams = z.strictObject({ id: z.uuid({ error: 'expected a webhook id (UUID)' }) });
export const WebhooksQuery = z.strictObject({
  customerId: CustomerId.optional().describe(
    'Operators only (required for them); a customer lists their own.',
  ),
});
export const DeliveriesQuery = z.strictObject({ limit });

// ---- responses ----

export const Notification = z.object({
  id: z.string().describe('The eventId of the order-processed event behind it.'),
  orderId: OrderId,
  customerId: z.string(),
  status: FinalStatus,
  title: z.string(),
  body: z.string(),
  reason: FailureReason.nullable(),
  totalCents: Cents,
  currency: Currency,
  occurredAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
});

export const NotificationPage = z.object({
  items: z.array(Notification),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
});

export const Webhook = z.object({
  id: z.uuid(),
  customerId: z.string(),
  url: z.url(),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
});

export const RegisteredWebhook = Webhook.extend({
  secret: z.string().describe('Verify the Webhook-Signature header with it. Shown only here.'),
});

export const WebhookList = z.array(Webhook);

export const WebhookDelivery = z.object({
  id: z.string(),
  notificationId: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.iso.datetime().nullable(),
  deliveredAt: z.iso.datetime().nullable(),
  log: z.array(
    z.object({
      at: z.iso.datetime(),
      attempt: z.number().int(),
      statusCode: z.number().int().optional(),
      error: z.string().optional(),
      durationMs: z.number(),
    }),
  ),
});

export const WebhookDeliveryList = z.array(WebhookDelivery);

export const StreamTicket = z.object({
  ticket: z.string().describe('Pass as `ticket` to GET /notifications/stream; good for one opening.'),
  expiresAt: z.iso.datetime(),
});
