import { Option, type Command } from 'commander';
import { loadConfig } from '../../core/config';
import { createKafka } from '../../core/kafka/client';
import type { Start } from '../../core/kafka/topic-reader';
import { orderStore } from '../../domain/orders/order-store';
import { instant, timeOrOffset } from '../arguments';
import { withMongo, withTemporal } from '../connections';
import { reconcile } from './replay-order-created';

/** `npm run orders -- replay`: the workflows missing for the orders in order-created, started from Kafka's copy. */
export function replayCommand(cli: Command): void {
  cli
    .command('replay')
    .summary('start the workflows missing for order-created messages')
    .description(
      'Re-read order-created and start the workflow of every order that has none (after a bridge outage, or a\n' +
        "loss of Temporal's data), exactly as the bridge would: an order whose stored outcome is final, or whose\n" +
        'workflow exists, is left alone, so replaying twice starts nothing the second time. No offsets are moved.',
    )
    .addOption(
      new Option('--from <time|offset>', 'where to start: a time, or an offset in every partition')
        .argParser(timeOrOffset)
        .makeOptionMandatory(),
    )
    .option('--to <time>', 'stop before messages from this time on', instant)
    .action(async (opts: { from: Start; to?: Date }) => {
      const config = loadConfig();
      await withMongo((mongo) =>
        withTemporal(async (client) => {
          const report = await reconcile({
            kafka: createKafka(config.kafka),
            client,
            orders: orderStore(mongo),
            completionTimeoutMs: config.orders.completionTimeoutMs,
            start: opts.from,
            end: opts.to,
          });
          console.log(
            `seen ${report.seen}, already running ${report.existing}, already final ${report.final}, ` +
              `started ${report.started}, unknown order ${report.unknown}, invalid ${report.invalid}`,
          );
        }),
      );
    });
}
