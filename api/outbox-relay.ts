import type { Producer } from 'kafkajs';
import { eventHeaders, eventKey, type OrderCreatedV1 } from '../contracts/events';
import type { Logger } from '../core/logger';
import { isDuplicateKey } from '../core/mongo/connection';
import { PollLoop } from '../core/poll-loop';
import { outboxModel, type OrderDoc, type OrderModel, type OutboxModel } from '../domain/orders/order-model';
import { TOPICS } from '../contracts/topics';
import { orderCreatedEvent } from '../domain/orders/order-created-event';

export interface OutboxRelayDeps {
  orders: OrderModel;
  /** Created with `{ idempotent: true, maxInFlightRequests: 1 }`, so broker-side retries neither duplicate nor reorder. */
  producer: Producer;
  logger: Logger;
  pollMs: number;
  batchSize: number;
  /**
   * How often pending orders are also looked for in `orders` itself (a scan): orders accepted before the outbox
   * list existed, or whose entry was dropped as orphaned while the API was still stuck between its two writes.
   */
  sweepMs?: number;
}

/** The longest wait between passes while Kafka keeps failing. */
const MAX_BACKOFF_MS = 5_000;
/** An outbox entry older than this with no order behind it is an API write that never completed. */
const ORPHAN_AFTER_MS = 5 * 60_000;
const DEFAULT_SWEEP_MS = 5 * 60_000;

/**
 * Publishes accepted orders to `order-created`, found through the outbox list (`order_outbox`), so a pass reads
 * the few orders in flight by _id rather than every order ever accepted. An order is marked published only after Kafka acknowledged it
 * (acks=all), so an outage of Kafka, or a crash of this process, delays an order but never loses it. A crash
 * between send and mark publishes it again with the same deterministic eventId, which consumers dedupe.
 */
export class OutboxRelay {
  private connected = false;
  private lastSweep = 0;
  private readonly outbox: OutboxModel;
  private readonly loop: PollLoop;

  constructor(private readonly deps: OutboxRelayDeps) {
    this.outbox = outboxModel(deps.orders.db);
    this.loop = new PollLoop({
      name: 'outbox',
      pollMs: deps.pollMs,
      maxBackoffMs: MAX_BACKOFF_MS,
      logger: deps.logger,
      // A full batch: more are probably waiting.
      pass: async () => (await this.publishPending()) === deps.batchSize,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Lets the batch in flight finish (sent and marked, or recorded as failed), then returns. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass: publishes up to batchSize pending orders, oldest first. Returns how many; throws if Kafka failed. */
  async publishPending(): Promise<number> {
    const { orders, producer, logger, batchSize } = this.deps;
    if (Date.now() - this.lastSweep >= (this.deps.sweepMs ?? DEFAULT_SWEEP_MS)) await this.sweep();

    const entries = await this.outbox.find().sort({ createdAt: 1, _id: 1 }).limit(batchSize).lean();
    if (entries.length === 0) return 0;
    const found = await Promise.all(entries.map((e) => orders.findById(e._id).lean<OrderDoc>()));
    const pending: OrderDoc[] = [];
    const done: string[] = [];
    entries.forEach((entry, i) => {
      const order = found[i];
      if (order?.publishState === 'pending') pending.push(order);
      else if (order || Date.now() - entry.createdAt.getTime() > ORPHAN_AFTER_MS) done.push(entry._id);
    });
    if (done.length > 0) await this.outbox.deleteMany({ _id: { $in: done } });
    if (pending.length === 0) return 0;

    const events: OrderCreatedV1[] = [];
    for (const order of pending) {
      try {
        events.push(orderCreatedEvent(order));
      } catch (err) {
        // The API validated it, so this is a bug or a hand-edited document: keep it pending for a human, and
        // do not let it hold back the orders around it.
        logger
          .child({ orderId: order._id })
          .error({ err }, 'order cannot be turned into a valid order-created');
        await this.recordFailure([order._id], err);
      }
    }
    if (events.length === 0) return 0;
    const ids = events.map((e) => e.orderId);

    try {
      if (!this.connected) {
        await producer.connect();
        this.connected = true;
      }
      await producer.send({
        topic: TOPICS.orderCreated,
        acks: -1,
        messages: events.map((e) => ({
          key: eventKey(e),
          value: JSON.stringify(e),
          headers: eventHeaders(e),
        })),
      });
    } catch (err) {
      // Reconnect from scratch next time: a producer whose broker went away does not always recover by itself.
      if (this.connected) await producer.disconnect().catch(() => undefined);
      this.connected = false;
      await this.recordFailure(ids, err);
      logger.warn({ orderIds: ids, err }, 'order-created not published; will retry');
      throw err;
    }

    // One write per order, by _id alone: FerretDB answers any other filter by reading the whole collection.
    // Marking an order a concurrent relay marked already changes nothing that matters.
    const publishedAt = new Date();
    await Promise.all(
      ids.map((_id) =>
        orders.updateOne(
          { _id },
          { $set: { publishState: 'published', publishedAt, lastPublishError: null } },
        ),
      ),
    );
    await this.outbox.deleteMany({ _id: { $in: ids } });
    for (const id of ids) logger.child({ orderId: id }).info('order-created published');
    return ids.length;
  }

  /** Puts every pending order on the outbox list; a scan of all orders, so it runs seldom (sweepMs). */
  private async sweep(): Promise<void> {
    const pending = await this.deps.orders
      .find({ publishState: 'pending' }, { _id: 1, createdAt: 1 })
      .lean<Pick<OrderDoc, '_id' | 'createdAt'>[]>();
    if (pending.length > 0) {
      await this.outbox
        .insertMany(
          pending.map(({ _id, createdAt }) => ({ _id, createdAt })),
          { ordered: false },
        )
        .catch((err: unknown) => {
          // Entries already there are fine; anything else is a real failure.
          const writeErrors = (err as { writeErrors?: unknown[] }).writeErrors;
          if (!writeErrors?.every(isDuplicateKey)) throw err;
        });
    }
    this.lastSweep = Date.now();
  }

  private async recordFailure(ids: string[], err: unknown): Promise<void> {
    const lastPublishError = err instanceof Error ? err.message : String(err);
    await Promise.all(
      ids.map((_id) =>
        this.deps.orders.updateOne({ _id }, { $inc: { publishAttempts: 1 }, $set: { lastPublishError } }),
      ),
    );
  }
}
