import type { EnvOf } from './env';
import type { metricsEnv } from './metrics';
import { positiveInt, upTo } from './values';

/** The outbox relay's loop. */
export const outboxEnv = {
  OUTBOX_POLL_MS: positiveInt.default(250),
  OUTBOX_BATCH_SIZE: upTo(1000).default(100),
};

export function outboxSection(
  e: EnvOf<typeof outboxEnv & Pick<typeof metricsEnv, 'OUTBOX_RELAY_METRICS_PORT'>>,
) {
  return {
    pollMs: e.OUTBOX_POLL_MS,
    batchSize: e.OUTBOX_BATCH_SIZE,
    metricsPort: e.OUTBOX_RELAY_METRICS_PORT,
  };
}
