/**
 * What the machine is doing while load runs: CPU of every process of the system and of the local servers, each
 * with its children (from /proc), memory sampled once a second, Kafka consumer lag per group and Temporal
 * task-queue backlog, and the servers' own counters (database commands, Temporal persistence requests, PostgreSQL's
 * table statistics) read at the start and at the end.
 */
import type { Admin } from 'kafkajs';
import type { Client } from '@temporalio/client';
import { consumerLag } from '../../core/kafka/client';
import { describeTaskQueues } from '../../core/temporal/task-queue-stats';
import { round1 } from './stats';
import { countsBetween, timingsBetween, type OperationTime, type Timings } from './timings';
import { temporalCounters, type TemporalCounters } from './temporal-metrics';
import { commandsByCollection, databaseTimings, type CollectionCommands } from './database-commands';
import {
  activityBetween,
  postgresActivity,
  type PostgresActivity,
  type PostgresWatch,
} from './postgres-stats';
import { cpuMsBetween, readMachineTicks, readProcessTable, readRssMb, treeTicks } from './proc';
import { LOAD_GENERATOR } from './per-order';

export type { OperationTime } from './timings';

export interface ProcessUsage {
  /** CPU ms of the process and its children over the phase. */
  cpuMs: number;
  /** Mean CPU over the phase, in % of one core (200% = both cores of a 2-core machine). */
  cpuPct: number;
  maxRssMb: number;
}

export interface BacklogSample {
  at: number;
  /** Messages not yet committed, per consumer group, over its topics. */
  kafkaLag: Record<string, number>;
  /** Tasks waiting in Temporal, per task queue (workflow + activity). */
  temporalBacklog: Record<string, number>;
}

export interface Watched {
  /** The local FerretDB's per-command timings, when the stack runs it. */
  databaseTimingsUrl?: string;
  /** The Temporal server's Prometheus endpoint, when the stack runs it. */
  temporalMetricsUrl?: string;
  /** PostgreSQL under FerretDB, when the stack runs FerretDB on it. */
  postgres?: PostgresWatch;
  processes: Map<string, number>;
  groups: { groupId: string; topics: string[] }[];
  /** The task queues whose backlog is sampled: the system's and the engine floor's. */
  taskQueues: readonly { name: string; workflows: boolean }[];
  admin: Admin;
  temporal: Client;
  namespace: string;
}

export interface PhaseUsage {
  machineCpuPct: number;
  /** The database commands that took the most time during the phase, most first. */
  database: OperationTime[];
  /** Database write and read commands per collection, when the database's counters can be read. */
  databaseCommands?: Record<string, CollectionCommands>;
  /** Temporal persistence operations, most time first, and frontend calls (no time). */
  temporal: OperationTime[];
  /** Temporal persistence requests per operation, when the server's metrics can be read. */
  persistenceRequests?: Record<string, number>;
  /** Temporal actions per type, likewise. */
  actions?: Record<string, number>;
  /** PostgreSQL's rows written and scans per collection, when FerretDB runs on it. */
  postgres?: PostgresActivity;
  processes: Record<string, ProcessUsage>;
  samples: BacklogSample[];
}

/**
 * PostgreSQL backends report their table statistics when idle, at most once a second, and otherwise up to 10 s
 * later (PGSTAT_IDLE_INTERVAL): its figures are read after that long a pause, so each phase gets its own.
 */
const POSTGRES_STATS_LAG_MS = 10_500;

/** Kafka lag per consumer group and Temporal backlog per task queue, now. A group that cannot be read counts -1. */
export async function backlogSample(watched: Watched): Promise<BacklogSample> {
  const at = Date.now();
  const [lags, queues] = await Promise.all([
    Promise.all(
      watched.groups.map(async (g) => {
        const lag = await consumerLag(watched.admin, g.groupId, g.topics).catch(() => undefined);
        return [g.groupId, lag ? Object.values(lag).reduce((s, t) => s + t.total, 0) : -1] as const;
      }),
    ),
    describeTaskQueues(watched.temporal, watched.namespace, watched.taskQueues).catch(() => []),
  ]);
  return {
    at,
    kafkaLag: Object.fromEntries(lags),
    temporalBacklog: Object.fromEntries(
      queues.map((q) => [q.name, q.activity.backlogCount + (q.workflow?.backlogCount ?? 0)]),
    ),
  };
}

/**
 * Waits (bounded) until nothing is queued: every consumer group caught up and every task queue empty, three
 * samples in a row, so a run measures the load it sends and not a backlog left from before. Returns what was
 * still queued when it gave up, or undefined once settled.
 */
