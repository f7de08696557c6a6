import { Counter, Histogram } from 'prom-client';
import type { AnyEvent } from '../../contracts/events';
import { metricsRegistry } from '../../core/metrics/registry';
import type { ApplyOutcome } from './store';

export const ordersFinal = new Counter({
  name: 'orders_final_total',
  help: 'Final outcomes of orders (order-processed events, each counted once), by status and reason type (none for completed); an operator retry adds its new outcome',
  labelNames: ['status', 'reason'],
  registers: [metricsRegistry],
});

export const orderEndToEndLatency = new Histogram({
  name: 'order_end_to_end_latency_seconds',
  help: 'Time from an order being accepted by the API to its final status in the workflow (processingMs of order-processed), by status',
  labelNames: ['status'],
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  registers: [metricsRegistry],
});

/**
 * Counts an order's outcome once: here, where analytics applies each `order-processed` event exactly once in effect
 * (`applied` comes back once per eventId, whatever is redelivered, duplicated or replayed, and with several
 * replicas only the owner of the partition applies it). The latency is the event's own `processingMs`, the figure
 * /analytics/summary reports, so the dashboard and the report agree.
 */
export function recordOutcome(event: AnyEvent, outcome: ApplyOutcome): void {
  if (event.type !== 'order-processed' || outcome !== 'applied') return;
  ordersFinal.inc({ status: event.status, reason: event.reason?.type ?? 'none' });
  orderEndToEndLatency.observe({ status: event.status }, event.processingMs / 1000);
}
