import type { Connection, QueryFilter } from 'mongoose';
import type { FailureReason, OrderStatus } from '../../contracts/events';
import { isDuplicateKey } from '../../core/mongo/connection';
import { keysetPage, type Page } from '../../core/mongo/keyset-page';
import { newOrder, orderModel, type NewOrder, type OrderDoc } from './order-model';
import { ORPHAN_AFTER_MS, outboxModel, outboxOperations } from './outbox';
import { seenStatus, statusesSeenAs } from './seen-status';

export type { NewOrder, OrderDoc } from './order-model';
export type { OrderToPublish, OutboxBacklog } from './outbox';

/**
 * The order record's one owner: every process and activity reads and changes an order, and its entry on the
 * outbox list, through these operations and nothing else.
 *
 * How an order moves (its `status`, what became of it, on the order; whether its order-created is out and its
 * workflow started, on its outbox entry, outbox.ts):
 *
 *   place                 API        a new order, accepted; its outbox entry (pending) is written first
 *   markPublished         relay      entry pending -> published (the order is not written)
 *   recordPublishFailure  relay      entry stays pending, the attempt counted
 *   park                  relay      entry pending -> parked: the relay cannot publish it; it stays, skipped
 *   requeue               stale sweep, reconcile --stale
 *                                    entry parked (or lost) -> pending, back on the list
 *   markStarted           bridge, stale sweep, replay (start-order.ts)
 *                                    the workflow started (or the order is final already): entry deleted
 *   recordStatus          workflow   accepted -> completed | rejected | failed | cancelled, with the steps done,
 *                                    the reason and the run (runs started before FEWER_WRITES also
 *                                    record `processing` first)
 *   recordRetryRun        operator   failed -> processing, the retry's run remembered
 *
 * `processing` is not written when a workflow starts: an order stored `accepted` whose entry is gone has started,
 * and reads as processing (seen-status.ts: `page` and `seen` answer it so). An order stored before the entry
 * carried its publish state keeps that state on itself until its workflow is started (publishStateOf).
 *
 * Everything else reads. FerretDB has no transactions: each operation leans on single-document atomic writes and on
 * idempotency, so a repeated or interrupted one leaves the record right.
 */
export function orderStore(connection: Connection) {
  const orders = orderModel(connection);
  const outbox = outboxModel(connection);
  const ops = outboxOperations(orders, outbox);

  /** The answer to a request whose order id is taken: the same request again, or another one. */
  async function answerTaken(existing: OrderDoc, order: OrderDoc): Promise<PlaceOutcome> {
    return {
      outcome: existing.requestHash === order.requestHash ? 'replayed' : 'conflict',
      // As it is now, as readers see it (a started order reads processing).
      order: (await asSeen([existing]))[0]!,
    };
  }

  /** The orders as readers see them: `accepted` ones whose workflow has started read as `processing`. */
  async function asSeen(docs: OrderDoc[]): Promise<OrderDoc[]> {
    const accepted = docs.filter((o) => o.status === 'accepted').map((o) => o._id);
    if (accepted.length === 0) return docs;
    const entries = await ops.outboxEntries(accepted);
    return docs.map((o) => ({ ...o, status: seenStatus(o, entries.get(o._id) ?? null) }));
  }

  return {
    /** The collection's indexes (listing); run by the processes that use them as they start. */
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
      // Only a derived id (from an Idempotency-Key) can be taken: a retry of the key, or a misuse of it. Answered
      // from the stored order without a write: an entry written again for an order already started would have it
      // published again.
      const taken = async () => {
        const existing = await orders.findById(order._id).lean<OrderDoc>();
        return existing ? answerTaken(existing, order) : null;
      };
      if (order.idempotencyKey !== null) {
        const answer = await taken();
        if (answer) return answer;
      }
      const listedAt = Date.now();
      try {
        // An entry left by an earlier attempt with the same Idempotency-Key is this order's entry too.
        await outbox.create({ _id: order._id, createdAt: order.createdAt }).catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
        await orders.create(order);
        // Stuck long enough between the two writes for the relay to have taken the entry for an orphan (it drops
        // one only as it read it, so a renewed entry stays): written again, with the time of now.
        if (Date.now() - listedAt > ORPHAN_AFTER_MS / 2) await ops.renewEntry(order._id);
        return { outcome: 'placed', order };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // A concurrent request with the same Idempotency-Key stored it first.
        const answer = await taken();
        if (!answer) throw err;
        return answer;
      }
    },

    /** The order, or null when there is none. */
    async get(orderId: string): Promise<OrderDoc | null> {
      return await orders.findById(orderId).lean<OrderDoc>();
    },

    /**
     * What a start needs to know of the order: its stored status, and whether it was stored before its outbox
     * entry carried its publish state (it then keeps `publishState` on itself until started). Null: no such order.
     */
    async startState(orderId: string): Promise<{ status: OrderStatus; legacy: boolean } | null> {
      const order = await orders
        .findById(orderId, { status: 1, publishState: 1 })
        .lean<Pick<OrderDoc, 'status' | 'publishState'>>();
      return order ? { status: order.status, legacy: order.publishState !== undefined } : null;
    },

    /** The order with the status readers see (seen-status.ts): `accepted` once started reads as `processing`. */
    async seen(order: OrderDoc): Promise<OrderDoc> {
      return (await asSeen([order]))[0]!;
    },

    /**
     * A page of orders as readers see them, newest first, optionally one customer's and/or of one status (see
     * keysetPage). `accepted` and `processing` are both stored `accepted` while the workflow runs: a page asked for
     * either is read from both and keeps those seen so, so it may hold fewer than `limit` items before its end.
     */
    async page(
      { customerId, status }: { customerId?: string; status?: OrderStatus },
      position: { limit: number; cursor?: string },
    ): Promise<Page<OrderDoc>> {
      const filter: QueryFilter<OrderDoc> = {};
      if (customerId !== undefined) filter.customerId = customerId;
      if (status !== undefined) {
        const stored = statusesSeenAs(status);
        filter.status = stored.length === 1 ? stored[0] : { $in: stored };
      }
      const page = await keysetPage(orders, filter, position);
      const items = await asSeen(page.items);
      return { ...page, items: status === undefined ? items : items.filter((o) => o.status === status) };
    },

    /**
     * Orders placed before `placedBefore`, still accepted and stored before the outbox entry carried their publish
     * state, oldest first: what the stale sweep of entries cannot see. A scan by status: for the operator's
     * reconcile only.
     */
    async legacyStillAccepted(placedBefore: Date, limit: number): Promise<OrderDoc[]> {
      return await orders
        .find({ status: 'accepted', createdAt: { $lt: placedBefore }, publishState: { $exists: true } })
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

    ...ops,
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
