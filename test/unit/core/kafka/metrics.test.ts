import type { Admin, Kafka } from 'kafkajs';
import { consumerLag } from '../../../../core/kafka/client';
import {
  countHandled,
  eventsDeadLettered,
  eventsProcessed,
  lagSamples,
  trackConsumerLag,
} from '../../../../core/kafka/metrics';
import { createLogger } from '../../../../core/logger';
import { metricsRegistry } from '../../../../core/metrics/registry';

const logger = createLogger('test', 'silent');

/** An admin whose topics end at `ends` (partition → [low, high]) and whose group committed `commits`. */
function fakeAdmin(
  ends: Record<string, [number, number][]>,
  commits: Record<string, number[]>,
  opts: { fail?: () => boolean } = {},
): Admin {
  const check = () => {
    if (opts.fail?.()) throw new Error('broker down');
  };
  return {
    connect: async () => check(),
    disconnect: async () => undefined,
    fetchTopicOffsets: async (topic: string) => {
      check();
      return ends[topic]!.map(([low, high], partition) => ({
        partition,
        low: String(low),
        high: String(high),
        offset: String(high),
      }));
    },
    fetchOffsets: async ({ topics }: { topics: string[] }) => {
      check();
      return topics.map((topic) => ({
        topic,
        partitions: (commits[topic] ?? []).map((offset, partition) => ({
          partition,
          offset: String(offset),
        })),
      }));
    },
  } as unknown as Admin;
}

describe('consumer lag', () => {
  it('is the log end minus the committed offset, or minus the log start where nothing is committed', async () => {
    const admin = fakeAdmin(
      {
        'order-created': [
          [0, 10],
          [5, 8],
          [0, 4],
        ],
      },
      { 'order-created': [7, -1, 4] },
    );
    const lag = await consumerLag(admin, 'bridge', ['order-created']);
    expect(lag['order-created']).toEqual({ total: 6, partitions: { '0': 3, '1': 3, '2': 0 } });
    expect(lagSamples('bridge', lag)).toEqual([
      { labels: { group: 'bridge', topic: 'order-created', partition: '0' }, value: 3 },
      { labels: { group: 'bridge', topic: 'order-created', partition: '1' }, value: 3 },
      { labels: { group: 'bridge', topic: 'order-created', partition: '2' }, value: 0 },
    ]);
  });

  it('is read on scrape per group, topic and partition, and a broker outage fails no scrape', async () => {
    let down = false;
    const kafka = {
      admin: () =>
        fakeAdmin(
          {
            a: [[0, 5]],
            b: [
              [0, 2],
              [0, 9],
            ],
          },
          { a: [1], b: [2, 9] },
          { fail: () => down },
        ),
    } as unknown as Kafka;
    const untrack = trackConsumerLag({ kafka, groupId: 'g1', topics: ['a', 'b'], logger });
    try {
      const text = await metricsRegistry.getSingleMetricAsString('kafka_consumer_lag_messages');
      expect(text).toContain('kafka_consumer_lag_messages{group="g1",topic="a",partition="0"} 4');
      expect(text).toContain('kafka_consumer_lag_messages{group="g1",topic="b",partition="0"} 0');
      expect(text).toContain('kafka_consumer_lag_messages{group="g1",topic="b",partition="1"} 0');

      down = true;
      // The last reading is served while the broker does not answer; the scrape itself succeeds.
      await expect(metricsRegistry.metrics()).resolves.toContain('group="g1",topic="a",partition="0"} 4');
    } finally {
      await untrack();
    }
    const after = await metricsRegistry.getSingleMetricAsString('kafka_consumer_lag_messages');
    expect(after).not.toContain('g1');
  });
});

describe('events handled', () => {
  it('counts outcomes per topic and group, dead letters apart', async () => {
    countHandled('order-created', 'bridge', 'started');
    countHandled('order-created', 'bridge', 'started');
    countHandled('order-created', 'bridge', 'alreadyStarted');
    countHandled('order-created', 'bridge', 'deadLettered');
    const processed = (await eventsProcessed.get()).values;
    expect(processed).toEqual(
      expect.arrayContaining([
        { labels: { topic: 'order-created', group: 'bridge', outcome: 'started' }, value: 2 },
        { labels: { topic: 'order-created', group: 'bridge', outcome: 'alreadyStarted' }, value: 1 },
      ]),
    );
    expect(processed.some((v) => v.labels.outcome === 'deadLettered')).toBe(false);
    expect((await eventsDeadLettered.get()).values).toEqual([
      { labels: { topic: 'order-created', group: 'bridge' }, value: 1 },
    ]);
  });
});