export async function settle(
  watched: Watched,
  timeoutS: number,
  log: (line: string) => void,
): Promise<Record<string, number> | undefined> {
  const deadline = Date.now() + timeoutS * 1000;
  let quiet = 0;
  let lastLog = 0;
  for (;;) {
    const sample = await backlogSample(watched);
    const queued = Object.fromEntries(
      Object.entries({ ...sample.kafkaLag, ...sample.temporalBacklog }).filter(([, n]) => n !== 0),
    );
    quiet = Object.keys(queued).length === 0 ? quiet + 1 : 0;
    if (quiet >= 3) return undefined;
    if (Date.now() >= deadline) return queued;
    if (quiet === 0 && Date.now() - lastLog > 10_000) {
      log(`waiting for the system to work off what is queued: ${JSON.stringify(queued)}`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Samples from start() to stop(); returns per-process totals and maxima, the servers' counters and the backlog. */
export class Probe {
  private timer: NodeJS.Timeout | undefined;
  private startTicks = new Map<string, Map<number, number>>();
  private maxRss = new Map<string, number>();
  private startedAt = 0;
  private machineStart = { busy: 0, total: 0 };
  private samples: BacklogSample[] = [];
  private sampling: Promise<void> = Promise.resolve();
  private benchCpu = process.cpuUsage();
  private databaseAtStart: Timings | undefined;
  private temporalAtStart: TemporalCounters | undefined;
  private postgresAtStart: PostgresActivity | undefined;

  constructor(private readonly watched: Watched) {}

  async start(): Promise<void> {
    if (this.watched.postgres) {
      await sleep(POSTGRES_STATS_LAG_MS);
      this.postgresAtStart = await postgresActivity(this.watched.postgres);
    }
    [this.databaseAtStart, this.temporalAtStart] = await Promise.all([
      databaseTimings(this.watched.databaseTimingsUrl),
      temporalCounters(this.watched.temporalMetricsUrl),
    ]);
    this.startedAt = Date.now();
    this.machineStart = readMachineTicks();
    this.benchCpu = process.cpuUsage();
    const table = readProcessTable();
    for (const [name, pid] of this.watched.processes) this.startTicks.set(name, treeTicks(table, pid));
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, 1000);
  }

  private async sample(): Promise<void> {
    for (const [name, pid] of this.watched.processes) {
      const rss = readRssMb(pid);
      if (rss !== undefined) this.maxRss.set(name, Math.max(this.maxRss.get(name) ?? 0, rss));
    }
    this.samples.push(await backlogSample(this.watched));
  }

  async stop(): Promise<PhaseUsage> {
    clearInterval(this.timer);
    await this.sampling;
    const seconds = (Date.now() - this.startedAt) / 1000;
    const table = readProcessTable();
    const machine = readMachineTicks();
    const bench = process.cpuUsage(this.benchCpu);
    const processes: Record<string, ProcessUsage> = {};
    const usage = (cpuMs: number, maxRssMb: number): ProcessUsage => ({
      cpuMs: round1(cpuMs),
      cpuPct: round1((cpuMs / 1000 / seconds) * 100),
      maxRssMb: round1(maxRssMb),
    });
    for (const [name, pid] of this.watched.processes) {
      const before = this.startTicks.get(name);
      if (!before?.size || !table.has(pid)) continue;
      processes[name] = usage(
        cpuMsBetween(before, treeTicks(table, pid)),
        this.maxRss.get(name) ?? readRssMb(pid) ?? 0,
      );
    }
    processes[LOAD_GENERATOR] = usage(
      (bench.user + bench.system) / 1000,
      process.memoryUsage().rss / 1024 / 1024,
    );
    const [databaseAtEnd, temporalAtEnd] = await Promise.all([
      databaseTimings(this.watched.databaseTimingsUrl),
      temporalCounters(this.watched.temporalMetricsUrl),
    ]);
    let postgres: PostgresActivity | undefined;
    if (this.watched.postgres && this.postgresAtStart) {
      await sleep(POSTGRES_STATS_LAG_MS);
      const atEnd = await postgresActivity(this.watched.postgres);
      if (atEnd) postgres = activityBetween(this.postgresAtStart, atEnd);
    }
    const commandCounts = (t: Timings | undefined) =>
      t && Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.count]));
    return {
      machineCpuPct: round1(
        ((machine.busy - this.machineStart.busy) / Math.max(1, machine.total - this.machineStart.total)) *
          100,
      ),
      database: timingsBetween(this.databaseAtStart, databaseAtEnd).slice(0, 12),
      databaseCommands:
        this.databaseAtStart && databaseAtEnd
          ? commandsByCollection(
              countsBetween(commandCounts(this.databaseAtStart), commandCounts(databaseAtEnd)),
            )
          : undefined,
      temporal: timingsBetween(this.temporalAtStart?.timings, temporalAtEnd?.timings),
      persistenceRequests:
        this.temporalAtStart && temporalAtEnd
          ? countsBetween(this.temporalAtStart.persistenceRequests, temporalAtEnd.persistenceRequests)
          : undefined,
      actions:
        this.temporalAtStart && temporalAtEnd
          ? countsBetween(this.temporalAtStart.actions, temporalAtEnd.actions)
          : undefined,
      ...(postgres ? { postgres } : {}),
      processes,
      samples: this.samples,
    };
  }
}
