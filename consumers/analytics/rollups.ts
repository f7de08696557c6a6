import type { AnyEvent } from '../../common/events';
import { isDuplicateKey } from '../../common/mongo';
import { eventHour, rollupId, rollupIncrements } from './contribution';
import { rawCollection, type RollupModel } from './models';
import { offsetNumber, type EventSource } from './source';

/**
 * Step c: adds an event's contribution to the rollup of (stream, partition, hour of occurredAt) in ONE conditional
 * upsert guarded by the offset. A partition's messages are applied in offset order, so each rollup document has
 * applied exactly the prefix of its messages up to `lastOffset`: a message at or below it is already counted.
 * When the guard refuses, the upsert tries to insert the existing _id and fails with a duplicate key — that is
 * the "already counted" answer, not an error. Returns whether the figures changed.
 */
export async function applyToRollup(
  rollups: RollupModel,
  event: AnyEvent,
  source: EventSource,
  latencyMs: number | null,
): Promise<boolean> {
  const offset = offsetNumber(source);
  const hour = eventHour(event);
  try {
    await rawCollection(rollups).updateOne(
      { _id: rollupId(source.stream, source.partition, hour), lastOffset: { $lt: offset } },
      {
        $inc: rollupIncrements(event, latencyMs),
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
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
