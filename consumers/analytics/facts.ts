import type { AnyEvent } from '../../contracts/events';
import { isDuplicateKey } from '../../core/mongo/connection';
import { insertNew } from '../../core/mongo/insert-new';
import { rawCollection, type FactDoc, type FactEvent, type FactModel } from './models';
import { factChange, type Counting } from './outcomes';
import { samePosition, type EventSource } from './source';

/**
 * Steps a and b of applying an event: find out whether it was seen before, and if not record it in its order's
 * fact. What it counts for is decided (outcomes.ts) from the fact as read, and the decision is written as the
 * fact's next version: an insert of `<orderId>#<version + 1>`. The unique _id makes that insert a compare-and-set
 * (two writers deciding from the same version cannot both succeed), and the loser retries from a fresh read.
 *   - `second`: it completed the order's created+processed pair, so it adds the order's latency sample;
 *   - for an outcome, its role against the stored one (first, supersedes, superseded), and what it replaced.
 * Each event is recorded by exactly one successful write (a version lists every event before it), and every
 * decision is taken against the state it changes, so whatever the interleaving the entries add up to the fact's
 * final state: one created count, the final outcome, one latency sample.
 *
 * Why versions rather than a conditional update of one document: every write here touches one document by _id
 * only (find by _id, insert), which FerretDB serves from its primary key; a filter with any further condition
 * makes it read the whole collection, so a conditional update would cost more with every order ever counted.
 */
export type Recording =
  /** The same eventId was applied from another position: a second copy of the event. */
  | { kind: 'duplicate' }
  /** Recorded now, or found recorded from this very position (a redelivery after a crash). */
  | ({ kind: 'recorded' | 'redelivered' } & Counting);

/** An event to record, where it was read. */
export interface Consumed {
  event: AnyEvent;
  source: EventSource;
}

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

/** An event's entry in its order's fact. */
export function factEntry(event: AnyEvent, source: EventSource, counting: Counting): FactEvent {
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

/** The id of version `version` (1, 2, …) of an order's fact. */
export function factVersionId(orderId: string, version: number): string {
  return `${orderId}#${version}`;
}

type FactCollection = ReturnType<typeof rawCollection>;

/**
 * The order's latest fact and its version (0: none yet, or a fact stored before versions, under the bare orderId).
 * Probes upwards by _id: an order has a handful of events, so a handful of versions.
 */
export async function latestFact(
  collection: FactCollection,
  orderId: string,
): Promise<{ fact: FactDoc | null; version: number }> {
  let fact: FactDoc | null = null;
  let version = 0;
  for (;;) {
    const next = (await collection.findOne({ _id: factVersionId(orderId, version + 1) })) as FactDoc | null;
    if (!next) break;
    fact = next;
    version += 1;
  }
  if (version === 0) fact = (await collection.findOne({ _id: orderId })) as FactDoc | null;
  return { fact, version };
}

type Latest = Awaited<ReturnType<typeof latestFact>>;

/** The decision on an event from its order's latest fact: found listed, or the fact's next version to insert. */
function decide(
  { fact, version }: Latest,
  { event, source }: Consumed,
): { seen: Recording } | { next: FactDoc; counting: Counting } {
  const seen = listedOutcome(fact, event.eventId, source);
  if (seen) return { seen };
  const { set, counting } = factChange(fact, event);
  const next: FactDoc = {
    ...fact,
    ...set,
    _id: factVersionId(event.orderId, version + 1),
    orderId: event.orderId,
    version: version + 1,
    events: [...(fact?.events ?? []), factEntry(event, source, counting)],
  };
  return { next, counting };
}

export async function recordEvent(
  facts: FactModel,
  event: AnyEvent,
  source: EventSource,
): Promise<Recording> {
  const collection = rawCollection(facts);

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const decision = decide(await latestFact(collection, event.orderId), { event, source });
    if ('seen' in decision) return decision.seen;
    try {
      await collection.insertOne(decision.next);
      return { kind: 'recorded', ...decision.counting };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Another writer recorded the version this decision was based on: decide again from it.
    }
  }
  throw tooManyRounds(event);
}

function tooManyRounds(event: AnyEvent): Error {
  return new Error(
    `order ${event.orderId}: could not record event ${event.eventId} after ${MAX_ROUNDS} rounds of concurrent changes`,
  );
}

/**
 * `recordEvent` for several events (a partition's, in offset order) with one insert for all their new versions.
 * An order's events are decided one per round, each from the version the one before it wrote, so they are
 * recorded in order; an insert that finds its version taken (another partition's writer got there first) is
 * decided again in the next round from the version that took its place, and tried as the one after it (the insert
 * says whether that is the latest). Rounds are one, unless an order has two events here or such a race.
 */
export async function recordEvents(facts: FactModel, items: readonly Consumed[]): Promise<Recording[]> {
  const collection = rawCollection(facts);
  const recordings: Recording[] = [];
  const pending = new Map<string, number[]>();
  for (const [i, { event }] of items.entries())
    pending.set(event.orderId, [...(pending.get(event.orderId) ?? []), i]);
  const known = new Map<string, Latest>();
  /** Orders whose next version another writer took: that version is read, and the one after it tried. */
  const taken = new Map<string, number>();
  const tries = new Map<number, number>();
  const read = async (orderId: string): Promise<Latest> => {
    const version = taken.get(orderId);
    const fact =
      version && ((await collection.findOne({ _id: factVersionId(orderId, version) })) as FactDoc | null);
    return fact ? { fact, version: version! } : latestFact(collection, orderId);
  };

  while (pending.size > 0) {
    const round = [...pending.values()].map((queue) => queue[0]!);
    const unknown = [...new Set(round.map((i) => items[i]!.event.orderId))].filter((id) => !known.has(id));
    const facts = await Promise.all(unknown.map(read));
    for (const [j, orderId] of unknown.entries()) known.set(orderId, facts[j]!);

    const inserts: { i: number; next: FactDoc; counting: Counting }[] = [];
    for (const i of round) {
      const decision = decide(known.get(items[i]!.event.orderId)!, items[i]!);
      if ('seen' in decision) recordings[i] = decision.seen;
      else inserts.push({ i, ...decision });
    }
    const there = await insertNew(
      collection,
      inserts.map(({ next }) => next),
    );
    for (const [j, { i, next, counting }] of inserts.entries()) {
      const { orderId } = items[i]!.event;
      if (!there.has(j)) {
        recordings[i] = { kind: 'recorded', ...counting };
        taken.delete(orderId);
        known.set(orderId, { fact: next, version: next.version! });
      } else {
        known.delete(orderId);
        taken.set(orderId, next.version!);
        tries.set(i, (tries.get(i) ?? 0) + 1);
        if (tries.get(i)! >= MAX_ROUNDS) throw tooManyRounds(items[i]!.event);
      }
    }
    for (const i of round) {
      if (recordings[i] === undefined) continue;
      const queue = pending.get(items[i]!.event.orderId)!;
      queue.shift();
      if (queue.length === 0) pending.delete(items[i]!.event.orderId);
    }
  }
  return recordings;
}
