/**
 * Two bench results side by side, one per FerretDB backend, as JSON and as a Markdown report: the rate each phase
 * sustained, throughput and latency per offered rate, and, at the highest rate both runs offered, CPU per process
 * and database time per command. Reads only the fields it shows and tolerates any it does not know (results from
 * an older or newer bench), so a missing figure reads "—" rather than failing the comparison.
 */
import type { PhaseResult } from './measure';
import type { OperationTime } from './probe';
import type { BenchResult } from './report';
import type { Distribution } from './stats';

export interface BackendRun {
  /** STACK_MONGO_BACKEND of the run. */
  backend: string;
  /** How the report names it: "FerretDB on SQLite". */
  label: string;
  /** The bench's JSON result, as written; absent when the run produced none. */
  result?: BenchResult;
  /** Why there is no result. */
  error?: string;
}

export interface BackendsResult {
  startedAt: string;
  command: string;
  /** What each bench run was given (besides --out). */
  benchArgs: string[];
  /** Per backend label: the highest rate each phase sustained (null: none it ran). */
  sustained: Record<string, Record<string, number | null>>;
  runs: BackendRun[];
}

/** Rows of phases in the order the bench ran them: phase, then rate. */
type PhaseKey = { phase: string; rate: number };

const phasesOf = (run: BackendRun): PhaseResult[] => run.result?.phases ?? [];

function phaseOf(run: BackendRun, { phase, rate }: PhaseKey): PhaseResult | undefined {
  return phasesOf(run).find((p) => p.phase === phase && p.rate === rate);
}

function phaseKinds(runs: BackendRun[]): string[] {
  return [...new Set(runs.flatMap((r) => phasesOf(r).map((p) => p.phase)))];
}

function phaseKeys(runs: BackendRun[]): PhaseKey[] {
  const keys: PhaseKey[] = [];
  for (const phase of phaseKinds(runs)) {
    const rates = new Set(
      runs.flatMap((r) =>
        phasesOf(r)
          .filter((p) => p.phase === phase)
          .map((p) => p.rate),
      ),
    );
    for (const rate of [...rates].sort((a, b) => a - b)) keys.push({ phase, rate });
  }
  return keys;
}

/** The highest rate at which the phase was sustained, or null when it was at none. */
export function highestSustained(phases: readonly PhaseResult[], phase: string): number | null {
  const rates = phases.filter((p) => p.phase === phase && p.sustained).map((p) => p.rate);
  return rates.length ? Math.max(...rates) : null;
}

/** For each phase kind, the highest rate every run offered it at: where their usage compares. */
export function commonPeaks(runs: BackendRun[]): PhaseKey[] {
  const withResult = runs.filter((r) => r.result);
  return phaseKinds(withResult).flatMap((phase) => {
    const shared = withResult
      .map(
        (r) =>
          new Set(
            phasesOf(r)
              .filter((p) => p.phase === phase)
              .map((p) => p.rate),
          ),
      )
      .reduce((a, b) => new Set([...a].filter((rate) => b.has(rate))));
    return shared.size ? [{ phase, rate: Math.max(...shared) }] : [];
  });
}

export function combine(
  runs: BackendRun[],
  meta: { startedAt: string; command: string; benchArgs: string[] },
): BackendsResult {
  const sustained: BackendsResult['sustained'] = {};
  for (const run of runs) {
    if (!run.result) continue;
    sustained[run.label] = Object.fromEntries(
      phaseKinds([run]).map((phase) => [phase, highestSustained(phasesOf(run), phase)]),
    );
  }
  return { ...meta, sustained, runs };
}

const ms = (d: Distribution | null | undefined) => (d ? `${d.p50} / ${d.p99}` : '—');

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function timed(t: OperationTime | undefined): string {
  if (!t) return '—';
  const lock = t.lockWaitMs === undefined ? '' : `, lock wait ${Math.round(t.lockWaitMs)} ms`;
  return `${t.count}× ${t.meanMs} ms (total ${Math.round(t.totalMs)} ms${lock})`;
}

