import { randomBytes, randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../../core/mongo/connection';
import { InvalidFieldError } from '../../core/errors';
import {
  NO_LEASE,
  notificationModels,
  type NotificationDoc,
  type WebhookDeliveryDoc,
  type WebhookDoc,
} from './models';

export interface RegisterWebhook {
  customerId: string;
  url: string;
  /** Generated (32 random bytes, hex) when not given. */
  secret?: string;
}

/** A webhook as listed: the secret is shown once, at registration. */
export type WebhookView = Omit<WebhookDoc, 'secret'>;

const MIN_SECRET_LENGTH = 16;
const MAX_URL_LENGTH = 2048;

export type WebhookRegistry = ReturnType<typeof createWebhookRegistry>;

/**
 * Customers' webhooks and the queue of deliveries to them. The Kafka consumer only enqueues (fast, idempotent);
 * the WebhookDispatcher sends, so a slow or broken endpoint never holds back the consumer.
 */
export function createWebhookRegistry(connection: Connection, opts: { now?: () => Date } = {}) {
  const { webhooks, deliveries } = notificationModels(connection);
  const now = opts.now ?? (() => new Date());

  async function registerWebhook(input: RegisterWebhook): Promise<WebhookDoc> {
    if (typeof input.customerId !== 'string' || input.customerId.trim() === '') {
      throw new InvalidFieldError('customerId', 'a non-empty string', input.customerId);
    }
    const url = checkUrl(input.url);
    if (
      input.secret !== undefined &&
      (typeof input.secret !== 'string' || input.secret.length < MIN_SECRET_LENGTH)
    ) {
      // The secret itself is not echoed into errors or logs.
      throw new InvalidFieldError(
        'secret',
        `a string of at least ${MIN_SECRET_LENGTH} characters`,
        '(hidden)',
      );
    }
    const doc: WebhookDoc = {
      _id: randomUUID(),
      customerId: input.customerId,
      url,
      secret: input.secret ?? randomBytes(32).toString('hex'),
      createdAt: now(),
      active: true,
    };
    await webhooks.create(doc);
    return doc;
  }

  async function listWebhooks(customerId: string): Promise<WebhookView[]> {
    return webhooks
      .find({ customerId, active: true }, { secret: 0 })
      .sort({ createdAt: 1, _id: 1 })
      .lean<WebhookView[]>();
  }

  /** Deactivates the webhook (its log stays readable); pending deliveries to it are dropped when due. */
  async function deleteWebhook(id: string): Promise<boolean> {
    const result = await webhooks.updateOne({ _id: id, active: true }, { $set: { active: false } });
    return result.matchedCount === 1;
  }

  /** Queues the notification for every active webhook of its customer; returns how many were new. */
  async function enqueueDeliveries(notification: NotificationDoc): Promise<number> {
    const targets = await webhooks
      .find({ customerId: notification.customerId, active: true })
      .lean<WebhookDoc[]>();
    let enqueued = 0;
    for (const webhook of targets) {
      const at = now();
      const pending: Omit<WebhookDeliveryDoc, '_id'> = {
        webhookId: webhook._id,
        notificationId: notification._id,
        customerId: notification.customerId,
        url: webhook.url,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at,
        leaseUntil: NO_LEASE,
        deliveredAt: null,
        createdAt: at,
        log: [],
      };
      try {
        const result = await deliveries.updateOne(
          { _id: deliveryId(notification._id, webhook._id) },
          { $setOnInsert: pending },
          { upsert: true },
        );
        enqueued += result.upsertedCount;
      } catch (err) {
        // Two upserts of the same new _id racing: the loser's duplicate key means "already queued".
        if (!isDuplicateKey(err)) throw err;
      }
    }
    return enqueued;
  }

  /** A webhook's delivery log, newest first. */
  async function listDeliveries(
    webhookId: string,
    { limit }: { limit: number },
  ): Promise<WebhookDeliveryDoc[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new InvalidFieldError('limit', 'a whole number 1-500', limit);
    }
    return deliveries
      .find({ webhookId })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<WebhookDeliveryDoc[]>();
  }

  /** The customer a webhook belongs to (deleted ones included: their log stays readable), or undefined. */
  async function ownerOf(id: string): Promise<string | undefined> {
    const doc = await webhooks.findById(id, { customerId: 1 }).lean<{ customerId: string }>();
    return doc?.customerId;
  }

  return {
    registerWebhook,
    listWebhooks,
    deleteWebhook,
    enqueueDeliveries,
    deliveries: listDeliveries,
    ownerOf,
  };
}

export function deliveryId(notificationId: string, webhookId: string): string {
  return `${notificationId}:${webhookId}`;
}

function checkUrl(value: unknown): string {
  const expected = 'an absolute http:// or https:// URL';
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) {
    throw new InvalidFieldError('url', `${expected} of at most ${MAX_URL_LENGTH} characters`, value);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidFieldError('url', expected, value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidFieldError('url', expected, value);
  // Credentials in the URL would be stored and logged in clear; receivers authenticate us by signature instead.
  if (url.username || url.password)
    throw new InvalidFieldError('url', `${expected} without credentials`, value);
  return url.toString();
}
