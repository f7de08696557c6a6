/**
 * Operator commands: `npm run orders -- <command>`; `npm run orders -- --help` lists them, `<command> --help`
 * explains one. Exit status: 0 done, 1 refused or failed, 2 bad usage.
 */
import fs from 'node:fs';
import os from 'node:os';
import { auditLog } from '../domain/audit/audit-log';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TASK_QUEUES } from '../contracts/task-queues';
import { loadConfig } from '../core/config';
import { startTracing } from '../core/tracing/setup';
import { createKafka } from '../core/kafka/client';
import type { Start } from '../core/kafka/topic-reader';
import { connectMongo } from '../core/mongo/connection';
import { connectTemporal } from '../core/temporal/connection';
import { orderStore } from '../domain/orders/order-store';
import { retryFailedOrders, retryOrder } from '../domain/orders/retry';
import { reconcileStale } from '../domain/orders/stale';
import { storedStatus } from '../domain/orders/start-order';
import { GatewaySwitch } from '../domain/payments/gateway-switch';
import { mintToken } from '../stack/issuer/keys';
import { loadStackConfig } from '../stack/config';
import { stackPaths } from '../stack/paths';
import { listDeadLetters, replayDeadLetters } from '../core/kafka/dead-letters';
import { reconcile } from './reconcile';
import { readSpans, renderTrace, traceHeading, tracesOfOrder } from '../core/tracing/trace-files';

const USAGE_ERROR = 2;

/** Who the audit log says acted, for a command run from a shell. */
const cliActor = () => `cli:${os.userInfo().username}`;

/** Bad usage found after parsing (commander's own parse errors exit with the same status). */
class UsageError extends Error {}

function instant(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 time such as 2026-01-31T12:00:00Z');
  }
  return date;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
}

function timeOrOffset(value: string): Start {
  return /^\d+$/.test(value) ? { offset: BigInt(value) } : { time: instant(value) };
}

/** Opens what a command needs and closes it whatever happens; the command's exit status is its result. */
async function withMongo<T>(
  work: (mongo: Awaited<ReturnType<typeof connectMongo>>) => Promise<T>,
): Promise<T> {
  const mongo = await connectMongo(loadConfig().mongo);
  try {
    return await work(mongo);
  } finally {
    await mongo.close();
  }
}

async function withTemporal<T>(
  work: (client: Awaited<ReturnType<typeof connectTemporal>>['client']) => Promise<T>,
) {
  const temporal = await connectTemporal(loadConfig().temporal);
  try {
    return await work(temporal.client);
  } finally {
    await temporal.connection.close();
  }
}

/** What a command that ran to the end decided: 0 done, 1 refused (an error of its own throws instead). */
export interface Outcome {
  exitCode: number;
}

