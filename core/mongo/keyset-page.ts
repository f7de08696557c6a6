import type { Model, QueryFilter } from 'mongoose';
import { z } from 'zod';
import { InvalidFieldError } from '../errors';

/** Where a page ended: the sort key (createdAt desc, _id desc) of its last order. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

const Encoded = z.strictObject({ createdAt: z.iso.datetime(), _id: z.string().min(1) });

/** Opaque to clients: base64url JSON, so its shape can change without breaking anyone who just passes it back. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ createdAt: cursor.createdAt.toISOString(), _id: cursor.id })).toString(
    'base64url',
  );
}

/** The cursor, or undefined when the string is not one this API produced. */
export function decodeCursor(value: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = Encoded.safeParse(json);
  return parsed.success ? { createdAt: new Date(parsed.data.createdAt), id: parsed.data._id } : undefined;
}

/** What a page holds and where the next one starts (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of `filter`'s documents, newest first, by keyset pagination on (createdAt, _id) descending: stable
 * under concurrent inserts, no skip() cost (the model needs an index ending in `createdAt: -1, _id: -1`).
 * Throws InvalidFieldError naming `cursor` when it is not one this function produced.
 */
export async function keysetPage<T extends { _id: string; createdAt: Date }>(
  model: Model<T>,
  filter: QueryFilter<T>,
  { limit, cursor }: { limit: number; cursor?: string },
): Promise<Page<T>> {
  const query: QueryFilter<T> = { ...filter };
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (!after) throw new InvalidFieldError('cursor', 'the nextCursor of a previous page', cursor);
    query.$or = [
      { createdAt: { $lt: after.createdAt } },
      { createdAt: after.createdAt, _id: { $lt: after.id } },
    ];
  }
  // One more than asked tells whether another page exists without a count.
  const docs = (await model
    .find(query)
    .sort({ createdAt: -1, _id: -1 })
    .limit(limit + 1)
    .lean()) as unknown as T[];
  const items = docs.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      docs.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last._id }) : null,
  };
}
