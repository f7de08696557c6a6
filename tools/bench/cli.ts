/**
 * npm run bench — load the whole system and its engines, side by side in one run, and write the figures.
 *
 *   npm run bench -- --rate 50 --duration 30         constant rate: bare Kafka, the engine floor, the full
 *                                                    workflow, the pipeline, then the API alone at --api-rate
 *                                                    for --api-duration
 *   npm run bench -- --ramp [--rates 5,10,20,...]    each rate for --step seconds, the engine floor, the full
 *                                                    workflow and the pipeline back to back, each until it does
 *                                                    not sustain one (schedule.ts)
 *   --warmup 5                                       seconds of uncounted load before each phase
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
import { apiPhase, fullWorkflowPhase, kafkaPhase, pipelinePhase } from './phases';
import { ArrivalWatcher } from './arrivals';
import { connectMongo } from '../../core/mongo/connection';
import { ALL_TASK_QUEUES } from '../../contracts/task-queues';
import { FinalStatusWatcher } from './final-status';
import { floorPhase } from './floor/phase';
import { FLOOR_QUEUE_LIST, FLOOR_TASK_QUEUES } from './floor/queues';
import { startFloorWorkers } from './floor/workers';
import { PHASE } from './phase-names';
import { schedule, type Ordered } from './schedule';
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
  // The system and the engine floor's workers start side by side; if either fails, the other is stopped.
  const [system, floorWorkers] = await Promise.allSettled([
    findOrStartTarget(config, run, log, profiles),
    startFloorWorkers(config, log),
  ]);
  if (system.status === 'rejected' || floorWorkers.status === 'rejected') {
    if (system.status === 'fulfilled') await system.value.close();
    if (floorWorkers.status === 'fulfilled') await floorWorkers.value.stop();
    throw system.status === 'rejected' ? system.reason : (floorWorkers as PromiseRejectedResult).reason;
  }
  const [target, floor] = [system.value, floorWorkers.value];
  for (const [name, pid] of floor.pids) target.processes.set(name, pid);
  const database = await connectMongo({ ...config.mongo, url: target.mongoUrl });
  const kafka = createKafka(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  const { client, connection } = await connectTemporal(config.temporal);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const processed = new ArrivalWatcher();
  const statuses = new FinalStatusWatcher(database, (orderId) => processed.arrivals.get(orderId));
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
    statuses.start();
    const ctx: BenchContext = {
      run,
      kafka,
      temporal: client,
      logger,
      watched: {
        databaseTimingsUrl: target.databaseTimingsUrl,
        temporalMetricsUrl: target.temporalMetricsUrl,
        postgres: target.postgres,
        processes: target.processes,
        groups: target.groups,
        taskQueues: [...ALL_TASK_QUEUES, ...FLOOR_QUEUE_LIST],
        admin,
        temporal: client,
        namespace: config.temporal.namespace,
      },
      api: target.api,
      notifications: target.notifications,
      tokens: localTokens(stackPaths(config).issuer, config.auth, 6 * 3_600),
      database,
      processed,
      statuses,
      warmupS: opts.warmupS,
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
      ctx.warmupS = Math.min(ctx.warmupS, 1);
    }
    const ordered = {
      [PHASE.floor]: floorPhase,
      [PHASE.full]: fullWorkflowPhase,
      [PHASE.pipeline]: pipelinePhase,
    };
    await schedule(
      {
        run: (phase: Ordered, rate, durationS) => step(ordered[phase](ctx, rate, durationS)),
        kafka: (rate, durationS) => step(kafkaPhase(ctx, rate, durationS)),
        api: (rate, durationS) => step(apiPhase(ctx, rate, durationS)),
      },
      opts,
    );

    loadWindow.toUs = monotonicUs();
    const { targets, ratios } = evaluate(phases, opts.mode, { freshDatabase: target.freshDatabase });
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
        'engine floor': `no-op workflow and activities on ${Object.values(FLOOR_TASK_QUEUES).join(', ')}, workers as the real ones`,
        'database backend': config.mongo.external ? 'external' : `FerretDB on ${config.stack.mongoBackend}`,
        partitions: config.kafka.topicPartitions,
      },
      phases,
      ratios,
      targets,
    };
  } finally {
    statuses.stop();
    await processed.stop();
    await admin.deleteGroups([`${run}-processed`, `${run}-roundtrip`]).catch(() => undefined);
    await admin.disconnect();
    await producer.disconnect();
    await connection.close();
    await database.close();
    await floor.stop();
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
    const pipeline = phases.find((p) => p.phase === PHASE.pipeline)!;
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
