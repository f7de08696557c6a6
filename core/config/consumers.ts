import { z } from 'zod';
import type { EnvOf } from './env';
import { upTo } from './values';

/** The notification and analytics consumers' loop (core/kafka/event-consumer.ts). */
export const consumersEnv = {
  CONSUMER_PARTITIONS_CONCURRENCY: upTo(64).default(6),
  CONSUMER_MAX_ATTEMPTS: upTo(100).default(5),
  CONSUMER_NEW_GROUP_FROM: z
    .enum(['beginning', 'end'], { error: 'expected beginning or end' })
    .default('beginning'),
};

export function consumersSection(e: EnvOf<typeof consumersEnv>) {
  return {
    partitionsConcurrency: e.CONSUMER_PARTITIONS_CONCURRENCY,
    maxAttempts: e.CONSUMER_MAX_ATTEMPTS,
    /** Where a consumer group with no committed offsets starts. */
    newGroupFrom: e.CONSUMER_NEW_GROUP_FROM,
  };
}
