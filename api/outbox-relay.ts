import type { Producer } from 'kafkajs';
import { eventHeaders, eventKey, type OrderCreatedV1 } from '../common/events';
import type { Logger } from '../common/logger';
import type { OrderDoc, OrderModel } from '../common/order-model';
import { TOPICS } from '../common/topics';
import { orderCreatedEvent } from './order-created-event';

export interface OutboxRelayDeps {
  orders: OrderModel;
  /** Created with `{ idempotent: true, maxInFlightRequests: 1 }`, so broker-side retries neither duplicate nor reorder. */
  producer: Producer;
  logger: Logger;
  pollMs: number;
  batchSize: number;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Publishes accepted orders to `order-created`. An order is marked published only after Kafka acknowledged it
 * (acks=all), so an outage of Kafka, or a crash of this process, delays an order but never loses it. A crash
 * between send and mark publishes it again with the same deterministic eventId, which consumers dedupe.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private connected = false;
  private failures = 0;

  constructor(private readonly deps: OutboxRelayDeps) {}

  start(): void {
    if (this.loop) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Lets the batch in flight finish (sent and marked, or recorded as failed), then returns. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** One pass: publishes up to batchSize pending orders, oldest first. Returns how many; throws if Kafka failed. */
  async publishPending(): Promise<number> {
    const { orders, producer, logger, batchSize } = this.deps;
    const pending = await orders
      .find({ publishState: 'pending' })
      .sort({ createdAt: 1, _id: 1 })
      .limit(batchSize)
      .lean<OrderDoc[]>();
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

    // Conditioned on still pending so that a concurrent relay's mark is left alone.
    await orders.updateMany(
      { _id: { $in: ids }, publishState: 'pending' },
      { $set: { publishState: 'published', publishedAt: new Date(), lastPublishError: null } },
    );
    for (const id of ids) logger.child({ orderId: id }).info('order-created published');
    return ids.length;
  }

  private async recordFailure(ids: string[], err: unknown): Promise<void> {
    await this.deps.orders.updateMany(
      { _id: { $in: ids }, publishState: 'pending' },
      {
        $inc: { publishAttempts: 1 },
        $set: { lastPublishError: err instanceof Error ? err.message : String(err) },
      },
    );
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delay = this.deps.pollMs;
      try {
        const published = await this.publishPending();
        this.failures = 0;
        if (published === this.deps.batchSize) delay = 0; // more are probably waiting
      } catch (err) {
        this.failures += 1;
        delay = Math.min(MAX_BACKOFF_MS, this.deps.pollMs * 2 ** this.failures);
        const message = err instanceof Error ? err.message : String(err);
        this.deps.logger.error(
          { error: message, failures: this.failures, retryInMs: delay },
          'outbox pass failed',
        );
      }
      if (this.running && delay > 0) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
