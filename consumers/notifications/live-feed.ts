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
  store: Pick<NotificationStore, 'byId'>;
  /**
   * Whether the durable consumer group has handled the message at (partition, offset): committed past it. A
   * message handled yet never stored was dead-lettered, and is passed over rather than waited for.
   */
  handled?: (partition: number, offset: number) => Promise<boolean>;
  /** How often to look for a notification not stored yet (default 20 ms doubling to 500 ms). */
  backoff?: Backoff;
}

/** Looking for a notification this many times without finding it, ask whether its message was handled. */
const ASK_HANDLED_EVERY = 10;
/** Notifications stored here ahead of the feed, kept for it until it gets there: at most this many. */
const MAX_AHEAD = 10_000;
const DEFAULT_BACKOFF: Backoff = { initialMs: 20, maxMs: 500 };

/**
 * Every replica's view of `order-processed` as it happens: this replica reads every partition with a consumer group
 * of its own (so a client connected to any replica sees every notification), waits until each notification is
 * stored (by the durable consumer, whichever replica owns its partition: the feed only reads), then tells the
 * listeners. What this replica's durable consumer stores it hands over at once (`stored`); the rest it reads by
 * _id. It starts at the end of the log: what came before is history, served from Mongo.
 *
 * A notification is announced only at its canonical position (where it was first stored); a later copy of the
 * same event (a retried publish) is not announced again.
 */
export class LiveFeed {
  private readonly positions: Positions = new Map();
  private readonly listeners = new Set<LiveListener>();
  private readonly stopping = new AbortController();
  /** Stored here, not yet reached by the feed; and the feed's waits for one, to cut short when it is stored. */
  private readonly ahead = new Map<string, NotificationDoc>();
  private readonly waiting = new Map<string, AbortController>();
  private readonly log: Logger;
  private consumer: Consumer | undefined;

  constructor(private readonly deps: LiveFeedDeps) {
    this.log = deps.logger.child({ component: 'live-feed', topic: deps.topic });
  }

  /** Where this replica has got to: the last offset of every partition it has announced or passed over. */
  current(): Positions {
    return new Map(this.positions);
  }

  /** What this replica's durable consumer has just stored (or found stored): the feed need not read it. */
  stored(notifications: readonly NotificationDoc[]): void {
    for (const n of notifications) {
      const wait = this.waiting.get(n._id);
      if (!wait && n.source.offsetNum <= (this.positions.get(n.source.partition) ?? -1)) continue;
      this.ahead.set(n._id, n);
      wait?.abort();
    }
    // Kept for messages the feed has yet to reach; a bound in case it never does (it stopped meanwhile).
    for (const id of this.ahead.keys()) {
      if (this.ahead.size <= MAX_AHEAD) break;
      this.ahead.delete(id);
    }
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
    let stored: NotificationDoc | undefined;
    try {
      const { eventId } = parseEventMessage('order-processed', message);
      stored = await this.whenStored(eventId, partition, offset);
      this.ahead.delete(eventId);
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

  /**
   * The notification once stored, waiting out the durable consumer and any database outage: the feed must not
   * skip one. Undefined when stopping, or when its message was handled without storing it (dead-lettered).
   */
  private async whenStored(
    eventId: string,
    partition: number,
    offset: number,
  ): Promise<NotificationDoc | undefined> {
    const backoff = this.deps.backoff ?? DEFAULT_BACKOFF;
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      const handed = this.ahead.get(eventId);
      this.ahead.delete(eventId);
      if (handed) return handed;
      try {
        const found = await this.deps.store.byId(eventId);
        if (found) return found;
        // Stored before committed: a message handled, and still not stored, never will be.
        if (attempt % ASK_HANDLED_EVERY === 0 && (await this.deps.handled?.(partition, offset))) {
          return (await this.deps.store.byId(eventId)) ?? undefined;
        }
      } catch (err) {
        this.log.warn({ err, eventId, attempt }, 'could not read notification; will retry');
      }
      const wake = new AbortController();
      this.waiting.set(eventId, wake);
      const signal = AbortSignal.any([this.stopping.signal, wake.signal]);
      await sleep(backoffDelay(attempt, backoff), undefined, { signal }).catch(() => undefined);
      this.waiting.delete(eventId);
    }
    return undefined;
  }
}
