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

/** The series a timeseries can chart; `orders` is every final outcome, `revenue` the cents of completed orders. */
export const TIMESERIES_METRICS = [
  'orders',
  'created',
  'completed',
  'rejected',
  'cancelled',
  'failed',
  'revenue',
] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];

/** A day of minutes: enough for a chart, small enough to answer from one read of the rollups. */
export const MAX_POINTS = 1440;

function validDate(date: Date | undefined): boolean {
  return date === undefined || !Number.isNaN(date.getTime());
}

/** Why an optional [from, to) range is unusable, or null when it is fine. */
export function rangeProblem(from: Date | undefined, to: Date | undefined): string | null {
  if (!validDate(from) || !validDate(to)) return 'expected valid dates';
  if (from && to && from.getTime() >= to.getTime())
    return `expected from before to, received from ${from.toISOString()} and to ${to.toISOString()}`;
  return null;
}

/** The buckets covering [from, to): from cut down, to rounded up to bucket boundaries. */
export function bucketStarts(bucket: BucketSize, from: Date, to: Date): Date[] {
  const step = BUCKET_MS[bucket];
  const starts: Date[] = [];
  for (let t = floorTo(from, bucket).getTime(); t < ceilTo(to, bucket).getTime(); t += step)
    starts.push(new Date(t));
  return starts;
}

export function timeseriesProblem(bucket: BucketSize, from: Date, to: Date): string | null {
  const problem = rangeProblem(from, to);
  if (problem) return problem;
  const points = (ceilTo(to, bucket).getTime() - floorTo(from, bucket).getTime()) / BUCKET_MS[bucket];
  if (points > MAX_POINTS)
    return `expected a range of at most ${MAX_POINTS} ${bucket}s, received ${points}; use a larger bucket or a shorter range`;
  return null;
}
