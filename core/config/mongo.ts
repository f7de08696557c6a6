import { z } from 'zod';
import type { EnvOf } from './env';
import type { LOCAL_SERVER_PORTS } from './local-servers';
import { positiveInt } from './values';

export const mongoEnv = {
  MONGO_URL: z
    .string()
    .trim()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URL')
    .optional(),
  MONGO_WAIT_QUEUE_TIMEOUT_MS: positiveInt.default(5_000),
};

export function mongoSection(
  e: EnvOf<typeof mongoEnv & Pick<typeof LOCAL_SERVER_PORTS, 'STACK_MONGO_PORT'>>,
) {
  return {
    url: e.MONGO_URL ?? `mongodb://127.0.0.1:${e.STACK_MONGO_PORT}/orders`,
    external: e.MONGO_URL !== undefined,
    /** How long a call waits for a free connection of the pool before it fails as "unavailable". */
    waitQueueTimeoutMs: e.MONGO_WAIT_QUEUE_TIMEOUT_MS,
  };
}
