import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { keysetPage, type Page } from '../../core/mongo/keyset-page';

/**
 * What operators did: who, what, when, on which orders, with what result. Written by every operator action (the
 * API's and the `orders` command's), read by operators (GET /ops/audit). Entries are only ever added.
 */
export interface AuditEntryDoc {
  _id: string;
  createdAt: Date;
  /** The operator: the token's subject, or `cli:<user>` for the command line. */
  actor: string;
  action: string;
  orderIds: string[];
  /** What the action was asked (its filter, the switch's new state) and what came of it, in brief. */
  details: Record<string, unknown>;
}

const schema = new Schema<AuditEntryDoc>(
  {
    _id: { type: String, required: true },
    createdAt: { type: Date, required: true },
    actor: { type: String, required: true },
    action: { type: String, required: true },
    orderIds: { type: [String], default: [] },
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false, minimize: false },
);
schema.index({ createdAt: -1, _id: -1 });
schema.index({ orderIds: 1, createdAt: -1, _id: -1 });
schema.index({ actor: 1, createdAt: -1, _id: -1 });

/** Bulk actions list at most this many order ids in one entry (and say how many there were). */
export const MAX_ORDER_IDS = 1_000;

export type AuditLog = ReturnType<typeof auditLog>;

export function auditLog(connection: Connection) {
  const entries: Model<AuditEntryDoc> =
    (connection.models.AuditEntry as Model<AuditEntryDoc> | undefined) ??
    connection.model<AuditEntryDoc>('AuditEntry', schema, 'operator_actions');

  return {
    model: entries,
    async record(entry: {
      actor: string;
      action: string;
      orderIds?: string[];
      details?: Record<string, unknown>;
    }) {
      const orderIds = entry.orderIds ?? [];
      const details =
        orderIds.length > MAX_ORDER_IDS
          ? { ...entry.details, orderCount: orderIds.length }
          : (entry.details ?? {});
      const doc: AuditEntryDoc = {
        _id: randomUUID(),
        createdAt: new Date(),
        actor: entry.actor,
        action: entry.action,
        orderIds: orderIds.slice(0, MAX_ORDER_IDS),
        details,
      };
      await entries.create(doc);
      return doc;
    },
    /** Newest first, optionally only one order's or one operator's entries. */
    list(
      filter: { orderId?: string; actor?: string },
      page: { limit: number; cursor?: string },
    ): Promise<Page<AuditEntryDoc>> {
      return keysetPage(
        entries,
        {
          ...(filter.orderId !== undefined ? { orderIds: filter.orderId } : {}),
          ...(filter.actor !== undefined ? { actor: filter.actor } : {}),
        },
        page,
      );
    },
  };
}
