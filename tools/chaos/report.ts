import type { Anomaly, AuditResult } from './audit';
import type { Plan } from './plan';
import type { PlacedOrder } from './client';
import type { Injection } from './faults';

interface ReportInput {
  plan: Plan;
  seed: number;
  runId: string;
  injections: Injection[];
  placed: PlacedOrder[];
  result: AuditResult | undefined;
  processErrors: string[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The run as a table: per fault, how often it was injected, how many acknowledged orders were in flight when it
 * struck, the lost, duplicated and wrongly ended orders whose life overlapped it, and the recovery time (from the
 * fault's end to the first order accepted after it reaching its final status; the longest of its injections).
 */
export function report({
  plan,
  seed,
  runId,
  injections,
  placed,
  result,
  processErrors,
}: ReportInput): string {
  const finals = result?.finals ?? new Map<string, number>();
  const acknowledged = placed.filter((o) => o.orderId);
  const anomalies = result?.anomalies ?? [];
  const overlapping = (i: Injection, a: Anomaly) => a.from <= (i.over ?? i.at) && a.to >= i.at;

  const names = [...new Set(injections.map((i) => i.fault))];
  const rows = names.map((name) => {
    const mine = injections.filter((i) => i.fault === name);
    const done = mine.filter((i) => !i.skipped && !i.error);
    const inFlight = done.reduce(
      (sum, i) =>
        sum +
        acknowledged.filter((o) => o.acceptedAt! <= i.at && (finals.get(o.orderId!) ?? Infinity) > i.at)
          .length,
      0,
    );
    const count = (kind: Anomaly['kind']) =>
      new Set(
        anomalies.filter((a) => a.kind === kind && done.some((i) => overlapping(i, a))).map((a) => a.orderId),
      ).size;
    const recoveries = done.map((i) => {
      const after = acknowledged
        .filter((o) => o.acceptedAt! >= i.over!)
        .map((o) => finals.get(o.orderId!))
        .filter((t): t is number => t !== undefined);
      return after.length === 0 ? undefined : Math.min(...after) - i.over!;
    });
    const known = recoveries.filter((r): r is number => r !== undefined);
    const recovery = known.length === 0 ? 'n/a' : seconds(Math.max(...known));
    const note = mine.some((i) => i.skipped)
      ? ` (skipped ${mine.filter((i) => i.skipped).length}: not ours)`
      : '';
    const failed = mine.filter((i) => i.error).map((i) => i.error);
    return `| ${name}${note} | ${done.length}${failed.length ? ` (${failed.length} failed: ${failed[0]})` : ''} | ${inFlight} | ${count('lost')} | ${count('duplicated')} | ${count('wrong outcome')} | ${recovery} |`;
  });

  const total = (kind: Anomaly['kind']) =>
    new Set(anomalies.filter((a) => a.kind === kind).map((a) => a.orderId)).size;
  const f = result?.figures;
  const lines = [
    `# Chaos run ${runId} (${plan.mode}, seed ${seed})`,
    '',
    `${plan.rate} orders/s offered; pauses ${seconds(plan.pauseMs)}, outages ${seconds(plan.outageMs)}.`,
    '',
    '| fault | injected | orders in flight | lost | duplicated | wrong outcome | recovery |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    `| **all** | ${injections.filter((i) => !i.skipped && !i.error).length} | | **${total('lost')}** | **${total('duplicated')}** | **${total('wrong outcome')}** | |`,
    '',
    f
      ? `Orders: ${placed.length} offered, ${f.acknowledged} acknowledged, ${f.completed} completed` +
        `${Object.entries(f.otherFinal)
          .map(([s, n]) => `, ${n} ${s}`)
          .join('')}, ${f.notFinal} not final. ` +
        `Workflow runs ${f.runs}; order-processed events ${f.processedEvents}; captured charges ${f.capturedCharges}; ` +
        `notifications ${f.notifications}; stock sold ${f.stockSold}; analytics created ${f.analytics.created}, ` +
        `completed ${f.analytics.completed}, failed ${f.analytics.failed}.`
      : 'The audit did not run.',
    placed.some((o) => o.givenUp)
      ? `Never acknowledged: ${placed.filter((o) => o.givenUp).length} (first: ${placed.find((o) => o.givenUp)!.givenUp}).`
      : 'Every order offered was acknowledged.',
  ];
  if (anomalies.length > 0) {
    lines.push(
      '',
      'Anomalies (first 20):',
      ...anomalies.slice(0, 20).map((a) => `- ${a.kind}: ${a.orderId}: ${a.detail}`),
    );
  }
  if (processErrors.length > 0) {
    lines.push(
      '',
      `Process errors and restarts logged: ${processErrors.length} (last 5):`,
      ...processErrors.slice(-5).map((e) => `    ${e.slice(0, 300)}`),
    );
  }
  return lines.join('\n');
}
