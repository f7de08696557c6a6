import type { AnyEvent, OrderCreatedV1, OrderProcessedV1 } from '../../common/events';
import { isDuplicateKey } from '../../common/mongo';
import {
  rawCollection,
  type CreatedPart,
  type FactDoc,
  type FactEvent,
  type FactModel,
  type ProcessedPart,
} from './models';
import { samePosition, type EventSource } from './source';
import { floorTo, parseInstant } from './time';

/**
 * Steps a and b of applying an event: find out whether it was seen before, and if not record it in its order's
 * fact, deciding in the same single-document write whether it is the event that completes the order's
 * created+processed pair (`second`), the one that owns the order's latency observation.
 *
 * Without transactions the decision is made by two conditional updates whose filters are disjoint:
 *   - second:  the other part exists, mine does not, and this eventId is not listed yet;
 *   - first:   the other part is missing, or mine exists already (a later run of a retried order), and this eventId
 *              is not listed yet — an upsert, so the first event of an order creates its fact.
 * Each event is recorded by exactly one successful write (the eventId guard), and whichever of an order's two
 * events is written first finds the other part missing, so exactly one of them is stored with second: true
 * whatever the interleaving. A write that matches neither filter (the fact changed since it was read) is retried
 * from a fresh read; the upsert then fails with a duplicate key, which means the same.
 */
export type Recording =
  /** The same eventId was applied from another position: a second copy of the event. */
  | { kind: 'duplicate' }
  /** Recorded now, or found recorded from this very position (a redelivery after a crash). */
  | { kind: 'recorded' | 'redelivered'; second: boolean; latencyMs: number | null };

/** Concurrent writers to one fact are at most an order's few events; more rounds than this means a bug. */
const MAX_ROUNDS = 20;

type PartName = 'created' | 'processed';

function buckets(occurredAt: string) {
  const at = parseInstant(occurredAt, 'occurredAt');
  return { at, minute: floorTo(at, 'minute'), hour: floorTo(at, 'hour') };
}

function createdPart(event: OrderCreatedV1): CreatedPart {
  const { customerId, currency, totalCents, items } = event;
  return { ...buckets(event.occurredAt), customerId, currency, totalCents, items };
}

function processedPart(event: OrderProcessedV1): ProcessedPart {
  const { status, reason, currency, totalCents, items, runId, processingMs } = event;
  return { ...buckets(event.occurredAt), status, reason, currency, totalCents, items, runId, processingMs };
}

/** What a fact says about an event already listed in it, or undefined when it is not listed. */
export function listedOutcome(
  fact: FactDoc | null,
  eventId: string,
  source: EventSource,
): Recording | undefined {
  const listed = fact?.events.find((e) => e.eventId === eventId);
  if (!fact || !listed) return undefined;
  if (!samePosition(listed, source)) return { kind: 'duplicate' };
  if (listed.second && typeof fact.latencyMs !== 'number')
    throw new Error(`fact ${fact._id}: expected latencyMs on the order's completing event ${eventId}`);
  return { kind: 'redelivered', second: listed.second, latencyMs: listed.second ? fact.latencyMs! : null };
}

export async function recordEvent(
  facts: FactModel,
  event: AnyEvent,
  source: EventSource,
): Promise<Recording> {
  const collection = rawCollection(facts);
  const [mine, other]: [PartName, PartName] =
    event.type === 'order-created' ? ['created', 'processed'] : ['processed', 'created'];
  const part = event.type === 'order-created' ? createdPart(event) : processedPart(event);
  const entry = (second: boolean): FactEvent => ({
    eventId: event.eventId,
    stream: source.stream,
    topic: source.topic,
    partition: source.partition,
    offset: source.offset,
    second,
  });
  const notListed = { 'events.eventId': { $ne: event.eventId } };

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const fact = (await collection.findOne({ _id: event.orderId })) as FactDoc | null;
    const seen = listedOutcome(fact, event.eventId, source);
    if (seen) return seen;

    const otherPart = fact?.[other];
    if (otherPart && !fact[mine]) {
      const created = mine === 'created' ? part : otherPart;
      const processed = mine === 'processed' ? part : otherPart;
      const latencyMs = Math.max(0, processed.at.getTime() - created.at.getTime());
      // Guarding on the other part's time keeps latencyMs true to the part it was computed from.
      const result = await collection.updateOne(
        { _id: event.orderId, ...notListed, [`${other}.at`]: otherPart.at, [mine]: { $exists: false } },
        { $set: { [mine]: part, latencyMs }, $push: { events: entry(true) } },
      );
      if (result.matchedCount === 1) return { kind: 'recorded', second: true, latencyMs };
      continue;
    }

    try {
      const result = await collection.updateOne(
        {
          _id: event.orderId,
          ...notListed,
          $or: [{ [other]: { $exists: false } }, { [mine]: { $exists: true } }],
        },
        { $set: { [mine]: part }, $push: { events: entry(false) } },
        { upsert: true },
      );
      if (result.matchedCount === 1 || result.upsertedCount === 1)
        return { kind: 'recorded', second: false, latencyMs: null };
    } catch (err) {
      // The fact exists but no longer matches (its other part or this event appeared meanwhile): read again.
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new Error(
    `order ${event.orderId}: could not record event ${event.eventId} after ${MAX_ROUNDS} rounds of concurrent changes`,
  );
}
