import path from 'node:path';
import {
  backendsMarkdown,
  combine,
  commonPeaks,
  type BackendRun,
} from '../../../../tools/bench/backends-report';
import { backendsOptions, DEFAULT_BENCH_ARGS } from '../../../../tools/bench/backends';
import type { PhaseResult } from '../../../../tools/bench/measure';
import type { BenchResult } from '../../../../tools/bench/report';

function phase(name: string, rate: number, sustained: boolean, cpu: Record<string, number>): PhaseResult {
  return {
    phase: name,
    rate,
    durationS: 20,
    sent: rate * 20,
    shed: 0,
    failed: 0,
    errors: [],
    warmupS: 5,
    perOrder: null,
    completed: sustained ? rate * 20 : rate * 15,
    throughput: sustained ? rate : rate * 0.7,
    drainS: sustained ? 1 : 30,
    sustained,
    latencyMs: { 'API accept': { n: 1, p50: 12, p95: 30, p99: 41, max: 50, mean: 15 } },
    usage: {
      machineCpuPct: 90,
      database: [{ operation: 'insert orders', count: 100, totalMs: 500, meanMs: 5, lockWaitMs: 100 }],
      temporal: [],
      processes: Object.fromEntries(
        Object.entries(cpu).map(([p, cpuPct]) => [p, { cpuMs: cpuPct * 200, cpuPct, maxRssMb: 100 }]),
      ),
      maxKafkaLag: {},
      maxTemporalBacklog: {},
    },
  };
}

function result(phases: PhaseResult[]): BenchResult {
  return {
    startedAt: '2026-03-01T10:00:00.000Z',
    command: 'npm run bench -- --ramp',
    mode: 'ramp',
    system: 'every process started by the bench',
    machine: { cpus: 2, cpuModel: 'test CPU', memoryGiB: 8, os: 'Linux', node: 'v24.0.0' },
    versions: { FerretDB: '1.24.2' },
    settings: {},
    phases,
    ratios: {},
    targets: [],
  };
}

const sqlite: BackendRun = {
  backend: 'sqlite',
  label: 'FerretDB on SQLite',
  result: result([
    phase('pipeline', 5, true, { ferretdb: 50 }),
    phase('pipeline', 10, true, { ferretdb: 80 }),
    phase('pipeline', 15, false, { ferretdb: 99 }),
  ]),
};
const postgresql: BackendRun = {
  backend: 'postgresql',
  label: 'FerretDB on PostgreSQL',
  result: result([
    phase('pipeline', 5, true, { ferretdb: 30, postgres: 20 }),
    phase('pipeline', 10, true, { ferretdb: 40, postgres: 30 }),
    phase('pipeline', 15, true, { ferretdb: 50, postgres: 40 }),
    phase('pipeline', 20, false, { ferretdb: 60, postgres: 50 }),
  ]),
};
const meta = {
  startedAt: '2026-03-01T11:00:00.000Z',
  command: 'npm run bench:backends',
  benchArgs: ['--ramp'],
};

describe('bench:backends options', () => {
  it('gives both runs the default ramp, or whatever it was given', () => {
    expect(backendsOptions([]).benchArgs).toEqual(DEFAULT_BENCH_ARGS);
    expect(backendsOptions(['--rate', '3', '--no-api']).benchArgs).toEqual(['--rate', '3', '--no-api']);
  });

  it('keeps --out for the combined result: each run writes into a folder of its own', () => {
    expect(backendsOptions(['--rate', '3', '--out', 'x'])).toEqual({
      benchArgs: ['--rate', '3'],
      out: path.resolve('x'),
    });
    expect(backendsOptions(['--out=y']).out).toBe(path.resolve('y'));
  });
});

describe('two bench results side by side', () => {
  it('the highest rate each backend sustained, and the highest rate both offered', () => {
    const combined = combine([sqlite, postgresql], meta);
    expect(combined.sustained).toEqual({
      'FerretDB on SQLite': { pipeline: 10 },
      'FerretDB on PostgreSQL': { pipeline: 15 },
    });
    expect(commonPeaks([sqlite, postgresql])).toEqual([{ phase: 'pipeline', rate: 15 }]);
    expect(combined.runs).toEqual([sqlite, postgresql]);
  });

  it('a Markdown report with a column per backend, a row per rate either ran, usage where both ran', () => {
    const md = backendsMarkdown(combine([sqlite, postgresql], meta));
    expect(md).toContain('| phase | FerretDB on SQLite | FerretDB on PostgreSQL |');
    expect(md).toContain('| pipeline | 10 | 15 |');
    expect(md).toMatch(
      /\| pipeline \| 20 \| — \| 300 \/ 400, 14\/s, not sustained<br>API accept: 12 \/ 41 \|/,
    );
    expect(md).toContain('#### pipeline @ 15/s');
    expect(md).toContain('| ferretdb | 99 / 100 | 50 / 100 |');
    expect(md).toContain('| postgres | — | 40 / 100 |');
    expect(md).toContain('| insert orders | 100× 5 ms (total 500 ms, lock wait 100 ms) |');
  });

  it('tolerates fields it does not know and figures a result lacks, and a run that produced none', () => {
    const older = structuredClone(sqlite);
    const p = older.result!.phases[2]! as unknown as Record<string, unknown>;
    delete p.usage;
    delete p.latencyMs;
    (older.result as unknown as Record<string, unknown>).addedLater = { anything: 1 };
    const failed: BackendRun = { backend: 'postgresql', label: 'FerretDB on PostgreSQL', error: 'exit 1' };
    const md = backendsMarkdown(combine([older, failed], meta));
    expect(md).toContain('FerretDB on PostgreSQL: no result (exit 1)');
    expect(md).toContain('| pipeline | 10 | — |');
    expect(backendsMarkdown(combine([older, postgresql], meta))).toContain('| ferretdb | — | 50 / 100 |');
  });
});
