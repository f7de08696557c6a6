import { isDuplicateKey } from '../../core/mongo/connection';
import { rollupId, type Contribution } from './contribution';
import { rawCollection, type RollupDoc, type RollupModel } from './models';
import type { EventSource } from './source';
import { totalsAfter, type Increments } from './totals';

/** What one message of a partition contributes to the rollups, at its offset. */
export interface OffsetContribution {
  offset: number;
  contribution: Contribution;
}

/** Tries of a write whose upsert met another's first write of the document (MongoDB's duplicate key). */
const UPSERT_TRIES = 3;

/**
 * Step c: adds what consecutive messages of one partition contribute to its rollup documents (one per hour), with
 * one write per document for them all, in one command. Returns the offsets of the messages that were added now;
 * the others were already counted.
 *
 * Each document records the last offset applied to it (`lastOffset`) and keeps every figure as running totals of
 * what its messages counted and took back (totals.ts), so its content is a function of that offset alone. A write
 * reads the document by _id, adds the messages beyond its `lastOffset` in code, and writes the totals reached with
 * `$max`, by _id only. That is exact whoever else writes the same document meanwhile:
 *  - a redelivery (after a crash, or from the start of a partially applied batch) finds its offsets applied, and a
 *    batch stopped between two of its documents is completed by its redelivery;
 *  - two writers of one partition at once (the owner after a rebalance, and the former owner still finishing a
 *    batch, which Kafka cannot stop) each write true totals as of their own last offset; `$max` keeps, for every
 *    figure, the larger, which is the total as of the later offset: nothing counted twice, nothing lost, whichever
 *    lands last. A conditional filter would give the same answer, but FerretDB serves only `{_id}` from an index.
 */
export async function applyContributions(
  rollups: RollupModel,
  source: Omit<EventSource, 'offset'>,
  messages: readonly OffsetContribution[],
): Promise<Set<number>> {
  const byHour = new Map<string, { offset: number; inc: Increments }[]>();
  for (const { offset, contribution } of messages)
    for (const [hourIso, inc] of contribution)
      byHour.set(hourIso, [...(byHour.get(hourIso) ?? []), { offset, inc }]);
  const collection = rawCollection(rollups);
  const hours = [...byHour.keys()].sort();
  const ids = hours.map((hourIso) => rollupId(source.stream, source.partition, new Date(hourIso)));
  const docs = await Promise.all(ids.map((_id) => collection.findOne({ _id }) as Promise<RollupDoc | null>));

  const added = new Set<number>();
  const writes = hours.flatMap((hourIso, i) => {
    const doc = docs[i]!;
    const beyond = byHour.get(hourIso)!.filter(({ offset }) => offset > (doc?.lastOffset ?? -1));
    if (beyond.length === 0) return [];
    for (const { offset } of beyond) added.add(offset);
    const lastOffset = Math.max(...beyond.map(({ offset }) => offset));
    const totals = totalsAfter(
      doc,
      beyond.map(({ inc }) => inc),
    );
    const { stream, topic, partition } = source;
    return [
      {
        updateOne: {
          filter: { _id: ids[i]! },
          update: {
            $max: { ...totals, lastOffset },
            $setOnInsert: { stream, topic, partition, hour: new Date(hourIso) },
          },
          upsert: true,
        },
      },
    ];
  });
  if (writes.length === 0) return added;
  for (let tries = 1; ; tries++) {
    try {
      // Unordered: a document's write does not wait for another's. Every write may be repeated as it is.
      await collection.bulkWrite(writes, { ordered: false });
      return added;
    } catch (err) {
      if (!isDuplicateKey(err) || tries >= UPSERT_TRIES) throw err;
    }
  }
}
