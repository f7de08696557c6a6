/** Starts the engine floor's worker processes (worker.ts), one per floor queue and replica, as the real ones run. */
import type { StackConfig } from '../../stack/config';
import { appPids, startApp, type AppProcess } from '../../stack/app';
import type { FloorQueue } from './queues';

export interface FloorWorkers {
  /** Process name ("floor-worker-orders") → pid. */
  pids: Map<string, number>;
  stop(): Promise<void>;
}

const ENTRY = 'tools/bench/floor/worker.ts';

export async function startFloorWorkers(
  config: StackConfig,
  log: (line: string) => void,
): Promise<FloorWorkers> {
  const { workers } = config;
  const queues: [FloorQueue, string, number][] = [
    ['orders', 'floor-worker-orders', workers.orders.replicas],
    ['payments', 'floor-worker-payments', workers.payments.replicas],
    ['orderEvents', 'floor-worker-order-events', workers.orderEvents.replicas],
  ];
  // One launcher per queue: each needs its own BENCH_FLOOR_QUEUE.
  const settled = await Promise.allSettled(
    queues.map(([queue, name, replicas]) => {
      const worker: AppProcess = { name, entry: ENTRY, replicas };
      return startApp([worker], {
        env: { BENCH_FLOOR_QUEUE: queue },
        output: (instance, line) => {
          if (/exited|restarting|error/i.test(line)) log(`  ${instance}: ${line}`);
        },
      });
    }),
  );
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => void (await Promise.all(started.map((app) => app.stop())));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { pids: new Map(started.flatMap((app) => [...appPids(app)])), stop };
}
