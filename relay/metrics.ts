import { Counter, Gauge } from 'prom-client';
import type { Logger } from '../core/logger';
import { metricsRegistry } from '../core/metrics/registry';
import { scrapeCache } from '../core/metrics/scrape-cache';
import type { OrderStore, OutboxBacklog } from '../domain/orders/order-store';

/**
 * What the relay did with the orders it took off the outbox list: published (Kafka acknowledged them), failed (Kafka
 * unreachable: they wait for the next try), rejected (the broker refused one order's message), parked.
 */
export const outboxPublishes = new Counter({
  name: 'outbox_published_total',
  help: 'Orders the outbox relay handled, by outcome: published, failed (retried), rejected (retried), parked',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

let source: (() => Promise<OutboxBacklog | undefined>) | undefined;

new Gauge({
  name: 'outbox_backlog_orders',
  help: 'Orders on the outbox list, by state: waiting (not yet published to order-created), parked (the relay cannot publish them; see reconcile --stale) or unstarted (published, their workflow not started yet)',
  labelNames: ['state'],
  registers: [metricsRegistry],
  async collect() {
    const backlog = await source?.();
    this.reset();
    if (!backlog) return;
    this.set({ state: 'waiting' }, backlog.waiting);
    this.set({ state: 'parked' }, backlog.parked);
    this.set({ state: 'unstarted' }, backlog.unstarted);
  },
});

new Gauge({
  name: 'outbox_oldest_age_seconds',
  help: 'How long the oldest order waiting on the outbox list has waited; 0 when none waits',
  registers: [metricsRegistry],
  async collect() {
    const backlog = await source?.();
    this.reset();
    if (!backlog) return;
    const since = backlog.oldestWaitingSince;
    this.set(since ? Math.max(0, (Date.now() - since.getTime()) / 1000) : 0);
  },
});

/**
 * Reports the outbox's backlog in this process's metrics, read on scrape (cached a few seconds, within a short
 * timeout: a scrape neither waits out nor fails on a database outage).
 */
export function trackOutboxBacklog(orders: OrderStore, logger: Logger): void {
  source = scrapeCache(() => orders.outboxBacklog(), { what: 'outbox backlog', logger });
}
