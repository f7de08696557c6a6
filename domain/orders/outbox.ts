import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey, modelOn } from '../../core/mongo/connection';
import type { OrderDoc, OrderModel, PublishState } from './order-model';

/**
 * The outbox's work list: one entry per order whose workflow may not have started yet, written by the API BEFORE
 * the order (so no accepted order lacks one). The entry carries the order's publish state: the relay marks it
 * published once Kafka acknowledged the order's `order-created`, and whoever starts the order's workflow (the
 * bridge, the stale sweep, a replay) deletes it once the start is done (start-order.ts). So an accepted order with
 * no entry is one whose workflow has started (seen-status.ts), and the list only ever holds what is in flight.
 * An entry whose order was never stored (the API failed between the two writes, and answered no 2xx) is dropped
 * after a while.
 *
 * An order the relay cannot publish (it cannot be turned into a valid event, or the broker keeps refusing its
 * message) is parked: its entry stays, marked with when and why, and is skipped, so the orders behind it keep
 * flowing. Parked entries are counted (the API's readiness reports them) and put back by
 * `npm run orders -- reconcile --stale` once the cause is fixed.
 */
export interface OutboxEntryDoc {
  _id: string; // orderId
  createdAt: Date;
  /** Set once Kafka acknowledged the order's order-created; the entry then waits for the workflow's start. */
  publishedAt?: Date | null;
  /** Publishes that failed (an outage, or a refusal), and the last one's error. */
  publishAttempts?: number;
  lastPublishError?: string | null;
  /** Times the broker refused this order's message itself (not an outage). */
  rejections?: number;
  parkedAt?: Date | null;
  parkedReason?: string | null;
}

const outboxSchema = new Schema<OutboxEntryDoc>(
  {
    _id: { type: String, required: true },
    createdAt: { type: Date, required: true },
    publishedAt: { type: Date },
    publishAttempts: { type: Number },
    lastPublishError: { type: String },
    rejections: { type: Number },
    parkedAt: { type: Date, default: null },
    parkedReason: { type: String, default: null },
  },
  { collection: 'order_outbox', versionKey: false, autoIndex: false },
);

export type OutboxModel = Model<OutboxEntryDoc>;

export function outboxModel(connection: Connection): OutboxModel {
  return modelOn(connection, 'OutboxEntry', outboxSchema);
}

/** Entries the relay works on: neither parked nor published. (`null` matches a missing field too.) */
const TO_PUBLISH = { parkedAt: null, publishedAt: null } as const;

/** An outbox entry older than this with no order behind it is an API write that never completed. */
export const ORPHAN_AFTER_MS = 5 * 60_000;

/**
 * Whether the order's order-created is out, from its entry (absent: published, and its workflow started) or, for
 * an order stored before the entry carried it and not yet started since, from the order itself.
 */
export function publishStateOf(
  order: Pick<OrderDoc, 'publishState'>,
  entry: Pick<OutboxEntryDoc, 'publishedAt' | 'parkedAt'> | null,
): PublishState {
  if (entry?.parkedAt) return 'parked';
  if (entry?.publishedAt) return 'published';
  // An unpublished entry left behind by the relay of before, which marked the order and then deleted the entry.
  if (entry) return order.publishState === 'published' ? 'published' : 'pending';
  return order.publishState ?? 'published';
}

/** An order the relay is to publish, with its entry on the outbox list. */
export interface OrderToPublish {
  order: OrderDoc;
  entry: OutboxEntryDoc;
}

/** What the outbox list holds, and since when the oldest order has waited for the relay. */
export interface OutboxBacklog {
  /** Orders waiting for the relay. */
  waiting: number;
  /** Orders the relay parked. */
  parked: number;
  /** Orders published whose workflow has not started yet (normally only for the moment the bridge takes). */
  unstarted: number;
  oldestWaitingSince: Date | undefined;
}

/**
 * The order store's publishing operations (order-store.ts offers them with the others): all of them write the
 * order's entry on the outbox list, never the order, but for orders stored before the entry carried the state.
 */
