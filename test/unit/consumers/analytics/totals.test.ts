import type { RollupDoc } from '../../../../consumers/analytics/models';
import { netFigures, totalsAfter, valueAt } from '../../../../consumers/analytics/totals';

const doc = (figures: Partial<RollupDoc>): RollupDoc => ({
  _id: 's|0|h',
  stream: 's',
  topic: 't',
  partition: 0,
  hour: new Date('2026-03-01T10:00:00Z'),
  lastOffset: 7,
  ...figures,
});

describe('rollup figures as running totals', () => {
  it('reads a number at a dotted path, 0 where there is none', () => {
    const d = doc({ minutes: { '05': { created: { EUR: { n: 2, cents: 300 } } } }, latencyCount: 4 });
    expect(valueAt(d, 'minutes.05.created.EUR.n')).toBe(2);
    expect(valueAt(d, 'latencyCount')).toBe(4);
    expect(valueAt(d, 'minutes.06.created.EUR.n')).toBe(0);
    expect(valueAt(d, 'minutes.05.created')).toBe(0);
    expect(valueAt(null, 'latencyCount')).toBe(0);
  });

  it('adds what changes count to the counted totals, and what they take back to the taken-back totals', () => {
    const d = doc({
      minutes: { '05': { failed: { EUR: { n: 3, cents: 900 } } } },
      takenBack: { minutes: { '05': { failed: { EUR: { n: 1, cents: 300 } } } } },
    });
    const totals = totalsAfter(d, [
      { 'minutes.05.failed.EUR.n': -1, 'minutes.05.failed.EUR.cents': -300, 'minutes.09.completed.EUR.n': 1 },
      { 'minutes.05.failed.EUR.n': 1, 'minutes.05.failed.EUR.cents': 0, 'minutes.09.completed.EUR.n': 1 },
    ]);
    expect(totals).toEqual({
      'takenBack.minutes.05.failed.EUR.n': 2,
      'takenBack.minutes.05.failed.EUR.cents': 600,
      'minutes.09.completed.EUR.n': 2,
      'minutes.05.failed.EUR.n': 4,
    });
  });

  it('totals only grow: written twice, or as of an earlier offset, the larger value is the later one', () => {
    const changes = [
      { latencyCount: 1, latencySumMs: 40 },
      { latencyCount: -1, latencySumMs: -40 },
    ];
    const early = totalsAfter(doc({}), changes.slice(0, 1));
    const late = totalsAfter(doc({}), changes);
    for (const path of Object.keys(early)) expect(late[path]! >= early[path]!).toBe(true);
    expect(late).toEqual({
      latencyCount: 1,
      latencySumMs: 40,
      'takenBack.latencyCount': 1,
      'takenBack.latencySumMs': 40,
    });
  });

  it('reports the figures net of what was taken back', () => {
    const net = netFigures(
      doc({
        minutes: { '05': { failed: { EUR: { n: 2, cents: 600 } }, created: { EUR: { n: 1, cents: 300 } } } },
        skus: { 'KB-01': { qty: 2, orders: 1, cents: { EUR: 500 } } },
        latency: { '4': 2 },
        latencyCount: 3,
        takenBack: {
          minutes: { '05': { failed: { EUR: { n: 1, cents: 300 } } } },
          skus: { 'KB-01': { qty: 2, orders: 1, cents: { EUR: 500 } } },
          latency: { '4': 1 },
          latencyCount: 1,
        },
      }),
    );
    expect(net).toMatchObject({
      minutes: { '05': { failed: { EUR: { n: 1, cents: 300 } }, created: { EUR: { n: 1, cents: 300 } } } },
      skus: { 'KB-01': { qty: 0, orders: 0, cents: { EUR: 0 } } },
      latency: { '4': 1 },
      latencyCount: 2,
    });
    expect(net).not.toHaveProperty('takenBack');
    expect(netFigures(doc({ latencyCount: 3 }))).toEqual(doc({ latencyCount: 3 }));
  });
});
