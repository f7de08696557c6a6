import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey, modelOn } from '../../core/mongo/connection';
import type { OrderModel } from './order-model';

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
export const UNPARKED = { parkedAt: null } as const;

/** Takes an order out of the relay's way, with the reason, on its entry and on the order. */
export async function park(
  orders: OrderModel,
  orderId: string,
  reason: string,
  at = new Date(),
): Promise<void> {
  const outbox = outboxModel(orders.db);
  await outbox.updateOne({ _id: orderId }, { $set: { parkedAt: at, parkedReason: reason } });
  await orders.updateOne({ _id: orderId }, { $set: { publishState: 'parked', lastPublishError: reason } });
}

/**
 * Puts an order back on the relay's list, as pending, whether it was parked or lost its entry: the relay then
 * publishes it (again: consumers dedupe on the event id).
 */
export async function requeue(orders: OrderModel, orderId: string, createdAt: Date): Promise<void> {
  const outbox = outboxModel(orders.db);
  await outbox.create({ _id: orderId, createdAt }).catch((err: unknown) => {
    if (!isDuplicateKey(err)) throw err;
  });
  await outbox.updateOne({ _id: orderId }, { $set: { parkedAt: null, parkedReason: null, rejections: 0 } });
  await orders.updateOne({ _id: orderId }, { $set: { publishState: 'pending', lastPublishError: null } });
}

/** How many orders wait for the relay, and how many it has parked. Reads the small outbox list only. */
export async function outboxCounts(orders: OrderModel): Promise<{ waiting: number; parked: number }> {
  const outbox = outboxModel(orders.db);
  const [all, parked] = await Promise.all([
    outbox.countDocuments(),
    outbox.countDocuments({ parkedAt: { $ne: null } }),
  ]);
  return { waiting: all - parked, parked };
}
