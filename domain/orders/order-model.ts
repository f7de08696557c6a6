import { Schema, type Connection, type Model } from 'mongoose';
import { ORDER_STATUSES, type FailureReason, type OrderLine, type OrderStatus } from '../../contracts/events';
import { failureReasonSchema, orderLineSchema } from './mongo-schemas';
import { modelOn } from '../../core/mongo/connection';
import type { TraceCarrier } from '../../core/tracing/propagation';

export const PUBLISH_STATES = ['pending', 'published', 'parked'] as const;
export type PublishState = (typeof PUBLISH_STATES)[number];

/**
 * An accepted order. Whether its `order-created` is out is kept on its entry in the outbox list (outbox.ts), not
 * here: the entry is written before the order, marked published by the relay and deleted once the order's workflow
 * has started, so publishing and starting an order write only that small collection.
 *
 * `publishState`, `publishAttempts`, `publishedAt` and `lastPublishError` are written on orders stored before the
 * outbox entry carried them (read by publishStateOf, outbox.ts, and seenStatus); new orders have none of them.
 */
export interface OrderDoc {
  _id: string; // orderId
  customerId: string;
  email: string;
  currency: string;
  items: OrderLine[];
  totalCents: number;
  status: OrderStatus;
  reason: FailureReason | null;
  steps: string[];
  idempotencyKey: string | null;
  /** sha256 of the normalised request, to refuse a reused Idempotency-Key with a different body. */
  requestHash: string;
  createdAt: Date;
  updatedAt: Date;
  /** Orders stored before the outbox entry carried it only; cleared when their workflow is started. */
  publishState?: PublishState;
  publishAttempts?: number;
  publishedAt?: Date | null;
  lastPublishError?: string | null;
  runId: string | null;
  /** Runs started by operator retries, so a repeated retry request can recognise its own run. */
  retryRunIds?: string[];
  /** The trace of the request that placed the order, continued by the outbox relay (absent on older orders). */
  traceContext?: TraceCarrier | null;
}

/** What a new order is made of; everything else starts as an accepted order, its entry on the outbox list. */
export interface NewOrder {
  _id: string;
  customerId: string;
  email: string;
  currency: string;
  items: OrderLine[];
  totalCents: number;
  idempotencyKey: string | null;
  requestHash: string;
  createdAt: Date;
  traceContext?: TraceCarrier | null;
}

/** A freshly accepted order, as the API stores it. */
export function newOrder(fields: NewOrder): OrderDoc {
  return {
    ...fields,
    status: 'accepted',
    reason: null,
    steps: [],
    updatedAt: fields.createdAt,
    runId: null,
  };
}

const traceCarrierSchema = new Schema<TraceCarrier>(
  { traceparent: { type: String, required: true }, tracestate: { type: String } },
  { _id: false },
);

const orderSchema = new Schema<OrderDoc>(
  {
    _id: { type: String, required: true },
    customerId: { type: String, required: true },
    email: { type: String, required: true },
    currency: { type: String, required: true },
    items: { type: [orderLineSchema], required: true },
    totalCents: { type: Number, required: true },
    status: { type: String, enum: ORDER_STATUSES, required: true },
    reason: { type: failureReasonSchema, default: null },
    steps: { type: [String], default: [] },
    idempotencyKey: { type: String, default: null },
    requestHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    // No defaults: new orders carry none of these (see OrderDoc).
    publishState: { type: String, enum: PUBLISH_STATES, default: undefined },
    publishAttempts: { type: Number, default: undefined },
    publishedAt: { type: Date, default: undefined },
    lastPublishError: { type: String, default: undefined },
    runId: { type: String, default: null },
    retryRunIds: { type: [String], default: undefined },
    traceContext: { type: traceCarrierSchema, default: undefined },
  },
  { collection: 'orders', versionKey: false, autoIndex: false },
);

// Listing: newest first, optionally by customer and/or status; _id breaks ties for stable cursors.
orderSchema.index({ createdAt: -1, _id: -1 });
orderSchema.index({ customerId: 1, createdAt: -1, _id: -1 });
orderSchema.index({ status: 1, createdAt: -1, _id: -1 });

export type OrderModel = Model<OrderDoc>;

export function orderModel(connection: Connection): OrderModel {
  return modelOn(connection, 'Order', orderSchema);
}
