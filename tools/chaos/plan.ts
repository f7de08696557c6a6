import { SERVERS, type Fault } from './faults';

const APP_PROCESSES = [
  'api',
  'outbox-relay',
  'bridge',
  'worker-orders',
  'worker-payments',
  'worker-order-events',
  'notifications',
  'analytics',
];
const WORKERS = ['worker-orders', 'worker-payments', 'worker-order-events'];

export interface Plan {
  mode: 'quick' | 'full';
  rate: number;
  faults: Fault[];
  /** Quiet time between two faults, and after the last before the load stops. */
  gapMs: [number, number];
  tailMs: number;
  pauseMs: number;
  outageMs: number;
  drainMs: number;
  rand: () => number;
}

/** A small deterministic generator, so a run's fault order and moments can be repeated with --seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function plan(args: Record<string, string | boolean | undefined>, rand: () => number): Plan {
  const rate = Number(args.rate ?? 5);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 50)
    throw new Error('--rate: expected orders per second, 0-50');
  if (args.quick) {
    return {
      mode: 'quick',
      rate,
      faults: shuffle<Fault>(
        [
          { kind: 'kill -9', target: 'api' },
          { kind: 'kill -9', target: 'bridge' },
          { kind: 'kill -9', target: 'worker-payments' },
          { kind: 'kill -9', target: 'kafka' },
          { kind: 'kill -STOP', target: 'worker-orders' },
        ],
        rand,
      ),
      gapMs: [4_000, 8_000],
      tailMs: 10_000,
      pauseMs: Number(args['pause-s'] ?? 25) * 1000,
      outageMs: Number(args['outage-s'] ?? 30) * 1000,
      drainMs: 180_000,
      rand,
    };
  }
  const kills: Fault[] = [...APP_PROCESSES, ...SERVERS].map((target) => ({ kind: 'kill -9', target }));
  return {
    mode: 'full',
    rate,
    faults: shuffle<Fault>(
      [
        ...kills,
        ...kills,
        ...WORKERS.map((target): Fault => ({ kind: 'kill -STOP', target })),
        ...SERVERS.map((target): Fault => ({ kind: 'outage', target })),
      ],
      rand,
    ),
    gapMs: [10_000, 25_000],
    tailMs: 30_000,
    // Past every activity's start-to-close timeout (20 s at most), so its work is retried by another attempt.
    pauseMs: Number(args['pause-s'] ?? 30) * 1000,
    // Past the first attempts of every step after the capture (publishing: about 3 minutes).
    outageMs: Number(args['outage-s'] ?? 210) * 1000,
    drainMs: 900_000,
    rand,
  };
}
