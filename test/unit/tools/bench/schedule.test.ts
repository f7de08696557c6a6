import type { PhaseResult } from '../../../../tools/bench/measure';
import { parseOptions } from '../../../../tools/bench/options';
import { ramp, schedule, type PhaseRunners } from '../../../../tools/bench/schedule';

/** Runners that record what ran and sustain each phase up to the rate given. */
function runners(capacity: Record<string, number>) {
  const ran: string[] = [];
  const result = (phase: string, rate: number) =>
    ({ phase, rate, sustained: rate <= (capacity[phase] ?? 0) }) as PhaseResult;
  const r: PhaseRunners = {
    run: (phase, rate, durationS) => (
      ran.push(`${phase} @ ${rate} for ${durationS}`),
      Promise.resolve(result(phase, rate))
    ),
    kafka: (rate) => (ran.push(`kafka @ ${rate}`), Promise.resolve(result('bare Kafka', rate))),
    api: (rate) => (ran.push(`api @ ${rate}`), Promise.resolve(result('API burst', rate))),
  };
  return { r, ran };
}

describe('ramp', () => {
  it('runs the three phases back to back at each rate, each until it does not sustain one', async () => {
    const { r, ran } = runners({ 'engine floor': 20, 'full workflow': 10, pipeline: 5 });
    await ramp(r, [5, 10, 20, 35, 50], 20);
    expect(ran).toEqual([
      'engine floor @ 5 for 20',
      'full workflow @ 5 for 20',
      'pipeline @ 5 for 20',
      'engine floor @ 10 for 20',
      'full workflow @ 10 for 20',
      'pipeline @ 10 for 20',
      'engine floor @ 20 for 20',
      'full workflow @ 20 for 20',
      'engine floor @ 35 for 20',
    ]);
  });

  it('ends with the rates when every phase sustains them all', async () => {
    const { r, ran } = runners({ 'engine floor': 99, 'full workflow': 99, pipeline: 99 });
    await ramp(r, [5, 10], 5);
    expect(ran).toHaveLength(6);
  });
});

describe('schedule', () => {
  it('constant rate: bare Kafka, then floor, full workflow and pipeline, then the API alone', async () => {
    const { r, ran } = runners({});
    await schedule(r, parseOptions(['--rate', '8', '--duration', '15']));
    expect(ran).toEqual([
      'kafka @ 8',
      'engine floor @ 8 for 15',
      'full workflow @ 8 for 15',
      'pipeline @ 8 for 15',
      'api @ 200',
    ]);
  });

  it('quick: the three ways of running an order, short, and nothing else', async () => {
    const { r, ran } = runners({});
    await schedule(r, parseOptions(['--quick']));
    expect(ran).toEqual(['engine floor @ 5 for 3', 'full workflow @ 5 for 3', 'pipeline @ 5 for 6']);
  });
});
