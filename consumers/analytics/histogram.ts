/**
 * The processing-time histogram: fixed buckets, so histograms from any number of rollup documents add up by plain
 * addition and percentiles can be derived in code (the database has no percentile operator to lean on).
 *
 * Bucket i holds latencies in (LATENCY_BOUNDS_MS[i-1], LATENCY_BOUNDS_MS[i]] — upper bounds are inclusive, the
 * first bucket starts at 0 ms. Bounds grow by roughly ×1.5 from 5 ms to 10 minutes, which keeps the relative
 * error of a percentile under about 50% anywhere in that range with only 30 buckets. One more bucket, at index
 * OVERFLOW_BUCKET, holds everything above 10 minutes.
 *
 * The bounds are part of the stored data (rollups keep counts per bucket index): never change or reorder them;
 * a different layout needs new rollup fields.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([
  5, 8, 12, 18, 27, 40, 60, 90, 135, 200, 300, 450, 700, 1_000, 1_500, 2_250, 3_500, 5_000, 7_500, 11_000,
  17_000, 25_000, 38_000, 57_000, 85_000, 130_000, 190_000, 290_000, 430_000, 600_000,
]);

/** The index of the bucket for latencies above the last bound. */
export const OVERFLOW_BUCKET = LATENCY_BOUNDS_MS.length;

/** The bucket index a latency falls into. */
export function latencyBucket(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`expected a latency in ms >= 0, received ${ms}`);
  // 30 bounds: a linear scan is as fast as a binary search and obviously right.
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? OVERFLOW_BUCKET : index;
}

/** Bucket counts as stored (`{ "3": 2 }`, keys are bucket indexes) or as a dense array indexed by bucket. */
export type BucketCounts = Readonly<Record<string | number, number>> | readonly number[];

function denseCounts(counts: BucketCounts): number[] {
  const dense = new Array<number>(OVERFLOW_BUCKET + 1).fill(0);
  for (const [key, count] of Object.entries(counts)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index > OVERFLOW_BUCKET)
      throw new RangeError(`expected a bucket index 0-${OVERFLOW_BUCKET}, received "${key}"`);
    if (!Number.isFinite(count) || count < 0)
      throw new RangeError(`expected a count >= 0 in bucket ${key}, received ${count}`);
    dense[index] = count;
  }
  return dense;
}

/**
 * The q-quantile (q in [0, 1]; 0.95 for p95) estimated from bucket counts, or null for an empty histogram.
 *
 * The rank q·N falls into the first non-empty bucket whose cumulative count reaches it; within that bucket the
 * observations are assumed to be spread evenly, so the result is interpolated linearly between the bucket's lower
 * and upper bound. The overflow bucket has no upper bound: a quantile that lands there is reported as its lower
 * bound (10 minutes), i.e. "at least this much".
 */
export function percentile(counts: BucketCounts, q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`expected a quantile between 0 and 1, received ${q}`);
  const dense = denseCounts(counts);
  const total = dense.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;

  const rank = q * total;
  let below = 0;
  for (const [index, count] of dense.entries()) {
    if (count > 0 && below + count >= rank) {
      const lower = index === 0 ? 0 : LATENCY_BOUNDS_MS[index - 1]!;
      if (index === OVERFLOW_BUCKET) return lower;
      const upper = LATENCY_BOUNDS_MS[index]!;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  // Unreachable: the last non-empty bucket always reaches rank <= total.
  throw new Error(`no bucket reaches rank ${rank} of ${total}`);
}

/** Adds bucket counts into an accumulator (sparse, keyed by bucket index), for summing rollup documents. */
export function addBucketCounts(into: Record<string, number>, counts: BucketCounts | undefined): void {
  if (!counts) return;
  for (const [key, count] of Object.entries(counts)) into[key] = (into[key] ?? 0) + count;
}
