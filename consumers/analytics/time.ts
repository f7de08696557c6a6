/** UTC time buckets. Rollups are per hour with per-minute counters, so every range is cut on these boundaries. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

export type BucketSize = 'minute' | 'hour';
export const BUCKET_MS: Record<BucketSize, number> = { minute: MINUTE_MS, hour: HOUR_MS };

export function floorTo(date: Date, size: BucketSize): Date {
  const ms = BUCKET_MS[size];
  return new Date(Math.floor(date.getTime() / ms) * ms);
}

export function ceilTo(date: Date, size: BucketSize): Date {
  const ms = BUCKET_MS[size];
  return new Date(Math.ceil(date.getTime() / ms) * ms);
}

/** The key of a minute inside its hour's rollup document: "00".."59". */
export function minuteKey(date: Date): string {
  return String(date.getUTCMinutes()).padStart(2, '0');
}

/** Parses an event's ISO timestamp; the schemas guarantee the format, this guards against a hand-built event. */
export function parseInstant(iso: string, field: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()))
    throw new RangeError(`${field}: expected an ISO date-time, received "${iso}"`);
  return date;
}
