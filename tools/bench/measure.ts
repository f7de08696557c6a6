/**
 * How a phase is measured: a warm-up at the phase's rate (not counted), then load sent open-loop at a fixed rate
 * for a fixed time and a bounded wait for what it sent to come out the other end, summed up as latencies,
 * throughput, whether the rate was sustained, and what each completed order cost.
 */
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import type { Logger } from '../../core/logger';
import type { LocalTokens } from '../stack/issuer/keys';
import type { ArrivalWatcher } from './arrivals';
import type { FinalStatusWatcher } from './final-status';
import { openLoop } from './load';
import { perOrder, type PerOrder } from './per-order';
import { Probe, settle, type PhaseUsage, type Watched } from './probe';
import { distribution, round1, type Distribution } from './stats';

export interface PhaseResult {
  phase: string;
  rate: number;
  durationS: number;
  /** Seconds of load at the same rate before the phase, not counted. */
  warmupS: number;
  sent: number;
  /** Not sent because too many were outstanding (the generator's bound). */
  shed: number;
  /** Requests that failed (non-2xx, refused, timed out). */
  failed: number;
  errors: string[];
  /** Sent and seen done at every far end (see each phase) within the drain window. */
  completed: number;
  /** Completed per second, first send to last completion. */
  throughput: number;
  /** Seconds from the last send to the last completion: the backlog left when the load stopped. */
  drainS: number;
  /** Every order completed, nothing failed, and the backlog left at the end drained within the allowance. */
  sustained: boolean;
  /** What was still queued when the phase had to start anyway (the system did not settle in time). */
  startedWithBacklog?: Record<string, number>;
  latencyMs: Record<string, Distribution | null>;
  /** What one completed order cost (CPU, Temporal persistence, database), over the phase. */
  perOrder: PerOrder | null;
  usage: Omit<PhaseUsage, 'samples'> & {
    maxKafkaLag: Record<string, number>;
    maxTemporalBacklog: Record<string, number>;
  };
}

export interface BenchContext {
  run: string;
  kafka: Kafka;
  temporal: Client;
  logger: Logger;
  watched: Watched;
  api: string;
  notifications: string;
  /** The system's database, where the full workflow's orders are placed. */
  database: Connection;
  /** Arrival time (ms since the epoch) of each order's `order-processed`, by orderId. */
  processed: ArrivalWatcher;
  /** When each order's final status was recorded in the order store. */
  statuses: FinalStatusWatcher;
  /** Seconds of uncounted load before each phase. */
  warmupS: number;
  /** Upper bound on waiting for the far end after the load stops. */
  drainTimeoutS: number;
  /** Upper bound on waiting, before a phase, for the system to work off what is queued. */
  settleTimeoutS: number;
  log: (line: string) => void;
  /** Customers' tokens for the API and the streams. */
  tokens: LocalTokens;
}

const MAX_IN_FLIGHT = 5000;

export interface Tracked {
  sentAt: number;
  /** Set once the request was accepted (202, workflow started, produce acknowledged). */
  acceptMs?: number;
  /** The order's id, or the round-trip message's key. */
  orderId?: string;
}

async function waitFor(done: () => boolean, timeoutS: number): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

const maxOf = (
  samples: PhaseUsage['samples'],
  pick: (s: PhaseUsage['samples'][number]) => Record<string, number>,
) => {
  const out: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(pick(s))) out[k] = Math.max(out[k] ?? 0, v);
  return out;
};

export interface Measured {
  phase: string;
  rate: number;
  durationS: number;
  /** Sends request i, pushing its Tracked entry before the request goes out. */
  send: (i: number, tracked: Tracked[]) => Promise<void>;
  acceptLabel: string;
  /** Each far-end signal, by label: when it arrived for an accepted request, if it has. */
  ends: Record<string, (t: Tracked) => number | undefined>;
  /** The processes the phase's path runs through: their CPU makes its total per order. */
  involves: (process: string) => boolean;
  /**
   * The task queues whose backlog is sampled while the phase runs (each sample costs the Temporal server a few
   * calls, so only the phase's own); before it, every queue must be empty.
   */
  taskQueues: readonly { name: string; workflows: boolean }[];
}

