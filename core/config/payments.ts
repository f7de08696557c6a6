import { z } from 'zod';
import type { EnvOf } from './env';
import { positiveInt } from './values';

/** The simulated payment gateway. */
export const paymentsEnv = {
  PAYMENT_LATENCY_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int()
    .nonnegative('expected >= 0')
    .default(20),
  PAYMENT_TRANSIENT_FAILURE_RATE: z.coerce
    .number({ error: 'expected a probability 0-1' })
    .min(0, 'expected a probability 0-1')
    .max(1, 'expected a probability 0-1')
    .default(0),
  PAYMENT_DECLINE_OVER_CENTS: positiveInt.default(1_000_000),
  PAYMENT_DECLINE_CUSTOMERS: z.string().default(''),
};

export function paymentsSection(e: EnvOf<typeof paymentsEnv>) {
  return {
    latencyMs: e.PAYMENT_LATENCY_MS,
    transientFailureRate: e.PAYMENT_TRANSIENT_FAILURE_RATE,
    /** Charges above this are declined (a card limit). */
    declineOverCents: e.PAYMENT_DECLINE_OVER_CENTS,
    /** Customers whose cards are always declined. */
    declineCustomers: e.PAYMENT_DECLINE_CUSTOMERS.split(',')
      .map((c) => c.trim())
      .filter(Boolean),
  };
}
