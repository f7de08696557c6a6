import type { Connection } from 'mongoose';
import { backoffDelay, type Backoff } from '../../core/backoff';
import type { Keyring } from '../../core/crypto/keyring';
import type { TargetRules } from '../../core/net/public-target';
import type { Logger } from '../../core/logger';
import { PollLoop } from '../../core/poll-loop';
import { InvalidFieldError } from '../../core/errors';
import {
  NO_LEASE,
  notificationModels,
  type DeliveryAttempt,
  type NotificationDoc,
  type NotificationModels,
  type WebhookDeliveryDoc,
  type WebhookDoc,
} from './models';
import { sendWebhook, type SendOutcome } from './webhook-request';
import { signingSecrets } from './webhook-secrets';
import { webhookDeliveries } from './metrics';
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { contextFrom } from '../../core/tracing/propagation';
import { inSpan, ORDER_ID } from '../../core/tracing/spans';

export interface DispatcherOptions {
  /** How often to look for due deliveries when idle. */
  pollMs: number;
  /** Sends in flight at once, across all webhooks. */
  concurrency: number;
  /** Per request, headers and body; a hanging endpoint costs one slot for this long, no more. */
  timeoutMs: number;
  /** Attempts before a delivery is given up as failed. */
  maxAttempts: number;
  /** The retry after n failed attempts waits backoffDelay(n): initialMs·2^(n−1), capped at maxMs. */
  backoff: Backoff;
  /** How long a claimed attempt is this dispatcher's; must exceed timeoutMs, or a replica could send it again. */
  leaseMs: number;
  /**
   * Sends in flight at once to one webhook, so an endpoint that hangs cannot occupy every slot.
   * Default: half of concurrency, at least 1.
   */
  maxPerWebhook?: number;
}

export interface DispatcherDeps {
  connection: Connection;
  logger: Logger;
  options: DispatcherOptions;
  /** Opens the webhooks' sealed signing secrets. */
  keyring: Keyring;
  /** Where a delivery may connect, checked as each connection is made (a name may resolve elsewhere by then). */
  targets: TargetRules;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

/** On top of the request timeout, how long stop() waits for the outcome of in-flight sends to be recorded. */
const STOP_GRACE_MS = 5_000;
const MAX_POLL_BACKOFF_MS = 10_000;

/**
 * Sends queued webhook deliveries. Any number of replicas may run: each attempt is claimed with one conditional
 * single-document update (a lease), so no two replicas send the same attempt, and a replica that dies mid-send
 * only delays that delivery until its lease expires. Receivers still get at-least-once (a send may succeed while
 * recording it fails) and dedupe on `webhook-id`.
 */
export class WebhookDispatcher {
  private readonly models: NotificationModels;
  private readonly options: Required<DispatcherOptions>;
  private readonly keyring: Keyring;
  private readonly targets: TargetRules;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly loop: PollLoop;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perWebhook = new Map<string, number>();