function usageSection(runs: BackendRun[], key: PhaseKey): string[] {
  const phases = runs.map((r) => phaseOf(r, key));
  const lines = ['', `#### ${key.phase} @ ${key.rate}/s`, ''];
  const names = [...new Set(phases.flatMap((p) => Object.keys(p?.usage?.processes ?? {})))].sort();
  lines.push(
    ...table(
      ['process: CPU % of a core / max RSS MB', ...runs.map((r) => r.label)],
      [
        ...names.map((name) => [
          name,
          ...phases.map((p) => {
            const u = p?.usage?.processes?.[name];
            return u ? `${u.cpuPct} / ${u.maxRssMb}` : '—';
          }),
        ]),
        ['whole machine (% of all cores)', ...phases.map((p) => String(p?.usage?.machineCpuPct ?? '—'))],
        [
          'CPU ms per completed order, all processes',
          ...phases.map((p) => String(p?.perOrder?.cpuMs.total ?? '—')),
        ],
        [
          'database writes / reads per completed order',
          ...phases.map((p) => {
            const d = p?.perOrder?.database;
            return d ? `${d.writes} / ${d.reads}` : '—';
          }),
        ],
      ],
    ),
  );
  // The commands that took the most time in either run.
  const top = (p: PhaseResult | undefined) => (p?.usage?.database ?? []).slice(0, 8).map((t) => t.operation);
  const operations = [...new Set(phases.flatMap(top))];
  if (operations.length)
    lines.push(
      '',
      ...table(
        ['database command: count × mean (total, lock wait)', ...runs.map((r) => r.label)],
        operations.map((op) => [
          op,
          ...phases.map((p) => timed(p?.usage?.database?.find((t) => t.operation === op))),
        ]),
      ),
    );
  return lines;
}

export function backendsMarkdown(c: BackendsResult): string {
  const runs = c.runs;
  const lines: string[] = [`### FerretDB backends compared ${c.startedAt}`, ''];
  lines.push(
    `\`${c.command}\`: the same bench (\`${c.benchArgs.join(' ')}\`) on a private stack per backend, one after the other.`,
    '',
  );
  for (const run of runs) {
    const r = run.result;
    if (!r) {
      lines.push(`- ${run.label}: no result (${run.error ?? 'the run failed'}).`);
      continue;
    }
    const versions = Object.entries(r.versions ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(`- ${run.label}: started ${r.startedAt}, ${r.system}; ${versions}.`);
  }
  const machine = runs.find((r) => r.result?.machine)?.result?.machine;
  if (machine)
    lines.push(
      '',
      `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}.`,
    );

  lines.push('', '#### Highest rate sustained (orders/s)', '');
  lines.push(
    ...table(
      ['phase', ...runs.map((r) => r.label)],
      phaseKinds(runs).map((phase) => [
        phase,
        ...runs.map((r) => {
          if (!r.result) return '—';
          if (!phasesOf(r).some((p) => p.phase === phase)) return 'not run';
          return String(highestSustained(phasesOf(r), phase) ?? 'none');
        }),
      ]),
    ),
  );

  lines.push('', '#### Per offered rate: completed / sent, throughput/s, latency ms p50 / p99', '');
  lines.push(
    ...table(
      ['phase', 'offered/s', ...runs.map((r) => r.label)],
      phaseKeys(runs).map((key) => [
        key.phase,
        String(key.rate),
        ...runs.map((r) => {
          const p = phaseOf(r, key);
          if (!p) return '—';
          const latency = Object.entries(p.latencyMs ?? {})
            .map(([label, d]) => `${label}: ${ms(d)}`)
            .join('<br>');
          const verdict = p.sustained ? 'sustained' : 'not sustained';
          return `${p.completed} / ${p.sent}, ${p.throughput}/s, ${verdict}${latency ? `<br>${latency}` : ''}`;
        }),
      ]),
    ),
  );

  const peaks = commonPeaks(runs);
  if (peaks.length) {
    lines.push(
      '',
      'CPU, memory and database time at the highest rate both runs offered each phase (FerretDB per command and collection):',
    );
    for (const key of peaks) lines.push(...usageSection(runs, key));
  }
  return lines.join('\n') + '\n';
}
