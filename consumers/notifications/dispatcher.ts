import type { Connection } from 'mongoose';
import type { Backoff } from '../../core/backoff';
import type { Keyring } from '../../core/crypto/keyring';
import type { TargetRules } from '../../core/net/public-target';
import type { Logger } from '../../core/logger';
import { PollLoop } from '../../core/poll-loop';
import { InvalidFieldError } from '../../core/errors';
import { notificationModels, type NotificationModels, type OutboxDoc } from './models';
import { attemptDelivery, type AttemptContext } from './delivery-attempt';

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
 * Sends queued webhook deliveries, found in the outbox: only what is in flight, so a poll costs the same however
 * long the delivery history grows. Any number of replicas may run: each attempt is claimed by a conditional update
 * of its outbox entry (a lease; one update for all a pass claims), so no two replicas send the same attempt, and a
 * replica that dies mid-send only delays that delivery until its lease expires. Receivers still get at-least-once
 * (a send may succeed while recording it fails) and dedupe on `webhook-id`.
 */
export class WebhookDispatcher {
  private readonly models: NotificationModels;
  private readonly options: Required<DispatcherOptions>;
  private readonly now: () => number;
  private readonly attempts: AttemptContext;
  private readonly logger: Logger;
  private readonly loop: PollLoop;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perWebhook = new Map<string, number>();

  constructor(deps: DispatcherDeps) {
    this.options = checkOptions(deps.options);
    this.models = notificationModels(deps.connection);
    this.logger = deps.logger;
    this.now = deps.now ?? Date.now;
    this.attempts = {
      models: this.models,
      keyring: deps.keyring,
      targets: deps.targets,
      logger: this.logger,
      now: this.now,
      settings: this.options,
    };
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
    const due = await this.models.outbox
      .find({
        nextAttemptAt: { $lte: now },
        leaseUntil: { $lt: now },
        ...(busy.length > 0 ? { webhookId: { $nin: busy } } : {}),
      })
      .sort({ nextAttemptAt: 1, _id: 1 })
      .limit(limit)
      .select({ _id: 1, webhookId: 1 })
      .lean<Pick<OutboxDoc, '_id' | 'webhookId'>[]>();

    // Within each webhook's share of the slots.
    const taking = new Map<string, number>();
    const wanted = due.filter(({ webhookId }) => {
      const n = (this.perWebhook.get(webhookId) ?? 0) + (taking.get(webhookId) ?? 0);
      if (n >= this.options.maxPerWebhook) return false;
      taking.set(webhookId, (taking.get(webhookId) ?? 0) + 1);
      return true;
    });
    const { lease, claimed } = await this.claim(
      wanted.map(({ _id }) => _id),
      now,
    );
    let started = 0;
    for (const delivery of claimed) {
      if (!this.loop.isRunning) break; // their lease runs out, and another pass or replica makes the attempt
      this.track(delivery, lease);
      started += 1;
    }
    return { found: due.length, started, limit };
  }

  /**
   * Leases those of the deliveries that are still due and unleased (other replicas may have claimed some since they
   * were read), with one update for them all, and reads back what this dispatcher got, as it is now.
   */
  private async claim(ids: string[], now: Date): Promise<{ lease: Date; claimed: OutboxDoc[] }> {
    const lease = new Date(now.getTime() + this.options.leaseMs);
    if (ids.length === 0) return { lease, claimed: [] };
    const { modifiedCount } = await this.models.outbox.updateMany(
      { _id: { $in: ids }, nextAttemptAt: { $lte: now }, leaseUntil: { $lt: now } },
      { $set: { leaseUntil: lease } },
    );
    if (modifiedCount === 0) return { lease, claimed: [] };
    const claimed = await this.models.outbox
      .find({ _id: { $in: ids }, leaseUntil: lease })
      .sort({ nextAttemptAt: 1, _id: 1 })
      .lean<OutboxDoc[]>();
    return { lease, claimed };
  }

  private track(delivery: OutboxDoc, lease: Date): void {
    const { webhookId } = delivery;
    this.perWebhook.set(webhookId, (this.perWebhook.get(webhookId) ?? 0) + 1);
    const send = attemptDelivery(this.attempts, delivery, lease)
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
