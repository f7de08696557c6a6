import type { mongo } from 'mongoose';

/**
 * Drops indexes a collection's schema no longer declares (mongoose's createIndexes only adds): each one left behind
 * would still cost every write to the collection. A collection without them, or not created yet, is left as it is.
 */
export async function dropRetiredIndexes(
  collection: Pick<mongo.Collection, 'indexes' | 'dropIndex'>,
  names: readonly string[],
): Promise<void> {
  const present = new Set((await collection.indexes().catch(() => [])).map((index) => index.name));
  for (const name of names) if (present.has(name)) await collection.dropIndex(name);
}
