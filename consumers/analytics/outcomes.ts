import type { AnyEvent, OrderCreatedV1, OrderProcessedV1 } from '../../contracts/events';
import type { OutcomeRole } from '../../contracts/http/analytics/schemas';
import type { CreatedPart, FactDoc, ProcessedPart, ReplacedOutcome } from './models';
import { floorTo } from '../../contracts/http/analytics/ranges';
import { parseInstant } from './time';

/**
 * How an event changes its order's fact, decided from the fact as read. The change is written as the fact's next
 * version, which only one writer can create (facts.ts), so the decision and the change are one atomic write.
 *
 * Outcomes are ordered by occurredAt, then runId, then eventId — never by arrival — so whatever order an order's
 * events are applied in, its fact ends with the same final outcome and the same latency sample.
 */

/** What the rollups need beyond the event itself; kept in the event's fact entry for redeliveries. */
export interface Counting {
  /** The event completed the order's created+processed pair. */
  second: boolean;
  /** The latency sample this event adds to its own hour's rollup, or null. */
  latencyMs: number | null;
  role?: OutcomeRole;
  replaced?: ReplacedOutcome;
}

export interface FactChange {
  /** Fields to set; empty when only the event entry is added. */
  set: Record<string, unknown>;
  counting: Counting;
}

function buckets(occurredAt: string) {
  const at = parseInstant(occurredAt, 'occurredAt');
  return { at, minute: floorTo(at, 'minute'), hour: floorTo(at, 'hour') };
}

export function createdPart(event: OrderCreatedV1): CreatedPart {
  const { customerId, currency, totalCents, items } = event;
  return { ...buckets(event.occurredAt), customerId, currency, totalCents, items };
}

export function processedPart(event: OrderProcessedV1): ProcessedPart {
  const { status, reason, currency, totalCents, items, runId, processingMs, eventId } = event;
  return {
    ...buckets(event.occurredAt),
    status,
    reason,
    currency,
    totalCents,
    items,
    runId,
    processingMs,
    eventId,
  };
}

/** Whether outcome a comes after outcome b: the later one is final. */
export function isLater(a: ProcessedPart, b: ProcessedPart): boolean {
  if (a.at.getTime() !== b.at.getTime()) return a.at > b.at;
  if (a.runId !== b.runId) return a.runId > b.runId;
  return (a.eventId ?? '') > (b.eventId ?? '');
}

export function latencyBetween(created: CreatedPart, processed: ProcessedPart): number {
  return Math.max(0, processed.at.getTime() - created.at.getTime());
}

function createdChange(fact: FactDoc | null, event: OrderCreatedV1): FactChange {
  const part = createdPart(event);
  const processed = fact?.processed;
  if (processed && !fact.created) {
    const latencyMs = latencyBetween(part, processed);
    return {
      set: { created: part, latencyMs, latencyHour: part.hour },
      counting: { second: true, latencyMs },
    };
  }
  // Either no outcome yet, or a created part already there (the pair, if complete, was completed before).
  return { set: { created: part }, counting: { second: false, latencyMs: null } };
}

function replacedOutcome(fact: FactDoc, current: ProcessedPart): ReplacedOutcome {
  const { at, status, reason, currency, totalCents, items, runId } = current;
  const replaced: ReplacedOutcome = { at, status, reason, currency, totalCents, items, runId };
  if (!fact.created) return replaced;
  if (typeof fact.latencyMs !== 'number')
    throw new Error(`fact ${fact._id}: expected latencyMs beside its created and processed parts`);
  // A fact from before latencyHour was kept: its sample was added by the processed event, unless created came
  // last — the outcome's hour is then the better guess, as nothing records which.
  return { ...replaced, latencyMs: fact.latencyMs, latencyHour: fact.latencyHour ?? current.hour };
}

function processedChange(fact: FactDoc | null, event: OrderProcessedV1): FactChange {
  const part = processedPart(event);
  const created = fact?.created;
  const current = fact?.processed;
  if (current && isLater(current, part))
    return { set: {}, counting: { second: false, latencyMs: null, role: 'superseded' } };

  const latencyMs = created ? latencyBetween(created, part) : null;
  const set = { processed: part, ...(latencyMs !== null && { latencyMs, latencyHour: part.hour }) };
  if (!current) return { set, counting: { second: latencyMs !== null, latencyMs, role: 'first' } };
  return {
    set,
    counting: { second: false, latencyMs, role: 'supersedes', replaced: replacedOutcome(fact!, current) },
  };
}

export function factChange(fact: FactDoc | null, event: AnyEvent): FactChange {
  return event.type === 'order-created' ? createdChange(fact, event) : processedChange(fact, event);
}
