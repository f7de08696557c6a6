/**
 * npm run bench — load the whole system and its engines, side by side in one run, and write the figures.
 *
 *   npm run bench -- --rate 50 --duration 30         constant rate: bare Kafka, bare Temporal, the pipeline,
 *                                                    then the API alone at --api-rate for --api-duration
 *   npm run bench -- --ramp [--rates 5,10,20,...]    each rate for --step seconds until one is not sustained,
 *                                                    for the pipeline and for bare Temporal
 *   npm run bench:quick                              a ≤ 60 s smoke run with a low floor (CI)
 *   --cpu-prof                                       also profile every process (node --cpu-prof) and report
 *                                                    where each spent its CPU; the bench must start them itself
 *   --seed N                                         first fill the stores with N orders of history (seed.ts)
 *
 * It targets the system `npm start` runs; when nothing answers it starts every process itself, on a database and
 * consumer groups of its own. Before each phase it waits (--settle-timeout, default 300 s) until no consumer group
 * lags and no task queue holds work, so a phase measures its own load and not a backlog left from before. Loopback
 * only; every phase is bounded in count and time. Results go to tools/bench/results/.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadStackConfig } from '../stack/config';
import { createKafka } from '../../core/kafka/client';
import { createLogger } from '../../core/logger';
import { TOPICS } from '../../contracts/topics';
import { connectTemporal, temporalServerVersion } from '../../core/temporal/connection';
import { ferretdbVersion, KAFKA_VERSION, TEMPORAL_CLI_VERSION } from '../stack/versions';
import { apiPhase, kafkaPhase, pipelinePhase, temporalPhase } from './phases';
import { ArrivalWatcher } from './arrivals';
import type { BenchContext, PhaseResult } from './measure';
import { parseOptions, UsageError } from './options';
import { evaluate } from './goals';
import { machineFacts, markdown, writeResult, type BenchResult } from './report';
import { monotonicUs, summariseProfiles, type ClockWindow } from './cpu-profile';
import { findOrStartTarget, TargetError } from './target';
import { seedBeforeMeasuring } from './seed';
import { localTokens } from '../stack/issuer/keys';
import { stackPaths } from '../stack/paths';

function cpuProfileDir(out: string, run: string): string {
  const dir = path.join(out, 'profiles', run);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function packageVersion(name: string): string {
  const file = path.join(path.dirname(require.resolve(`${name}/package.json`)), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Runs a phase at each rate in turn and stops after the first rate it did not sustain. */
async function ramp(run: (rate: number) => Promise<PhaseResult>, rates: number[]): Promise<void> {
  for (const rate of rates) if (!(await run(rate)).sustained) return;
}

