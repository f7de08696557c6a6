/**
 * `npm run bench -- --seed N`: before anything is measured, the system's stores get the history N orders would
 * have left behind (seed-orders.ts, seed-consumers.ts), so a run measures a system with a past rather than an empty
 * one: whatever costs more as collections grow shows. The seeded orders are final and published, so no sweep takes
 * them for orders in flight, and they are written before the first phase, so no figure counts them.
 *
 * Written in bulk (seed-writer.ts), BATCH orders' documents at a time.
 */
import type { Connection } from 'mongoose';
import type { StackConfig } from '../stack/config';
import { floorTo } from '../../contracts/http/analytics/ranges';
import { parseKeyring } from '../../core/crypto/keyring';
import { connectMongo } from '../../core/mongo/connection';
import { orderModel } from '../../domain/orders/order-model';
import { analyticsModels } from '../../consumers/analytics/models';
import { notificationModels, type WebhookDoc } from '../../consumers/notifications/models';
import { SECRET_KEYS_VARIABLE } from '../../consumers/notifications/webhook-secrets';
import {
  analyticsOf,
  deliveryOf,
  hasWebhook,
  notificationOf,
  RollupTotals,
  seedCluster,
  webhookOf,
} from './seed-consumers';
import { SEED_SPAN_MS, seededOrders, type SeedPlan } from './seed-orders';
import { round1 } from './stats';
import { BulkWriter } from './seed-writer';

/** Orders per insertMany: each batch is this many orders, their notifications and deliveries, twice as many facts. */
export const BATCH = 1_000;
/** Batches written at once: enough to keep the database busy while the next batch is built. */
const IN_FLIGHT = 3;

export interface SeedRequest {
  mongoUrl: string;
  count: number;
  /** Part of every seeded id and customer. */
  tag: string;
  partitions: number;
  /** WEBHOOK_SECRET_KEYS: the seeded webhooks' secrets are sealed with it, as the service's own are. */
  webhookSecretKeys: string | undefined;
  log: (line: string) => void;
  now?: Date;
}

export interface SeedReport {
  orders: number;
  seconds: number;
  /** Documents written, per collection. */
  written: Record<string, number>;
  /** Seconds spent in that collection's inserts (they overlap: collections and batches are written side by side). */
  writeSeconds: Record<string, number>;
}

function collections(db: Connection) {
  const { notifications, webhooks, deliveries } = notificationModels(db);
  const { facts, rollups } = analyticsModels(db);
  return {
    orders: orderModel(db).collection,
    notifications: notifications.collection,
    analytics_facts: facts.collection,
    analytics_rollups: rollups.collection,
    webhooks: webhooks.collection,
    webhook_deliveries: deliveries.collection,
  };
}

type Batch = Partial<Record<keyof ReturnType<typeof collections>, object[]>>;

export async function seedHistory(request: SeedRequest): Promise<SeedReport> {
  const { count, log } = request;
  const started = performance.now();
  const end = floorTo(request.now ?? new Date(), 'hour');
  const plan: SeedPlan = { tag: request.tag, count, end, partitions: request.partitions };
  // Without the keys the notification service runs no webhooks at all, so the history has none either.
  const keyring = request.webhookSecretKeys
    ? parseKeyring(request.webhookSecretKeys, SECRET_KEYS_VARIABLE)
    : undefined;
  const db = await connectMongo({ url: request.mongoUrl });
  try {
    const stores = collections(db);
    const writer = new BulkWriter(stores, IN_FLIGHT);
    const rollups = new RollupTotals();
    const cluster = seedCluster(plan.tag);
    const webhooks = new Map<string, WebhookDoc | null>();
    let batch = emptyBatch();
    const webhookOn = (customerId: string): WebhookDoc | null => {
      let webhook = webhooks.get(customerId);
      if (webhook !== undefined) return webhook;
      // Registered before the customer's first order.
      const since = new Date(end.getTime() - SEED_SPAN_MS);
      webhook = keyring && hasWebhook(customerId) ? webhookOf(customerId, keyring, since) : null;
      webhooks.set(customerId, webhook);
      if (webhook) batch.webhooks!.push(webhook);
      return webhook;
    };
    let reported = 0;

    for (const seeded of seededOrders(plan)) {
      const notification = notificationOf(seeded);
      const { facts, counted } = analyticsOf(seeded, cluster);
      batch.orders!.push(seeded.order);
      batch.notifications!.push(notification);
      batch.analytics_facts!.push(...facts);
      for (const { source, contribution } of counted) rollups.add(source, contribution);
      const webhook = webhookOn(seeded.order.customerId);
      if (webhook) batch.webhook_deliveries!.push(deliveryOf(webhook, notification, seeded.order));
      if (batch.orders!.length < BATCH) continue;
      await writer.write(batch);
      batch = emptyBatch();
      if (writer.written.orders - reported >= count / 10) {
        reported = writer.written.orders;
        log(`  ${reported} of ${count} orders written (${seconds(started)} s)`);
      }
    }
    // The rollups are complete only once every order is counted.
    await writer.write({ ...batch, analytics_rollups: rollups.documents() });
    await writer.finish();

    return {
      orders: count,
      seconds: seconds(started),
      written: writer.written,
      writeSeconds: writer.seconds(),
    };
  } finally {
    await db.close();
  }
}

function emptyBatch(): Batch {
  return { orders: [], notifications: [], analytics_facts: [], webhooks: [], webhook_deliveries: [] };
}

function seconds(since: number): number {
  return round1((performance.now() - since) / 1000);
}

/** "seeded 2000 orders in 3.1 s: orders 2000, …" */
export function seedSummary(report: SeedReport): string {
  const counts = Object.entries(report.written)
    .map(([name, n]) => `${name} ${n}${n ? ` (${report.writeSeconds[name]} s inserting)` : ''}`)
    .join(', ');
  const rate = Math.round(report.orders / Math.max(0.1, report.seconds));
  // The outbox list holds only orders whose workflow has not started yet: none of a seeded order.
  return (
    `seeded ${report.orders} orders in ${report.seconds} s (${rate} orders/s); documents written: ${counts}; ` +
    'order_outbox none (every seeded order is published and started)'
  );
}

/** The bench's step before its first phase: N orders of history in the target's database, reported. */
export async function seedBeforeMeasuring(
  config: StackConfig,
  mongoUrl: string,
  count: number,
  run: string,
  log: (line: string) => void,
): Promise<void> {
  log(`seeding ${count} orders of history`);
  const report = await seedHistory({
    mongoUrl,
    count,
    tag: `${run}-seed`,
    partitions: config.kafka.topicPartitions,
    webhookSecretKeys: config.notifications.webhooks.secretKeys,
    log,
  });
  log(seedSummary(report));
}
