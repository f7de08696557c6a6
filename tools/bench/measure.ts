/**
 * How a phase is measured: load sent open-loop at a fixed rate for a fixed time, then a bounded wait for what it
 * sent to come out the other end, summed up as latencies, throughput and whether the rate was sustained.
 */
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../../core/logger';
import type { LocalTokens } from '../stack/issuer/keys';
import type { ArrivalWatcher } from './arrivals';
import { openLoop, type OpenLoopResult } from './load';
import { Probe, settle, type PhaseUsage, type Watched } from './probe';
import { distribution, round1, type Distribution } from './stats';

export interface PhaseResult {
  phase: string;
  rate: number;
  durationS: number;
  sent: number;
  /** Not sent because too many were outstanding (the generator's bound). */
  shed: number;
  /** Requests that failed (non-2xx, refused, timed out). */
  failed: number;
  errors: string[];
  /** Sent and seen at the far end (order-processed, or the round trip) within the drain window. */
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
  /** Arrival time (ms since the epoch) of each order's `order-processed`, by orderId. */
  processed: ArrivalWatcher;
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

function summarise(
  phase: string,
  rate: number,
  durationS: number,
  load: OpenLoopResult,
  firstSentAt: number,
  lastSentAt: number,
  completions: number[],
  latencyMs: Record<string, Distribution | null>,
  usage: PhaseUsage,
): PhaseResult {
  // A reduce, not Math.max(...): a phase may complete more values than a call can take as arguments.
  const last = completions.reduce((a, b) => Math.max(a, b), lastSentAt);
  const drainS = Math.max(0, (last - lastSentAt) / 1000);
  const completed = completions.length;
  const maxOf = (pick: (s: PhaseUsage['samples'][number]) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const s of usage.samples)
      for (const [k, v] of Object.entries(pick(s))) out[k] = Math.max(out[k] ?? 0, v);
    return out;
  };
  return {
    phase,
    rate,
    durationS,
    sent: load.sent,
    shed: load.shed,
    failed: load.failed,
    errors: load.errors,
    completed,
    throughput: round1(completed / Math.max(0.001, (last - firstSentAt) / 1000)),
    drainS: round1(drainS),
    // Allowance: a few seconds of end-to-end latency, or a fifth of the phase, whichever is longer.
    sustained:
      load.shed === 0 && load.failed === 0 && completed === load.sent && drainS <= Math.max(5, durationS / 5),
    latencyMs,
    usage: {
      machineCpuPct: usage.machineCpuPct,
      database: usage.database,
      temporal: usage.temporal,
      processes: usage.processes,
      maxKafkaLag: maxOf((s) => s.kafkaLag),
      maxTemporalBacklog: maxOf((s) => s.temporalBacklog),
    },
  };
}

export interface Measured {
  phase: string;
  rate: number;
  durationS: number;
  /** Sends request i, pushing its Tracked entry before the request goes out. */
  send: (i: number, tracked: Tracked[]) => Promise<void>;
  acceptLabel: string;
  /** Each far-end signal, by label: when it arrived for an accepted request, if it has. */
  ends: Record<string, (t: Tracked) => number | undefined>;
}

/**
 * Runs one phase: open-loop load, then a bounded wait until every accepted request has every far-end signal.
 * A request completes at the last of its signals; latencies are from the send.
 */
export async function measure(ctx: BenchContext, m: Measured): Promise<PhaseResult> {
  const backlog = await settle(ctx.watched, ctx.settleTimeoutS, ctx.log);
  if (backlog) ctx.log(`  starting ${m.phase} anyway, with queued: ${JSON.stringify(backlog)}`);
  const tracked: Tracked[] = [];
  const probe = new Probe(ctx.watched);
  await probe.start();
  const load = await openLoop({
    rate: m.rate,
    durationS: m.durationS,
    maxInFlight: MAX_IN_FLIGHT,
    send: (i) => m.send(i, tracked),
  });
  const accepted = tracked.filter((t) => t.acceptMs !== undefined);
  const ends = Object.entries(m.ends);
  const completedAt = (t: Tracked): number | undefined => {
    let last = 0;
    for (const [, end] of ends) {
      const at = end(t);
      if (at === undefined) return undefined;
      last = Math.max(last, at);
    }
    return last;
  };
  await waitFor(() => accepted.every((t) => completedAt(t) !== undefined), ctx.drainTimeoutS);
  const usage = await probe.stop();

  const latencyMs: Record<string, Distribution | null> = {
    [m.acceptLabel]: distribution(accepted.map((t) => t.acceptMs!)),
  };
  for (const [label, end] of ends)
    latencyMs[label] = distribution(
      accepted.flatMap((t) => {
        const at = end(t);
        return at === undefined ? [] : [at - t.sentAt];
      }),
    );
  const result = summarise(
    m.phase,
    m.rate,
    m.durationS,
    load,
    tracked[0]?.sentAt ?? Date.now(),
    tracked.at(-1)?.sentAt ?? Date.now(),
    accepted.flatMap((t) => completedAt(t) ?? []),
    latencyMs,
    usage,
  );
  return backlog ? { ...result, startedWithBacklog: backlog } : result;
}
