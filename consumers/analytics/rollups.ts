import { isDuplicateKey } from '../../core/mongo/connection';
import { rollupId, type Contribution } from './contribution';
import { rawCollection, type RollupModel } from './models';
import { offsetNumber, type EventSource } from './source';

/**
 * Step c: adds an event's contribution to the rollups of (stream, partition, hour), one conditional upsert per
 * hour it touches, each guarded by the offset. A partition's messages are applied in offset order, so each rollup
 * document has applied exactly the prefix of its messages up to `lastOffset`: a message at or below it is
 * already counted there. An event touching two hours (an outcome that takes back one counted in another hour)
 * and stopped between them is completed by its redelivery: the hour done refuses, the other applies.
 * When the guard refuses, the upsert tries to insert the existing _id and fails with a duplicate key — that is
 * the "already counted" answer, not an error. Returns whether the figures changed.
 */
export async function applyContribution(
  rollups: RollupModel,
  source: EventSource,
  contribution: Contribution,
): Promise<boolean> {
  const offset = offsetNumber(source);
  let changed = false;
  for (const [hourIso, inc] of [...contribution].sort(([a], [b]) => a.localeCompare(b))) {
    const hour = new Date(hourIso);
    try {
      await rawCollection(rollups).updateOne(
        { _id: rollupId(source.stream, source.partition, hour), lastOffset: { $lt: offset } },
        {
          $inc: inc,
          $set: {
            lastOffset: offset,
            stream: source.stream,
            topic: source.topic,
            partition: source.partition,
            hour,
          },
        },
        { upsert: true },
      );
      changed = true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  return changed;
}
