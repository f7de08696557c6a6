import type { AnyEvent } from '../../common/events';
import { isDuplicateKey } from '../../common/mongo';
import { rawCollection, type FactDoc, type FactEvent, type FactModel } from './models';
import { factChange, type Counting } from './outcomes';
import { samePosition, type EventSource } from './source';

/**
 * Steps a and b of applying an event: find out whether it was seen before, and if not record it in its order's
 * fact. What it counts for is decided (outcomes.ts) from the fact as read and written in the same single-document
 * update, guarded by "the fact is still as read" and "this eventId is not listed yet":
 *   - `second`: it completed the order's created+processed pair, so it adds the order's latency sample;
 *   - for an outcome, its role against the stored one (first, supersedes, superseded), and what it replaced.
 * Each event is recorded by exactly one successful write (the eventId guard), and every decision is taken against
 * the state it changes, so whatever the interleaving the entries add up to the fact's final state: one created
 * count, the final outcome, one latency sample. A write that matches nothing (the fact changed since it was read)
 * is retried from a fresh read; so is an insert that meets a fact created meanwhile (a duplicate key).
 */
export type Recording =
  /** The same eventId was applied from another position: a second copy of the event. */
  | { kind: 'duplicate' }
  /** Recorded now, or found recorded from this very position (a redelivery after a crash). */
  | ({ kind: 'recorded' | 'redelivered' } & Counting);

/** Concurrent writers to one fact are at most an order's few events; more rounds than this means a bug. */
const MAX_ROUNDS = 20;

/** What a fact says about an event already listed in it, or undefined when it is not listed. */
export function listedOutcome(
  fact: FactDoc | null,
  eventId: string,
  source: EventSource,
): Recording | undefined {
  const listed = fact?.events.find((e) => e.eventId === eventId);
  if (!fact || !listed) return undefined;
  if (!samePosition(listed, source)) return { kind: 'duplicate' };
  // Entries from before samples were kept on them: the fact's latencyMs was then never revised.
  const latencyMs = listed.latencyMs ?? (listed.second ? fact.latencyMs : undefined);
  if (listed.second && typeof latencyMs !== 'number')
    throw new Error(`fact ${fact._id}: expected latencyMs on the order's completing event ${eventId}`);
  const { second, role, replaced } = listed;
  return { kind: 'redelivered', second, latencyMs: latencyMs ?? null, role, replaced };
}

function entryOf(event: AnyEvent, source: EventSource, counting: Counting): FactEvent {
  const { second, latencyMs, role, replaced } = counting;
  return {
    eventId: event.eventId,
    stream: source.stream,
    topic: source.topic,
    partition: source.partition,
    offset: source.offset,
    second,
    ...(latencyMs !== null && { latencyMs }),
    ...(role && { role }),
    ...(replaced && { replaced }),
  };
}

export async function recordEvent(
  facts: FactModel,
  event: AnyEvent,
  source: EventSource,
): Promise<Recording> {
  const collection = rawCollection(facts);

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const fact = (await collection.findOne({ _id: event.orderId })) as FactDoc | null;
    const seen = listedOutcome(fact, event.eventId, source);
    if (seen) return seen;

    const { unchanged, set, counting } = factChange(fact, event);
    const push = { events: entryOf(event, source, counting) };
    try {
      const result = await collection.updateOne(
        { _id: event.orderId, 'events.eventId': { $ne: event.eventId }, ...unchanged },
        Object.keys(set).length ? { $set: set, $push: push } : { $push: push },
        // Only the order's first event creates its fact; the conditions are not equalities, so not copied in.
        { upsert: fact === null },
      );
      if (result.matchedCount === 1 || result.upsertedCount === 1) return { kind: 'recorded', ...counting };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new Error(
    `order ${event.orderId}: could not record event ${event.eventId} after ${MAX_ROUNDS} rounds of concurrent changes`,
  );
}
