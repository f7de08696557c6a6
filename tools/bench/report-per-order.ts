/**
 * The report's table of what one completed order cost, in each way of running it at the same rate: CPU per process
 * and in total, Temporal persistence requests per operation, database commands (and PostgreSQL's rows and scans)
 * per collection.
 */
import type { PhaseResult } from './measure';
import type { PerOrder } from './per-order';
import { ORDERED } from './schedule';
import { PHASE } from './phase-names';

const TOP_OPERATIONS = 10;

/** The rate the figures are read at: the highest the pipeline sustained, or else the lowest it ran at. */
export function referenceRate(phases: PhaseResult[]): number | undefined {
  const pipelines = phases.filter((p) => p.phase === PHASE.pipeline);
  const sustained = pipelines.filter((p) => p.sustained).map((p) => p.rate);
  return sustained.length ? Math.max(...sustained) : pipelines.map((p) => p.rate).sort((a, b) => a - b)[0];
}

type Row = [string, ...string[]];

const cell = (v: number | undefined) => (v === undefined ? '—' : String(v));

/** Keys of a per-order record across the columns, largest in the last column (the pipeline) first. */
function keysOf(
  columns: PerOrder[],
  pick: (o: PerOrder) => Record<string, number> | undefined,
  top = Infinity,
) {
  const keys = new Set(columns.flatMap((o) => Object.keys(pick(o) ?? {})));
  const last = pick(columns.at(-1)!) ?? {};
  return [...keys].sort((a, b) => (last[b] ?? 0) - (last[a] ?? 0) || a.localeCompare(b)).slice(0, top);
}

function rows(columns: PerOrder[]): Row[] {
  const out: Row[] = [];
  const each = (label: string, value: (o: PerOrder) => number | string | undefined) =>
    out.push([label, ...columns.map((o) => String(value(o) ?? '—'))]);
  each('**CPU ms, total of the phase’s processes**', (o) => o.cpuMs.total);
  for (const name of keysOf(columns, (o) => o.cpuMs.byProcess))
    each(
      `CPU ms, ${name}`,
      (o) => `${cell(o.cpuMs.byProcess[name])}${o.cpuMs.counted.includes(name) ? '' : ' (not in total)'}`,
    );
  each('CPU ms, the bench itself (not in total)', (o) => o.loadGeneratorCpuMs);
  each('**Temporal persistence requests**', (o) => o.temporalPersistence?.total);
  for (const op of keysOf(columns, (o) => o.temporalPersistence?.byOperation, TOP_OPERATIONS))
    each(`persistence: ${op}`, (o) => o.temporalPersistence?.byOperation[op]);
  each('**Temporal actions** (what Temporal Cloud bills and limits)', (o) => o.temporalActions?.total);
  for (const type of keysOf(columns, (o) => o.temporalActions?.byType))
    each(`action: ${type}`, (o) => o.temporalActions?.byType[type]);
  each('**database write commands**', (o) => o.database?.writes);
  each('**database read commands** (the bench’s own polls taken out)', (o) => o.database?.reads);
  const writes = (o: PerOrder) =>
    Object.fromEntries(
      Object.entries(o.database?.byCollection ?? {}).map(([k, c]) => [k, c.writes + c.reads]),
    );
  for (const c of keysOf(columns, writes)) {
    each(`writes / reads: ${c}`, (o) => {
      const x = o.database?.byCollection[c];
      return x ? `${x.writes} / ${x.reads}` : undefined;
    });
  }
  if (columns.some((o) => o.postgres)) {
    each('**PostgreSQL rows written**', (o) => o.postgres?.rowsWritten);
    const touched = (o: PerOrder) =>
      Object.fromEntries(
        Object.entries(o.postgres?.byCollection ?? {}).map(([k, t]) => [
          k,
          t.inserted + t.updated + t.deleted,
        ]),
      );
    for (const c of keysOf(columns, touched)) {
      each(`PostgreSQL ${c}: inserted / updated / deleted / seq scans / index scans`, (o) => {
        const t = o.postgres?.byCollection[c];
        return t ? `${t.inserted} / ${t.updated} / ${t.deleted} / ${t.seqScans} / ${t.idxScans}` : undefined;
      });
    }
  }
  return out;
}

export function perOrderSection(phases: PhaseResult[]): string[] {
  const rate = referenceRate(phases);
  const shown = ORDERED.flatMap((name) =>
    phases.filter((p) => p.phase === name && p.rate === rate && p.perOrder),
  );
  if (!shown.length) return [];
  const columns = shown.map((p) => p.perOrder!);
  return [
    `Per completed order at ${rate} orders/s (the highest rate the pipeline sustained, else the lowest it ran at; ` +
      'every phase has its own in the JSON). A phase’s CPU total counts the processes its orders go through: ' +
      'Temporal and the floor’s workers for the engine floor, the system and its servers for the others.',
    '',
    `| per order | ${shown.map((p) => `${p.phase}${p.sustained ? '' : ' (not sustained)'}`).join(' | ')} |`,
    `|---|${shown.map(() => '---').join('|')}|`,
    ...rows(columns).map((r) => `| ${r.join(' | ')} |`),
    '',
  ];
}
