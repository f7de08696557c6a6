import { z } from 'zod';
import { Cents, Currency, FailureReason, FinalStatus, OrderId, OrderLine } from '../../events';
import { rangeProblem, TIMESERIES_METRICS, timeseriesProblem } from './ranges';

/**
 * The analytics service's contract: query schemas (strings from a URL, coerced; messages phrased "expected ..." so
 * they can become the `problem` of a validation error) and response schemas, for validation and for OpenAPI.
 * Query schemas output what the store's report functions take.
 */

/**
 * How an order-processed event stands against the outcome already in its fact, decided when it is recorded:
 * - `first`: the order had no outcome yet;
 * - `supersedes`: it is later than the stored outcome (a retry's new run): it replaces it in every figure;
 * - `superseded`: the stored outcome is later: it changes no figure.
 */
export const OUTCOME_ROLES = ['first', 'supersedes', 'superseded'] as const;
export type OutcomeRole = (typeof OUTCOME_ROLES)[number];

const INSTANT = 'expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z';
const LIMIT = 'expected a whole number 1-100';

const Instant = z.iso
  .datetime({ offset: true, error: INSTANT })
  .transform((iso) => new Date(iso))
  .describe('ISO 8601 date-time.');

/** Zod runs object refinements even when a field failed; a range is checked only once both ends parsed. */
const parsed = (...dates: unknown[]) => dates.every((d) => d === undefined || d instanceof Date);

/** A refinement reporting on `to` what is wrong with the range (once both ends parsed). */
function checkRange<Q extends { from?: Date; to?: Date }>(problemOf: (q: Q) => string | null) {
  return (q: Q, ctx: z.RefinementCtx) => {
    if (!parsed(q.from, q.to)) return;
    const problem = problemOf(q);
    if (problem) ctx.addIssue({ code: 'custom', path: ['to'], message: problem });
  };
}

/** The optional hour-aligned range of the summary and top-SKU reports. */
const hourRange = {
  from: Instant.optional().describe('Inclusive; cut down to the start of its hour.'),
  to: Instant.optional().describe('Exclusive; rounded up to the start of the next hour.'),
};

export const SummaryQuery = z
  .strictObject(hourRange)
  .superRefine(checkRange((q) => rangeProblem(q.from, q.to)));
export type SummaryQuery = z.output<typeof SummaryQuery>;

export const TimeseriesMetric = z.enum(TIMESERIES_METRICS, {
  error: `expected one of ${TIMESERIES_METRICS.join(', ')}`,
});

export const TimeseriesQuery = z
  .strictObject({
    metric: TimeseriesMetric.describe(
      'orders: all final outcomes; created/completed/rejected/cancelled/failed: orders by status; ' +
        'revenue: cents of completed orders.',
    ),
    bucket: z.enum(['minute', 'hour'], { error: 'expected minute or hour' }).default('hour'),
    from: Instant.describe('Inclusive; cut down to the start of its bucket.'),
    to: Instant.describe('Exclusive; rounded up to the start of the next bucket.'),
    currency: Currency.optional().describe('Only orders in this currency.'),
  })
  .superRefine(checkRange((q) => timeseriesProblem(q.bucket, q.from, q.to)));
export type TimeseriesQuery = z.output<typeof TimeseriesQuery>;

export const TopSkusQuery = z
  .strictObject({
    limit: z.coerce.number({ error: LIMIT }).int(LIMIT).min(1, LIMIT).max(100, LIMIT).default(10),
    ...hourRange,
  })
  .superRefine(checkRange((q) => rangeProblem(q.from, q.to)));
export type TopSkusQuery = z.output<typeof TopSkusQuery>;

export const FactParams = z.strictObject({ orderId: OrderId });

// ---- responses ----

/** Amounts or counts per currency; a currency without any is absent. */
export const ByCurrency = z.partialRecord(Currency, z.number().int().nonnegative());
export type ByCurrency = z.infer<typeof ByCurrency>;

export const OrderCounts = z.object({
  created: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  inProgress: z
    .number()
    .int()
    .nonnegative()
    .describe(
      'created − final outcomes, at least 0 (an order created before the range and finished in it counts only ' +
        'as finished). A retried order counts only its final outcome.',
    ),
});
export type OrderCounts = z.infer<typeof OrderCounts>;

export const LatencyStats = z
  .object({
    count: z.number().int().nonnegative(),
    mean: z.number().nullable(),
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
  })
  .describe(
    'From order-created to the final order-processed (occurredAt to occurredAt), in ms; once per order, in the ' +
      'hour of whichever of the two was applied last. Percentiles are interpolated within histogram buckets; ' +
      'null when no order completed its pair in the range.',
  );
export type LatencyStats = z.infer<typeof LatencyStats>;

export const ReasonCount = z.object({
  status: FinalStatus.exclude(['completed']),
  type: z.string(),
  count: z.number().int().positive(),
});
export type ReasonCount = z.infer<typeof ReasonCount>;

export const Summary = z.object({
  range: z
    .object({ from: z.iso.datetime().nullable(), to: z.iso.datetime().nullable() })
    .describe('The hour-aligned range actually reported; null for an open end.'),
  orders: OrderCounts,
  revenueCents: ByCurrency.describe('Completed orders only.'),
  successRate: z.number().min(0).max(1).nullable().describe('completed / final outcomes; null when none.'),
  latencyMs: LatencyStats,
  reasons: z.array(ReasonCount).describe('Most frequent first.'),
});
export type Summary = z.infer<typeof Summary>;

export const TimeseriesPoint = z.object({
  start: z.iso.datetime(),
  value: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .describe('Count, or cents for revenue; null for revenue without a currency (currencies do not add up).'),
  byCurrency: ByCurrency,
});
export type TimeseriesPoint = z.infer<typeof TimeseriesPoint>;

export const Timeseries = z
  .array(TimeseriesPoint)
  .describe('Every bucket of the range in order, empty ones with value 0 (or null) and byCurrency {}.');
export type Timeseries = z.infer<typeof Timeseries>;

export const TopSku = z.object({
  sku: z.string(),
  quantity: z.number().int().nonnegative(),
  revenueCents: ByCurrency,
  orders: z.number().int().nonnegative().describe('Completed orders that contained the SKU.'),
});
export type TopSku = z.infer<typeof TopSku>;
export const TopSkus = z.array(TopSku).describe('Completed orders only, by quantity, most first.');

const FactEventView = z.object({
  eventId: z.uuid(),
  stream: z.string(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  offset: z.string(),
  second: z.boolean().describe("True for the event that completed the order's created+processed pair."),
  role: z
    .enum(OUTCOME_ROLES)
    .nullable()
    .describe(
      'order-processed only: first outcome, supersedes the stored one (a later run of a retried order), or ' +
        'superseded by a later one (counted nowhere).',
    ),
});

export const FactView = z.object({
  orderId: OrderId,
  created: z
    .object({
      at: z.iso.datetime(),
      customerId: z.string(),
      currency: Currency,
      totalCents: Cents,
      items: z.array(OrderLine),
    })
    .nullable(),
  processed: z
    .object({
      at: z.iso.datetime(),
      status: FinalStatus,
      reason: FailureReason.nullable(),
      currency: Currency,
      totalCents: Cents,
      items: z.array(OrderLine),
      runId: z.string(),
      processingMs: z.number().int().nonnegative(),
    })
    .nullable()
    .describe(
      'The final outcome: the order-processed event with the latest occurredAt (ties: runId), in any arrival order.',
    ),
  latencyMs: z.number().int().nonnegative().nullable(),
  events: z.array(FactEventView),
});
export type FactView = z.infer<typeof FactView>;