  constructor(deps: DispatcherDeps) {
    this.options = checkOptions(deps.options);
    this.models = notificationModels(deps.connection);
    this.logger = deps.logger;
    this.keyring = deps.keyring;
    this.targets = deps.targets;
    this.now = deps.now ?? Date.now;
    this.loop = new PollLoop({
      name: 'webhook dispatch',
      pollMs: this.options.pollMs,
      maxBackoffMs: MAX_POLL_BACKOFF_MS,
      logger: this.logger,
      pass: async () => {
        const { found, started, limit } = await this.dispatchDue();
        return started > 0 && found === limit; // more are probably due
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming, then waits (bounded) for sends in flight to finish and be recorded. */
  async stop(): Promise<void> {
    await this.loop.stop();
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.timeoutMs + STOP_GRACE_MS);
    });
    await Promise.race([Promise.allSettled(this.inFlight.values()), bound]);
    clearTimeout(timer);
    if (this.inFlight.size > 0) {
      // Their leases expire and another replica (or the next start) retries them.
      this.logger.warn({ deliveryIds: [...this.inFlight.keys()] }, 'stopped with webhook sends unrecorded');
    }
  }

  /** Looks for due deliveries now rather than at the next poll, e.g. right after enqueueing. */
  wake(): void {
    this.loop.wake();
  }

  /** Claims and starts up to the free slots' worth of due deliveries. */
  private async dispatchDue(): Promise<{ found: number; started: number; limit: number }> {
    const limit = this.options.concurrency - this.inFlight.size;
    if (limit <= 0) return { found: 0, started: 0, limit };
    const now = new Date(this.now());
    const busy = [...this.perWebhook].filter(([, n]) => n >= this.options.maxPerWebhook).map(([id]) => id);
    const due = await this.models.deliveries
      .find({
        status: 'pending',
        nextAttemptAt: { $lte: now },
        leaseUntil: { $lt: now },
        ...(busy.length > 0 ? { webhookId: { $nin: busy } } : {}),
      })
      .sort({ nextAttemptAt: 1, _id: 1 })
      .limit(limit)
      .lean<WebhookDeliveryDoc[]>();

    let started = 0;
    for (const delivery of due) {
      if (!this.loop.isRunning) break;
      if ((this.perWebhook.get(delivery.webhookId) ?? 0) >= this.options.maxPerWebhook) continue;
      const lease = await this.claim(delivery);
      if (!lease) continue; // another replica got it first
      this.track(delivery, lease);
      started += 1;
    }
    return { found: due.length, started, limit };
  }

  /** The lease on this attempt, or undefined when another dispatcher holds it or has already made it. */
  private async claim(delivery: WebhookDeliveryDoc): Promise<Date | undefined> {
    const now = this.now();
    const lease = new Date(now + this.options.leaseMs);
    const result = await this.models.deliveries.updateOne(
      {
        _id: delivery._id,
        status: 'pending',
        attempts: delivery.attempts,
        leaseUntil: { $lt: new Date(now) },
      },
      { $set: { leaseUntil: lease } },
    );
    return result.modifiedCount === 1 ? lease : undefined;
  }

  private track(delivery: WebhookDeliveryDoc, lease: Date): void {
    const { webhookId } = delivery;
    this.perWebhook.set(webhookId, (this.perWebhook.get(webhookId) ?? 0) + 1);
    const send = this.tracedAttempt(delivery, lease)
      .catch((err: unknown) => {
        // The lease expires and the attempt is made again.
        this.logger.error({ err, deliveryId: delivery._id }, 'webhook attempt not recorded');
      })
      .finally(() => {
        this.inFlight.delete(delivery._id);
        const left = (this.perWebhook.get(webhookId) ?? 1) - 1;
        if (left > 0) this.perWebhook.set(webhookId, left);
        else this.perWebhook.delete(webhookId);
        this.wake(); // a slot is free
      });
    this.inFlight.set(delivery._id, send);
  }

  /** An attempt is a span, child of the consumer's span that queued the delivery: the order's trace ends here. */
  private tracedAttempt(delivery: WebhookDeliveryDoc, lease: Date): Promise<void> {
    const attributes = {
      'webhook.id': delivery.webhookId,
      'webhook.delivery.id': delivery._id,
      'webhook.attempt': delivery.attempts + 1,
    };
    const parent = contextFrom(delivery.traceContext);
    return inSpan('deliver webhook', { kind: SpanKind.CLIENT, attributes, parent }, (span) =>
      this.attempt(delivery, lease, span),
    );
  }

  private async attempt(delivery: WebhookDeliveryDoc, lease: Date, span: Span): Promise<void> {
    const attempt = delivery.attempts + 1;
    const [webhook, notification] = await Promise.all([
      this.models.webhooks.findById(delivery.webhookId).lean<WebhookDoc>(),
      this.models.notifications.findById(delivery.notificationId).lean<NotificationDoc>(),
    ]);
    const orderId = notification?.orderId;
    if (orderId !== undefined) span.setAttribute(ORDER_ID, orderId);
    const log = this.logger.child({
      deliveryId: delivery._id,
      webhookId: delivery.webhookId,
      attempt,
      ...(orderId === undefined ? {} : { orderId }),
    });
    if (!webhook?.active || !notification) {
      const error = !webhook?.active
        ? 'not sent: the webhook was deleted'
        : 'not sent: notification not found';
      log.warn(error);
      await this.record(
        delivery,
        lease,
        { status: 'failed' },
        { at: new Date(this.now()), attempt, error, durationMs: 0 },
        false,
      );
      webhookDeliveries.inc({ result: 'dropped' });
      return;
    }

    const { statusCode, error, durationMs } = await this.send(delivery, webhook, notification, attempt, log);
    if (statusCode !== undefined) span.setAttribute('http.response.status_code', statusCode);
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    const at = new Date(this.now());
    const entry: DeliveryAttempt = {
      at,
      attempt,
      durationMs,
      ...(statusCode === undefined ? {} : { statusCode }),
      ...(error === undefined ? {} : { error }),
    };
    if (error === undefined) {
      await this.record(delivery, lease, { status: 'delivered', deliveredAt: at }, entry, true);
      webhookDeliveries.inc({ result: 'delivered' });
      log.info({ statusCode, durationMs }, 'webhook delivered');
    } else if (attempt >= this.options.maxAttempts) {
      await this.record(delivery, lease, { status: 'failed' }, entry, true);
      webhookDeliveries.inc({ result: 'failed' });
      log.error({ statusCode, error }, 'webhook delivery failed; attempts exhausted');
    } else {
      const retryInMs = backoffDelay(attempt, this.options.backoff);
      await this.record(delivery, lease, { nextAttemptAt: new Date(at.getTime() + retryInMs) }, entry, true);
      webhookDeliveries.inc({ result: 'retrying' });
      log.warn({ statusCode, error, retryInMs }, 'webhook attempt failed; will retry');
    }
  }

  /** Signs with the webhook's secrets as of now and sends, through the target rules. */
  private async send(
    delivery: WebhookDeliveryDoc,
    webhook: WebhookDoc,
    notification: NotificationDoc,
    attempt: number,
    log: Logger,
  ): Promise<SendOutcome> {
    const now = new Date(this.now());
    let secrets: string[];
    try {
      secrets = signingSecrets(this.keyring, webhook, now);
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
        timeoutMs: this.options.timeoutMs,
      },
      this.targets,
    );
  }

