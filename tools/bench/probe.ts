/**
 * What the machine is doing while load runs, sampled once a second: CPU and memory of every process of the system
 * and of the local servers (from /proc), Kafka consumer lag per group, Temporal task-queue backlog.
 */
import fs from 'node:fs';
import type { Admin } from 'kafkajs';
import type { Client } from '@temporalio/client';
import { consumerLag } from '../../core/kafka/client';
import { ALL_TASK_QUEUES } from '../../contracts/task-queues';
import { describeTaskQueues } from '../../core/temporal/task-queue-stats';
import { round1 } from './stats';

/** Linux reports process CPU time in clock ticks; 100 per second on every mainstream kernel configuration. */
const CLOCK_TICKS = 100;

export interface ProcessUsage {
  /** Mean CPU over the phase, in % of one core (200% = both cores of a 2-core machine). */
  cpuPct: number;
  maxRssMb: number;
}

function readCpuTicks(pid: number): number | undefined {
  try {
    // The command name (field 2) may contain spaces; the fields we want follow its closing parenthesis.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

function readRssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine. */
function readMachineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((s, v) => s + v, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

export interface BacklogSample {
  at: number;
  /** Messages not yet committed, per consumer group, over its topics. */
  kafkaLag: Record<string, number>;
  /** Tasks waiting in Temporal, per task queue (workflow + activity). */
  temporalBacklog: Record<string, number>;
}

/** Time spent per operation over a phase: a database command, or a Temporal persistence operation. */
export interface OperationTime {
  operation: string;
  count: number;
  totalMs: number;
  meanMs: number;
  /** For FerretDB: of the total, time spent waiting for the proxy's write lock. */
  lockWaitMs?: number;
}

type Timings = Record<string, { count: number; totalMs: number; lockWaitMs?: number }>;

async function fetchText(url: string | undefined): Promise<string | undefined> {
  if (!url) return undefined;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** FerretDB launcher's /debug/commands: per command and collection. */
async function databaseTimings(url: string | undefined): Promise<Timings | undefined> {
  const text = await fetchText(url);
  return text === undefined ? undefined : (JSON.parse(text) as Timings);
}

/**
 * From the Temporal server's Prometheus metrics: time in persistence (its SQLite) per service and operation, and
 * the number of frontend calls per operation (the SDK's round trips), as `frontend <operation>` with no time.
 */
export async function temporalTimings(url: string | undefined): Promise<Timings | undefined> {
  const text = await fetchText(url);
  if (text === undefined) return undefined;
  const out: Timings = {};
  const labels = (raw: string) =>
    Object.fromEntries([...raw.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  for (const line of text.split('\n')) {
    const m = /^(persistence_latency_sum|persistence_latency_count|service_requests)\{([^}]*)\} (\S+)$/.exec(
      line,
    );
    if (!m) continue;
    const l = labels(m[2]!);
    const value = Number(m[3]);
    if (m[1] === 'service_requests') {
      if (l.service_name !== 'frontend') continue;
      const t = (out[`frontend ${l.operation}`] ??= { count: 0, totalMs: 0 });
      t.count += value;
      continue;
    }
    const t = (out[`${l.service_name} ${l.operation}`] ??= { count: 0, totalMs: 0 });
    if (m[1] === 'persistence_latency_sum') t.totalMs += value * 1000;
    else t.count += value;
  }
  return out;
}

/** What happened between two readings, most time first (then most calls). */
function timingsBetween(before: Timings | undefined, after: Timings | undefined): OperationTime[] {
  if (!before || !after) return [];
  const out: OperationTime[] = [];
  for (const [operation, t] of Object.entries(after)) {
    const b = before[operation] ?? { count: 0, totalMs: 0, lockWaitMs: 0 };
    const count = t.count - b.count;
    if (count <= 0) continue;
    const totalMs = t.totalMs - b.totalMs;
    out.push({
      operation: operation.trim(),
      count,
      totalMs: round1(totalMs),
      meanMs: round1(totalMs / count),
      ...(t.lockWaitMs === undefined ? {} : { lockWaitMs: round1(t.lockWaitMs - (b.lockWaitMs ?? 0)) }),
    });
  }
  return out.sort((a, b) => b.totalMs - a.totalMs || b.count - a.count);
}

export interface Watched {
  /** The local FerretDB's per-command timings, when the stack runs it. */
  databaseTimingsUrl?: string;
  /** The Temporal server's Prometheus endpoint, when the stack runs it. */
  temporalMetricsUrl?: string;
  processes: Map<string, number>;
  groups: { groupId: string; topics: string[] }[];
  admin: Admin;
  temporal: Client;
  namespace: string;
}

export interface PhaseUsage {
  machineCpuPct: number;
  /** The database commands that took the most time during the phase, most first. */
  database: OperationTime[];
  /** Temporal persistence operations, most time first, and frontend calls (no time). */
  temporal: OperationTime[];
  processes: Record<string, ProcessUsage>;
  samples: BacklogSample[];
}

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
    describeTaskQueues(watched.temporal, watched.namespace, ALL_TASK_QUEUES).catch(() => []),
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

/** Samples from start() to stop(); returns per-process means and maxima and the backlog series. */
export class Probe {
  private timer: NodeJS.Timeout | undefined;
  private startTicks = new Map<string, number>();
  private maxRss = new Map<string, number>();
  private startedAt = 0;
  private machineStart = { busy: 0, total: 0 };
  private samples: BacklogSample[] = [];
  private sampling: Promise<void> = Promise.resolve();
  private benchCpu = process.cpuUsage();
  private databaseAtStart: Timings | undefined;
  private temporalAtStart: Timings | undefined;

  constructor(private readonly watched: Watched) {}

  async start(): Promise<void> {
    [this.databaseAtStart, this.temporalAtStart] = await Promise.all([
      databaseTimings(this.watched.databaseTimingsUrl),
      temporalTimings(this.watched.temporalMetricsUrl),
    ]);
    this.startedAt = Date.now();
    this.machineStart = readMachineTicks();
    this.benchCpu = process.cpuUsage();
    for (const [name, pid] of this.watched.processes) {
      const ticks = readCpuTicks(pid);
      if (ticks !== undefined) this.startTicks.set(name, ticks);
    }
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
    const processes: Record<string, ProcessUsage> = {};
    for (const [name, pid] of this.watched.processes) {
      const before = this.startTicks.get(name);
      const after = readCpuTicks(pid);
      if (before === undefined || after === undefined) continue;
      processes[name] = {
        cpuPct: round1(((after - before) / CLOCK_TICKS / seconds) * 100),
        maxRssMb: round1(this.maxRss.get(name) ?? readRssMb(pid) ?? 0),
      };
    }
    const bench = process.cpuUsage(this.benchCpu);
    processes['bench (load generator)'] = {
      cpuPct: round1(((bench.user + bench.system) / 1e6 / seconds) * 100),
      maxRssMb: round1(process.memoryUsage().rss / 1024 / 1024),
    };
    const [database, temporal] = await Promise.all([
      databaseTimings(this.watched.databaseTimingsUrl).then((t) => timingsBetween(this.databaseAtStart, t)),
      temporalTimings(this.watched.temporalMetricsUrl).then((t) => timingsBetween(this.temporalAtStart, t)),
    ]);
    const machine = readMachineTicks();
    const machineCpuPct = round1(
      ((machine.busy - this.machineStart.busy) / Math.max(1, machine.total - this.machineStart.total)) * 100,
    );
    return { machineCpuPct, database: database.slice(0, 12), temporal, processes, samples: this.samples };
  }
}
