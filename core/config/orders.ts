import { z } from 'zod';
import type { EnvOf } from './env';
import { positiveInt } from './values';

export const ordersEnv = {
  ORDER_COMPLETION_TIMEOUT_MS: positiveInt.default(24 * 60 * 60_000),
  STALE_ORDER_AFTER_MS: positiveInt.default(10 * 60_000),
  STALE_ORDER_SWEEP_MS: z.coerce
    .number({ error: 'expected milliseconds, 0 for no sweep' })
    .int('expected milliseconds, 0 for no sweep')
    .nonnegative('expected milliseconds, 0 for no sweep')
    .default(5 * 60_000),
};

export function ordersSection(e: EnvOf<typeof ordersEnv>) {
  return {
    /**
     * How long the steps after an order's capture wait out an outage before its run gives up (without a
     * refund: a retry completes it), given to every workflow started.
     */
    completionTimeoutMs: e.ORDER_COMPLETION_TIMEOUT_MS,
    /**
     * An order still `accepted` this long after it was accepted is stale (a workflow records `processing`
     * within seconds of its start): the bridge's sweep, every `staleSweepMs` (0: none), and `npm run orders --
     * reconcile --stale` put it back on its way.
     */
    staleAfterMs: e.STALE_ORDER_AFTER_MS,
    staleSweepMs: e.STALE_ORDER_SWEEP_MS,
  };
}
