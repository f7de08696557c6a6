/**
 * Operator commands: `npm run orders -- <command>`.
 *
 *   retry <orderId>                                  retry one failed order (a new run, same workflow id)
 *   retry --failed [--since T] [--until T] [--type X] [--limit N]
 *                                                    retry every failed order that matches
 *   gateway on|off [--reason "..."]                  switch the simulated payment gateway (off: charges fail)
 *   gateway                                          show the switch
 *   replay --from <time|offset> [--to <time>]        start the workflows missing for order-created messages
 *   dlq list <topic>                                 dead letters of a topic, with their error
 *   dlq replay <topic> [--id p:o [--value JSON | --value-file F]]
 *                                                    re-publish dead letters (one, possibly corrected) to the topic
 *
 * Times are ISO 8601. Exit status: 0 done, 1 refused or failed, 2 bad usage.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { GatewaySwitch } from '../domain/payments/gateway-switch';
import { loadConfig } from '../core/config';
import { createKafka } from '../core/kafka/client';
import { connectMongo } from '../core/mongo/connection';
import { orderModel } from '../domain/orders/order-model';
import { connectTemporal } from '../core/temporal/connection';
import { listDeadLetters, replayDeadLetters } from './dlq';
import { reconcile } from './reconcile';
import { retryFailedOrders, retryOrder } from '../domain/orders/retry';
import type { Start } from '../core/kafka/topic-reader';

class UsageError extends Error {}

function instant(value: string | undefined, option: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${option}: expected an ISO 8601 time such as 2026-01-31T12:00:00Z (received ${JSON.stringify(value)})`,
    );
  }
  return date;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      failed: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      reason: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      id: { type: 'string' },
      value: { type: 'string' },
      'value-file': { type: 'string' },
    },
  });
  const [command, arg] = positionals;
  const config = loadConfig();
  const mongo = await connectMongo(config.mongo);
  try {
    switch (command) {
      case 'gateway': {
        const gateway = new GatewaySwitch(mongo);
        if (arg !== undefined && arg !== 'on' && arg !== 'off')
          throw new UsageError(`gateway: expected on or off (received ${arg})`);
        const state =
          arg === undefined ? await gateway.state() : await gateway.set(arg === 'on', values.reason ?? null);
        console.log(JSON.stringify(state));
        return 0;
      }
      case 'retry': {
        const temporal = await connectTemporal(config.temporal);
        const deps = { client: temporal.client, orders: orderModel(mongo) };
        try {
          if (values.failed) {
            const limit = values.limit === undefined ? 1000 : Number(values.limit);
            if (!Number.isInteger(limit) || limit < 1)
              throw new UsageError(`--limit: expected a whole number >= 1 (received ${values.limit})`);
            const report = await retryFailedOrders(deps, {
              since: instant(values.since, '--since'),
              until: instant(values.until, '--until'),
              failureType: values.type,
              limit,
            });
            console.log(
              `matched ${report.matched}, retried ${report.retried}, already retrying ${report.alreadyRetrying}, refused ${report.refused.length}`,
            );
            for (const r of report.refused) console.log(`  ${r.orderId}: ${r.reason}`);
            return 0;
          }
          if (!arg) throw new UsageError('retry: expected an orderId, or --failed');
          const result = await retryOrder(deps, arg);
          console.log(JSON.stringify(result));
          return result.outcome === 'retried' || result.outcome === 'already-retrying' ? 0 : 1;
        } finally {
          await temporal.connection.close();
        }
      }
      case 'replay': {
        if (values.from === undefined) throw new UsageError('replay: expected --from <time|offset>');
        const start: Start = /^\d+$/.test(values.from)
          ? { offset: BigInt(values.from) }
          : { time: instant(values.from, '--from')! };
        const temporal = await connectTemporal(config.temporal);
        try {
          const report = await reconcile({
            kafka: createKafka(config.kafka),
            client: temporal.client,
            start,
            end: instant(values.to, '--to'),
          });
          console.log(
            `seen ${report.seen}, already running or done ${report.existing}, started ${report.started}, invalid ${report.invalid}`,
          );
          return 0;
        } finally {
          await temporal.connection.close();
        }
      }
      case 'dlq': {
        const topic = positionals[2];
        if ((arg !== 'list' && arg !== 'replay') || !topic) {
          throw new UsageError('dlq: expected `dlq list <topic>` or `dlq replay <topic> [--id p:o]`');
        }
        const kafka = createKafka(config.kafka);
        if (arg === 'list') {
          for (const l of await listDeadLetters(kafka, topic)) {
            const why = l.letter
              ? `${l.letter.failedAt} ${l.letter.consumer} from ${l.letter.originalTopic}/${l.letter.originalPartition}:${l.letter.originalOffset}: ${l.letter.error}`
              : `(${l.problem})`;
            console.log(`${l.id}  key=${l.key ?? '-'}  ${why}`);
          }
          return 0;
        }
        const value = values['value-file'] ? fs.readFileSync(values['value-file'], 'utf8') : values.value;
        const replayed = await replayDeadLetters(kafka, topic, { id: values.id, value });
        console.log(`replayed ${replayed.length}: ${replayed.join(', ')}`);
        return 0;
      }
      default:
        throw new UsageError(
          `unknown command ${command ?? '(none)'}; expected retry, gateway, replay or dlq`,
        );
    }
  } finally {
    await mongo.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`orders: ${(err as Error).message}`);
    process.exit(
      err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1,
    );
  },
);
