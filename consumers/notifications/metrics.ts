import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../core/metrics/registry';

/**
 * Webhook delivery attempts by result: `delivered` (a 2xx), `retrying` (failed, tried again after a backoff),
 * `failed` (failed with the attempts used up), `dropped` (not sent: the webhook was deleted or the notification is
 * gone).
 */
export const webhookDeliveries = new Counter({
  name: 'webhook_deliveries_total',
  help: 'Webhook delivery attempts by result: delivered, retrying (will be tried again), failed (attempts used up), dropped (webhook deleted)',
  labelNames: ['result'],
  registers: [metricsRegistry],
});

export type WebhookResult = 'delivered' | 'retrying' | 'failed' | 'dropped';

const sseSources = new Set<() => number>();

new Gauge({
  name: 'sse_clients_connected',
  help: 'Notification streams (Server-Sent Events) open on this replica',
  registers: [metricsRegistry],
  collect() {
    let open = 0;
    for (const count of sseSources) open += count();
    this.set(open);
  },
});

/** Reports the streams `count` says are open, until the returned function is called. */
export function trackSseClients(count: () => number): () => void {
  sseSources.add(count);
  return () => void sseSources.delete(count);
}
