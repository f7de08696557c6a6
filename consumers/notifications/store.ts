import type { Connection, QueryFilter, mongo } from 'mongoose';
import { keysetPage, type Page } from '../../core/mongo/keyset-page';
import type { OrderProcessedV1 } from '../../contracts/events';
import { insertNew } from '../../core/mongo/insert-new';
import { InvalidFieldError } from '../../core/errors';
import { notificationModel, type NotificationDoc, type NotificationSource } from './models';
import { renderNotification } from './templates';

/** Where the event was read from, as the Kafka consumer sees it. */
export interface EventSource {
  topic: string;
  partition: number;
  offset: string;
}

export interface HistoryQuery {
  customerId: string;
  limit: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
}

export type HistoryPage = Page<NotificationDoc>;

export interface AfterQuery {
  customerId?: string;
  orderId?: string;
  /**
   * Partition → the last offset the reader has seen on it. Only listed partitions are read: a partition missing
   * from the map counts as fully seen, so a caller that forgets one gets nothing from it rather than its whole
   * history. Pass every partition of the topic (−1 for "nothing seen yet").
   */
  positions: ReadonlyMap<number, number>;
  limit: number;
}

export const MAX_PAGE = 500;

/**
 * What storing a consumed message's notification came to, for the durable consumer's counters:
 * - `stored`: this call wrote it;
 * - `alreadyStored`: it was written from this very message before (an earlier delivery of the message);
 * - `duplicate`: it was written from another message: this one is a second copy of the event.
 */
export type StoreOutcome = 'stored' | 'alreadyStored' | 'duplicate';

export function storeOutcome(
  notification: NotificationDoc,
  created: boolean,
  from: EventSource,
): StoreOutcome {
  if (created) return 'stored';
  const { source } = notification;
  const same =
    source.topic === from.topic && source.partition === from.partition && source.offset === from.offset;
  return same ? 'alreadyStored' : 'duplicate';
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;

/** An event to store a notification of, where it was read. */
export interface ToStore {
  event: OrderProcessedV1;
  source: EventSource;
}

/** A notification as stored, and whether this call wrote it (false: it was there already). */
export interface Stored {
  notification: NotificationDoc;
  created: boolean;
}

/**
 * The notifications of `order-processed` events, one per eventId, written only by the durable consumer (live feeds
 * read them). A notification's `_id` is its eventId, so a redelivered event (even at another offset, even
 * concurrently) finds the first one instead of adding a second.
 */
export function createNotificationStore(connection: Connection, opts: { now?: () => Date } = {}) {
  const notifications = notificationModel(connection);
  const collection = notifications.collection as unknown as mongo.Collection<NotificationDoc>;
  const now = opts.now ?? (() => new Date());

  /** Stores the notifications of several events (a partition's, in offset order) with one insert. */
  async function storeMany(items: readonly ToStore[]): Promise<Stored[]> {
    const docs = items.map(({ event, source }) => notificationDoc(event, source, now()));
    const there = await insertNew(collection, docs);
    return Promise.all(
      docs.map(async (doc, i): Promise<Stored> => {
        if (!there.has(i)) return { notification: doc, created: true };
        const existing = await byId(doc._id);
        // Only a deletion between the failed insert and this read gets here; the redelivery will retry.
        if (!existing) throw new Error(`notification ${doc._id} exists yet cannot be read`);
        return { notification: existing, created: false };
      }),
    );
  }

  async function store(event: OrderProcessedV1, source: EventSource): Promise<Stored> {
    const [stored] = await storeMany([{ event, source }]);
    return stored!;
  }

  async function history(query: HistoryQuery): Promise<HistoryPage> {
    return keysetPage(
      notifications,
      { customerId: query.customerId },
      {
        limit: pageSize(query.limit),
        cursor: query.cursor,
      },
    );
  }

  /** What a resuming stream missed, in Kafka order within each partition (partition, then offset). */
  async function after(query: AfterQuery): Promise<NotificationDoc[]> {
    const limit = pageSize(query.limit);
    const beyond = [...query.positions].map(([partition, offset]) => ({
      'source.partition': partition,
      'source.offsetNum': { $gt: offset },
    }));
    if (beyond.length === 0) return [];
    const filter: QueryFilter<NotificationDoc> = { $or: beyond };
    if (query.customerId !== undefined) filter.customerId = query.customerId;
    if (query.orderId !== undefined) filter.orderId = query.orderId;
    return notifications
      .find(filter)
      .sort({ 'source.partition': 1, 'source.offsetNum': 1 })
      .limit(limit)
      .lean<NotificationDoc[]>();
  }

  async function byId(eventId: string): Promise<NotificationDoc | null> {
    return notifications.findById(eventId).lean<NotificationDoc>();
  }

  /** The customer of an order, as its notifications say; undefined when none has been seen. */
  async function ownerOf(orderId: string): Promise<string | undefined> {
    const doc = await notifications.findOne({ orderId }, { customerId: 1 }).lean<{ customerId: string }>();
    return doc?.customerId;
  }

  return { store, storeMany, history, after, byId, ownerOf };
}

/** The notification stored of an order's outcome, read at `source`. */
export function notificationDoc(
  event: OrderProcessedV1,
  source: EventSource,
  createdAt: Date,
): NotificationDoc {
  return {
    _id: event.eventId,
    orderId: event.orderId,
    customerId: event.customerId,
    ...renderNotification(event),
    reason: event.reason,
    totalCents: event.totalCents,
    currency: event.currency,
    occurredAt: new Date(event.occurredAt),
    createdAt,
    source: sourceOf(source),
  };
}

function sourceOf(source: EventSource): NotificationSource {
  if (!Number.isInteger(source.partition) || source.partition < 0) {
    throw new InvalidFieldError('source.partition', 'a whole number >= 0', source.partition);
  }
  const offsetNum = /^\d+$/.test(source.offset) ? Number(source.offset) : NaN;
  if (!Number.isSafeInteger(offsetNum)) {
    throw new InvalidFieldError('source.offset', 'a Kafka offset: decimal digits below 2^53', source.offset);
  }
  return { topic: source.topic, partition: source.partition, offset: source.offset, offsetNum };
}

function pageSize(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidFieldError('limit', `a whole number 1-${MAX_PAGE}`, limit);
  }
  return limit;
}
