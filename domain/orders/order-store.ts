import type { Connection, QueryFilter } from 'mongoose';
import type { FailureReason, OrderStatus } from '../../contracts/events';
import { isDuplicateKey } from '../../core/mongo/connection';
import { keysetPage, type Page } from '../../core/mongo/keyset-page';
import { newOrder, orderModel, type NewOrder, type OrderDoc } from './order-model';
import { outboxModel, outboxOperations } from './outbox';

export type { NewOrder, OrderDoc } from './order-model';
export type { OrderToPublish, OutboxBacklog } from './outbox';

/**
 * The order record's one owner: every process and activity reads and changes an order, and its entry on the
 * outbox list, through these operations and nothing else.
 *
 * How an order's record changes (two things move: `status`, what became of the order, and `publishState`, whether
 * its order-created is out):
 *
 *   place                 API        a new order: accepted, publish pending; its outbox entry is written first
 *   markPublished         relay      pending -> published, its entry off the list
 *   recordPublishFailure  relay      stays pending, the attempt counted
 *   park                  relay      pending -> parked: the relay cannot publish it; its entry stays, skipped
 *   requeue               stale sweep, reconcile --stale
 *                                    parked (or pending with its entry lost) -> pending, back on the list
 *   recordStatus          workflow   accepted -> processing -> completed | rejected | failed | cancelled, with the
 *                                    steps done, the reason and the run
 *   recordRetryRun        operator   failed -> processing, the retry's run remembered
 *
 * Everything else reads. FerretDB has no transactions: each operation leans on single-document atomic writes and on
 * idempotency, so a repeated or interrupted one leaves the record right.
 */
export function orderStore(connection: Connection) {
  const orders = orderModel(connection);
  const outbox = outboxModel(connection);

  return {
    /** The collection's indexes (listing, the relay's sweep); run by the processes that use them as they start. */
    async createIndexes(): Promise<void> {
      await orders.createIndexes();
    },

    /**
     * Stores a new order, accepted, its order-created pending. The outbox entry is written first, then the order:
     * once the order is acknowledged the relay will find and publish it whatever happens next. Idempotent by id (the
     * id is derived from the Idempotency-Key when there is one): an id already taken answers the order stored then.
     * Throws what the database threw otherwise.
     */
    async place(fields: NewOrder): Promise<PlaceOutcome> {
      const order = newOrder(fields);
      try {
        // An entry left by an earlier attempt with the same Idempotency-Key is this order's entry too.
        await outbox.create({ _id: order._id, createdAt: order.createdAt }).catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
        await orders.create(order);
        return { outcome: 'placed', order };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Only a derived id can collide: this is a retry of an Idempotency-Key, or a misuse of one.
        const existing = await orders.findById(order._id).lean<OrderDoc>();
        if (!existing) throw err;
        return {
          outcome: existing.requestHash === order.requestHash ? 'replayed' : 'conflict',
          order: existing,
        };
      }
    },

    /** The order, or null when there is none. */
    async get(orderId: string): Promise<OrderDoc | null> {
      return await orders.findById(orderId).lean<OrderDoc>();
    },

    /** The order's stored status, or null when there is no such order. */
    async statusOf(orderId: string): Promise<OrderStatus | null> {
      return (await orders.findById(orderId, { status: 1 }).lean<{ status: OrderStatus }>())?.status ?? null;
    },

    /** A page of orders, newest first, optionally one customer's and/or of one status (see keysetPage). */
    async page(
      { customerId, status }: { customerId?: string; status?: OrderStatus },
      position: { limit: number; cursor?: string },
    ): Promise<Page<OrderDoc>> {
      const filter: QueryFilter<OrderDoc> = {};
      if (customerId !== undefined) filter.customerId = customerId;
      if (status !== undefined) filter.status = status;
      return keysetPage(orders, filter, position);
    },

    /** Orders placed before `placedBefore` and still accepted, oldest first. */
    async stillAccepted(placedBefore: Date, limit: number): Promise<OrderDoc[]> {
      return await orders
        .find({ status: 'accepted', createdAt: { $lt: placedBefore } })
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit)
        .lean<OrderDoc[]>();
    },

    /** The ids of failed orders matching the filter. */
    async failedIds(filter: FailedOrderFilter): Promise<string[]> {
      const query: Record<string, unknown> = { status: 'failed' };
      if (filter.since || filter.until) {
        query.updatedAt = {
          ...(filter.since ? { $gte: filter.since } : {}),
          ...(filter.until ? { $lt: filter.until } : {}),
        };
      }
      if (filter.failureType) query['reason.type'] = filter.failureType;
      const failed = await orders
        .find(query)
        .select({ _id: 1 })
        .limit(filter.limit)
        .lean<{ _id: string }[]>();
      return failed.map(({ _id }) => _id);
    },

    /** Keeps the stored order (what the API lists and filters on) in step with its workflow. */
    async recordStatus(record: StatusRecord): Promise<void> {
      await orders.updateOne(
        { _id: record.orderId },
        {
          $set: {
            status: record.status,
            steps: record.steps,
            reason: record.reason,
            runId: record.runId,
            updatedAt: new Date(),
          },
        },
      );
    },

    /** An operator's retry started `runId` for this failed order. */
    async recordRetryRun(orderId: string, runId: string): Promise<void> {
      // Remembered so a repeated request can tell "my retry is running" from "the first run is still running".
      await orders.updateOne({ _id: orderId }, { $push: { retryRunIds: runId } });
      // Readers see the order in flight at once, not its old outcome; only from `failed`, so a retry run quick
      // enough to have recorded its own status already is not set back.
      await orders.updateOne(
        { _id: orderId, status: 'failed' },
        { $set: { status: 'processing', reason: null, updatedAt: new Date() } },
      );
    },

    ...outboxOperations(orders, outbox),
  };
}

export type OrderStore = ReturnType<typeof orderStore>;

export type PlaceOutcome =
  /** Stored now. */
  | { outcome: 'placed'; order: OrderDoc }
  /** The same request again (a retried Idempotency-Key): the order stored the first time, as it is now. */
  | { outcome: 'replayed'; order: OrderDoc }
  /** Another request already took the id: an Idempotency-Key reused for a different order. Nothing stored. */
  | { outcome: 'conflict'; order: OrderDoc };

/** What the workflow records of its order. */
export interface StatusRecord {
  orderId: string;
  status: OrderStatus;
  steps: string[];
  reason: FailureReason | null;
  runId: string;
}

export interface FailedOrderFilter {
  /** Failed at or after (the order's last update). */
  since?: Date;
  until?: Date;
  /** The failure's type, e.g. GatewayUnavailable. */
  failureType?: string;
  limit: number;
}
