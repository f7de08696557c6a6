import type { AnyEvent, FailureReason, OrderLine } from '../../contracts/events';
import { latencyBucket } from './histogram';
import { encodeKey } from './keys';
import type { CountedStatus, ReplacedOutcome } from './models';
import type { Counting } from './outcomes';
import { floorTo } from '../../contracts/http/analytics/ranges';
import { minuteKey, parseInstant } from './time';

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

/** What is counted of an order in one status: an event's, or an outcome replaced since. */
interface Counted {
  at: Date;
  status: CountedStatus;
  reason: FailureReason | null;
  currency: string;
  totalCents: number;
  items: OrderLine[];
}

type Increments = Record<string, number>;

function add(into: Increments, path: string, amount: number): void {
  into[path] = (into[path] ?? 0) + amount;
}

/** `sign` is +1 to count, −1 to take back exactly what counting added. */
function countIncrements(counted: Counted, sign: 1 | -1): Increments {
  const { status, currency } = counted;
  const tally = `minutes.${minuteKey(counted.at)}.${status}.${currency}`;
  const inc: Increments = { [`${tally}.n`]: sign, [`${tally}.cents`]: sign * counted.totalCents };
  if (status === 'created') return inc;
  if (status === 'completed') {
    // An order may list a SKU on several lines: one path per SKU, summed, so each figure has one amount.
    const perSku = new Map<string, { qty: number; cents: number }>();
    for (const line of counted.items) {
      const sum = perSku.get(line.sku) ?? { qty: 0, cents: 0 };
      sum.qty += line.quantity;
      sum.cents += line.lineTotalCents;
      perSku.set(line.sku, sum);
    }
    for (const [sku, sum] of perSku) {
      const path = `skus.${encodeKey(sku)}`;
      inc[`${path}.qty`] = sign * sum.qty;
      inc[`${path}.orders`] = sign;
      inc[`${path}.cents.${currency}`] = sign * sum.cents;
    }
  } else {
    inc[`reasons.${status}.${encodeKey(counted.reason?.type ?? UNKNOWN_REASON)}`] = sign;
  }
  return inc;
}

function latencyIncrements(latencyMs: number, sign: 1 | -1): Increments {
  return {
    [`latency.${latencyBucket(latencyMs)}`]: sign,
    latencyCount: sign,
    latencySumMs: sign * latencyMs,
  };
}

function countedOf(event: AnyEvent): Counted {
  const at = parseInstant(event.occurredAt, 'occurredAt');
  const status = countedStatus(event);
  const reason = event.type === 'order-processed' ? event.reason : null;
  return { at, status, reason, currency: event.currency, totalCents: event.totalCents, items: event.items };
}

/**
 * What one event adds to its hour's rollup, as amounts per figure path. `latencyMs` is given only for an event
 * that adds its order's latency sample, so each order is in the latency histogram exactly once. Pure, so the
 * arithmetic is unit-tested without a database.
 */
export function rollupIncrements(event: AnyEvent, latencyMs: number | null): Increments {
  const inc = countIncrements(countedOf(event), 1);
  return latencyMs === null ? inc : { ...inc, ...latencyIncrements(latencyMs, 1) };
}

/** Amounts per figure path, per rollup hour (ISO), all for the rollup documents of the event's own partition. */
export type Contribution = Map<string, Increments>;

/**
 * Everything an event changes in the rollups, as decided when it was recorded:
 *  - its own count (unless superseded) and any latency sample it adds, in its own hour;
 *  - for an outcome that supersedes another, the replaced outcome taken back in the minute and hour where it was
 *    counted, and its latency sample in the hour that sample was counted. So every range and bucket of a report
 *    shows each order's final outcome at that outcome's time, and never a negative figure once all is applied.
 * Paths meeting in one hour are summed (a negative amount takes back: totals.ts keeps it apart).
 */
export function rollupContribution(event: AnyEvent, counting: Counting): Contribution {
  const contribution: Contribution = new Map();
  const addAll = (hour: Date, inc: Increments) => {
    const key = hour.toISOString();
    const into = contribution.get(key) ?? {};
    for (const [path, amount] of Object.entries(inc)) add(into, path, amount);
    contribution.set(key, into);
  };

  if (counting.role !== 'superseded') addAll(eventHour(event), rollupIncrements(event, counting.latencyMs));
  const replaced: ReplacedOutcome | undefined = counting.replaced;
  if (replaced) {
    const hour = floorTo(replaced.at, 'hour');
    addAll(hour, countIncrements(replaced, -1));
    if (replaced.latencyMs !== undefined)
      addAll(replaced.latencyHour ?? hour, latencyIncrements(replaced.latencyMs, -1));
  }
  return contribution;
}
