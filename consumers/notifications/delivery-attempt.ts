import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { backoffDelay, type Backoff } from '../../core/backoff';
import type { Keyring } from '../../core/crypto/keyring';
import type { Logger } from '../../core/logger';
import type { TargetRules } from '../../core/net/public-target';
import { contextFrom } from '../../core/tracing/propagation';
import { inSpan, ORDER_ID } from '../../core/tracing/spans';
import {
  NO_LEASE,
  type DeliveryAttempt,
  type NotificationDoc,
  type NotificationModels,
  type OutboxDoc,
  type WebhookDeliveryDoc,
  type WebhookDoc,
} from './models';
import { webhookDeliveries } from './metrics';
import { sendWebhook, type SendOutcome } from './webhook-request';
import { signingSecrets } from './webhook-secrets';

/**
 * One attempt at a webhook delivery whose lease (in the outbox) the dispatcher holds: sign with the webhook's secrets
 * as of now, send through the target rules, log the attempt, and settle what comes next (delivered or given up: out
 * of the outbox; retried after a backoff) only while the lease is still this dispatcher's.
 */

/** What an attempt needs: the collections, the keys and target rules, and the retry settings. */
export interface AttemptContext {
  models: NotificationModels;
  keyring: Keyring;
  targets: TargetRules;
  logger: Logger;
  /** Milliseconds since the epoch. */
  now: () => number;
  settings: { timeoutMs: number; maxAttempts: number; backoff: Backoff };
}

/** An attempt is a span, child of the consumer's span that queued the delivery: the order's trace ends here. */
export function attemptDelivery(ctx: AttemptContext, delivery: OutboxDoc, lease: Date): Promise<void> {
  const attributes = {
    'webhook.id': delivery.webhookId,
    'webhook.delivery.id': delivery._id,
    'webhook.attempt': delivery.attempts + 1,
  };
  const parent = contextFrom(delivery.traceContext);
  return inSpan('deliver webhook', { kind: SpanKind.CLIENT, attributes, parent }, (span) =>
    makeAttempt(ctx, delivery, lease, span),
  );
}

async function makeAttempt(ctx: AttemptContext, delivery: OutboxDoc, lease: Date, span: Span): Promise<void> {
  const attempt = delivery.attempts + 1;
  const [webhook, notification] = await Promise.all([
    ctx.models.webhooks.findById(delivery.webhookId).lean<WebhookDoc>(),
    ctx.models.notifications.findById(delivery.notificationId).lean<NotificationDoc>(),
  ]);
  const orderId = notification?.orderId;
  if (orderId !== undefined) span.setAttribute(ORDER_ID, orderId);
  const log = ctx.logger.child({
    deliveryId: delivery._id,
    webhookId: delivery.webhookId,
    attempt,
    ...(orderId === undefined ? {} : { orderId }),
  });
  if (!webhook?.active || !notification) {
    const error = !webhook?.active ? 'not sent: the webhook was deleted' : 'not sent: notification not found';
    log.warn(error);
    await record(
      ctx,
      delivery,
      lease,
      { status: 'failed' },
      { at: new Date(ctx.now()), attempt, error, durationMs: 0 },
      false,
    );
    webhookDeliveries.inc({ result: 'dropped' });
    return;
  }

  const { statusCode, error, durationMs } = await send(ctx, delivery, webhook, notification, attempt, log);
  if (statusCode !== undefined) span.setAttribute('http.response.status_code', statusCode);
  if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  const at = new Date(ctx.now());
  const entry: DeliveryAttempt = {
    at,
    attempt,
    durationMs,
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(error === undefined ? {} : { error }),
  };
  if (error === undefined) {
    await record(ctx, delivery, lease, { status: 'delivered', deliveredAt: at }, entry, true);
    webhookDeliveries.inc({ result: 'delivered' });
    log.info({ statusCode, durationMs }, 'webhook delivered');
  } else if (attempt >= ctx.settings.maxAttempts) {
    await record(ctx, delivery, lease, { status: 'failed' }, entry, true);
    webhookDeliveries.inc({ result: 'failed' });
    log.error({ statusCode, error }, 'webhook delivery failed; attempts exhausted');
  } else {
    const retryInMs = backoffDelay(attempt, ctx.settings.backoff);
    await record(ctx, delivery, lease, { nextAttemptAt: new Date(at.getTime() + retryInMs) }, entry, true);
    webhookDeliveries.inc({ result: 'retrying' });
    log.warn({ statusCode, error, retryInMs }, 'webhook attempt failed; will retry');
  }
}

/** Signs with the webhook's secrets as of now and sends, through the target rules. */
async function send(
  ctx: AttemptContext,
  delivery: OutboxDoc,
  webhook: WebhookDoc,
  notification: NotificationDoc,
  attempt: number,
  log: Logger,
): Promise<SendOutcome> {
  const now = new Date(ctx.now());
  let secrets: string[];
  try {
    secrets = signingSecrets(ctx.keyring, webhook, now);
  } catch (err) {
    // A key missing from WEBHOOK_SECRET_KEYS, or a secret altered at rest: for operators to fix, so it is
    // retried like a failed send, and the customer's log says only that it could not be signed.
    log.error({ err }, 'webhook secret did not open');
    return { error: 'not sent: the signing secret is unavailable', durationMs: 0 };
  }
  return sendWebhook(
    {
      url: delivery.url,
      secrets,
      notification,
      deliveryId: delivery._id,
      attempt,
      timestamp: now,
      timeoutMs: ctx.settings.timeoutMs,
    },
    ctx.targets,
  );
}

/**
 * Logs the attempt in the delivery's document, by _id, then settles the outbox entry under the lease: removed once
 * delivered or given up, otherwise planned for its next attempt. The log comes first so that a crash in between
 * leaves the entry leased, to be attempted again when the lease runs out, rather than a delivery shown pending
 * for ever. An attempt whose lease ran out meanwhile (another dispatcher took it over) is logged all the same: it
 * was made; the lease holder decides what comes next.
 */
async function record(
  ctx: AttemptContext,
  delivery: OutboxDoc,
  lease: Date,
  set: Partial<Pick<WebhookDeliveryDoc, 'status' | 'deliveredAt' | 'nextAttemptAt'>>,
  entry: DeliveryAttempt,
  counts: boolean,
): Promise<void> {
  const attempts = delivery.attempts + (counts ? 1 : 0);
  await ctx.models.deliveries.updateOne(
    { _id: delivery._id },
    { $set: { ...set, attempts }, $push: { log: entry } },
  );
  const held = { _id: delivery._id, attempts: delivery.attempts, leaseUntil: lease };
  const settled =
    set.status === undefined
      ? (
          await ctx.models.outbox.updateOne(held, {
            $set: { nextAttemptAt: set.nextAttemptAt, leaseUntil: NO_LEASE },
            $inc: { attempts: 1 },
          })
        ).matchedCount
      : (await ctx.models.outbox.deleteOne(held)).deletedCount;
  if (settled === 0) {
    ctx.logger.warn({ deliveryId: delivery._id }, 'lease expired before the outcome was recorded');
  }
}
