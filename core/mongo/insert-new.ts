import { mongo } from 'mongoose';

/**
 * Inserts every document whose `_id` is not taken yet, in one command, and answers the positions (in `docs`) of
 * those that were already there: for writers that make a write idempotent by its `_id`, an existing document is an
 * answer, not an error. Any other failure is thrown.
 */
export async function insertNew<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  docs: readonly mongo.OptionalUnlessRequiredId<T>[],
): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  try {
    // Unordered: one document already there does not keep the others out.
    await collection.insertMany([...docs], { ordered: false });
    return new Set();
  } catch (err) {
    if (!(err instanceof mongo.MongoBulkWriteError) || err.writeConcernError) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
    return new Set(errors.map((e) => e.index));
  }
}

const DUPLICATE_KEY = 11000;
