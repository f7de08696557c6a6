import { z } from 'zod';
import { OrderId } from '../../events';
import { TOPICS } from '../../topics';
import { NEXT_CURSOR, PAGE_QUERY } from './schemas';

/**
 * The contract of the API's operator endpoints: retrying failed orders, the payment gateway switch, task queues,
 * consumer lag and dead letters, an order's trace and the audit log. Validated and documented from these schemas,
 * as the order endpoints are from ./schemas.
 */

const INSTANT = 'expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z';
// Strings, not Dates: a request body is documented as the JSON it is; the route turns them into times.
const instant = z.iso.datetime({ offset: true, error: INSTANT });
const RETRY_LIMIT = 'expected a whole number 1-10000';

export const RetryFailedRequest = z
  .strictObject(
    {
      since: instant.optional().describe('Only orders that failed at or after this time.'),
      until: instant.optional().describe('Only orders that failed before this time.'),
      failureType: z
        .string({ error: 'expected a failure type such as GatewayUnavailable' })
        .min(1)
        .max(100)
        .optional(),
      limit: z
        .number({ error: RETRY_LIMIT })
        .int(RETRY_LIMIT)
        .min(1, RETRY_LIMIT)
        .max(10_000, RETRY_LIMIT)
        .default(1000),
    },
    { error: 'expected a JSON object' },
  )
  .describe('Which failed orders to retry; every field is optional.');

export const GatewaySwitchRequest = z
  .strictObject(
    {
      available: z.boolean({ error: 'expected true or false' }),
      reason: z.string({ error: 'expected a string' }).max(500, 'expected at most 500 characters').optional(),
    },
    { error: 'expected a JSON object' },
  )
  .describe('Switch the simulated payment gateway off (every charge fails as an outage) or on.');

export const RetryAccepted = z.object({
  orderId: OrderId,
  status: z.literal('processing'),
  outcome: z.enum(['retried', 'already-retrying']),
  runId: z.string().describe('The run now processing the order.'),
});

export const BulkRetryReport = z.object({
  matched: z.number().int(),
  retried: z.number().int(),
  alreadyRetrying: z.number().int(),
  refused: z.array(z.object({ orderId: OrderId, reason: z.string() })),
});

export const GatewayState = z.object({
  available: z.boolean(),
  reason: z.string().nullable(),
  updatedAt: z.iso.datetime().nullable(),
});

const QueueStats = z.object({
  backlogCount: z.number().int(),
  backlogAgeSeconds: z.number(),
  addRatePerSecond: z.number(),
  dispatchRatePerSecond: z.number(),
  activePollers: z.number().int().describe('Workers that polled in the last minute.'),
  pollers: z.array(
    z.object({
      identity: z.string(),
      lastSeen: z.iso.datetime().nullable(),
      ratePerSecond: z.number().nullable(),
    }),
  ),
});

export const TaskQueuesReport = z.object({
  queues: z.array(
    z.object({
      name: z.string(),
      activity: QueueStats,
      workflow: QueueStats.nullable().describe('Only for the queue that runs workflow code (orders).'),
    }),
  ),
});

const DEAD_LETTER_TOPICS = Object.values(TOPICS);
const DLQ_LIMIT = 'expected a whole number 1-500';

export const DeadLetterQuery = z.strictObject({
  topic: z
    .enum(DEAD_LETTER_TOPICS, { error: `expected one of ${DEAD_LETTER_TOPICS.join(', ')}` })
    .describe('The topic whose dead letters (`<topic>.dlq`) to list.'),
  limit: z.coerce
    .number({ error: DLQ_LIMIT })
    .int(DLQ_LIMIT)
    .min(1, DLQ_LIMIT)
    .max(500, DLQ_LIMIT)
    .default(50)
    .describe('The newest this many.'),
});

export const DeadLetterReplayRequest = z
  .strictObject(
    {
      topic: z.enum(DEAD_LETTER_TOPICS, { error: `expected one of ${DEAD_LETTER_TOPICS.join(', ')}` }),
      id: z
        .string({ error: 'expected a dead letter id such as 0:42' })
        .regex(/^\d{1,6}:\d{1,19}$/, 'expected a dead letter id such as 0:42')
        .optional()
        .describe('Only this dead letter (`partition:offset`); every one of the topic without it.'),
    },
    { error: 'expected a JSON object' },
  )
  .describe('Which dead letters to publish again to the topic they came from.');

export const DeadLetter = z.object({
  id: z.string().describe('`partition:offset` in the dead-letter topic.'),
  key: z.string().nullable().describe('The order id the message was keyed by.'),
  consumer: z.string().nullable().describe('The consumer group that gave up on it.'),
  failedAt: z.string().nullable(),
  error: z.string().nullable().describe('Why it was given up on.'),
  origin: z.string().nullable().describe('`topic/partition:offset` it was read from.'),
});

export const DeadLetterPage = z.object({
  topic: z.string(),
  total: z.number().int().nonnegative().describe('Dead letters in the topic.'),
  items: z.array(DeadLetter).describe('The newest first, at most `limit`.'),
});

export const DeadLetterReplayReport = z.object({
  replayed: z.array(z.string()).describe('The ids published again.'),
});

export const ConsumerLagReport = z.object({
  groups: z.array(
    z.object({
      group: z.string(),
      consumer: z.enum(['bridge', 'notifications', 'analytics']),
      topic: z.string(),
      total: z.number().int().nonnegative().describe('Messages not yet committed by the group.'),
      partitions: z.record(z.string(), z.number().int().nonnegative()),
    }),
  ),
});

export const TracedSpan = z.object({
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  name: z.string().describe('e.g. POST /orders, publish order-created, RunActivity:chargePayment'),
  service: z.string().describe('The process that made it.'),
  startTime: z.iso.datetime(),
  durationMs: z.number(),
  status: z.enum(['UNSET', 'OK', 'ERROR']),
  statusMessage: z.string().nullable(),
  depth: z.number().int().nonnegative().describe('Its depth in the tree; spans come in tree order.'),
  orphan: z.boolean().describe('Its parent is missing from the trace (not exported, or lost).'),
});

export const OrderTraces = z.object({
  orderId: OrderId,
  traces: z
    .array(z.object({ traceId: z.string(), durationMs: z.number(), spans: z.array(TracedSpan) }))
    .describe('Oldest first: a retry or a replay may have started another trace.'),
});

export const AuditQuery = z.strictObject({
  orderId: OrderId.optional().describe('Only the actions on this order.'),
  actor: z
    .string({ error: 'expected an operator name' })
    .min(1, 'expected an operator name')
    .max(200, 'expected at most 200 characters')
    .optional()
    .describe('Only this operator’s actions (a token subject, or cli:<user>).'),
  ...PAGE_QUERY,
});

export const AuditEntry = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  actor: z.string().describe('The operator: a token subject, or cli:<user> for the command line.'),
  action: z.string().describe('order.retry, orders.retry-failed, payment-gateway.switch, ...'),
  orderIds: z.array(z.string()),
  details: z.record(z.string(), z.unknown()),
});
export const AuditPage = z.object({
  items: z.array(AuditEntry),
  nextCursor: NEXT_CURSOR,
});
export type AuditPage = z.infer<typeof AuditPage>;
