import type { Request, Response } from 'express';
import type { Admin, Kafka } from 'kafkajs';
import type { AppDeps } from '../../../api/deps';
import { consumerLagReport } from '../../../api/routes/kafka-ops';
import { createLogger } from '../../../core/logger';
import { kafkaAdminAccess } from '../../../core/readiness';

/** An admin client that answers every topic with two partitions at offset 10 and every group at 4, counting connects. */
function fakeKafka() {
  const counts = { clients: 0, connects: 0, disconnects: 0 };
  const admin = () => {
    counts.clients++;
    return {
      connect: async () => void counts.connects++,
      disconnect: async () => void counts.disconnects++,
      fetchTopicOffsets: async () =>
        [0, 1].map((partition) => ({ partition, high: '10', low: '0', offset: '10' })),
      fetchOffsets: async ({ topics }: { topics: string[] }) =>
        topics.map((topic) => ({
          topic,
          partitions: [0, 1].map((partition) => ({ partition, offset: '4' })),
        })),
    } as unknown as Admin;
  };
  return { kafka: { admin } as unknown as Kafka, counts };
}

async function get(handler: ReturnType<typeof consumerLagReport>) {
  let body: unknown;
  const res = { json: (b: unknown) => (body = b) } as unknown as Response;
  await handler({} as Request, res, () => undefined);
  return body as { groups: { consumer: string; total: number }[] };
}

describe('GET /ops/consumer-lag', () => {
  it('asks Kafka through one admin client kept connected, not a client per request', async () => {
    const { kafka, counts } = fakeKafka();
    const deps = {
      config: {
        bridge: { groupId: 'order-bridge' },
        notifications: { groupId: 'notifications' },
        analytics: { groupId: 'analytics' },
      },
      logger: createLogger('test', 'silent'),
      kafka,
      kafkaAdmin: kafkaAdminAccess(kafka.admin()),
    } as unknown as AppDeps;
    const handler = consumerLagReport(deps);
    for (let i = 0; i < 3; i++) {
      const { groups } = await get(handler);
      expect(groups.map((g) => [g.consumer, g.total])).toEqual([
        ['bridge', 12],
        ['notifications', 12],
        ['analytics', 12],
      ]);
    }
    expect(counts).toEqual({ clients: 1, connects: 1, disconnects: 0 });
  });
});
