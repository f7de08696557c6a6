import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Keyring } from '../../core/crypto/keyring';
import { InvalidFieldError } from '../../core/errors';
import { checkTarget, TargetRefusedError, type TargetRules } from '../../core/net/public-target';
import { notificationModels, type NotificationDoc, type WebhookDeliveryDoc, type WebhookDoc } from './models';
import { deliveryQueue } from './delivery-queue';
import { checkSecret, generateSecret, sealSecret } from './webhook-secrets';

export interface RegisterWebhook {
  customerId: string;
  url: string;
  /** A `whsec_…` secret of the caller's; generated when not given. */
  secret?: string;
}

/** A webhook as listed: no secret, sealed or not. */
export type WebhookView = Omit<WebhookDoc, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>;

/** Registration's answer, the one time the secret is shown. */
export type RegisteredWebhook = WebhookView & { secret: string };

/** A rotation's answer: the new secret, shown once, and until when the previous one still signs deliveries. */
export interface RotatedSecret {
  webhook: WebhookView;
  secret: string;
  previousSecretExpiresAt: Date;
}

export interface WebhookRegistryOptions {
  /** Seals the signing secrets (core/crypto/keyring.ts). */
  keyring: Keyring;
  /** Where a webhook may point: checked at registration, and again by the dispatcher when connecting. */
  targets: TargetRules;
  /** Active webhooks a customer may have: each costs a send per notification. */
  maxPerCustomer: number;
  /** After a rotation, how long deliveries are signed with the previous secret too. */
  rotationGraceMs: number;
  now?: () => Date;
}

/** A customer already has as many active webhooks as allowed. */
export class WebhookLimitError extends Error {
  constructor(
    readonly customerId: string,
    readonly max: number,
  ) {
    super(`customer ${customerId} already has ${max} active webhooks, the most allowed; delete one first`);
    this.name = 'WebhookLimitError';
  }
}

const MAX_URL_LENGTH = 2048;
/** Concurrent rotations of one webhook retry this often before giving up. */
const ROTATION_TRIES = 3;
const NO_SECRETS = { secret: 0, previousSecret: 0, previousSecretExpiresAt: 0 } as const;

export type WebhookRegistry = ReturnType<typeof createWebhookRegistry>;

/**
 * Customers' webhooks and the queue of deliveries to them. The Kafka consumer only enqueues (fast, idempotent);
 * the WebhookDispatcher sends, so a slow or broken endpoint never holds back the consumer.
 */
export function createWebhookRegistry(connection: Connection, opts: WebhookRegistryOptions) {
  const models = notificationModels(connection);
  const { webhooks, deliveries } = models;
  const { keyring, targets, maxPerCustomer, rotationGraceMs } = opts;
  const now = opts.now ?? (() => new Date());
  const queue = deliveryQueue(models, now);
  const activeCount = (customerId: string) => webhooks.countDocuments({ customerId, active: true });

  async function registerWebhook(input: RegisterWebhook): Promise<RegisteredWebhook> {
    if (typeof input.customerId !== 'string' || input.customerId.trim() === '') {
      throw new InvalidFieldError('customerId', 'a non-empty string', input.customerId);
    }
    const url = parseUrl(input.url);
    const secret = input.secret === undefined ? generateSecret() : checkSecret(input.secret);
    await checkReachable(url, input.url);
    if ((await activeCount(input.customerId)) >= maxPerCustomer) {
      throw new WebhookLimitError(input.customerId, maxPerCustomer);
    }

    const id = randomUUID();
    const doc: WebhookDoc = {
      _id: id,
      customerId: input.customerId,
      url: url.toString(),
      secret: sealSecret(keyring, id, secret),
      previousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: now(),
      active: true,
    };
    await webhooks.create(doc);
    // Counted again once inserted: of concurrent registrations past the cap, whichever counts last sees them all
    // and withdraws, so the cap holds without a transaction.
    if ((await activeCount(input.customerId)) > maxPerCustomer) {
      await webhooks.deleteOne({ _id: id });
      throw new WebhookLimitError(input.customerId, maxPerCustomer);
    }
    return { ...withoutSecrets(doc), secret };
  }

  /** Refusals name the URL field and say why, so the customer knows what to change. */
  async function checkReachable(url: URL, given: string): Promise<void> {
    try {
      await checkTarget(url, targets);
    } catch (err) {
      if (!(err instanceof TargetRefusedError)) throw err;
      const scheme = targets.allowHttp ? 'http(s)' : 'https';
      throw new InvalidFieldError('url', `a public ${scheme} endpoint, but ${err.message}`, given);
    }
  }

  /**
   * A new secret for an active webhook, shown once. The replaced one keeps signing deliveries (alongside the new)
   * for the grace period, so receivers can switch without rejecting any; rotating again within it drops the oldest.
   */
  async function rotateSecret(id: string): Promise<RotatedSecret | undefined> {
    for (let i = 0; i < ROTATION_TRIES; i++) {
      const current = await webhooks.findOne({ _id: id, active: true }).lean<WebhookDoc>();
      if (!current) return undefined;
      const secret = generateSecret();
      const previousSecretExpiresAt = new Date(now().getTime() + rotationGraceMs);
      // Conditional on the secret read, so two concurrent rotations cannot both claim to be the current one.
      const result = await webhooks.updateOne(
        { _id: id, active: true, 'secret.iv': current.secret.iv },
        {
          $set: {
            secret: sealSecret(keyring, id, secret),
            previousSecret: current.secret,
            previousSecretExpiresAt,
          },
        },
      );
      if (result.modifiedCount === 1)
        return { webhook: withoutSecrets(current), secret, previousSecretExpiresAt };
    }
    throw new Error(`webhook ${id}: its secret kept changing during rotation`);
  }

  async function listWebhooks(customerId: string): Promise<WebhookView[]> {
    return webhooks
      .find({ customerId, active: true }, NO_SECRETS)
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
    return queue.enqueue([{ notification, fresh: false }]);
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
    rotateSecret,
    enqueueDeliveries,
    /** Queues several notifications' deliveries at once (delivery-queue.ts); returns how many were new. */
    enqueueAll: queue.enqueue,
    adoptPendingDeliveries: queue.adoptPending,
    deliveries: listDeliveries,
    ownerOf,
  };
}

function withoutSecrets(doc: WebhookDoc): WebhookView {
  const { secret: _secret, previousSecret: _previous, previousSecretExpiresAt: _until, ...view } = doc;
  return view;
}

/** The URL's form; where it may point is checked apart (checkReachable), as it needs DNS. */
function parseUrl(value: unknown): URL {
  const expected = 'an absolute https:// URL';
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
  return url;
}
