import { distribution, round1 } from '../../../../tools/bench/stats';

describe('distribution', () => {
  it('has no figures for no values', () => {
    expect(distribution([])).toBeNull();
  });

  it('reports nearest-rank percentiles: each one a value that was observed', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
    expect(distribution(values)).toEqual({ n: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it('takes the largest value as p99 when there are fewer than a hundred', () => {
    expect(distribution([3, 1, 2])).toEqual({ n: 3, p50: 2, p95: 3, p99: 3, max: 3, mean: 2 });
  });

  it('rounds every figure to one decimal', () => {
    expect(distribution([1.26, 1.24])).toEqual({ n: 2, p50: 1.2, p95: 1.3, p99: 1.3, max: 1.3, mean: 1.3 });
    expect(round1(0.05)).toBe(0.1);
  });
});
