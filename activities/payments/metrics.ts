import { Counter } from 'prom-client';
import { metricsRegistry } from '../../core/metrics/registry';

/**
 * What the payment gateway answered, per activity attempt: a charge `captured` or `declined`, a refund `refunded` or
 * `nothing_to_refund`, or either `unavailable` (the gateway could not be reached; the attempt is retried) or
 * `error` (anything else).
 */
export const paymentOutcomes = new Counter({
  name: 'payment_outcomes_total',
  help: 'Payment gateway answers per activity attempt, by operation (charge, refund) and outcome (captured, declined, refunded, nothing_to_refund, unavailable, error)',
  labelNames: ['operation', 'outcome'],
  registers: [metricsRegistry],
});
