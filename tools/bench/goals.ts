import type { PhaseResult } from './measure';
import type { Options } from './options';
import type { BenchResult, Target } from './report';

/**
 * What the figures are judged by: the goals the system is held to (sustained rate, notification and accept
 * latency, the pipeline's throughput against bare Temporal's) and the ratios between the pipeline and its engines.
 */

const best = (phases: PhaseResult[], name: string) =>
  phases
    .filter((p) => p.phase === name && p.sustained)
    .reduce<PhaseResult | undefined>((a, p) => (!a || p.rate > a.rate ? p : a), undefined);

export function evaluate(
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
