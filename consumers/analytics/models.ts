import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { FINAL_STATUSES, type FailureReason, type FinalStatus, type OrderLine } from '../../contracts/events';
import { OUTCOME_ROLES, type OutcomeRole } from '../../contracts/http/analytics/schemas';
import { failureReasonSchema, orderLineSchema } from '../../domain/orders/mongo-schemas';
import { modelOn } from '../../core/mongo/connection';
import { dropRetiredIndexes } from '../../core/mongo/retired-indexes';

/**
 * Analytics state: one fact per order (what each of its events said, and which events were applied where) and
 * rollups per (stream, partition, hour) that reports add up. Both are maintained with writes that touch one
 * document each, by _id (see store.ts), because FerretDB has no transactions.
 */

/** An order's final outcome as a fact stores it: in its processed part, and in what a superseding event replaced. */
export interface StoredOutcome {
  status: FinalStatus;
  reason: FailureReason | null;
  currency: string;
  totalCents: number;
  items: OrderLine[];
  runId: string;
}

/** The outcome a superseding event took out of the figures, kept so that taking it out again is the same. */
export interface ReplacedOutcome extends StoredOutcome {
  at: Date;
  /** The order's latency sample that went with it, and the hour of the rollups it was counted in. */
  latencyMs?: number;
  latencyHour?: Date;
}

/**
 * Where an applied event came from, and what it adds to the rollups beyond the event itself — decided once, when
 * it was recorded, so that a redelivery adds exactly the same. `second` marks the event that completed
 * created+processed.
 */
export interface FactEvent {
  eventId: string;
  stream: string;
  topic: string;
  partition: number;
  /** Kafka offset as kafkajs gives it: a decimal string. */
  offset: string;
  second: boolean;
  /** The latency sample this event adds; absent when it adds none. */
  latencyMs?: number;
  /** order-processed only. */
  role?: OutcomeRole;
  /** `supersedes` only. */
  replaced?: ReplacedOutcome;
}

interface Buckets {
  at: Date;
  /** `at` cut to its minute and hour, so facts can be queried by bucket without date operators. */
  minute: Date;
  hour: Date;
}

export interface CreatedPart extends Buckets {
  customerId: string;
  currency: string;
  totalCents: number;
  items: OrderLine[];
}

export interface ProcessedPart extends Buckets, StoredOutcome {
  processingMs: number;
  /** The last tie-breaker when outcomes are ordered; absent on parts stored before outcomes were ordered. */
  eventId?: string;
}

/** One version of an order's fact; versions are written once each (facts.ts), the highest is current. */
export interface FactDoc {
  /** `<orderId>#<version>`; a fact stored before versions has the bare orderId. */
  _id: string;
  orderId?: string;
  version?: number;
  created?: CreatedPart;
  /** The final outcome: the order-processed event with the latest occurredAt (then runId), in any arrival order. */
  processed?: ProcessedPart;
  /** processed.at − created.at (≥ 0) as counted in the latency histogram, set with either part. */
  latencyMs?: number;
  /** The hour of the rollups holding that latency sample: that of the event which added it. */
  latencyHour?: Date;
  events: FactEvent[];
}

/** Row status of the minute counters: `created` for order-created, the final status for order-processed. */
export type CountedStatus = 'created' | FinalStatus;
export const COUNTED_STATUSES: readonly CountedStatus[] = ['created', ...FINAL_STATUSES];

export interface Tally {
  n: number;
  cents: number;
}

/** status → currency → tally. */
export type MinuteCounters = Partial<Record<string, Partial<Record<string, Tally>>>>;

export interface SkuTotals {
  qty: number;
  orders: number;
  /** currency → cents: amounts in different currencies never add up. */
  cents: Partial<Record<string, number>>;
}

/**
 * The figures of a rollup document, each a running total of what its messages counted (totals.ts). Sub-objects
 * are created on first use, so any of them may be missing. Keys of `skus` and of the reason types in `reasons` are
 * encoded with keys.ts.
 */
export interface RollupFigures {
  minutes?: Partial<Record<string, MinuteCounters>>; // "00".."59"
  skus?: Partial<Record<string, SkuTotals>>;
  reasons?: Partial<Record<string, Partial<Record<string, number>>>>; // status → reason type → count
  latency?: Partial<Record<string, number>>; // bucket index → count
  latencyCount?: number;
  latencySumMs?: number;
}

