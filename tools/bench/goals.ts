import type { PhaseResult } from './measure';
import type { Options } from './options';
import { round2 } from './per-order';
import { PHASE } from './phase-names';
import type { BenchResult, Target } from './report';

/**
 * What the figures are judged by: the goals the system is held to and the ratios between the pipeline, the full
 * workflow and the engine floor. A goal counts as met only when the run showed it: a rate the ramp did not reach,
 * or a capacity it never found the end of, is "not measured", never "met".
 */

const GOALS = {
  sustainedPerS: 30,
  pipelineOverFull: 0.9,
  pipelineOverFloor: 0.6,
  acceptP99Ms: 50,
  notificationRate: 20,
  notificationP99Ms: 1000,
  writesPerOrder: 10,
};

/** The highest rate a phase sustained (0: none), and whether it failed at some rate (so its capacity was found). */
function capacity(phases: PhaseResult[], name: string): { rate: number; bounded: boolean } {
  const runs = phases.filter((p) => p.phase === name);
  const rate = Math.max(0, ...runs.filter((p) => p.sustained).map((p) => p.rate));
  return { rate, bounded: runs.some((p) => !p.sustained && p.rate > rate) };
}

/** Ratio of the highest rates sustained, judged only where the denominator's capacity was found. */
function capacityRatio(phases: PhaseResult[], mode: Options['mode'], other: string, goal: number) {
  const target = `pipeline / ${other} (highest rates sustained)`;
  const num = capacity(phases, PHASE.pipeline);
  const den = capacity(phases, other);
  if (mode !== 'ramp' || den.rate === 0) {
    const why = mode !== 'ramp' ? 'a ramp measures it (--ramp)' : `${other} sustained no rate tried`;
    return { value: null, target: { target, goal: `≥ ${goal}`, measured: why, met: null } };
  }
  const value = round2(num.rate / den.rate);
  const met = !den.bounded ? null : value >= goal ? true : num.bounded ? false : null;
  const note = den.bounded ? '' : `; ${other} sustained every rate tried, so its capacity is higher`;
  return {
    value,
    target: {
      target,
      goal: `≥ ${goal}`,
      measured: `${value} (pipeline ${num.rate}/s, ${other} ${den.rate}/s${note})`,
      met,
    },
  };
}

function atSameRate(a: PhaseResult | undefined, phases: PhaseResult[], name: string) {
  return a && phases.find((p) => p.phase === name && p.rate === a.rate);
}

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a !== null && a !== undefined && b ? round2(a / b) : null;

export function evaluate(
  phases: PhaseResult[],
  mode: Options['mode'],
  { freshDatabase }: { freshDatabase: boolean },
): { targets: Target[]; ratios: BenchResult['ratios'] } {
  const pipelines = phases.filter((p) => p.phase === PHASE.pipeline);
  const best = pipelines.filter((p) => p.sustained).sort((a, b) => b.rate - a.rate)[0];
  // The figures per order are read at the highest rate sustained, or else the lowest one tried.
  const reference = best ?? [...pipelines].sort((a, b) => a.rate - b.rate)[0];
  const full = atSameRate(reference, phases, PHASE.full);
  const floor = atSameRate(reference, phases, PHASE.floor);
  const kafka = phases.find((p) => p.phase === PHASE.kafka);
  const at20 = pipelines.find((p) => p.rate === GOALS.notificationRate);
  const notif = at20?.latencyMs['POST → SSE notification'];
  const accept = best?.latencyMs['API accept'];
  const overFull = capacityRatio(phases, mode, PHASE.full, GOALS.pipelineOverFull);
  const overFloor = capacityRatio(phases, mode, PHASE.floor, GOALS.pipelineOverFloor);
  const cost = reference?.perOrder;
  const triedGoalRate = pipelines.some((p) => p.rate >= GOALS.sustainedPerS || !p.sustained);
  const top = (byProcess: Record<string, number>) =>
    Object.entries(byProcess)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ');
  const p50 = (p: PhaseResult | undefined) => Object.values(p?.latencyMs ?? {}).at(-1)?.p50;

  return {
    ratios: {
      'pipeline / full workflow (highest rates sustained)': overFull.value,
      'pipeline / engine floor (highest rates sustained)': overFloor.value,
      'pipeline / full workflow throughput (same rate)': ratio(reference?.throughput, full?.throughput),
      'pipeline / engine floor throughput (same rate)': ratio(reference?.throughput, floor?.throughput),
      'pipeline / full workflow CPU per order (same rate)': ratio(
        cost?.cpuMs.total,
        full?.perOrder?.cpuMs.total,
      ),
      'pipeline / engine floor CPU per order (same rate)': ratio(
        cost?.cpuMs.total,
        floor?.perOrder?.cpuMs.total,
      ),
      'pipeline / engine floor p50 latency (same rate)': ratio(p50(reference), p50(floor)),
      'pipeline p50 latency / Kafka round trip p50': ratio(p50(reference), p50(kafka)),
    },
    targets: [
      {
        target: 'sustained end to end, fresh database',
        goal: `≥ ${GOALS.sustainedPerS} orders/s`,
        measured:
          (best ? `${best.rate} orders/s sustained` : 'no rate tried was sustained') +
          (freshDatabase ? '' : " (on the running system's database, not a fresh one)"),
        met: !freshDatabase || !triedGoalRate ? null : (best?.rate ?? 0) >= GOALS.sustainedPerS,
      },
      overFull.target,
      overFloor.target,
      {
        target: 'API accept p99 at the highest rate sustained',
        goal: `≤ ${GOALS.acceptP99Ms} ms`,
        measured: accept ? `${accept.p99} ms at ${best!.rate}/s` : 'no rate tried was sustained',
        met: accept ? accept.p99 <= GOALS.acceptP99Ms : null,
      },
      {
        target: `POST → SSE notification p99 at ${GOALS.notificationRate} orders/s`,
        goal: `≤ ${GOALS.notificationP99Ms} ms`,
        measured: notif ? `${notif.p99} ms` : `not run at ${GOALS.notificationRate} orders/s`,
        met: notif ? notif.p99 <= GOALS.notificationP99Ms && at20!.sustained : null,
      },
      {
        target: 'CPU ms per completed order, per process and in total',
        goal: 'reported',
        measured: cost
          ? `${cost.cpuMs.total} ms at ${reference!.rate}/s (${top(cost.cpuMs.byProcess)})`
          : 'no pipeline order completed',
        met: cost ? true : null,
      },
      {
        target: 'database writes per order (write commands)',
        goal: `≤ ${GOALS.writesPerOrder}`,
        measured: cost?.database
          ? `${cost.database.writes} at ${reference!.rate}/s` +
            (cost.postgres ? ` (PostgreSQL rows written: ${cost.postgres.rowsWritten})` : '')
          : 'not measured (no database counters)',
        met: cost?.database ? cost.database.writes <= GOALS.writesPerOrder : null,
      },
    ],
  };
}
