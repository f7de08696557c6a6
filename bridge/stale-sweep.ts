import type { Client } from '@temporalio/client';
import { TASK_QUEUES } from '../contracts/task-queues';
import type { Config } from '../core/config';
import type { Logger } from '../core/logger';
import { PollLoop } from '../core/poll-loop';
import type { OrderStore } from '../domain/orders/order-store';
import { reconcileStale } from '../domain/orders/stale';

/** Orders looked at per sweep; a backlog larger than this is worked off over several sweeps. */
const SWEEP_LIMIT = 1_000;

/**
 * Every `orders.staleSweepMs`, orders not started after `orders.staleAfterMs` are put back on their way
 * (domain/orders/stale.ts, which finds them on the small outbox list, never by a scan of the orders): nothing an
 * outage or a dead letter left behind stays `accepted` silently. Undefined
 * when the sweep is switched off (STALE_ORDER_SWEEP_MS=0). Several bridges may sweep at once: every step is
 * idempotent.
 */
export function staleOrderSweep(
  config: Config,
  logger: Logger,
  deps: { orders: OrderStore; client: Client },
): PollLoop | undefined {
  const { staleAfterMs: afterMs, staleSweepMs: sweepMs, completionTimeoutMs } = config.orders;
  if (sweepMs === 0) return undefined;
  const log = logger.child({ component: 'stale-order-sweep' });
  return new PollLoop({
    name: 'stale-order sweep',
    pollMs: sweepMs,
    maxBackoffMs: sweepMs,
    logger: log,
    pass: async () => {
      const report = await reconcileStale(
        deps.orders,
        { client: deps.client, taskQueue: TASK_QUEUES.orders, startTimeoutMs: 10_000, completionTimeoutMs },
        { olderThanMs: afterMs, limit: SWEEP_LIMIT },
      );
      if (report.stale > 0) log.warn({ ...report, afterMs }, 'stale orders put back on their way');
      return report.stale === SWEEP_LIMIT;
    },
  });
}
