import path from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_SEED } from './seed-orders';

/** The bench's command line, checked: every rate, duration and timeout within its bounds. */

const MAX_RATE = 1000;
const MAX_DURATION_S = 300;
const DEFAULT_RAMP = [5, 10, 20, 35, 50, 75, 100, 150, 200, 300];

export class UsageError extends Error {}

function number(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(
      `--${name}: expected a number from ${min} to ${max} (received ${JSON.stringify(value)})`,
    );
  return n;
}

export function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string', default: '50' },
      duration: { type: 'string', default: '30' },
      'api-rate': { type: 'string', default: '200' },
      'api-duration': { type: 'string', default: '5' },
      ramp: { type: 'boolean', default: false },
      rates: { type: 'string' },
      step: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '5' },
      quick: { type: 'boolean', default: false },
      'min-throughput': { type: 'string', default: '1' },
      'no-api': { type: 'boolean', default: false },
      'drain-timeout': { type: 'string', default: '120' },
      'settle-timeout': { type: 'string', default: '300' },
      'cpu-prof': { type: 'boolean', default: false },
      seed: { type: 'string', default: '0' },
      out: { type: 'string', default: path.join(__dirname, 'results') },
    },
  });
  const seed = number('seed', values.seed, 0, MAX_SEED);
  if (!Number.isInteger(seed))
    throw new UsageError(
      `--seed: expected a whole number of orders (received ${JSON.stringify(values.seed)})`,
    );
  const rates = values.rates
    ? values.rates.split(',').map((r) => number('rates', r.trim(), 0.1, MAX_RATE))
    : DEFAULT_RAMP;
  return {
    mode: values.quick ? ('quick' as const) : values.ramp ? ('ramp' as const) : ('constant' as const),
    rate: number('rate', values.rate, 0.1, MAX_RATE),
    durationS: number('duration', values.duration, 1, MAX_DURATION_S),
    apiRate: number('api-rate', values['api-rate'], 0.1, MAX_RATE),
    apiDurationS: number('api-duration', values['api-duration'], 1, 60),
    rates,
    stepS: number('step', values.step, 5, MAX_DURATION_S),
    /** Seconds of uncounted load at each phase's rate before the phase. */
    warmupS: number('warmup', values.warmup, 0, 60),
    minThroughput: number('min-throughput', values['min-throughput'], 0, MAX_RATE),
    api: !values['no-api'],
    drainTimeoutS: number('drain-timeout', values['drain-timeout'], 5, 1800),
    settleTimeoutS: number('settle-timeout', values['settle-timeout'], 0, 1800),
    out: values.out,
    cpuProf: values['cpu-prof'],
    /** Orders of history written to the stores before the first phase (seed.ts). */
    seed,
  };
}

export type Options = ReturnType<typeof parseOptions>;
