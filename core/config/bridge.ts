import { z } from 'zod';
import type { EnvOf } from './env';
import type { metricsEnv } from './metrics';
import { upTo } from './values';

export const bridgeEnv = {
  BRIDGE_GROUP_ID: z.string().min(1).default('order-bridge'),
  BRIDGE_PARTITIONS_CONCURRENCY: upTo(64).default(6),
  BRIDGE_NEW_GROUP_FROM: z
    .enum(['beginning', 'end'], { error: 'expected beginning or end' })
    .default('beginning'),
};

export function bridgeSection(e: EnvOf<typeof bridgeEnv & Pick<typeof metricsEnv, 'BRIDGE_METRICS_PORT'>>) {
  return {
    groupId: e.BRIDGE_GROUP_ID,
    partitionsConcurrency: e.BRIDGE_PARTITIONS_CONCURRENCY,
    /** Where a bridge group with no committed offsets starts: `end` only for a throwaway run of its own. */
    newGroupFrom: e.BRIDGE_NEW_GROUP_FROM,
    metricsPort: e.BRIDGE_METRICS_PORT,
  };
}
