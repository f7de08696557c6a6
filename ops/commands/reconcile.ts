import type { Command } from 'commander';
import { TASK_QUEUES } from '../../contracts/task-queues';
import { loadConfig } from '../../core/config';
import { startTracing } from '../../core/tracing/setup';
import { orderStore } from '../../domain/orders/order-store';
import { reconcileStale } from '../../domain/orders/stale';
import { wholeNumber } from '../arguments';
import { UsageError } from '../command';
import { withMongo, withTemporal } from '../connections';

/** `npm run orders -- reconcile --stale`: the orders stuck in accepted, put back on their way from the order store. */
export function reconcileCommand(cli: Command): void {
  cli
    .command('reconcile')
    .summary('put orders stuck in accepted back on their way (--stale)')
    .description(
      'Reconciliation driven by the order store: every order not started after the threshold (its entry still on\n' +
        'the outbox list) is put back on its way. One not yet published (or parked by the outbox relay) goes back\n' +
        'on the outbox list; one published but never started (its order-created dead-lettered, or lost) is\n' +
        'started, as the bridge would. Also looks among the accepted orders stored before the outbox entry carried\n' +
        'the publish state. Safe to repeat. The bridge runs the same sweep (of the list only) every\n' +
        'STALE_ORDER_SWEEP_MS.',
    )
    .option('--stale', 'orders accepted for longer than --older-than (required: the only mode so far)')
    .option('--older-than <minutes>', 'the threshold (default: STALE_ORDER_AFTER_MS)', wholeNumber)
    .option('--limit <n>', 'at most this many orders, oldest first', wholeNumber, 10_000)
    .action(async (opts: { stale?: boolean; olderThan?: number; limit: number }) => {
      if (!opts.stale)
        throw new UsageError('reconcile: expected --stale (replay --from re-reads Kafka instead)');
      const config = loadConfig();
      // The workflows it starts continue their orders' traces, as the bridge's sweep does: spans go where the
      // system's go (OTEL_TRACES_EXPORTER).
      const tracing = startTracing('orders-cli', config.tracing);
      await withMongo((mongo) =>
        withTemporal(async (client) => {
          const report = await reconcileStale(
            orderStore(mongo),
            {
              client,
              taskQueue: TASK_QUEUES.orders,
              startTimeoutMs: 10_000,
              completionTimeoutMs: config.orders.completionTimeoutMs,
            },
            {
              olderThanMs:
                opts.olderThan === undefined ? config.orders.staleAfterMs : opts.olderThan * 60_000,
              limit: opts.limit,
              legacy: true,
            },
          );
          console.log(
            `stale ${report.stale}: requeued for publishing ${report.requeued}, started ${report.started}, ` +
              `already started ${report.alreadyStarted}`,
          );
        }),
      );
      await tracing.processor.forceFlush();
    });
}
