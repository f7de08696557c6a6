import { elapsed, withProgress } from '../../../../tools/stack/exec';

describe('install progress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('says nothing of a quick step, then reports a slow one after 5 s and every 15 s until it is done', async () => {
    const reports: number[] = [];
    let finish!: () => void;
    const step = withProgress(new Promise<void>((resolve) => (finish = resolve)), (ms) => reports.push(ms));
    await jest.advanceTimersByTimeAsync(4_999);
    expect(reports).toEqual([]);
    await jest.advanceTimersByTimeAsync(36_000);
    expect(reports).toEqual([5_000, 20_000, 35_000]);
    finish();
    await step;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(reports).toHaveLength(3);
  });

  it('passes the step’s result or failure through', async () => {
    await expect(withProgress(Promise.resolve(42), () => undefined)).resolves.toBe(42);
    await expect(withProgress(Promise.reject(new Error('go build failed')), () => undefined)).rejects.toThrow(
      'go build failed',
    );
  });

  it('writes elapsed times people read', () => {
    expect(elapsed(4_400)).toBe('4 s');
    expect(elapsed(74_000)).toBe('1 min 14 s');
  });
});