/** Load for `durationS` and a bounded wait until every accepted request has every far-end signal. */
async function loadAndDrain(ctx: BenchContext, m: Measured, durationS: number) {
  const tracked: Tracked[] = [];
  const load = await openLoop({
    rate: m.rate,
    durationS,
    maxInFlight: MAX_IN_FLIGHT,
    send: (i) => m.send(i, tracked),
  });
  const accepted = tracked.filter((t) => t.acceptMs !== undefined);
  const ends = Object.values(m.ends);
  // A request completes at the last of its signals.
  const completedAt = (t: Tracked): number | undefined => {
    let last = 0;
    for (const end of ends) {
      const at = end(t);
      if (at === undefined) return undefined;
      last = Math.max(last, at);
    }
    return last;
  };
  await waitFor(() => accepted.every((t) => completedAt(t) !== undefined), ctx.drainTimeoutS);
  await ctx.statuses.catchUp();
  return { load, tracked, accepted, completedAt };
}

/**
 * Runs one phase: a warm-up (its requests waited for, then the system left to settle), then the measured load.
 * Latencies are from the send; CPU and the servers' counters cover the measured load and its drain.
 */
export async function measure(ctx: BenchContext, m: Measured): Promise<PhaseResult> {
  const warmupS = Math.min(ctx.warmupS, m.durationS);
  if (warmupS > 0) {
    const warm = await loadAndDrain(ctx, m, warmupS);
    const done = warm.accepted.filter((t) => warm.completedAt(t) !== undefined).length;
    if (done < warm.load.sent) ctx.log(`  ${m.phase} warm-up: ${done} of ${warm.load.sent} completed`);
  }
  const backlog = await settle(ctx.watched, ctx.settleTimeoutS, ctx.log);
  if (backlog) ctx.log(`  starting ${m.phase} anyway, with queued: ${JSON.stringify(backlog)}`);
  const probe = new Probe({ ...ctx.watched, taskQueues: m.taskQueues });
  await probe.start();
  const readsBefore = ctx.statuses.reads;
  const { load, tracked, accepted, completedAt } = await loadAndDrain(ctx, m, m.durationS);
  const usage = await probe.stop();
  const ownReads = { orders: ctx.statuses.reads - readsBefore };

  const latencyMs: Record<string, Distribution | null> = {
    [m.acceptLabel]: distribution(accepted.map((t) => t.acceptMs!)),
  };
  for (const [label, end] of Object.entries(m.ends))
    latencyMs[label] = distribution(
      accepted.flatMap((t) => (end(t) === undefined ? [] : [end(t)! - t.sentAt])),
    );

  const firstSentAt = tracked[0]?.sentAt ?? Date.now();
  const lastSentAt = tracked.at(-1)?.sentAt ?? Date.now();
  const completions = accepted.flatMap((t) => completedAt(t) ?? []);
  // A reduce, not Math.max(...): a phase may complete more values than a call can take as arguments.
  const last = completions.reduce((a, b) => Math.max(a, b), lastSentAt);
  const drainS = Math.max(0, (last - lastSentAt) / 1000);
  const completed = completions.length;
  const cpuMs = Object.fromEntries(Object.entries(usage.processes).map(([name, u]) => [name, u.cpuMs]));
  const { samples, ...totals } = usage;
  const result: PhaseResult = {
    phase: m.phase,
    rate: m.rate,
    durationS: m.durationS,
    warmupS,
    sent: load.sent,
    shed: load.shed,
    failed: load.failed,
    errors: load.errors,
    completed,
    throughput: round1(completed / Math.max(0.001, (last - firstSentAt) / 1000)),
    drainS: round1(drainS),
    // Allowance: a few seconds of end-to-end latency, or a fifth of the phase, whichever is longer.
    sustained:
      load.shed === 0 &&
      load.failed === 0 &&
      completed === load.sent &&
      drainS <= Math.max(5, m.durationS / 5),
    latencyMs,
    perOrder: perOrder({ ...usage, cpuMs }, completed, { involves: m.involves, ownReads }),
    usage: {
      ...totals,
      maxKafkaLag: maxOf(samples, (s) => s.kafkaLag),
      maxTemporalBacklog: maxOf(samples, (s) => s.temporalBacklog),
    },
  };
  return backlog ? { ...result, startedWithBacklog: backlog } : result;
}