export interface RollupDoc extends RollupFigures {
  _id: string; // `${stream}|${partition}|${hour ISO}`
  stream: string;
  topic: string;
  partition: number;
  hour: Date;
  /** The highest offset applied: this document has applied exactly its messages up to this offset. */
  lastOffset: number;
  /**
   * What its messages took back (outcomes superseded since), at the same paths as the figures: reports show the
   * figures net of these. Absent until something is taken back.
   */
  takenBack?: RollupFigures;
}

const buckets = {
  at: { type: Date, required: true },
  minute: { type: Date, required: true },
  hour: { type: Date, required: true },
};

const createdSchema = new Schema<CreatedPart>(
  {
    ...buckets,
    customerId: { type: String, required: true },
    currency: { type: String, required: true },
    totalCents: { type: Number, required: true },
    items: { type: [orderLineSchema], required: true },
  },
  { _id: false },
);

const storedOutcome = {
  status: { type: String, enum: FINAL_STATUSES, required: true },
  reason: { type: failureReasonSchema, default: null },
  currency: { type: String, required: true },
  totalCents: { type: Number, required: true },
  items: { type: [orderLineSchema], required: true },
  runId: { type: String, required: true },
};

const processedSchema = new Schema<ProcessedPart>(
  {
    ...buckets,
    ...storedOutcome,
    processingMs: { type: Number, required: true },
    eventId: { type: String },
  },
  { _id: false },
);

const replacedSchema = new Schema<ReplacedOutcome>(
  {
    at: { type: Date, required: true },
    ...storedOutcome,
    latencyMs: { type: Number },
    latencyHour: { type: Date },
  },
  { _id: false },
);

const eventSchema = new Schema<FactEvent>(
  {
    eventId: { type: String, required: true },
    stream: { type: String, required: true },
    topic: { type: String, required: true },
    partition: { type: Number, required: true },
    offset: { type: String, required: true },
    second: { type: Boolean, required: true },
    latencyMs: { type: Number },
    role: { type: String, enum: OUTCOME_ROLES },
    replaced: { type: replacedSchema, default: undefined },
  },
  { _id: false },
);

const factSchema = new Schema<FactDoc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String },
    version: { type: Number },
    created: { type: createdSchema, default: undefined },
    processed: { type: processedSchema, default: undefined },
    latencyMs: { type: Number, default: undefined },
    latencyHour: { type: Date, default: undefined },
    events: { type: [eventSchema], default: [] },
  },
  { collection: 'analytics_facts', versionKey: false, autoIndex: false },
);

// No secondary index: a fact is only ever read by its _id (facts.ts probes an order's versions by _id).

const rollupSchema = new Schema<RollupDoc>(
  {
    _id: { type: String, required: true },
    stream: { type: String, required: true },
    topic: { type: String, required: true },
    partition: { type: Number, required: true },
    hour: { type: Date, required: true },
    lastOffset: { type: Number, required: true },
    minutes: { type: Schema.Types.Mixed },
    skus: { type: Schema.Types.Mixed },
    reasons: { type: Schema.Types.Mixed },
    latency: { type: Schema.Types.Mixed },
    latencyCount: { type: Number },
    latencySumMs: { type: Number },
    takenBack: { type: Schema.Types.Mixed },
  },
  { collection: 'analytics_rollups', versionKey: false, autoIndex: false, minimize: false },
);

// Every report reads the rollups of a time range, across streams and partitions.
rollupSchema.index({ hour: 1 });

export type FactModel = Model<FactDoc>;
export type RollupModel = Model<RollupDoc>;

export interface AnalyticsModels {
  facts: FactModel;
  rollups: RollupModel;
}

export function analyticsModels(connection: Connection): AnalyticsModels {
  return {
    facts: modelOn(connection, 'AnalyticsFact', factSchema),
    rollups: modelOn(connection, 'AnalyticsRollup', rollupSchema),
  };
}

/**
 * The driver collection under a model. The analytics writes are hand-built updates on data-derived paths; going
 * around mongoose's casting keeps each filter and update exactly as written.
 */
export function rawCollection(model: FactModel | RollupModel): mongo.Collection<{ _id: string }> {
  return model.collection as unknown as mongo.Collection<{ _id: string }>;
}

/** Creates the collections' indexes; call once at start-up (as the API does for orders). */
export async function createAnalyticsIndexes({ facts, rollups }: AnalyticsModels): Promise<void> {
  await facts.createIndexes();
  await rollups.createIndexes();
  await dropRetiredIndexes(rawCollection(facts), ['orderId_1_version_1']);
}
