import {
  LATENCY_BOUNDS_MS,
  latencyBucket,
  OVERFLOW_BUCKET,
  percentile,
} from '../../../../consumers/analytics/histogram';

describe('latency histogram', () => {
  it('has 30 strictly increasing bounds from 5 ms to 10 minutes, steps of at most ×1.6', () => {
    expect(LATENCY_BOUNDS_MS).toHaveLength(30);
    expect(LATENCY_BOUNDS_MS[0]).toBe(5);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBe(600_000);
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) {
      const ratio = LATENCY_BOUNDS_MS[i]! / LATENCY_BOUNDS_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1.3);
      expect(ratio).toBeLessThanOrEqual(1.6);
    }
    expect(OVERFLOW_BUCKET).toBe(30);
  });

  it.each([
    [0, 0],
    [5, 0], // upper bounds are inclusive
    [5.001, 1],
    [8, 1],
    [9, 2],
    [999, 13],
    [1_000, 13],
    [1_001, 14],
    [600_000, 29],
    [600_001, OVERFLOW_BUCKET],
    [86_400_000, OVERFLOW_BUCKET],
  ])('puts %d ms in bucket %d', (ms, bucket) => {
    expect(latencyBucket(ms)).toBe(bucket);
  });

  it.each([-1, NaN, Infinity])('refuses %d ms, naming what it expected', (ms) => {
    expect(() => latencyBucket(ms)).toThrow(`expected a latency in ms >= 0, received ${ms}`);
  });
});

describe('percentile', () => {
  it('is null for an empty histogram', () => {
    expect(percentile({}, 0.5)).toBeNull();
    expect(percentile([], 0.99)).toBeNull();
    expect(percentile({ 3: 0, 7: 0 }, 0.5)).toBeNull();
  });

  it('interpolates linearly inside a single bucket, the first starting at 0 ms', () => {
    // 10 observations in [0, 5]: rank q·10, so 5 × q.
    expect(percentile({ 0: 10 }, 0.5)).toBeCloseTo(2.5, 9);
    expect(percentile({ 0: 10 }, 0.95)).toBeCloseTo(4.75, 9);
    expect(percentile({ 0: 10 }, 0.99)).toBeCloseTo(4.95, 9);
  });

  it('finds the bucket by cumulative count across buckets', () => {
    // 4 in (8, 12], 6 in (12, 18]. p50: rank 5 → 1 of 6 into (12, 18] → 12 + 6·1/6 = 13.
    // p95: rank 9.5 → 5.5 of 6 → 12 + 5.5 = 17.5. p99: rank 9.9 → 12 + 5.9 = 17.9. p40: rank 4 → 12 (top of 2).
    const counts = { '2': 4, '3': 6 };
    expect(percentile(counts, 0.5)).toBeCloseTo(13, 9);
    expect(percentile(counts, 0.95)).toBeCloseTo(17.5, 9);
    expect(percentile(counts, 0.99)).toBeCloseTo(17.9, 9);
    expect(percentile(counts, 0.4)).toBeCloseTo(12, 9);
    // The same histogram as a dense array.
    expect(percentile([0, 0, 4, 6], 0.5)).toBeCloseTo(13, 9);
  });

  it('spans wide buckets: 90 at 1-1.5 s, 10 at 5-7.5 s', () => {
    // bucket 14 = (1000, 1500], bucket 18 = (5000, 7500]. p50: rank 50 → 1000 + 500·50/90 = 1277.77…
    // p95: rank 95 → 5 of 10 in bucket 18 → 5000 + 2500·0.5 = 6250. p99: rank 99 → 5000 + 2500·0.9 = 7250.
    const counts = { 14: 90, 18: 10 };
    expect(percentile(counts, 0.5)).toBeCloseTo(1000 + (500 * 50) / 90, 9);
    expect(percentile(counts, 0.95)).toBeCloseTo(6250, 9);
    expect(percentile(counts, 0.99)).toBeCloseTo(7250, 9);
  });

  it('q = 0 and q = 1 give the lowest bound and the highest bound of the occupied buckets', () => {
    expect(percentile({ 2: 1, 5: 1 }, 0)).toBe(8);
    expect(percentile({ 2: 1, 5: 1 }, 1)).toBe(40);
  });

  it('reports the overflow bucket as its lower bound, 10 minutes', () => {
    expect(percentile({ [OVERFLOW_BUCKET]: 3 }, 0.5)).toBe(600_000);
    expect(percentile({ 0: 98, [OVERFLOW_BUCKET]: 2 }, 0.99)).toBe(600_000);
    expect(percentile({ 0: 98, [OVERFLOW_BUCKET]: 2 }, 0.5)).toBeCloseTo(5 * (50 / 98), 9);
  });

  it('refuses a bad quantile or a bucket that does not exist', () => {
    expect(() => percentile({ 0: 1 }, 95)).toThrow('expected a quantile between 0 and 1, received 95');
    expect(() => percentile({ 31: 1 }, 0.5)).toThrow('expected a bucket index 0-30, received "31"');
    expect(() => percentile({ x: 1 }, 0.5)).toThrow('expected a bucket index 0-30, received "x"');
    expect(() => percentile({ 1: -2 }, 0.5)).toThrow('expected a count >= 0 in bucket 1, received -2');
  });
});