  /** Records the outcome, only if this dispatcher still holds the attempt's lease. */
  private async record(
    delivery: WebhookDeliveryDoc,
    lease: Date,
    set: Partial<Pick<WebhookDeliveryDoc, 'status' | 'deliveredAt' | 'nextAttemptAt'>>,
    entry: DeliveryAttempt,
    counts: boolean,
  ): Promise<void> {
    const result = await this.models.deliveries.updateOne(
      { _id: delivery._id, attempts: delivery.attempts, leaseUntil: lease },
      {
        $set: { ...set, leaseUntil: NO_LEASE },
        ...(counts ? { $inc: { attempts: 1 } } : {}),
        $push: { log: entry },
      },
    );
    if (result.matchedCount === 0) {
      this.logger.warn({ deliveryId: delivery._id }, 'lease expired before the outcome was recorded');
    }
  }
}

function checkOptions(options: DispatcherOptions): Required<DispatcherOptions> {
  const positive = (field: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidFieldError(`options.${field}`, 'a whole number >= 1', value);
    }
  };
  positive('pollMs', options.pollMs);
  positive('concurrency', options.concurrency);
  positive('timeoutMs', options.timeoutMs);
  positive('maxAttempts', options.maxAttempts);
  positive('backoff.initialMs', options.backoff.initialMs);
  positive('backoff.maxMs', options.backoff.maxMs);
  positive('leaseMs', options.leaseMs);
  if (options.leaseMs <= options.timeoutMs) {
    throw new InvalidFieldError(
      'options.leaseMs',
      `more than timeoutMs (${options.timeoutMs})`,
      options.leaseMs,
    );
  }
  const maxPerWebhook = options.maxPerWebhook ?? Math.max(1, Math.floor(options.concurrency / 2));
  positive('maxPerWebhook', maxPerWebhook);
  return { ...options, maxPerWebhook };
}
