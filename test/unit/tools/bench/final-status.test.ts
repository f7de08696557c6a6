import type { Connection } from 'mongoose';
import { FinalStatusWatcher } from '../../../../tools/bench/final-status';

/** An order store of records in memory, behind the one call the watcher makes. */
function store() {
  const records = new Map<string, { status: string; updatedAt: Date }>();
  const reads: string[] = [];
  const Order = {
    findById: (id: string) => ({
      lean: () => (reads.push(id), Promise.resolve(records.get(id) ?? null)),
    }),
  };
  return { records, reads, connection: { models: { Order } } as unknown as Connection };
}

describe('FinalStatusWatcher', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('reads an order only once its order-processed is out, and takes the time the record says', async () => {
    const { records, reads, connection } = store();
    const published = new Map<string, number>();
    const watcher = new FinalStatusWatcher(connection, (id) => published.get(id));
    watcher.start();
    watcher.track('a');
    records.set('a', { status: 'completed', updatedAt: new Date(1_000_120) });
    await jest.advanceTimersByTimeAsync(2000);
    expect(reads).toEqual([]);

    published.set('a', Date.now());
    await jest.advanceTimersByTimeAsync(400);
    expect(reads).toEqual([]);
    await jest.advanceTimersByTimeAsync(200);
    expect(reads).toEqual(['a']);
    expect(watcher.recordedAt('a')).toBe(1_000_120);
    expect(watcher.reads).toBe(1);

    await jest.advanceTimersByTimeAsync(5000);
    expect(watcher.reads).toBe(1);
    watcher.stop();
  });

  it('reads again, less and less often, while the status is not final; and at once when asked to catch up', async () => {
    const { records, reads, connection } = store();
    const watcher = new FinalStatusWatcher(connection, () => 1_000_000);
    watcher.start();
    watcher.track('b');
    records.set('b', { status: 'processing', updatedAt: new Date() });
    await jest.advanceTimersByTimeAsync(600); // first read at +0.5 s
    await jest.advanceTimersByTimeAsync(1000); // then a second later
    await jest.advanceTimersByTimeAsync(2000); // then every two
    expect(reads).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1000);
    expect(reads).toHaveLength(3);

    records.set('b', { status: 'rejected', updatedAt: new Date(1_002_000) });
    await watcher.catchUp();
    expect(reads).toHaveLength(4);
    expect(watcher.recordedAt('b')).toBe(1_002_000);
    watcher.stop();
  });
});
