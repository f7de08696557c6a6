import type { Producer } from 'kafkajs';
import { eventHeaders, eventKey, type OrderCreatedV1 } from '../contracts/events';
import type { Logger } from '../core/logger';
import { PollLoop } from '../core/poll-loop';
import type { OrderDoc, OrderStore, OrderToPublish } from '../domain/orders/order-store';
import { outboxPublishes } from './metrics';
import { describeError } from '../core/kafka/dlq';
import { TOPICS } from '../contracts/topics';
import { orderCreatedEvent } from '../domain/orders/order-created-event';
import { publishSpans, type PublishSpans } from '../core/tracing/messaging';

export interface OutboxRelayDeps {
  orders: OrderStore;
  /** Created with `{ idempotent: true, maxInFlightRequests: 1 }`, so broker-side retries neither duplicate nor reorder. */
  producer: Producer;
  logger: Logger;
  pollMs: number;
  batchSize: number;
  /** Times the broker may refuse an order's own message before the order is parked (default 3). */
  maxRejections?: number;
  /** Default `order-created`; tests publish to a topic of their own. */
  topic?: string;
}

/** The longest wait between passes while Kafka keeps failing. */
const MAX_BACKOFF_MS = 5_000;
const DEFAULT_MAX_REJECTIONS = 3;

/**
 * kafkajs' protocol errors that refuse a record itself, whatever the broker's health: publishing the same message
 * again cannot succeed. Everything else (connections, leaders, timeouts) is an outage to wait out.
 */
const RECORD_REJECTIONS: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
]);

function isRecordRejection(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && RECORD_REJECTIONS.has(type)) return true;
  }
  return false;
}

/**
 * Publishes accepted orders to `order-created`, found through the outbox list (`order_outbox`) and nothing else, so
 * a pass reads the few orders in flight by _id rather than every order ever accepted. An order's entry is marked
 * published only after Kafka acknowledged it (acks=all), so an outage of Kafka, or a crash of this process, delays
 * an order but never loses it. A crash between send and mark publishes it again with the same deterministic
 * eventId, which consumers dedupe. The order itself is not written: the entry carries its publish state.
 */
export class OutboxRelay {
  private connected = false;
  private readonly loop: PollLoop;

  constructor(private readonly deps: OutboxRelayDeps) {
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

  /**
   * One pass: publishes up to batchSize pending orders, oldest first. Returns how many; throws if Kafka failed (an
   * outage: every order stays pending). An order that cannot be published by itself is parked instead, so the
   * orders behind it keep flowing.
   */
  async publishPending(): Promise<number> {
    const { orders, batchSize } = this.deps;
    const pending = await orders.nextToPublish(batchSize);
    const events: (OrderToPublish & { event: OrderCreatedV1 })[] = [];
    for (const { order, entry } of pending) {
      try {
        events.push({ event: orderCreatedEvent(order), entry, order });
      } catch (err) {
        // The API validated it, so this is a bug or a hand-edited document: no retry will change it.
        await this.park(order._id, `cannot be turned into a valid order-created: ${describeError(err)}`);
      }
    }
    if (events.length === 0) return 0;

    try {
      const spans = await this.send(events);
      await this.markPublished(
        events.map((e) => e.event.orderId),
        spans,
      );
      return events.length;
    } catch (err) {
      if (!isRecordRejection(err)) {
        await this.failed(
          events.map((e) => e.event.orderId),
          err,
        );
        throw err;
      }
    }
    // The broker refused a message of the batch itself: find which, one at a time, and publish the others.
    let published = 0;
    for (const { event, entry, order } of events) {
      try {
        const spans = await this.send([{ event, order }]);
        await this.markPublished([event.orderId], spans);
        published += 1;
      } catch (err) {
        if (!isRecordRejection(err)) {
          await this.failed([event.orderId], err);
          throw err;
        }
        await this.rejected(entry, err);
      }
    }
    return published;
  }

  /**
   * Each message carries, in its headers, the span of its publishing: a child of the request that placed its order
   * (stored with the order), so the order's trace goes on through Kafka.
   */
  private async send(
    events: { event: OrderCreatedV1; order: Pick<OrderDoc, 'traceContext'> }[],
  ): Promise<PublishSpans> {
    const { producer } = this.deps;
    const topic = this.deps.topic ?? TOPICS.orderCreated;
    const spans: PublishSpans = publishSpans(
      topic,
      events.map(({ event, order }) => ({ orderId: event.orderId, parent: order.traceContext })),
    );
    try {
      if (!this.connected) {
        await producer.connect();
        this.connected = true;
      }
      await producer.send({
        topic,
        acks: -1,
        messages: events.map(({ event }, i) => ({
          key: eventKey(event),
          value: JSON.stringify(event),
          headers: { ...eventHeaders(event), ...spans.headers[i] },
        })),
      });
      spans.end();
      return spans;
    } catch (err) {
      spans.end(err);
      // Reconnect from scratch next time: a producer whose broker went away does not always recover by itself.
      if (!isRecordRejection(err)) {
        if (this.connected) await producer.disconnect().catch(() => undefined);
        this.connected = false;
      }
      throw err;
    }
  }

  private async markPublished(ids: string[], spans: PublishSpans): Promise<void> {
    await this.deps.orders.markPublished(ids);
    outboxPublishes.inc({ outcome: 'published' }, ids.length);
    for (const id of ids) {
      spans.within(id, () => this.deps.logger.child({ orderId: id }).info('order-created published'));
    }
  }

  /** Kafka is unreachable or failing for everyone: the orders stay pending, their attempts counted. */
  private async failed(ids: string[], err: unknown): Promise<void> {
    await this.recordFailure(ids, err);
    outboxPublishes.inc({ outcome: 'failed' }, ids.length);
    this.deps.logger.warn({ orderIds: ids, err }, 'order-created not published; will retry');
  }

  /** The broker refused this order's message: counted, and parked once it has been refused often enough. */
  private async rejected(entry: OrderToPublish['entry'], err: unknown): Promise<void> {
    const rejections = (entry.rejections ?? 0) + 1;
    const reason = `Kafka refused its order-created ${rejections} times: ${describeError(err)}`;
    await this.recordFailure([entry._id], err);
    if (rejections >= (this.deps.maxRejections ?? DEFAULT_MAX_REJECTIONS)) {
      await this.park(entry._id, reason);
      outboxPublishes.inc({ outcome: 'parked' });
      return;
    }
    outboxPublishes.inc({ outcome: 'rejected' });
    await this.deps.orders.recordRejections(entry._id, rejections);
    this.deps.logger
      .child({ orderId: entry._id })
      .warn({ err, rejections }, 'order-created refused; will retry');
  }

  private async park(orderId: string, reason: string): Promise<void> {
    await this.deps.orders.park(orderId, reason);
    this.deps.logger.child({ orderId }).error({ reason }, 'order parked: the relay cannot publish it');
  }

  private async recordFailure(ids: string[], err: unknown): Promise<void> {
    await this.deps.orders.recordPublishFailure(ids, err instanceof Error ? err.message : String(err));
  }
}
