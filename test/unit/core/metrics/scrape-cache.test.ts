import { createLogger } from '../../../../core/logger';
import { scrapeCache } from '../../../../core/metrics/scrape-cache';

const logger = createLogger('test', 'silent');

describe('scrapeCache', () => {
  it('reuses a fresh reading and asks again once it is older than maxAgeMs', async () => {
    let clock = 0;
    let reads = 0;
    const read = scrapeCache(async () => ++reads, { what: 't', logger, maxAgeMs: 1_000, now: () => clock });
    expect(await read()).toBe(1);
    clock = 999;
    expect(await read()).toBe(1);
    clock = 1_000;
    expect(await read()).toBe(2);
  });

  it('answers within the timeout with the last reading while a slow query goes on, which serves the next scrape', async () => {
    let clock = 0;
    let release: (v: number) => void = () => {};
    let value = 1;
    const read = scrapeCache(
      () =>
        value === 1
          ? Promise.resolve(value)
          : new Promise<number>((resolve) => {
              release = resolve;
            }),
      { what: 't', logger, maxAgeMs: 10, timeoutMs: 50, now: () => clock },
    );
    expect(await read()).toBe(1);
    clock = 100;
    value = 2;
    const started = Date.now();
    expect(await read()).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
    release(2);
    await new Promise((r) => setImmediate(r));
    expect(await read()).toBe(2);
  });

  it('never throws: a failing source serves its last reading, then nothing once that is stale', async () => {
    let clock = 0;
    let fail = false;
    const warnings: unknown[] = [];
    const log = {
      ...logger,
      warn: (o: unknown) => warnings.push(o),
      info: () => {},
    } as unknown as typeof logger;
    const read = scrapeCache(
      async () => {
        if (fail) throw new Error('broker down');
        return 7;
      },
      { what: 'lag', logger: log, maxAgeMs: 10, staleAfterMs: 1_000, now: () => clock },
    );
    expect(await read()).toBe(7);
    fail = true;
    clock = 500;
    expect(await read()).toBe(7);
    clock = 900;
    expect(await read()).toBe(7);
    expect(warnings).toHaveLength(1); // once per outage
    clock = 1_001;
    expect(await read()).toBeUndefined();
  });

  it('runs one query at a time however many scrapes ask', async () => {
    let reads = 0;
    const read = scrapeCache(
      async () => {
        reads++;
        await new Promise((r) => setTimeout(r, 20));
        return reads;
      },
      { what: 't', logger },
    );
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    expect(reads).toBe(1);
  });
});
