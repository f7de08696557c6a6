import { Schema, type Connection, type Model } from 'mongoose';
import { ORDER_STATUSES, type FailureReason, type OrderLine, type OrderStatus } from '../../contracts/events';
import { failureReasonSchema, orderLineSchema } from './mongo-schemas';
import { modelOn } from '../../core/mongo/connection';
import type { TraceCarrier } from '../../core/tracing/propagation';

export const PUBLISH_STATES = ['pending', 'published', 'parked'] as const;
export type PublishState = (typeof PUBLISH_STATES)[number];

/**
 * An accepted order. `publishState` says whether its `order-created` is out; the outbox relay publishes pending
 * ones and marks them published. The relay finds them through the outbox list (outbox.ts), a collection that holds
 * only what is in flight, so finding the pending orders never means reading every order ever accepted.
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
  /** `parked`: the relay gave up on publishing it (the reason in lastPublishError); see outbox.ts. */
  publishState: PublishState;
  publishAttempts: number;
  publishedAt: Date | null;
  lastPublishError: string | null;
  runId: string | null;
  /** Runs started by operator retries, so a repeated retry request can recognise its own run. */
  retryRunIds?: string[];
  /** The trace of the request that placed the order, continued by the outbox relay (absent on older orders). */
  traceContext?: TraceCarrier | null;
}

/** What a new order is made of; everything else starts as an accepted order whose `order-created` is pending. */
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
    publishState: 'pending',
    publishAttempts: 0,
    publishedAt: null,
    lastPublishError: null,
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
    publishState: { type: String, enum: PUBLISH_STATES, required: true },
    publishAttempts: { type: Number, default: 0 },
    publishedAt: { type: Date, default: null },
    lastPublishError: { type: String, default: null },
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
// The outbox relay's sweep: pending orders, oldest first.
orderSchema.index({ publishState: 1, createdAt: 1 });

export type OrderModel = Model<OrderDoc>;

export function orderModel(connection: Connection): OrderModel {
  return modelOn(connection, 'Order', orderSchema);
}