export function program(outcome: Outcome = { exitCode: 0 }): Command {
  const cli = new Command('npm run orders --')
    .description(
      'Operator commands for the order pipeline: retry, replay, dead letters, the payment gateway.',
    )
    // Before any command is added, so every one inherits them: parse errors throw, and name the fix.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nTimes are ISO 8601 (2026-01-31T12:00:00Z). Exit status: 0 done, 1 refused or failed, 2 bad usage.',
    );

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

  cli
    .command('gateway')
    .summary('show or switch the simulated payment gateway')
    .description(
      'Without an argument, show the switch. `off` makes every charge and refund fail as a gateway outage (orders\n' +
        'then end failed once their retries are used up); `on` brings it back.',
    )
    .addArgument(new Argument('[state]', 'on or off').choices(['on', 'off']))
    .option('--reason <text>', 'why, shown with the switch')
    .action(async (state: 'on' | 'off' | undefined, opts: { reason?: string }) => {
      await withMongo(async (mongo) => {
        const gateway = new GatewaySwitch(mongo);
        const result =
          state === undefined
            ? await gateway.state()
            : await gateway.set(state === 'on', opts.reason ?? null);
        if (state !== undefined) {
          await auditLog(mongo).record({
            actor: cliActor(),
            action: 'payment-gateway.switch',
            details: { available: result.available, reason: result.reason },
          });
        }
        console.log(JSON.stringify(result));
      });
    });

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
            status: storedStatus(orderStore(mongo)),
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

  cli
    .command('reconcile')
    .summary('put orders stuck in accepted back on their way (--stale)')
    .description(
      'Reconciliation driven by the order store: every order still accepted after the threshold is put back on\n' +
        'its way. One not yet published (or parked by the outbox relay) goes back on the outbox list; one\n' +
        'published but never started (its order-created dead-lettered, or lost) is started, as the bridge would.\n' +
        'Safe to repeat. The bridge runs the same sweep every STALE_ORDER_SWEEP_MS.',
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

  cli
    .command('token')
    .summary("mint a bearer token from the local stack's issuer")
    .description(
      "Prints a token signed by the local stack's key (created by npm start), for curl and the Swagger UI:\n" +
        '  export TOKEN=$(npm run -s orders -- token --customer c-42)\n' +
        '  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/orders\n' +
        'With AUTH_JWKS_URL set the services trust another provider: get tokens from it instead.',
    )
    .addOption(new Option('--customer <id>', "a customer's token: its subject is the customer id"))
    .addOption(
      new Option('--operator [name]', "an operator's token (named after you unless given)").conflicts(
        'customer',
      ),
    )
    .option('--ttl <seconds>', 'how long it is valid', wholeNumber, 15 * 60)
    .action(async (opts: { customer?: string; operator?: string | true; ttl: number }) => {
      if (opts.customer === undefined && opts.operator === undefined) {
        throw new UsageError('token: say whose: --customer <id> or --operator [name]');
      }
      const config = loadStackConfig();
      if (config.auth.external) {
        throw new UsageError(
          `token: the services trust ${config.auth.jwksUrl} (AUTH_JWKS_URL); get a token from that provider`,
        );
      }
      console.log(
        await mintToken(stackPaths(config).issuer, {
          customer: opts.customer,
          operator: opts.operator,
          ttlSeconds: opts.ttl,
          issuer: config.auth.issuer,
          audience: config.auth.audience,
        }),
      );
    });

  cli
    .command('trace')
    .summary("print an order's trace as a tree")
    .description(
      'Print the OpenTelemetry trace of an order, from the spans the processes wrote with the file exporter\n' +
        '(OTEL_TRACES_EXPORTER=file, the local default): each span indented under its parent, with the process\n' +
        'that made it, its duration and whether it failed. Spans are written in batches: a trace a few seconds\n' +
        'old may not be complete yet.',
    )
    .argument('<orderId>', 'the order whose trace to print')
    .option('--dir <dir>', 'where the spans are (default: TRACES_DIR, else <STACK_DIR>/traces)')
    .action((orderId: string, opts: { dir?: string }) => {
      const dir = opts.dir ?? loadConfig().tracing.dir;
      const traces = tracesOfOrder(readSpans(dir), orderId);
      if (traces.length === 0) {
        console.log(
          `no trace of order ${orderId} in ${dir}: the processes write spans there only with ` +
            'OTEL_TRACES_EXPORTER=file (the default; not with otlp or none) and the same TRACES_DIR or STACK_DIR',
        );
        outcome.exitCode = 1;
        return;
      }
      for (const [i, trace] of traces.entries()) {
        if (i > 0) console.log('');
        console.log(traceHeading(trace));
        for (const line of renderTrace(trace)) console.log(`  ${line}`);
      }
    });

  const dlq = cli
    .command('dlq')
    .summary('list or replay the dead letters of a topic')
    .description(
      'Dead letters are the messages a consumer gave up on, kept in <topic>.dlq with why and where from.',
    );

  dlq
    .command('list')
    .description("list <topic>.dlq: each message's id (partition:offset), key, consumer, origin and error")
    .argument('<topic>', 'the topic whose dead letters to list, e.g. order-created')
    .action(async (topic: string) => {
      const letters = await listDeadLetters(createKafka(loadConfig().kafka), topic);
      if (letters.length === 0) {
        console.log(`${topic}.dlq is empty`);
        return;
      }
      for (const l of letters) {
        const why = l.letter
          ? `${l.letter.failedAt} ${l.letter.consumer} from ${l.letter.originalTopic}/${l.letter.originalPartition}:${l.letter.originalOffset}: ${l.letter.error}`
          : `(${l.problem})`;
        console.log(`${l.id}  key=${l.key ?? '-'}  ${why}`);
      }
      console.log(`${letters.length} dead letter${letters.length === 1 ? '' : 's'} in ${topic}.dlq`);
    });

  dlq
    .command('replay')
    .description(
      'Re-publish dead letters to the topic they came from, for its consumers to process again (they dedupe on\n' +
        'eventId, so replaying one that was in fact processed changes nothing).',
    )
    .argument('<topic>', 'the topic whose dead letters to replay, e.g. order-created')
    .option('--id <partition:offset>', 'only this dead letter (all of them without it)')
    .addOption(
      new Option('--value <json>', 'publish this corrected value instead (needs --id)').conflicts(
        'valueFile',
      ),
    )
    .option('--value-file <file>', 'publish the corrected value in this file instead (needs --id)')
    .action(async (topic: string, opts: { id?: string; value?: string; valueFile?: string }) => {
      const value = opts.valueFile !== undefined ? fs.readFileSync(opts.valueFile, 'utf8') : opts.value;
      if (value !== undefined && opts.id === undefined) {
        throw new UsageError('dlq replay: a corrected value replaces one dead letter: give its --id too');
      }
      const replayed = await replayDeadLetters(createKafka(loadConfig().kafka), topic, {
        id: opts.id,
        value,
      });
      console.log(`replayed ${replayed.length}${replayed.length > 0 ? `: ${replayed.join(', ')}` : ''}`);
    });

  return cli;
}

/** Runs the CLI; resolves with its exit status. */
export async function main(argv: string[]): Promise<number> {
  const outcome: Outcome = { exitCode: 0 };
  const cli = program(outcome);
  // No command at all: show what there is, as --help does.
  if (argv.length === 0) {
    cli.outputHelp();
    return 0;
  }
  try {
    await cli.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "exit" with code 0; every other commander error is bad usage (already printed).
      return err.exitCode === 0 ? 0 : USAGE_ERROR;
    }
    console.error(`orders: ${(err as Error).message}`);
    return err instanceof UsageError ? USAGE_ERROR : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
