import { commandsByCollection } from '../../../../tools/bench/database-commands';
import { countsBetween, timingsBetween } from '../../../../tools/bench/timings';

describe('commandsByCollection', () => {
  it('sorts write and read commands by collection and leaves the upkeep out', () => {
    expect(
      commandsByCollection({
        'insert orders': 10,
        'update orders': 20,
        'findandmodify stock': 4,
        'delete order_outbox': 3,
        'find orders': 7,
        'aggregate analytics_rollups': 2,
        'count orders': 1,
        'getmore ': 5,
        'hello ': 100,
        'createindexes orders': 1,
        'listcollections ': 2,
      }),
    ).toEqual({
      orders: { writes: 30, reads: 8 },
      stock: { writes: 4, reads: 0 },
      order_outbox: { writes: 3, reads: 0 },
      analytics_rollups: { writes: 0, reads: 2 },
      '(cursor)': { writes: 0, reads: 5 },
    });
  });
});

describe('counters between two readings', () => {
  it('keeps what grew, and nothing when a reading is missing', () => {
    expect(countsBetween({ a: 1, b: 5 }, { a: 4, b: 5, c: 2 })).toEqual({ a: 3, c: 2 });
    expect(countsBetween(undefined, { a: 4 })).toEqual({});
  });

  it('gives time per call and lock wait of what was called in between, most time first', () => {
    expect(
      timingsBetween(
        { 'insert orders': { count: 10, totalMs: 100, lockWaitMs: 50 } },
        {
          'insert orders': { count: 20, totalMs: 300, lockWaitMs: 150 },
          'find orders': { count: 5, totalMs: 500, lockWaitMs: 0 },
          'hello ': { count: 0, totalMs: 0 },
        },
      ),
    ).toEqual([
      { operation: 'find orders', count: 5, totalMs: 500, meanMs: 100, lockWaitMs: 0 },
      { operation: 'insert orders', count: 10, totalMs: 200, meanMs: 20, lockWaitMs: 100 },
    ]);
  });
});
