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
    all: z
      .enum(['true'], { error: 'expected true (or leave it out)' })
      .optional()
      .describe("Operators only: every customer's notifications (the operator console's live feed)."),
  })
  .describe(
    'A customer streams their own notifications (optionally one order); an operator names a customer or an ' +
      'order, or asks for all of them.',
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

const SECRET = 'expected whsec_ followed by the base64 of 24-64 random bytes';

export const RegisterWebhookRequest = z
  .strictObject(
    {
      customerId: CustomerId.optional().describe(
        'Operators only (required for them): whose notifications. A customer registers for themselves.',
      ),
      url: z
        .url({ protocol: /^https?$/, error: 'expected an https URL' })
        .max(2000, 'expected at most 2000 characters')
        .describe(
          'Where to POST notifications: https, to a host whose every address is public (no loopback, private, ' +
            'link-local or otherwise special address), checked at registration and again on every connection.',
        ),
      secret: z
        .string({ error: SECRET })
        .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, SECRET)
        .optional()
        .describe(
          'A Standard Webhooks secret of your own; generated when absent. Returned once, on registration.',
        ),
    },
    { error: 'expected a JSON object' },
  )
  .describe(
    "Deliver this customer's notifications to a URL, signed the Standard Webhooks way (HMAC-SHA256). A customer " +
      'may have a limited number of active webhooks (409 webhook_limit_reached beyond it).',
  );

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

const SigningSecret = z
  .string()
  .describe(
    'whsec_<base64>: verify the webhook-signature header with it (Standard Webhooks). Shown only here.',
  );

export const RegisteredWebhook = Webhook.extend({ secret: SigningSecret });

export const RotatedWebhookSecret = Webhook.extend({
  secret: SigningSecret,
  previousSecretExpiresAt: z.iso
    .datetime()
    .describe(
      'Until then every delivery carries a signature by the previous secret as well as by this one, so a ' +
        'receiver can switch to this secret at any moment before it.',
    ),
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
