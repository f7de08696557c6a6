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
 *
 * It targets the system `npm start` runs; when nothing answers it starts every process itself, on a database and
 * consumer groups of its own. Before each phase it waits (--settle-timeout, default 300 s) until no consumer group
 * lags and no task queue holds work, so a phase measures its own load and not a backlog left from before. Loopback only; every phase is bounded in count and time. Results go to bench/results/.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadStackConfig } from '../stack/config';
import { createKafka } from '../../core/kafka/client';
import { createLogger } from '../../core/logger';
import { TOPICS } from '../../contracts/topics';
import { connectTemporal, temporalServerVersion } from '../../core/temporal/connection';
import { ferretdbVersion, KAFKA_VERSION, TEMPORAL_CLI_VERSION } from '../stack/versions';
import {
  apiPhase,
  kafkaPhase,
  pipelinePhase,
  ArrivalWatcher,
  temporalPhase,
  type BenchContext,
  type PhaseResult,
} from './phases';
import { machineFacts, markdown, writeResult, type BenchResult, type Target } from './report';
import { monotonicUs, summariseProfiles, type ClockWindow } from './cpu-profile';
import { findOrStartTarget, TargetError } from './target';
import { localTokens } from '../stack/issuer/keys';
import { stackPaths } from '../stack/paths';

const MAX_RATE = 1000;
const MAX_DURATION_S = 300;
const DEFAULT_RAMP = [5, 10, 20, 35, 50, 75, 100, 150, 200, 300];

class UsageError extends Error {}

function cpuProfileDir(out: string, run: string): string {
  const dir = path.join(out, 'profiles', run);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function packageVersion(name: string): string {
  const file = path.join(path.dirname(require.resolve(`${name}/package.json`)), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

function number(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(
      `--${name}: expected a number from ${min} to ${max} (received ${JSON.stringify(value)})`,
    );
  return n;
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string', default: '50' },
      duration: { type: 'string', default: '30' },
      'api-rate': { type: 'string', default: '200' },
      'api-duration': { type: 'string', default: '5' },
      ramp: { type: 'boolean', default: false },
      rates: { type: 'string' },
      step: { type: 'string', default: '20' },
      quick: { type: 'boolean', default: false },
      'min-throughput': { type: 'string', default: '1' },
      'no-api': { type: 'boolean', default: false },
      'drain-timeout': { type: 'string', default: '120' },
      'settle-timeout': { type: 'string', default: '300' },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(__dirname, 'results') },
    },
  });
  const rates = values.rates
    ? values.rates.split(',').map((r) => number('rates', r.trim(), 0.1, MAX_RATE))
    : DEFAULT_RAMP;
  return {
    mode: values.quick ? ('quick' as const) : values.ramp ? ('ramp' as const) : ('constant' as const),
    rate: number('rate', values.rate, 0.1, MAX_RATE),
    durationS: number('duration', values.duration, 1, MAX_DURATION_S),
    apiRate: number('api-rate', values['api-rate'], 0.1, MAX_RATE),
    apiDurationS: number('api-duration', values['api-duration'], 1, 60),
    rates,
    stepS: number('step', values.step, 5, MAX_DURATION_S),
    minThroughput: number('min-throughput', values['min-throughput'], 0, MAX_RATE),
    api: !values['no-api'],
    drainTimeoutS: number('drain-timeout', values['drain-timeout'], 5, 1800),
    settleTimeoutS: number('settle-timeout', values['settle-timeout'], 0, 1800),
    out: values.out,
    cpuProf: values['cpu-prof'],
  };
}

type Options = ReturnType<typeof parse>;

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

const best = (phases: PhaseResult[], name: string) =>
  phases
    .filter((p) => p.phase === name && p.sustained)
    .reduce<PhaseResult | undefined>((a, p) => (!a || p.rate > a.rate ? p : a), undefined);

function evaluate(
  phases: PhaseResult[],
  mode: Options['mode'],
): { targets: Target[]; ratios: BenchResult['ratios'] } {
  const pipelines = phases.filter((p) => p.phase === 'pipeline');
  const temporals = phases.filter((p) => p.phase === 'bare Temporal');
  const kafkas = phases.filter((p) => p.phase === 'bare Kafka');
  const bestPipeline = best(phases, 'pipeline');
  const bestTemporal = best(phases, 'bare Temporal');
  const at100 = pipelines.find((p) => p.rate === 100);
  const api200 = phases.find((p) => p.phase === 'API burst' && p.rate === 200);
  const round2 = (v: number) => Math.round(v * 100) / 100;

  // Throughput ratio: in a ramp, the highest rates each sustained; at one rate, what each delivered.
  const ratio =
    mode === 'ramp'
      ? bestPipeline && bestTemporal
        ? round2(bestPipeline.rate / bestTemporal.rate)
        : null
      : pipelines[0] && temporals[0]
        ? round2(pipelines[0].throughput / temporals[0].throughput)
        : null;
  const p50 = (p: PhaseResult | undefined, key: string) => p?.latencyMs[key]?.p50;
  const pipeLatency = p50(pipelines[0], 'POST → order-processed');
  const temporalLatency = p50(temporals[0], 'start → order-processed');
  const kafkaLatency = p50(kafkas[0], 'produce → consume');
  const notif = at100?.latencyMs['POST → SSE notification'];
  const accept = api200?.latencyMs['API accept'];
  const capacity = (list: PhaseResult[]) => Math.max(0, ...list.map((p) => p.throughput));
  return {
    ratios: {
      'pipeline / bare Temporal throughput': ratio,
      'pipeline / bare Temporal capacity (highest throughput seen)':
        pipelines.length && temporals.length ? round2(capacity(pipelines) / capacity(temporals)) : null,
      'pipeline / bare Temporal p50 latency (first rate)':
        pipeLatency && temporalLatency ? round2(pipeLatency / temporalLatency) : null,
      'pipeline p50 latency / Kafka round trip p50 (first rate)':
        pipeLatency && kafkaLatency ? round2(pipeLatency / kafkaLatency) : null,
    },
    targets: [
      {
        target: 'sustained end to end (every order completed, backlog flat)',
        goal: '≥ 200 orders/s',
        measured: bestPipeline ? `${bestPipeline.rate} orders/s sustained` : 'no rate tried was sustained',
        met: bestPipeline ? bestPipeline.rate >= 200 : false,
      },
      {
        target: 'p99 POST → SSE notification at 100 orders/s',
        goal: '≤ 1000 ms',
        measured: notif ? `${notif.p99} ms` : 'not run at 100 orders/s',
        met: notif ? notif.p99 <= 1000 && at100!.sustained : null,
      },
      {
        target: 'API accept p99 at 200 requests/s',
        goal: '≤ 25 ms',
        measured: accept ? `${accept.p99} ms` : 'not run at 200 requests/s',
        met: accept ? accept.p99 <= 25 : null,
      },
      {
        target: 'pipeline throughput / bare-Temporal throughput',
        goal: '≥ 0.8',
        measured: ratio === null ? 'not measured' : String(ratio),
        met: ratio === null ? null : ratio >= 0.8,
      },
    ],
  };
}

async function main(argv: string[]): Promise<number> {
  const opts = parse(argv);
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