function line(p: PhaseResult): string {
  const first = Object.entries(p.latencyMs).at(-1);
  return `  ${p.phase} @ ${p.rate}/s: ${p.completed}/${p.sent} completed, ${p.throughput}/s, drain ${p.drainS} s, ${
    p.sustained ? 'sustained' : 'NOT sustained'
  }${first?.[1] ? `, ${first[0]} p50 ${first[1].p50} ms p99 ${first[1].p99} ms` : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  const config = loadStackConfig();
  const run = `bench-${randomUUID().slice(0, 8)}`;
  const log = (l: string) => console.log(l);
  const logger = createLogger('bench', 'warn');
  const startedAt = new Date().toISOString();

  const profiles = opts.cpuProf ? cpuProfileDir(opts.out, run) : undefined;
  const target = await findOrStartTarget(config, run, log, profiles);
  const kafka = createKafka(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  const { client, connection } = await connectTemporal(config.temporal);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const processed = new ArrivalWatcher();
  const phases: PhaseResult[] = [];
  let result: BenchResult;
  const loadWindow: ClockWindow = { fromUs: 0, toUs: 0 };
  try {
    await processed.start(
      kafka,
      { name: 'bench', groupId: `${run}-processed`, topic: TOPICS.orderProcessed },
      logger,
      producer,
    );
    const ctx: BenchContext = {
      run,
      kafka,
      temporal: client,
      logger,
      watched: {
        databaseTimingsUrl: target.databaseTimingsUrl,
        temporalMetricsUrl: target.temporalMetricsUrl,
        processes: target.processes,
        groups: target.groups,
        admin,
        temporal: client,
        namespace: config.temporal.namespace,
      },
      api: target.api,
      notifications: target.notifications,
      tokens: localTokens(stackPaths(config).issuer, config.auth, 6 * 3_600),
      processed,
      drainTimeoutS: opts.drainTimeoutS,
      settleTimeoutS: opts.settleTimeoutS,
      log,
    };
    const step = async (p: Promise<PhaseResult>) => {
      const r = await p;
      phases.push(r);
      log(line(r));
      return r;
    };

    if (opts.seed > 0) await seedBeforeMeasuring(config, target.mongoUrl, opts.seed, run, log);
    loadWindow.fromUs = monotonicUs();
    if (opts.mode === 'quick') {
      ctx.drainTimeoutS = 20;
      ctx.settleTimeoutS = Math.min(ctx.settleTimeoutS, 20);
      await step(kafkaPhase(ctx, 10, 3));
      await step(temporalPhase(ctx, 5, 6));
      await step(pipelinePhase(ctx, 5, 10));
    } else if (opts.mode === 'ramp') {
      await step(kafkaPhase(ctx, opts.rates[0]!, opts.stepS));
      await ramp((r) => step(temporalPhase(ctx, r, opts.stepS)), opts.rates);
      await ramp((r) => step(pipelinePhase(ctx, r, opts.stepS)), opts.rates);
      if (opts.api) await step(apiPhase(ctx, opts.apiRate, opts.apiDurationS));
    } else {
      await step(kafkaPhase(ctx, opts.rate, opts.durationS));
      await step(temporalPhase(ctx, opts.rate, opts.durationS));
      await step(pipelinePhase(ctx, opts.rate, opts.durationS));
      if (opts.api) await step(apiPhase(ctx, opts.apiRate, opts.apiDurationS));
    }

    loadWindow.toUs = monotonicUs();
    const { targets, ratios } = evaluate(phases, opts.mode);
    result = {
      startedAt,
      command: `npm run bench -- ${argv.join(' ')}`.trim(),
      mode: opts.mode,
      system:
        target.kind === 'running' ? 'the running system (npm start)' : 'every process started by the bench',
      machine: machineFacts(),
      versions: {
        Kafka: KAFKA_VERSION,
        'Temporal CLI': TEMPORAL_CLI_VERSION,
        'Temporal server': await temporalServerVersion(connection),
        FerretDB: ferretdbVersion(),
        '@temporalio/*': packageVersion('@temporalio/client'),
        kafkajs: packageVersion('kafkajs'),
      },
      settings: {
        'orders workers': `${config.workers.orders.replicas} × (${config.workers.orders.maxWorkflowTasks} workflow tasks, ${config.workers.orders.maxActivities} activities, ${config.workers.orders.pollers} pollers)`,
        'payments workers': `${config.workers.payments.replicas} × ${config.workers.payments.maxActivities} activities`,
        'order-events workers': `${config.workers.orderEvents.replicas} × ${config.workers.orderEvents.maxActivities} activities`,
        'payment latency ms': config.payments.latencyMs,
        'outbox poll ms / batch': `${config.outbox.pollMs} / ${config.outbox.batchSize}`,
        partitions: config.kafka.topicPartitions,
      },
      phases,
      ratios,
      targets,
    };
  } finally {
    await processed.stop();
    await admin.deleteGroups([`${run}-processed`, `${run}-roundtrip`]).catch(() => undefined);
    await admin.disconnect();
    await producer.disconnect();
    await connection.close();
    await target.close();
  }
  if (profiles) {
    // The processes wrote their profiles as they exited.
    result.cpuProfiles = summariseProfiles(
      profiles,
      new Map([...target.processes].map(([n, pid]) => [pid, n])),
      loadWindow,
    );
    log(`CPU profiles: ${profiles} (open one in Chrome DevTools → Performance)`);
  }
  const files = writeResult(opts.out, result);
  console.log(`\n${markdown(result)}\nwritten: ${files.json}\n         ${files.md}`);

  if (opts.mode === 'quick') {
    const pipeline = phases.find((p) => p.phase === 'pipeline')!;
    const problems = [
      ...phases
        .filter((p) => p.completed < p.sent || p.failed > 0)
        .map(
          (p) =>
            `${p.phase}: ${p.completed} of ${p.sent} completed, ${p.failed} failed ${p.errors.join('; ')}`,
        ),
      ...(pipeline.throughput < opts.minThroughput
        ? [`pipeline throughput ${pipeline.throughput}/s is below the floor of ${opts.minThroughput}/s`]
        : []),
    ];
    if (problems.length) {
      console.error(`bench:quick failed:\n  ${problems.join('\n  ')}`);
      return 1;
    }
    console.log(
      `bench:quick: every order completed, pipeline ${pipeline.throughput}/s ≥ floor ${opts.minThroughput}/s`,
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const usage = err instanceof UsageError || err instanceof TargetError;
    console.error(usage ? err.message : (err.stack ?? err.message));
    process.exit(usage ? 2 : 1);
  },
);
