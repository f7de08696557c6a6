/** The benchmark's result as JSON and as a Markdown report, which docs/performance.md links. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PhaseResult } from './measure';
import type { OperationTime } from './probe';
import type { ProfileSummary } from './cpu-profile';
import { round1, type Distribution } from './stats';
import { perOrderSection } from './report-per-order';

export interface Target {
  target: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResult {
  startedAt: string;
  command: string;
  mode: 'constant' | 'ramp' | 'quick';
  system: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; os: string; node: string };
  versions: Record<string, string>;
  settings: Record<string, string | number>;
  phases: PhaseResult[];
  ratios: Record<string, number | null>;
  targets: Target[];
  /** With --cpu-prof: where each process spent its CPU while the phases ran. */
  cpuProfiles?: ProfileSummary[];
}

export function machineFacts(): BenchResult['machine'] {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

const ms = (d: Distribution | null) => (d ? `${d.p50} / ${d.p95} / ${d.p99} / ${d.max}` : '—');

export function markdown(r: BenchResult): string {
  const lines: string[] = [];
  lines.push(`### Benchmark ${r.startedAt} (${r.mode})`, '');
  lines.push(`\`${r.command}\` against ${r.system}.`, '');
  lines.push(
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, ${r.machine.os}, Node ${r.machine.node}.`,
  );
  lines.push(
    `Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  lines.push(
    `Settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
  );

  lines.push('| target | goal | measured | met |', '|---|---|---|---|');
  for (const t of r.targets)
    lines.push(
      `| ${t.target} | ${t.goal} | ${t.measured} | ${t.met === null ? 'not measured' : t.met ? 'yes' : 'no'} |`,
    );
  lines.push('');

  lines.push(
    '| phase | offered/s | sent | completed | throughput/s | drain s | sustained | latency ms: p50 / p95 / p99 / max |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const p of r.phases) {
    const latency = Object.entries(p.latencyMs)
      .map(([k, d]) => `${k}: ${ms(d)}`)
      .join('<br>');
    lines.push(
      `| ${p.phase} | ${p.rate} | ${p.sent}${p.shed ? ` (+${p.shed} shed)` : ''}${p.failed ? `, ${p.failed} failed` : ''} | ${p.completed} | ${p.throughput} | ${p.drainS} | ${p.sustained ? 'yes' : 'no'} | ${latency} |`,
    );
  }
  lines.push('');
  for (const p of r.phases.filter((p) => p.startedWithBacklog))
    lines.push(
      `${p.phase} @ ${p.rate}/s started with work still queued: ${JSON.stringify(p.startedWithBacklog)}.`,
      '',
    );
  const ratios = Object.entries(r.ratios).filter(([, v]) => v !== null);
  if (ratios.length) lines.push(`Ratios: ${ratios.map(([k, v]) => `${k} ${v}`).join('; ')}.`, '');
  lines.push(...perOrderSection(r.phases));

  // CPU and memory per process, one column per phase (the highest rate of each phase kind).
  const shown = r.phases.filter(
    (p, i) =>
      !r.phases.slice(i + 1).some((q) => q.phase === p.phase) || (p.phase === 'pipeline' && p.sustained),
  );
  const columns = [...new Map(shown.map((p) => [p.phase, p])).values()];
  const names = [...new Set(columns.flatMap((p) => Object.keys(p.usage.processes)))].sort();
  lines.push(
    `| process | ${columns.map((p) => `${p.phase} @ ${p.rate}/s: CPU % / max RSS MB`).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
  );
  for (const name of names) {
    lines.push(
      `| ${name} | ${columns
        .map((p) => {
          const u = p.usage.processes[name];
          return u ? `${u.cpuPct} / ${u.maxRssMb}` : '—';
        })
        .join(' | ')} |`,
    );
  }
  lines.push(
    `| whole machine (% of all cores) | ${columns.map((p) => `${p.usage.machineCpuPct}`).join(' | ')} |`,
  );
  lines.push('');
  lines.push(
    `Max backlog during each phase: ${columns
      .map(
        (p) =>
          `${p.phase}: Kafka lag ${JSON.stringify(p.usage.maxKafkaLag)}, Temporal ${JSON.stringify(p.usage.maxTemporalBacklog)}`,
      )
      .join('; ')}.`,
  );
  const timed = (list: OperationTime[]) =>
    list
      .slice(0, 8)
      .map(
        (d) =>
          `${d.operation} ${d.count}× ${d.meanMs} ms (total ${Math.round(d.totalMs)} ms${
            d.lockWaitMs === undefined ? '' : `, lock wait ${Math.round(d.lockWaitMs)} ms`
          })`,
      )
      .join('; ');
  for (const p of columns) {
    const persistence = p.usage.temporal.filter((t) => !t.operation.startsWith('frontend '));
    const calls = p.usage.temporal.filter(
      (t) => t.operation.startsWith('frontend ') && !/Poll/.test(t.operation),
    );
    const perOrder = (n: number) => round1(n / Math.max(1, p.completed));
    if (p.usage.database.length)
      lines.push(
        '',
        `Database time during ${p.phase} @ ${p.rate}/s (FerretDB, per command and collection): ${timed(p.usage.database)}.`,
      );
    if (persistence.length)
      lines.push(
        '',
        `Temporal persistence during ${p.phase} @ ${p.rate}/s (SQLite, per service and operation): ${timed(persistence)}.`,
      );
    if (calls.length)
      lines.push(
        '',
        `Temporal frontend calls per completed order during ${p.phase} @ ${p.rate}/s (polls left out): ${calls
          .sort((a, b) => b.count - a.count)
          .slice(0, 8)
          .map((c) => `${c.operation.slice('frontend '.length)} ${perOrder(c.count)}`)
          .join('; ')}.`,
      );
  }
  if (r.cpuProfiles?.length) {
    lines.push(
      '',
      "CPU profiles over the phases (`--cpu-prof`; share of each process's busy time while the load ran):",
      '',
      '| process | busy s | by owner of the code | top functions (self time) |',
      '|---|---|---|---|',
    );
    for (const p of r.cpuProfiles)
      lines.push(
        `| ${p.process} | ${Math.round(p.busyMs / 100) / 10} | ${p.owners
          .slice(0, 6)
          .map((o) => `${o.owner} ${o.pct}%`)
          .join('<br>')} | ${p.functions
          .slice(0, 5)
          .map((f) => `${f.fn.replace(/\|/g, '\\|')} ${f.pct}%`)
          .join('<br>')} |`,
      );
  }
  return lines.join('\n') + '\n';
}

export function writeResult(dir: string, r: BenchResult): { json: string; md: string } {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, '-');
  const base = path.join(dir, `${stamp}-${r.mode}`);
  fs.writeFileSync(`${base}.json`, JSON.stringify(r, null, 2) + '\n');
  fs.writeFileSync(`${base}.md`, markdown(r));
  return { json: `${base}.json`, md: `${base}.md` };
}
