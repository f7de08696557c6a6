import { backoffDelay } from '../../../core/backoff';

describe('backoffDelay', () => {
  it('doubles from the initial delay and stays at the cap', () => {
    const backoff = { initialMs: 200, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelay(attempt, backoff))).toEqual([
      200, 400, 800, 1_000, 1_000, 1_000,
    ]);
  });
});
