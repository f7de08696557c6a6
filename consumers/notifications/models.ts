import { Schema, type Connection, type Model } from 'mongoose';
import { FINAL_STATUSES, type FailureReason, type FinalStatus } from '../../contracts/events';
import { failureReasonSchema } from '../../domain/orders/mongo-schemas';
import { modelOn } from '../../core/mongo/connection';
import { dropRetiredIndexes } from '../../core/mongo/retired-indexes';
import type { TraceCarrier } from '../../core/tracing/propagation';

/** Where the event behind a notification was read: lets an SSE stream resume after a Kafka position. */
export interface NotificationSource {
  topic: string;
  partition: number;
  /** Kafka's own form (an int64 as a decimal string), kept verbatim. */
  offset: string;
  /**
   * The same offset as a number, because strings compare "10" < "9" and so cannot serve range queries. Exact up
   * to 2^53, which no realistic partition reaches.
   */
  offsetNum: number;
}

/** One user-facing notification per source event: `_id` is the event's eventId, so a redelivery cannot add one. */
export interface NotificationDoc {
  _id: string;
  orderId: string;
  customerId: string;
  status: FinalStatus;
  title: string;
  body: string;
  reason: FailureReason | null;
  totalCents: number;
  currency: string;
  /** When the order reached its status (the event's time). */
  occurredAt: Date;
  /** When this service stored the notification: the history order. */
  createdAt: Date;
  source: NotificationSource;
}

/** A secret as stored: AES-256-GCM under the keyring key `keyId` (core/crypto/keyring.ts), iv and data in base64. */
export interface SealedSecret {
  keyId: string;
  iv: string;
  data: string;
}

export interface WebhookDoc {
  _id: string;
  customerId: string;
  url: string;
  /** The signing secret (`whsec_…`), sealed with the webhook's id as associated data; never stored in clear. */
  secret: SealedSecret;
  /** The secret the last rotation replaced: deliveries are signed with it too until `previousSecretExpiresAt`. */
  previousSecret?: SealedSecret | null;
  previousSecretExpiresAt?: Date | null;
  createdAt: Date;
  /** Deleting a webhook deactivates it, so its delivery log stays readable. */
  active: boolean;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The epoch: a lease that has always expired. */
export const NO_LEASE = new Date(0);

export interface DeliveryAttempt {
  at: Date;
  attempt: number;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/**
 * One notification to one webhook, and what became of it: the delivery log a customer reads. `_id` is
 * `${notificationId}:${webhookId}`, so enqueueing twice is a no-op. While it is in flight, its next attempt is
 * planned in the outbox (OutboxDoc); this document follows each attempt.
 */
export interface WebhookDeliveryDoc {
  _id: string;
  webhookId: string;
  notificationId: string;
  customerId: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  createdAt: Date;
  log: DeliveryAttempt[];
  /** The trace of the event that queued it: each attempt's span is its child (absent on older deliveries). */
  traceContext?: TraceCarrier;
}

/**
 * A delivery in flight: what the dispatchers poll and lease. It is removed once the delivery is delivered or given
 * up, so the dispatchers' work is proportional to what is in flight, never to the delivery history. Same `_id` as
 * its WebhookDeliveryDoc.
 */
export interface OutboxDoc {
  _id: string;
  webhookId: string;
  notificationId: string;
  url: string;
  attempts: number;
  nextAttemptAt: Date;
  /** A dispatcher owns the next attempt until then; the epoch means nobody does. */
  leaseUntil: Date;
  createdAt: Date;
  traceContext?: TraceCarrier;
}

const sourceSchema = new Schema<NotificationSource>(
  {
    topic: { type: String, required: true },
    partition: { type: Number, required: true },
    offset: { type: String, required: true },
    offsetNum: { type: Number, required: true },
  },
  { _id: false },
);

const notificationSchema = new Schema<NotificationDoc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true },
    customerId: { type: String, required: true },
    status: { type: String, enum: FINAL_STATUSES, required: true },
    title: { type: String, required: true },
    body: { type: String, required: true },
    reason: { type: failureReasonSchema, default: null },
    totalCents: { type: Number, required: true },
    currency: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    source: { type: sourceSchema, required: true },
  },
  { collection: 'notifications', versionKey: false, autoIndex: false },
);

