import type { AnyEvent } from '../../common/events';
import { latencyBucket } from './histogram';
import { encodeKey } from './keys';
import type { CountedStatus } from './models';
import { floorTo, minuteKey, parseInstant } from './time';

/** Reason type counted when a non-completed order carries no reason. */
export const UNKNOWN_REASON = 'Unknown';

export function countedStatus(event: AnyEvent): CountedStatus {
  return event.type === 'order-created' ? 'created' : event.status;
}

/** The rollup document an event is counted in: its source partition, the hour of its occurredAt. */
export function rollupId(stream: string, partition: number, hour: Date): string {
  return `${stream}|${partition}|${hour.toISOString()}`;
}

export function eventHour(event: AnyEvent): Date {
  return floorTo(parseInstant(event.occurredAt, 'occurredAt'), 'hour');
}

/**
 * What one event adds to its hour's rollup, as `$inc` paths. `latencyMs` is given only for the event that
 * completed its order's created+processed pair, so each order enters the latency histogram exactly once.
 * Pure, so the arithmetic is unit-tested without a database.
 */
export function rollupIncrements(event: AnyEvent, latencyMs: number | null): Record<string, number> {
  const status = countedStatus(event);
  const at = parseInstant(event.occurredAt, 'occurredAt');
  const tally = `minutes.${minuteKey(at)}.${status}.${event.currency}`;
  const inc: Record<string, number> = { [`${tally}.n`]: 1, [`${tally}.cents`]: event.totalCents };

  if (event.type === 'order-processed') {
    if (event.status === 'completed') {
      // An order may list a SKU on several lines: one path per SKU, or $inc would name the same path twice.
      const perSku = new Map<string, { qty: number; cents: number }>();
      for (const line of event.items) {
        const sum = perSku.get(line.sku) ?? { qty: 0, cents: 0 };
        sum.qty += line.quantity;
        sum.cents += line.lineTotalCents;
        perSku.set(line.sku, sum);
      }
      for (const [sku, sum] of perSku) {
        const path = `skus.${encodeKey(sku)}`;
        inc[`${path}.qty`] = sum.qty;
        inc[`${path}.orders`] = 1;
        inc[`${path}.cents.${event.currency}`] = sum.cents;
      }
    } else {
      inc[`reasons.${status}.${encodeKey(event.reason?.type ?? UNKNOWN_REASON)}`] = 1;
    }
  }

  if (latencyMs !== null) {
    inc[`latency.${latencyBucket(latencyMs)}`] = 1;
    inc.latencyCount = 1;
    inc.latencySumMs = latencyMs;
  }
  return inc;
}
