import { evaluate } from '../../../../tools/bench/goals';
import type { PhaseResult } from '../../../../tools/bench/measure';
import type { PerOrder } from '../../../../tools/bench/per-order';

const cost = (cpu: number, writes: number): PerOrder => ({
  cpuMs: {
    total: cpu,
    byProcess: { temporal: cpu / 2, ferretdb: cpu / 4 },
    counted: ['temporal', 'ferretdb'],
  },
  loadGeneratorCpuMs: 1,
  temporalPersistence: { total: 12, byOperation: {} },
  temporalActions: { total: 6, byType: {} },
  database: { writes, reads: 3, byCollection: {} },
});

function phase(name: string, rate: number, sustained: boolean, more: Partial<PhaseResult> = {}): PhaseResult {
  const d = (p99: number) => ({ n: 1, p50: p99 / 2, p95: p99, p99, max: p99, mean: p99 / 2 });
  return {
    phase: name,
    rate,
    sustained,
    throughput: rate,
    latencyMs: { 'API accept': d(20), 'POST → SSE notification': d(800) },
    perOrder: cost(100, 8),
    ...more,
  } as PhaseResult;
}

const target = (targets: ReturnType<typeof evaluate>['targets'], prefix: string) =>
  targets.find((t) => t.target.startsWith(prefix))!;

describe('evaluate', () => {
  const ramp = [
    phase('engine floor', 10, true, { perOrder: cost(25, 0) }),
    phase('full workflow', 10, true, { perOrder: cost(80, 7) }),
    phase('pipeline', 10, true),
    phase('engine floor', 20, true),
    phase('full workflow', 20, false),
    phase('pipeline', 20, false),
    phase('engine floor', 35, false),
  ];

  it('judges the ratios by the highest rates sustained, once the ramp found both ends', () => {
    const { targets, ratios } = evaluate(ramp, 'ramp', { freshDatabase: true });
    expect(target(targets, 'pipeline / full workflow')).toMatchObject({
      met: true,
      measured: expect.stringMatching(/^1 /),
    });
    expect(target(targets, 'pipeline / engine floor')).toMatchObject({
      met: false,
      measured: expect.stringMatching(/^0.5 /),
    });
    expect(ratios['pipeline / engine floor CPU per order (same rate)']).toBe(4);
    expect(ratios['pipeline / full workflow CPU per order (same rate)']).toBe(1.25);
  });

  it('reads accept latency, CPU and writes per order at the highest rate the pipeline sustained', () => {
    const { targets } = evaluate(ramp, 'ramp', { freshDatabase: true });
    expect(target(targets, 'sustained end to end')).toMatchObject({
      measured: '10 orders/s sustained',
      met: false,
    });
    expect(target(targets, 'API accept p99')).toMatchObject({ measured: '20 ms at 10/s', met: true });
    expect(target(targets, 'CPU ms per completed order')).toMatchObject({ met: true });
    expect(target(targets, 'CPU ms per completed order').measured).toMatch(
      /^100 ms at 10\/s \(temporal 50, ferretdb 25\)/,
    );
    expect(target(targets, 'database writes per order')).toMatchObject({ measured: '8 at 10/s', met: true });
    expect(target(targets, 'POST → SSE notification p99 at 20')).toMatchObject({ met: false });
  });

  it('does not call a capacity ratio met when the ramp never found the end of the denominator', () => {
    const { targets } = evaluate(
      [
        phase('engine floor', 10, true),
        phase('pipeline', 10, true),
        phase('engine floor', 20, true),
        phase('pipeline', 20, false),
      ],
      'ramp',
      { freshDatabase: true },
    );
    expect(target(targets, 'pipeline / engine floor')).toMatchObject({ met: null });
    expect(target(targets, 'pipeline / engine floor').measured).toContain('sustained every rate tried');
  });

  it('leaves to a ramp what one rate cannot show, and to a fresh database the end-to-end rate', () => {
    const constant = [
      phase('engine floor', 40, true),
      phase('full workflow', 40, true),
      phase('pipeline', 40, true),
    ];
    const { targets } = evaluate(constant, 'constant', { freshDatabase: false });
    expect(target(targets, 'pipeline / full workflow')).toMatchObject({
      met: null,
      measured: 'a ramp measures it (--ramp)',
    });
    expect(target(targets, 'sustained end to end')).toMatchObject({ met: null });
    expect(target(targets, 'sustained end to end').measured).toContain('not a fresh one');
    expect(evaluate(constant, 'constant', { freshDatabase: true }).targets[0]!.met).toBe(true);
  });

  it('says "not measured" when a rate was never tried or a counter never read', () => {
    const { targets } = evaluate(
      [phase('pipeline', 5, true, { perOrder: { ...cost(1, 1), database: null } })],
      'constant',
      { freshDatabase: true },
    );
    expect(target(targets, 'sustained end to end')).toMatchObject({ met: null });
    expect(target(targets, 'POST → SSE notification p99 at 20')).toMatchObject({
      met: null,
      measured: 'not run at 20 orders/s',
    });
    expect(target(targets, 'database writes per order')).toMatchObject({ met: null });
  });
});
