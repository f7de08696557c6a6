import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey, modelOn } from '../../core/mongo/connection';
import type { OrderDoc, OrderModel } from './order-model';

/**
 * The outbox's work list: one entry per order whose `order-created` may not be out yet, written by the API BEFORE
 * the order (so no accepted order lacks one) and deleted by the relay once the order is published. An entry whose
 * order was never stored (the API failed between the two writes, and answered no 2xx) is dropped after a while.
 *
 * An order the relay cannot publish (it cannot be turned into a valid event, or the broker keeps refusing its
 * message) is parked: its entry stays, marked with when and why, and is skipped, so the orders behind it keep
 * flowing. Parked entries are counted (the API's readiness reports them) and put back by
 * `npm run orders -- reconcile --stale` once the cause is fixed.
 */
export interface OutboxEntryDoc {
  _id: string; // orderId
  createdAt: Date;
  /** Times the broker refused this order's message itself (not an outage). */
  rejections?: number;
  parkedAt?: Date | null;
  parkedReason?: string | null;
}

const outboxSchema = new Schema<OutboxEntryDoc>(
  {
    _id: { type: String, required: true },
    createdAt: { type: Date, required: true },
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

/** Entries the relay works on: everything not parked. (`null` matches a missing field too.) */
const UNPARKED = { parkedAt: null } as const;

/** An outbox entry older than this with no order behind it is an API write that never completed. */
const ORPHAN_AFTER_MS = 5 * 60_000;

/** An order the relay is to publish, with its entry on the outbox list. */
export interface OrderToPublish {
  order: OrderDoc;
  entry: OutboxEntryDoc;
}

/** What the outbox list holds: orders waiting for the relay, orders it parked, when the oldest waiting one came. */
export interface OutboxBacklog {
  waiting: number;
  parked: number;
  oldestWaitingSince: Date | undefined;
}

/**
 * The order store's publishing operations (order-store.ts offers them with the others): each moves an order's
 * publishState and its entry on the outbox list together.
 */
export function outboxOperations(orders: OrderModel, outbox: OutboxModel) {
  async function counts(): Promise<{ waiting: number; parked: number }> {
    const [all, parked] = await Promise.all([
      outbox.countDocuments(),
      outbox.countDocuments({ parkedAt: { $ne: null } }),
    ]);
    return { waiting: all - parked, parked };
  }

  return {
    /**
     * Up to `limit` orders waiting to be published, oldest first, read by _id through the outbox list rather than
     * by a scan of every order ever accepted. Entries with nothing left to publish are dropped on the way: their
     * order is published or parked already, or never came (older than ORPHAN_AFTER_MS: the API's write of the
     * order failed after its entry's, and it answered no 2xx).
     */
    async nextToPublish(limit: number): Promise<OrderToPublish[]> {
      const entries = await outbox.find(UNPARKED).sort({ createdAt: 1, _id: 1 }).limit(limit).lean();
      if (entries.length === 0) return [];
      const found = await Promise.all(entries.map((e) => orders.findById(e._id).lean<OrderDoc>()));
      const pending: OrderToPublish[] = [];
      const done: string[] = [];
      entries.forEach((entry, i) => {
        const order = found[i];
        if (order?.publishState === 'pending') pending.push({ order, entry });
        else if (order || Date.now() - entry.createdAt.getTime() > ORPHAN_AFTER_MS) done.push(entry._id);
      });
      if (done.length > 0) await outbox.deleteMany({ _id: { $in: done } });
      return pending;
    },

    /**
     * Kafka acknowledged these orders' order-created: published, and off the outbox list. One write per order, by
     * _id alone: FerretDB answers any other filter by reading the whole collection.
     */
    async markPublished(orderIds: string[]): Promise<void> {
      // Marking an order a concurrent relay marked already changes nothing that matters.
      const publishedAt = new Date();
      await Promise.all(
        orderIds.map((_id) =>
          orders.updateOne(
            { _id },
            { $set: { publishState: 'published', publishedAt, lastPublishError: null } },
          ),
        ),
      );
      await outbox.deleteMany({ _id: { $in: orderIds } });
    },

    /** A publish that failed: the orders stay pending, the attempt counted and its error kept. */
    async recordPublishFailure(orderIds: string[], lastPublishError: string): Promise<void> {
      await Promise.all(
        orderIds.map((_id) =>
          orders.updateOne({ _id }, { $inc: { publishAttempts: 1 }, $set: { lastPublishError } }),
        ),
      );
    },

    /** How many times the broker refused this order's message itself (not an outage), on its entry. */
    async recordRejections(orderId: string, rejections: number): Promise<void> {
      await outbox.updateOne({ _id: orderId }, { $set: { rejections } });
    },

    /** Takes an order out of the relay's way, with the reason, on its entry and on the order. */
    async park(orderId: string, reason: string, at = new Date()): Promise<void> {
      await outbox.updateOne({ _id: orderId }, { $set: { parkedAt: at, parkedReason: reason } });
      await orders.updateOne(
        { _id: orderId },
        { $set: { publishState: 'parked', lastPublishError: reason } },
      );
    },

    /**
     * Puts an order back on the relay's list, as pending, whether it was parked or lost its entry: the relay then
     * publishes it (again: consumers dedupe on the event id).
     */
    async requeue(orderId: string, createdAt: Date): Promise<void> {
      await outbox.create({ _id: orderId, createdAt }).catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      });
      await outbox.updateOne(
        { _id: orderId },
        { $set: { parkedAt: null, parkedReason: null, rejections: 0 } },
      );
      await orders.updateOne({ _id: orderId }, { $set: { publishState: 'pending', lastPublishError: null } });
    },

    /**
     * Puts every pending order on the outbox list: orders accepted before the list existed, or whose entry was
     * dropped as orphaned while the API was still stuck between its two writes. A scan of all orders: run seldom.
     */
    async relistPending(): Promise<void> {
      const pending = await orders
        .find({ publishState: 'pending' }, { _id: 1, createdAt: 1 })
        .lean<Pick<OrderDoc, '_id' | 'createdAt'>[]>();
      if (pending.length === 0) return;
      await outbox
        .insertMany(
          pending.map(({ _id, createdAt }) => ({ _id, createdAt })),
          { ordered: false },
        )
        .catch((err: unknown) => {
          // Entries already there are fine; anything else is a real failure.
          const writeErrors = (err as { writeErrors?: unknown[] }).writeErrors;
          if (!writeErrors?.every(isDuplicateKey)) throw err;
        });
    },

    /** How many orders wait for the relay, and how many it has parked. Reads the small outbox list only. */
    outboxCounts: counts,

    /** The counts, and since when the oldest order has waited. Reads the small outbox list only. */
    async outboxBacklog(): Promise<OutboxBacklog> {
      const [waiting, oldest] = await Promise.all([
        counts(),
        outbox.findOne(UNPARKED, { createdAt: 1 }).sort({ createdAt: 1 }).lean<{ createdAt: Date }>(),
      ]);
      return { ...waiting, oldestWaitingSince: oldest?.createdAt };
    },
  };
}
