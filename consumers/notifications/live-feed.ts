import { whileBrokerSettles } from '../../core/kafka/settling';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { backoffDelay, type Backoff } from '../../core/backoff';
import { EventValidationError, parseEventMessage } from '../../contracts/events';
import type { Logger } from '../../core/logger';
import { withTimeout } from '../../core/timeout';
import type { NotificationDoc } from './models';
import type { Positions } from './positions';
import type { NotificationStore } from './store';

/** A notification at its place in `order-processed`. */
export interface LiveNotification {
  notification: NotificationDoc;
  partition: number;
  offset: number;
}

const JOIN_TIMEOUT_MS = 60_000;

export type LiveListener = (live: LiveNotification) => void;

export interface LiveFeedDeps {
  kafka: Kafka;
  logger: Logger;
  topic: string;
  /** Prefix of this replica's own consumer group (each replica reads every partition). */
  groupPrefix: string;
  store: Pick<NotificationStore, 'store'>;
  backoff?: Backoff;
}

/**
 * Every replica's view of `order-processed` as it happens: this replica reads every partition with a consumer group
 * of its own (so a client connected to any replica sees every notification), makes sure each notification is
 * stored before anyone hears of it (an idempotent store, shared with the durable consumer), then tells the
 * listeners. It starts at the end of the log: what came before is history, served from Mongo.
 *
 * A notification is announced only at its canonical position (where it was first stored); a later copy of the
 * same event (a retried publish) is not announced again.
 */
export class LiveFeed {
  private readonly positions: Positions = new Map();
  private readonly listeners = new Set<LiveListener>();
  private readonly stopping = new AbortController();
  private readonly log: Logger;
  private consumer: Consumer | undefined;

  constructor(private readonly deps: LiveFeedDeps) {
    this.log = deps.logger.child({ component: 'live-feed', topic: deps.topic });
  }

  /** Where this replica has got to: the last offset of every partition it has announced or passed over. */
  current(): Positions {
    return new Map(this.positions);
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const { kafka, topic } = this.deps;
    const admin = kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string }[];
    try {
      ends = await whileBrokerSettles(
        'live feed: reading the topic ends',
        () => admin.fetchTopicOffsets(topic),
        {
          log: this.deps.logger,
        },
      );
    } finally {
      await admin.disconnect();
    }
    for (const { partition, high } of ends) this.positions.set(partition, Number(high) - 1);

    // A group of its own that never commits: it exists only to receive every partition.
    const consumer = kafka.consumer({
      groupId: `${this.deps.groupPrefix}-live-${randomUUID()}`,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.log.error({ err: payload.error, restart: payload.restart }, 'live feed consumer crashed'),
    );
    // Ready means receiving: a client told "ready" must not miss what is published next.
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: Math.max(1, ends.length),
      eachMessage: (payload) => this.handle(payload),
    });
    await withTimeout(joined, JOIN_TIMEOUT_MS);
    // Skip the history (it is served from the store): begin at the end found above. Whatever is fetched before the
    // seek lands is at or before it, and passed over.
    for (const { partition, high } of ends) consumer.seek({ topic, partition, offset: high });
    this.log.info({ positions: Object.fromEntries(this.positions) }, 'live feed started');
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer?.disconnect();
    this.listeners.clear();
  }

  private async handle({ partition, message }: EachMessagePayload): Promise<void> {
    const offset = Number(message.offset);
    if (offset <= (this.positions.get(partition) ?? -1)) return;
    const position = { topic: this.deps.topic, partition, offset: message.offset };
    let stored: NotificationDoc | undefined;
    try {
      const event = parseEventMessage('order-processed', message);
      stored = await this.storeUntilDone(event, position);
    } catch (err) {
      // The durable consumer dead-letters what is invalid; the live view just passes over it.
      if (!(err instanceof EventValidationError)) throw err;
    }
    if (stored === undefined && this.stopping.signal.aborted) return;
    this.positions.set(partition, offset);
    if (stored && stored.source.partition === partition && stored.source.offsetNum === offset) {
      for (const listener of this.listeners) listener({ notification: stored, partition, offset });
      this.log.debug(
        { orderId: stored.orderId, partition, offset, listeners: this.listeners.size },
        'announced',
      );
    }
  }

  /** Stores (or finds) the notification, waiting out a database outage: the feed must not skip one. */
  private async storeUntilDone(
    event: Parameters<NotificationStore['store']>[0],
    position: Parameters<NotificationStore['store']>[1],
  ): Promise<NotificationDoc | undefined> {
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      try {
        return (await this.deps.store.store(event, position)).notification;
      } catch (err) {
        const delayMs = backoffDelay(attempt, this.deps.backoff);
        this.log.warn(
          { err, orderId: event.orderId, attempt, delayMs },
          'could not store notification; will retry',
        );
        await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
    return undefined;
  }
}