export function outboxOperations(orders: OrderModel, outbox: OutboxModel) {
  async function counts(): Promise<Omit<OutboxBacklog, 'oldestWaitingSince'>> {
    const [all, parked, unstarted] = await Promise.all([
      outbox.countDocuments(),
      outbox.countDocuments({ parkedAt: { $ne: null } }),
      outbox.countDocuments({ publishedAt: { $ne: null } }),
    ]);
    return { waiting: all - parked - unstarted, parked, unstarted };
  }

  return {
    /**
     * Up to `limit` orders waiting to be published, oldest first, read by _id through the outbox list rather than
     * by a scan of every order ever accepted. Entries with nothing left to publish are dropped on the way: their
     * order was published by the relay of before (which marked the order), or never came (older than
     * ORPHAN_AFTER_MS: the API's write of the order failed after its entry's, and it answered no 2xx).
     */
    async nextToPublish(limit: number): Promise<OrderToPublish[]> {
      const entries = await outbox.find(TO_PUBLISH).sort({ createdAt: 1, _id: 1 }).limit(limit).lean();
      if (entries.length === 0) return [];
      const found = await Promise.all(entries.map((e) => orders.findById(e._id).lean<OrderDoc>()));
      const pending: OrderToPublish[] = [];
      const done: OutboxEntryDoc[] = [];
      entries.forEach((entry, i) => {
        const order = found[i];
        if (order && publishStateOf(order, entry) === 'pending') pending.push({ order, entry });
        else if (order || Date.now() - entry.createdAt.getTime() > ORPHAN_AFTER_MS) done.push(entry);
      });
      // Only the entry as read: one the API renewed meanwhile (place, order-store.ts) has a new createdAt and stays.
      await Promise.all(done.map(({ _id, createdAt }) => outbox.deleteOne({ _id, createdAt })));
      return pending;
    },

    /**
     * Kafka acknowledged these orders' order-created: their entries are marked published, and wait for the
     * workflow's start. One write for the batch, on the small outbox list; an entry already deleted (its workflow
     * started, by a concurrent relay's publish) is not written again.
     */
    async markPublished(orderIds: string[]): Promise<void> {
      await outbox.updateMany(
        { _id: { $in: orderIds } },
        { $set: { publishedAt: new Date(), lastPublishError: null } },
      );
    },

    /** A publish that failed: the orders stay pending, the attempt counted and its error kept on their entries. */
    async recordPublishFailure(orderIds: string[], lastPublishError: string): Promise<void> {
      await outbox.updateMany(
        { _id: { $in: orderIds } },
        { $inc: { publishAttempts: 1 }, $set: { lastPublishError } },
      );
    },

    /** How many times the broker refused this order's message itself (not an outage), on its entry. */
    async recordRejections(orderId: string, rejections: number): Promise<void> {
      await outbox.updateOne({ _id: orderId }, { $set: { rejections } });
    },

    /** Takes an order out of the relay's way, with the reason, on its entry. */
    async park(orderId: string, reason: string, at = new Date()): Promise<void> {
      await outbox.updateOne(
        { _id: orderId },
        { $set: { parkedAt: at, parkedReason: reason, lastPublishError: reason } },
      );
    },

    /**
     * Puts an order back on the relay's list, as pending, whether it was parked or lost its entry: the relay then
     * publishes it (again: consumers dedupe on the event id, the bridge on the order's store and workflow id).
     */
    async requeue(orderId: string, createdAt: Date): Promise<void> {
      await outbox.updateOne(
        { _id: orderId },
        {
          $set: {
            parkedAt: null,
            parkedReason: null,
            rejections: 0,
            publishedAt: null,
            lastPublishError: null,
          },
          $setOnInsert: { createdAt },
        },
        { upsert: true },
      );
      // An order stored before the entry carried its state: from now on the entry says it.
      await orders.updateOne({ _id: orderId }, { $unset: { publishState: '' } });
    },

    /**
     * The order's workflow has started (or will never be, its outcome being final): its entry is done with. An
     * order stored before the entry carried its state loses its own, so that it reads as started too.
     */
    async markStarted(orderId: string, { legacy }: { legacy: boolean }): Promise<void> {
      if (legacy) await orders.updateOne({ _id: orderId }, { $unset: { publishState: '' } });
      await outbox.deleteOne({ _id: orderId });
    },

    /** Entries of orders placed before `placedBefore`, oldest first: what the stale sweep looks at. */
    async entriesPlacedBefore(placedBefore: Date, limit: number): Promise<OutboxEntryDoc[]> {
      return await outbox
        .find({ createdAt: { $lt: placedBefore } })
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit)
        .lean<OutboxEntryDoc[]>();
    },

    /** The order's entry on the outbox list, or null when it has none (its workflow has started). */
    async outboxEntry(orderId: string): Promise<OutboxEntryDoc | null> {
      return await outbox.findById(orderId).lean<OutboxEntryDoc>();
    },

    /** The entries of these orders that are still on the list. */
    async outboxEntries(orderIds: string[]): Promise<Map<string, OutboxEntryDoc>> {
      if (orderIds.length === 0) return new Map();
      const entries = await outbox.find({ _id: { $in: orderIds } }).lean<OutboxEntryDoc[]>();
      return new Map(entries.map((e) => [e._id, e]));
    },

    /** How many orders wait for the relay, how many it has parked, how many wait for their start. */
    outboxCounts: counts,

    /** The counts, and since when the oldest order has waited for the relay. Reads the small outbox list only. */
    async outboxBacklog(): Promise<OutboxBacklog> {
      const [waiting, oldest] = await Promise.all([
        counts(),
        outbox.findOne(TO_PUBLISH, { createdAt: 1 }).sort({ createdAt: 1 }).lean<{ createdAt: Date }>(),
      ]);
      return { ...waiting, oldestWaitingSince: oldest?.createdAt };
    },

    /** Writes the order's entry again, with a new createdAt, if the relay may have dropped it as orphaned. */
    async renewEntry(orderId: string): Promise<void> {
      try {
        await outbox.updateOne({ _id: orderId }, { $set: { createdAt: new Date() } }, { upsert: true });
      } catch (err) {
        // Two upserts at once: the other one wrote it.
        if (!isDuplicateKey(err)) throw err;
      }
    },
  };
}
