/** Latency distribution of one measure, in milliseconds. */
export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Rounded to one decimal, as every figure of the report is. */
export const round1 = (v: number): number => Math.round(v * 10) / 10;

/** Nearest-rank percentiles: every figure reported is a latency that was actually observed. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return {
    n: sorted.length,
    p50: round1(rank(0.5)),
    p95: round1(rank(0.95)),
    p99: round1(rank(0.99)),
    max: round1(sorted[sorted.length - 1]!),
    mean: round1(sorted.reduce((s, v) => s + v, 0) / sorted.length),
  };
}
