import { z } from 'zod';

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