// A customer's history, newest first; _id breaks ties for stable cursors.
notificationSchema.index({ customerId: 1, createdAt: -1, _id: -1 });
notificationSchema.index({ orderId: 1 });
// Resuming a customer's stream after the Kafka positions it has seen.
notificationSchema.index({ customerId: 1, 'source.partition': 1, 'source.offsetNum': 1 });

const sealedSecretSchema = new Schema<SealedSecret>(
  {
    keyId: { type: String, required: true },
    iv: { type: String, required: true },
    data: { type: String, required: true },
  },
  { _id: false },
);

const webhookSchema = new Schema<WebhookDoc>(
  {
    _id: { type: String, required: true },
    customerId: { type: String, required: true },
    url: { type: String, required: true },
    secret: { type: sealedSecretSchema, required: true },
    previousSecret: { type: sealedSecretSchema, default: null },
    previousSecretExpiresAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    active: { type: Boolean, required: true },
  },
  { collection: 'webhooks', versionKey: false, autoIndex: false },
);

webhookSchema.index({ customerId: 1 });

const attemptSchema = new Schema<DeliveryAttempt>(
  {
    at: { type: Date, required: true },
    attempt: { type: Number, required: true },
    statusCode: { type: Number },
    error: { type: String },
    durationMs: { type: Number, required: true },
  },
  { _id: false },
);

const traceContextSchema = {
  type: new Schema<TraceCarrier>(
    { traceparent: { type: String, required: true }, tracestate: { type: String } },
    { _id: false },
  ),
  default: undefined,
};

const deliverySchema = new Schema<WebhookDeliveryDoc>(
  {
    _id: { type: String, required: true },
    webhookId: { type: String, required: true },
    notificationId: { type: String, required: true },
    customerId: { type: String, required: true },
    url: { type: String, required: true },
    status: { type: String, enum: DELIVERY_STATUSES, required: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    log: { type: [attemptSchema], default: [] },
    traceContext: traceContextSchema,
  },
  { collection: 'webhook_deliveries', versionKey: false, autoIndex: false },
);

// A webhook's delivery log, newest first. Nothing else reads deliveries but by _id.
deliverySchema.index({ webhookId: 1, createdAt: -1 });
/** Indexes of earlier versions that no query uses any more (the dispatchers poll the outbox). */
const RETIRED_DELIVERY_INDEXES = ['status_1_nextAttemptAt_1'];

const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: { type: String, required: true },
    webhookId: { type: String, required: true },
    notificationId: { type: String, required: true },
    url: { type: String, required: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    leaseUntil: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    traceContext: traceContextSchema,
  },
  { collection: 'webhook_outbox', versionKey: false, autoIndex: false },
);

// The dispatchers' poll: what is due first.
outboxSchema.index({ nextAttemptAt: 1 });

export type NotificationModel = Model<NotificationDoc>;
export type WebhookModel = Model<WebhookDoc>;
export type WebhookDeliveryModel = Model<WebhookDeliveryDoc>;
export type OutboxModel = Model<OutboxDoc>;

export function notificationModel(connection: Connection): NotificationModel {
  return modelOn(connection, 'Notification', notificationSchema);
}

export function webhookModel(connection: Connection): WebhookModel {
  return modelOn(connection, 'Webhook', webhookSchema);
}

export function webhookDeliveryModel(connection: Connection): WebhookDeliveryModel {
  return modelOn(connection, 'WebhookDelivery', deliverySchema);
}

export function outboxModel(connection: Connection): OutboxModel {
  return modelOn(connection, 'WebhookOutbox', outboxSchema);
}

export interface NotificationModels {
  notifications: NotificationModel;
  webhooks: WebhookModel;
  deliveries: WebhookDeliveryModel;
  outbox: OutboxModel;
}

export function notificationModels(connection: Connection): NotificationModels {
  return {
    notifications: notificationModel(connection),
    webhooks: webhookModel(connection),
    deliveries: webhookDeliveryModel(connection),
    outbox: outboxModel(connection),
  };
}

/** Creates every index of the service's collections; call once at start-up (autoIndex is off, as elsewhere). */
export async function createNotificationIndexes(connection: Connection): Promise<void> {
  const models = notificationModels(connection);
  await models.notifications.createIndexes();
  await models.webhooks.createIndexes();
  await models.deliveries.createIndexes();
  await models.outbox.createIndexes();
  await dropRetiredIndexes(models.deliveries.collection, RETIRED_DELIVERY_INDEXES);
}
