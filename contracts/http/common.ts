import { z } from 'zod';

/** Shapes shared by every HTTP service: the customer id they filter by, errors, liveness, readiness. */

const CUSTOMER_ID = 'expected a string of 1-100 characters';
export const CustomerId = z.string({ error: CUSTOMER_ID }).min(1, CUSTOMER_ID).max(100, CUSTOMER_ID);

export const ErrorDetail = z.object({
  field: z.string().describe('Path of the offending value, e.g. items[1].quantity'),
  problem: z.string(),
  received: z.unknown().optional(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorBody = z.object({
  error: z.string().describe('Machine-readable code, e.g. validation_failed, unknown_sku, not_found'),
  message: z.string(),
  details: z.array(ErrorDetail).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const ConsumerLag = z
  .record(
    z.string().describe('topic'),
    z.object({
      total: z.number().int(),
      partitions: z.record(z.string(), z.number().int()).describe('partition → messages not yet committed'),
    }),
  )
  .describe("Messages of each consumed topic not yet committed by this service's consumer group.");

export const ReadinessReport = z.object({
  ok: z.boolean().describe('Whether every required check passed: the instance should receive traffic.'),
  checks: z.record(
    z.string(),
    z.object({
      ok: z.boolean(),
      required: z
        .boolean()
        .describe('false: reported only; the service does its job without it for a while (the API, Kafka).'),
      detail: z.string().optional(),
    }),
  ),
  consumerLag: ConsumerLag.optional(),
});
export type ReadinessReport = z.infer<typeof ReadinessReport>;

export const Health = z.object({ ok: z.literal(true) });
export type ConsumerLag = z.infer<typeof ConsumerLag>;
