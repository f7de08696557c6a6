import type { Command } from 'commander';
import { auditLog } from '../../domain/audit/audit-log';
import { loadConfig } from '../../core/config';
import { orderStore } from '../../domain/orders/order-store';
import { retryFailedOrders, retryOrder } from '../../domain/orders/retry';
import { instant, wholeNumber } from '../arguments';
import { cliActor, UsageError, type Outcome } from '../command';
import { withMongo, withTemporal } from '../connections';

/** `npm run orders -- retry`: a failed order's workflow again, one order or every failed one that matches. */
export function retryCommand(cli: Command, outcome: Outcome): void {
  cli
    .command('retry')
    .summary('retry one failed order, or every failed order that matches')
    .description(
      'Retry a failed order: a new run of its workflow under the same workflow id, with its original input.\n' +
        'Only a failed order can be retried; asking again while its retry runs starts nothing more.',
    )
    .argument('[orderId]', 'the order to retry')
    .option('--failed', 'retry every failed order that matches the filters below')
    .option('--since <time>', 'only orders that failed at or after this time', instant)
    .option('--until <time>', 'only orders that failed before this time', instant)
    .option('--type <failureType>', 'only orders that failed with this reason type, e.g. GatewayUnavailable')
    .option('--limit <n>', 'at most this many orders', wholeNumber, 1000)
    .action(
      async (
        orderId: string | undefined,
        opts: { failed?: boolean; since?: Date; until?: Date; type?: string; limit: number },
      ) => {
        if (!opts.failed && orderId === undefined)
          throw new UsageError('retry: expected an orderId, or --failed');
        if (opts.failed && orderId !== undefined)
          throw new UsageError('retry: expected an orderId or --failed, not both');
        await withMongo((mongo) =>
          withTemporal(async (client) => {
            const deps = {
              client,
              orders: orderStore(mongo),
              completionTimeoutMs: loadConfig().orders.completionTimeoutMs,
            };
            if (opts.failed) {
              const filter = {
                since: opts.since,
                until: opts.until,
                failureType: opts.type,
                limit: opts.limit,
              };
              const { report, retriedOrderIds } = await retryFailedOrders(deps, filter);
              await auditLog(mongo).record({
                actor: cliActor(),
                action: 'orders.retry-failed',
                orderIds: retriedOrderIds,
                details: { filter, retried: report.retried, refused: report.refused.length },
              });
              console.log(
                `matched ${report.matched}, retried ${report.retried}, already retrying ${report.alreadyRetrying}, refused ${report.refused.length}`,
              );
              for (const r of report.refused) console.log(`  ${r.orderId}: ${r.reason}`);
              return;
            }
            const result = await retryOrder(deps, orderId!);
            await auditLog(mongo).record({
              actor: cliActor(),
              action: 'order.retry',
              orderIds: [orderId!],
              details: { outcome: result.outcome },
            });
            console.log(JSON.stringify(result));
            if (result.outcome !== 'retried' && result.outcome !== 'already-retrying') outcome.exitCode = 1;
          }),
        );
      },
    );
}
